"""experiments.optimise: a planted optimum found, budgets kept, printed overrides that reproduce, resume, bad input,
the registry's levers, claims true of what was evaluated, a budget for the population, a capped search."""

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

from experiments.decisions import command, front, render
from experiments.decisions import search as op
from experiments.decisions.packages import package_overrides, package_words
from experiments.decisions.preset import (
    PRESETS,
    Objective,
    Preset,
    Range,
    check_preset,
    load_preset,
    scale_budget,
    searched_levers,
)
from experiments.decisions.runs import ComputedRuns
from simulation.policies import POLICIES, Lever, Policy
from tests.conftest import ROOT

POLICIES_SEARCHED = ["stipend", "childcare", "startup_kit", "certification"]
RANGES = {"stipend": Range(40, 10), "childcare": Range(1.0, 0.5), "startup_kit": Range(400, 200)}
PRICE = {"stipend": 1000, "childcare": 8000, "startup_kit": 40, "certification": 3000}  # USD per unit of lever
GAIN = {"stipend": 2.0, "childcare": 12.0, "startup_kit": 0.04, "certification": 4.0}
BUDGET = 30000


def preset(**changes) -> Preset:
    p = Preset(budget_usd=BUDGET, objectives=[Objective("cost.policies", "minimize"),
                                              Objective("counts.completed", "maximize"),
                                              Objective("counts.employed", "maximize")],
               seeds=[1, 2], verify_seeds=[3, 4], population=10, trials=40, polish_rounds=3,
               policies=list(POLICIES_SEARCHED), levers=dict(RANGES))
    for k, v in changes.items():
        setattr(p, k, v)
    check_preset(p, "test")
    return p


LEVERS = searched_levers(preset())


def planted(package: dict[str, float]) -> tuple[float, float, float]:
    """Cost (additive), completers (diminishing returns: sqrt of the lever's share of its range), employed."""
    share = {n: package[n] / (LEVERS[n].high if LEVERS[n].field else 1.0) for n in LEVERS}
    cost = sum(PRICE[n] * package[n] for n in LEVERS)
    completed = 100 + sum(10 * GAIN[n] * math.sqrt(share[n]) for n in LEVERS)
    employed = 300 + 5 * math.sqrt(share["certification"]) + 3 * math.sqrt(share["childcare"])
    return cost, completed, employed


def parse(overrides: list[str]) -> dict[str, float]:
    given = dict(o.split("=", 1) for o in overrides)
    names = [p for p in given.pop("policy").strip("[]").split(",") if p]
    return {n: (float(given[LEVERS[n].key(n)]) if LEVERS[n].field else 1.0) if n in names else 0.0 for n in LEVERS}


def compute(settings, seeds):
    """The planted problem; each seed shifts every package alike (common random numbers)."""
    out = []
    for s in settings:
        cost, completed, employed = planted(parse(s))
        out.append([{"cost.policies": cost, "counts.completed": completed + 3 * seed,
                     "counts.employed": employed + 2 * seed} for seed in seeds])
    return out


synthetic = ComputedRuns(compute)


def grid():
    axes = [[i * lever.step for i in range(int(lever.high / lever.step + 1e-9) + 1)] if lever.field else [0.0, 1.0]
            for lever in LEVERS.values()]
    return [dict(zip(LEVERS, combo)) for combo in itertools.product(*axes)]


@pytest.mark.parametrize("sampler_seed", [1, 2, 3])
def test_the_search_finds_the_planted_best_package_within_the_budget(sampler_seed):
    """Brute force over the 90 packages gives the most completers within 30,000 USD; NSGA-II (40 packages)
    then the polish (at most 10 more: 50 in all) must end on exactly that package, and never call an
    over-budget package feasible."""
    feasible = [p for p in grid() if planted(p)[0] <= BUDGET]
    truth = max(feasible, key=lambda p: (planted(p)[1], -planted(p)[0]))
    assert truth not in ({n: 0.0 for n in LEVERS}, {n: v.high if v.field else 1.0 for n, v in LEVERS.items()})
    p = preset(sampler_seed=sampler_seed, trials=50, polish_share=0.2)
    study = op.open_study("sqlite:///:memory:", p, False)
    op.run_search(study, p, synthetic)
    assert len(op.evaluated(study)) <= 50
    frame = front.fronts(front.trials_frame(study, p, ()), p)
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
    value = {(0, 4): 20, (0, 3): 15, (4, 0): 10, (0, 2): 8}
    best = {}
    for starts in (1, 2):
        p = preset(policies=["stipend", "startup_kit"], levers={"stipend": Range(4, 1), "startup_kit": Range(4, 1)},
                   population=3, polish_rounds=5, polish_starts=starts)
        evaluate = two_levers(p, value)
        study = op.open_study("sqlite:///:memory:", p, False)
        for a, b in ((0, 0), (4, 0), (0, 2)):
            study.enqueue_trial({"stipend": float(a), "startup_kit": float(b)})
        op.search(study, p, evaluate, 3)
        op.polish(study, p, evaluate)
        top = op.best_within_budget(study, p, p.objectives[1])
        best[starts] = tuple(int(top.user_attrs["package"][n]) for n in ("stipend", "startup_kit"))
    assert best == {1: (4, 0), 2: (0, 4)}


def two_levers(p: Preset, value: dict[tuple[int, int], float]) -> ComputedRuns:
    """Completers ``value[(stipend, kit)]`` (1 elsewhere) plus the seed; no cost."""
    levers = searched_levers(p)

    def evaluate(settings, seeds):
        out = []
        for s in settings:
            given = dict(o.split("=", 1) for o in s)
            a, b = (int(float(given.get(lever.key(n), 0))) for n, lever in levers.items())
            out.append([{"cost.policies": 0.0, "counts.completed": float(value.get((a, b), 1)) + seed,
                         "counts.employed": 0.0} for seed in seeds])
        return out

    return ComputedRuns(evaluate)


def test_the_polish_leaves_a_policy_out_in_one_move():
    """(4, 1) is a local peak of the one-step moves (10 completers; every package a step or a swap away gives
    1): the stipend hurts where the kit is funded. Leaving the stipend out, (0, 1), gives 20."""
    p = preset(policies=["stipend", "startup_kit"], levers={"stipend": Range(4, 1), "startup_kit": Range(4, 1)},
               population=3, polish_rounds=5, polish_starts=1)
    levers = searched_levers(p)
    assert {"stipend": 0.0, "startup_kit": 1.0} in op.neighbours({"stipend": 4.0, "startup_kit": 1.0}, levers)
    evaluate = two_levers(p, {(4, 1): 10, (0, 1): 20})
    study = op.open_study("sqlite:///:memory:", p, False)
    for a, b in ((0, 0), (4, 1), (2, 3)):
        study.enqueue_trial({"stipend": float(a), "startup_kit": float(b)})
    op.search(study, p, evaluate, 3)
    op.polish(study, p, evaluate)
    top = op.best_within_budget(study, p, p.objectives[1])
    assert top.user_attrs["package"] == {"stipend": 0.0, "startup_kit": 1.0}


def test_a_search_interrupted_mid_generation_resumes_into_the_uninterrupted_search(tmp_path):
    p = preset(trials=30, polish_rounds=0)
    whole = op.open_study(f"sqlite:///{tmp_path / 'whole.db'}", p, False)
    op.search(whole, p, synthetic, p.trials)

    calls = {"n": 0}

    def kill(settings, seeds):
        calls["n"] += 1
        if calls["n"] == 2:  # the second generation dies after its candidates were asked for
            raise KeyboardInterrupt
        return compute(settings, seeds)

    killed = ComputedRuns(kill)

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
        assert all(0 <= m[n] <= (LEVERS[n].high if LEVERS[n].field else 1) for n in LEVERS)
    assert {"stipend": 10.0, "childcare": 0.5, "startup_kit": 200.0, "certification": 1.0} in moves  # a swap
    assert {"stipend": 0.0, "childcare": 0.0, "startup_kit": 200.0, "certification": 1.0} in moves  # childcare out
    assert not any(m["stipend"] < 0 or m["childcare"] > 1 for m in moves)


def test_package_overrides_and_words():
    package = {"stipend": 45.0, "childcare": 0.25, "startup_kit": 0.0, "certification": 1.0}
    assert package_overrides(package, LEVERS) == [
        "policy=[stipend,childcare,certification]", "policy.stipend.monthly_amount=45",
        "policy.childcare.coverage_share=0.25"]
    assert package_words(package, LEVERS) == ("stipend 45 USD/month + childcare 25% (of trainee mothers offered a "
                                              "place) + certification")
    assert package_words({n: 0 for n in LEVERS}, LEVERS) == "no package"
    assert package_overrides({n: 0 for n in LEVERS}, LEVERS) == ["policy=[]"]


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
                          timeout=timeout, check=False)


@pytest.fixture(scope="module")
def small_search(tmp_path_factory):
    """The real model: 300 youth, 6 packages of the preset budget_500k with a 20,000 USD budget."""
    out = tmp_path_factory.mktemp("optimise")
    proc = run_module("experiments.optimise", "--n-youth", "300", "--trials", "6", "--population", "3",
                      "--budget", "20000", "--polish", "0", "--jobs", "2", "--out", str(out), "--verify")
    assert proc.returncode == 0, proc.stderr[-3000:]
    (out / "stdout.txt").write_text(proc.stdout)
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
    printed = (small_search.parent / "stdout.txt").read_text()
    assert "budget: 20,000 USD as given by --budget, for the runs' 300 youth (not scaled" in printed
    assert "candidates: about 6 (--trials), all NSGA-II's in whole generations of 3, no local search" in printed
    stored = json.loads((small_search / command.SETTINGS).read_text())["preset"]
    assert (stored["budget_usd"], stored["budget_n_youth"]) == (20000, 300)
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


@pytest.mark.parametrize("extra, key", [("policies: [stipend, stipends]", "policies: stipends"),
                                        ("levers: {stipends: {high: 10}}", "levers.stipends"),
                                        ("levers: {certification: {high: 2}}", "levers.certification"),
                                        ("policies: [childcare]\nlevers: {stipend: {high: 50}}", "levers.stipend"),
                                        ("levers: {stipend: {step: 0}}", "levers.stipend")])
def test_a_preset_that_names_no_searched_policy_or_a_range_it_cannot_have_is_refused(tmp_path, extra, key):
    bad = tmp_path / "bad.yaml"
    bad.write_text((PRESETS / "budget_500k.yaml").read_text() + extra + "\n")
    proc = run_module("experiments.optimise", "--preset", str(bad), "--out", str(tmp_path / "o"), timeout=120)
    assert proc.returncode != 0 and key in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr


# --- the levers come from the registry ---------------------------------------------------------------------


def test_the_searched_levers_are_every_registered_policys_unless_the_preset_restricts_them():
    shipped = load_preset("budget_500k")
    assert shipped.policies is None and shipped.levers == {}  # the preset repeats nothing the registry says
    assert searched_levers(shipped) == {name: policy.lever for name, policy in POLICIES.items()}
    p = preset(policies=["childcare", "stipend", "job_referral"], levers={"stipend": Range(high=50)})
    levers = searched_levers(p)
    assert list(levers) == ["stipend", "childcare", "job_referral"]  # in the registry's order
    assert levers["stipend"] == Lever("monthly_amount", "USD/month", 50, POLICIES["stipend"].lever.step)
    assert levers["childcare"] == POLICIES["childcare"].lever


def test_a_newly_registered_policy_is_searched_and_worded_with_no_edit(monkeypatch):
    class Voucher(Policy):
        name, words, label = "voucher", "training voucher", "Training voucher"
        lever = Lever("value", "USD per voucher", high=200, step=50)

    monkeypatch.setitem(POLICIES, "voucher", Voucher)
    levers = searched_levers(load_preset("budget_500k"))
    assert levers["voucher"] == Voucher.lever
    package = {n: 0.0 for n in levers} | {"voucher": 100.0, "stipend": 45.0}
    assert package_words(package, levers) == "stipend 45 USD/month + training voucher 100 USD per voucher"
    assert package_overrides(package, levers)[-1] == "policy.voucher.value=100"
    assert {n: 0 for n in levers} | {"voucher": 50} in op.first_packages(levers)  # alone at its smallest step


def test_a_search_stored_before_the_registrys_levers_resumes_with_the_levers_it_searched():
    from experiments.decisions.preset import preset_from

    stored = {"budget_usd": 20000.0, "budget_key": "cost.policies", "seeds": [1, 2], "verify_seeds": [3, 4],
              "objectives": [{"key": "cost.policies", "direction": "minimize"},
                             {"key": "counts.completed", "direction": "maximize"}],
              "levers": {"stipend": {"key": "policy.stipend.monthly_amount", "high": 40, "step": 10, "unit": "USD/month"},
                         "certification": {"key": None, "high": 1.0, "step": 1.0, "unit": ""}}}
    levers = searched_levers(preset_from(stored))
    assert list(levers) == ["stipend", "certification"]
    assert (levers["stipend"].high, levers["stipend"].step, levers["certification"].field) == (40, 10, None)


# --- the budget is for a population -------------------------------------------------------------------------


def test_the_budget_scales_with_the_population_unless_given():
    p = load_preset("budget_500k")
    assert (p.budget_usd, p.budget_n_youth) == (500000, 20000)
    line = scale_budget(p, 5000)
    assert p.budget_usd == 125000 and p.budget_n_youth == 5000 and "scaled" in line and "125,000" in line
    p = load_preset("budget_500k")
    line = scale_budget(p, 5000, given=300000)
    assert p.budget_usd == 300000 and "as given" in line and "not scaled" in line
    p = load_preset("budget_500k")
    scale_budget(p, 20000)
    assert p.budget_usd == 500000


def test_a_new_search_of_fewer_youth_is_held_to_the_preset_budget_per_person(tmp_path):
    args = command.parse(["--n-youth", "5000", "--out", str(tmp_path)])
    folder, p, base, line = command.start(args)
    assert p.budget_usd == 125000 and base == ("scenario.n_youth=5000",) and "scaled" in line
    stored = json.loads((folder / command.SETTINGS).read_text())
    assert stored["preset"]["budget_usd"] == 125000 and stored["preset"]["budget_n_youth"] == 5000
    assert stored["preset"]["policies"] == list(POLICIES)  # pinned: a resume searches the same levers


# --- the number of candidates is capped ---------------------------------------------------------------------


def test_the_candidates_stay_within_trials_the_local_search_included(capsys):
    p = preset(trials=30, polish_share=0.5, polish_rounds=8, polish_starts=3)
    assert op.genetic_trials(p) == 15
    study = op.open_study("sqlite:///:memory:", p, False)
    op.run_search(study, p, synthetic)
    assert 20 <= len(op.evaluated(study)) <= 30  # NSGA-II's whole generations of 10, then the local search
    assert "stopped at the cap of 30 candidates" in capsys.readouterr().out
    p = preset(trials=24, polish_rounds=0)
    study = op.open_study("sqlite:///:memory:", p, False)
    op.run_search(study, p, synthetic)
    assert 24 <= len(op.evaluated(study)) < 24 + p.population


# --- what pareto.md claims is true of what was evaluated ----------------------------------------------------


def stipend_and_kit(kit_gain: dict[int, float]) -> tuple[Preset, pd.DataFrame]:
    """Stipend 10 gives 50 extra completers for 1,000 USD; adding a kit for 2,000 USD more adds ``kit_gain[seed]``.
    All six packages evaluated, at seeds 1 and 2."""
    p = preset(policies=["stipend", "startup_kit"], levers={"stipend": Range(20, 10), "startup_kit": Range(200, 200)},
               trials=6, population=6, polish_rounds=0)
    levers = searched_levers(p)

    def evaluate(settings, seeds):
        out = []
        for s in settings:
            given = dict(o.split("=", 1) for o in s)
            stipend, kit = (float(given.get(lever.key(n), 0)) for n, lever in levers.items())
            out.append([{"cost.policies": 100 * stipend + 10 * kit, "counts.employed": 0.0,
                         "counts.completed": 100 + 50 * (stipend > 0) + (kit > 0) * kit_gain[seed] + seed}
                        for seed in seeds])
        return out

    study = op.open_study("sqlite:///:memory:", p, False)
    for stipend, kit in itertools.product((0.0, 10.0, 20.0), (0.0, 200.0)):
        study.enqueue_trial({"stipend": stipend, "startup_kit": kit})
    op.search(study, p, ComputedRuns(evaluate), 6)
    return p, front.fronts(front.trials_frame(study, p, ()), p)


@pytest.mark.parametrize("kit_gain, reason", [({1: 0.2, 2: 0.2}, "both show the same number"),
                                              ({1: 5.0, 2: -2.0}, "not distinguishable from zero")])
def test_the_best_package_shown_is_the_cheapest_that_gives_as_many(kit_gain, reason):
    """The kit adds 0.2 completers (the same whole number) or +5 and -2 at the two seeds (no difference one can
    tell from zero): the best package shown is the stipend alone, and the tables' front leaves the kit out when
    it shows the same number."""
    p, frame = stipend_and_kit(kit_gain)
    text = render.markdown(frame, p, (), None)
    assert ("**Most completers within the budget, among the 6 packages evaluated within it:** stipend 10 USD/month: "
            "152 ") in text
    assert "rather than the package with the highest mean, stipend 10 USD/month + start-up kit 200 USD per kit" in text
    assert reason in text
    alike = reason == "both show the same number"
    expensive = frame[frame["package"] == "stipend 10 USD/month + start-up kit 200 USD per kit"].iloc[0]
    assert expensive["as_many.counts.completed"] and expensive["on_front.counts.completed"] == (not alike)
    on = frame.loc[frame["on_front.counts.completed"], "package"]
    assert list(on) == ["no package", "stipend 10 USD/month", *([] if alike else [expensive["package"]])]


# --- pareto.png ----------------------------------------------------------------------------------------------


def test_the_figure_steps_between_packages_keeps_its_legend_off_the_points_and_labels_ticks_truly():
    p = preset(trials=40, polish_share=0.25)
    study = op.open_study("sqlite:///:memory:", p, False)
    op.run_search(study, p, synthetic)
    check_figure(p, front.fronts(front.trials_frame(study, p, ()), p))
    check_figure(*stipend_and_kit({1: 0.2, 2: 0.2}))  # the kit's 0.2: no step in the tables, a step of means here


def check_figure(p: Preset, frame: pd.DataFrame) -> None:
    from tests.figure_checks import tick_label_errors

    fig = render.figure(frame, p)
    assert tick_label_errors(fig) == []
    fig.canvas.draw()
    (legend,) = fig.legends
    box = legend.get_window_extent()
    for ax in fig.axes:
        assert not box.overlaps(ax.get_window_extent())  # below the panels, over no point
        lines = [line for line in ax.get_lines() if line.get_color() == "#1f5fa8" and len(line.get_xdata()) > 1]
        (steps,) = [line for line in lines if line.get_drawstyle() == "steps-post"]
        x, y = steps.get_xdata(), steps.get_ydata()
        assert x[-1] == pytest.approx(p.budget_usd / 1000)  # the best package found holds up to the budget
        assert (np.diff(y) >= 0).all()  # never joins two packages by a slope: the most found up to each cost
        key = "extra." + ax.get_title().removeprefix("extra ").removesuffix(" against cost").replace(
            "completers", "counts.completed").replace("people employed at home", "counts.employed")
        ok = frame[frame["within_budget"]]
        at = np.searchsorted(x, ok["cost.policies"] / 1000, side="right") - 1  # the step holding at each cost
        assert (np.asarray(y)[at] >= ok[key].to_numpy() - 1e-9).all()  # no package evaluated lies above it
    import matplotlib.pyplot as plt
    plt.close(fig)
