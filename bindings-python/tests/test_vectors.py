"""The shared golden vectors (tests/vectors/records.json) through Python:
each case becomes a LogRecord plus a bound context, and every profile's
line must match byte for byte, through JSONFormatter and through Handler."""

from __future__ import annotations

import datetime
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

import logfort
from logfort import context

VECTORS = Path(__file__).resolve().parents[2] / "tests" / "vectors" / "records.json"
CASES: list[dict[str, Any]] = (
    json.loads(VECTORS.read_text(encoding="utf-8")) if VECTORS.exists() else []
)
pytestmark = pytest.mark.skipif(not CASES, reason=f"{VECTORS} is not in this checkout")
PROFILES = ["json", "ecs", "gcp", "otel", "text"]
LEVELS = {
    "TRACE": 5,
    "DEBUG": 10,
    "INFO": 20,
    "NOTICE": 25,
    "WARNING": 30,
    "ERROR": 40,
    "CRITICAL": 50,
}
STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


def unreplayable(case: dict[str, Any]) -> str | None:
    """Why a case cannot be expressed through Python's logging, if so."""
    rec = case["record"]
    if "raw_fields" in rec:
        return "caller-serialised JSON fields are a Node/C input, not a Python one"
    if "schema_errors" in rec:
        return "schema errors are set by the core's schema stage, not by a caller"
    clash = sorted(set(rec.get("fields", {})) & STANDARD)
    if clash:
        return f"logging refuses extra= keys LogRecord owns: {clash}"
    return None


REPLAYABLE = [c for c in CASES if unreplayable(c) is None]


def test_every_case_is_replayed_or_explained() -> None:
    skipped = {c["name"]: unreplayable(c) for c in CASES if unreplayable(c)}
    assert len(REPLAYABLE) + len(skipped) == len(CASES)
    assert set(skipped) <= {
        "raw_fields_resolved",
        "schema_errors_annotated",
        "colliding_field_names",
    }


def decode(v: Any) -> Any:
    if isinstance(v, dict):
        if set(v) == {"$float"}:
            return float(v["$float"])
        return {k: decode(x) for k, x in v.items()}
    if isinstance(v, list):
        return [decode(x) for x in v]
    return v


def created(stamp: str) -> float:
    dt = datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ")
    return dt.replace(tzinfo=datetime.timezone.utc).timestamp()


def build(case: dict[str, Any]) -> logging.LogRecord:
    rec = case["record"]
    loc = rec.get("location")
    exc_info = None
    exc = rec.get("exception")
    if exc is not None:
        cls = type(exc["type"], (Exception,), {})
        err = cls(exc["message"])
        if "code" in exc:
            err.code = exc["code"]
        exc_info = (cls, err, None)
    record = logging.LogRecord(
        rec["logger"],
        LEVELS[rec["level"]],
        loc["file"] if loc else None,
        loc["line"] if loc else 0,
        rec["message"],
        (),
        exc_info,
        loc["function"] if loc else None,
        rec.get("stack_trace"),
    )
    record.created = created(rec["time"])
    if exc is not None and "traceback" in exc:
        record.exc_text = exc["traceback"]
    for k, v in decode(rec.get("fields", {})).items():
        record.__dict__[k] = v
    if "log_type" in rec:
        record.__dict__["log_type"] = rec["log_type"]
    return record


@contextmanager
def case_context(case: dict[str, Any]) -> Iterator[None]:
    ctx_spec = dict(case["record"].get("context", {}))
    bound = ctx_spec.pop("fields", {})
    ctx = logfort.Context()
    if "correlation_id" in ctx_spec:
        ctx = ctx.bind(correlation_id=ctx_spec.pop("correlation_id"))
    ctx = ctx.bind(**ctx_spec).bind(**decode(bound))
    token = context._set(ctx)
    try:
        yield
    finally:
        context._reset(token)


def config(case: dict[str, Any], profile: str) -> dict[str, Any]:
    return {
        **case.get("config", {}),
        "format": profile,
        "mask": {"enabled": False},
        "schema": {"policy": "off"},
    }


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("case", REPLAYABLE, ids=[c["name"] for c in REPLAYABLE])
def test_formatter_writes_the_vector_line(case: dict[str, Any], profile: str) -> None:
    formatter = logfort.JSONFormatter(**config(case, profile))
    with case_context(case):
        line = formatter.format(build(case))
    assert line == case["expected"][profile]


@pytest.mark.parametrize("profile", PROFILES)
def test_handler_writes_the_vector_lines(profile: str, tmp_path: Path) -> None:
    expected, got = [], []
    for i, case in enumerate(REPLAYABLE):
        path = tmp_path / f"{i}.log"
        handler = logfort.Handler(
            **config(case, profile), sinks=[{"type": "file", "path": str(path)}]
        )
        with case_context(case):
            handler.handle(build(case))
        handler.close()
        # one record per file: a text traceback continues on more lines
        got.append(path.read_text(encoding="utf-8"))
        expected.append(case["expected"][profile] + "\n")
    assert got == expected
