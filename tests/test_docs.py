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
