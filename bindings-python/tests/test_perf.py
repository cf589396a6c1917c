"""log_performance / measure_performance, sync and async."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

import logfort
from conftest import read_records


@pytest.fixture
def perf_logger(default_to_file: Path):
    import logging

    root = logging.getLogger()
    saved = list(root.handlers), root.level
    root.handlers = [logfort.Handler()]
    root.setLevel(logging.INFO)
    yield default_to_file
    root.handlers, level = saved
    root.setLevel(level)


def test_decorator_sync_success_and_failure(perf_logger: Path) -> None:
    @logfort.log_performance("compute")
    def compute(x: int) -> int:
        if x < 0:
            raise ValueError("negative")
        return x * 2

    assert compute(2) == 4
    with pytest.raises(ValueError):
        compute(-1)

    @logfort.log_performance
    def bare() -> str:
        return "ok"

    assert bare() == "ok"
    logfort.flush()
    ok, failed, bare_rec = read_records(perf_logger)
    assert ok["log_type"] == "performance"
    assert ok["operation"] == "compute"
    assert ok["success"] is True
    assert ok["message"] == f"performance: compute took {ok['duration_ms']:g} ms"
    assert isinstance(ok["duration_ms"], float)
    assert ok["level"] == "INFO"
    assert ok["function"] == "test_decorator_sync_success_and_failure"
    assert failed["message"].endswith(" ms (failed)")
    assert failed["success"] is False
    assert failed["error"] == "ValueError: negative"
    assert bare_rec["operation"].endswith("bare")


def test_decorator_async(perf_logger: Path) -> None:
    @logfort.log_performance("fetch", source="api")
    async def fetch() -> int:
        await asyncio.sleep(0)
        return 1

    @logfort.log_performance("explode")
    async def explode() -> None:
        raise RuntimeError("down")

    async def main() -> None:
        assert await fetch() == 1
        with pytest.raises(RuntimeError):
            await explode()

    asyncio.run(main())
    logfort.flush()
    a, b = read_records(perf_logger)
    assert (a["operation"], a["success"], a["source"]) == ("fetch", True, "api")
    assert (b["operation"], b["success"], b["error"]) == ("explode", False, "RuntimeError: down")


def test_thresholds_from_the_configuration_pick_the_level(perf_logger: Path) -> None:
    logfort.configure(
        level="trace",
        sinks=[{"type": "file", "path": str(perf_logger)}],
        performance={"warn_ms": 0.0, "error_ms": 1e9, "operations": {"fast_op": {"warn_ms": 1e6}}},
    )
    with logfort.measure_performance("any_op"):
        pass
    with logfort.measure_performance("fast_op"):
        pass
    logfort.flush()
    a, b = read_records(perf_logger)
    assert (a["operation"], a["level"]) == ("any_op", "WARNING")
    assert (b["operation"], b["level"]) == ("fast_op", "INFO")


def test_context_manager_sync_and_async(perf_logger: Path) -> None:
    with logfort.measure_performance("db_query", table="users") as m:
        m.metadata["rows"] = 3

    async def main() -> None:
        async with logfort.measure_performance("cache_get"):
            await asyncio.sleep(0)

    asyncio.run(main())
    with pytest.raises(KeyError), logfort.measure_performance("lookup"):
        raise KeyError("k")
    logfort.flush()
    q, c, k = read_records(perf_logger)
    assert (q["operation"], q["table"], q["rows"], q["success"]) == ("db_query", "users", 3, True)
    assert q["function"] == "test_context_manager_sync_and_async"
    assert c["operation"] == "cache_get"
    assert c["function"] == "main"
    assert (k["success"], k["error"]) == (False, "KeyError: 'k'")
