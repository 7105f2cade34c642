"""Config files of a search-path folder configure the model, and nothing else.

A file found through ``hydra.searchpath=[file://DIR]`` may set only the project's own groups and keys; every
Hydra setting in it (logging handlers, factories, ``ext://`` names, output folders, a ``# @package hydra``
header, a defaults entry choosing Hydra's configs) is refused with one line naming the key and the file, before
Hydra reads or runs anything — for a run, a sweep, ``--help``/``--cfg``/``--info``, an exported override file
and ``livelihoods.load_config``. Each refusal is driven through the real entry point in a subprocess whose
Python audit hook records every connection, every file opened for writing and every import of the planted
module: none may happen, and the planted files are left as they were.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from livelihoods.errors import ConfigurationError
from tests.conftest import ROOT

TINY = ("scenario.n_youth=300", "months=3", "figures=false", "progress=false")

AUDIT = '''\
import os, sys
_log = os.environ["CONFIG_AUDIT_LOG"]
_watched = os.environ["CONFIG_AUDIT_WATCH"]
def _write(line):
    fd = os.open(_log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    os.write(fd, f"{os.getpid()} {line}\\n".encode())
    os.close(fd)
def _hook(event, args):
    if event == "socket.connect":
        _write(f"connect {args[1]!r}")
    elif event == "import" and str(args[0]).startswith("planted"):
        _write(f"import {args[0]}")
    elif event == "open" and str(args[0]).startswith(_watched) and str(args[0]) != _log:
        mode, flags = args[1] or "", args[2] or 0
        if any(c in str(mode) for c in "wax+") or flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC):
            _write(f"write {args[0]} {mode!r}")
sys.addaudithook(_hook)
'''

PLANTED = '''\
"""Imported or called only if a config file's logging settings are applied."""
import os, queue
open(os.path.join(os.environ["CONFIG_AUDIT_WATCH"], "imported"), "w").close()
stream = open(os.path.join(os.environ["CONFIG_AUDIT_WATCH"], "stream"), "w")
def make_queue():
    open(os.path.join(os.environ["CONFIG_AUDIT_WATCH"], "called"), "w").close()
    return queue.Queue()
def factory(*args, **kwargs):
    open(os.path.join(os.environ["CONFIG_AUDIT_WATCH"], "called"), "w").close()
'''

GLOBAL = "# @package _global_\ndefaults:\n  - /scenario/baseline@scenario\n"
FILES = {  # name -> (scenario file text, the key the refusal names); {tmp}: the test's folder
    "file_handler": (GLOBAL + "hydra:\n  job_logging:\n    handlers:\n      evil:\n"
                     "        class: logging.FileHandler\n        filename: {tmp}/victim.txt\n        mode: w\n"
                     "    root:\n      handlers: [evil]\n", "hydra.job_logging.handlers.evil.class"),
    "socket_handler": (GLOBAL + "hydra:\n  job_logging:\n    handlers:\n      evil:\n"
                       "        class: logging.handlers.SysLogHandler\n        address: [127.0.0.1, {port}]\n"
                       "        socktype: 1\n    root:\n      handlers: [evil]\n",
                       "hydra.job_logging.handlers.evil.class"),
    "ext_stream": (GLOBAL + "hydra:\n  hydra_logging:\n    handlers:\n      console:\n"
                   "        class: logging.StreamHandler\n        stream: ext://planted.stream\n",
                   "hydra.hydra_logging.handlers.console.class"),
    "queue_handler": (GLOBAL + "hydra:\n  job_logging:\n    handlers:\n      q:\n"
                      "        class: logging.handlers.QueueHandler\n        queue: planted.make_queue\n",
                      "hydra.job_logging.handlers.q.class"),
    "factory": (GLOBAL + "hydra:\n  hydra_logging:\n    formatters:\n      x:\n        (): planted.factory\n",
                "hydra.hydra_logging.formatters.x.()"),
    "sweep_subdir": (GLOBAL + "hydra:\n  sweep:\n    subdir: {tmp}/escaped/${{hydra.job.num}}\n",
                     "hydra.sweep.subdir"),
    "run_dir": (GLOBAL + "hydra:\n  run:\n    dir: {tmp}/elsewhere\n", "hydra.run.dir"),
    # the same settings in other forms: a package header, a defaults entry choosing Hydra's logging
    "package_header": (("# @package hydra.job_logging.handlers.evil\nclass: logging.FileHandler\n"
                        "filename: {tmp}/victim.txt\nmode: w\n"), "hydra.job_logging.handlers.evil.class"),
    "defaults_entry": (GLOBAL + "  - override /hydra/job_logging: disabled\n", "hydra/job_logging"),
    "package_entry": (("# @package _global_\ndefaults:\n  - /scenario/baseline@scenario\n"
                       "  - /scenario/baseline@_global_.hydra.job_logging\n"), "hydra.job_logging"),
}
GOOD = "defaults:\n  - baseline\n  - _self_\nn_youth: 400\n"  # a scenario of the user's own: only model keys


@pytest.fixture
def planted(tmp_path):
    """(search-path folder, audit environment): every file of FILES in DIR/scenario/, an audit hook and the
    planted module on PYTHONPATH, and a victim file whose truncation would show."""
    import socket

    with socket.socket() as s:  # a port nothing listens on: a connection attempt is what the hook records
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    folder = tmp_path / "configs"
    (folder / "scenario").mkdir(parents=True)
    for name, (text, _) in FILES.items():
        (folder / "scenario" / f"{name}.yaml").write_text(text.format(tmp=tmp_path, port=port))
    (folder / "scenario" / "mine.yaml").write_text(GOOD)
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(AUDIT)
    (hook / "planted.py").write_text(PLANTED)
    (tmp_path / "victim.txt").write_text("results the user keeps\n")
    env = {**os.environ, "PYTHONPATH": f"{hook}{os.pathsep}{ROOT}", "CONFIG_AUDIT_LOG": str(hook / "audit.log"),
           "CONFIG_AUDIT_WATCH": str(tmp_path), "PYTHONDONTWRITEBYTECODE": "1"}
    return folder, env


def run(env: dict, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(check=False, args=[sys.executable, "-m", "experiments.run", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


def audit(tmp_path: Path) -> list[str]:
    """What the audit hook recorded (without the process ids): connections, writes under tmp_path, imports."""
    log = tmp_path / "hook" / "audit.log"
    return [line.split(" ", 1)[1] for line in log.read_text().splitlines()] if log.exists() else []


def assert_refused_untouched(proc, tmp_path: Path, key: str, file: Path) -> None:
    """Exit 2, one line naming the key and the file; nothing connected, written, imported or called."""
    assert proc.returncode == 2, proc.stdout[-2000:] + proc.stderr[-2000:]
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"error: {key}:") and str(file) in lines[0], lines[0]
    assert audit(tmp_path) == []
    assert (tmp_path / "victim.txt").read_text() == "results the user keeps\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["configs", "hook", "victim.txt"]  # nothing created


@pytest.mark.parametrize("name", list(FILES))
def test_a_hydra_setting_in_a_search_path_file_is_refused_and_nothing_runs(planted, tmp_path, name):
    folder, env = planted
    file = folder / "scenario" / f"{name}.yaml"
    if name == "sweep_subdir":
        args = ("-m", "seed=1,2", f"hydra.sweep.dir={tmp_path / 'sweep'}")
    elif name == "run_dir":
        args = ()  # the folder would be the file's
    else:
        args = (f"hydra.run.dir={tmp_path / 'run'}",)
    proc = run(env, *TINY, f"hydra.searchpath=[file://{folder}]", f"scenario={name}", *args)
    assert_refused_untouched(proc, tmp_path, FILES[name][1], file)


@pytest.mark.parametrize("flag", [("--help",), ("--cfg", "job"), ("--info", "config")])
def test_help_cfg_and_info_check_the_config_files_too(planted, tmp_path, flag):
    folder, env = planted
    proc = run(env, *flag, f"hydra.searchpath=[file://{folder}]", "scenario=factory")
    assert_refused_untouched(proc, tmp_path, FILES["factory"][1], folder / "scenario" / "factory.yaml")


def test_an_exported_override_file_pointing_at_such_a_folder_is_refused(planted, tmp_path):
    """A colleague runs ``python -m experiments.run $(cat FILE)`` on an override file with two lines added."""
    folder, env = planted
    exported = tmp_path / "hook" / "overrides.txt"  # (inside hook/: the test's folder lists only what it made)
    exported.write_text(f"scenario=baseline\nseed=3\npolicy=[stipend]\npolicy.stipend.monthly_amount=60\n"
                        f"hydra.searchpath=[file://{folder}]\nscenario=socket_handler\n")
    proc = run(env, *exported.read_text().split(), *TINY, f"hydra.run.dir={tmp_path / 'run'}")
    assert_refused_untouched(proc, tmp_path, FILES["socket_handler"][1], folder / "scenario" / "socket_handler.yaml")


def test_a_sweep_arm_choosing_such_a_file_is_refused_before_the_first_job(planted, tmp_path):
    folder, env = planted
    proc = run(env, "-m", *TINY, f"hydra.searchpath=[file://{folder}]", "scenario=mine,file_handler",
               f"hydra.sweep.dir={tmp_path / 'sweep'}")
    assert_refused_untouched(proc, tmp_path, FILES["file_handler"][1], folder / "scenario" / "file_handler.yaml")


def test_a_rows_table_choosing_such_a_file_is_refused_before_the_first_job(planted, tmp_path):
    folder, env = planted
    table = tmp_path / "hook" / "rows.csv"
    table.write_text("scenario,seed\nmine,1\nqueue_handler,2\n")
    proc = run(env, "-m", *TINY, f"hydra.searchpath=[file://{folder}]", "hydra/sweeper=rows",
               f"hydra.sweeper.table={table}", f"hydra.sweep.dir={tmp_path / 'sweep'}")
    assert_refused_untouched(proc, tmp_path, FILES["queue_handler"][1], folder / "scenario" / "queue_handler.yaml")


def test_a_config_file_that_sets_only_model_keys_runs_beside_files_it_does_not_choose(planted, tmp_path):
    """Allowed: the user's own scenario runs with its values, though the folder also holds refused files that
    this run does not read."""
    folder, env = planted
    proc = run(env, *TINY[1:], f"hydra.searchpath=[file://{folder}]", "scenario=mine",
               f"hydra.run.dir={tmp_path / 'run'}")  # (without TINY's n_youth: the file's 400 is the one run)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "n_youth: 400" in (tmp_path / "run" / ".hydra" / "config.yaml").read_text()
    assert (tmp_path / "victim.txt").read_text() == "results the user keeps\n"
    assert not any(line.startswith(("connect", "import")) for line in audit(tmp_path))


def test_load_config_refuses_the_same_files(planted):
    import livelihoods

    folder, _ = planted
    for name, (_, key) in FILES.items():
        with pytest.raises(ConfigurationError, match=rf"^{key.replace('(', '[(]').replace(')', '[)]')}: .*{name}\.yaml"):
            livelihoods.load_config(f"hydra.searchpath=[file://{folder}]", f"scenario={name}")
    assert livelihoods.load_config(f"hydra.searchpath=[file://{folder}]", "scenario=mine").scenario.n_youth == 400


BAD_FILES = {  # a file anywhere in the search-path folder, chosen or not -> what the line says
    "bomb.yaml": ("a: &a [x, x, x, x, x, x, x, x, x, x]\n"
                  + "".join(f"{c}: &{c} [{', '.join(['*' + p] * 10)}]\n" for p, c in zip("abcdefg", "bcdefgh")),
                  "alias bomb"),
    "fifo.yaml": (None, "is a FIFO, not a regular file"),
    "huge.yaml": (None, "more than the"),
    "outside.yaml": (None, "outside"),
}


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_a_dangerous_file_anywhere_in_the_folder_is_refused_before_hydra_reads_it(tmp_path, name):
    folder = tmp_path / "configs"
    (folder / "scenario").mkdir(parents=True)
    (folder / "scenario" / "mine.yaml").write_text(GOOD)
    path = folder / "scenario" / name
    text, says = BAD_FILES[name]
    if name == "fifo.yaml":
        os.mkfifo(path)  # Hydra would block opening it
    elif name == "huge.yaml":
        with open(path, "wb") as f:
            f.truncate(65 * 2**20)  # sparse: larger than any config, without filling the disk
    elif name == "outside.yaml":
        (tmp_path / "elsewhere.yaml").write_text(GOOD)
        path.symlink_to(tmp_path / "elsewhere.yaml")
    else:
        path.write_text(text)
    proc = subprocess.run(check=False, args=[sys.executable, "-m", "experiments.run", *TINY, f"hydra.searchpath=[file://{folder}]",
                           "scenario=mine", f"hydra.run.dir={tmp_path / 'run'}"], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 2, proc.stderr[-2000:]
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {path}: ") and says in lines[0], proc.stderr
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("override", ["scenario=../../elsewhere/x", "calibration=../literature",
                                      "policy=[stipend,../../x]"])
def test_a_group_option_is_a_name_not_a_path(tmp_path, override):
    """``scenario=../../x`` would make Hydra load any YAML file on the machine, past every check above."""
    (tmp_path / "x.yaml").write_text("# @package _global_\nhydra:\n  run:\n    dir: elsewhere\n")
    proc = subprocess.run(check=False, args=[sys.executable, "-m", "experiments.run", *TINY, override,
                           f"hydra.run.dir={tmp_path / 'run'}"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    key = override.split("=")[0]
    assert proc.stderr.startswith(f"error: {key}: ") and "is not the name of a config file" in proc.stderr
    assert not (tmp_path / "run").exists()


def test_a_defaults_entry_with_a_path_is_refused(tmp_path):
    folder = tmp_path / "configs"
    (folder / "scenario").mkdir(parents=True)
    (folder / "scenario" / "mine.yaml").write_text("defaults:\n  - /scenario: ../../../elsewhere\n")
    with pytest.raises(ConfigurationError, match=r"^defaults: .*mine\.yaml.*plain names"):
        import livelihoods

        livelihoods.load_config(f"hydra.searchpath=[file://{folder}]", "scenario=mine")


# --------------------------------------------------------------------------- the second line


def composed(*overrides: str):
    from experiments.cli.composition import compose
    from livelihoods.store import register_configs

    register_configs()
    return compose(list(overrides))


@pytest.mark.parametrize("change, key", [
    ({"hydra.job_logging.handlers.file.filename": "/tmp/victim.txt"}, "hydra.job_logging.handlers.file.filename"),
    ({"hydra.job_logging.handlers.file.class": "logging.handlers.SysLogHandler"},
     "hydra.job_logging.handlers.file.class"),
    ({"hydra.hydra_logging.handlers.console.stream": "ext://planted.stream"},
     "hydra.hydra_logging.handlers.console.stream"),
    ({"hydra.job_logging.formatters.simple.format": "ext://planted.stream"},
     "hydra.job_logging.formatters.simple.format"),
    ({"hydra.job_logging.filters": {"x": {"()": "planted.factory"}}}, "hydra.job_logging.filters"),
    ({"hydra.sweep.subdir": "/tmp/escaped/${hydra.job.num}"}, "hydra.sweep.subdir"),
    ({"hydra.run.dir": "/tmp/elsewhere"}, "hydra.run.dir"),
    ({"hydra.job.chdir": True}, "hydra.job.chdir"),
    ({"hydra.runtime.choices.hydra/job_logging": "mine"}, "hydra/job_logging"),
])
def test_the_composed_hydra_settings_are_checked_again(change, key):
    """Behind the file checks, ``check_composed`` allows only the settings the project's own configs make."""
    from omegaconf import OmegaConf, open_dict

    from experiments.cli.composition import check_composed
    from livelihoods.overrides import parse

    cfg = composed()
    check_composed(cfg, parse([]))  # the project's own settings pass
    with open_dict(cfg):
        for path, value in change.items():
            if "choices." in path:
                cfg.hydra.runtime.choices[path.rpartition("choices.")[2]] = value
            else:
                OmegaConf.update(cfg, path, value, force_add=True)
    with pytest.raises(ConfigurationError, match=rf"^{key}: "):
        check_composed(cfg, parse([]))


def test_a_group_file_that_fills_another_package_is_refused(tmp_path):
    """A scenario file with ``# @package _global_`` set the run's seed (and max_jobs) while looking like a scenario."""
    folder = tmp_path / "configs"
    (folder / "scenario").mkdir(parents=True)
    (folder / "scenario" / "seeded.yaml").write_text(
        "# @package _global_\ndefaults:\n  - /scenario/baseline@scenario\n  - _self_\nseed: 7\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = run(env, *TINY, f"hydra.searchpath=[file://{folder}]", "scenario=seeded", f"hydra.run.dir={tmp_path / 'run'}")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
    assert proc.stderr.startswith("error: scenario: the config file") and "(_global_)" in proc.stderr
    assert not (tmp_path / "run").exists()
