"""Shared helpers: handlers writing to a temporary file, records with a
fixed time, and reading the lines back."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Iterator

import pytest

import logfort

FIXED_CREATED = 1700000000.123456
FIXED_TIMESTAMP = "2023-11-14T22:13:20.123456Z"


def read_lines(path: Path) -> list[str]:
    if not path.exists():
        return []
    text = path.read_text(encoding="utf-8")
    assert text == "" or text.endswith("\n")
    return text.split("\n")[:-1]


def read_records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in read_lines(path)]


def make_record(
    msg: Any = "hello",
    args: Any = (),
    *,
    name: str = "app.test",
    level: int = logging.INFO,
    pathname: str = "/srv/app/views.py",
    lineno: int = 42,
    func: str = "login",
    exc_info: Any = None,
    sinfo: Any = None,
    extra: dict[str, Any] | None = None,
) -> logging.LogRecord:
    """A LogRecord as `Logger.makeRecord` builds it, with a fixed time."""
    rec = logging.LogRecord(name, level, pathname, lineno, msg, args, exc_info, func, sinfo)
    rec.created = FIXED_CREATED
    for k, v in (extra or {}).items():
        rec.__dict__[k] = v
    return rec


@pytest.fixture
def log_file(tmp_path: Path) -> Path:
    return tmp_path / "app.log"


@pytest.fixture
def file_handler(log_file: Path) -> Iterator[logfort.Handler]:
    """A Handler with its own pipeline writing JSON to `log_file`."""
    h = logfort.Handler(sinks=[{"type": "file", "path": str(log_file)}])
    yield h
    h.close()


@pytest.fixture
def default_to_file(log_file: Path) -> Iterator[Path]:
    """The process-wide pipeline (get_logger, Handler()) writing to `log_file`."""
    logfort.configure(level="trace", sinks=[{"type": "file", "path": str(log_file)}])
    yield log_file
    logfort.flush()


@pytest.fixture
def std_logger(file_handler: logfort.Handler) -> Iterator[logging.Logger]:
    """A stdlib logger whose only handler is `file_handler`."""
    lg = logging.getLogger(f"test.{id(file_handler)}")
    lg.handlers = [file_handler]
    lg.propagate = False
    lg.setLevel(logging.DEBUG)
    yield lg
    lg.handlers = []
