"""logfort: structured, masked, correlated JSON logging on a Rust core.

    import logging, logfort
    logfort.install(level="INFO", service="api")    # root handler + typed methods
    logging.getLogger("app").info("login", extra={"user_id": "u-1"})

    log = logfort.get_logger("app.hot")             # no LogRecord at all
    log.info("request done", duration_ms=12.5)

Records are validated, masked, encoded and written on the core's writer
thread; they are flushed at interpreter exit and the writer restarts in
forked children without any call from the user.
"""

from __future__ import annotations

import atexit
import logging
import os
from typing import Any, Optional, Union

from logfort import _native, context
from logfort._config import to_json
from logfort._native import ConfigError, Context, LogfortError, SchemaError
from logfort._records import LogfortLogger, LogfortRootLogger
from logfort.formatter import JSONFormatter
from logfort.handler import Handler
from logfort.perf import log_performance, measure_performance

__version__: str = _native.__version__

__all__ = [
    "ConfigError",
    "Context",
    "Handler",
    "JSONFormatter",
    "LogfortError",
    "LogfortLogger",
    "SchemaError",
    "configure",
    "context",
    "flush",
    "get_logger",
    "install",
    "log_performance",
    "mask",
    "measure_performance",
    "metrics",
    "shutdown",
]

TRACE = 5
NOTICE = 25

# In the order a record's __init__ sets them: the native walk expects it.
_BLANK = logging.LogRecord("", 0, "", 0, "", (), None).__dict__
_STANDARD = [*_BLANK, *(n for n in ("message", "asctime") if n not in _BLANK)]
_native._init(context._VAR, _STANDARD)
atexit.register(_native._at_exit)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=_native._before_fork, after_in_child=_native._after_fork_child)

_loggers: dict[str, _native.Logger] = {}


def configure(**config: Any) -> None:
    """Configures the process-wide pipeline (used by `install()`,
    `Handler()` and `get_logger()`): the keys of the JSON configuration
    document (`level`, `format`, `service`, `mask`, `sinks`, ...), with the
    `LOG_*` variables on top. Raises `ConfigError` naming the bad key."""
    _native.configure(to_json(config))


def install(level: Union[int, str] = logging.INFO, **config: Any) -> Handler:
    """Routes the stdlib `logging` through logfort: configures the pipeline
    (when keyword arguments are given), puts one `logfort.Handler` on the
    root logger (replacing an earlier one) and sets the root level, and
    gives loggers from `logging.getLogger` the `audit`, `security`,
    `performance` and `business` methods. Returns the handler."""
    if config:
        configure(**config)
    logging.addLevelName(TRACE, "TRACE")
    logging.addLevelName(NOTICE, "NOTICE")
    root = logging.getLogger()
    for h in list(root.handlers):
        if isinstance(h, Handler):
            root.removeHandler(h)
    handler = Handler()
    root.addHandler(handler)
    root.setLevel(level.upper() if isinstance(level, str) else level)
    logging.setLoggerClass(LogfortLogger)
    for existing in list(logging.Logger.manager.loggerDict.values()):
        if type(existing) is logging.Logger:
            existing.__class__ = LogfortLogger
    if type(root) is logging.RootLogger:
        root.__class__ = LogfortRootLogger
    return handler


def get_logger(name: Optional[str] = None) -> _native.Logger:
    """The fast-path logger: `info(msg, **fields)` etc. without LogRecord
    creation, on the process-wide pipeline. Its level is the pipeline's."""
    key = name or "root"
    lg = _loggers.get(key)
    if lg is None:
        lg = _loggers.setdefault(key, _native.get_logger(key))
    return lg


def flush(timeout: float = 10.0) -> None:
    """Returns once every record logged before the call is written by every
    pipeline; raises TimeoutError after `timeout` seconds."""
    _native.flush(timeout)


def shutdown(timeout: float = 10.0) -> None:
    """Writes everything queued and stops every writer; later records are
    counted as dropped. `configure()` starts the process-wide one again."""
    _native.shutdown(timeout)


def mask(text: str) -> str:
    """`text` masked with the process-wide configuration's rules, exactly
    as record strings are (for text sent somewhere else than the log)."""
    return _native.mask(text)


def metrics() -> str:
    """Every pipeline's counters (written, dropped, masked, ...), Prometheus
    text format, labelled by `pipeline`."""
    return _native.metrics()
