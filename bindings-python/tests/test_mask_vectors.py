"""The shared masking vectors through Python: tests/vectors/mask.json via
`logfort.mask` (with the rule counters in `logfort.metrics()`), and
tests/vectors/mask_fields.json as extra= fields through JSONFormatter."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

import logfort
from conftest import make_record

VECTORS = Path(__file__).resolve().parents[2] / "tests" / "vectors"
MASK = json.loads((VECTORS / "mask.json").read_text(encoding="utf-8"))
FIELDS = json.loads((VECTORS / "mask_fields.json").read_text(encoding="utf-8"))
BASE = {"timestamp", "level", "logger", "message", "file", "line", "function"}


def by_config(cases: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for c in cases:
        groups.setdefault(json.dumps(c.get("config") or {}, sort_keys=True), []).append(c)
    return groups


MASK_GROUPS = by_config(MASK)


def masked_total(rule: str) -> int:
    pattern = re.compile(
        r'^logfort_masked_total\{pipeline="default",(?:[^}]*,)?rule="'
        + re.escape(rule)
        + r'"[^}]*\} (\d+)$',
        re.M,
    )
    return sum(int(n) for n in pattern.findall(logfort.metrics()))


@pytest.mark.parametrize("config", list(MASK_GROUPS), ids=range(len(MASK_GROUPS)))
def test_mask_vectors_through_logfort_mask(config: str, tmp_path: Path) -> None:
    logfort.configure(
        mask=json.loads(config), sinks=[{"type": "file", "path": str(tmp_path / "l")}]
    )
    wrong = []
    for case in MASK_GROUPS[config]:
        rule = case.get("rule")
        before = masked_total(rule) if rule else 0
        got = logfort.mask(case["input"])
        if got != case["expected"]:
            wrong.append((case["name"], got, case["expected"]))
        if rule and masked_total(rule) <= before:
            wrong.append((case["name"], f"counter for {rule} did not go up", ""))
    assert wrong == []


@pytest.mark.parametrize("case", FIELDS, ids=[c["name"] for c in FIELDS])
def test_mask_field_vectors_through_a_record(case: dict[str, Any]) -> None:
    formatter = logfort.JSONFormatter(mask=case.get("config") or {}, schema={"policy": "off"})
    line = json.loads(formatter.format(make_record("fields", extra=case["fields"])))
    body = {k: v for k, v in line.items() if k not in BASE}
    assert body == case["expected"]
