"""logfort.get_logger: the native hot-path logger."""

from __future__ import annotations

from pathlib import Path

import pytest

import logfort
from conftest import read_records


def test_levels_fields_and_exception(default_to_file: Path) -> None:
    log = logfort.get_logger("fast")
    assert log is logfort.get_logger("fast")
    log.debug("d", a=1)
    log.info("i", user={"id": 1}, tags=("x",))
    log.warning("w")
    log.log("error", "e by name")
    log.log(50, "c by number")
    try:
        raise ValueError("broken")
    except ValueError:
        log.exception("caught", step=3)
    log.error("explicit", exc_info=ValueError("given"))
    logfort.flush()
    recs = read_records(default_to_file)
    assert [(r["level"], r["message"]) for r in recs] == [
        ("DEBUG", "d"),
        ("INFO", "i"),
        ("WARNING", "w"),
        ("ERROR", "e by name"),
        ("CRITICAL", "c by number"),
        ("ERROR", "caught"),
        ("ERROR", "explicit"),
    ]
    assert recs[0]["a"] == 1
    assert recs[1]["user"] == {"id": 1}
    assert recs[1]["tags"] == ["x"]
    assert recs[5]["exception"]["type"] == "ValueError"
    assert recs[5]["exception"]["message"] == "broken"
    assert recs[5]["step"] == 3
    assert recs[6]["exception"]["message"] == "given"
    assert "exc_info" not in recs[6]
    assert all(r["logger"] == "fast" for r in recs)


def test_level_check_comes_first(tmp_path: Path) -> None:
    path = tmp_path / "lvl.log"
    logfort.configure(level="warning", sinks=[{"type": "file", "path": str(path)}])
    log = logfort.get_logger("lvl")
    assert not log.is_enabled_for("info")
    assert log.is_enabled_for(30)

    class Exploding:
        def __str__(self) -> str:
            raise AssertionError("converted although the level is off")

    log.info("skipped", x=Exploding())
    log.warning("kept")
    logfort.flush()
    assert [r["message"] for r in read_records(path)] == ["kept"]


def test_unknown_level_name() -> None:
    with pytest.raises(ValueError, match="unknown level"):
        logfort.get_logger("x").log("loud", "m")


def test_log_type_field_and_strict_schema(tmp_path: Path) -> None:
    path = tmp_path / "strict.log"
    logfort.configure(schema={"policy": "strict"}, sinks=[{"type": "file", "path": str(path)}])
    log = logfort.get_logger("strict")
    with pytest.raises(logfort.SchemaError) as e:
        log.info("audit without its fields", log_type="audit")
    assert isinstance(e.value, logfort.LogfortError)
    assert "user_id" in str(e.value)
    log.info(
        "complete audit",
        log_type="audit",
        action="delete",
        resource_type="user",
        resource_id="u-9",
        user_id="admin",
        result="success",
    )
    logfort.flush()
    (rec,) = read_records(path)
    assert rec["log_type"] == "audit"
    assert rec["message"] == "complete audit"
