"""The DESIGN.md workload through logfort and its peers, in one process run.

Each contender logs the same record N times to its own file (the no-op
floor writes nothing); throughput is measured end to end, until the file
holds every line. Rounds alternate between contenders so that drift on a
shared machine hits them all alike; the best round counts. Ratios are
printed against every peer, then the targets of the Python issue.

    python bench/python/bench.py [--records N] [--rounds R] [--out DIR]
"""

from __future__ import annotations

import argparse
import contextvars
import json
import logging
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import logfort

LOGGER = "app.auth"
MESSAGE = 'login failed {"password": "hunter2"} for alice@example.com card 4111-1111-1111-1111'
FIELDS: dict[str, Any] = {
    "user_id": "u-123",
    "client_ip": "192.168.1.1",
    "duration_ms": 12.5,
    "request_path": "/api/v1/login",
    "api_key": "sk-live-abcdef",
}
CORRELATION_ID = "7f1c9a2e-4b1d-4c3e-9f00-0123456789ab"

# --- the hand-written stack Python backends run today ----------------------

_cid: contextvars.ContextVar[str | None] = contextvars.ContextVar("cid", default=None)


class HandJSONFormatter(logging.Formatter):
    """The usual hand-written JSON formatter."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "timestamp": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "module": record.module,
            "function": record.funcName,
            "line": record.lineno,
        }
        cid = getattr(record, "correlation_id", None)
        if cid:
            entry["correlation_id"] = cid
        for k in FIELDS:
            if hasattr(record, k):
                entry[k] = getattr(record, k)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class SensitiveDataFilter(logging.Filter):
    """Regex masking of record.msg only (extra= leaks)."""

    PATTERNS: ClassVar[list[tuple[re.Pattern[str], str]]] = [
        (re.compile(r'("password"\s*:\s*")[^"]*(")', re.I), r"\1***\2"),
        (re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+"), "***@***"),
        (re.compile(r"\b(?:\d{4}[- ]?){3}\d{4}\b"), "****-****-****-****"),
        (re.compile(r"\bsk-(?:live|test)-\w+"), "sk-***"),
    ]

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            msg = record.msg
            for pat, rep in self.PATTERNS:
                msg = pat.sub(rep, msg)
            record.msg = msg
        return True


class CorrelationIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.correlation_id = _cid.get()
        return True


class NoopHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        pass


# --- contenders -------------------------------------------------------------


class Contender:
    """setup() returns the per-record call; finish() waits for the file."""

    name = ""
    writes_file = True

    def __init__(self, out: Path) -> None:
        self.path = out / (self.name.replace(" ", "_").replace("/", "_") + ".log")

    def setup(self) -> Callable[[], None]:
        raise NotImplementedError

    def finish(self) -> None:
        pass

    def teardown(self) -> None:
        pass


def _stdlib_logger(name: str, handler: logging.Handler) -> logging.Logger:
    lg = logging.getLogger(name)
    lg.handlers = [handler]
    lg.propagate = False
    lg.setLevel(logging.INFO)
    return lg


class Stdlib(Contender):
    def __init__(self, out: Path, name: str, make: Callable[[Path], logging.Handler]) -> None:
        self.name = name
        super().__init__(out)
        self.make = make

    def setup(self) -> Callable[[], None]:
        self.handler = self.make(self.path)
        lg = _stdlib_logger(f"bench.{self.name}", self.handler)
        info, msg, extra = lg.info, MESSAGE, FIELDS
        return lambda: info(msg, extra=extra)

    def finish(self) -> None:
        self.handler.flush()

    def teardown(self) -> None:
        self.handler.close()


def hand_written(path: Path) -> logging.Handler:
    h = logging.FileHandler(path)
    h.setFormatter(HandJSONFormatter())
    h.addFilter(SensitiveDataFilter())
    h.addFilter(CorrelationIdFilter())
    return h


def json_logger_orjson(path: Path) -> logging.Handler:
    from pythonjsonlogger.orjson import OrjsonFormatter

    h = logging.FileHandler(path)
    h.setFormatter(OrjsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    h.addFilter(CorrelationIdFilter())
    return h


def logfort_json_formatter(path: Path) -> logging.Handler:
    h = logging.FileHandler(path)
    h.setFormatter(logfort.JSONFormatter(**MASK))
    return h


class NoopFloor(Stdlib):
    writes_file = False

    def __init__(self, out: Path) -> None:
        super().__init__(out, "stdlib no-op handler", lambda p: NoopHandler())


class LogfortHandler(Contender):
    name = "logfort.Handler"

    def setup(self) -> Callable[[], None]:
        logfort.configure(sinks=[{"type": "file", "path": str(self.path)}], **MASK)
        lg = _stdlib_logger("bench.logfort", logfort.Handler())
        info, msg, extra = lg.info, MESSAGE, FIELDS
        return lambda: info(msg, extra=extra)

    def finish(self) -> None:
        logfort.flush()


class LogfortFast(Contender):
    name = "logfort.get_logger"

    def setup(self) -> Callable[[], None]:
        logfort.configure(sinks=[{"type": "file", "path": str(self.path)}], **MASK)
        info, msg, f = logfort.get_logger(LOGGER).info, MESSAGE, FIELDS
        return lambda: info(msg, **f)

    def finish(self) -> None:
        logfort.flush()


class Structlog(Contender):
    name = "structlog+orjson"

    def setup(self) -> Callable[[], None]:
        import orjson
        import structlog

        self.file = open(self.path, "wb")  # noqa: SIM115
        log = structlog.wrap_logger(
            structlog.BytesLogger(self.file),
            processors=[
                structlog.contextvars.merge_contextvars,
                structlog.processors.add_log_level,
                structlog.processors.TimeStamper(fmt="iso", utc=True),
                structlog.processors.JSONRenderer(serializer=orjson.dumps),
            ],
            wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
            cache_logger_on_first_use=True,
        ).bind(logger=LOGGER)
        structlog.contextvars.bind_contextvars(correlation_id=CORRELATION_ID)
        info, msg, f = log.info, MESSAGE, FIELDS
        return lambda: info(msg, **f)

    def finish(self) -> None:
        self.file.flush()

    def teardown(self) -> None:
        import structlog

        structlog.contextvars.clear_contextvars()
        self.file.close()


class Picologging(Contender):
    name = "picologging (text)"

    def setup(self) -> Callable[[], None]:
        import picologging

        self.handler = picologging.FileHandler(str(self.path))
        self.handler.setFormatter(
            picologging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")
        )
        self.logger = lg = picologging.getLogger(f"bench.{LOGGER}")
        lg.addHandler(self.handler)
        lg.setLevel(picologging.INFO)
        lg.propagate = False
        # picologging writes into the extra dict it is given: its own copy.
        info, msg, extra = lg.info, MESSAGE, dict(FIELDS)
        return lambda: info(msg, extra=extra)

    def finish(self) -> None:
        self.handler.flush()

    def teardown(self) -> None:
        self.logger.removeHandler(self.handler)
        self.handler.close()


class Loguru(Contender):
    name = "loguru serialize"

    def setup(self) -> Callable[[], None]:
        from loguru import logger

        logger.remove()
        self.sink = logger.add(str(self.path), serialize=True, level="INFO", enqueue=False)
        log = logger.bind(logger=LOGGER, correlation_id=CORRELATION_ID)
        info, msg, f = log.info, MESSAGE, FIELDS
        # "{}" keeps str.format away from the braces in the message;
        # the keyword arguments land in the record's extra.
        return lambda: info("{}", msg, **f)

    def teardown(self) -> None:
        from loguru import logger

        logger.remove(self.sink)


def run(contender: Contender, n: int) -> float:
    """Records per second, end to end."""
    if contender.path.exists():
        contender.path.unlink()
    call = contender.setup()
    for _ in range(min(1000, n)):  # warm caches, first-use paths
        call()
    contender.finish()
    if contender.path.exists():
        contender.path.write_bytes(b"")
    t0 = time.perf_counter()
    for _ in range(n):
        call()
    contender.finish()
    elapsed = time.perf_counter() - t0
    contender.teardown()
    if contender.writes_file:
        with open(contender.path, "rb") as f:
            lines = sum(1 for _ in f)
        if lines != n:
            raise SystemExit(f"{contender.name}: {lines} lines on disk, expected {n}")
    return n / elapsed


def latency(contender: Contender, n: int) -> tuple[float, float, float]:
    """Caller-side latency percentiles (µs) of single calls."""
    call = contender.setup()
    clock = time.perf_counter_ns
    samples = []
    for _ in range(n):
        t = clock()
        call()
        samples.append(clock() - t)
    contender.finish()
    contender.teardown()
    samples.sort()

    def pct(p: float) -> float:
        return samples[min(len(samples) - 1, int(p * len(samples)))] / 1000.0

    return pct(0.5), pct(0.99), pct(0.999)


MASK: dict[str, Any] = {}


def masking_config() -> dict[str, Any]:
    """Masking on, as the workload asks (the default, said explicitly)."""
    return {"mask": {"enabled": True}}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--latency", type=int, default=20_000)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="logfort-bench-"))
    out.mkdir(parents=True, exist_ok=True)
    MASK.update(masking_config())

    contenders: list[Contender] = [
        Stdlib(out, "hand-written stack", hand_written),
        Stdlib(out, "python-json-logger+orjson", json_logger_orjson),
        Structlog(out),
        Picologging(out),
        Loguru(out),
        NoopFloor(out),
        LogfortHandler(out),
        Stdlib(out, "logfort.JSONFormatter+FileHandler", logfort_json_formatter),
        LogfortFast(out),
    ]
    best: dict[str, float] = {}
    token = _cid.set(CORRELATION_ID)
    with logfort.context.bound(correlation_id=CORRELATION_ID):
        for r in range(args.rounds):
            for c in contenders:
                rate = run(c, args.records)
                best[c.name] = max(best.get(c.name, 0.0), rate)
                print(f"  round {r + 1} {c.name:36} {rate:>12,.0f} rec/s", file=sys.stderr)
        lat = {c.name: latency(c, args.latency) for c in contenders}
    _cid.reset(token)

    print(f"\nPython {sys.version.split()[0]}, {args.records:,} records x {args.rounds} rounds")
    print(f"{'contender':36} {'rec/s':>12} {'µs/rec':>8} {'p50':>7} {'p99':>7} {'p99.9':>7}")
    for c in contenders:
        rate = best[c.name]
        p50, p99, p999 = lat[c.name]
        print(f"{c.name:36} {rate:>12,.0f} {1e6 / rate:>8.2f} {p50:>7.2f} {p99:>7.2f} {p999:>7.2f}")
    ours = ["logfort.Handler", "logfort.JSONFormatter+FileHandler", "logfort.get_logger"]
    peers = [c.name for c in contenders if c.name not in ours]
    print("\nthroughput ratios (logfort / peer)")
    print(f"{'':36}" + "".join(f"{p[:14]:>16}" for p in peers))
    for o in ours:
        print(f"{o:36}" + "".join(f"{best[o] / best[p]:>15.2f}x" for p in peers))

    handler, fast = best["logfort.Handler"], best["logfort.get_logger"]
    floor, hand, pico = (
        best["stdlib no-op handler"],
        best["hand-written stack"],
        best["picologging (text)"],
    )
    checks = [
        ("Handler >= 4x hand-written stack", handler / hand, 4.0, True),
        ("Handler cost <= 1.3x no-op floor", floor / handler, 1.3, False),
        ("get_logger >= 2.5x picologging", fast / pico, 2.5, True),
    ]
    print("\ntargets")
    for label, value, target, at_least in checks:
        ok = value >= target if at_least else value <= target
        print(f"  {label:36} {value:6.2f}x  {'met' if ok else 'NOT MET'}")
    print(f"  median of contenders: {statistics.median(best.values()):,.0f} rec/s")
    if args.out is None:
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
