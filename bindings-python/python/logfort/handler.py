"""`logfort.Handler`: a `logging.Handler` that hands records to the core."""

from __future__ import annotations

import contextlib
import logging
from typing import Any, Union

from logfort import _native
from logfort._config import to_json


class Handler(logging.Handler):
    """Sends each record to logfort's writer thread, where it is validated,
    masked, encoded and written: `emit` only converts and queues.

    Without keyword arguments the handler shares the process-wide pipeline
    (`logfort.configure()`, else `LOG_CONFIG`/`LOG_*`). With them, it runs a
    pipeline of its own from that configuration (the keys of the JSON
    document, e.g. `sinks=[{"type": "file", "path": "app.log"}]`), whose
    level defaults to `trace` so that logging's levels decide.
    `logging.config.dictConfig` works with `"()": "logfort.Handler"`.

    Formatters set on this handler are not used: the core encodes.
    """

    def __init__(self, level: Union[int, str] = logging.NOTSET, **config: Any) -> None:
        super().__init__(level)
        doc = None
        if config:
            config.setdefault("level", "trace")
            doc = to_json(config)
        self._owns_pipeline = doc is not None
        self._core = _native.handler_core(self.filters, self._filtered_handle, doc)
        # The native methods replace the Python ones unless a subclass
        # overrides them: no Python frame and no handler lock per record.
        cls = type(self)
        if cls.emit is Handler.emit:
            self.emit = self._core.emit  # type: ignore[method-assign]
            if cls.handle is logging.Handler.handle:
                self.handle = self._core.handle  # type: ignore[method-assign]

    def _filtered_handle(self, record: logging.LogRecord) -> Any:
        return logging.Handler.handle(self, record)

    def emit(self, record: logging.LogRecord) -> None:
        self._core.emit(record)

    def flush(self, timeout: float = 10.0) -> None:
        """Returns once every record emitted so far is written."""
        _native.handler_flush(self._core, timeout)

    def close(self) -> None:
        """Flushes; a handler with its own pipeline also stops its writer."""
        with contextlib.suppress(Exception):
            _native.handler_flush(self._core, 10.0, self._owns_pipeline)
        super().close()
