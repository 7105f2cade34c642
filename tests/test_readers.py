"""Every file the project reads back goes through livelihoods.files: an alias bomb, a FIFO, a link out of its folder,
``Infinity`` or a damaged record is refused in one line (exit 2) or listed as unreadable by the report, never a
hang, a crash or a non-finite number in a result. Each entry point is driven in a subprocess with a time limit:
the old readers blocked on a FIFO forever and expanded an alias bomb until memory ran out."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import pandas as pd
import pytest
import yaml

from experiments.studies import aggregate as agg
from livelihoods import files
from livelihoods.errors import ConfigurationError, DamagedRecord
from tests.conftest import ROOT
from tests.test_report import fake_job

LIMIT = 60  # seconds: each refusal takes a few (Python's start-up); a hang or an expanding bomb takes forever

# 342 bytes: nine lists of nine aliases of the list before, so the last one expands to 9**9 (387 million) strings
BOMB = "a: &a [" + ", ".join(["lol"] * 9) + "]\n" + "".join(f"{x}: &{x} [{', '.join([f'*{p}'] * 9)}]\n"
                                                           for p, x in zip("abcdefgh", "bcdefghi"))


def cli(module: str, *args, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", module, *map(str, args)], cwd=ROOT, capture_output=True, text=True,
                          timeout=LIMIT, check=False, env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})


def refused(proc: subprocess.CompletedProcess, *says: str) -> str:
    """The one line of a refusal (exit 2) that says each of ``says``."""
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 2 and len(lines) == 1 and lines[0].startswith("error: "), (proc.returncode, proc.stderr)
    assert all(s in lines[0] for s in says), lines[0]
    return lines[0]


def fifo(path: Path) -> Path:
    """``path`` replaced by a FIFO nobody writes to (opening it to read blocks until someone does)."""
    if path.exists() or path.is_symlink():
        path.unlink()
    os.mkfifo(path)
    return path


def test_the_bomb_is_a_bomb_and_the_reader_counts_without_expanding_it(tmp_path):
    """The planted input: few bytes, 9**9 values once expanded; refused, as are a recursive alias, a document
    nested 100,000 deep (libyaml's composer crashed the process on it), and 1e999 or Infinity in JSON."""
    assert len(BOMB) < 400
    three = yaml.safe_load("\n".join(BOMB.splitlines()[:3]))["c"]  # its first three lists: 9**3 strings
    assert len(three) == 9 and all(len(b) == 9 and all(a == ["lol"] * 9 for a in b) for b in three)
    cases = {"bomb.yaml": BOMB, "self.yaml": "a: &a [1, *a]\n", "deep.yaml": "[" * 100_000,
             "big.json": '{"a": 1e999}', "inf.json": '{"a": Infinity}', "deep.json": "[" * 100_000}
    says = {"bomb.yaml": "a YAML alias bomb", "self.yaml": "recursive alias", "deep.yaml": "nested more than 50 deep",
            "big.json": "too large for a float", "inf.json": "non-finite number Infinity", "deep.json": "nested too"}
    code = ("import sys; from livelihoods import files\n"
            "for p in sys.argv[1:]:\n"
            "    try: (files.load_json if p.endswith('json') else files.load_yaml)(p); print(p, 'read')\n"
            "    except files.ConfigurationError as e: print(e)\n")
    for name, text in cases.items():
        (tmp_path / name).write_text(text)
    proc = subprocess.run([sys.executable, "-c", code, *(str(tmp_path / n) for n in cases)], cwd=ROOT, text=True,
                          capture_output=True, timeout=LIMIT, check=False, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    assert len(lines) == len(cases) and all(says[name] in line for name, line in zip(cases, lines)), lines
    assert files.load_json(_write(tmp_path / "ok.json", '{"a": 0, "b": 1.5, "c": null}')) == {"a": 0, "b": 1.5,
                                                                                             "c": None}


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


# --------------------------------------------------------------------------- replay


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    run = tmp_path_factory.mktemp("replay") / "run"
    proc = subprocess.run([sys.executable, "-m", "experiments.run", "scenario.n_youth=300", "months=2", "figures=false",
                           "progress=false", f"hydra.run.dir={run}"], cwd=ROOT, capture_output=True, text=True,
                          timeout=600, check=False, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr[-2000:]
    return run


@pytest.mark.parametrize("file, damage, says", [
    (".hydra/config.yaml", "bomb", "a YAML alias bomb"),
    (".hydra/config.yaml", "fifo", "is a FIFO, not a regular file"),
    ("summary.json", "fifo", "summary.json cannot be read (is a FIFO, not a regular file)"),
    ("summary.json", "link", "is a link to"),
    ("summary.json", "infinity", "non-finite number Infinity"),
    ("timeseries.parquet", "fifo", "timeseries.parquet cannot be read (is a FIFO"),
])
def test_replay_refuses_a_bomb_a_fifo_a_link_out_and_infinity_in_one_line(finished_run, tmp_path, file, damage, says):
    from experiments.records.replay import replay

    copy = tmp_path / "copy"
    shutil.copytree(finished_run, copy)
    path = copy / file
    if damage == "bomb":
        path.write_text(BOMB)
    elif damage == "fifo":
        fifo(path)
    elif damage == "link":  # another run's summary (or any file of the user's), linked in
        path.unlink()
        path.symlink_to(finished_run / file)
    else:
        path.write_text(path.read_text().replace('"dropout_rate": ', '"dropout_rate": Infinity, "x": ', 1))
    refused(cli("experiments.replay", copy), says)
    with pytest.raises(DamagedRecord, match=says.split(" (")[0]):  # raised where it is found, named for what it is
        replay(copy)


# --------------------------------------------------------------------------- config files of the studies


def damaged_yaml(path: Path, damage: str) -> tuple[Path, str]:
    """``path`` made an alias bomb or a FIFO, and what the refusal of each says."""
    if damage == "bomb":
        path.write_text(BOMB)
        return path, "a YAML alias bomb"
    return fifo(path), "is a FIFO, not a regular file"


@pytest.mark.parametrize("damage", ["bomb", "fifo"])
def test_validate_targets_and_optimise_preset_refuse_a_bomb_and_a_fifo(tmp_path, damage):
    path, says = damaged_yaml(tmp_path / "file.yaml", damage)
    refused(cli("experiments.validate", "--targets", path, "--out", tmp_path / "v"), str(path), says)
    refused(cli("experiments.optimise", "--preset", path, "--out", tmp_path / "o"), str(path), says)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file.yaml"]  # nothing made


@pytest.mark.parametrize("damage", ["bomb", "fifo"])
def test_a_rows_sweeper_table_that_is_a_fifo_or_not_a_table_is_refused_before_any_job(tmp_path, damage):
    table = tmp_path / "plan.csv"
    if damage == "fifo":
        fifo(table)
    else:
        table.write_bytes(b"\x00\xff" * 100)
    line = refused(cli("experiments.run", "-m", "hydra/sweeper=rows", f"hydra.sweeper.table={table}",
                       "scenario.n_youth=300", "months=2", f"hydra.sweep.dir={tmp_path / 'sweep'}"),
                   "hydra.sweeper.table")
    assert ("is a FIFO" if damage == "fifo" else "is not a readable CSV table") in line
    assert not (tmp_path / "sweep").exists()


@pytest.mark.parametrize("damage", ["bomb", "fifo"])
def test_resuming_a_sweep_whose_multirun_record_is_a_bomb_or_a_fifo_is_refused_before_any_job(tmp_path, damage):
    folder = tmp_path / "sweep"
    folder.mkdir()
    if damage == "bomb":
        (folder / "multirun.yaml").write_text(BOMB)
    else:
        fifo(folder / "multirun.yaml")
    refused(cli("experiments.run", "-m", "seed=1,2", "scenario.n_youth=300", "months=2", f"hydra.sweep.dir={folder}",
                "resume=true"), "resume:", "multirun.yaml is missing or unreadable")
    assert sorted(p.name for p in folder.iterdir() if p.name != ".lock") == ["multirun.yaml"]


# --------------------------------------------------------------------------- optimise --resume


@pytest.fixture
def stored_search(tmp_path):
    """A search's folder as ``experiments.optimise`` leaves it after storing what was asked for."""
    pytest.importorskip("optuna")
    from experiments.decisions import command
    from experiments.decisions.preset import load_preset, pin

    preset = load_preset("budget_500k")
    pin(preset)
    folder = tmp_path / "search"
    folder.mkdir()
    settings = {"preset_name": "budget_500k", "preset": asdict(preset), "base": ["scenario.n_youth=300"],
                "budget": "budget: 7,500 USD for 300 youth"}
    (folder / command.SETTINGS).write_text(json.dumps(settings, indent=2))
    return folder, settings


def test_a_stored_search_is_read_back_as_it_was_stored(stored_search):
    from experiments.decisions import command
    from experiments.decisions.preset import preset_from

    folder, settings = stored_search
    preset, base, budget = command.read_settings(folder)
    assert preset == preset_from(settings["preset"]) and asdict(preset) == settings["preset"]
    assert base == ("scenario.n_youth=300",) and budget == settings["budget"]


def _damaged(settings: dict, change: str) -> str:
    text = json.dumps(settings, indent=2)
    preset = settings["preset"]
    return {"empty": "{}", "truncated": text[:len(text) // 2], "bomb": BOMB, "deep": "[" * 100_000,
            "budget": json.dumps({**settings, "preset": {**preset, "budget_usd": -5}}),
            "confidence": json.dumps({**settings, "preset": {**preset, "confidence": 7}}),
            "nearly one": json.dumps({**settings, "preset": {**preset, "confidence": 0.9999999}}),
            "infinity": text.replace(f'"budget_usd": {json.dumps(preset["budget_usd"])}', '"budget_usd": Infinity'),
            "type": json.dumps({**settings, "preset": {**preset, "trials": "many"}}),
            "unknown key": json.dumps({**settings, "preset": {**preset, "budgett": 1}}),
            "base": json.dumps({**settings, "base": ["policy=[stipend]"]}),
            "shape": json.dumps({**settings, "preset": [1, 2]})}[change]


@pytest.mark.parametrize("change, says", [
    ("empty", "no stored preset"),
    ("truncated", "is not valid JSON"),
    ("bomb", "is not valid JSON"),
    ("deep", "nested too deeply"),
    ("fifo", "is a FIFO, not a regular file"),
    ("budget", "preset: budget_usd: must be a positive number of USD, got -5"),
    ("confidence", "preset: confidence: must be in [0.5, 1)"),
    ("nearly one", "print as less than 100%"),
    ("infinity", "non-finite number Infinity"),
    ("type", "preset: trials: Value 'many'"),
    ("unknown key", "budgett: unknown key, allowed keys: budget_usd, budget_n_youth"),
    ("base", "base: policy=[stipend] is chosen by the search"),
    ("shape", "no stored preset"),
])
def test_resume_refuses_a_damaged_record_in_one_line_and_writes_nothing(stored_search, change, says):
    from experiments.decisions import command

    folder, settings = stored_search
    if change == "fifo":
        fifo(folder / command.SETTINGS)
    else:
        (folder / command.SETTINGS).write_text(_damaged(settings, change))
        assert (folder / command.SETTINGS).read_text() != json.dumps(settings, indent=2)
    before = sorted(p.name for p in folder.iterdir())
    refused(cli("experiments.optimise", "--resume", folder, "--trials", "3"), "--resume", "is damaged", says)
    assert sorted(p.name for p in folder.iterdir()) == before  # no study.db, no pareto.md of "700% t intervals"
    with pytest.raises(DamagedRecord, match=r"is damaged"):
        command.read_settings(folder)


def test_a_verification_that_cannot_be_read_is_set_aside_not_reported(tmp_path):
    from experiments.decisions.verify import current_verification

    for text in ("candidates,trial\n6,1\n", "\x00\xff" * 50, None):
        path = tmp_path / "verify.csv"
        if text is None:
            fifo(path)
        else:
            path.write_text(text)
        assert current_verification(tmp_path, 6) is None
        assert not path.exists() and (tmp_path / "verify_unreadable.csv").exists()
        (tmp_path / "verify_unreadable.csv").unlink()


def test_a_job_summary_of_a_launcher_sweep_that_cannot_be_read_is_one_line(tmp_path):
    from experiments.decisions.runs import job_values
    from experiments.evidence.sensitivity import job_indicators
    from livelihoods import flat_values

    job = tmp_path / "0"
    job.mkdir()
    (job / "summary.json").write_text('{"indicators": {"dropout_rate": Infinity}, "by_group": {}}')
    with pytest.raises(DamagedRecord, match="non-finite number Infinity"):
        job_values(job, "summary.json", flat_values)
    with pytest.raises(DamagedRecord, match="non-finite number Infinity"):
        job_indicators(job, [("all", "dropout_rate")])
    fifo(job / "summary.json")
    with pytest.raises(DamagedRecord, match="is a FIFO"):
        job_values(job, "summary.json", flat_values)
    (job / "summary.json").unlink()
    (job / "summary.json").write_text('{"indicators": {"dropout_rate": 0.25}, "by_group": {}}')
    assert job_indicators(job, [("all", "dropout_rate")]) == [0.25]


# --------------------------------------------------------------------------- the report


@pytest.fixture
def sweep(tmp_path):
    """Stipend 0 and 50 USD x seeds 1-3, every job complete (as tests/test_report.py's, without the gaps)."""
    folder = tmp_path / "sweep"
    folder.mkdir()
    (folder / "multirun.yaml").write_text(yaml.safe_dump({"hydra": {
        "overrides": {"task": ["policy.stipend.monthly_amount=0,50", "seed=1,2,3"]}, "sweeper": {"params": None}}}))
    values = {("0", 1): 0.40, ("0", 2): 0.50, ("0", 3): 0.45, ("50", 1): 0.20, ("50", 2): 0.35, ("50", 3): 0.30}
    for num, ((level, seed), dropout) in enumerate(values.items()):
        fake_job(folder, num, [f"policy.stipend.monthly_amount={level}", f"seed={seed}"], dropout)
    return folder


def report(folder, *args, env=None):
    return subprocess.run([sys.executable, "-m", "experiments.report", str(folder), *args], cwd=ROOT, text=True,
                          capture_output=True, timeout=LIMIT, check=False,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})


def test_the_report_lists_a_bomb_a_fifo_infinity_and_a_linked_job_as_unreadable(sweep, tmp_path):
    other = tmp_path / "other"  # another sweep, one of whose jobs is linked into this one as job 6
    fake_job(other, 0, ["policy.stipend.monthly_amount=50", "seed=4"], 0.9)
    (sweep / "6").symlink_to(other / "0")
    summary = sweep / "0" / "summary.json"
    summary.write_text(summary.read_text().replace('"dropout_rate": 0.4', '"dropout_rate": Infinity'))
    (sweep / "1" / ".hydra" / "overrides.yaml").write_text(BOMB)
    fifo(sweep / "2" / "summary.json")
    fifo(sweep / "3" / ".hydra" / "overrides.yaml")
    (sweep / "4" / "summary.json").unlink()
    (sweep / "4" / "summary.json").symlink_to(other / "0" / "summary.json")  # a record linked out of its job
    proc = report(sweep)
    assert proc.returncode == 0, proc.stderr
    assert "1 complete jobs of 6 expected" in proc.stdout and "6 unreadable" in proc.stdout, proc.stdout
    expected = ["job 0: summary.json: is not valid JSON (holds the non-finite number Infinity)",
                "job 1: .hydra/overrides.yaml: its aliases expand to more than",
                "job 2: summary.json: is a FIFO, not a regular file",
                "job 3: .hydra/overrides.yaml: is a FIFO, not a regular file",
                "job 4: summary.json: is a link to",
                "job 6: is a link to"]
    text = (sweep / "report.md").read_text()
    for item in expected:
        assert f"warning: unreadable, left out: {item}" in proc.stderr and item in text, item
    table = pd.read_csv(sweep / "aggregate.csv")
    assert table[["mean", "std", "ci_low", "ci_high"]].abs().max().max() < float("inf")
    dropout = table[(table.group == "all") & (table.indicator == "dropout_rate")].set_index("setting")["mean"]
    assert dropout.to_dict() == pytest.approx({"policy.stipend.monthly_amount=50": 0.30})  # job 5 alone


@pytest.mark.parametrize("damage", ["bomb", "fifo", "link"])
def test_the_report_of_a_sweep_whose_multirun_record_is_a_bomb_or_a_fifo_reports_its_jobs(sweep, tmp_path, damage):
    record = sweep / "multirun.yaml"
    if damage == "bomb":
        record.write_text(BOMB)
    elif damage == "fifo":
        fifo(record)
    else:
        (tmp_path / "elsewhere.yaml").write_text(record.read_text())
        record.unlink()
        record.symlink_to(tmp_path / "elsewhere.yaml")
    says = {"bomb": "its aliases expand", "fifo": "is a FIFO, not a regular file", "link": "is a link to"}[damage]
    stored = tmp_path / "posteriors" / "post"  # a stored posterior: the report gives the command over it
    stored.mkdir(parents=True)
    pd.DataFrame({"draw": [0, 1], "weight": [0.5, 0.5]}).to_csv(stored / "posterior.csv", index=False)
    proc = report(sweep, env={"LIVELIHOODS_POSTERIORS": str(tmp_path / "posteriors")})
    assert proc.returncode == 0, proc.stderr
    assert f"multirun.yaml: missing or not a readable sweep record ({says}" in proc.stderr, proc.stderr
    assert "read 6 complete jobs" in proc.stdout
    assert "This sweep's command is not recorded" in (sweep / "report.md").read_text()


@pytest.mark.parametrize("damage", ["bomb", "fifo"])
def test_a_job_config_record_that_cannot_be_read_is_warned_about_and_the_next_used(sweep, damage):
    for job in ("1", "2", "3", "4", "5"):
        (sweep / job / ".hydra" / "config.yaml").write_text(yaml.safe_dump({"report": {"confidence": 0.8}}))
    config = sweep / "0" / ".hydra" / "config.yaml"
    if damage == "bomb":
        config.write_text(BOMB)
    else:
        fifo(config)
    proc = report(sweep)
    assert proc.returncode == 0, proc.stderr
    assert "warning: job 0: .hydra/config.yaml cannot be read" in proc.stderr
    assert "Uncertainty: 80% confidence intervals" in (sweep / "report.md").read_text()  # job 1's recorded level


def test_a_level_that_prints_as_100_or_0_percent_is_refused_in_one_line(sweep):
    for value in ("0.9999999999999999", "0.996", "0.004"):
        refused(report(sweep, f"report.confidence={value}"), f"report.confidence: must be a number in (0, 1) that "
                f"prints as 1% to 99% (the report shows whole percentages), got {value}")
        assert not (sweep / "report.md").exists()
    refused(report(sweep, "report.credible=1e-9"), "report.credible")
    proc = report(sweep, "report.confidence=0.99")
    assert proc.returncode == 0, proc.stderr
    assert "Uncertainty: 99% confidence intervals" in (sweep / "report.md").read_text()
    (sweep / "0" / ".hydra" / "config.yaml").write_text(yaml.safe_dump({"report": {"confidence": 0.9999999999999999}}))
    proc = report(sweep)  # a level recorded by the jobs: a warning and the default, as for any recorded level out of range
    assert proc.returncode == 0 and "warning: the jobs' report.confidence (0.9999999999999999)" in proc.stderr
    assert "Uncertainty: 95% confidence intervals" in (sweep / "report.md").read_text()


@pytest.mark.parametrize("damage", ["fifo", "garbage"])
def test_a_posteriors_record_that_cannot_be_read_is_said_in_the_report_not_a_hang(sweep, tmp_path, damage):
    stored = tmp_path / "posteriors" / "post"
    stored.mkdir(parents=True)
    pd.DataFrame({"draw": [0], "weight": [1.0]}).to_csv(stored / "posterior.csv", index=False)
    (stored / "predictive.csv").write_text("target,range,median\nx,\"[0, 1]\",0.5\n")
    if damage == "fifo":
        fifo(stored / "manifest.json")
    else:
        (stored / "manifest.json").write_text(json.dumps({"generations_run": "four", "final_epsilon": 0.5}))
    for job in sweep.iterdir():
        if (job / "summary.json").exists():
            summary = json.loads((job / "summary.json").read_text())
            (job / "summary.json").write_text(json.dumps({**summary, "meta": {"posterior": "post", "draw": 0}}))
    proc = report(sweep, env={"LIVELIHOODS_POSTERIORS": str(tmp_path / "posteriors")})
    assert proc.returncode == 0, proc.stderr
    says = "is a FIFO, not a regular file" if damage == "fifo" else "generations_run or final_epsilon in manifest.json"
    assert f"posterior `post` (1 draws; its calibration record cannot be read ({says}" in \
        (sweep / "report.md").read_text()


def test_read_sweep_in_process_names_what_is_wrong_and_reads_the_rest(sweep):
    summary = sweep / "5" / "summary.json"
    summary.write_text(summary.read_text().replace('"cost": {"total": 300.0', '"cost": {"total": 1e999'))
    (sweep / "4" / "summary.json").write_text(json.dumps({"indicators": {"dropout_rate": "high"}, "by_group": {}}))
    read = agg.read_sweep(sweep)
    assert [j["job"] for j in read.complete] == ["0", "1", "2", "3"]
    assert read.unreadable == [
        "job 4: summary.json: not a run summary (indicators.dropout_rate is 'high', not a number)",
        "job 5: summary.json: is not valid JSON (holds the number 1e999, too large for a float)"]


def test_a_config_file_of_the_user_is_a_configuration_error_and_a_record_a_damaged_record(tmp_path):
    path = fifo(tmp_path / "x.yaml")
    with pytest.raises(ConfigurationError, match="is a FIFO"):
        files.load_yaml(path)
    with pytest.raises(DamagedRecord, match="is a FIFO"):
        files.load_yaml(path, record=True)


@pytest.mark.parametrize("damage", ["bomb", "fifo"])
@pytest.mark.parametrize("command,option", [("experiments.calibrate", "--targets"),
                                            ("experiments.calibrate", "--parameters"),
                                            ("experiments.posterior", "--targets"),
                                            ("experiments.posterior", "--parameters"),
                                            ("experiments.sensitivity", "--parameters"),
                                            ("experiments.discover", "--spec")])
def test_every_study_that_reads_yaml_refuses_a_bomb_and_a_fifo(tmp_path, damage, command, option):
    """The evidence studies read their targets, parameters and specs through the same safe reader: an alias bomb
    or a FIFO is one line, in seconds (the subprocess's time limit), and nothing is made."""
    path, says = damaged_yaml(tmp_path / "file.yaml", damage)
    named = ["--name", "redteam"] if command in ("experiments.calibrate", "experiments.posterior") else []
    refused(cli(command, option, path, *named, "--out", tmp_path / "out"), str(path), says)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file.yaml"]


@pytest.mark.parametrize("module,args,says", [
    ("experiments.validate", ["--seeds", "2", "--out", "{file}"], ("--out", "is a file, not a folder")),
    ("experiments.validate", ["--jobs", "0"], ("--jobs", "an integer >= 1")),
    ("experiments.sensitivity", ["--credible", "0.5", "--out", "{out}"], ("--credible", "give --posterior NAME too")),
    ("experiments.sensitivity", ["--trajectories", "2", "--out", "{file}"], ("--out", "is a file, not a folder")),
    ("experiments.discover", ["--threshold", "nan", "--out", "{out}"], ("--threshold", "a finite number")),
    ("experiments.discover", ["--samples", "20", "--out", "{file}"], ("--out", "is a file, not a folder")),
    ("experiments.calibrate", ["--name", "x" * 300, "--out", "{out}"], ("--name", "1 to 100 letters")),
    ("experiments.posterior", ["--name", "x" * 300, "--out", "{out}"], ("--name", "1 to 100 letters")),
    ("experiments.validate", ["--targets", "{file}", "--out", "{out}"], ("file.txt: not a YAML file of keys",)),
    ("experiments.calibrate", ["--start", "../scenario/baseline", "--out", "{out}"], ("--start", "unknown calibration")),
    ("experiments.posterior", ["--continue-from", "../../elsewhere", "--out", "{out}"], ("--continue-from", "not a path")),
    ("experiments.optimise", ["--budget", "inf", "--out", "{out}"], ("--budget", "a finite number of USD >= 1")),
    ("experiments.optimise", ["--budget", "1e-300", "--out", "{out}"], ("--budget", "a finite number of USD >= 1")),
    ("experiments.replay", ["{sweep}"], ("run_dir", "is a sweep's folder; replay one of its jobs")),
])
def test_a_studys_options_are_checked_before_its_runs(tmp_path, module, args, says):
    """An output folder that is a file, a count of jobs of 0, a --credible without a posterior or a threshold of
    NaN were found only after every run was done (or silently ignored): refused first, in seconds, nothing made."""
    (tmp_path / "file.txt").write_text("mine\n")
    (tmp_path / "sweep").mkdir()
    (tmp_path / "sweep" / "multirun.yaml").write_text("hydra: {}\n")
    args = [a.format(file=tmp_path / "file.txt", out=tmp_path / "out", sweep=tmp_path / "sweep") for a in args]
    refused(cli(module, *args), *says)
    assert (tmp_path / "file.txt").read_text() == "mine\n" and not (tmp_path / "out").exists()


def test_optimise_resumes_only_from_its_own_study_db(tmp_path):
    """A study.db that is text was an 80-line SQLAlchemy traceback; one linked to another search's was resumed
    into (that search's study then held trials its own records did not); a deleted one restarted silently."""
    proc = subprocess.run([sys.executable, "-m", "experiments.optimise", "--trials", "4", "--n-youth", "300",
                           "--population", "2", "--polish", "0", "--out", str(tmp_path / "searches"), "months=2"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr[-2000:]
    (search,) = (tmp_path / "searches").iterdir()
    original = (search / "study.db").read_bytes()
    for name, plant, says in [("text", lambda db: db.write_text("not a database\n"), "is not this search's"),
                              ("link", lambda db: db.symlink_to(search / "study.db"), "is a link"),
                              ("gone", lambda db: None, "is missing")]:
        copy = tmp_path / name
        shutil.copytree(search, copy)
        (copy / "study.db").unlink()
        plant(copy / "study.db")
        refused(cli("experiments.optimise", "--resume", copy), "--resume", says)
    assert (search / "study.db").read_bytes() == original  # the other search's study is untouched


def test_a_record_holding_an_interpolation_is_not_replayed(tmp_path):
    run = tmp_path / "run"
    proc = subprocess.run([sys.executable, "-m", "experiments.run", "scenario.n_youth=300", "months=1", "figures=false",
                           "progress=false", f"hydra.run.dir={run}"], cwd=ROOT, capture_output=True, text=True,
                          timeout=LIMIT, check=False, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr[-2000:]
    record = run / ".hydra" / "config.yaml"
    record.write_text(re.sub(r"(?m)^seed: .*$", "seed: ${oc.env:HOME}", record.read_text()))
    refused(cli("experiments.replay", run), "seed holds an interpolation")
