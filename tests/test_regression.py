"""The numba engine reproduces the recorded regression baseline number for number.

The baseline (``tests/data/regression.json``) is written only by
``tools/regression_baseline.py --write``; a change of results must be explained
and recorded deliberately, never absorbed by a test.
"""

from __future__ import annotations

import json

import pytest

from tools.regression_baseline import BASELINE, CASES, differences, results

RECORDED = json.loads(BASELINE.read_text())


def test_baseline_covers_the_cases_it_was_recorded_for():
    assert RECORDED["cases"] == CASES


@pytest.mark.parametrize("name", sorted(CASES))
def test_numba_engine_reproduces_the_recorded_results(name):
    assert differences(RECORDED["results"][name], results(CASES[name])) == []


def test_differences_finds_a_changed_count_and_a_changed_float_but_not_nan():
    base = {"a": [1, 2.0, float("nan")], "b": {"c": 3}}
    assert differences(base, {"a": [1, 2.0, float("nan")], "b": {"c": 3}}) == []
    changed = {"a": [1, 2.000001, float("nan")], "b": {"c": 4}}
    assert sorted(differences(base, changed)) == [".a[1]: 2.000001 != 2.0", ".b.c: 4 != 3"]
