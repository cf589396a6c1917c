"""Secrets never reach the output: in the message, in args, in extra=
(nested dicts and lists), in exception messages, on every path."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import logfort
from conftest import make_record, read_lines

SECRETS = ["hunter2", "alice@example.com", "4111-1111-1111-1111", "sk-live-abcdef", "s3cr3t-t0ken"]


def assert_clean(line: str) -> None:
    for s in SECRETS:
        assert s not in line, f"{s!r} leaked: {line}"


def secret_record() -> logging.LogRecord:
    try:
        raise PermissionError("login as alice@example.com with password=hunter2 rejected")
    except PermissionError:
        import sys

        exc_info = sys.exc_info()
    return make_record(
        'login failed {"password": "hunter2"} for %s card %s',
        ("alice@example.com", "4111-1111-1111-1111"),
        exc_info=exc_info,
        extra={
            "api_key": "sk-live-abcdef",
            "request": {"headers": {"authorization": "Bearer s3cr3t-t0ken"}, "path": "/login"},
            "attempts": [{"password": "hunter2"}, {"note": "mail alice@example.com"}],
            "user_id": "u-123",
        },
    )


def test_handler_masks_msg_args_extra_and_exception(
    file_handler: logfort.Handler, log_file: Path
) -> None:
    file_handler.handle(secret_record())
    file_handler.flush()
    (line,) = read_lines(log_file)
    assert_clean(line)
    assert '"user_id":"u-123"' in line
    assert '"path":"/login"' in line
    assert "PermissionError" in line


def test_formatter_masks_the_same() -> None:
    line = logfort.JSONFormatter().format(secret_record())
    assert_clean(line)
    assert '"user_id":"u-123"' in line


def test_fast_path_and_context_are_masked(default_to_file: Path) -> None:
    with logfort.context.bound(email="alice@example.com"):
        logfort.get_logger("mask.fast").info(
            "card 4111-1111-1111-1111", creds={"password": "hunter2"}, key="sk-live-abcdef"
        )
    logfort.flush()
    (line,) = read_lines(default_to_file)
    assert_clean(line)


def test_stream_handler_with_json_formatter() -> None:
    buf = io.StringIO()
    h = logging.StreamHandler(buf)
    h.setFormatter(logfort.JSONFormatter())
    lg = logging.getLogger("mask.stream")
    lg.handlers = [h]
    lg.propagate = False
    lg.error("db password=hunter2 for alice@example.com")
    lg.handlers = []
    assert_clean(buf.getvalue())


def test_mask_function() -> None:
    masked = logfort.mask('{"password": "hunter2"} alice@example.com 4111-1111-1111-1111')
    assert_clean(masked)
    assert logfort.mask("nothing to hide") == "nothing to hide"


def test_masking_can_be_turned_off(tmp_path: Path) -> None:
    path = tmp_path / "plain.log"
    h = logfort.Handler(mask={"enabled": False}, sinks=[{"type": "file", "path": str(path)}])
    h.handle(make_record("mail alice@example.com"))
    h.close()
    (line,) = read_lines(path)
    assert "alice@example.com" in line
