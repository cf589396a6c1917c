"""Typed records (audit, security, performance, business) through the
stdlib `logging` API, so they reach whatever handlers are configured."""

from __future__ import annotations

import logging
from typing import Any, Mapping, Optional, Union

from logfort import _native

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
    is the stdlib's. The core builds each record (level, message, fixed
    fields, then the details), which then goes through `logging` as usual.
    `exc_info` and `stack_info` are taken as the stdlib takes them."""

    def audit(
        self,
        action: str,
        resource_type: str,
        resource_id: str,
        /,
        *,
        user_id: Optional[str] = None,
        result: str = "success",
        **details: Any,
    ) -> None:
        """Who did what to which resource, and how it ended (INFO; WARNING
        when the result is a failure)."""
        kw = _log_kwargs(details)
        parts = _native.audit_record(
            self.name,
            action,
            resource_type,
            resource_id,
            user_id,
            result,
            details,  # type: ignore[attr-defined]
        )
        self._typed(parts, kw)

    def security(
        self,
        event: str,
        severity: str = "warning",
        /,
        *,
        client_ip: Optional[str] = None,
        user_id: Optional[str] = None,
        **details: Any,
    ) -> None:
        """A security event; the severity (info, warning, critical) picks the level."""
        kw = _log_kwargs(details)
        parts = _native.security_record(
            self.name,
            event,
            severity,
            client_ip,
            user_id,
            details,  # type: ignore[attr-defined]
        )
        self._typed(parts, kw)

    def performance(
        self, operation: str, duration_ms: float, /, *, success: bool = True, **metadata: Any
    ) -> None:
        """How long an operation took; the configured thresholds pick the level."""
        kw = _log_kwargs(metadata)
        parts = _native.performance_record(
            self.name,
            operation,
            float(duration_ms),
            success,
            metadata,  # type: ignore[attr-defined]
        )
        self._typed(parts, kw)

    def business(self, event: str, /, **details: Any) -> None:
        """A business event (INFO)."""
        kw = _log_kwargs(details)
        self._typed(_native.business_record(self.name, event, details), kw)  # type: ignore[attr-defined]

    def _typed(self, parts: tuple[int, str, str, dict[str, Any]], kw: dict[str, Any]) -> None:
        level, message, log_type, fields = parts
        lg: logging.Logger = self  # type: ignore[assignment]
        if not lg.isEnabledFor(level):
            return
        extra = safe_extra(fields)
        extra["log_type"] = log_type
        lg.log(level, message, extra=extra, stacklevel=3, **kw)


def _log_kwargs(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: fields.pop(k) for k in ("exc_info", "stack_info") if k in fields}


class LogfortLogger(LogfortMixin, logging.Logger):
    """The Logger class `logfort.install()` sets."""


class LogfortRootLogger(LogfortMixin, logging.RootLogger):
    """The root logger's class after `logfort.install()`."""
