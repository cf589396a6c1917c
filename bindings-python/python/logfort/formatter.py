"""`logfort.JSONFormatter`: the record as one masked JSON line, for users
who keep their own handlers."""

from __future__ import annotations

import logging
from typing import Any

from logfort import _native
from logfort._config import to_json


class JSONFormatter(logging.Formatter):
    """Formats a record exactly as `logfort.Handler` would write it (same
    stages, same encoder), synchronously, without the trailing newline.

    Keyword arguments are the configuration document's keys (`mask`,
    `schema`, `format`, `service`, ...); `LOG_*` variables apply on top.
    """

    def __init__(self, **config: Any) -> None:
        super().__init__()
        self._native = _native.formatter(to_json(config))

    def format(self, record: logging.LogRecord) -> str:
        line = self._native.format(record)
        return "" if line is None else line

    def metrics(self) -> str:
        """Counters of this formatter's stages, Prometheus text format."""
        return self._native.metrics()
