"""The documentation states the numbers the code runs with."""

from __future__ import annotations

import re

import pytest

from experiments.study import get_value
from tests.conftest import ROOT, make_config

ROW = re.compile(r"^\| `((?:behaviour|scenario)\.[\w.]+)` \| ([^|]+) \|")


def test_every_parameter_in_the_odd_table_is_the_default_config_value():
    cfg = make_config()
    rows = [ROW.match(line) for line in (ROOT / "docs" / "ODD.md").read_text().splitlines()]
    rows = [m for m in rows if m]
    assert len(rows) >= 40
    for m in rows:
        shown = float(m.group(2).strip().replace("−", "-"))
        assert get_value(cfg, m.group(1)) == pytest.approx(shown, rel=1e-9), m.group(1)


def test_the_readme_starts_with_the_two_commands():
    text = (ROOT / "README.md").read_text()
    head = text[: text.index("## What it is")]
    assert "make run" in head and "make test" in head


def test_every_test_named_in_the_folder_and_concurrency_table_exists():
    """docs/BAD_INPUTS.md lists multi-command cases with the test that drives each: none may go missing."""
    import ast

    text = (ROOT / "docs" / "BAD_INPUTS.md").read_text()
    table = text[text.index("## Folders, concurrency and re-runs"):]
    named = re.findall(r"`(?:(tests/\w+\.py)::)?(test_\w+)`", table)
    assert len(named) >= 16
    defined: dict[str, set[str]] = {}
    for path in (ROOT / "tests").glob("test_*.py"):
        tree = ast.parse(path.read_text())
        defined[f"tests/{path.name}"] = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    for file, name in named:
        assert name in defined[file or "tests/test_ownership.py"], f"{file or 'tests/test_ownership.py'}::{name}"
