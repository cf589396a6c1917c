"""logfort.Handler: what a LogRecord becomes, line for line."""

from __future__ import annotations

import json
import logging
import logging.config
from pathlib import Path

import pytest

import logfort
from conftest import FIXED_TIMESTAMP, make_record, read_lines, read_records


def test_record_becomes_exact_line(file_handler: logfort.Handler, log_file: Path) -> None:
    rec = make_record(
        "user %s logged in from %s",
        ("alice", "web"),
        extra={"user_id": "u-1", "attempt": 2, "ratio": 0.5, "tags": ["a", "b"]},
    )
    file_handler.handle(rec)
    file_handler.flush()
    assert read_lines(log_file) == [
        '{"timestamp":"' + FIXED_TIMESTAMP + '","level":"INFO","logger":"app.test",'
        '"message":"user alice logged in from web","user_id":"u-1","attempt":2,'
        '"ratio":0.5,"tags":["a","b"],"file":"/srv/app/views.py","line":42,'
        '"function":"login","schema_version":"1.0"}'
    ]


def test_extra_keeps_its_order_and_reused_records_carry_nothing_over(
    file_handler: logfort.Handler, log_file: Path
) -> None:
    for i in range(300):
        if i % 2 == 0:
            extra = {"attempt": i, "user_id": "u-1", "note": "x", "api_key": "sk-live-abc"}
        else:
            extra = {"n": i}
        file_handler.handle(make_record("m", extra=extra))
        if i % 50 == 0:
            file_handler.flush()  # lets the writer hand records back for reuse
    file_handler.flush()
    recs = read_records(log_file)
    assert len(recs) == 300
    for i, r in enumerate(recs):
        fields = [
            k
            for k in r
            if k
            not in (
                "timestamp",
                "level",
                "logger",
                "message",
                "file",
                "line",
                "function",
                "schema_version",
            )
        ]
        if i % 2 == 0:
            assert fields == ["attempt", "user_id", "note", "api_key"], r
            assert (r["attempt"], r["api_key"]) == (i, "***MASKED***")
        else:
            assert fields == ["n"], r
            assert r["n"] == i


def test_scalar_extras_come_out_alike_with_or_without_other_values(
    file_handler: logfort.Handler, log_file: Path
) -> None:
    # Only scalars: captured into the thread's ring. With a list among
    # them: moved to a record. The lines must not tell the two apart.
    scalars = {
        "s": 'q"uo\\te\n\u00e9\U0001f600\x01',
        "lone": "a\ud800b",
        "i": -7,
        "u": 2**63,
        "big": 2**70,
        "f": 0.1,
        "neg0": -0.0,
        "nan": float("nan"),
        "inf": float("-inf"),
        "t": True,
        "n": None,
    }
    file_handler.handle(make_record("m", extra=scalars))
    file_handler.handle(make_record("m", extra={**scalars, "list": [1]}))
    file_handler.flush()
    head = (
        '{"timestamp":"' + FIXED_TIMESTAMP + '","level":"INFO","logger":"app.test","message":"m",'
    )
    fields = (
        '"s":"q\\"uo\\\\te\\n\u00e9\U0001f600\\u0001","lone":"a\\\\ud800b","i":-7,'
        '"u":9223372036854775808,"big":"1180591620717411303424","f":0.1,"neg0":-0.0,'
        '"nan":"NaN","inf":"-Infinity","t":true,"n":null'
    )
    tail = ',"file":"/srv/app/views.py","line":42,"function":"login","schema_version":"1.0"}'
    assert read_lines(log_file) == [head + fields + tail, head + fields + ',"list":[1]' + tail]


def test_a_value_too_large_for_the_ring_keeps_the_fields_around_it(
    file_handler: logfort.Handler, log_file: Path
) -> None:
    big = "x" * 20_000
    file_handler.handle(make_record("m" * 5_000, extra={"a": 1, "big": big, "b": "two"}))
    file_handler.flush()
    [r] = read_records(log_file)
    assert r["message"] == "m" * 5_000
    assert [(k, r[k]) for k in ("a", "big", "b")] == [("a", 1), ("big", big), ("b", "two")]
    assert (r["file"], r["line"], r["function"]) == ("/srv/app/views.py", 42, "login")


def test_a_record_logged_while_another_is_converted_arrives_too(
    file_handler: logfort.Handler, log_file: Path
) -> None:
    class Loud:
        def __str__(self) -> str:
            file_handler.handle(make_record("inner", extra={"k": "v"}))
            return "loud"

    file_handler.handle(make_record("outer", extra={"first": 1, "obj": Loud(), "last": 2}))
    file_handler.flush()
    recs = read_records(log_file)
    assert [r["message"] for r in recs] == ["inner", "outer"]
    assert (recs[0]["k"], recs[1]["first"], recs[1]["obj"], recs[1]["last"]) == (
        "v",
        1,
        "loud",
        2,
    )


def test_levels_map_to_the_shared_scale(file_handler: logfort.Handler, log_file: Path) -> None:
    for lvl in (5, 10, 20, 25, 30, 35, 40, 50):
        file_handler.handle(make_record(f"n{lvl}", level=lvl))
    file_handler.flush()
    levels = [r["level"] for r in read_records(log_file)]
    assert levels == ["TRACE", "DEBUG", "INFO", "NOTICE", "WARNING", "WARNING", "ERROR", "CRITICAL"]


def test_logger_call_carries_location_extra_and_context(
    std_logger: logging.Logger, file_handler: logfort.Handler, log_file: Path
) -> None:
    with logfort.context.bound(correlation_id="req-7", tenant="acme"):
        std_logger.warning("low disk %d%%", 91, extra={"mount": "/var"})
    file_handler.flush()
    (rec,) = read_records(log_file)
    assert rec["message"] == "low disk 91%"
    assert rec["level"] == "WARNING"
    assert rec["correlation_id"] == "req-7"
    assert rec["tenant"] == "acme"
    assert rec["mount"] == "/var"
    assert rec["file"] == __file__
    assert rec["function"] == "test_logger_call_carries_location_extra_and_context"
    assert list(rec)[:5] == ["timestamp", "level", "logger", "message", "correlation_id"]


def test_exception_and_stack_info(
    std_logger: logging.Logger, file_handler: logfort.Handler, log_file: Path
) -> None:
    try:
        raise KeyError("missing")
    except KeyError:
        std_logger.exception("lookup failed")
    std_logger.info("where am I", stack_info=True)
    file_handler.flush()
    exc_rec, stack_rec = read_records(log_file)
    assert exc_rec["level"] == "ERROR"
    exc = exc_rec["exception"]
    assert exc["type"] == "KeyError"
    assert exc["message"] == "'missing'"
    assert exc["traceback"].startswith("Traceback (most recent call last):\n")
    assert exc["traceback"].endswith("KeyError: 'missing'")
    assert stack_rec["stack_trace"].startswith("Stack (most recent call last):\n")
    assert "test_exception_and_stack_info" in stack_rec["stack_trace"]


def test_bad_format_args_never_raise(file_handler: logfort.Handler, log_file: Path) -> None:
    file_handler.handle(make_record("%d items", ("many",)))
    file_handler.flush()
    (rec,) = read_records(log_file)
    assert rec["message"] == "%d items ('many',)"
    try:
        make_record("%d items", ("many",)).getMessage()
    except TypeError as e:  # the wording differs between Python versions
        expected = f"TypeError: {e}"
    assert rec["logging_error"] == expected


def test_non_string_message(file_handler: logfort.Handler, log_file: Path) -> None:
    file_handler.handle(make_record({"k": 1}))
    file_handler.handle(make_record(12))
    file_handler.flush()
    assert [r["message"] for r in read_records(log_file)] == ["{'k': 1}", "12"]


def test_reserved_extra_names_do_not_clash(file_handler: logfort.Handler, log_file: Path) -> None:
    file_handler.handle(make_record(extra={"level": "x", "timestamp": 1}))
    file_handler.flush()
    (rec,) = read_records(log_file)
    assert rec["level"] == "INFO"
    assert rec["field_level"] == "x"
    assert rec["field_timestamp"] == 1


def test_log_type_extra_sets_the_type(file_handler: logfort.Handler, log_file: Path) -> None:
    file_handler.handle(make_record(extra={"log_type": "audit", "action": "delete"}))
    file_handler.handle(make_record(extra={"log_type": "nonsense"}))
    file_handler.flush()
    a, b = read_records(log_file)
    assert a["log_type"] == "audit"
    assert a["action"] == "delete"
    assert "log_type" not in b
    assert b["field_log_type"] == "nonsense"


def test_filters_still_apply(
    std_logger: logging.Logger, file_handler: logfort.Handler, log_file: Path
) -> None:
    file_handler.addFilter(lambda r: "keep" in r.getMessage())
    std_logger.info("keep me")
    std_logger.info("drop me")
    file_handler.filters.clear()
    std_logger.info("no filter")
    file_handler.flush()
    assert [r["message"] for r in read_records(log_file)] == ["keep me", "no filter"]


def test_handler_level_and_logger_level(
    std_logger: logging.Logger, file_handler: logfort.Handler, log_file: Path
) -> None:
    file_handler.setLevel(logging.WARNING)
    std_logger.info("below")
    std_logger.error("above")
    file_handler.flush()
    assert [r["message"] for r in read_records(log_file)] == ["above"]


def test_subclass_emit_is_respected(log_file: Path) -> None:
    seen: list[str] = []

    class Recording(logfort.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record.getMessage())
            super().emit(record)

    h = Recording(sinks=[{"type": "file", "path": str(log_file)}])
    h.handle(make_record("one"))
    h.close()
    assert seen == ["one"]
    assert [r["message"] for r in read_records(log_file)] == ["one"]


def test_dict_config_with_keyword_configuration(tmp_path: Path) -> None:
    path = tmp_path / "dc.log"
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "handlers": {
                "lf": {
                    "()": "logfort.Handler",
                    "level": "DEBUG",
                    "service": "billing",
                    "environment": "test",
                    "sinks": [{"type": "file", "path": str(path)}],
                }
            },
            "loggers": {"dc": {"handlers": ["lf"], "level": "DEBUG", "propagate": False}},
        }
    )
    lg = logging.getLogger("dc")
    lg.debug("configured", extra={"n": 1})
    (h,) = lg.handlers
    assert isinstance(h, logfort.Handler)
    h.close()
    lg.handlers = []
    (rec,) = read_records(path)
    assert rec["level"] == "DEBUG"
    assert rec["service"] == "billing"
    assert rec["environment"] == "test"
    assert rec["n"] == 1


def test_default_handler_shares_the_process_pipeline(default_to_file: Path) -> None:
    lg = logging.getLogger("shared")
    h = logfort.Handler()
    lg.handlers = [h]
    lg.propagate = False
    lg.setLevel(logging.DEBUG)
    lg.debug("via handler")
    logfort.get_logger("shared.fast").info("via fast path")
    logfort.flush()
    lg.handlers = []
    assert [r["message"] for r in read_records(default_to_file)] == [
        "via handler",
        "via fast path",
    ]


def test_install_adds_root_handler_and_typed_methods(default_to_file: Path) -> None:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level, logging.getLoggerClass(), type(root))
    try:
        handler = logfort.install(level="DEBUG")
        assert root.handlers.count(handler) == 1
        logfort.install(level="DEBUG")
        assert sum(isinstance(h, logfort.Handler) for h in root.handlers) == 1
        lg = logging.getLogger("installed.app")
        lg.audit("delete", "user", "u-9", user_id="admin", reason="cleanup")
        lg.audit("login", "session", "s-1", result="denied")
        lg.security("brute_force", "critical", client_ip="10.0.0.1", user_id="u-7", attempts=12)
        lg.business("order_placed", order_id="o-1", amount=12.5, event="dup")
        lg.performance("db_query", 1500.0, rows=3)
        lg.info("plain %s", "call")
        logfort.flush()
    finally:
        root.handlers = saved[0]
        root.setLevel(saved[1])
        logging.setLoggerClass(saved[2])
        root.__class__ = saved[3]
    recs = read_records(default_to_file)
    strip = ("timestamp", "logger", "file", "line", "function", "schema_version")
    got = [{k: v for k, v in r.items() if k not in strip} for r in recs]
    assert got == [
        {
            "level": "INFO",
            "message": "audit: delete on user/u-9 -> success",
            "log_type": "audit",
            "action": "delete",
            "resource_type": "user",
            "resource_id": "u-9",
            "user_id": "admin",
            "result": "success",
            "reason": "cleanup",
        },
        {
            "level": "WARNING",
            "message": "audit: login on session/s-1 -> denied",
            "log_type": "audit",
            "action": "login",
            "resource_type": "session",
            "resource_id": "s-1",
            "result": "denied",
            "schema_errors": ["user_id: is required (audit)"],
        },
        {
            "level": "CRITICAL",
            "message": "security: brute_force (critical)",
            "log_type": "security",
            "security_event": "brute_force",
            "severity": "critical",
            "client_ip": "10.0.0.1",
            "user_id": "u-7",
            "attempts": 12,
        },
        {
            "level": "INFO",
            "message": "business: order_placed",
            "log_type": "business",
            "event": "order_placed",
            "order_id": "o-1",
            "amount": 12.5,
            "detail_event": "dup",
        },
        {
            "level": "WARNING",
            "message": "performance: db_query took 1500 ms",
            "log_type": "performance",
            "operation": "db_query",
            "duration_ms": 1500.0,
            "success": True,
            "rows": 3,
        },
        {"level": "INFO", "message": "plain call"},
    ]
    assert {r["function"] for r in recs} == {"test_install_adds_root_handler_and_typed_methods"}


def test_emit_after_shutdown_does_not_raise(log_file: Path) -> None:
    h = logfort.Handler(sinks=[{"type": "file", "path": str(log_file)}])
    h.handle(make_record("before"))
    h.close()
    h.handle(make_record("after"))
    h.flush()
    assert [r["message"] for r in read_records(log_file)] == ["before"]


def test_output_is_one_valid_line_per_record(file_handler: logfort.Handler, log_file: Path) -> None:
    file_handler.handle(make_record('multi\nline "quoted" \x00 \u2028 end'))
    file_handler.flush()
    (line,) = read_lines(log_file)
    assert json.loads(line)["message"] == 'multi\nline "quoted" \x00 \u2028 end'


def test_exception_instance_without_traceback_and_code(
    file_handler: logfort.Handler, log_file: Path
) -> None:
    class PaymentError(Exception):
        code = "card_declined"

    err = PaymentError("declined")
    file_handler.handle(make_record("pay", exc_info=(PaymentError, err, None)))
    file_handler.flush()
    (rec,) = read_records(log_file)
    assert rec["exception"] == {
        "type": "PaymentError",
        "message": "declined",
        "code": "card_declined",
    }


def test_odd_record_times_never_raise(file_handler: logfort.Handler, log_file: Path) -> None:
    for created in (1e300, float("nan"), -5.0, "yesterday"):
        rec = make_record("t")
        rec.created = created
        file_handler.handle(rec)
    file_handler.flush()
    assert len(read_records(log_file)) == 4


def test_strict_schema_violation_is_reported_not_raised(
    log_file: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    h = logfort.Handler(
        schema={"policy": "strict"}, sinks=[{"type": "file", "path": str(log_file)}]
    )
    h.handle(make_record("incomplete", extra={"log_type": "audit"}))
    h.handle(make_record("plain"))
    h.close()
    assert [r["message"] for r in read_records(log_file)] == ["plain"]
    err = capfd.readouterr().err
    assert "logfort: record not written: schema violation" in err
    assert "user_id" in err
