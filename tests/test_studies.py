"""Calibration, sensitivity analysis and scenario discovery: small real runs and their arithmetic."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid

import numpy as np
import pandas as pd
import pytest
import yaml

from experiments.evidence import calibrate, discover, sensitivity
from experiments.evidence import outcomes as study
from experiments.evidence import validate as v
from livelihoods import values as config_values
from simulation.config import ConfigError
from tests.conftest import ROOT, assert_refused, make_config

# --------------------------------------------------------------------------- shared machinery


def test_the_parameters_file_names_real_numeric_keys_whose_defaults_lie_in_range():
    cfg = make_config()
    params = study.load_parameters(study.DEFAULT_PARAMETERS, probe=cfg, calibrated=True)  # a calibration can fit it
    assert len(params) >= 10
    for p in params:
        assert p.low <= config_values.get_value(cfg, p.key) <= p.high, p.key  # the default calibration is inside
        assert p.unit and p.why


@pytest.mark.parametrize("entry, message", [
    ({"key": "behaviour.dropout.base_logit", "low": 1.0, "high": -1.0, "unit": "logit", "why": "w"}, "low must be"),
    ({"key": "behaviour.dropout.no_such", "low": 0.0, "high": 1.0, "unit": "u", "why": "w"}, "no_such"),
    ({"key": "behaviour.name", "low": 0.0, "high": 1.0, "unit": "u", "why": "w"}, "numeric"),
    ({"key": "behaviour.dropout.base_logit", "low": 0.0, "high": 1.0, "unit": "u", "wy": "typo"}, "wy"),
])
def test_a_bad_parameters_file_is_refused_with_one_line(tmp_path, capsys, entry, message):
    path = tmp_path / "parameters.yaml"
    path.write_text(yaml.safe_dump({"parameters": [entry]}))
    assert_refused(capsys, lambda: study.load_parameters(path, probe=make_config()), message)


def test_a_calibration_refuses_a_parameter_its_files_cannot_hold_and_a_screen_takes_it(tmp_path, capsys):
    """A calibration writes its fit to a calibration file and a posterior's draws, which hold behaviour keys only:
    a scenario key is refused before any run (it was once fitted, then silently left out of both); sensitivity
    and discovery may vary it."""
    from livelihoods.draws import _parameter_key

    assert all(_parameter_key(p.key) for p in study.load_parameters())  # every default parameter can be stored
    path = tmp_path / "parameters.yaml"
    path.write_text(yaml.safe_dump({"parameters": [
        {"key": "scenario.training.skill_gain", "low": 0.02, "high": 0.15, "unit": "skill index", "why": "w"}]}))
    assert [p.key for p in study.load_parameters(path, probe=make_config())] == ["scenario.training.skill_gain"]
    assert_refused(capsys, lambda: study.load_parameters(path, probe=make_config(), calibrated=True),
                   "numeric keys of behaviour only")


def test_with_values_sets_dotted_keys_and_list_items_and_rechecks_ranges():
    cfg = make_config()
    new = config_values.with_values(cfg, {"behaviour.dropout.base_logit": -3.0, "scenario.districts.2.mean_distance_km": 31.0,
                                  "seed": 7.4})
    assert new.behaviour.dropout.base_logit == -3.0 and new.scenario.districts[2].mean_distance_km == 31.0
    assert new.seed == 7 and isinstance(new.seed, int)
    assert cfg.behaviour.dropout.base_logit != -3.0  # the original is untouched
    with pytest.raises(ConfigError, match="transport_barrier_hazard"):
        config_values.with_values(cfg, {"behaviour.dropout.transport_barrier_hazard": 1.5})
    with pytest.raises(KeyError):
        config_values.with_values(cfg, {"behaviour.dropout.nope": 1.0})


# --------------------------------------------------------------------------- calibration


def test_shortfall_is_how_far_the_confidence_interval_reaches_outside_the_range():
    row = lambda mean, low, high: {"mean": mean, "ci_low": low, "ci_high": high}  # noqa: E731
    assert calibrate.shortfall(row(0.5, 0.45, 0.55), 0.4, 0.7) == 0.0
    assert calibrate.shortfall(row(0.42, 0.38, 0.46), 0.4, 0.7) == pytest.approx(0.02)   # mean inside, CI not
    assert calibrate.shortfall(row(0.75, 0.72, 0.78), 0.4, 0.7) == pytest.approx(0.08)
    assert calibrate.shortfall(row(0.5, float("nan"), float("nan")), 0.4, 0.7) == 0.0   # one seed: the mean
    assert calibrate.shortfall(row(float("nan"), 0, 1), 0, 1) == 1.0
    spec = v.TargetsFile(seeds=2, n_youth=10, months=1, arms={"a": []}, targets=[
        v.Target(name="t1", pattern=1, arm="a", indicator="x", group="all", range=[0.4, 0.7], source="s"),
        v.Target(name="t2", pattern=1, arm="a", indicator="y", group="all", range=[0.0, 0.1], source="s"),
    ])
    rows = [row(0.75, 0.72, 0.78), row(0.05, 0.04, 0.06)]
    assert calibrate.loss(rows, spec) == pytest.approx((0.08 / 0.01) ** 2)
    spec.targets[1].value = 0.02  # a point figure pulls, more weakly than a missed range
    assert calibrate.loss(rows, spec) == pytest.approx((0.08 / 0.01) ** 2 + calibrate.VALUE_WEIGHT * 3.0 ** 2)


def test_round_sig_keeps_four_significant_digits():
    assert calibrate.round_sig(-3.14159) == -3.142 and calibrate.round_sig(0.0123456) == 0.01235
    assert calibrate.round_sig(0.0) == 0.0


@pytest.fixture
def calibration_name():
    name = f"pytest-{uuid.uuid4().hex[:8]}"
    yield name
    (calibrate.CALIBRATION_DIR / f"{name}.yaml").unlink(missing_ok=True)


def test_a_tiny_calibration_improves_its_start_and_writes_a_config_runs_use(tmp_path, calibration_name):
    # One target the literature set misses (intent well above its ~36% after the burn-in) and the one parameter
    # that moves it (-2.0 gives ~87%).
    targets = yaml.safe_load(v.DEFAULT_TARGETS.read_text())
    targets["arms"] = {"baseline": []}
    targets["targets"] = [{"name": "intent_high", "pattern": 5, "arm": "baseline", "indicator": "migration_intent_rate",
                           "group": "all", "range": [0.45, 0.80], "source": "test"}]
    (tmp_path / "targets.yaml").write_text(yaml.safe_dump(targets))
    (tmp_path / "parameters.yaml").write_text(yaml.safe_dump({"parameters": [
        {"key": "behaviour.intent.base_logit", "low": -2.95, "high": -2.0, "unit": "logit", "why": "test"}]}))
    code = calibrate.main(["--trials", "4", "--seeds", "2", "--n-youth", "800", "--jobs", "1", "--start", "literature",
                           "--name", calibration_name, "--targets", str(tmp_path / "targets.yaml"),
                           "--parameters", str(tmp_path / "parameters.yaml"), "--out", str(tmp_path / "out"),
                           "months=12"])
    assert code == 0
    report = next((tmp_path / "out").iterdir())
    trials = pd.read_csv(report / "trials.csv")
    assert trials.value.iloc[0] > 0 and trials.value.min() < trials.value.iloc[0]  # start missed; a trial did better
    fit = pd.read_csv(report / "fit.csv")
    assert fit.fitted.iloc[0] > fit.start.iloc[0]  # intent moved towards the target
    assert (report / "history.png").stat().st_size > 0

    best = trials.loc[trials.value.idxmin(), "params_behaviour.intent.base_logit"]
    cfg = make_config(f"calibration={calibration_name}")
    literature = make_config("calibration=literature")
    assert cfg.behaviour.name == calibration_name
    assert cfg.behaviour.intent.base_logit == pytest.approx(calibrate.round_sig(best))
    # everything not fitted is as in the start file
    assert cfg.behaviour.dropout == literature.behaviour.dropout and cfg.behaviour.labour == literature.behaviour.labour
    text = (calibrate.CALIBRATION_DIR / f"{calibration_name}.yaml").read_text()
    assert "# fitted (logit; range [-2.95, -2]; literature: -2.9)" in text and "Loss" in text

    run_dir = tmp_path / "run"
    done = subprocess.run([sys.executable, "-m", "experiments.run", f"calibration={calibration_name}", "months=3",
                           "scenario.n_youth=500", "figures=false", "progress=false", f"hydra.run.dir={run_dir}"],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads((run_dir / "summary.json").read_text())["meta"]["calibration"] == calibration_name


@pytest.mark.parametrize("argv, message", [
    (["--name", "literature"], "never overwritten"),
    (["--name", "bad name!"], "--name"),
    (["--start", "nowhere"], "--start"),
    (["--trials", "0"], "--trials"),
    (["--seeds", "1"], "--seeds"),
])
def test_calibrate_refuses_bad_arguments_with_one_line(capsys, argv, message):
    assert_refused(capsys, lambda: calibrate.main(argv), message)


# --------------------------------------------------------------------------- sensitivity


# the Morris screen's claims are about the dropout and intent rules: six of their parameters, so four trajectories
# suffice (with every prior the noise of 20-odd parameters over four trajectories hides the order)
SCREENED = ("behaviour.dropout.base_logit", "behaviour.dropout.opportunity_logit_per_wage",
            "behaviour.dropout.care_barrier_hazard", "behaviour.intent.base_logit", "behaviour.intent.gap_logit",
            "behaviour.labour.certified_bonus")


def _screened(folder):
    """A parameters file of the SCREENED entries of the default one."""
    entries = yaml.safe_load(study.DEFAULT_PARAMETERS.read_text())["parameters"]
    path = folder / "parameters.yaml"
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump({"parameters": [e for e in entries if e["key"] in SCREENED]}))
    return path


def _sensitivity(out, seed="3"):
    argv = ["--parameters", str(_screened(out.parent / f"parameters-{out.name}")), "--trajectories", "4",
            "--sobol-n", "16", "--n-youth", "2000", "--jobs", "1", "--seed", seed, "--indicators",
            "dropout_rate,migration_intent_rate", "--out", str(out), "months=12"]
    assert sensitivity.main(argv) == 0
    return next(out.iterdir())


def test_sensitivity_gives_morris_and_sobol_tables_a_figure_and_the_same_indices_for_the_same_seed(tmp_path):
    first = _sensitivity(tmp_path / "a")
    second = _sensitivity(tmp_path / "b")
    params = study.load_parameters(_screened(tmp_path / "screened"))
    assert len(params) == len(SCREENED)
    for name in ("morris.csv", "sobol.csv"):
        a, b = pd.read_csv(first / name), pd.read_csv(second / name)
        pd.testing.assert_frame_equal(a, b)
        assert len(a) == 2 * len(params) and set(a.parameter) == {p.key for p in params}
    assert (first / "sensitivity.png").stat().st_size > 0
    runs = pd.read_parquet(first / "runs.parquet")
    assert len(runs) == 4 * (len(params) + 1) + 16 * (len(params) + 2)  # r (k + 1) + N (k + 2)

    morris = pd.read_csv(first / "morris.csv")
    intent = morris[morris.indicator == "migration_intent_rate"].set_index("parameter").mu_star
    dropout = morris[morris.indicator == "dropout_rate"].set_index("parameter").mu_star
    # the rules that define an indicator lead; rules acting on it only indirectly matter little (intent reaches
    # dropout only through who is still in the country to enrol; care barriers reach intent through earnings)
    assert intent["behaviour.dropout.care_barrier_hazard"] < 0.1 * intent.max()
    assert dropout["behaviour.intent.gap_logit"] < 0.1 * dropout.max()
    assert intent.idxmax().startswith("behaviour.intent.") and dropout.idxmax().startswith("behaviour.dropout.")
    sobol = pd.read_csv(first / "sobol.csv")
    assert np.isfinite(sobol[["S1", "ST"]].to_numpy()).all()


def test_another_seed_gives_other_sensitivity_runs(tmp_path):
    a = pd.read_parquet(_sensitivity(tmp_path / "a", seed="3") / "runs.parquet")
    b = pd.read_parquet(_sensitivity(tmp_path / "b", seed="4") / "runs.parquet")
    assert not a.equals(b)


@pytest.mark.parametrize("argv, message", [
    (["--indicators", "happiness"], "--indicators"),
    (["--indicators", "elves:dropout_rate"], "elves"),
    (["--sobol-n", "100"], "power of 2"),
    (["--methods", "fast"], "--methods"),
])
def test_sensitivity_refuses_bad_arguments_with_one_line(capsys, argv, message):
    assert_refused(capsys, lambda: sensitivity.main(argv), message)


# --------------------------------------------------------------------------- scenario discovery


def test_prim_recovers_a_planted_box_with_its_coverage_and_density():
    rng = np.random.default_rng(5)
    x = pd.DataFrame(rng.uniform(0, 1, size=(1000, 4)), columns=["stipend", "transport", "noise1", "noise2"])
    y = ((x.stipend < 0.3) & (x.transport < 0.5)).to_numpy()
    (box,) = discover.find_boxes(x, y, n_boxes=1, min_density=0.9)
    assert set(box["limits"]) == {"stipend", "transport"}
    assert box["limits"]["stipend"][1] == pytest.approx(0.3, abs=0.05)
    assert box["limits"]["transport"][1] == pytest.approx(0.5, abs=0.07)
    inside = (x.stipend <= box["limits"]["stipend"][1]) & (x.transport <= box["limits"]["transport"][1])
    assert box["density"] == pytest.approx(y[inside].mean()) and box["density"] >= 0.9
    assert box["coverage"] == pytest.approx(y[inside].sum() / y.sum()) and box["coverage"] > 0.8


def test_discovery_reports_boxes_of_high_dropout_in_the_policy_space(tmp_path):
    # 0.29: about the median dropout of this design, so that runs of concern and others both occur
    code = discover.main(["--samples", "80", "--n-youth", "1500", "--jobs", "1", "--threshold", "0.29",
                          "--out", str(tmp_path), "months=18"])
    assert code == 0
    out = next(tmp_path.iterdir())
    boxes = pd.read_csv(out / "boxes.csv")
    assert len(boxes) >= 1 and boxes.coverage.between(0, 1).all() and boxes.density.between(0, 1).all()
    runs = pd.read_parquet(out / "runs.parquet")
    assert runs.of_concern.any() and not runs.of_concern.all()
    assert (runs.of_concern == (runs.dropout_rate > 0.29)).all()
    # the first box's density is the share of concern among the runs inside it
    first = boxes[boxes.box == 1]
    inside = np.ones(len(runs), dtype=bool)
    for r in first.itertuples():
        inside &= runs[r.input].between(r.low, r.high).to_numpy()
    assert first.density.iloc[0] == pytest.approx(runs.of_concern[inside].mean())
    assert (out / "discovery.png").stat().st_size > 0


def test_discovery_refuses_a_threshold_no_run_crosses(tmp_path, capsys):
    assert_refused(capsys, lambda: discover.main(["--samples", "20", "--n-youth", "500", "--jobs", "1",
                                                  "--threshold", "2.0", "--out", str(tmp_path), "months=6"]),
                   "--threshold")  # one line besides the progress bar
    assert not any(tmp_path.iterdir())  # no result that looks complete


def test_sensitivity_over_a_posterior_varies_each_parameter_within_its_credible_interval(tmp_path, monkeypatch,
                                                                                        capsys):
    from livelihoods import draws

    folder = tmp_path / "posteriors" / "toy"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    separation = rng.uniform(0.02, 0.03, 200)
    pd.DataFrame({"draw": range(200), "weight": 1 / 200, "behaviour.labour.separation_rate": separation,
                  "behaviour.intent.base_logit": -2.0}).to_csv(folder / "posterior.csv", index=False)
    monkeypatch.setattr(draws, "POSTERIOR_DIR", tmp_path / "posteriors")
    argv = ["--methods", "morris", "--trajectories", "3", "--n-youth", "400", "--jobs", "1", "--posterior", "toy",
            "--indicators", "employment_rate", "--out", str(tmp_path / "out"), "months=6"]
    assert sensitivity.main(argv) == 0
    out = next((tmp_path / "out").iterdir())
    runs = pd.read_parquet(out / "runs.parquet")
    low, high = np.quantile(separation, [0.05, 0.95])
    assert runs["behaviour.labour.separation_rate"].between(low - 1e-12, high + 1e-12).all()
    assert runs["behaviour.labour.separation_rate"].nunique() > 1
    assert "behaviour.intent.base_logit" not in runs.columns  # a point in the posterior cannot vary
    problem = json.loads((out / "problem.json").read_text())
    prior = {p.key: (p.low, p.high) for p in study.load_parameters()}
    ranges = {p["key"]: (p["low"], p["high"]) for p in problem["parameters"]}
    assert ranges["behaviour.labour.separation_rate"] == pytest.approx((low, high))
    assert ranges["behaviour.dropout.base_logit"] == prior["behaviour.dropout.base_logit"]  # not in the posterior
    assert len(ranges) == len(prior) - 1 and "posterior toy" in problem["ranges"]
    assert sensitivity.main([*argv[:-6], "other", *argv[-5:]]) == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == "error: --posterior: must be the name of a stored posterior: toy, got 'other'"


def test_discovery_over_a_posterior_finds_the_planted_behavioural_cause(tmp_path, monkeypatch):
    """Two draws that differ only in the late-course dropout hazard: PRIM must put the concern on that
    parameter, each draw serves half the runs, and a run's outcome is that of its draw's parameters."""
    from livelihoods import draws
    from livelihoods.compose import load_config

    folder = tmp_path / "posteriors" / "toy"
    folder.mkdir(parents=True)
    pd.DataFrame({"draw": [0, 1], "weight": [0.5, 0.5], "behaviour.dropout.base_logit": [-4.5, -0.5],
                  "behaviour.labour.separation_rate": [0.02, 0.02]}).to_csv(folder / "posterior.csv", index=False)
    monkeypatch.setattr(draws, "POSTERIOR_DIR", tmp_path / "posteriors")
    assert discover.main(["--samples", "40", "--n-youth", "1000", "--jobs", "1", "--threshold", "0.5",
                          "--posterior", "toy", "--boxes", "1", "--out", str(tmp_path / "out"), "months=12"]) == 0
    out = next((tmp_path / "out").iterdir())
    runs = pd.read_parquet(out / "runs.parquet")
    assert runs.draw.value_counts().to_dict() == {0: 20, 1: 20}
    assert (runs.loc[runs.draw == 1, "behaviour.dropout.base_logit"] == -0.5).all()
    assert "behaviour.labour.separation_rate" not in runs.columns  # constant over the posterior
    assert runs.loc[runs.draw == 1, "dropout_rate"].min() > runs.loc[runs.draw == 0, "dropout_rate"].max()
    boxes = pd.read_csv(out / "boxes.csv")
    assert set(boxes.input) == {"behaviour.dropout.base_logit"} and boxes.low.iloc[0] > -4.5
    base = load_config("policy=[stipend,transport,childcare]", "months=12", "seed=1", "scenario.n_youth=1000",
                       "progress=false", "figures=false")
    first = runs.iloc[0]
    inputs = {p.key: float(first[p.key]) for p in discover.load_spec(discover.DEFAULT_SPEC).inputs}
    values = {**draws.draw_values("toy", int(first.draw)), **inputs}
    again = study.run_many([config_values.with_values(base, values)], progress=False)[0]
    assert again[("all", "dropout_rate")] == pytest.approx(first.dropout_rate)
