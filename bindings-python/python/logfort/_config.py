"""Keyword arguments to the configuration document the core reads."""

from __future__ import annotations

import json
import os
from typing import Any, Optional


def to_json(config: dict[str, Any]) -> Optional[str]:
    """The document for `config`, or None when it is empty (the core then
    reads `LOG_CONFIG` and the `LOG_*` variables alone). Paths are written
    as strings; other values must be JSON types."""
    if not config:
        return None
    return json.dumps(config, default=_path)


def _path(obj: Any) -> str:
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    raise TypeError(f"configuration value {obj!r} is not a JSON type")
