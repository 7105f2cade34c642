"""Incremental cost-effectiveness on hand-computed synthetic jobs: ratios, Fieller intervals, the effect whose
interval includes zero, posterior draws and the acceptability curve; and their place in paired.csv and report.md."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

from experiments.studies import aggregate as agg
from experiments.studies import cost_effectiveness as cea
from experiments.studies.report import write_report

LEVEL = "policy.stipend.monthly_amount"


def job(folder, num, overrides, cost, completed, employed, dropout=0.3):
    """A finished job of experiments.run with the numbers the cost-effectiveness reads."""
    path = folder / str(num)
    (path / ".hydra").mkdir(parents=True)
    (path / ".hydra" / "overrides.yaml").write_text(yaml.safe_dump(overrides))
    values = {"dropout_rate": dropout, "completion_rate": 1 - dropout, "employment_rate": 0.3,
              "migration_intent_rate": 0.2}
    summary = {"indicators": values, "by_group": {"women": values},
               "cost": {"total": cost, "average_per_enrolee": cost / 1000, "average_per_completer": cost / completed,
                        "average_per_employed_completer": cost / completed},
               "counts": {"enrolled": 1000, "completed": completed, "certified": completed, "dropped_out": 1000 - completed,
                          "employed": employed, "employed_completers": completed // 4}}
    (path / "summary.json").write_text(json.dumps(summary))


# arm -> seed -> (cost USD, completers, employed persons, dropout)
ARMS = {
    "0": {1: (100_000, 500, 5000, 0.50), 2: (104_000, 520, 5004, 0.48), 3: (98_000, 490, 4990, 0.51)},
    "30": {1: (160_000, 700, 5010, 0.30), 2: (163_000, 715, 4999, 0.285), 3: (159_000, 690, 4996, 0.31)},
    "105": {1: (300_000, 720, 5030, 0.28), 2: (305_000, 730, 5020, 0.27), 3: (301_000, 712, 5025, 0.288)},
}


@pytest.fixture
def sweep(tmp_path):
    (tmp_path / "multirun.yaml").write_text(yaml.safe_dump({"hydra": {
        "overrides": {"task": [f"{LEVEL}=0,30,105", "seed=1,2,3"]}, "sweeper": {"params": None}}}))
    num = 0
    for level, seeds in ARMS.items():
        for seed, (cost, completed, employed, dropout) in seeds.items():
            job(tmp_path, num, [f"{LEVEL}={level}", f"seed={seed}"], cost, completed, employed, dropout)
            num += 1
    return tmp_path


def differences(arm, comparator, k):
    return np.array([ARMS[arm][s][k] - ARMS[comparator][s][k] for s in (1, 2, 3)], dtype=float)


def fieller_by_search(dC, dE, level=0.95):
    """Fieller's set by brute force: the R with |mean(dC - R dE)| <= t se(dC - R dE) (no algebra shared)."""
    t = stats.t.ppf((1 + level) / 2, len(dC) - 1)
    grid = np.linspace(0, 5000, 500_001)
    z = dC[None, :] - grid[:, None] * dE[None, :]
    inside = np.abs(z.mean(axis=1)) <= t * z.std(axis=1, ddof=1) / np.sqrt(len(dC))
    return grid[inside].min(), grid[inside].max()


def test_the_cost_per_extra_completer_is_the_ratio_of_mean_differences_with_fieller_bounds(sweep):
    frame = agg.records(agg.read_sweep(sweep))
    table = cea.incremental(frame, [(f"{LEVEL}=30", f"{LEVEL}=0")])
    row = table[table.outcome == "completer"].iloc[0]
    dC, dE = differences("30", "0", 0), differences("30", "0", 1)
    assert row["cost_mean"] == pytest.approx(dC.mean()) and row["effect_mean"] == pytest.approx(dE.mean())
    assert row["icer"] == pytest.approx(dC.mean() / dE.mean())  # 60,000 / 198.33 = 302.5 USD per extra completer
    assert row["icer"] == pytest.approx(302.52, abs=0.01)
    assert row["status"] == "ratio"
    low, high = fieller_by_search(dC, dE)
    assert (row["icer_low"], row["icer_high"]) == pytest.approx((low, high), abs=0.02)
    assert row["icer_low"] < row["icer"] < row["icer_high"]
    dropout = table[table.outcome == "point of dropout avoided"].iloc[0]
    points = -100 * differences("30", "0", 3)
    assert dropout["icer"] == pytest.approx(dC.mean() / points.mean())


def test_an_effect_whose_interval_includes_zero_gets_no_ratio(sweep):
    frame = agg.records(agg.read_sweep(sweep))
    table = cea.incremental(frame, [(f"{LEVEL}=30", f"{LEVEL}=0")])
    row = table[table.outcome == "employed person"].iloc[0]  # +10, -5, +6: the interval spans zero
    dE = differences("30", "0", 2)
    half = stats.t.ppf(0.975, 2) * dE.std(ddof=1) / np.sqrt(3)
    assert row["effect_low"] == pytest.approx(dE.mean() - half) and row["effect_low"] < 0 < row["effect_high"]
    assert row["status"] == "effect CI includes zero"
    assert np.isnan(row["icer"]) and np.isnan(row["icer_low"])
    enrolees = table[table.outcome == "enrolee"].iloc[0]  # 1,000 in every run: no extra enrolee at all
    assert enrolees["status"] == "no extra outcomes" and np.isnan(enrolees["icer"])


def test_paired_table_and_report_carry_the_incremental_costs_against_the_reference_and_level_by_level(sweep):
    report = write_report(sweep).read_text()
    paired = pd.read_csv(sweep / "paired.csv")
    rows = paired[paired.indicator == "incremental_cost_per_completer"].set_index("setting")
    assert rows.loc[f"{LEVEL}=30", "mean"] == pytest.approx(302.52, abs=0.01)
    dC, dE = differences("105", "0", 0), differences("105", "0", 1)
    assert rows.loc[f"{LEVEL}=105", "mean"] == pytest.approx(dC.mean() / dE.mean())
    employed = paired[paired.indicator == "incremental_cost_per_employed_person"].set_index("setting")
    assert employed.loc[f"{LEVEL}=30", "note"] == "effect CI includes zero"
    assert "## Incremental cost-effectiveness against stipend 0 USD/month" in report
    assert "| stipend 30 USD/month | 60,000 [" in report  # extra cost, rounded with separators
    assert "| 303 [" in report  # 302.5 USD per extra completer, whole dollars
    # level by level: 30 -> 105 buys 19 completers for 141,333 USD: 7,439 USD each
    steps = pd.read_csv(sweep / "incremental.csv")
    step = steps[(steps.setting == f"{LEVEL}=105") & (steps.comparator == f"{LEVEL}=30")
                 & (steps.outcome == "completer")].iloc[0]
    dC, dE = differences("105", "30", 0), differences("105", "30", 1)
    assert step["icer"] == pytest.approx(dC.mean() / dE.mean())
    assert "stipend 30 USD/month → stipend 105 USD/month" in report
    assert (sweep / "ce_plane.png").stat().st_size > 10_000


def test_over_posterior_draws_the_interval_comes_from_the_draws_and_the_ceac_counts_them():
    rng = np.random.default_rng(0)
    rows = []
    ratios = []
    for d in range(40):
        effect = 100 + 40 * rng.standard_normal()  # extra completers of draw d, always > 0 here
        price = 300 + 50 * rng.standard_normal()   # USD per extra completer of draw d
        ratios.append(price)
        for seed in (1, 2):
            for arm, cost, completed in (("a", 0.0, 500.0), ("b", price * effect, 500.0 + effect)):
                rows += [(arm, d, seed, "all", "cost_total", cost + 100_000),
                         (arm, d, seed, "all", "count_completed", completed)]
    frame = pd.DataFrame(rows, columns=["setting", "draw", "seed", "group", "indicator", "value"])
    row = cea.incremental(frame, [("b", "a")], 0.9)
    row = row[row.outcome == "completer"].iloc[0]
    assert row["draws"] == 40 and row["status"] == "ratio"
    assert (row["icer_low"], row["icer_high"]) == pytest.approx(tuple(np.quantile(ratios, [0.05, 0.95])))
    p = cea.acceptability(frame, "b", "a", "completer", np.array([0.0, np.median(ratios), 10_000.0]))
    assert p[0] == 0.0 and p[1] == pytest.approx(0.5, abs=0.03) and p[2] == 1.0


def test_an_effect_that_changes_sign_across_draws_gets_no_ratio():
    rows = []
    for d, effect in enumerate([50, 60, -5, 70, 80, 55, 65, 75, 45, 52]):
        for arm, cost, completed in (("a", 0.0, 500.0), ("b", 10_000.0, 500.0 + effect)):
            rows += [(arm, d, 1, "all", "cost_total", cost), (arm, d, 1, "all", "count_completed", completed)]
    frame = pd.DataFrame(rows, columns=["setting", "draw", "seed", "group", "indicator", "value"])
    row = cea.incremental(frame, [("b", "a")], 0.5).query("outcome == 'completer'").iloc[0]
    assert row["status"] == "effect changes sign across draws" and np.isnan(row["icer"])
