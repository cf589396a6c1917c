"""Exit, fork, flush, shutdown, metrics and configuration errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import logfort
from conftest import read_lines, read_records


def run_script(code: str, tmp_path: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(code))
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOG_")}
    return subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )


def test_records_are_flushed_at_exit_without_any_call(tmp_path: Path) -> None:
    path = tmp_path / "exit.log"
    proc = run_script(
        f"""
        import logging, logfort
        logfort.install(sinks=[{{"type": "file", "path": {str(path)!r}}}])
        log = logging.getLogger("exit")
        for i in range(200_000):
            log.info("record %d", i)
        """,
        tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    lines = read_lines(path)
    assert len(lines) == 200_000
    assert json.loads(lines[0])["message"] == "record 0"
    assert json.loads(lines[-1])["message"] == "record 199999"


def test_fast_path_and_late_records_are_flushed_at_exit(tmp_path: Path) -> None:
    path = tmp_path / "late.log"
    proc = run_script(
        f"""
        import atexit, logfort
        log = logfort.get_logger("late")
        # registered before logfort's own hook runs, so it runs after it
        atexit.register(lambda: log.info("from a late atexit handler"))
        logfort.configure(sinks=[{{"type": "file", "path": {str(path)!r}}}])
        for i in range(50_000):
            log.info("fast", i=i)
        """,
        tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    recs = read_records(path)
    assert len(recs) == 50_001
    assert [r["i"] for r in recs[:-1]] == list(range(50_000))
    assert recs[-1]["message"] == "from a late atexit handler"


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_forked_children_log_and_nothing_is_duplicated(tmp_path: Path) -> None:
    path = tmp_path / "fork.log"
    proc = run_script(
        f"""
        import logging, os, sys, threading, logfort
        logfort.install(sinks=[{{"type": "file", "path": {str(path)!r}}}])
        log = logging.getLogger("fork")
        fast = logfort.get_logger("fork.fast")
        for i in range(1000):
            log.info("parent-before", extra={{"i": i}})
        stop = threading.Event()
        def chatter():
            while not stop.is_set():
                fast.info("parent-thread")
        t = threading.Thread(target=chatter)
        t.start()
        pids = []
        for c in range(4):
            pid = os.fork()
            if pid == 0:
                for i in range(2000):
                    log.info("child", extra={{"c": c, "i": i}})
                    fast.info("child-fast", c=c, i=i)
                sys.exit(0)
            pids.append(pid)
        for pid in pids:
            _, status = os.waitpid(pid, 0)
            assert os.waitstatus_to_exitcode(status) == 0
        stop.set()
        t.join()
        log.info("parent-after")
        """,
        tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    recs = read_records(path)
    by_msg: dict[str, list[dict]] = {}
    for r in recs:
        by_msg.setdefault(r["message"], []).append(r)
    assert sorted(r["i"] for r in by_msg["parent-before"]) == list(range(1000))
    assert len(by_msg["parent-after"]) == 1
    for kind in ("child", "child-fast"):
        got = sorted((r["c"], r["i"]) for r in by_msg[kind])
        assert got == [(c, i) for c in range(4) for i in range(2000)]
    assert "parent-thread" not in {m for m in by_msg if m.startswith("child")}


def test_flush_shutdown_and_metrics(tmp_path: Path) -> None:
    path = tmp_path / "m.log"
    proc = run_script(
        f"""
        import logfort
        logfort.configure(sinks=[{{"type": "file", "path": {str(path)!r}}}])
        log = logfort.get_logger("m")
        for i in range(10):
            log.info("x")
        logfort.flush()
        print(sum(1 for _ in open({str(path)!r})))
        logfort.shutdown()
        logfort.shutdown()
        log.info("after shutdown")
        print(logfort.metrics())
        logfort.configure(sinks=[{{"type": "file", "path": {str(path)!r}}}])
        log.info("configured again")
        logfort.flush()
        print(sum(1 for _ in open({str(path)!r})))
        """,
        tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.splitlines()
    assert out[0] == "10"
    assert out[-1] == "11"
    text = "\n".join(out[1:-1])
    assert "# TYPE logfort_records_written_total counter" in text
    assert 'logfort_records_written_total{pipeline="default"} 10' in text
    assert 'logfort_records_dropped_total{pipeline="default",reason="shutdown"} 1' in text


def test_configuration_errors_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(logfort.ConfigError) as e:
        logfort.configure(level="loud")
    assert isinstance(e.value, ValueError)
    assert "level" in str(e.value) and "loud" in str(e.value)
    with pytest.raises(logfort.ConfigError, match="sinks"):
        logfort.Handler(sinks=[{"type": "carrier-pigeon"}])
    with pytest.raises(logfort.ConfigError, match="unknown"):
        logfort.configure(no_such_key=1)
    with pytest.raises(TypeError, match="not a JSON type"):
        logfort.configure(service=object())


def test_bad_configuration_keeps_the_running_pipeline(default_to_file: Path) -> None:
    with pytest.raises(logfort.ConfigError):
        logfort.configure(format="xml")
    logfort.get_logger("still").info("still here")
    logfort.flush()
    assert [r["message"] for r in read_records(default_to_file)] == ["still here"]


def test_log_env_variables_apply(tmp_path: Path) -> None:
    path = tmp_path / "env.log"
    script = tmp_path / "env.py"
    script.write_text(
        "import logfort\nlogfort.get_logger('env').debug('dbg')\n"
        "logfort.get_logger('env').info('inf')\n"
    )
    env = {**os.environ, "LOG_FILE": str(path), "LOG_LEVEL": "debug", "LOG_SERVICE": "svc"}
    proc = subprocess.run(
        [sys.executable, str(script)], env=env, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    recs = read_records(path)
    assert [(r["message"], r["service"]) for r in recs] == [("dbg", "svc"), ("inf", "svc")]
