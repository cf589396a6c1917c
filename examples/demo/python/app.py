"""The Python step of the demo: a FastAPI service on 127.0.0.1.

The correlation id arrives in X-Correlation-ID (or is made here) and is
bound by `logfort.asgi.CorrelationIdMiddleware`; records with secrets, an
audit event and security events go through `logfort.Handler`; the call to
the Node service carries the same id.

    DEMO_LOG_DIR=... DEMO_PORT_FILE=... NODE_URL=... python app.py
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import urllib.request

import uvicorn
from fastapi import FastAPI, Request

import logfort
from logfort.asgi import CorrelationIdMiddleware

DIR = os.environ["DEMO_LOG_DIR"]
NODE_URL = os.environ["NODE_URL"]

logfort.install(
    level="INFO",
    service="python-api",
    sinks=[
        {"type": "file", "path": f"{DIR}/python.log"},
        {"type": "audit", "path": f"{DIR}/python.audit.log"},
    ],
    monitor={
        "rules": [
            {
                "name": "brute_force",
                "event": "failed_login",
                "key": "client_ip",
                "threshold": 3,
                "window_seconds": 300,
            }
        ]
    },
)
log = logging.getLogger("py.api")

app = FastAPI()
app.add_middleware(CorrelationIdMiddleware)


def call_node(cid: str, card: str) -> dict:
    req = urllib.request.Request(
        f"{NODE_URL}/charge",
        data=json.dumps({"card": card}).encode(),
        headers={"Content-Type": "application/json", "X-Correlation-ID": cid},
    )
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.load(r)


@app.post("/checkout")
async def checkout(request: Request) -> dict:
    body = await request.json()
    cid = logfort.context.get_correlation_id()
    log.info(
        "checkout for %s paying with card %s",
        body["email"],
        body["card"],
        extra={"password": body["password"], "authorization": f"Bearer {body['token']}"},
    )
    log.audit(
        "checkout",
        "order",
        "order-42",
        user_id="u-123",
        result="success",
        client_ip=request.client.host if request.client else "127.0.0.1",
    )
    answer = await asyncio.to_thread(call_node, cid, body["card"])
    log.info("checkout done", extra={"node_answer": answer})
    logfort.flush()
    return {"ok": True, "correlation_id": cid}


@app.post("/login")
async def login(request: Request) -> dict:
    body = await request.json()
    log.security(
        "failed_login",
        "warning",
        client_ip=request.client.host if request.client else "127.0.0.1",
        user_id=body["user"],
        password=body["password"],
    )
    logfort.flush()
    return {"ok": False}


if __name__ == "__main__":
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)  # connections queue from now on, before uvicorn runs
    with open(os.environ["DEMO_PORT_FILE"], "w") as f:
        f.write(str(sock.getsockname()[1]))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    server.run(sockets=[sock])
    logfort.shutdown()
