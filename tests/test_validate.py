"""Validation against the evidence: the targets file's schema and the table's arithmetic."""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from scipy import stats

from experiments.evidence import validate as v
from livelihoods.errors import ConfigurationError
from tests.conftest import assert_refused


def test_the_evidence_targets_file_matches_its_schema():
    spec = v.load_targets(v.DEFAULT_TARGETS)
    assert spec.seeds >= 10
    assert {t.pattern for t in spec.targets} == {0, 1, 2, 3, 4, 5, 6}  # every pattern of EVIDENCE.md, and countries
    for t in spec.targets:
        assert t.source and t.range[0] <= t.range[1] and t.arm in spec.arms


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d["targets"][0].update(rnage=[0, 1]), "rnage"),
    (lambda d: d["targets"][0].update(range=[0.7, 0.4]), "range"),
    (lambda d: d["targets"][0].update(arm="nowhere"), "nowhere"),
    (lambda d: d.update(seeds=1), "seeds"),
    (lambda d: d["targets"][0].update(value=0.9), "value"),
])
def test_a_bad_targets_file_is_refused_with_one_line(tmp_path, capsys, mutate, message):
    data = yaml.safe_load(v.DEFAULT_TARGETS.read_text())
    mutate(data)
    path = tmp_path / "targets.yaml"
    path.write_text(yaml.safe_dump(data))
    assert_refused(capsys, lambda: v.load_targets(path), message)


def test_levels_and_paired_differences_with_t_intervals():
    spec = v.TargetsFile(seeds=3, n_youth=10, months=1, arms={"a": [], "b": []}, targets=[
        v.Target(name="level", pattern=1, arm="a", indicator="x", group="all", range=[0.0, 0.5], source="s"),
        v.Target(name="diff", pattern=2, arm="b", reference="a", indicator="x", group="all", range=[0.1, 1.0],
                 source="s"),
    ])
    a, b = [0.2, 0.3, 0.4], [0.5, 0.5, 0.9]
    results = {"a": [{("all", "x"): x} for x in a], "b": [{("all", "x"): x} for x in b]}
    level, diff = v.evaluate(spec, results)
    half = stats.t.ppf(0.975, 2) * np.std(a, ddof=1) / np.sqrt(3)
    assert level["mean"] == pytest.approx(0.3) and level["ci_high"] == pytest.approx(0.3 + half)
    assert level["passed"]
    d = np.subtract(b, a)  # seed by seed
    assert diff["mean"] == pytest.approx(d.mean()) and diff["n"] == 3
    assert diff["ci_low"] == pytest.approx(d.mean() - stats.t.ppf(0.975, 2) * d.std(ddof=1) / np.sqrt(3))
    assert diff["passed"] == (0.1 <= d.mean() <= 1.0)
    results["b"][1][("all", "x")] = float("nan")  # an undefined rate in one seed is left out
    assert v.evaluate(spec, results)[1]["n"] == 2
    spec.targets[0].range = [0.35, 0.5]
    assert not v.evaluate(spec, results)[0]["passed"]


def test_a_tiny_validation_run_writes_the_table_and_exits_by_its_result(tmp_path):
    data = yaml.safe_load(v.DEFAULT_TARGETS.read_text())
    data.update(seeds=2, n_youth=400, months=6)
    data["targets"] = [t for t in data["targets"] if t["name"] in ("intent_common", "stipend_lowers_dropout")]
    path = tmp_path / "targets.yaml"
    path.write_text(yaml.safe_dump(data))
    code = v.main(["--targets", str(path), "--out", str(tmp_path / "out")])
    tables = list((tmp_path / "out").glob("*/validation.md"))
    assert len(tables) == 1 and "intent_common" in tables[0].read_text()
    csv = (tables[0].parent / "validation.csv").read_text()
    assert code == (0 if csv.count("True") == 2 else 1)


def test_an_effect_per_another_effect_is_divided_seed_by_seed():
    spec = v.TargetsFile(seeds=3, n_youth=10, months=1, arms={"base": [], "info": [], "cash": []}, targets=[
        v.Target(name="ratio", pattern=5, arm="info", reference="base", per=["cash", "base"], indicator="m",
                 group="all", range=[-0.2, 0.2], source="s"),
    ])
    base, info, cash = [0.01, 0.02, 0.01], [0.012, 0.021, 0.013], [0.03, 0.05, 0.02]
    results = {arm: [{("all", "m"): x} for x in xs] for arm, xs in (("base", base), ("info", info), ("cash", cash))}
    (row,) = v.evaluate(spec, results)
    ratios = (np.subtract(info, base)) / (np.subtract(cash, base))
    assert row["mean"] == pytest.approx(ratios.mean()) and row["n"] == 3
    assert row["passed"] == (-0.2 <= ratios.mean() <= 0.2)
    assert "/ (cash - base)" in row["statistic"]


def test_per_needs_a_reference_and_two_known_arms(tmp_path, capsys):
    data = yaml.safe_load(v.DEFAULT_TARGETS.read_text())
    data["targets"][0]["per"] = ["liquidity", "baseline"]  # a level target has no effect to divide
    path = tmp_path / "targets.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ConfigurationError, match=r"\.per"):
        v.load_targets(path)


def test_a_rare_rate_is_printed_at_the_precision_of_its_range():
    """A monthly departure rate of 0.00024 against [0.0002, 0.003] must not read 0.000 [0.000, 0.000]."""
    row = {"pattern": 5, "target": "departures", "statistic": "s", "range": "[0.0002, 0.003]",
           "decimals": v.decimals([0.0002, 0.003]), "mean": 0.000243, "ci_low": 0.000231, "ci_high": 0.000255,
           "passed": True}
    assert "0.00024 [0.00023, 0.00026] | pass" in v.format_table([row])
    assert v.decimals([0.45, 0.7]) == 3 and v.decimals([-1, 0]) == 3 and v.decimals([0, float("inf")]) == 3
