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
