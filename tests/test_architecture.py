"""House rules that hold across the package: the core never reads the clock."""

from __future__ import annotations

import ast
from pathlib import Path

import ofacare

CORE = ("knowledge", "regimen", "handling", "safety", "pharmacology")
CLOCK_CALLS = {"today", "now", "utcnow", "time", "monotonic"}


def clock_reads(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in CLOCK_CALLS
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in {"date", "datetime", "time"}
        ):
            found.append(f"{path.name}:{node.lineno} {node.func.value.id}.{node.func.attr}()")
    return found


def test_core_modules_take_as_of_and_never_read_the_clock():
    root = Path(ofacare.__file__).parent
    reads = [hit for area in CORE for f in (root / area).rglob("*.py") for hit in clock_reads(f)]
    assert reads == []


def test_the_clock_check_would_catch_a_clock_read(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("from datetime import date\nx = date.today()\n", "utf-8")
    assert clock_reads(sample) == ["sample.py:2 date.today()"]
