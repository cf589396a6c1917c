"""Performance records around a function or a block, sync or async."""

from __future__ import annotations

import functools
import inspect
import logging
import time
from types import TracebackType
from typing import Any, Callable, Optional, TypeVar, Union, cast

from logfort import _native
from logfort._records import log_typed

F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["log_performance", "measure_performance"]


class measure_performance:
    """Times a block and logs one performance record when it ends, built
    by the core (`operation`, `duration_ms`, `success`, level from the
    configured thresholds), with the `error` on failure (the exception
    propagates). `metadata` becomes fields; more can be
    added on the object (`m.metadata["rows"] = 10`) inside the block.

        with measure_performance("db_query", table="users"):
            ...
        async with measure_performance("fetch"):
            ...
    """

    __slots__ = ("_depth", "_start", "logger", "metadata", "operation")

    def __init__(
        self,
        operation: str,
        *,
        logger: Union[str, logging.Logger, None] = None,
        **metadata: Any,
    ) -> None:
        self.operation = operation
        self.metadata = metadata
        self.logger = logger
        self._start = 0.0
        self._depth = 0  # frames between the user's code and __exit__

    def __enter__(self) -> measure_performance:
        self._start = time.perf_counter()
        return self

    def __exit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self._finish(exc, 0)

    def _finish(self, exc: Optional[BaseException], depth: int) -> None:
        elapsed_ms = (time.perf_counter() - self._start) * 1000.0
        # Frames above log_typed: _record, _finish, __exit__, then the user.
        stacklevel = 4 + depth + self._depth
        _record(self.operation, elapsed_ms, exc, self.metadata, self.logger, stacklevel)

    async def __aenter__(self) -> measure_performance:
        return self.__enter__()

    async def __aexit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self._finish(exc, 0)


def log_performance(
    operation: Optional[str] = None,
    *,
    logger: Union[str, logging.Logger, None] = None,
    **metadata: Any,
) -> Callable[[F], F]:
    """Decorator: one performance record per call of a function or
    coroutine function (operation defaults to its qualified name)."""

    def wrap(func: F) -> F:
        op = operation or func.__qualname__
        name = logger if logger is not None else func.__module__
        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                m = measure_performance(op, logger=name, **metadata)
                m._depth = 1
                with m:
                    return await func(*args, **kwargs)

            return cast(F, async_wrapper)

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            m = measure_performance(op, logger=name, **metadata)
            m._depth = 1
            with m:
                return func(*args, **kwargs)

        return cast(F, wrapper)

    if callable(operation):  # used bare: @log_performance
        func, operation = operation, None
        return cast(Callable[[F], F], wrap(cast(F, func)))
    return wrap


def _record(
    operation: str,
    elapsed_ms: float,
    exc: Optional[BaseException],
    metadata: dict[str, Any],
    logger: Union[str, logging.Logger, None],
    stacklevel: int,
) -> None:
    metadata = dict(metadata)
    if exc is not None:
        metadata["error"] = f"{type(exc).__name__}: {exc}"
    name = logger if isinstance(logger, str) else (logger.name if logger else "performance")
    level, message, log_type, fields = _native.performance_record(
        name, operation, round(elapsed_ms, 3), exc is None, metadata
    )
    log_typed(logger or "performance", level, log_type, message, fields, stacklevel)
