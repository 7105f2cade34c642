"""Finished results are never lost or mislabelled: concurrent runs, re-runs, resumes, file modes, full disks.

Every case goes through the real command line (``python -m experiments.run``); the
folder-and-concurrency table of docs/BAD_INPUTS.md names the test of each case.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from experiments.records.runs import SUMMARY
from tests.conftest import ROOT, STORED_POSTERIOR

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
TINY = ("scenario.n_youth=300", "months=2", "progress=false")


def cli(*args: str, cwd: Path = ROOT, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "experiments.run", *args], cwd=cwd, env=ENV, capture_output=True,
                          text=True, timeout=600, **kwargs)


def one_error_line(proc: subprocess.CompletedProcess, code: int = 2) -> str:
    assert proc.returncode == code, proc.stdout[-2000:] + proc.stderr[-2000:]
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    return lines[0]


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every job's record and summary, and the sweep's multirun.yaml, byte for byte."""
    files = [*folder.glob("*/.hydra/*.yaml"), *folder.glob(f"*/{SUMMARY}"), *folder.glob("multirun.yaml")]
    return {str(p.relative_to(folder)): p.read_bytes() for p in files}


def job_label(job: Path) -> tuple[str, int]:
    """(stipend overrides, seed) a job's record says it ran."""
    overrides = dict(item.split("=", 1) for item in yaml.safe_load((job / ".hydra" / "overrides.yaml").read_text()))
    return overrides.get("policy.stipend.monthly_amount", ""), int(overrides["seed"])


def assert_labels_match_results(folder: Path) -> None:
    """Each finished job's record names the stipend and seed its summary was computed with."""
    for summary_path in folder.glob(f"*/{SUMMARY}"):
        amount, seed = job_label(summary_path.parent)
        summary = json.loads(summary_path.read_text())
        resolved = yaml.safe_load((summary_path.parent / ".hydra" / "config.yaml").read_text())
        assert summary["meta"]["seed"] == seed == resolved["seed"]
        assert float(amount) == resolved["policy"]["stipend"]["monthly_amount"]
        paid = summary["cost"]["by_policy"]["stipend"]["spent"]
        assert (paid == 0) == (float(amount) == 0)  # the record's arm is the arm that was paid


# --------------------------------------------------------------------------- runs at the same time


def test_two_runs_into_one_folder_at_once_exactly_one_completes_and_the_other_is_refused(tmp_path):
    out = tmp_path / "same"
    args = ("scenario.n_youth=4000", "months=12", "progress=false", f"hydra.run.dir={out}")  # figures on
    procs = [subprocess.Popen([sys.executable, "-m", "experiments.run", f"seed={seed}", *args], cwd=ROOT, env=ENV,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for seed in (1, 2)]
    results = [(p.wait(timeout=600), p.stderr.read()) for p in procs]
    codes = sorted(code for code, _ in results)
    assert codes == [0, 2], results
    refused = next(err for code, err in results if code == 2).strip().splitlines()
    assert len(refused) == 1 and refused[0].startswith("error: hydra.run.dir")
    assert "in use by another run" in refused[0] or "already holds a complete run" in refused[0]
    winner = 1 + next(i for i, (code, _) in enumerate(results) if code == 0)
    summary = json.loads((out / SUMMARY).read_text())
    assert summary["meta"]["seed"] == winner  # the summary is the finished run's ...
    assert f"- seed={winner}" in (out / ".hydra" / "overrides.yaml").read_text()  # ... and so is its record
    assert yaml.safe_load((out / ".hydra" / "config.yaml").read_text())["seed"] == winner
    assert {"funnel.png", "monthly.png"} <= {p.name for p in out.iterdir()}
    assert not list(out.glob(".*.tmp")) and not list(out.glob(".hydra_attempt_*"))
    kept = snapshot_run(out)
    again = cli(f"seed={3 - winner}", *args)
    assert "already holds a complete run" in one_error_line(again)
    assert snapshot_run(out) == kept


def snapshot_run(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in [out / SUMMARY, *(out / ".hydra").iterdir()]}


def test_runs_started_together_get_their_own_default_folders_named_for_what_they_run(tmp_path):
    """Default folders are relative to where the command runs: here a fresh folder, so the test owns them."""
    arms = ["policy=[stipend]", "policy=[childcare]", "policy=[]", "policy=[stipend]", "policy=[stipend]"]
    procs = [subprocess.Popen([sys.executable, "-m", "experiments.run", arm, *TINY, "figures=false"], cwd=tmp_path,
                              env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for arm in arms]
    assert [p.wait(timeout=600) for p in procs] == [0] * len(arms), [p.stderr.read() for p in procs]
    folders = sorted(p for p in (tmp_path / "results" / "runs").iterdir())
    assert len(folders) == len(arms)  # runs in the same second never share a folder
    names = [f.name for f in folders]
    assert sum("_baseline_stipend_seed42" in n for n in names) == 3
    assert sum("_baseline_childcare_seed42" in n for n in names) == 1
    assert sum("_baseline_no-policy_seed42" in n for n in names) == 1
    for folder in folders:  # each folder's record and summary belong together
        summary = json.loads((folder / SUMMARY).read_text())
        policies = set(summary["cost"]["by_policy"])
        assert policies == ({"stipend"} if "_stipend_" in folder.name else
                            {"childcare"} if "_childcare_" in folder.name else set())


def test_a_taken_default_folder_name_gets_the_next_number(tmp_path):
    from experiments.records.folders import claim_new

    base = tmp_path / "2026-01-01_00-00-00_baseline_no-policy_seed1"
    base.mkdir()
    (tmp_path / f"{base.name}_2").mkdir()
    assert claim_new(base, "hydra.run.dir").name == f"{base.name}_3"
    assert (tmp_path / f"{base.name}_3" / ".lock").exists()


# --------------------------------------------------------------------------- re-runs and resume


SWEEP = ("-m", "policy=[stipend]", "policy.stipend.monthly_amount=0,100", "seed=1,2", *TINY, "figures=false")


@pytest.fixture(scope="module")
def finished_sweep(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sweeps") / "finished"
    proc = cli(*SWEEP, f"hydra.sweep.dir={folder}")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert len(list(folder.glob(f"*/{SUMMARY}"))) == 4
    assert_labels_match_results(folder)
    return folder


def test_a_finished_sweep_rerun_with_swapped_values_is_refused_and_left_byte_identical(finished_sweep):
    before = snapshot(finished_sweep)
    swapped = [a.replace("0,100", "100,0") for a in SWEEP]
    line = one_error_line(cli(*swapped, f"hydra.sweep.dir={finished_sweep}"))
    assert line.startswith("error: hydra.sweep.dir") and "already holds a sweep" in line and "resume=true" in line
    line = one_error_line(cli(*swapped, f"hydra.sweep.dir={finished_sweep}", "resume=yes"))  # yes is true
    assert line.startswith("error: resume") and "policy.stipend.monthly_amount=100,0" in line
    assert "recorded policy.stipend.monthly_amount=0,100" in line
    assert snapshot(finished_sweep) == before
    assert_labels_match_results(finished_sweep)


def test_resume_yes_of_the_same_sweep_skips_every_finished_job_and_touches_no_record(finished_sweep):
    before = snapshot(finished_sweep)
    proc = cli(*SWEEP, f"hydra.sweep.dir={finished_sweep}", "resume=yes")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.count("is complete, skipped") == 4
    assert snapshot(finished_sweep) == before
    assert not list(finished_sweep.glob("*/.hydra_attempt_*"))


@pytest.mark.parametrize("change, named", [
    (("months=3",), "months=3 (recorded months=2)"),
    (("seed=1,2,3",), "seed=1,2,3 (recorded seed=1,2)"),
    (("policy=[stipend,childcare]",), "policy=[stipend,childcare] (recorded policy=[stipend])"),
    (("scenario=mali_returnees",), "scenario=mali_returnees is given but not recorded"),
])
def test_resume_with_other_overrides_is_refused_naming_the_difference(finished_sweep, change, named):
    before = snapshot(finished_sweep)
    changed = {c.split("=", 1)[0] for c in change}  # the same command with one override changed (not added twice)
    kept = [o for o in SWEEP if o.split("=", 1)[0] not in changed]
    line = one_error_line(cli(*kept, *change, f"hydra.sweep.dir={finished_sweep}", "resume=true"))
    assert line.startswith("error: resume") and "holds another study" in line and named in line, line
    assert snapshot(finished_sweep) == before


def test_a_sweep_listing_a_seed_twice_is_refused_before_anything_runs(tmp_path):
    folder = tmp_path / "dup"
    line = one_error_line(cli("-m", "seed=1,1", *TINY, f"hydra.sweep.dir={folder}"))
    assert line.startswith("error: seed") and "more than once" in line
    preset = one_error_line(cli("-m", "experiment=stipend_stress_test", "seed=4,5,4", *TINY,
                                f"hydra.sweep.dir={folder}"))
    assert preset.startswith("error: seed")
    assert not folder.exists()


def test_code_from_overrides_is_refused_in_a_sweep_before_anything_runs(tmp_path):
    made = tmp_path / "made"
    line = one_error_line(cli("-m", "seed=1,2", *TINY, "+hydra.callbacks.x._target_=os.makedirs",
                              f"+hydra.callbacks.x.name={made}", f"hydra.sweep.dir={tmp_path / 'sweep'}"))
    assert line.startswith("error: hydra.callbacks.x._target_")
    line = one_error_line(cli("-m", "seed=1,2", *TINY, "+anything=1", f"hydra.sweep.dir={tmp_path / 'sweep'}"))
    assert line.startswith("error: anything: unknown key")
    assert not made.exists() and not (tmp_path / "sweep").exists()


def test_an_exported_override_file_is_checked_like_the_command_line(tmp_path):
    """A colleague runs `python -m experiments.run $(cat FILE)`: a planted callback in the file runs nothing."""
    exported = tmp_path / "overrides.txt"
    exported.write_text("scenario=baseline\nseed=3\n+hydra.callbacks.x._target_=os.makedirs\n"
                        f"+hydra.callbacks.x.name={tmp_path / 'made'}\n")
    line = one_error_line(cli(*exported.read_text().split(), f"hydra.run.dir={tmp_path / 'run'}"))
    assert "makes Hydra run code" in line and not (tmp_path / "made").exists()


# --------------------------------------------------------------------------- files


def test_result_files_are_readable_by_group_and_others_under_umask_022(tmp_path):
    out = tmp_path / "run"
    proc = subprocess.run([sys.executable, "-m", "experiments.run", *TINY, f"hydra.run.dir={out}"], cwd=ROOT, env=ENV,
                          capture_output=True, text=True, timeout=600, preexec_fn=lambda: os.umask(0o022))
    assert proc.returncode == 0, proc.stderr[-2000:]
    files = [out / SUMMARY, out / "timeseries.parquet", out / "funnel.png", out / "monthly.png",
             *(out / ".hydra").iterdir()]
    for path in files:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o044 == 0o044, f"{path.name}: {oct(mode)}"


def unshare_available() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-rm", "sh", "-c", "mount -t tmpfs tmpfs /mnt"], capture_output=True)
    return probe.returncode == 0


needs_unshare = pytest.mark.skipif(not unshare_available(),
                                   reason="needs `unshare -rm` (user and mount namespaces) to mount a small file system")


def in_small_filesystem(mount: Path, size: str, *args: str, read_only: bool = False):
    """``experiments.run`` in a private mount namespace where ``mount`` is a tmpfs of ``size`` (or read-only)."""
    mount.mkdir(parents=True, exist_ok=True)
    script = f"mount -t tmpfs -o size={size} tmpfs {mount}"
    if read_only:
        script += f" && mount -o remount,ro {mount}"
    command = " ".join([sys.executable, "-m", "experiments.run", *(f"'{a}'" for a in args)])
    return subprocess.run(["unshare", "-rm", "sh", "-c", f"{script} && exec {command}"], cwd=ROOT, env=ENV,
                          capture_output=True, text=True, timeout=600)


@needs_unshare
@pytest.mark.parametrize("size", ["8k", "64k"])
def test_a_full_disk_gives_one_line_exit_3_and_no_summary(tmp_path, size):
    """8k fills while Hydra writes the job's record, 64k while the run writes its results."""
    mount = tmp_path / "disk"
    proc = in_small_filesystem(mount, size, *TINY, f"hydra.run.dir={mount / 'run'}")
    line = one_error_line(proc, code=3)
    assert line.startswith("error: hydra.run.dir") and "No space left on device" in line
    assert "no summary.json" in line


@needs_unshare
def test_a_read_only_folder_gives_one_line_and_exit_2(tmp_path):
    mount = tmp_path / "ro"
    line = one_error_line(in_small_filesystem(mount, "1m", *TINY, f"hydra.run.dir={mount / 'run'}", read_only=True))
    assert line.startswith("error: hydra.run.dir") and "Read-only file system" in line


def test_a_claimed_folder_is_refused_to_another_process_until_released(tmp_path):
    """The lock is the operating system's: another process is refused while it is held, and gets it after."""
    from experiments.records.folders import claim, release

    folder = tmp_path / "job"
    other = [sys.executable, "-c", "import sys, pathlib\nfrom experiments.records.folders import claim\n"
             "from livelihoods.errors import entry_point\n"
             f"sys.exit(entry_point(lambda: claim(pathlib.Path({str(folder)!r}), 'job 3') and None)())"]
    assert claim(folder, "job 3") is True and claim(folder, "job 3") is False  # held once per process
    refused = subprocess.run(other, cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=120)
    line = one_error_line(refused)
    assert line.startswith("error: job 3") and f"pid {os.getpid()}" in line
    release(folder)  # what a job does when it ends in a worker that lives on (Ray, joblib)
    assert subprocess.run(other, cwd=ROOT, env=ENV, capture_output=True, timeout=120).returncode == 0


# --------------------------------------------------------------------------- found by a red-team pass


def test_every_job_of_a_sweep_is_validated_before_the_first_runs(tmp_path):
    """A bad value that only one arm of a swept group makes bad used to fail after earlier jobs had finished."""
    cases = [
        (("scenario=baseline,mali_returnees", "policy=[stipend]", "policy.stipend.target=district:city"),
         "policy.stipend.target", "(in the job scenario=mali_returnees)"),
        (("policy=[stipend],[]", "policy.stipend.monthly_amount=5"), "policy.stipend", "not switched on in the arm"),
        (("scenario=baseline,nope",), "scenario", "unknown option 'nope'"),
        (("seed=1,01",), "seed", "lists 01 more than once"),
    ]
    for i, (args, key, says) in enumerate(cases):
        folder = tmp_path / f"sweep{i}"
        line = one_error_line(cli("-m", *args, *TINY, "figures=false", f"hydra.sweep.dir={folder}"))
        assert line.startswith(f"error: {key}") and says in line, line
        assert not folder.exists()  # nothing ran, nothing claimed: the folder is free for the corrected study


def test_a_rows_table_is_checked_like_the_command_line(tmp_path):
    import pandas as pd

    for name, frame, says in [
        ("escape", pd.DataFrame({"seed": [1, 2], "hydra.sweep.subdir": ["a", "b"]}), "is not a model key"),
        ("bad", pd.DataFrame({"seed": [1, 2, -5]}), "seed: must be an integer in [0, 4294967295], got -5"),
    ]:
        table = tmp_path / f"{name}.csv"
        frame.to_csv(table, index=False)
        folder = tmp_path / name
        line = one_error_line(cli("-m", "hydra/sweeper=rows", f"hydra.sweeper.table={table}", *TINY,
                                  f"hydra.sweep.dir={folder}"))
        assert says in line, line
        assert not folder.exists()


def test_a_rows_table_sets_each_text_cell_exactly_and_never_interpolates(tmp_path):
    """A text cell reaches the job's config as written (backslashes, quotes, '|', brackets Hydra would read as a list),
    and a cell holding ``${...}`` is refused: a table sets values, never an interpolation of the environment."""
    import pandas as pd

    names = ["Gao | north, it's", "a\\b\\", "[x,y]"]
    table = tmp_path / "names.csv"
    pd.DataFrame({"scenario.name": names, "seed": [1, 1, 1]}).to_csv(table, index=False)
    proc = cli("-m", "hydra/sweeper=rows", f"hydra.sweeper.table={table}", *TINY, "figures=false",
               f"hydra.sweep.dir={tmp_path / 'names'}")
    assert proc.returncode == 0, proc.stderr[-2000:]
    recorded = [yaml.safe_load((tmp_path / "names" / str(i) / ".hydra" / "config.yaml").read_text())["scenario"]["name"]
                for i in range(3)]
    assert recorded == names
    table = tmp_path / "env.csv"
    pd.DataFrame({"scenario.name": ["${oc.env:HOME}"], "seed": [1]}).to_csv(table, index=False)
    line = one_error_line(cli("-m", "hydra/sweeper=rows", f"hydra.sweeper.table={table}", *TINY,
                              f"hydra.sweep.dir={tmp_path / 'env'}"))
    assert "scenario.name" in line and "holds '${'" in line, line
    assert not (tmp_path / "env").exists()


def test_a_rows_table_may_choose_the_policies_of_each_row(tmp_path):
    """A ``policy`` list column (parquet): each row composes its own policies (experiments.optimise's packages),
    a lever of a policy the row does not select is refused, and an empty cell sets nothing."""
    import json

    import pandas as pd

    bad = [("unknown", {"policy": [["stipend"], ["nope"]], "seed": [1, 2]}, "policy: unknown option 'nope'"),
           ("unselected", {"policy": [["stipend"], ["childcare"]], "policy.stipend.monthly_amount": [30.0, 30.0],
                           "seed": [1, 2]}, "policy.stipend.monthly_amount: policy 'stipend' is not switched on"),
           ("group", {"experiment": ["stipend_stress_test"], "seed": [1]}, "column 'experiment' is not a model key")]
    for name, columns, says in bad:
        table = tmp_path / f"{name}.parquet"
        pd.DataFrame(columns).to_parquet(table)
        line = one_error_line(cli("-m", "hydra/sweeper=rows", f"hydra.sweeper.table={table}", *TINY,
                                  f"hydra.sweep.dir={tmp_path / name}"))
        assert says in line, line
        assert not (tmp_path / name).exists()
    table = tmp_path / "mixed.parquet"
    pd.DataFrame({"policy": [["stipend"], ["childcare"], []],
                  "policy.stipend.monthly_amount": [30.0, float("nan"), float("nan")], "seed": [1, 1, 1]}).to_parquet(table)
    proc = cli("-m", "hydra/sweeper=rows", f"hydra.sweeper.table={table}", *TINY, "figures=false",
               f"hydra.sweep.dir={tmp_path / 'mixed'}")
    assert proc.returncode == 0, proc.stderr[-2000:]
    costs = [json.loads((tmp_path / "mixed" / str(i) / "summary.json").read_text())["cost"] for i in range(3)]
    assert costs[0]["by_policy"].keys() == {"stipend"} and costs[1]["by_policy"].keys() == {"childcare"}
    assert costs[2]["policies"] == 0 and costs[0]["policies"] > 0


def test_resume_with_the_swept_keys_in_another_order_is_refused(tmp_path):
    """Hydra numbers jobs by the order of the swept keys: another order would put jobs in each other's folders."""
    folder = tmp_path / "order"
    assert cli("-m", "seed=1,2", "months=1,2", *TINY[:1], "figures=false", f"hydra.sweep.dir={folder}").returncode == 0
    (folder / "2" / SUMMARY).unlink()
    before = snapshot(folder)
    line = one_error_line(cli("-m", "months=1,2", "seed=1,2", *TINY[:1], "figures=false", f"hydra.sweep.dir={folder}",
                              "resume=true"))
    assert line.startswith("error: resume") and "another order" in line
    assert snapshot(folder) == before


def test_a_single_run_never_takes_a_sweep_job_folder(finished_sweep, tmp_path):
    job = finished_sweep.parent / "for_a_run"
    shutil.copytree(finished_sweep, job)
    shutil.rmtree(job / "1")  # an unfinished job of a sweep
    line = one_error_line(cli(*TINY, "seed=99", f"hydra.run.dir={job / '1'}"))
    assert line.startswith("error: hydra.run.dir") and "job folder of the sweep" in line
    assert not (job / "1").exists()


# --------------------------------------------------------------------------- issue 32


def test_a_lock_planted_as_a_link_is_refused_and_its_target_untouched(tmp_path):
    """Issue 32, cause 5: ``ln -s VICTIM DIR/.lock`` then a run into DIR overwrote VICTIM with "pid ... on ...".
    The lock is opened without following links."""
    victim, folder = tmp_path / "victim.txt", tmp_path / "run"
    victim.write_text("precious\n")
    folder.mkdir()
    (folder / ".lock").symlink_to(victim)
    line = one_error_line(cli(*TINY, f"hydra.run.dir={folder}"))
    assert "is a symbolic link" in line and line.startswith("error: hydra.run.dir:")
    assert victim.read_text() == "precious\n" and not (folder / SUMMARY).exists()


@pytest.mark.parametrize("key", ["hydra.run.dir", "hydra.sweep.dir"])
def test_a_folder_name_the_file_system_refuses_is_one_line(tmp_path, key):
    """Issue 32, cause 7: a 300-character folder name ended in a traceback ("File name too long")."""
    folder = tmp_path / ("x" * 300)
    proc = cli(*TINY, f"{key}={folder}", *(["-m", "seed=1,2"] if key == "hydra.sweep.dir" else []))
    line = one_error_line(proc)
    assert line.startswith(f"error: {key}: a folder name may have at most") and "got one of 300" in line


def test_ctrl_c_gives_one_line_exit_130_and_leaves_no_complete_looking_run(tmp_path):
    """SIGINT (Ctrl-C) during a run: one line instead of a traceback, the shell's code 130, no summary.json."""
    import signal
    import time

    folder = tmp_path / "run"
    proc = subprocess.Popen([sys.executable, "-m", "experiments.run", "scenario.n_youth=300000", "months=240",
                             "progress=false", "figures=false", f"hydra.run.dir={folder}"], cwd=ROOT, env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    while not (folder / ".hydra" / "config.yaml").exists() and time.monotonic() < deadline:  # the run has started
        time.sleep(0.2)
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err[-2000:]
    assert err.strip().splitlines() == [err.strip()] and err.startswith("error: interrupted"), err[-2000:]
    assert not (folder / SUMMARY).exists()


def test_a_rows_table_with_no_rows_or_more_rows_than_max_jobs_is_refused_before_any_job(tmp_path):
    """An empty table ran a sweep of 0 jobs (exit 0); a table of 200,000 rows was checked row by row for minutes
    and max_jobs did not apply to tables at all."""
    import pandas as pd

    pd.DataFrame({"seed": []}).to_csv(tmp_path / "empty.csv", index=False)
    pd.DataFrame({"seed": range(20)}).to_csv(tmp_path / "twenty.csv", index=False)
    for table, extra, says in [("empty.csv", [], "has no rows"),
                               ("twenty.csv", ["max_jobs=10"], "this table has 20 rows (jobs), more than the 10")]:
        folder = tmp_path / table.split(".")[0]
        line = one_error_line(cli("-m", "hydra/sweeper=rows", f"hydra.sweeper.table={tmp_path / table}", *TINY,
                                  *extra, f"hydra.sweep.dir={folder}"))
        assert says in line, line
        assert not folder.exists()


def test_a_rows_csv_with_a_column_twice_is_refused_and_its_policy_cells_are_lists(tmp_path):
    (tmp_path / "twice.csv").write_text("seed,seed\n1,2\n")
    line = one_error_line(cli("-m", "hydra/sweeper=rows", f"hydra.sweeper.table={tmp_path / 'twice.csv'}", *TINY,
                              f"hydra.sweep.dir={tmp_path / 'twice'}"))
    assert "column 'seed' appears twice" in line and not (tmp_path / "twice").exists()
    for name, text, column in [("semicolon", "seed;months\n1;2\n", "seed;months"), ("space", "seed, months\n1,2\n",
                               " months"), ("unnamed", ",seed\n0,1\n", "Unnamed: 0")]:
        (tmp_path / f"{name}.csv").write_text(text)
        line = one_error_line(cli("-m", "hydra/sweeper=rows", f"hydra.sweeper.table={tmp_path / name}.csv", *TINY,
                                  f"hydra.sweep.dir={tmp_path / name}"))
        assert f"column {column!r} is not a key" in line, line
    (tmp_path / "policies.csv").write_text('policy,seed\n"[stipend,childcare]",1\nchildcare,1\n')
    proc = cli("-m", "hydra/sweeper=rows", f"hydra.sweeper.table={tmp_path / 'policies.csv'}", *TINY, "figures=false",
               f"hydra.sweep.dir={tmp_path / 'policies'}")
    assert proc.returncode == 0, proc.stderr[-2000:]
    spent = [json.loads((tmp_path / "policies" / str(i) / SUMMARY).read_text())["cost"]["by_policy"] for i in (0, 1)]
    assert spent[0].keys() == {"stipend", "childcare"} and spent[1].keys() == {"childcare"}


def test_a_dangling_link_or_a_line_break_as_the_run_folder_is_one_line(tmp_path):
    (tmp_path / "link").symlink_to(tmp_path / "nowhere")
    line = one_error_line(cli(*TINY, f"hydra.run.dir={tmp_path / 'link'}"))
    assert "is a link to" in line and "which does not exist" in line, line
    line = one_error_line(cli(*TINY, f"hydra.run.dir='{tmp_path}/a\nb'"))
    assert "may not hold a line break" in line, line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link"]


def test_each_row_of_a_table_is_checked_on_its_own_before_any_job(tmp_path):
    """A row's empty cell leaves its key at the default: the check used to keep the previous row's value, so
    ``posterior=[<stored posterior>, None], draw=[0, 1]`` ran job 0 before refusing job 1."""
    import pandas as pd

    table = tmp_path / "draws.parquet"
    pd.DataFrame({"posterior": [STORED_POSTERIOR, None], "draw": [0, 1]}).to_parquet(table)
    line = one_error_line(cli("-m", "hydra/sweeper=rows", f"hydra.sweeper.table={table}", *TINY,
                              f"hydra.sweep.dir={tmp_path / 'sweep'}"))
    assert line.startswith("error: draw: must be 0 without a posterior") and "(in the job draw=1)" in line, line
    assert not (tmp_path / "sweep").exists()


def test_a_missing_cell_of_a_nullable_column_is_empty_and_sweep_settings_are_not_columns(tmp_path):
    import pandas as pd

    table = tmp_path / "na.parquet"
    pd.DataFrame({"seed": pd.array([5, None], dtype="Int64"), "months": [1, 2]}).to_parquet(table)
    proc = cli("-m", "hydra/sweeper=rows", f"hydra.sweeper.table={table}", *TINY[:1], "figures=false",
               f"hydra.sweep.dir={tmp_path / 'na'}")
    assert proc.returncode == 0, proc.stderr[-2000:]
    seeds = [json.loads((tmp_path / "na" / str(i) / SUMMARY).read_text())["meta"]["seed"] for i in (0, 1)]
    assert seeds == [5, 42]  # pd.NA: no override, the default seed (configs/config.yaml)
    for column in ("resume", "max_jobs"):
        table = tmp_path / f"{column}.parquet"
        pd.DataFrame({"seed": [1, 2], column: [1, 0]}).to_parquet(table)
        line = one_error_line(cli("-m", "hydra/sweeper=rows", f"hydra.sweeper.table={table}", *TINY,
                                  f"hydra.sweep.dir={tmp_path / column}"))
        assert f"column {column!r} is a setting of the whole sweep" in line, line


def test_resume_refuses_a_job_folder_that_is_a_link_or_a_file(tmp_path):
    """A resume skipped a job linked in from another sweep as complete, while the report refuses it: the sweep
    could never be completed. A file in a job's place ended in exit 3 without naming it."""
    first, second = tmp_path / "first", tmp_path / "second"
    assert cli("-m", "seed=1,2", *TINY, "figures=false", f"hydra.sweep.dir={first}").returncode == 0
    shutil.copytree(first, second)
    shutil.rmtree(second / "1")
    (second / "1").symlink_to(first / "1")
    line = one_error_line(cli("-m", "seed=1,2", *TINY, "figures=false", f"hydra.sweep.dir={second}", "resume=true"))
    assert "job 1 of" in line and f"is a link to {first / '1'}" in line, line
    (second / "1").unlink()
    (second / "1").write_text("in the way\n")
    line = one_error_line(cli("-m", "seed=1,2", *TINY, "figures=false", f"hydra.sweep.dir={second}", "resume=true"))
    assert "job 1 of" in line and "is a file" in line, line
