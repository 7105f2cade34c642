"""experiments.optimise: a planted optimum found, budgets kept, printed overrides that reproduce, resume, bad input."""

from __future__ import annotations

import itertools
import json
import math
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("optuna")

from experiments.decisions import search as op  # noqa: E402
from tests.conftest import ROOT  # noqa: E402

LEVERS = {"stipend": op.Lever("policy.stipend.monthly_amount", 40, 10, "USD/month"),
          "childcare": op.Lever("policy.childcare.coverage_share", 1.0, 0.5, "share of trainee mothers"),
          "startup_kit": op.Lever("policy.startup_kit.kit_value", 400, 200, "USD per kit"),
          "certification": op.Lever(None)}
PRICE = {"stipend": 1000, "childcare": 8000, "startup_kit": 40, "certification": 3000}  # USD per unit of lever
GAIN = {"stipend": 2.0, "childcare": 12.0, "startup_kit": 0.04, "certification": 4.0}
BUDGET = 30000


def planted(package: dict[str, float]) -> tuple[float, float, float]:
    """Cost (additive), completers (diminishing returns: sqrt of the lever's share of its range), employed."""
    share = {n: package[n] / (LEVERS[n].high if LEVERS[n].key else 1.0) for n in LEVERS}
    cost = sum(PRICE[n] * package[n] for n in LEVERS)
    completed = 100 + sum(10 * GAIN[n] * math.sqrt(share[n]) for n in LEVERS)
    employed = 300 + 5 * math.sqrt(share["certification"]) + 3 * math.sqrt(share["childcare"])
    return cost, completed, employed


def parse(overrides: list[str]) -> dict[str, float]:
    given = dict(o.split("=", 1) for o in overrides)
    names = [p for p in given.pop("policy").strip("[]").split(",") if p]
    return {n: (float(given[LEVERS[n].key]) if LEVERS[n].key else 1.0) if n in names else 0.0 for n in LEVERS}


def synthetic(settings, seeds):
    """The planted problem as an evaluator; each seed shifts every package alike (common random numbers)."""
    out = []
    for s in settings:
        cost, completed, employed = planted(parse(s))
        out.append([{"cost.policies": cost, "counts.completed": completed + 3 * seed,
                     "counts.employed": employed + 2 * seed} for seed in seeds])
    return out


def grid():
    axes = [[i * lever.step for i in range(int(lever.high / lever.step + 1e-9) + 1)] if lever.key else [0.0, 1.0]
            for lever in LEVERS.values()]
    return [dict(zip(LEVERS, combo)) for combo in itertools.product(*axes)]


def preset(**changes) -> op.Preset:
    p = op.Preset(budget_usd=BUDGET, objectives=[op.Objective("cost.policies", "minimize"),
                                                 op.Objective("counts.completed", "maximize"),
                                                 op.Objective("counts.employed", "maximize")],
                  seeds=[1, 2], verify_seeds=[3, 4], population=10, trials=40, polish_rounds=3, levers=dict(LEVERS))
    for k, v in changes.items():
        setattr(p, k, v)
    return p


@pytest.mark.parametrize("sampler_seed", [1, 2, 3])
def test_the_search_finds_the_planted_best_package_within_the_budget(sampler_seed):
    """Brute force over the 90 packages gives the most completers within 30,000 USD; NSGA-II (40 packages)
    then the polish must end on exactly that package, and never call an over-budget package feasible."""
    feasible = [p for p in grid() if planted(p)[0] <= BUDGET]
    truth = max(feasible, key=lambda p: (planted(p)[1], -planted(p)[0]))
    assert truth not in ({n: 0.0 for n in LEVERS}, {n: v.high if v.key else 1.0 for n, v in LEVERS.items()})
    p = preset(sampler_seed=sampler_seed)
    study = op.open_study("sqlite:///:memory:", p, False)
    op.search(study, p, synthetic, p.trials)
    op.polish(study, p, synthetic)
    frame = op.fronts(op.trials_frame(study, p, ()), p)
    best = frame[frame["within_budget"]].sort_values(["counts.completed", "cost.policies"],
                                                     ascending=[False, True]).iloc[0]
    assert {n: best[f"lever.{n}"] for n in LEVERS} == truth
    assert best["counts.completed"] == pytest.approx(planted(truth)[1] + 4.5)  # mean of seeds 1, 2: +3 * 1.5
    assert (frame["within_budget"] == (frame["max_cost_over_seeds"] <= BUDGET)).all()
    assert not frame.loc[frame["on_front"], "within_budget"].eq(False).any()
    assert frame.iloc[0]["package"] == "no package" and frame.iloc[0]["trial"] == 0
    assert frame["package"].is_unique  # each package run once, however often NSGA-II proposed it
    # the extra completers over no package are paired: the seed shift cancels, so the interval is a point
    assert best["extra.counts.completed"] == pytest.approx(planted(truth)[1] - planted({n: 0 for n in LEVERS})[1])
    assert best["extra.counts.completed.low"] == pytest.approx(best["extra.counts.completed"])


def test_the_polish_from_several_starts_leaves_a_local_optimum_that_one_start_is_stuck_on():
    """Two levers 0..4. (4, 0) is a local peak (10 completers; every neighbour gives 1); the climb
    (0, 2) -> (0, 3) -> (0, 4) leads to 20. The search has run (0, 0), (4, 0) and (0, 2)."""
    levers = {"stipend": op.Lever("policy.stipend.monthly_amount", 4, 1, "USD/month"),
              "startup_kit": op.Lever("policy.startup_kit.kit_value", 4, 1, "USD per kit")}
    value = {(0, 4): 20, (0, 3): 15, (4, 0): 10, (0, 2): 8}

    def evaluate(settings, seeds):
        out = []
        for s in settings:
            given = dict(o.split("=", 1) for o in s)
            a, b = (int(float(given.get(lever.key, 0))) for lever in levers.values())
            out.append([{"cost.policies": 0.0, "counts.completed": float(value.get((a, b), 1)) + seed,
                         "counts.employed": 0.0} for seed in seeds])
        return out

    best = {}
    for starts in (1, 2):
        p = preset(levers=levers, population=3, polish_rounds=5, polish_starts=starts)
        study = op.open_study("sqlite:///:memory:", p, False)
        for a, b in ((0, 0), (4, 0), (0, 2)):
            study.enqueue_trial({"stipend": float(a), "startup_kit": float(b)})
        op.search(study, p, evaluate, 3)
        op.polish(study, p, evaluate)
        top = op.best_within_budget(study, p, p.objectives[1])
        best[starts] = tuple(int(top.user_attrs["package"][n]) for n in levers)
    assert best == {1: (4, 0), 2: (0, 4)}


def test_a_search_interrupted_mid_generation_resumes_into_the_uninterrupted_search(tmp_path):
    p = preset(trials=30, polish_rounds=0)
    whole = op.open_study(f"sqlite:///{tmp_path / 'whole.db'}", p, False)
    op.search(whole, p, synthetic, p.trials)

    calls = {"n": 0}

    def killed(settings, seeds):
        calls["n"] += 1
        if calls["n"] == 2:  # the second generation dies after its candidates were asked for
            raise KeyboardInterrupt
        return synthetic(settings, seeds)

    storage = f"sqlite:///{tmp_path / 'killed.db'}"
    with pytest.raises(KeyboardInterrupt):
        op.search(op.open_study(storage, p, False), p, killed, p.trials)
    from optuna.trial import TrialState
    again = op.open_study(storage, p, True)
    assert again.get_trials(states=(TrialState.RUNNING,))  # the kill left candidates running
    op.search(again, p, synthetic, p.trials)
    assert [t.params for t in again.trials] == [t.params for t in whole.trials]
    assert [t.values for t in again.trials] == [t.values for t in whole.trials]


def test_neighbours_move_one_step_or_swap_and_stay_in_range():
    package = {"stipend": 0.0, "childcare": 1.0, "startup_kit": 200.0, "certification": 1.0}
    moves = op.neighbours(package, LEVERS)
    for m in moves:
        changed = {n for n in LEVERS if m[n] != package[n]}
        assert 1 <= len(changed) <= 2
        assert all(0 <= m[n] <= (LEVERS[n].high if LEVERS[n].key else 1) for n in LEVERS)
    assert {"stipend": 10.0, "childcare": 0.5, "startup_kit": 200.0, "certification": 1.0} in moves  # a swap
    assert not any(m["stipend"] < 0 or m["childcare"] > 1 for m in moves)


def test_package_overrides_and_words():
    package = {"stipend": 45.0, "childcare": 0.25, "startup_kit": 0.0, "certification": 1.0}
    assert op.package_overrides(package, LEVERS) == [
        "policy=[stipend,childcare,certification]", "policy.stipend.monthly_amount=45",
        "policy.childcare.coverage_share=0.25"]
    assert op.package_words(package, LEVERS) == ("stipend 45 USD/month + childcare 25% (of trainee mothers) "
                                                 "+ certification")
    assert op.package_words({n: 0 for n in LEVERS}, LEVERS) == "no package"
    assert op.package_overrides({n: 0 for n in LEVERS}, LEVERS) == ["policy=[]"]


def test_rows_sweeper_reads_list_cells_and_leaves_empty_cells_out(tmp_path):
    from hydra_plugins.livelihoods_sweepers.rows_sweeper import read_rows

    plan = tmp_path / "plan.parquet"
    pd.DataFrame({"policy": [["stipend", "childcare"], []], "policy.stipend.monthly_amount": [45.0, np.nan],
                  "seed": [3, 4]}).to_parquet(plan, index=False)
    assert read_rows(str(plan)) == [["policy=[stipend,childcare]", "policy.stipend.monthly_amount=45.0", "seed=3"],
                                    ["policy=[]", "seed=4"]]


def run_module(*args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture(scope="module")
def small_search(tmp_path_factory):
    """The real model: 300 youth, 6 packages of the preset budget_500k with a 20,000 USD budget."""
    out = tmp_path_factory.mktemp("optimise")
    proc = run_module("experiments.optimise", "--n-youth", "300", "--trials", "6", "--population", "3",
                      "--budget", "20000", "--polish", "0", "--jobs", "2", "--out", str(out), "--verify")
    assert proc.returncode == 0, proc.stderr[-3000:]
    (folder,) = [p for p in out.iterdir() if p.is_dir()]
    return folder


def test_a_real_search_writes_its_front_within_budget(small_search):
    frame = pd.read_csv(small_search / "trials.csv")
    assert 6 <= len(frame) <= 8 and frame["package"].is_unique  # whole generations of 3 until 6 have run
    assert (frame["within_budget"] == (frame["max_cost_over_seeds"] <= 20000)).all()
    front = pd.read_csv(small_search / "pareto.csv")
    assert len(front) >= 1 and front["within_budget"].all()
    text = (small_search / "pareto.md").read_text()
    assert "no package" in text and "for seed in 1 2 3 4 5; do python -m experiments.run" in text
    verified = pd.read_csv(small_search / "verify.csv")
    assert set(verified["trial"]) == set(front["trial"])
    assert set(verified["outcome"]) == {"cost.policies", "counts.completed", "counts.employed"}
    assert (verified["consistent"] == ((verified["difference.low"] <= 0) & (verified["difference.high"] >= 0))).all()
    assert np.allclose(verified["difference"], verified["fresh"] - verified["search"])
    assert "difference consistent with zero" in text
    assert (small_search / "pareto.png").stat().st_size > 20_000


def test_the_printed_overrides_reproduce_a_point_exactly(small_search, tmp_path):
    import shlex

    import optuna

    front = pd.read_csv(small_search / "pareto.csv").sort_values("cost.policies")
    point = front.iloc[-1]
    study = optuna.load_study(study_name=op.STUDY, storage=f"sqlite:///{small_search / 'study.db'}")
    stored = study.trials[int(point["trial"])].user_attrs["values"]
    proc = run_module("experiments.run", *shlex.split(point["overrides"]), "seed=2", "figures=false",
                      "progress=false", f"hydra.run.dir={tmp_path / 'run'}", timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    from livelihoods import flat_values
    values = flat_values(json.loads((tmp_path / "run" / "summary.json").read_text()))
    for key in ("cost.policies", "counts.completed", "counts.employed"):
        assert values[key] == stored[key][1]  # seed 2 is the second of the preset's seeds


def test_a_search_on_a_hydra_launcher_gives_the_local_search_exactly(small_search, tmp_path):
    """The same search with each generation (and the verification) as a rows sweep on hydra/launcher=basic."""
    proc = run_module("experiments.optimise", "--n-youth", "300", "--trials", "6", "--population", "3",
                      "--budget", "20000", "--polish", "0", "--out", str(tmp_path), "--verify", "hydra/launcher=basic")
    assert proc.returncode == 0, proc.stderr[-3000:]
    (folder,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    assert list((folder / "runs").glob("trials_*/0/summary.json"))  # the runs went through the sweeps
    launched, local = pd.read_csv(folder / "trials.csv"), pd.read_csv(small_search / "trials.csv")
    cols = ["trial", "package", "within_budget", "cost.policies", "counts.completed", "counts.employed",
            "extra.counts.completed", "overrides"]
    pd.testing.assert_frame_equal(launched[cols], local[cols].head(len(launched)))  # (resume may extend local)
    n = len(launched)
    local_verify = next(p for p in (small_search / "verify.csv", small_search / f"verify_{n}_candidates.csv")
                        if p.exists() and pd.read_csv(p)["candidates"].iloc[0] == n)
    pd.testing.assert_frame_equal(pd.read_csv(folder / "verify.csv"), pd.read_csv(local_verify))


def test_resume_extends_a_finished_search_and_keeps_its_candidates(small_search):
    before = pd.read_csv(small_search / "trials.csv")
    proc = run_module("experiments.optimise", "--resume", str(small_search), "--trials", "9", "--jobs", "2")
    assert proc.returncode == 0, proc.stderr[-3000:]
    after = pd.read_csv(small_search / "trials.csv")
    assert 9 <= len(after) <= 9 + 3 - 1  # whole generations of 3 until 9 packages have run (the first had <= 8)
    cols = ["trial", "package", "cost.policies", "counts.completed"]
    pd.testing.assert_frame_equal(after[cols].head(len(before)), before[cols])
    # the first search's verification checked a front the search has since grown past: kept under its own name
    assert not (small_search / "verify.csv").exists()
    kept = pd.read_csv(small_search / f"verify_{len(before)}_candidates.csv")
    assert (kept["candidates"] == len(before)).all() and "Re-run on fresh seeds" not in (small_search / "pareto.md").read_text()


@pytest.mark.parametrize("args, key", [
    (["--preset", "nope"], "--preset"),
    (["--trials", "0"], "--trials"),
    (["policy=[stipend]"], "overrides"),
    (["scenario=atlantis"], "scenario"),
    (["--resume", "/nonexistent/folder"], "--resume"),
])
def test_bad_input_is_one_line_naming_the_key(args, key, tmp_path):
    proc = run_module("experiments.optimise", "--n-youth", "300", "--out", str(tmp_path), *args, timeout=120)
    assert proc.returncode != 0
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and key in lines[0], proc.stderr
    assert not any(tmp_path.iterdir())  # nothing that looks like a search


def test_a_preset_with_a_lever_that_is_not_a_policy_is_refused(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text((op.PRESETS / "budget_500k.yaml").read_text().replace("  stipend:\n", "  stipends:\n"))
    proc = run_module("experiments.optimise", "--preset", str(bad), "--out", str(tmp_path / "o"), timeout=120)
    assert proc.returncode != 0 and "levers.stipends" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
