"""logfort.JSONFormatter: the same line, synchronously, for stdlib handlers."""

from __future__ import annotations

import io
import logging

import pytest

import logfort
from conftest import FIXED_TIMESTAMP, make_record


def test_exact_line() -> None:
    f = logfort.JSONFormatter(service="api", version="1.2.3")
    rec = make_record("paid %s", ("€5",), extra={"order": {"id": 7, "items": [1, 2]}})
    assert f.format(rec) == (
        '{"timestamp":"' + FIXED_TIMESTAMP + '","level":"INFO","logger":"app.test",'
        '"message":"paid €5","service":"api","version":"1.2.3",'
        '"order":{"id":7,"items":[1,2]},"file":"/srv/app/views.py","line":42,'
        '"function":"login","schema_version":"1.0"}'
    )


def test_with_a_stream_handler_and_context() -> None:
    buf = io.StringIO()
    h = logging.StreamHandler(buf)
    h.setFormatter(logfort.JSONFormatter())
    lg = logging.getLogger("fmt.stream")
    lg.handlers = [h]
    lg.propagate = False
    lg.setLevel(logging.INFO)
    with logfort.context.bound(correlation_id="abc"):
        lg.info("one")
    lg.handlers = []
    (line,) = buf.getvalue().splitlines()
    assert '"correlation_id":"abc"' in line
    assert '"message":"one"' in line


def test_text_format() -> None:
    f = logfort.JSONFormatter(format="text")
    line = f.format(make_record("hello", extra={"k": "v"}))
    assert "\n" not in line
    assert "hello" in line
    assert "INFO" in line


def test_bad_configuration_raises_config_error() -> None:
    with pytest.raises(logfort.ConfigError) as e:
        logfort.JSONFormatter(colour="blue")
    assert isinstance(e.value, ValueError)
    assert "colour" in str(e.value)
