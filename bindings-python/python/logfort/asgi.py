"""ASGI middleware (FastAPI, Starlette): one correlation id per request."""

from __future__ import annotations

from typing import Any, Awaitable, Callable, MutableMapping

from logfort import context

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class CorrelationIdMiddleware:
    """Reads `X-Correlation-ID` (and `traceparent`), lets the core accept
    or replace the id (generated when absent, replaced and flagged when
    malformed or hostile), binds it for every record of the request, and
    echoes it on the response. Non-HTTP scopes pass through untouched.

        app.add_middleware(CorrelationIdMiddleware)
    """

    def __init__(self, app: ASGIApp, header_name: str = "X-Correlation-ID") -> None:
        self.app = app
        self.header_name = header_name
        self._header = header_name.lower().encode("latin-1")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        incoming = traceparent = None
        for name, value in scope.get("headers") or ():
            if name == self._header:
                incoming = value.decode("latin-1")
            elif name == b"traceparent":
                traceparent = value.decode("latin-1")
        ctx = context.current().with_headers(incoming, traceparent)
        echoed = (ctx.correlation_id or "").encode("latin-1")
        header = self._header

        async def send_with_id(message: Message) -> None:
            if message.get("type") == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers") or () if k.lower() != header]
                headers.append((header, echoed))
                message = {**message, "headers": headers}
            await send(message)

        token = context._set(ctx)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            context._reset(token)
