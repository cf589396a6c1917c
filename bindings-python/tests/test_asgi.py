"""CorrelationIdMiddleware in a real FastAPI app served by uvicorn."""

from __future__ import annotations

import asyncio
import logging
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

import logfort
from conftest import read_records
from logfort.asgi import CorrelationIdMiddleware

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_app() -> FastAPI:
    app = FastAPI()
    app.add_middleware(CorrelationIdMiddleware)
    log = logging.getLogger("asgi.app")
    fast = logfort.get_logger("asgi.fast")

    @app.get("/async/{n}")
    async def async_route(n: int) -> dict:
        for step in range(3):
            log.info("async step", extra={"n": n, "step": step})
            await asyncio.sleep(0.001)
        fast.info("async done", n=n)
        return {"n": n, "cid": logfort.context.get_correlation_id()}

    @app.get("/sync/{n}")
    def sync_route(n: int) -> dict:
        log.info("sync step", extra={"n": n, "step": 0})
        time.sleep(0.001)
        fast.info("sync done", n=n)
        return {"n": n, "cid": logfort.context.get_correlation_id()}

    return app


@pytest.fixture
def server(default_to_file: Path) -> Iterator[str]:
    lg = logging.getLogger("asgi.app")
    lg.handlers = [logfort.Handler()]
    lg.propagate = False
    lg.setLevel(logging.INFO)
    port = free_port()
    config = uvicorn.Config(
        make_app(),
        host="127.0.0.1",
        port=port,
        log_config=None,
        log_level="warning",
        lifespan="on",
    )
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=20)
    lg.handlers = []


def test_concurrent_requests_keep_their_ids(server: str, default_to_file: Path) -> None:
    async def main() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=server, timeout=30) as client:
            reqs = []
            for n in range(60):
                kind = "async" if n % 2 else "sync"
                headers = {"X-Correlation-ID": f"req-{n}"} if n % 3 else {}
                reqs.append(client.get(f"/{kind}/{n}", headers=headers))
            return await asyncio.gather(*reqs)

    responses = asyncio.run(main())
    logfort.flush()
    ids = {}
    for n, resp in enumerate(responses):
        assert resp.status_code == 200
        cid = resp.headers["x-correlation-id"]
        assert resp.json() == {"n": n, "cid": cid}
        if n % 3:
            assert cid == f"req-{n}"
        else:
            assert UUID.match(cid), cid
        ids[n] = cid
    assert len(set(ids.values())) == 60
    recs = read_records(default_to_file)
    per_request: dict[int, int] = {}
    for r in recs:
        assert r["correlation_id"] == ids[r["n"]], r
        per_request[r["n"]] = per_request.get(r["n"], 0) + 1
    assert per_request == {n: (4 if n % 2 else 2) for n in range(60)}


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        "a" * 129,
        "id with spaces",
        "x;DROP TABLE users",
        '{"admin":true}',
        "caf\xe9",
        "",
    ],
)
def test_hostile_headers_are_replaced(server: str, default_to_file: Path, hostile: str) -> None:
    resp = httpx.get(
        f"{server}/async/1", headers=[(b"X-Correlation-ID", hostile.encode("latin-1"))]
    )
    logfort.flush()
    cid = resp.headers["x-correlation-id"]
    assert UUID.match(cid), cid
    assert resp.json()["cid"] == cid
    recs = read_records(default_to_file)
    assert len(recs) == 4
    for r in recs:
        assert r["correlation_id"] == cid
        assert r["correlation_id_rejected"] is True
        assert hostile not in (r.get("correlation_id") or "") or hostile == ""


def test_non_http_scopes_pass_through() -> None:
    seen = []

    async def app(scope, receive, send) -> None:
        seen.append((scope["type"], logfort.context.get_correlation_id()))

    mw = CorrelationIdMiddleware(app)

    async def main() -> None:
        async def receive() -> dict:
            return {}

        async def send(message: dict) -> None:
            seen.append(message)

        await mw({"type": "lifespan"}, receive, send)
        await mw({"type": "websocket", "headers": []}, receive, send)

    asyncio.run(main())
    assert seen == [("lifespan", None), ("websocket", None)]


TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def test_traceparent_sets_trace_ids(server: str, default_to_file: Path) -> None:
    only_trace = httpx.get(f"{server}/async/1", headers={"traceparent": TRACEPARENT})
    both = httpx.get(
        f"{server}/sync/2", headers={"traceparent": TRACEPARENT, "X-Correlation-ID": "req-2"}
    )
    bad = httpx.get(f"{server}/sync/3", headers={"traceparent": "00-zz-00f067aa0ba902b7-01"})
    logfort.flush()
    assert only_trace.headers["x-correlation-id"] == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert both.headers["x-correlation-id"] == "req-2"
    assert UUID.match(bad.headers["x-correlation-id"])
    by_n: dict[int, list[dict]] = {}
    for r in read_records(default_to_file):
        by_n.setdefault(r["n"], []).append(r)
    for n in (1, 2):
        for r in by_n[n]:
            assert r["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736"
            assert r["span_id"] == "00f067aa0ba902b7"
    assert all("trace_id" not in r for r in by_n[3])
    assert {r["correlation_id"] for r in by_n[2]} == {"req-2"}
