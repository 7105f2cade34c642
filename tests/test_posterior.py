"""Bayesian calibration (experiments.posterior): the ABC distance, posterior draws, and resuming after a kill."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from experiments.evidence.posterior import at_face_if_uniform, particle_seed, range_distance
from experiments.evidence.validate import load_targets
from livelihoods import draws
from tests.conftest import ROOT, STORED_POSTERIOR

SMALL = ["--population", "4", "--n-youth", "300", "--draws", "1", "--predictive-seeds", "1", "--jobs", "1"]


def test_the_distance_is_zero_inside_every_range_and_counts_the_shortfall_relative_to_the_bound_missed():
    spec = load_targets(ROOT / "configs" / "targets" / "evidence.yaml")
    inside = {t.name: (t.range[0] + t.range[1]) / 2 for t in spec.targets}
    d = range_distance(spec)
    assert d(inside) == 0.0
    completion = next(t for t in spec.targets if t.name == "completion_rate")          # [0.45, 0.70]
    assert d({**inside, completion.name: 0.70 + 0.07}) == pytest.approx(0.01)          # 10% beyond 0.70
    assert d({**inside, completion.name: 0.45 - 0.09}) == pytest.approx(0.04)          # 20% below 0.45
    departures = next(t for t in spec.targets if t.name == "departures_per_month")     # [0.0002, 0.003]
    assert d({**inside, departures.name: 0.0}) == pytest.approx(1.0)                   # none: 100% short
    zero_bound = next(t for t in spec.targets if t.name == "stipend_diminishing_returns")  # [-0.02, 0]
    assert d({**inside, zero_bound.name: 0.005}) == pytest.approx(0.0625)               # a bound of 0: 1/4 of the width
    assert d({**inside, completion.name: float("nan")}) == pytest.approx(100.0)         # undefined


def test_the_uniform_share_at_the_box_faces_matches_uniform_points_and_not_crowded_ones():
    rng = np.random.default_rng(3)
    width = np.linspace(1.0, 5.0, 16)                 # prior ranges
    low, span = np.zeros(16), 0.5 * width             # boxes half the prior range
    x = low + span * rng.uniform(size=(20_000, 16))
    near = (x - x.min(axis=0) < 0.02 * width) | (x.max(axis=0) - x < 0.02 * width)
    observed = near.any(axis=1).mean()
    expected = at_face_if_uniform(x, width)
    assert expected == pytest.approx(1 - (1 - 0.08) ** 16, abs=0.01)   # 0.74: large by itself in 16-D
    assert observed == pytest.approx(expected, abs=0.02)
    crowded = x.copy()
    crowded[:, 0] = np.where(rng.uniform(size=len(x)) < 0.5, x.min(axis=0)[0], crowded[:, 0])  # half on one face
    near = (crowded - crowded.min(axis=0) < 0.02 * width) | (crowded.max(axis=0) - crowded < 0.02 * width)
    assert near.any(axis=1).mean() > at_face_if_uniform(crowded, width) + 0.1


def test_a_particle_always_simulates_the_same_seed():
    values = {"a.b": 0.5, "c.d": -1.25}
    assert particle_seed(values) == particle_seed(dict(reversed(list(values.items()))))
    assert particle_seed(values) != particle_seed({**values, "a.b": 0.5000001})


def test_draws_resample_the_weighted_particles_systematically(tmp_path, monkeypatch):
    folder = tmp_path / "toy"
    folder.mkdir()
    pd.DataFrame({"draw": [0, 1, 2], "weight": [0.5, 0.25, 0.25],
                  "behaviour.labour.separation_rate": [0.01, 0.02, 0.03]}).to_csv(folder / "posterior.csv", index=False)
    monkeypatch.setattr(draws, "POSTERIOR_DIR", tmp_path)
    picked = [draws.draw_values("toy", k)["behaviour.labour.separation_rate"] for k in range(3)]
    assert picked == [0.01, 0.01, 0.03]  # positions 1/6, 1/2, 5/6 fall on the cumulative weights 0.5, 0.5, 1
    with pytest.raises(draws.ConfigError, match=r"draw: must be an integer in \[0, 2\]"):
        draws.draw_values("toy", 3)
    with pytest.raises(draws.ConfigError, match="posterior: must be null or the name of a stored posterior: toy"):
        draws.draw_values("nowhere", 0)


def _generations(db) -> int:
    with sqlite3.connect(db) as con:
        return con.execute("select count(*) from populations where t >= 0").fetchone()[0]


def test_a_killed_calibration_resumes_from_its_last_generation(tmp_path):
    out, into = tmp_path / "results", tmp_path / "calibration"
    into.mkdir()
    cmd = [sys.executable, "-m", "experiments.posterior", "--name", "toy", "--generations", "3", *SMALL,
           "--out", str(out), "--into", str(into)]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    db = out / "toy" / "abc.db"
    deadline = time.time() + 600
    while time.time() < deadline and not (db.exists() and _generations(db) >= 1):
        assert proc.poll() is None, proc.stdout.read().decode()[-2000:]
        time.sleep(0.5)
    os.killpg(proc.pid, signal.SIGKILL)  # killed during its second generation
    proc.wait()
    done = _generations(db)
    assert 1 <= done < 3 and not (into / "toy").exists()  # nothing written that looks complete
    again = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert again.returncode == 0, again.stdout[-2000:] + again.stderr[-2000:]
    assert f"resuming toy: {done} generation(s) done" in again.stdout
    assert _generations(db) == 3
    posterior = pd.read_csv(into / "toy" / "posterior.csv")
    assert len(posterior) == 4 and posterior["weight"].sum() == pytest.approx(1.0)
    diagnostics = pd.read_csv(into / "toy" / "diagnostics.csv")
    assert diagnostics["generation"].tolist() == [0, 1, 2]
    assert (np.diff(diagnostics["epsilon"]) <= 0).all()  # the tolerance schedule never rises
    manifest = json.loads((into / "toy" / "manifest.json").read_text())
    assert manifest["generations_run"] == 3 and manifest["settings"]["population"] == 4
    assert (into / "toy-point.yaml").exists() and "posterior draw" in (into / "toy-point.yaml").read_text()
    # other settings are refused, with one line naming the option
    other = subprocess.run([*cmd[:-4], "--n-youth", "400", "--out", str(out), "--into", str(tmp_path / "x")],
                           cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert other.returncode == 2 and "made with other settings" in other.stderr


def test_a_stored_posterior_keeps_its_history_and_another_clone_continues_it(tmp_path, capsys):
    from experiments.evidence import posterior

    into, first, second = tmp_path / "calibration", tmp_path / "results-here", tmp_path / "results-elsewhere"
    into.mkdir()
    argv = [*SMALL, "--into", str(into)]
    assert posterior.main(["--name", "toy", "--generations", "1", "--out", str(first), *argv]) == 0
    assert _generations(into / "toy" / "history" / "abc.db") == 1
    # elsewhere (no results/ folder), two more generations into a new name
    assert posterior.main(["--name", "toy2", "--continue-from", "toy", "--generations", "3",
                           "--out", str(second), *argv]) == 0
    assert "resuming toy2: 1 generation(s) done" in capsys.readouterr().out
    assert _generations(into / "toy2" / "history" / "abc.db") == 3
    assert pd.read_csv(into / "toy2" / "diagnostics.csv")["generation"].tolist() == [0, 1, 2]
    # the first generation is the stored one, not a new one
    assert pd.read_csv(into / "toy2" / "diagnostics.csv")["epsilon"].iloc[0] == pytest.approx(
        pd.read_csv(into / "toy" / "diagnostics.csv")["epsilon"].iloc[0])
    assert posterior.main(["--name", "toy3", "--continue-from", "nothing", "--out", str(second), *argv]) == 2
    assert "--continue-from: must be a posterior stored with its history (toy, toy2), got 'nothing'" in \
        capsys.readouterr().err


def test_the_calibration_runs_on_a_dask_cluster(tmp_path):
    """--dask: the same ABC-SMC with its simulations on Dask workers (here a local cluster of one worker)."""
    out, into = tmp_path / "results", tmp_path / "calibration"
    into.mkdir()
    proc = subprocess.run([sys.executable, "-m", "experiments.posterior", "--name", "toy", "--generations", "1",
                           *SMALL, "--dask", "local", "--out", str(out), "--into", str(into)],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert len(pd.read_csv(into / "toy" / "posterior.csv")) == 4


def test_a_stress_test_over_posterior_draws_reports_probabilities(tmp_path):
    """A stipend sweep over the draws of a (toy) posterior x seeds: the report splits the uncertainty and
    answers with P(dropout < target)."""
    store = tmp_path / "posteriors"
    (store / "toy").mkdir(parents=True)
    pd.DataFrame({"draw": [0, 1, 2], "weight": [1 / 3] * 3,
                  "behaviour.dropout.base_logit": [-4.4, -3.5, -2.6]}).to_csv(store / "toy" / "posterior.csv",
                                                                              index=False)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LIVELIHOODS_POSTERIORS": str(store)}
    sweep = tmp_path / "sweep"
    run = subprocess.run([sys.executable, "-m", "experiments.run", "-m", "policy=[stipend]",
                          "policy.stipend.monthly_amount=0,90", "posterior=toy", "draw=0,1,2", "seed=1,2",
                          "scenario.n_youth=600", "months=8", "burn_in_months=6", "progress=false", "figures=false",
                          f"hydra.sweep.dir={sweep}"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    summary = json.loads((sweep / "0" / "summary.json").read_text())
    assert summary["meta"]["posterior"] == "toy" and summary["meta"]["draw"] == 0
    report = subprocess.run([sys.executable, "-m", "experiments.report", str(sweep)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    assert report.returncode == 0, report.stderr[-3000:]
    text = (sweep / "report.md").read_text()
    assert "posterior `toy` (3 draws)" in text and "credible intervals over posterior draws" in text
    assert "P(dropout < 30%)" in text and "parameter part" in text
    assert "## Virtual trial" in text and "| 6 months | all |" in text  # the lottery's ITT/TOT
    table = pd.read_csv(sweep / "aggregate.csv")
    row = table[(table["indicator"] == "dropout_rate") & (table["group"] == "all")].iloc[0]
    assert row["draws"] == 3 and row["seeds"] == 2 and row["param_share"] > 0.5  # the draws differ a lot here
    stress = pd.read_csv(sweep / "stress.csv")  # the table the docs quote (tools.doc_numbers)
    assert stress["stipend"].tolist() == [0.0, 90.0]
    assert stress.loc[0, "mean"] == pytest.approx(row["mean"]) and stress["p_below_target"].between(0, 1).all()


def test_an_unknown_posterior_or_draw_is_one_line(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LIVELIHOODS_POSTERIORS": str(tmp_path)}
    for override, says in (("posterior=nowhere", "error: posterior: must be null or the name of a stored posterior"),
                           ("draw=-1", "error: draw: must be an integer")):
        proc = subprocess.run([sys.executable, "-m", "experiments.run", override, "scenario.n_youth=300", "months=2",
                               f"hydra.run.dir={tmp_path / 'run'}"], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=300)
        assert proc.returncode == 2 and proc.stderr.strip().splitlines()[-1].startswith(says), proc.stderr


def test_a_report_over_a_posterior_says_how_far_its_calibration_got(tmp_path, monkeypatch):
    from experiments.studies.report import posterior_status

    (tmp_path / "toy").mkdir()
    (tmp_path / "toy" / "manifest.json").write_text(json.dumps({"generations_run": 4, "final_epsilon": 0.5748}))
    pd.DataFrame({"target": ["a", "b", "c"], "range": ["[0.45, 0.7]", "[-1, -0.05]", "[0.1, 0.5]"],
                  "median": [0.469, -0.25, 0.56]}).to_csv(tmp_path / "toy" / "predictive.csv", index=False)
    monkeypatch.setattr(draws, "POSTERIOR_DIR", tmp_path)
    assert posterior_status("toy") == ("; ABC-SMC 4 generations, final tolerance 0.57; "
                                       "predictive median inside 2 of 3 target ranges")
    assert posterior_status("gone") == ""


def _store(tmp_path, columns: dict) -> dict:
    """A posterior store with one posterior ``toy`` of these columns; the environment that points runs at it."""
    store = tmp_path / "store"
    (store / "toy").mkdir(parents=True)
    pd.DataFrame(columns).to_csv(store / "toy" / "posterior.csv", index=False)
    return {**os.environ, "LIVELIHOODS_POSTERIORS": str(store)}


@pytest.mark.parametrize("given", ["/tmp/elsewhere", f"../../configs/calibration/{STORED_POSTERIOR}", "toy/../toy", "nope"])
def test_a_posterior_is_named_not_a_path(tmp_path, given):
    """Issue 32, cause 8: posterior=<a path> read a CSV outside the store, whose columns then set seed and
    months. A posterior is one of the stored names, refused otherwise in one line."""
    env = _store(tmp_path, {"draw": [0], "weight": [1.0], "behaviour.dropout.base_logit": [-3.0]})
    proc = subprocess.run([sys.executable, "-m", "experiments.run", "scenario.n_youth=300", "months=2",
                           f"posterior={given}", "draw=0", f"hydra.run.dir={tmp_path / 'run'}"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 1, proc.stderr[-2000:]
    assert lines[0].startswith("error: posterior: must be null or the name of a stored posterior: toy")
    assert not (tmp_path / "run" / "summary.json").exists()


@pytest.mark.parametrize("column,why", [("seed", "not behaviour parameters"), ("months", "not behaviour parameters"),
                                        ("behaviour.name", "not behaviour parameters")])
def test_a_stored_posterior_cannot_set_keys_outside_its_parameters(tmp_path, column, why):
    env = _store(tmp_path, {"draw": [0], "weight": [1.0], "behaviour.dropout.base_logit": [-3.0], column: [7]})
    proc = subprocess.run([sys.executable, "-m", "experiments.run", "scenario.n_youth=300", "months=2",
                           "posterior=toy", "draw=0", f"hydra.run.dir={tmp_path / 'run'}"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 1 and why in lines[0] and column in lines[0], proc.stderr[-2000:]


def test_a_damaged_posterior_is_refused_in_one_line_and_draw_needs_a_posterior(tmp_path):
    env = _store(tmp_path, {"draw": [0, 1], "weight": [1.0, 1.0], "behaviour.dropout.base_logit": [-3.0, None]})
    proc = subprocess.run([sys.executable, "-m", "experiments.run", "scenario.n_youth=300", "months=2",
                           "posterior=toy", "draw=0", f"hydra.run.dir={tmp_path / 'run'}"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 2 and "row 3 holds a missing, infinite or negative value" in proc.stderr, proc.stderr
    proc = subprocess.run([sys.executable, "-m", "experiments.run", "scenario.n_youth=300", "months=2", "draw=3"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 2 and proc.stderr.strip() == (
        "error: draw: must be 0 without a posterior (posterior=<name> chooses the stored posterior whose draws are "
        "numbered), got 3")
