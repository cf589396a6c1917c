"""logfort.context on contextvars: bind, bound (sync and async), tasks and threads."""

from __future__ import annotations

import asyncio
import contextvars
import threading
from pathlib import Path

import logfort
from conftest import read_records
from logfort import context


def test_bind_and_get_correlation_id() -> None:
    ctx = contextvars.copy_context()

    def body() -> None:
        assert context.get_correlation_id() is None
        context.bind(correlation_id="abc-1", user_id=7, region="eu")
        assert context.get_correlation_id() == "abc-1"
        cur = context.current()
        assert cur.user_id == "7"
        assert cur.to_dict() == {"correlation_id": "abc-1", "user_id": "7", "region": "eu"}
        context.unbind("region")
        assert context.current().to_dict() == {"correlation_id": "abc-1", "user_id": "7"}
        context.clear()
        assert context.get_correlation_id() is None

    ctx.run(body)
    assert context.get_correlation_id() is None


def test_bound_restores_even_on_error() -> None:
    with context.bound(correlation_id="outer"):
        try:
            with context.bound(correlation_id="inner", step=1):
                assert context.get_correlation_id() == "inner"
                raise RuntimeError
        except RuntimeError:
            pass
        assert context.get_correlation_id() == "outer"
        assert "step" not in context.current().to_dict()
    assert context.get_correlation_id() is None


def test_hostile_correlation_id_is_replaced() -> None:
    with context.bound(correlation_id='evil"\n{"admin":true}') as ctx:
        cid = ctx.correlation_id
        assert cid is not None and "evil" not in cid
        assert len(cid) == 36
        assert ctx.correlation_id_rejected


def test_async_tasks_keep_their_own_ids(default_to_file: Path) -> None:
    log = logfort.get_logger("ctx.async")

    async def request(n: int) -> None:
        async with context.bound(correlation_id=f"task-{n}"):
            for step in range(5):
                log.info("step", n=n, step=step)
                await asyncio.sleep(0)

    async def main() -> None:
        await asyncio.gather(*(request(n) for n in range(20)))

    asyncio.run(main())
    logfort.flush()
    recs = read_records(default_to_file)
    assert len(recs) == 100
    assert all(r["correlation_id"] == f"task-{r['n']}" for r in recs)


def test_threads_through_copy_context(default_to_file: Path) -> None:
    log = logfort.get_logger("ctx.thread")
    with context.bound(correlation_id="parent-1"):
        ctx = contextvars.copy_context()
    t1 = threading.Thread(target=ctx.run, args=(log.info, "in copied context"))
    t2 = threading.Thread(target=log.info, args=("in a bare thread",))
    for t in (t1, t2):
        t.start()
        t.join()
    logfort.flush()
    a, b = read_records(default_to_file)
    assert a["correlation_id"] == "parent-1"
    assert "correlation_id" not in b
