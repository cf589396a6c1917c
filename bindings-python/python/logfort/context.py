"""The correlation context of the current task or thread, on contextvars.

Every record captures it: `bind()` sets entries for the rest of the current
context, `bound()` for a block (sync or async). Id names (`correlation_id`,
`request_id`, `trace_id`, `span_id`, `user_id`, `session_id`) fill their
slots in the record, a correlation id checked by the core's rules; other
names become fields. asyncio tasks inherit a copy at creation; run work in
threads through `contextvars.copy_context().run` to carry it there.
"""

from __future__ import annotations

import contextvars
from types import TracebackType
from typing import Any, Optional

from logfort._native import Context

__all__ = [
    "Context",
    "bind",
    "bound",
    "clear",
    "current",
    "get_correlation_id",
    "unbind",
]

_VAR: contextvars.ContextVar[Optional[Context]] = contextvars.ContextVar(
    "logfort_context", default=None
)
_EMPTY = Context()


def current() -> Context:
    """The context records logged here would carry."""
    return _VAR.get() or _EMPTY


def bind(**fields: Any) -> Context:
    """Adds entries to the current context (until it ends or `clear()`)."""
    ctx = current().bind(**fields)
    _VAR.set(ctx)
    return ctx


def unbind(*keys: str) -> Context:
    """Removes entries from the current context."""
    ctx = current().unbind(*keys)
    _VAR.set(ctx)
    return ctx


def clear() -> None:
    """Empties the current context."""
    _VAR.set(None)


def get_correlation_id() -> Optional[str]:
    """The correlation id bound here, if any."""
    ctx = _VAR.get()
    return ctx.correlation_id if ctx is not None else None


def _set(ctx: Optional[Context]) -> contextvars.Token[Optional[Context]]:
    return _VAR.set(ctx)


def _reset(token: contextvars.Token[Optional[Context]]) -> None:
    _VAR.reset(token)


class bound:
    """Binds entries for the duration of a `with` or `async with` block and
    restores the previous context on exit, exception or not."""

    __slots__ = ("_fields", "_tokens")

    def __init__(self, **fields: Any) -> None:
        self._fields = fields
        self._tokens: list[contextvars.Token[Optional[Context]]] = []

    def __enter__(self) -> Context:
        ctx = current().bind(**self._fields)
        self._tokens.append(_VAR.set(ctx))
        return ctx

    def __exit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        _VAR.reset(self._tokens.pop())

    async def __aenter__(self) -> Context:
        return self.__enter__()

    async def __aexit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.__exit__(exc_type, exc, tb)
