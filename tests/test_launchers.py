"""The same sweep on joblib, Ray (a local instance) and submitit (local executor) as on the basic launcher,
and each job of it as the same job run alone.

Skipped, with the reason, where the extras are not installed (``pip install -e '.[ray,slurm]'``;
``make test`` installs them). Each launcher runs the same small sweep into its own folder: the
folder layout, every job's results (summary and monthly series, bit for bit) and the aggregate
must equal the basic launcher's, and report and resume must work on it. The basic launcher's
jobs in turn equal the same jobs run alone, so every launcher's do.
"""

from __future__ import annotations

import importlib.util
import json

import pandas as pd
import pytest

from experiments.records.runs import SUMMARY
from tests.test_hardening import job_results, run_module, sweep_aggregate

SWEEP = ("-m", "seed=range(1,4)", "policy=[stipend]", "policy.stipend.monthly_amount=0,60",
         "scenario.n_youth=1500", "months=12")
EXTRAS = {
    "joblib": ("hydra_plugins.hydra_joblib_launcher", "core"),
    "ray": ("hydra_plugins.hydra_ray_launcher", "ray"),
    "submitit_local": ("hydra_plugins.hydra_submitit_launcher", "slurm"),
}


def missing(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is None
    except ModuleNotFoundError:
        return True


@pytest.fixture(scope="module")
def basic(tmp_path_factory):
    out = tmp_path_factory.mktemp("basic") / "sweep"
    proc = run_module("experiments.run", *SWEEP, f"hydra.sweep.dir={out}")
    assert proc.returncode == 0, proc.stderr[-2000:]
    return out


def series(folder) -> dict:
    """Each job's monthly series, by job."""
    return {p.parent.name: pd.read_parquet(p) for p in sorted(folder.glob("*/timeseries.parquet"))}


def test_each_job_of_a_sweep_equals_the_same_job_run_alone(basic, tmp_path):
    for job in ("0", "5"):  # the first and the last: different seeds and policy values
        overrides = [line[2:] for line in (basic / job / ".hydra" / "overrides.yaml").read_text().splitlines()]
        alone = tmp_path / job
        proc = run_module("experiments.run", *overrides, f"hydra.run.dir={alone}")
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert {k: v for k, v in json.loads((alone / SUMMARY).read_text()).items() if k != "meta"} \
            == {k: v for k, v in json.loads((basic / job / SUMMARY).read_text()).items() if k != "meta"}
        pd.testing.assert_frame_equal(pd.read_parquet(alone / "timeseries.parquet"),
                                      pd.read_parquet(basic / job / "timeseries.parquet"), check_exact=True)


@pytest.mark.parametrize("launcher", sorted(EXTRAS))
def test_a_sweep_on_the_launcher_equals_the_basic_launcher(basic, tmp_path, launcher):
    module, extra = EXTRAS[launcher]
    if missing(module):
        pytest.skip(f"hydra/launcher={launcher} needs the [{extra}] extra: pip install -e '.[{extra}]'")
    out = tmp_path / "sweep"
    proc = run_module("experiments.run", *SWEEP, f"hydra/launcher={launcher}", f"hydra.sweep.dir={out}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    jobs = sorted(p.name for p in out.iterdir() if (p / SUMMARY).exists())
    assert jobs == sorted(p.name for p in basic.iterdir() if (p / SUMMARY).exists()) == [str(i) for i in range(6)]
    assert job_results(out) == job_results(basic)
    for job, frame in series(basic).items():
        pd.testing.assert_frame_equal(series(out)[job], frame, check_exact=True)
    pd.testing.assert_frame_equal(sweep_aggregate(out), sweep_aggregate(basic))

    report = run_module("experiments.report", str(out))
    assert report.returncode == 0 and "0 incomplete; 0 missing" in (out / "report.md").read_text()
    (out / "4" / SUMMARY).unlink()  # as if job 4 had not finished
    resumed = run_module("experiments.run", *SWEEP, f"hydra/launcher={launcher}", f"hydra.sweep.dir={out}",
                         "resume=true")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert (out / "4" / SUMMARY).exists()
    assert job_results(out) == job_results(basic)


def test_launcher_configs_size_each_job_from_the_population():
    from hydra import compose, initialize_config_dir

    from livelihoods.paths import CONFIG_DIR
    from livelihoods.store import job_memory_gb, job_minutes, register_configs

    register_configs()
    with initialize_config_dir(str(CONFIG_DIR), version_base="1.3"):
        small = compose("config", ["hydra/launcher=submitit_slurm"], return_hydra_config=True).hydra.launcher
        large = compose("config", ["hydra/launcher=submitit_slurm", "scenario.n_youth=20000000", "months=60"],
                        return_hydra_config=True).hydra.launcher
    assert small.cpus_per_task == 1 and small.mem_gb == 1 and small.timeout_min >= 5
    # 20M youth + returnees arriving over the burn-in and the run, x 300 B, +25%
    assert large.mem_gb == job_memory_gb(20_000_000, 60, "numba", 2.0, 120) > job_memory_gb(20_000_000, 60, "numba", 2.0)
    assert large.timeout_min == job_minutes(20_000_000, 60, "numba", 120) > job_minutes(20_000_000, 60, "numba")
    assert large.timeout_min > small.timeout_min
    assert job_memory_gb(1_000_000, 36, "mesa", 2.0) > job_memory_gb(1_000_000, 36, "numba", 2.0)


@pytest.mark.parametrize("launcher", ["basic", "ray"])
def test_the_sensitivity_study_runs_on_a_hydra_launcher_with_the_same_indices(tmp_path, launcher):
    from experiments.evidence import sensitivity

    if launcher != "basic" and missing(EXTRAS[launcher][0]):
        pytest.skip(f"hydra/launcher={launcher} needs the [{EXTRAS[launcher][1]}] extra")
    params = tmp_path / "parameters.yaml"
    params.write_text("parameters:\n"
                      "  - {key: behaviour.dropout.base_logit, low: -4.5, high: -2.5, unit: logit, why: test}\n"
                      "  - {key: behaviour.intent.base_logit, low: -4.0, high: -1.5, unit: logit, why: test}\n")
    argv = ["--trajectories", "2", "--sobol-n", "4", "--n-youth", "600", "--jobs", "1", "--seed", "5",
            "--parameters", str(params), "--indicators", "dropout_rate,far:migration_intent_rate", "months=8"]
    assert sensitivity.main([*argv, "--out", str(tmp_path / "here")]) == 0
    assert sensitivity.main([*argv, "--out", str(tmp_path / "there"), f"hydra/launcher={launcher}"]) == 0
    here, there = next((tmp_path / "here").iterdir()), next((tmp_path / "there").iterdir())
    for name in ("morris.csv", "sobol.csv", "runs.parquet"):
        read = pd.read_parquet if name.endswith(".parquet") else pd.read_csv
        pd.testing.assert_frame_equal(read(here / name), read(there / name))
    assert len(list((there / "morris").glob(f"*/{SUMMARY}"))) == 2 * 3  # r (k + 1) jobs, one folder each
    assert len(list((there / "sobol").glob(f"*/{SUMMARY}"))) == 4 * 4  # N (k + 2)
