"""Run and sweep folders: each owned by one process, named for what it holds, never reused for other results.

A run or sweep *claims* its folder before Hydra writes anything into it: the
folder is created (a default name gets ``_2``, ``_3`` … when a run started in the
same second already has it: ``os.mkdir`` is atomic) and an exclusive lock is
taken on ``<folder>/.lock`` (``flock``; released by the operating system when the
process ends, however it ends). A second run into the same folder is refused
while the first holds it, and after it: a folder with a ``summary.json`` is a
finished run, and a folder with a ``multirun.yaml`` a sweep that only
``resume=true`` of the same study may complete.

Hydra writes a job's ``.hydra/`` record before the job starts; the entry point
sends it to a per-attempt folder (``.hydra_attempt_<pid>``) instead, and the job
moves it into place only once it owns the folder and knows it has to run. A
finished job's record is therefore never touched.
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
import shutil
import socket
from pathlib import Path

from experiments.records.runs import INCOMPLETE, SUMMARY
from livelihoods.errors import ConfigurationError

LOCK = ".lock"
RECORD = ".hydra"
ATTEMPT_PREFIX = ".hydra_attempt_"
MULTIRUN = "multirun.yaml"
RUN_FILES = {LOCK, RECORD, INCOMPLETE, SUMMARY, "timeseries.parquet", "funnel.png", "monthly.png", "run.log"}
# keys that do not change a sweep's jobs or numbers: a resumed sweep may differ in them
NOT_THE_STUDY = ("resume", "progress", "threads", "max_jobs", "hydra.sweep.dir", "hydra.output_subdir", "hydra.verbose",
                 "hydra/launcher", "hydra/job_logging", "hydra/hydra_logging")

_held: dict[str, int] = {}  # folders this process owns: real path -> lock file descriptor


def attempt_subdir() -> str:
    """Where Hydra writes this process's job records until the job settles them."""
    return f"{ATTEMPT_PREFIX}{os.getpid()}"


def _oserror(key: str, folder: Path, exc: OSError) -> str:
    reason = exc.strerror or str(exc)
    if exc.errno == errno.ENOTDIR:
        return f"{key}: cannot use {folder}: a part of that path is a file, not a folder"
    link = next((p for p in [folder, *folder.parents] if p.is_symlink() and not p.exists()), None)
    if link is not None:
        return f"{key}: cannot use {folder}: {link} is a link to {os.readlink(link)}, which does not exist"
    if exc.errno == errno.EEXIST and folder.exists() and not folder.is_dir():
        return f"{key}: cannot use {folder}: a file of that name is in the way"
    return f"{key}: cannot write into {folder}: {reason}"


def check_name(folder: Path, key: str) -> None:
    """A folder name the file system takes: no part longer than it allows (255 bytes on most), nor the whole
    path; refused in one line before anything looks at the folder (``os.stat`` would raise ENAMETOOLONG)."""
    limit_part, limit_path = 255, 4096
    try:
        anchor = next((p for p in [folder, *folder.parents] if p.exists()), Path("/"))
        limit_part = os.pathconf(anchor, "PC_NAME_MAX")
        limit_path = os.pathconf(anchor, "PC_PATH_MAX")
    except (OSError, ValueError):  # a name too long to look at: the defaults above
        pass
    long = next((part for part in folder.parts if len(os.fsencode(part)) > limit_part), None)
    if long is not None:
        raise ConfigurationError(f"{key}: a folder name may have at most {limit_part} bytes here, got one of "
                                 f"{len(os.fsencode(long))} ({long[:20]}…)")
    control = next((part for part in folder.parts if any(ord(ch) < 32 or ord(ch) == 127 for ch in part)), None)
    if control is not None:
        raise ConfigurationError(f"{key}: a folder name may not hold a line break, tab or other control character, "
                                 f"got {control!r}")
    unexpanded = next((part for part in folder.parts if part.startswith("~") or "$" in part), None)
    if unexpanded is not None:  # a quoted '~/x' or '$HOME/x' would make folders named '~' or '$HOME' here
        raise ConfigurationError(f"{key}: {unexpanded!r} was not expanded by the shell (it was quoted); write the "
                                 "folder's path in full")
    if len(os.fsencode(os.path.abspath(folder))) >= limit_path:
        raise ConfigurationError(f"{key}: a path may have at most {limit_path - 1} bytes here, got "
                                 f"{len(os.fsencode(os.path.abspath(folder)))}")


def make_folder(folder: Path, key: str) -> None:
    """Create ``folder`` (and parents); one line naming ``key`` if it cannot be."""
    check_name(folder, key)
    if folder.exists() and not folder.is_dir():
        raise ConfigurationError(f"{key}: {folder} is a file, not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigurationError(_oserror(key, folder, exc))


def claim(folder: Path, key: str) -> bool:
    """Own ``folder``: an exclusive lock, or one line naming the process that holds it.

    Held until ``release`` or the end of the process. Returns False if this process already held it.
    """
    real = os.path.realpath(folder)
    if real in _held:
        return False
    make_folder(folder, key)
    try:  # never through a link: a .lock planted as a link to another file would be overwritten
        fd = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o666)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ConfigurationError(f"{key}: {folder / LOCK} is a symbolic link; a run's lock is a file of its own "
                                     "(remove the link or choose another folder)") from exc
        raise ConfigurationError(_oserror(key, folder, exc)) from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 200, 0).decode(errors="replace").strip() or "another process"
        os.close(fd)
        raise ConfigurationError(f"{key}: {folder} is in use by another run ({holder}); wait for it to finish or "
                                 f"choose another folder")
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"pid {os.getpid()} on {socket.gethostname()}\n".encode(), 0)
    _held[real] = fd
    return True


def release(folder: Path) -> None:
    """Give up ``folder`` (a job done in a worker that lives on, e.g. on a Ray cluster, must not keep it)."""
    fd = _held.pop(os.path.realpath(folder), None)
    if fd is not None:
        os.close(fd)  # closing the descriptor releases the flock


def claim_new(base: Path, key: str) -> Path:
    """A new folder named ``base`` (or ``base_2``, ``base_3`` … if taken), created atomically and claimed."""
    make_folder(base.parent, key)
    for n in range(1, 10_000):
        folder = base if n == 1 else base.with_name(f"{base.name}_{n}")
        try:
            folder.mkdir()
        except FileExistsError:
            continue
        except OSError as exc:
            raise ConfigurationError(_oserror(key, folder, exc))
        claim(folder, key)
        return folder
    raise ConfigurationError(f"{key}: no free folder name next to {base}")


def safe_name(text: str) -> str:
    """A file-name fragment: letters, digits, ``_``, ``-`` and ``.`` only."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-") or "x"


def run_folder_name(scenario: str, policies: list[str], seed: int) -> str:
    """``<scenario>_<policies or no-policy>_seed<seed>``: what the run was, readable in a listing."""
    return safe_name(f"{scenario}_{'+'.join(policies) or 'no-policy'}_seed{seed}")


def foreign_files(folder: Path) -> list[str]:
    """Files in a run folder that no run writes (``hydra.run.dir=.`` would be a project folder)."""
    return sorted(p.name for p in folder.iterdir() if p.name not in RUN_FILES
                  and not p.name.startswith(ATTEMPT_PREFIX) and not (p.name.startswith(".") and p.name.endswith(".tmp")))


def refuse_foreign_files(folder: Path, key: str, allowed=None) -> None:
    """A folder given for results must be new, empty or the project's own kind: checked before writing into it."""
    if not folder.is_dir():
        return
    other = foreign_files(folder) if allowed is None else sorted(p.name for p in folder.iterdir() if not allowed(p))
    if other:
        raise ConfigurationError(f"{key}: {folder} already holds other files ({', '.join(other[:3])}"
                                 f"{', …' if len(other) > 3 else ''}); give a new or empty folder")


def refuse_sweep_job_folder(folder: Path) -> None:
    """A single run never takes a sweep's job folder (the sweep would later skip it as its own finished job)."""
    check_name(folder, "hydra.run.dir")
    if (folder.parent / MULTIRUN).exists():
        raise ConfigurationError(f"hydra.run.dir: {folder} is a job folder of the sweep in {folder.parent}; complete "
                                 f"the sweep with resume=true, or give a folder of its own")


def check_run_folder(folder: Path, resume: bool) -> bool:
    """After ``claim``: True if the run is already finished and ``resume`` skips it; refuse what may not be reused."""
    if (folder / SUMMARY).exists():
        if resume:
            return True
        raise ConfigurationError(f"hydra.run.dir: {folder} already holds a complete run; choose a new folder (runs "
                                 f"are never overwritten)")
    refuse_foreign_files(folder, "hydra.run.dir")
    return False


def settle_record(out_dir: Path, attempt: str, finished: bool) -> None:
    """Keep a finished run's ``.hydra/`` record; give a job that runs (again) this attempt's record.

    Called by the job once it owns ``out_dir``: stale attempts of killed processes
    go too. A finished run keeps its own record byte for byte.
    """
    for stale in out_dir.glob(f"{ATTEMPT_PREFIX}*"):
        if stale.name != attempt:
            shutil.rmtree(stale, ignore_errors=True)
    mine = out_dir / attempt
    if not mine.exists():
        return
    if finished:
        shutil.rmtree(mine)
        return
    shutil.rmtree(out_dir / RECORD, ignore_errors=True)  # the record of a killed attempt
    mine.rename(out_dir / RECORD)


# --------------------------------------------------------------------------- sweeps


def study_definition(params: dict | None, task: list[str]) -> dict[str, list[str]]:
    """The jobs a sweep runs, as Hydra's basic sweeper builds them: key -> values, in the order of the product.

    ``params`` are the sweeper's (from a preset), ``task`` the command line's
    overrides; a key on the command line replaces the preset's. Keys that do not
    change the jobs' numbers (``NOT_THE_STUDY``) are left out.
    """
    from hydra.core.override_parser.overrides_parser import OverridesParser

    items = [f"{k}={_resolved(v)}" for k, v in (params or {}).items()] + list(task)
    study: dict[str, list[str]] = {}
    for o in OverridesParser.create().parse_overrides(items):
        key = o.key_or_group
        if key in NOT_THE_STUDY or key.startswith("hydra.launcher."):
            continue
        study[key] = list(o.sweep_string_iterator()) if o.is_sweep_override() else [o.get_value_element_as_str()]
    return study


def _resolved(value):
    """A preset's swept values as its jobs ran them: the project's own resolvers (``${livelihoods.policy_arms:}``:
    every registered policy) resolved; any other text as written."""
    if isinstance(value, str) and value.strip().startswith("${livelihoods.") and value.strip().endswith("}"):
        from omegaconf import OmegaConf

        from livelihoods.store import register_resolvers

        register_resolvers()
        return OmegaConf.create({"value": value.strip()})["value"]
    return value


def read_multirun(sweep_dir: Path) -> dict:
    """The ``hydra`` section of the sweep's ``multirun.yaml``, read by ``livelihoods.files`` (a regular file inside
    the sweep folder, its aliases bounded) and checked for the parts a study is read from: ``overrides.task`` a
    list of overrides, ``sweeper.params`` a mapping or null. ``DamagedRecord`` (one line) if it cannot be used."""
    from livelihoods.files import load_yaml, refuse

    path = sweep_dir / MULTIRUN
    data = load_yaml(path, record=True, within=sweep_dir)
    hydra = data.get("hydra") if isinstance(data, dict) else None
    if not isinstance(hydra, dict):
        raise refuse(path, "not a sweep record (no hydra section)", record=True)
    overrides, sweeper = hydra.get("overrides") or {}, hydra.get("sweeper") or {}
    if not isinstance(overrides, dict) or not isinstance(overrides.get("task") or [], list) \
            or not all(isinstance(o, str) for o in overrides.get("task") or []) \
            or not all(isinstance(o, str) for o in overrides.get("hydra") or []):
        raise refuse(path, "hydra.overrides: not lists of overrides", record=True)
    if not isinstance(sweeper, dict) or not isinstance(sweeper.get("params") or {}, dict):
        raise refuse(path, "hydra.sweeper.params: not a mapping of keys to values", record=True)
    return hydra


def recorded_study(sweep_dir: Path) -> dict[str, list[str]] | None:
    """The study recorded in ``multirun.yaml``, or None if it cannot be read (``read_study``: why)."""
    try:
        return read_study(sweep_dir)
    except Exception:  # noqa: BLE001 - any unreadable record
        return None


def read_study(sweep_dir: Path) -> dict[str, list[str]]:
    """The study recorded in ``multirun.yaml``; ``DamagedRecord`` (one line) if it cannot be read."""
    from livelihoods.errors import LivelihoodsError, explain
    from livelihoods.files import refuse

    hydra = read_multirun(sweep_dir)
    try:
        return study_definition((hydra.get("sweeper") or {}).get("params"),
                                (hydra.get("overrides") or {}).get("task") or [])
    except LivelihoodsError:
        raise
    except Exception as exc:  # Hydra's parser on a damaged record
        raise refuse(sweep_dir / MULTIRUN, f"its overrides cannot be read ({explain(exc)})", record=True) from exc


def describe_difference(recorded: dict[str, list[str]], now: dict[str, list[str]]) -> str:
    def show(key, values):
        return f"{key}={','.join(values)}"

    parts = []
    for key in [*recorded, *(k for k in now if k not in recorded)]:
        if key not in now:
            parts.append(f"{show(key, recorded[key])} is recorded but not given")
        elif key not in recorded:
            parts.append(f"{show(key, now[key])} is given but not recorded")
        elif recorded[key] != now[key]:
            parts.append(f"{show(key, now[key])} (recorded {show(key, recorded[key])})")
    if not parts and list(recorded) != list(now):
        parts.append(f"the keys are swept in another order ({', '.join(now)}; recorded {', '.join(recorded)})")
    return "; ".join(parts)


def holds_a_sweep(sweep_dir: Path) -> bool:
    return (sweep_dir / MULTIRUN).exists() or any((p / RECORD).is_dir() or (p / SUMMARY).exists()
                                                  for p in sweep_dir.iterdir() if p.is_dir())


def refuse_foreign_sweep_files(sweep_dir: Path) -> None:
    check_name(sweep_dir, "hydra.sweep.dir")
    if sweep_dir.is_dir() and not holds_a_sweep(sweep_dir):
        refuse_foreign_files(sweep_dir, "hydra.sweep.dir", allowed=lambda p: p.name == LOCK)


def check_sweep_folder(sweep_dir: Path, resume: bool, study: dict[str, list[str]]) -> None:
    """After ``claim``: a folder holding a sweep is completed only by ``resume=true`` of the same study."""
    if not holds_a_sweep(sweep_dir):
        refuse_foreign_sweep_files(sweep_dir)
        return
    if not resume:
        raise ConfigurationError(f"hydra.sweep.dir: {sweep_dir} already holds a sweep; add resume=true to run only "
                                 f"its unfinished jobs, or choose a new folder (finished jobs are never run again)")
    recorded = recorded_study(sweep_dir)
    if recorded is None:
        raise ConfigurationError(f"resume: {sweep_dir / MULTIRUN} is missing or unreadable, so this sweep cannot be "
                                 f"checked to be the same study; start a new folder")
    if list(recorded.items()) != list(study.items()):  # the order of the keys numbers the jobs
        raise ConfigurationError(f"resume: {sweep_dir} holds another study: {describe_difference(recorded, study)}; "
                                 "resume with the original overrides, or start a new folder")
    for job in sorted(sweep_dir.iterdir()):  # the report refuses these: a resume would skip them for ever
        if job.name.isdigit() and (job.is_symlink() or not job.is_dir()):
            what = f"a link to {os.readlink(job)}" if job.is_symlink() else "a file"
            raise ConfigurationError(f"resume: job {job.name} of {sweep_dir} is {what}, not a job folder of this "
                                     "sweep; remove it to run that job")
