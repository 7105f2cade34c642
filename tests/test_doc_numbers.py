"""The model's numbers in the docs are those tools/doc_numbers.py computes, and no marker shows in the README.

The README and the pages of docs/ quote numbers only in generated blocks (between two HTML comments, which no
rendered page shows); docs/ODD.md keeps its marked numbers inside its prose. Both are compared with
docs/numbers.json (and the README's walkthrough with docs/walkthrough.json); the last test recomputes
docs/numbers.json from the model, which takes minutes (deselect it with -m 'not slow').
"""

from __future__ import annotations

import json

import pytest

from tools.doc_numbers import BLOCKS, MARKED, NUMBERS, WALKTHROUGH, blocks, compute, docs, marked, render

RECORDED = json.loads(NUMBERS.read_text())


@pytest.mark.parametrize("doc", MARKED, ids=lambda p: p.name)
def test_every_marked_number_is_the_recorded_one(doc):
    marks = marked(doc.read_text())
    assert marks, f"{doc.name} quotes no marked number"
    wrong = [(name, text, RECORDED["numbers"].get(name)) for name, text in marks
             if RECORDED["numbers"].get(name) != text]
    assert not wrong, f"{doc.name}: marked text differs from docs/numbers.json (python -m tools.doc_numbers --write): {wrong}"


@pytest.mark.parametrize("doc", [d for d in docs() if blocks(d.read_text())], ids=lambda p: p.name)
def test_every_generated_block_is_its_rendering_of_the_recorded_numbers(doc):
    for name, text in blocks(doc.read_text()):
        assert text == render(name), f"{doc.name}: block {name} differs (python -m tools.doc_numbers --write)"


def test_the_readme_and_the_pages_mark_no_number_inside_their_prose():
    """Only docs/ODD.md carries <!--n:...--> markers; elsewhere a quoted number is in a generated block."""
    for doc in docs():
        if doc not in MARKED:
            assert not marked(doc.read_text()), f"{doc.name}: marked numbers in its prose; use a generated block"


def test_every_block_is_quoted_by_exactly_one_page():
    """A block's words live in tools/doc_numbers.py; one that no page shows would rot unseen, and one shown twice
    means a page repeats another."""
    where = {}
    for doc in docs():
        for name, _ in blocks(doc.read_text()):
            where.setdefault(name, []).append(doc.name)
    assert {name: len(pages) for name, pages in where.items()} == {name: 1 for name in BLOCKS}, where


def test_the_docs_name_the_calibration_the_numbers_come_from():
    for doc in MARKED:
        names = {name for name, _ in marked(doc.read_text())}
        assert "calibration" in names, f"{doc.name}: no <!--n:calibration--> next to its numbers"
    for name in BLOCKS:
        if name != "walkthrough":
            assert f"`{RECORDED['calibration']}`" in render(name), name


def test_the_walkthrough_record_is_of_the_readme_as_it_stands():
    """docs/walkthrough.json timed the commands the README's first screen shows now, at the README's sizes; the
    block quotes every step but make test, and each report's answers."""
    from tools.readme_walkthrough import README, commands

    record = json.loads(WALKTHROUGH.read_text())
    assert [s["command"] for s in record["steps"]] == commands(README.read_text()), \
        "the README's commands changed: python -m tools.readme_walkthrough --write"
    block = render("walkthrough")
    reports = [s for s in record["steps"] if s["kind"] == "report"]
    assert len(reports) == 2 and all(s["answers"] for s in reports)
    for answer in (a for s in reports for a in s["answers"]):
        assert answer[1:] in block, answer  # its first letter in lower case
    assert record["machine"]["cores"] and all(s["seconds"] > 0 for s in record["steps"] if s["command"] != "make test")


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
    (tmp_path / "report.md").write_text(
        "<!-- python -m experiments.run -m experiment=stipend_stress_test posterior=p 'draw=range(0,50)' "
        "'seed=range(1,3)' scenario.n_youth=20000\n(1,000 jobs, 3 min 9 s on 2 cores, 2026-12-06) -->\n"
        "Lowest stipend with P(dropout < 30%) of at least 90% over the posterior: **none of the levels tested**.\n")
    n = posterior_stress_numbers(tmp_path)
    assert n["poststress.answer"] == "none of the levels tested"
    assert n["poststress.best_level"] == "30 USD/month"  # the lowest of the levels with the highest P
    assert n["poststress.dropout_at_0"] == "50% [40, 60]" and n["poststress.effect_at_best"] == "-19 points [-30, -8]"
    assert n["poststress.run"] == "1,000 jobs in 3 min 9 s on 2 cores"
    assert n["poststress.design"] == "50 draws × 2 seeds × 3 levels, 20,000 youth"
    assert n["poststress.param_share_min"] == "97%" and n["poststress.seed_sd_max"] == "0.6 points"
    assert posterior_stress_numbers(tmp_path / "nothing") == {}


@pytest.mark.slow
def test_the_recorded_numbers_are_what_the_script_computes_now():
    assert compute(jobs=2) == RECORDED


def test_the_tests_and_the_docs_name_the_same_stored_posterior_and_it_is_stored():
    from livelihoods import draws
    from tests.conftest import STORED_POSTERIOR
    from tools.doc_numbers import POSTERIOR

    assert STORED_POSTERIOR == POSTERIOR
    assert (draws.POSTERIOR_DIR / POSTERIOR / "posterior.csv").exists()
