"""The golden vectors' lines checked against the specifications they claim.

core/tests/vectors.rs proves the encoders write exactly the expected lines
of tests/vectors/records.json; this suite proves those lines are what the
official definitions accept:

- ``otel``: each line parses with ``google.protobuf.json_format`` into the
  official ``opentelemetry.proto.logs.v1.LogRecord``, and the parsed record
  carries the input's severity, body, times, ids and attributes.
- ``ecs``: the ecs-logging spec's rules (required fields, the first three
  keys in order, ``log.level`` a dotted top-level key, ``labels`` keys
  sanitised and not nested, ``event.dataset`` sanitised).
- ``gcp``: severities map as Cloud Logging's ``LogSeverity`` defines them
  (the official enum), ``httpRequest`` parses into the official
  ``google.logging.type.HttpRequest``, trace and span ids have the form
  Cloud Trace uses, no caller field sets a special key.
"""

from __future__ import annotations

import base64
import json
import math
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from google.logging.type import http_request_pb2, log_severity_pb2
from google.protobuf import json_format
from opentelemetry.proto.common.v1 import common_pb2
from opentelemetry.proto.logs.v1 import logs_pb2

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "records.json"
CASES: list[dict[str, Any]] = json.loads(VECTORS.read_text(encoding="utf-8"))
IDS = [c["name"] for c in CASES]
PROFILES = ("json", "ecs", "gcp", "otel", "text")
LEVELS = ("TRACE", "DEBUG", "INFO", "NOTICE", "WARNING", "ERROR", "CRITICAL")

# OpenTelemetry SeverityNumber ranges (logs data model): each band of four.
OTEL_RANGE = {
    "TRACE": range(1, 5),
    "DEBUG": range(5, 9),
    "INFO": range(9, 13),
    "NOTICE": range(9, 13),
    "WARNING": range(13, 17),
    "ERROR": range(17, 21),
    "CRITICAL": range(21, 25),
}
# Cloud Logging LogSeverity for each level: the same name where Cloud
# Logging has it; TRACE, which it lacks, is its lowest named level.
GCP_SEVERITY = {
    "TRACE": "DEBUG",
    "DEBUG": "DEBUG",
    "INFO": "INFO",
    "NOTICE": "NOTICE",
    "WARNING": "WARNING",
    "ERROR": "ERROR",
    "CRITICAL": "CRITICAL",
}
HEX32 = re.compile(r"^[0-9a-f]{32}$")
HEX16 = re.compile(r"^[0-9a-f]{16}$")
PROMOTED = ("correlation_id", "request_id", "trace_id", "span_id")
GCP_SPECIAL = {
    "logging.googleapis.com/trace",
    "logging.googleapis.com/spanId",
    "logging.googleapis.com/trace_sampled",
    "logging.googleapis.com/sourceLocation",
}


def pairs(line: str) -> list[tuple[str, Any]]:
    """Top-level members in order, duplicates kept."""
    return json.loads(line, object_pairs_hook=lambda p: p)


def no_duplicates(p: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in p:
        assert k not in out, f"duplicate key {k!r}"
        out[k] = (
            no_duplicates(v)
            if isinstance(v, list) and v and isinstance(v[0], tuple)
            else v
        )
    return out


def doc(line: str) -> dict[str, Any]:
    return no_duplicates(pairs(line))


def w3c(ident: Any, length: int) -> str | None:
    """The id as OTLP and Cloud Trace spell it, if it is a valid W3C id."""
    if not isinstance(ident, str) or len(ident) != length:
        return None
    if not re.fullmatch(r"[0-9a-fA-F]+", ident) or set(ident) == {"0"}:
        return None
    return ident.lower()


def record_id(rec: dict[str, Any], slot: str) -> Any:
    """An id slot as the encoders resolve it: context, else a string field."""
    ctx = rec.get("context", {})
    if ctx.get(slot) is not None:
        return ctx[slot]
    value = rec.get("fields", {}).get(slot)
    return value if isinstance(value, str) else None


def unix_nanos(iso: str) -> int:
    t = datetime.strptime(iso, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    delta = t - datetime(1970, 1, 1, tzinfo=UTC)
    return (
        delta.days * 86_400 + delta.seconds
    ) * 1_000_000_000 + delta.microseconds * 1_000


def field_value(v: Any) -> Any:
    """A vectors-file value as the caller passed it (`$float` markers)."""
    if isinstance(v, dict) and list(v) == ["$float"]:
        return float(v["$float"].replace("Infinity", "inf"))
    if isinstance(v, dict):
        return {k: field_value(x) for k, x in v.items()}
    if isinstance(v, list):
        return [field_value(x) for x in v]
    return v


def cut(v: Any, depth: int, limit: int) -> Any:
    """The value as an encoder with a nesting limit writes it."""
    if isinstance(v, (list, dict)) and depth >= limit:
        return "[depth limit]"
    if isinstance(v, list):
        return [cut(x, depth + 1, limit) for x in v]
    if isinstance(v, dict):
        return {k: cut(x, depth + 1, limit) for k, x in v.items()}
    return v


def same(a: Any, b: Any) -> bool:
    if (
        isinstance(a, float)
        and isinstance(b, float)
        and math.isnan(a)
        and math.isnan(b)
    ):
        return True
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def test_the_vectors_cover_every_level_and_profile() -> None:
    assert len(CASES) >= 25
    assert len(set(IDS)) == len(IDS)
    assert {c["record"]["level"] for c in CASES} == set(LEVELS)
    for case in CASES:
        assert set(case["expected"]) == set(PROFILES), case["name"]


# --- otel -----------------------------------------------------------------


def any_to_py(v: common_pb2.AnyValue) -> Any:
    kind = v.WhichOneof("value")
    if kind is None:
        return None
    if kind == "array_value":
        return [any_to_py(x) for x in v.array_value.values]
    if kind == "kvlist_value":
        return {kv.key: any_to_py(kv.value) for kv in v.kvlist_value.values}
    return getattr(v, kind)


def parse_otel(line: str) -> logs_pb2.LogRecord:
    """OTLP/JSON differs from the proto3 JSON mapping in one point: trace
    and span ids are hex, not base64. Convert them as an OTLP receiver
    does, then parse strictly (unknown fields are errors)."""
    data = json.loads(line)
    for key, size in (("traceId", 16), ("spanId", 8)):
        if key in data:
            raw = bytes.fromhex(data[key])
            assert len(raw) == size, key
            data[key] = base64.b64encode(raw).decode()
    msg = logs_pb2.LogRecord()
    json_format.Parse(json.dumps(data), msg, ignore_unknown_fields=False)
    return msg


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_otel_lines_parse_into_the_official_log_record(case: dict[str, Any]) -> None:
    rec, cfg = case["record"], case.get("config", {})
    line = case["expected"]["otel"]
    msg = parse_otel(line)

    assert msg.severity_text == rec["level"]
    assert msg.severity_number in OTEL_RANGE[rec["level"]]
    assert msg.body.string_value == rec["message"]
    assert msg.time_unix_nano == unix_nanos(rec["time"])
    assert msg.observed_time_unix_nano == msg.time_unix_nano

    attrs: dict[str, Any] = {}
    for kv in msg.attributes:
        assert kv.key not in attrs, f"attribute {kv.key} twice"
        attrs[kv.key] = any_to_py(kv.value)

    trace = w3c(record_id(rec, "trace_id"), 32)
    span = w3c(record_id(rec, "span_id"), 16)
    ctx = rec.get("context", {})
    if trace:
        assert msg.trace_id == bytes.fromhex(trace)
        assert msg.flags == ctx.get("trace_flags", 0)
    else:
        assert msg.trace_id == b"" and msg.flags == 0
        assert attrs.get("trace_id") == record_id(rec, "trace_id")
    if span:
        assert msg.span_id == bytes.fromhex(span)
    else:
        assert msg.span_id == b""
        assert attrs.get("span_id") == record_id(rec, "span_id")

    if rec["logger"]:
        assert attrs["otel.scope.name"] == rec["logger"]
    for key, attr in (
        ("service", "service.name"),
        ("version", "service.version"),
        ("environment", "deployment.environment.name"),
    ):
        assert attrs.get(attr) == cfg.get(key)
    for slot in ("correlation_id", "request_id"):
        assert attrs.get(slot) == record_id(rec, slot)
    assert attrs.get("log_type") == rec.get("log_type")

    loc = rec.get("location")
    if loc:
        assert attrs["code.file.path"] == loc["file"]
        assert attrs["code.line.number"] == loc["line"]
        assert attrs["code.function.name"] == loc["function"]
    exc = rec.get("exception")
    if exc:
        assert attrs["exception.type"] == exc["type"]
        assert attrs["exception.message"] == exc["message"]
        assert attrs.get("exception.code") == exc.get("code")
    stack = (exc or {}).get("traceback") or rec.get("stack_trace")
    assert attrs.get("exception.stacktrace") == stack

    # The caller's plain fields keep their names and values (typed).
    for key, value in rec.get("fields", {}).items():
        plain = (
            key.isidentifier() and key not in PROMOTED and not key.startswith("field_")
        )
        if (
            plain
            and key in attrs
            and key not in ("level", "message", "timestamp", "logger")
        ):
            assert same(attrs[key], cut(field_value(value), 0, 32)), key


# --- ecs ------------------------------------------------------------------

ECS_REQUIRED = ("@timestamp", "log.level", "message", "ecs.version")
DATASET_FORBIDDEN = set('\\/*?"<>| ,#:-')


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_ecs_lines_follow_the_ecs_logging_spec(case: dict[str, Any]) -> None:
    rec, cfg = case["record"], case.get("config", {})
    line = case["expected"]["ecs"]
    members = pairs(line)
    d = no_duplicates(members)

    assert [k for k, _ in members[:3]] == ["@timestamp", "log.level", "message"]
    for key in ECS_REQUIRED:
        assert key in d, key
    assert isinstance(d["log.level"], str)
    assert "log" not in d, "log.level must be a dotted top-level key, not nested"
    assert not any(
        isinstance(v, list) and v and isinstance(v[0], tuple)
        for k, v in members
        if k != "labels"
    ), "only labels is an object"
    assert re.fullmatch(r"\d+\.\d+\.\d+", d["ecs.version"])
    assert datetime.strptime(d["@timestamp"], "%Y-%m-%dT%H:%M:%S.%fZ")
    assert d["log.level"] == rec["level"].lower()
    assert d["message"] == rec["message"]
    assert d["log.logger"] == rec["logger"]
    assert d.get("service.name") == cfg.get("service")
    assert d.get("service.environment") == cfg.get("environment")
    assert d.get("service.version") == cfg.get("version")
    if "event.dataset" in d:
        ds = d["event.dataset"]
        assert ds.endswith(".log") and len(ds) <= 100 and ds == ds.lower()
        assert not DATASET_FORBIDDEN & set(ds)
    labels = d.get("labels", {})
    for key, value in labels.items():
        assert not {".", "*", "\\"} & set(key), f"unsanitised label key {key!r}"
        assert not isinstance(value, dict), f"nested label {key!r}"
    exc = rec.get("exception")
    if exc:
        assert d["error.type"] == exc["type"]
        assert d["error.message"] == exc["message"]
    if "client.ip" in d:
        import ipaddress

        ipaddress.ip_address(d["client.ip"])
    if "event.duration" in d:
        assert isinstance(d["event.duration"], int) and d["event.duration"] >= 0


# --- gcp ------------------------------------------------------------------


def test_gcp_severity_table_is_cloud_loggings() -> None:
    """Each level maps to an official LogSeverity, in the same order."""
    numbers = [log_severity_pb2.LogSeverity.Value(GCP_SEVERITY[lv]) for lv in LEVELS]
    assert numbers == sorted(numbers)
    assert len(set(numbers[1:])) == len(LEVELS) - 1


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_gcp_lines_follow_cloud_logging(case: dict[str, Any]) -> None:
    rec, cfg = case["record"], case.get("config", {})
    d = doc(case["expected"]["gcp"])

    assert d["severity"] == GCP_SEVERITY[rec["level"]]
    assert log_severity_pb2.LogSeverity.Value(d["severity"]) > 0  # an official name
    assert d["message"] == rec["message"]
    assert datetime.strptime(d["time"], "%Y-%m-%dT%H:%M:%S.%fZ")
    for key in d:
        if key.startswith("logging.googleapis.com/"):
            assert key in GCP_SPECIAL, f"unexpected special key {key}"
    assert "timestampSeconds" not in d and "timestamp" not in d

    trace = w3c(record_id(rec, "trace_id"), 32)
    span = w3c(record_id(rec, "span_id"), 16)
    ctx = rec.get("context", {})
    if trace:
        name = d["logging.googleapis.com/trace"]
        project = cfg.get("gcp_project")
        assert name == (f"projects/{project}/traces/{trace}" if project else trace)
        assert HEX32.match(name.rsplit("/", 1)[-1])
        if "trace_flags" in ctx:
            assert d["logging.googleapis.com/trace_sampled"] is bool(
                ctx["trace_flags"] & 1
            )
    else:
        assert "logging.googleapis.com/trace" not in d
    if span:
        assert HEX16.match(d["logging.googleapis.com/spanId"])
        assert d["logging.googleapis.com/spanId"] == span
    else:
        assert "logging.googleapis.com/spanId" not in d

    if "httpRequest" in d:
        req = http_request_pb2.HttpRequest()
        json_format.Parse(
            json.dumps(d["httpRequest"]), req, ignore_unknown_fields=False
        )
        assert req.request_method or req.request_url or req.status

    loc = rec.get("location")
    if loc:
        src = d["logging.googleapis.com/sourceLocation"]
        assert src == {
            "file": loc["file"],
            "line": str(loc["line"]),
            "function": loc["function"],
        }
    exc = rec.get("exception")
    stack = (exc or {}).get("traceback") or rec.get("stack_trace")
    assert d.get("stack_trace") == stack
    if (exc or stack) and cfg.get("service"):
        assert d["serviceContext"]["service"] == cfg["service"]
