"""Sweep aggregation and report: hand-computed means and CIs, paired seeds, missing jobs, resume, presets."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

from experiments.studies import aggregate as agg
from experiments.studies.report import write_report
from tests.conftest import CONFIG_DIR, ROOT

INDICATOR_NAMES = ("dropout_rate", "completion_rate", "employment_rate", "migration_intent_rate")


def fake_job(folder, num, overrides, dropout):
    """A job folder as Hydra and experiments.run leave it, with chosen indicator values."""
    job = folder / str(num)
    (job / ".hydra").mkdir(parents=True)
    (job / ".hydra" / "overrides.yaml").write_text(yaml.safe_dump(overrides))
    (job / ".hydra" / "config.yaml").write_text(yaml.safe_dump({"report": {"confidence": 0.95,
                                                                          "target": {"dropout_rate": 0.3}}}))
    if dropout is None:
        return  # killed before writing its summary
    values = {name: dropout / 2 for name in INDICATOR_NAMES} | {"dropout_rate": dropout}
    summary = {"indicators": values, "by_group": {"women": values},
               "cost": {"total": 1000 * dropout, "average_per_enrolee": 1.0, "average_per_completer": 2.0,
                        "average_per_employed_completer": 3.0}}
    (job / "summary.json").write_text(json.dumps(summary))


@pytest.fixture
def synthetic(tmp_path):
    """Stipend 0 and 50 USD x seeds 1-3; job (50, seed 3) was killed; (0, seed 3) never started."""
    (tmp_path / "multirun.yaml").write_text(yaml.safe_dump({"hydra": {
        "overrides": {"task": ["policy.stipend.monthly_amount=0,50", "seed=1,2,3"]}, "sweeper": {"params": None}}}))
    values = {("0", 1): 0.40, ("0", 2): 0.50, ("50", 1): 0.20, ("50", 2): 0.35, ("50", 3): None}
    for num, ((level, seed), dropout) in enumerate(values.items()):
        fake_job(tmp_path, num, [f"policy.stipend.monthly_amount={level}", f"seed={seed}"], dropout)
    return tmp_path


def test_aggregate_matches_hand_computed_mean_and_t_interval(synthetic):
    sweep = agg.read_sweep(synthetic)
    table = agg.aggregate(agg.records(sweep), 0.95)
    row = table[(table.setting == "policy.stipend.monthly_amount=0") & (table.group == "all")
                & (table.indicator == "dropout_rate")].iloc[0]
    x = np.array([0.40, 0.50])
    half = stats.t.ppf(0.975, 1) * x.std(ddof=1) / np.sqrt(2)
    assert row["n"] == 2
    assert row["mean"] == pytest.approx(0.45)
    assert row["std"] == pytest.approx(x.std(ddof=1))
    assert 0.45 - half < 0 and 0.45 + half > 1  # two seeds: t's interval spans more than the share's range
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((0.0, 1.0)) and row["clipped"]
    money = table[(table.setting == "policy.stipend.monthly_amount=0") & (table.group == "all")
                  & (table.indicator == "cost_total")].iloc[0]
    assert not money["clipped"] and money["ci_low"] == pytest.approx(money["mean"] - stats.t.ppf(0.975, 1)
                                                                   * money["std"] / np.sqrt(2))
    women = table[(table.group == "women") & (table.indicator == "dropout_rate")]
    assert set(women.setting) == {"policy.stipend.monthly_amount=0", "policy.stipend.monthly_amount=50"}


def test_paired_differences_use_the_same_seeds(synthetic):
    sweep = agg.read_sweep(synthetic)
    frame = agg.records(sweep)
    reference = agg.reference_setting(sorted(frame.setting.unique()), sweep.swept)
    assert reference == "policy.stipend.monthly_amount=0"
    paired = agg.paired_differences(frame, reference)
    row = paired[(paired.group == "all") & (paired.indicator == "dropout_rate")].iloc[0]
    diffs = np.array([0.20 - 0.40, 0.35 - 0.50])  # seeds 1 and 2, the seeds both arms have
    assert row["n"] == 2 and row["mean"] == pytest.approx(diffs.mean())
    half = stats.t.ppf(0.975, 1) * diffs.std(ddof=1) / np.sqrt(2)
    assert row["ci_high"] == pytest.approx(diffs.mean() + half)


def test_missing_and_failed_jobs_are_reported_not_fatal(synthetic):
    report = write_report(synthetic).read_text()
    assert "Jobs read: 4 complete of 6 expected; 1 incomplete; 1 missing; 0 unreadable." in report
    assert "incomplete (no summary.json; killed or failed, re-run with resume=true): job 4" in report
    assert "missing: `policy.stipend.monthly_amount=0 seed=3`" in report
    assert (synthetic / "aggregate.csv").exists() and (synthetic / "paired.parquet").exists()
    assert "Lowest stipend whose upper 95% bound of dropout is below 30%" in report


def test_a_share_interval_past_its_range_is_cut_marked_and_explained(synthetic):
    """Two seeds of dropout 40% and 50%: t's 95% interval is about [-18%, 108%]; the report prints [0.0, 100.0]†
    with a note, and the table's arm column survives a '|' in a swept value."""
    report = write_report(synthetic).read_text()
    row = next(line for line in report.splitlines() if line.startswith("| stipend 0 USD/month |"))
    assert "45.0% [0.0, 100.0]†" in row
    assert re.search(r"^† \d+ intervals of shares reached below 0% .* are cut there", report, re.M)
    lows = pd.read_csv(synthetic / "aggregate.csv").query("indicator.str.endswith('_rate')")["ci_low"]
    assert (lows >= 0).all()


def test_stress_answer_is_the_lowest_level_whose_upper_bound_meets_the_target():
    table = pd.DataFrame({
        "setting": [f"policy.stipend.monthly_amount={x}" for x in (0, 30, 60, 90)],
        "group": "all", "indicator": "dropout_rate",
        "mean": [0.4, 0.25, 0.18, 0.17], "ci_low": [0.35, 0.2, 0.15, 0.14], "ci_high": [0.45, 0.31, 0.21, 0.2]})
    assert agg.lowest_stipend_meeting_target(table, 0.3) == 60
    assert agg.lowest_stipend_meeting_target(table, 0.5) == 0
    assert agg.lowest_stipend_meeting_target(table, 0.1) is None


def run_module(module, *args):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", module, *args], check=False, cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600)


TINY = ("seed=range(1,3)", "scenario.n_youth=300", "months=3")


@pytest.mark.parametrize("experiment", sorted(p.stem for p in (CONFIG_DIR / "experiment").glob("*.yaml")))
def test_every_experiment_preset_runs_a_tiny_sweep_and_reports(tmp_path, experiment):
    out = tmp_path / "sweep"
    proc = run_module("experiments.run", "-m", f"experiment={experiment}", *TINY, f"hydra.sweep.dir={out}")
    assert proc.returncode == 0, proc.stderr[-2000:]
    proc = run_module("experiments.report", str(out))
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = (out / "report.md").read_text()
    assert "0 incomplete; 0 missing" in report
    table = pd.read_csv(out / "aggregate.csv")
    assert {"setting", "group", "indicator", "mean", "std", "ci_low", "ci_high", "n"} <= set(table.columns)
    assert table["n"].between(1, 2).all()  # an undefined rate (empty denominator) in one seed is left out
    always_defined = table[(table.group == "all") & table.indicator.isin(["employment_rate", "migration_intent_rate"])]
    assert (always_defined["n"] == 2).all()
    for figure in ("comparison.png", "subgroups.png"):
        assert (out / figure).stat().st_size > 10_000
    if experiment == "stipend_stress_test":
        assert (out / "dose_response.png").exists() and (out / "cost_per_extra_completer.png").exists() and (out / "ce_plane.png").exists()
        assert table["setting"].nunique() >= 8


def test_resume_runs_only_the_missing_jobs_and_gives_the_same_aggregate(tmp_path):
    out = tmp_path / "sweep"
    args = ("-m", "experiment=scenario_comparison", *TINY, f"hydra.sweep.dir={out}")
    assert run_module("experiments.run", *args).returncode == 0
    assert run_module("experiments.report", str(out)).returncode == 0
    first = pd.read_csv(out / "aggregate.csv")
    kept = {p: p.stat().st_mtime_ns for p in out.glob("*/summary.json")}
    killed = out / "3" / "summary.json"
    killed.unlink()  # as if job 3 had been killed before finishing
    kept.pop(killed)
    without_resume = run_module("experiments.run", *args)
    assert without_resume.returncode != 0  # finished runs are never silently rewritten
    proc = run_module("experiments.run", *args, "resume=true")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.count("skipped") == len(kept) and "job 3 done" in proc.stdout
    assert killed.exists()
    assert all(p.stat().st_mtime_ns == t for p, t in kept.items())
    assert run_module("experiments.report", str(out)).returncode == 0
    pd.testing.assert_frame_equal(first, pd.read_csv(out / "aggregate.csv"))


def report_cli(*args):
    return subprocess.run([sys.executable, "-m", "experiments.report", *map(str, args)], check=False, cwd=ROOT,
                          capture_output=True, text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_the_report_lists_unreadable_jobs_and_reports_the_rest(synthetic):
    (synthetic / "0" / "summary.json").write_text('{"indicators": {"dropout_rate": 0.4')  # truncated by a full disk
    (synthetic / "3" / "summary.json").write_text("")
    (synthetic / "4" / ".hydra" / "overrides.yaml").write_text("- [policy.stipend")  # damaged record
    proc = report_cli(synthetic)
    assert proc.returncode == 0, proc.stderr
    assert "2 complete jobs of 6 expected" in proc.stdout and "3 unreadable" in proc.stdout
    assert proc.stderr.count("warning: unreadable, left out: job") == 3
    report = (synthetic / "report.md").read_text()
    assert "job 0: summary.json" in report and "job 3: summary.json" in report and "job 4: .hydra/overrides.yaml" in report
    table = pd.read_csv(synthetic / "aggregate.csv")
    dropout = table[(table.group == "all") & (table.indicator == "dropout_rate")].set_index("setting")["mean"]
    assert dropout.to_dict() == pytest.approx({"policy.stipend.monthly_amount=0": 0.50,
                                               "policy.stipend.monthly_amount=50": 0.20})  # the readable jobs only

    (synthetic / "multirun.yaml").write_text("hydra: {overrides: [")
    proc = report_cli(synthetic)
    assert proc.returncode == 0, proc.stderr
    assert "multirun.yaml: missing or not a readable sweep record" in proc.stderr


def test_the_report_of_a_single_run_folder_says_what_it_is(tmp_path):
    fake_job(tmp_path, "run", ["seed=1"], 0.3)
    proc = report_cli(tmp_path / "run")
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: SWEEP_DIR") and "is a single run" in lines[0]


def test_the_same_setting_and_seed_twice_is_refused_not_counted_twice(synthetic):
    fake_job(synthetic, 9, ["policy.stipend.monthly_amount=0", "seed=1"], 0.41)
    proc = report_cli(synthetic)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "jobs 0 and 9 are the same setting" in lines[0] and "seed 1" in lines[0]


def test_records_of_the_wrong_shape_are_unreadable_not_a_crash(synthetic):
    (synthetic / "0" / ".hydra" / "overrides.yaml").write_text(yaml.safe_dump(["policy.stipend.monthly_amount=0",
                                                                                 "seed=abc"]))
    summary = json.loads((synthetic / "1" / "summary.json").read_text())
    (synthetic / "1" / "summary.json").write_text(json.dumps({**summary, "indicators": [1, 2]}))
    (synthetic / "2" / ".hydra" / "config.yaml").write_text(yaml.safe_dump({"report": {"confidence": 7}}))
    proc = report_cli(synthetic)
    assert proc.returncode == 0, proc.stderr
    assert "job 0: .hydra/overrides.yaml: seed or draw is not an integer" in proc.stderr
    assert "job 1: summary.json: not a run summary" in proc.stderr
    (synthetic / "report.md").unlink()
    (synthetic / "report.md").mkdir()  # a report file that cannot be written
    proc = report_cli(synthetic)
    assert proc.returncode == 3
    assert proc.stderr.strip().splitlines()[-1].startswith("error: SWEEP_DIR: could not write the report")


def test_posterior_aggregate_separates_parameter_from_seed_uncertainty():
    """Planted: y_ds = 0.3 + a_d + e_ds with sd(a) = 0.03 across 400 draws and sd(e) = 0.01 across 6 seeds."""
    rng = np.random.default_rng(4)
    a, e = rng.normal(0, 0.03, 400), rng.normal(0, 0.01, (400, 6))
    y = 0.3 + a[:, None] + e
    frame = pd.DataFrame({"setting": "x", "group": "all", "indicator": "dropout_rate",
                          "draw": np.repeat(np.arange(400), 6), "seed": np.tile(np.arange(6), 400),
                          "value": y.ravel()})
    row = agg.posterior_aggregate(frame, 0.9).iloc[0]
    assert row["draws"] == 400 and row["seeds"] == 6 and row["n"] == 2400
    assert row["param_sd"] == pytest.approx(0.03, rel=0.1) and row["seed_sd"] == pytest.approx(0.01, rel=0.05)
    assert row["param_share"] == pytest.approx(0.9, abs=0.03)
    # the credible interval holds both parts; its parameter part is about the draws' spread alone
    assert row["ci_low"] < row["param_low"] < 0.3 < row["param_high"] < row["ci_high"]
    assert row["param_high"] - row["param_low"] == pytest.approx(2 * 1.645 * 0.03, rel=0.15)
    # P(dropout < 0.3) over draws is the share of draws with a negative a_d (to seed noise)
    p = agg.probability_below(frame, "dropout_rate", 0.3)["x"]
    assert p == pytest.approx((a < 0).mean(), abs=0.03)


def test_the_posterior_stress_answer_is_the_lowest_level_meeting_the_probability():
    draws, seeds = 50, 2
    rows = []
    for level, mean in ((0, 0.40), (30, 0.31), (60, 0.283), (90, 0.22)):
        for d in range(draws):
            for s in range(seeds):
                # draw d's parameter offset: evenly spread, so P(below) is known exactly
                value = mean + 0.04 * (d / (draws - 1) - 0.5)
                rows.append((f"{agg.STIPEND_KEY}={level}", d, s, "all", "dropout_rate", value))
    frame = pd.DataFrame(rows, columns=["setting", "draw", "seed", "group", "indicator", "value"])
    levels, answer = agg.lowest_stipend_probably_meeting_target(frame, 0.30, 0.9)
    assert list(levels.index) == [0.0, 30.0, 60.0, 90.0]
    # draws below 0.30: none at 0; d <= 12 at 30 (13 of 50); d <= 45 at 60 (46 of 50); all at 90
    assert levels.tolist() == [0.0, 0.26, 0.92, 1.0]
    assert answer == 60.0
    assert agg.lowest_stipend_probably_meeting_target(frame, 0.30, 0.95)[1] == 90.0


# A stress test with a group target: stipend 0, 30, 60 USD/month. Over seeds only (point), dropout of all enrolees
# and of returnees by level and seed; over posterior draws, by level and draw (the seeds differ by 0.001).
POINT = {"all": {0: (0.40, 0.42, 0.44), 30: (0.20, 0.22, 0.24), 60: (0.10, 0.12, 0.14)},
         "returnees": {0: (0.50, 0.52, 0.54), 30: (0.33, 0.35, 0.37), 60: (0.20, 0.22, 0.24)}}
OVER_DRAWS = {"all": {0: (0.45, 0.45, 0.45, 0.45), 30: (0.20, 0.25, 0.28, 0.29), 60: (0.10, 0.12, 0.14, 0.16)},
              "returnees": {0: (0.50, 0.50, 0.50, 0.50), 30: (0.30, 0.32, 0.36, 0.40), 60: (0.20, 0.25, 0.30, 0.37)}}


def stress_job(folder, num, level, seed, values, draw=None, returnee_target=0.35):
    """A job of the stress test as experiments.run leaves it: its report settings as the run schema records them
    (a target for all enrolees, one per group, null: none), its dropout of all enrolees and of returnees."""
    from simulation.metrics import GROUPS

    job = folder / str(num)
    (job / ".hydra").mkdir(parents=True)
    overrides = [f"{agg.STIPEND_KEY}={level}", f"seed={seed}"] + ([f"draw={draw}"] if draw is not None else [])
    (job / ".hydra" / "overrides.yaml").write_text(yaml.safe_dump(overrides))
    target = {"dropout_rate": 0.3} | {g: {"dropout_rate": returnee_target if g == "returnees" else None}
                                       for g in GROUPS}
    report = {"confidence": 0.95, "credible": 0.9, "probability": 0.9, "target": target}
    (job / ".hydra" / "config.yaml").write_text(yaml.safe_dump({"report": report}))
    all_, returnees = values
    meta = {"calibration": "evidence-v2", "seed": seed} | ({"posterior": "post-a", "draw": draw} if draw is not None
                                                            else {})
    summary = {"indicators": {"dropout_rate": all_, "completion_rate": 1 - all_},
               "by_group": {"returnees": {"dropout_rate": returnees}, "women": {"dropout_rate": all_}},
               "cost": {"total": 1000.0 + level, "average_per_enrolee": 1.0, "average_per_completer": 2.0,
                        "average_per_employed_completer": 3.0}, "meta": meta}
    (job / "summary.json").write_text(json.dumps(summary))


@pytest.fixture
def posteriors(tmp_path, monkeypatch):
    """Two stored posteriors: post-a (5 draws) made from the studies' calibration, post-b (3 draws) newer, from
    another one."""
    from livelihoods import draws

    root = tmp_path / "posteriors"
    for name, n, start, made in (("post-a", 5, "evidence-v2", "2026-01-01"), ("post-b", 3, "other", "2026-06-01")):
        (root / name).mkdir(parents=True)
        pd.DataFrame({"draw": range(n), "weight": 1.0, "behaviour.dropout.base_logit": np.linspace(-4, -3, n)}).to_csv(
            root / name / "posterior.csv", index=False)
        (root / name / "manifest.json").write_text(json.dumps({"made": made, "settings": {"start": start}}))
    monkeypatch.setattr(draws, "POSTERIOR_DIR", root)
    return root


@pytest.fixture
def point_stress(tmp_path):
    """The stress test over seeds 1-3 (one parameter set), run with a target for returnees of 35%."""
    folder = tmp_path / "point"
    folder.mkdir()
    task = ["experiment=stipend_stress_test", "seed=range(1,4)", "report.target.returnees.dropout_rate=0.35"]
    (folder / "multirun.yaml").write_text(yaml.safe_dump({"hydra": {
        "overrides": {"hydra": [f"hydra.sweep.dir={folder}", "hydra/launcher=joblib"], "task": task},
        "sweeper": {"params": {agg.STIPEND_KEY: "0,30,60"}}}}))
    for num, (level, seed) in enumerate((lv, s) for lv in (0, 30, 60) for s in (1, 2, 3)):
        stress_job(folder, num, level, seed, (POINT["all"][level][seed - 1], POINT["returnees"][level][seed - 1]))
    return folder


@pytest.fixture
def posterior_stress(tmp_path):
    """The stress test over 4 draws of post-a x 2 seeds, run with a target for returnees of 35%."""
    folder = tmp_path / "over_draws"
    folder.mkdir()
    task = ["experiment=stipend_stress_test", "posterior=post-a", "draw=range(0,4)", "seed=range(1,3)"]
    (folder / "multirun.yaml").write_text(yaml.safe_dump({"hydra": {
        "overrides": {"hydra": [], "task": task}, "sweeper": {"params": {agg.STIPEND_KEY: "0,30,60"}}}}))
    jobs = [(lv, d, s) for lv in (0, 30, 60) for d in range(4) for s in (1, 2)]
    for num, (level, draw, seed) in enumerate(jobs):
        noise = 0.001 * (seed - 1.5)
        values = (OVER_DRAWS["all"][level][draw] + noise, OVER_DRAWS["returnees"][level][draw] + noise)
        stress_job(folder, num, level, seed, values, draw=draw)
    return folder


def test_a_group_target_is_answered_over_seeds_and_labelled_as_one_parameter_set(point_stress, posteriors):
    from livelihoods import draws

    report = write_report(point_stress).read_text()
    # upper bounds: mean + t(0.975, 2) * 0.02 / sqrt(3) = mean + 0.050; all: 30 (0.27 < 0.30); returnees: 60
    # (at 30 the bound is 0.40, not below 35%)
    assert ("- Lowest stipend whose upper 95% bound of dropout is below 30%, on this one parameter set: "
            "30 USD/month.") in report
    assert ("- Lowest stipend whose upper 95% bound of dropout of returnees is below 35%, on this one parameter "
            "set: 60 USD/month.") in report
    head = report.split("## Stress test", 1)[1].split("\n## ", 1)[0]
    assert head.startswith(": one parameter set, not yet the answer")
    assert "**This answer rests on one parameter set** (calibration `evidence-v2`, point values)" in head
    assert "**30 USD/month**" not in report and "**60 USD/month**" not in report  # no bold answer to quote alone
    # the posterior made from the study's calibration (post-a), all its draws, the same sweep and launcher
    assert draws.count("post-a") == 5
    assert ("python -m experiments.run -m hydra/launcher=joblib experiment=stipend_stress_test 'seed=range(1,4)' "
            "report.target.returnees.dropout_rate=0.35 posterior=post-a 'draw=range(0,5)'\n") in head
    assert "all 5 draws of the stored posterior `post-a` answers it (5 × 9 = 45 jobs)" in head
    # the report's own argument replaces the jobs' target, and is carried into the posterior's report command
    report = write_report(point_stress, ["report.target.returnees.dropout_rate=0.45"]).read_text()
    assert "of dropout of returnees is below 45%, on this one parameter set: 30 USD/month." in report
    assert "python -m experiments.report <its sweep folder> report.target.returnees.dropout_rate=0.45" in report
    report = write_report(point_stress, ["report.target.returnees.dropout_rate=null"]).read_text()  # none
    assert "of dropout of returnees" not in report and "returnees (% of enrolees; target" not in report
    assert "of dropout is below 30%, on this one parameter set: 30 USD/month." in report


def test_a_group_target_is_answered_over_the_posterior_with_its_probability(posterior_stress, posteriors):
    report = write_report(posterior_stress, ["report.probability=0.75"]).read_text()
    head = report.split("## Stress test", 1)[1].split("\n## ", 1)[0]
    assert head.startswith(" over the posterior\n")
    assert ("Rests on posterior `post-a`: 4 of its 5 draws (parameter sets), 2 seeds each. P(dropout < target) is "
            "the share of the 4 draws") in head
    # all enrolees below 30%: every draw at 30; returnees below 35%: 2 of 4 draws at 30, 3 of 4 at 60
    assert ("- Lowest stipend with P(dropout < 30%) of at least 75% over the posterior: **30 USD/month** "
            "(P = 1.00, 4 of 4 draws).") in head
    assert ("- Lowest stipend with P(dropout of returnees < 35%) of at least 75% over the posterior: "
            "**60 USD/month** (P = 0.75, 3 of 4 draws).") in head
    assert "### Dropout of returnees (target < 35%)" in head and "| P(dropout of returnees < 35%) |" in head
    stress = pd.read_csv(posterior_stress / "stress.csv")
    returnees = stress[stress.group == "returnees"].set_index("stipend")
    assert returnees["p_below_target"].to_dict() == {0.0: 0.0, 30.0: 0.5, 60.0: 0.75}
    assert (returnees["target"] == 0.35).all() and list(stress.group.unique()) == ["all", "returnees"]
    assert returnees.loc[60.0, "mean"] == pytest.approx(np.mean(OVER_DRAWS["returnees"][60]))
    # at 90% no level is enough for returnees: the highest P and where it is reached are said
    report = write_report(posterior_stress).read_text()
    assert ("P(dropout of returnees < 35%) of at least 90% over the posterior: **none of the levels tested** "
            "(the highest P is 0.75, 3 of 4 draws, from 60 USD/month).") in report


def test_a_target_for_an_unknown_group_or_a_bad_value_is_refused_in_one_line(point_stress):
    from livelihoods.errors import ConfigurationError
    from simulation.metrics import GROUPS

    proc = report_cli(point_stress, "report.target.youth.dropout_rate=0.3")
    assert proc.returncode == 2
    line = f"error: report.target.youth.dropout_rate: unknown group 'youth', allowed groups: {', '.join(GROUPS)}"
    assert proc.stderr.strip().splitlines() == [line]
    assert not (point_stress / "report.md").exists()
    with pytest.raises(ConfigurationError, match=r"^report.target.returnees.dropout_rate: must be a number in "
                                                 r"\[0, 1\] or null, got 1.5$"):
        write_report(point_stress, ["report.target.returnees.dropout_rate=1.5"])
    with pytest.raises(ConfigurationError, match=r"^report.target.dropout_rate: must be a number in \[0, 1\], "
                                                 r"got 'null'$"):
        write_report(point_stress, ["report.target.dropout_rate=null"])
    with pytest.raises(ConfigurationError, match=r"^report.target.returnees.employment_rate: unknown key, allowed "
                                                 r"keys: .*report.target.<group>.dropout_rate \(group: women, "):
        write_report(point_stress, ["report.target.returnees.employment_rate=0.3"])
