"""The model's numbers in README.md and docs/ODD.md are those tools/doc_numbers.py computes."""

from __future__ import annotations

import json

import pytest

from tools.doc_numbers import DOCS, NUMBERS, compute, marked

RECORDED = json.loads(NUMBERS.read_text())


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_marked_number_is_the_recorded_one(doc):
    marks = marked(doc.read_text())
    assert marks, f"{doc.name} quotes no marked number"
    wrong = [(name, text, RECORDED["numbers"].get(name)) for name, text in marks
             if RECORDED["numbers"].get(name) != text]
    assert not wrong, f"{doc.name}: marked text differs from docs/numbers.json (python -m tools.doc_numbers --write): {wrong}"


def test_the_docs_name_the_calibration_the_numbers_come_from():
    for doc in DOCS:
        names = {name for name, _ in marked(doc.read_text())}
        assert "calibration" in names, f"{doc.name}: no <!--n:calibration--> next to its numbers"


def test_the_recorded_numbers_are_what_the_script_computes_now():
    assert compute(jobs=2) == RECORDED


def test_the_posterior_stress_numbers_are_read_from_the_stored_tables(tmp_path):
    import pandas as pd

    from tools.doc_numbers import posterior_stress_numbers

    key = "policy.stipend.monthly_amount"
    pd.DataFrame({"stipend": [30.0, 0.0, 60.0], "mean": [0.31, 0.5, 0.29], "ci_low": [0.2, 0.4, 0.18],
                  "ci_high": [0.4, 0.6, 0.39], "param_low": [0.2, 0.4, 0.18], "param_high": [0.4, 0.6, 0.39],
                  "seed_sd": [0.004, 0.006, 0.005], "param_share": [0.99, 0.98, 0.97],
                  "p_below_target": [0.62, 0.0, 0.62]}).to_csv(tmp_path / "stress.csv", index=False)
    pd.DataFrame({"setting": [f"{key}=30", f"{key}=60"], "group": "all", "indicator": "dropout_rate",
                  "mean": [-0.19, -0.21], "ci_low": [-0.3, -0.32], "ci_high": [-0.08, -0.1]}).to_csv(
        tmp_path / "paired.csv", index=False)
    (tmp_path / "report.md").write_text("<!-- ... (1,000 jobs, 3 min 9 s on 2 cores, 2026-12-06) -->\n"
                                        "Lowest stipend with P(dropout < 30%) of at least 90% over the posterior: "
                                        "**none of the levels tested**.\n")
    n = posterior_stress_numbers(tmp_path)
    assert n["poststress.answer"] == "none of the levels tested"
    assert n["poststress.best_level"] == "30 USD/month"  # the lowest of the levels with the highest P
    assert n["poststress.dropout_at_0"] == "50% [40, 60]" and n["poststress.effect_at_best"] == "-19 points [-30, -8]"
    assert n["poststress.run"] == "1,000 jobs in 3 min 9 s on 2 cores"
    assert n["poststress.param_share_min"] == "97%" and n["poststress.seed_sd_max"] == "0.6 points"
    assert posterior_stress_numbers(tmp_path / "nothing") == {}
