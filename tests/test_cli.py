"""The run entry point: output files and keys, bad input, never overwriting a finished run."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pandas as pd
import pytest

from simulation.metrics import GROUPS, INDICATORS
from tests.conftest import CONFIG_DIR, ROOT, make_config


def run_cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "experiments.run", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def acceptance_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "DIR"
    proc = run_cli("seed=1", "months=24", "scenario.n_youth=5000", f"hydra.run.dir={out}")
    assert proc.returncode == 0, proc.stderr
    return out, proc


def test_run_writes_summary_timeseries_and_figures(acceptance_run):
    out, proc = acceptance_run
    summary = json.loads((out / "summary.json").read_text())
    assert set(INDICATORS) <= set(summary["indicators"])
    assert set(summary["by_group"]) == set(GROUPS)
    for group in GROUPS:
        assert set(INDICATORS) <= set(summary["by_group"][group])
    meta = summary["meta"]
    assert meta["seed"] == 1 and meta["engine"] == "numba" and meta["months"] == 24
    assert meta["persons"] >= 5000 and meta["runtime_seconds"] > 0
    assert {"python", "mesa", "numba", "numpy"} <= set(meta["versions"])
    assert "git_commit" in meta
    ts = pd.read_parquet(out / "timeseries.parquet")
    assert list(ts["month"]) == list(range(25))
    assert {"employment_rate", "migration_intent_rate", "monthly_dropout_hazard"} <= set(ts.columns)
    for figure in ("funnel.png", "monthly.png"):
        assert (out / figure).stat().st_size > 10_000
    assert (out / ".hydra" / "config.yaml").exists()  # the resolved config, for replay
    assert "employment_rate" in proc.stdout and "migration_intent_rate" in proc.stdout


def test_a_finished_run_is_never_overwritten(acceptance_run):
    out, _ = acceptance_run
    kept = [out / "summary.json", out / ".hydra" / "overrides.yaml", out / ".hydra" / "config.yaml"]
    before = [path.read_bytes() for path in kept]
    proc = run_cli("seed=2", "months=2", "scenario.n_youth=200", f"hydra.run.dir={out}")
    assert proc.returncode == 2
    assert "hydra.run.dir" in proc.stderr and "already holds a complete run" in proc.stderr
    assert [path.read_bytes() for path in kept] == before


def bad_inputs() -> list[tuple[str, str, str]]:
    """Rows of the table in docs/BAD_INPUTS.md: (input, key the line names, text it contains)."""
    rows = []
    for line in (ROOT / "docs" / "BAD_INPUTS.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 6 and cells[0].isdigit():
            rows.append(tuple(c.strip("`") for c in (cells[2], cells[4], cells[5])))
    return rows


BAD_INPUTS = bad_inputs()
MALFORMED_SCENARIOS = {  # the files of docs/BAD_INPUTS.md rows 21, 22, 78 and 86
    "broken.yaml": "defaults:\n  - baseline\nn_youth: [1, 2\n",
    "typo.yaml": "defaults:\n  - baseline\n  - _self_\nn_yuoth: 500\n",
    "callback.yaml": ("# @package _global_\ndefaults:\n  - /scenario/baseline@scenario\nhydra:\n  callbacks:\n"
                      "    x:\n      _target_: os.makedirs\n      name: made_by_a_callback\n"),
    "logging.yaml": ("# @package _global_\ndefaults:\n  - /scenario/baseline@scenario\nhydra:\n  job_logging:\n"
                     "    formatters:\n      x:\n        (): builtins.print\n"),
}


def test_the_bad_input_table_has_at_least_30_rows_across_every_config_group():
    assert len(BAD_INPUTS) >= 126
    groups = {line.split("|")[2].strip() for line in (ROOT / "docs" / "BAD_INPUTS.md").read_text().splitlines()
              if line.startswith("| ") and line.split("|")[1].strip().isdigit()}
    assert groups == {"scenario", "calibration", "run", "policy", "experiment", "keys", "values", "security",
                      "folders", "launcher", "sweep"}


@pytest.mark.parametrize("override, key, allowed", BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_gives_one_line_naming_the_key_and_no_result(tmp_path, override, key, allowed):
    searchpath = tmp_path / "configs"
    (searchpath / "scenario").mkdir(parents=True)
    for name, text in MALFORMED_SCENARIOS.items():
        (searchpath / "scenario" / name).write_text(text)
    (tmp_path / "file.txt").write_text("a file where a folder is expected\n")
    fill = {"{searchpath}": str(searchpath), "{tmp}": str(tmp_path)}
    for placeholder, value in fill.items():
        override, key = override.replace(placeholder, value), key.replace(placeholder, value)
    out = tmp_path / "run"
    before = sorted(p.name for p in ROOT.iterdir())
    sweep = "-m" in override.split()
    own_folder = ([] if "hydra.run.dir" in override or "hydra.sweep.dir" in override else
                  [f"hydra.sweep.dir={out}"] if sweep else [f"hydra.run.dir={out}"])  # each mode's own folder key
    # the row's own values come last, so they win over the small defaults
    proc = run_cli("scenario.n_youth=300", "months=2", *override.split(), *own_folder)
    assert proc.returncode == 2, proc.stdout[-2000:] + proc.stderr[-2000:]
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"error: {key}") and allowed in lines[0], lines[0]
    assert not (out / "summary.json").exists() and not list(out.glob("*/summary.json"))
    assert not (tmp_path / "made").exists()  # nothing an override asked Hydra to run has run
    assert sorted(p.name for p in ROOT.iterdir()) == before  # nothing written into the project folder


def test_every_config_option_composes_and_runs_a_tiny_instance():
    from tests.conftest import run_model

    groups = {p.name: sorted(f.stem for f in p.glob("*.yaml")) for p in CONFIG_DIR.iterdir()
              if p.is_dir() and p.name not in ("experiment", "optimise", "targets", "dashboard", "hydra")}
    # not run-config groups: study presets (test_report), budget-search presets (test_optimise),
    # evidence data (test_validate), dashboard levers (test_dashboard) and launcher configs (test_launchers)
    assert {"baseline", "mali_returnees", "lebanon_bml", "timbuktu_youth"} <= set(groups["scenario"])
    for group, options in groups.items():
        for option in options:
            cfg = make_config(f"{group}={option}", "scenario.n_youth=300", "months=4")
            summary = run_model(cfg).summary()
            assert summary["indicators"]["enrolled"] >= 0 and summary["training"]["funnel"]["population"] >= 300


def test_a_run_with_several_policies_reports_their_cost(tmp_path):
    out = tmp_path / "DIR"
    proc = run_cli("policy=[stipend,childcare,transport]", "policy.stipend.monthly_amount=80", "seed=3",
                   "scenario.n_youth=3000", "months=12", f"hydra.run.dir={out}")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((out / "summary.json").read_text())
    cost = summary["cost"]
    assert set(cost["by_policy"]) == {"stipend", "childcare", "transport"}
    assert cost["by_policy"]["stipend"]["spent"] > 0 and cost["average_per_completer"] > 0
    resolved = (out / ".hydra" / "config.yaml").read_text()
    assert "monthly_amount: 80" in resolved


@pytest.mark.parametrize("experiment", ["stipend_stress_test", "intervention_comparison", "scenario_comparison"])
def test_an_experiment_preset_overrides_the_primary_config(experiment):
    """The presets turn per-run figures and progress bars off; config.yaml's defaults must not win over them."""
    from livelihoods.compose import load_settings

    settings = load_settings(f"experiment={experiment}", "progress=true")  # the command line still wins
    assert settings.figures is False and settings.progress is True
    assert load_settings().figures is True
    assert not hasattr(make_config(f"experiment={experiment}"), "figures")  # the run's config holds the run only


def test_threads_setting_does_not_change_results():
    from simulation.runner import simulate

    one = simulate(make_config("scenario.n_youth=3000", "months=12", "threads=1", "seed=4"))
    two = simulate(make_config("scenario.n_youth=3000", "months=12", "threads=2", "seed=4"))
    pd.testing.assert_frame_equal(one.timeseries, two.timeseries)
    assert one.summary["indicators"] == two.summary["indicators"]
    assert (one.summary["meta"]["threads"], two.summary["meta"]["threads"]) == (1, min(2, os.cpu_count()))


def test_a_joblib_timeout_ends_the_sweep_in_one_line_and_a_resume_completes_it(tmp_path):
    """Issue 32, cause 13: an allowed but too short ``hydra.launcher.timeout`` ended in a traceback."""
    sweep = tmp_path / "sweep"
    args = ("-m", "scenario.n_youth=300", "months=2", "figures=false", "seed=1,2", "hydra/launcher=joblib",
            f"hydra.sweep.dir={sweep}")
    proc = run_cli(*args, "hydra.launcher.timeout=0.001")
    assert proc.returncode == 2, proc.stderr[-2000:]
    lines = proc.stderr.strip().splitlines()
    assert lines[-1].startswith("error: hydra.launcher.timeout: a job ran longer than 0.001 seconds")
    assert not [line for line in lines if line.startswith("Traceback")]
    done = run_cli(*args, "resume=true")
    assert done.returncode == 0, done.stderr[-2000:]
    assert all((sweep / str(k) / "summary.json").exists() for k in (0, 1))



def test_the_funnel_of_a_run_with_certification_counts_certified_completers(tmp_path):
    """Issue 32, cause 10: ``scenario=mali_returnees 'policy=[certification]' months=6`` gave 36 certified against
    20 completed in training.funnel (counts.certified: 18): returnees certified without a course were counted."""
    out = tmp_path / "run"
    proc = run_cli("scenario=mali_returnees", "policy=[certification]", "scenario.n_youth=1000", "months=6",
                   "figures=false", f"hydra.run.dir={out}")
    assert proc.returncode == 0, proc.stderr[-2000:]
    summary = json.loads((out / "summary.json").read_text())
    funnel, counts = summary["training"]["funnel"], summary["counts"]
    assert funnel["completed"] >= funnel["certified"] == counts["certified"]
    assert summary["cost"]["by_policy"]["certification"]["grants"] > funnel["certified"]  # assessed: more


@pytest.mark.parametrize("module,args,says", [("experiments.calibrate", ["--seeds", "1e3"], "error: --seeds: invalid int"),
                                              ("experiments.replay", ["a", "b"], "error: unrecognized arguments: b"),
                                              ("experiments.optimise", ["--nope"], "error: unrecognized arguments: --nope")])
def test_a_commands_bad_option_is_one_line_naming_it(module, args, says):
    proc = subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          check=False, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 2 and proc.stderr.strip().splitlines() == [proc.stderr.strip()], proc.stderr
    assert proc.stderr.startswith(says), proc.stderr
