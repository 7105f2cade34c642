"""The documentation states the numbers the code runs with."""

from __future__ import annotations

import re

import pytest

from livelihoods.values import get_value
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


def test_the_stored_example_report_is_what_its_tables_say():
    """docs/examples/intervention_comparison: every figure it shows is there, and its cost per extra completer
    and per extra employed person are the stored incremental.csv's, rounded as the report rounds money."""
    import re

    import pandas as pd

    from experiments.studies.labels import arm, money

    folder = ROOT / "docs" / "examples" / "intervention_comparison"
    text = (folder / "report.md").read_text()
    for image in re.findall(r"!\[[^]]*\]\(([^)]+)\)", text):
        assert (folder / image).exists(), image
    incremental = pd.read_csv(folder / "incremental.csv")
    section = text.split("## Incremental cost-effectiveness", 1)[1].split("\n## ", 1)[0]
    rows = {line.split(" | ")[0].lstrip("| "): line for line in section.splitlines() if line.startswith("| ")}
    for outcome in ("completer", "employed"):
        for r in incremental[(incremental["outcome"] == outcome) & (incremental["status"] == "ratio")].itertuples():
            cell = f"{money(r.icer)} [{money(r.icer_low)}, {money(r.icer_high)}]"
            assert cell in rows[arm(r.setting)], (r.setting, outcome, cell)
