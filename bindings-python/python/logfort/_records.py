"""Typed records (audit, security, performance, business) through the
stdlib `logging` API, so they reach whatever handlers are configured."""

from __future__ import annotations

import logging
from typing import Any, Mapping, Union

_RESERVED = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
}


def safe_extra(fields: Mapping[str, Any]) -> dict[str, Any]:
    """`fields` as `extra=`: names LogRecord already uses (which `logging`
    refuses) are written as `field_<name>`, as the core does."""
    return {(f"field_{k}" if k in _RESERVED else k): v for k, v in fields.items()}


def log_typed(
    logger: Union[str, logging.Logger],
    level: int,
    log_type: str,
    msg: str,
    fields: Mapping[str, Any],
    stacklevel: int = 1,
) -> None:
    """One record of `log_type` on `logger`; `stacklevel` counts frames
    above the caller of this function, for the record's location."""
    lg = logger if isinstance(logger, logging.Logger) else logging.getLogger(logger)
    if not lg.isEnabledFor(level):
        return
    extra = safe_extra(fields)
    extra["log_type"] = log_type
    lg.log(level, msg, extra=extra, stacklevel=stacklevel + 1)


class LogfortMixin:
    """Adds the typed-record methods to a `logging.Logger`; everything else
    is the stdlib's. Fields are keyword arguments (they become `extra=`)."""

    def audit(self, msg: str, *args: Any, **fields: Any) -> None:
        """An audit record (INFO): who did what to which resource."""
        self._typed(logging.INFO, "audit", msg, args, fields)

    def security(self, msg: str, *args: Any, **fields: Any) -> None:
        """A security event (WARNING)."""
        self._typed(logging.WARNING, "security", msg, args, fields)

    def business(self, msg: str, *args: Any, **fields: Any) -> None:
        """A business event (INFO)."""
        self._typed(logging.INFO, "business", msg, args, fields)

    def performance(self, operation: str, duration_ms: float, **fields: Any) -> None:
        """A timing (INFO): `operation` took `duration_ms`."""
        fields = {"operation": operation, "duration_ms": duration_ms, **fields}
        self._typed(logging.INFO, "performance", f"{operation} completed", (), fields)

    def _typed(
        self, level: int, log_type: str, msg: str, args: tuple[Any, ...], fields: dict[str, Any]
    ) -> None:
        lg: logging.Logger = self  # type: ignore[assignment]
        if not lg.isEnabledFor(level):
            return
        kwargs: dict[str, Any] = {}
        for k in ("exc_info", "stack_info"):
            if k in fields:
                kwargs[k] = fields.pop(k)
        level = fields.pop("level", level)
        extra = safe_extra(fields)
        extra["log_type"] = log_type
        # Through the public method: stacklevel counts the same on every
        # Python version (1 is this frame, 3 the caller of audit() etc.).
        lg.log(level, msg, *args, extra=extra, stacklevel=3, **kwargs)


class LogfortLogger(LogfortMixin, logging.Logger):
    """The Logger class `logfort.install()` sets."""


class LogfortRootLogger(LogfortMixin, logging.RootLogger):
    """The root logger's class after `logfort.install()`."""
