"""Crash safety, resume after a real kill, replay, and launcher independence (issue 7)."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from experiments.records.replay import replay
from experiments.records.runs import INCOMPLETE, SUMMARY
from experiments.studies.aggregate import aggregate, read_sweep, records
from livelihoods.errors import DamagedRecord
from tests.conftest import ROOT


def run_module(module, *args, **kwargs):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600, **kwargs)


def sweep_aggregate(folder) -> pd.DataFrame:
    return aggregate(records(read_sweep(folder)))


def job_results(folder) -> dict:
    """Each job's summary without run metadata (timings, threads, versions), by its overrides."""
    out = {}
    for summary in folder.glob(f"*/{SUMMARY}"):
        overrides = tuple(line for line in (summary.parent / ".hydra" / "overrides.yaml").read_text().splitlines()
                          if not line.startswith("- resume="))
        out[overrides] = {k: v for k, v in json.loads(summary.read_text()).items() if k != "meta"}
    return out


SWEEP = ("-m", "seed=range(1,9)", "scenario.n_youth=20000", "months=36", "progress=false")


def test_a_sweep_killed_by_a_signal_and_resumed_equals_an_uninterrupted_sweep(tmp_path):
    killed, whole = tmp_path / "killed", tmp_path / "whole"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "experiments.run", *SWEEP, f"hydra.sweep.dir={killed}"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.monotonic() + 300
    while len(list(killed.glob(f"*/{SUMMARY}"))) < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)  # the whole process group, mid-sweep
    proc.wait()
    done = {p: p.stat().st_mtime_ns for p in killed.glob(f"*/{SUMMARY}")}
    records_kept = {p: p.read_bytes() for p in killed.glob("*/.hydra/*.yaml") if (p.parent.parent / SUMMARY).exists()}
    assert 2 <= len(done) < 8, "the kill must land part-way through the sweep"
    for job in (p for p in killed.iterdir() if p.is_dir()):  # complete, or clearly marked as not
        if (job / SUMMARY).exists():
            assert not (job / INCOMPLETE).exists()
        else:  # killed while running (marked), or before the job settled its record (Hydra's attempt only)
            assert (job / INCOMPLETE).exists() or all(p.name.startswith(".hydra_attempt_") or p.name in
                                                       (".lock", "run.log") for p in job.iterdir())
    partial = read_sweep(killed)
    assert len(partial.complete) == len(done) and len(partial.incomplete) + len(partial.missing) == 8 - len(done)

    resumed = run_module("experiments.run", *SWEEP, f"hydra.sweep.dir={killed}", "resume=true")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert resumed.stdout.count("skipped") == len(done)
    assert all(p.stat().st_mtime_ns == t for p, t in done.items())  # finished jobs were not run again
    assert all(p.read_bytes() == b for p, b in records_kept.items())  # nor their config records rewritten
    assert not list(killed.glob("*/.hydra_attempt_*"))
    assert len(list(killed.glob(f"*/{SUMMARY}"))) == 8 and not list(killed.glob(f"*/{INCOMPLETE}"))

    assert run_module("experiments.run", *SWEEP, f"hydra.sweep.dir={whole}").returncode == 0
    pd.testing.assert_frame_equal(sweep_aggregate(killed), sweep_aggregate(whole))
    assert job_results(killed) == job_results(whole)


def test_basic_and_joblib_launchers_give_identical_results(tmp_path):
    tiny = ("-m", "seed=range(1,5)", "policy=[stipend]", "policy.stipend.monthly_amount=0,60", "scenario.n_youth=1500",
            "months=12")
    basic, parallel = tmp_path / "basic", tmp_path / "joblib"
    assert run_module("experiments.run", *tiny, f"hydra.sweep.dir={basic}").returncode == 0
    proc = run_module("experiments.run", *tiny, "hydra/launcher=joblib", f"hydra.sweep.dir={parallel}")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert len(job_results(basic)) == 8
    assert job_results(basic) == job_results(parallel)
    pd.testing.assert_frame_equal(sweep_aggregate(basic), sweep_aggregate(parallel))
    threads = {json.loads(p.read_text())["meta"]["threads"] for p in parallel.glob(f"*/{SUMMARY}")}
    assert threads == {1}  # one kernel thread per job under the parallel launcher
    replayed = run_module("experiments.replay", str(parallel / "3"))  # a sweep job replays too
    assert replayed.returncode == 0 and "identical" in replayed.stdout, replayed.stdout + replayed.stderr


def test_replay_reproduces_a_run_and_detects_a_changed_number(tmp_path):
    run = tmp_path / "run"
    made = run_module("experiments.run", "scenario=mali_returnees", "policy=[certification,stipend]",
                      "scenario.n_youth=1200", "months=10", "seed=9", "figures=false", f"hydra.run.dir={run}")
    assert made.returncode == 0, made.stderr[-2000:]
    assert not (run / INCOMPLETE).exists()
    before = {p.name: p.read_bytes() for p in run.iterdir() if p.is_file()}
    same = run_module("experiments.replay", str(run))
    assert same.returncode == 0 and "identical" in same.stdout, same.stdout + same.stderr
    assert {p.name: p.read_bytes() for p in run.iterdir() if p.is_file()} == before  # replay writes nothing

    summary = json.loads((run / SUMMARY).read_text())
    summary["by_group"]["returnees"]["dismissal_rate"] += 1e-9
    (run / SUMMARY).write_text(json.dumps(summary))
    changed = run_module("experiments.replay", str(run))
    assert changed.returncode == 1
    assert "by_group.returnees.dismissal_rate" in changed.stdout and "1 values differ" in changed.stdout


def test_replay_refuses_a_folder_that_is_not_a_complete_run(tmp_path):
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / INCOMPLETE).write_text("killed")
    proc = run_module("experiments.replay", str(tmp_path / "half"))
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: run_dir") and "not a complete run" in lines[0]


def test_replay_of_a_damaged_record_is_one_line_and_exit_2(tmp_path):
    run = tmp_path / "run"
    made = run_module("experiments.run", "scenario.n_youth=400", "months=3", "figures=false", "progress=false",
                      f"hydra.run.dir={run}")
    assert made.returncode == 0, made.stderr[-2000:]
    damage = {  # copy name -> (file, how it is damaged, what the line names)
        "extra_key": (".hydra/config.yaml", lambda t: t + "nonsense: 1\n", "nonsense: unknown key"),
        "bad_yaml": (".hydra/config.yaml", lambda t: t + "seed: [1, 2\n", "not valid YAML"),
        "parquet": ("timeseries.parquet", lambda b: b[:200], "timeseries.parquet cannot be read"),
        "summary": (SUMMARY, lambda t: t[:40], "summary.json cannot be read"),
        "engine": (SUMMARY, lambda t: t.replace('"engine": "numba"', '"engine": "nope"'), "records engine 'nope'"),
    }
    for name, (file, change, named) in damage.items():
        copy = tmp_path / name
        shutil.copytree(run, copy)
        path = copy / file
        if file.endswith(".parquet"):
            path.write_bytes(change(path.read_bytes()))
        else:
            path.write_text(change(path.read_text()))
        proc = run_module("experiments.replay", str(copy))
        assert proc.returncode == 2, (name, proc.stdout, proc.stderr)
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and named in lines[0], (name, lines)
        with pytest.raises(DamagedRecord, match=re.escape(named)):  # raised where found, named for what it is
            replay(copy)


def test_a_config_with_interpolations_is_recorded_resolved_and_replays_exactly(tmp_path):
    run = tmp_path / "run"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SITE_NAME": "bamako-pilot"}
    made = subprocess.run([sys.executable, "-m", "experiments.run", "scenario.n_youth=400", "months=3", "figures=false",
                           "scenario.name=${oc.env:SITE_NAME}", f"hydra.run.dir={run}"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    assert made.returncode == 0, made.stderr[-2000:]
    recorded = (run / ".hydra" / "config.yaml").read_text()
    assert "name: bamako-pilot" in recorded and "${" not in recorded
    assert json.loads((run / SUMMARY).read_text())["meta"]["scenario"] == "bamako-pilot"
    replayed = run_module("experiments.replay", str(run))  # SITE_NAME is not set here
    assert replayed.returncode == 0 and "identical" in replayed.stdout, replayed.stdout + replayed.stderr
