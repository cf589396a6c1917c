"""Objects that are not JSON types: sensible output, never an exception."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import uuid
from pathlib import Path
from typing import Any

import pydantic

import logfort
from conftest import make_record, read_records
from logfort import _native


class Color(enum.Enum):
    RED = "red"


class Num(enum.IntEnum):
    ONE = 1


class Mode(str, enum.Enum):
    FAST = "fast"


@dataclasses.dataclass
class Point:
    x: int
    y: list[int]
    parent: Any = None


class User(pydantic.BaseModel):
    name: str
    joined: datetime.date
    id: uuid.UUID


class Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("no")


class Plain:
    def __str__(self) -> str:
        return "plain!"


def test_scalars() -> None:
    c = _native._convert
    assert c(None) is None
    assert c(True) is True
    assert c(-3) == -3
    assert c(2**64 - 1) == 2**64 - 1
    assert c(2**64) == "18446744073709551616"
    assert c(-(2**63) - 1) == "-9223372036854775809"
    assert c(1.5) == 1.5
    assert c("x\ud800y") == "x\\ud800y"


def test_standard_library_types() -> None:
    c = _native._convert
    assert c(decimal.Decimal("12.50")) == "12.50"
    assert c(datetime.datetime(2024, 1, 2, 3, 4, 5, 6)) == "2024-01-02T03:04:05.000006"
    tz = datetime.timezone.utc
    assert c(datetime.datetime(2024, 1, 2, tzinfo=tz)) == "2024-01-02T00:00:00+00:00"
    assert c(datetime.date(2024, 1, 2)) == "2024-01-02"
    assert c(datetime.time(3, 4)) == "03:04:00"
    assert c(uuid.UUID(int=255)) == "00000000-0000-0000-0000-0000000000ff"
    assert c(Color.RED) == "red"
    assert c(Num.ONE) == 1
    assert c(Mode.FAST) == "fast"
    assert c(Path("/tmp/x")) == "/tmp/x"
    assert c(b"text") == "text"
    assert c(b"\xff\x00") == "b'\\xff\\x00'"
    assert c(bytearray(b"ab")) == "ab"


def test_containers() -> None:
    c = _native._convert
    assert c((1, [2, {"a": (3,)}])) == [1, [2, {"a": [3]}]]
    assert sorted(c({3, 1, 2})) == [1, 2, 3]
    assert c(frozenset({"a"})) == ["a"]
    assert c({2: "int", None: "none", True: "bool", (1, 2): "tuple"}) == {
        "2": "int",
        "null": "none",
        "true": "bool",
        "(1, 2)": "tuple",
    }


def test_cycles_and_depth() -> None:
    c = _native._convert
    d: dict[str, Any] = {"a": 1}
    d["me"] = d
    assert c(d) == {"a": 1, "me": "[circular]"}
    lst: list[Any] = [1]
    lst.append(lst)
    assert c(lst) == [1, "[circular]"]
    shared = [1]
    assert c([shared, shared]) == [[1], [1]]
    deep: list[Any] = []
    cur = deep
    for _ in range(100):
        nxt: list[Any] = []
        cur.append(nxt)
        cur = nxt
    out = c(deep)
    depth = 0
    while isinstance(out, list):
        out = out[0]
        depth += 1
    assert out == "[depth limit]"
    assert depth == 64


def test_dataclasses_and_pydantic() -> None:
    c = _native._convert
    p = Point(1, [2])
    p.parent = p
    assert c(p) == {"x": 1, "y": [2], "parent": "[circular]"}
    assert c(Point) == str(Point)
    u = User(name="ann", joined=datetime.date(2020, 5, 1), id=uuid.UUID(int=1))
    assert c(u) == {
        "name": "ann",
        "joined": "2020-05-01",
        "id": "00000000-0000-0000-0000-000000000001",
    }


def test_other_objects_use_str() -> None:
    c = _native._convert
    assert c(Plain()) == "plain!"
    assert c(Unprintable()) == "<unprintable Unprintable>"
    assert c(ValueError("bad")) == "bad"


def test_odd_extras_reach_the_line(file_handler: logfort.Handler, log_file: Path) -> None:
    d: dict[str, Any] = {}
    d["d"] = d
    file_handler.handle(
        make_record(
            extra={
                "amount": decimal.Decimal("9.99"),
                "when": datetime.date(2024, 2, 29),
                "who": Unprintable(),
                "loop": d,
                "nan": float("nan"),
                "inf": float("-inf"),
            }
        )
    )
    file_handler.flush()
    (rec,) = read_records(log_file)
    assert rec["amount"] == "9.99"
    assert rec["when"] == "2024-02-29"
    assert rec["who"] == "<unprintable Unprintable>"
    assert rec["loop"] == {"d": "[circular]"}
    assert rec["nan"] == "NaN"
    assert rec["inf"] == "-Infinity"
