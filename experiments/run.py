"""One run of the model: ``python -m experiments.run [overrides]`` (console script ``livelihoods-run``).

Writes summary.json, timeseries.parquet and figures into the run's folder and
prints a short table; with ``-m`` runs a sweep, one job per combination.

Before Hydra runs or writes anything, ``main`` checks the command line
(``experiments.overrides``: only the project's keys and a few Hydra keys, no
code), composes and validates the config, and claims the run's or sweep's
folder (``experiments.folders``: an exclusive lock, a new default folder named
for what runs in it, a finished run or a different study refused). Bad input
ends with one line naming the key and what is allowed, exit code 2, and no
summary.json; results that cannot be written end with exit code 3.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import warnings
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.errors import HydraException
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf, open_dict, read_write

from experiments import folders
from experiments.configuration import CONFIG_DIR
from experiments.errors import EXIT_NOT_WRITTEN, explain, fail, require
from experiments.outputs import SUMMARY, format_summary, mark_incomplete, write_run, write_text
from experiments.overrides import (PROJECT_GROUPS, CommandLine, Override, check_launcher_keys, check_no_duplicates,
                                   check_options, check_policy_selection, parse)
from simulation.config import ConfigError, register_configs, to_run_config
from simulation.memory import check_fits_in_memory

register_configs()
# configs/hydra/launcher/*.yaml extend the launcher plugins' own configs of the same name on purpose
# (their schema checks our values); Hydra 1.3 still does this but warns that the matching is old-style
warnings.filterwarnings("ignore", message=r"\s*'hydra/launcher/\w+' is validated against ConfigStore schema")

LAUNCHER_EXTRAS = {  # launcher -> (module of its Hydra plugin, extra that installs it)
    "ray": ("hydra_plugins.hydra_ray_launcher", "ray"),
    "submitit_local": ("hydra_plugins.hydra_submitit_launcher", "slurm"),
    "submitit_slurm": ("hydra_plugins.hydra_submitit_launcher", "slurm"),
}
KNOWN_TARGETS = {  # the only launchers and sweepers a run may instantiate
    "launcher": ("hydra._internal.core_plugins.basic_launcher.BasicLauncher",
                 "hydra_plugins.hydra_joblib_launcher.joblib_launcher.JoblibLauncher",
                 "hydra_plugins.hydra_ray_launcher.ray_launcher.RayLauncher",
                 "hydra_plugins.hydra_submitit_launcher.submitit_launcher.LocalLauncher",
                 "hydra_plugins.hydra_submitit_launcher.submitit_launcher.SlurmLauncher"),
    "sweeper": ("hydra._internal.core_plugins.basic_sweeper.BasicSweeper",
                "hydra_plugins.livelihoods_sweepers.rows_sweeper.RowsSweeper"),
}


@hydra.main(version_base="1.3", config_path="../configs", config_name="config")
def run(cfg: DictConfig) -> dict | None:
    """One job: own its folder (for the job's duration), then ``run_job``."""
    hydra_cfg = HydraConfig.get()
    out_dir = Path(hydra_cfg.runtime.output_dir)
    key = f"job {hydra_cfg.job.num}" if hydra_cfg.mode == RunMode.MULTIRUN else "hydra.run.dir"
    claimed = folders.claim(out_dir, key)  # a single run's folder is already held by main
    try:
        return run_job(cfg, out_dir, key)
    finally:
        if claimed:
            folders.release(out_dir)


def run_job(cfg: DictConfig, out_dir: Path, key: str) -> dict | None:
    """Settle the job's record, run, write (summary.json last)."""
    from simulation.runner import simulate

    hydra_cfg = HydraConfig.get()
    multirun = hydra_cfg.mode == RunMode.MULTIRUN
    finished = (out_dir / SUMMARY).exists()
    folders.settle_record(out_dir, hydra_cfg.output_subdir or "", finished)
    if finished:
        if cfg.get("resume"):
            print(f"resume: {out_dir} is complete, skipped")
            return None
        fail(f"{key}: {out_dir} already holds a complete run; runs are never overwritten")
    try:
        with read_write(cfg):
            OmegaConf.resolve(cfg)  # ${oc.env:...}, ${now:...}: the values this run uses, recorded as such
        run_cfg = to_run_config(cfg)
    except Exception as exc:  # noqa: BLE001 - a bad value or interpolation becomes one line
        fail(explain(exc))
    run_cfg = one_thread_per_parallel_job(run_cfg)
    try:
        write_text(out_dir / folders.RECORD / "config.yaml", OmegaConf.to_yaml(cfg))  # resolved: replay is exact
        mark_incomplete(out_dir)  # until summary.json is written, last
    except OSError as exc:
        fail(f"{key}: cannot write into {out_dir}: {exc.strerror or exc}", EXIT_NOT_WRITTEN)
    try:
        result = simulate(run_cfg)
    except ConfigError as exc:  # e.g. a population too large for this machine's memory
        fail(explain(exc))
    try:
        write_run(out_dir, result.summary, result.timeseries, figures=run_cfg.figures)
    except OSError as exc:
        fail(f"{key}: could not write the results into {out_dir}: {exc.strerror or exc}; "
             "no summary.json was written, so the run is not counted", EXIT_NOT_WRITTEN)
    if multirun:  # one line per finished job: the sweep's progress
        meta = result.summary["meta"]
        shown = [o for o in hydra_cfg.overrides.task if not o.startswith(("hydra.sweep.dir=", "hydra.output_subdir="))]
        print(f"job {hydra_cfg.job.num} done in {meta['runtime_seconds']:.1f} s: {' '.join(shown)}", flush=True)
    else:
        print(format_summary(result.summary))
        print(f"results: {out_dir}")
    return result.summary["indicators"]


def one_thread_per_parallel_job(run_cfg):
    """Under a parallel launcher (joblib, ray, submitit) the jobs use the cores: ``threads: 0`` means 1 there."""
    hydra_cfg = HydraConfig.get()
    parallel = hydra_cfg.mode == RunMode.MULTIRUN and "BasicLauncher" not in str(hydra_cfg.launcher.get("_target_"))
    return dataclasses.replace(run_cfg, threads=1) if parallel and run_cfg.threads == 0 else run_cfg


# --------------------------------------------------------------------------- before Hydra


def compose_first(line: CommandLine) -> tuple[DictConfig, object]:
    """The composed config (with ``hydra``) of the first job, and its validated RunConfig; one line on error."""
    from hydra import compose, initialize_config_dir

    try:
        with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
            cfg = compose(config_name="config", overrides=[o.first for o in line.overrides], return_hydra_config=True)
        HydraConfig.instance().set_config(cfg)  # resolves ${hydra:...} in the folder names
        task = cfg.copy()
        with open_dict(task):
            del task["hydra"]
        return cfg, to_run_config(task)
    except Exception as exc:  # noqa: BLE001 - every composition error becomes one line
        fail(explain(exc))


def check_composed(cfg: DictConfig) -> None:
    """What config files (a searchpath) could add: no callbacks, no job environment, only known plugins."""
    h = cfg.hydra
    if h.callbacks:
        fail(f"hydra.callbacks: {', '.join(h.callbacks)} set by a config file; callbacks run code and are not accepted")
    if h.job.env_set:
        fail(f"hydra.job.env_set: {', '.join(h.job.env_set)} set by a config file; a run's environment is not "
             "changed by its config")
    for kind, allowed in KNOWN_TARGETS.items():
        target = h[kind].get("_target_")
        if target not in allowed:
            fail(f"hydra/{kind}: {target} is not one of the project's {kind}s")


def check_sweep_values(line: CommandLine, cfg: DictConfig) -> None:
    """Every value of every swept model key, validated with the other keys at their first value."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    params = cfg.hydra.sweeper.get("params") or {}
    given = {o.key for o in line.overrides}
    sweeps = line.sweeps()
    parser = OverridesParser.create()
    for key, value in params.items():  # a preset's sweep, unless the command line replaces it
        (o,) = parser.parse_overrides([f"{key}={value}"])
        if key not in given and o.is_sweep_override():
            values = list(o.sweep_string_iterator())
            check_no_duplicates(key, values)
            sweeps.append(Override(f"{key}={value}", key, values, True))
    task = cfg.copy()
    with open_dict(task):
        del task["hydra"]
    for o in sweeps:
        if "/" in o.key or o.key in PROJECT_GROUPS:
            continue  # config groups: Hydra composes every job before launching any
        for text in o.values[1:]:
            (value,) = parser.parse_overrides([f"{o.key}={text}"])
            variant = task.copy()
            try:
                OmegaConf.update(variant, o.key, value.value(), merge=True)
                run_cfg = to_run_config(variant)
                check_fits_in_memory(run_cfg, run_cfg.engine)
            except Exception as exc:  # noqa: BLE001
                fail(explain(exc))


def resolve_folder(line: CommandLine, cfg: DictConfig, run_cfg) -> tuple[str, Path] | None:
    """Claim the run's or sweep's folder; (override key, folder), or None if a finished run is resumed."""
    if line.multirun:
        given = line.get("hydra.sweep.dir")
        if given is not None and not given.values[0].strip("'\" "):
            fail("hydra.sweep.dir: must be a folder, got an empty value")
        if given is None and run_cfg.resume:
            fail("resume: give the sweep's folder to complete, hydra.sweep.dir=<folder>")
        folder = Path(str(cfg.hydra.sweep.dir))
        if given is None:
            if cfg.hydra.runtime.choices.get("experiment") is None:
                swept = [o.key.rpartition(".")[2] for o in line.sweeps()]
                folder = folder.with_name(f"{folder.name}_{folders.safe_name('-'.join(swept) or 'sweep')}")
            folder = folders.claim_new(folder, "hydra.sweep.dir")
        else:
            folders.refuse_foreign_sweep_files(folder)  # before anything is written into it
            folders.claim(folder, "hydra.sweep.dir")
        params = cfg.hydra.sweeper.get("params")
        params = OmegaConf.to_container(params) if params else {}
        study = folders.study_definition(params, [o.text for o in line.overrides])
        folders.check_sweep_folder(folder, run_cfg.resume, study)
        return "hydra.sweep.dir", folder
    given = line.get("hydra.run.dir")
    if given is not None and not given.values[0].strip("'\" "):
        fail("hydra.run.dir: must be a folder, got an empty value (results would go into the current folder)")
    folder = Path(str(cfg.hydra.run.dir))
    if given is None:
        policies = list(run_cfg.policy.selected())
        name = folders.run_folder_name(cfg.hydra.runtime.choices.scenario, policies, run_cfg.seed)
        folder = folders.claim_new(folder.with_name(f"{folder.name}_{name}"), "hydra.run.dir")
    else:
        if not (folder / folders.SUMMARY).exists():
            folders.refuse_foreign_files(folder, "hydra.run.dir")  # before anything is written into it
        folders.claim(folder, "hydra.run.dir")
    if folders.check_run_folder(folder, run_cfg.resume):
        print(f"resume: {folder} is complete, skipped")
        return None
    return "hydra.run.dir", folder


def quote(text: str) -> str:
    """A value for Hydra's override grammar, quoted unless it is plainly a path."""
    import re

    if re.fullmatch(r"[A-Za-z0-9_./+-]+", text):
        return text
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def load_kernels_before_parallel_sweep(line: CommandLine, launcher: str) -> None:
    """Before a sweep on a parallel launcher, compile or load every kernel once, in this process.

    The workers then find them in numba's on-disk cache (shared by every process
    of this machine, and across nodes when the cache folder is on a shared file
    system) instead of each compiling them at once on a cold cache.
    """
    if not line.multirun or launcher == "basic":
        return
    from experiments.configuration import load_config
    from simulation.model import LivelihoodsModel
    from simulation.policies import POLICIES

    model = LivelihoodsModel(load_config("scenario.n_youth=200", "months=2", "progress=false",
                                         f"policy=[{','.join(POLICIES)}]"))
    for _ in range(2):
        model.step()


def main() -> None:
    args = sys.argv[1:]
    line = parse(args)  # only the project's keys and a few Hydra keys; no code
    check_options(line)
    check_policy_selection(line)
    chosen = line.get("hydra/launcher")
    if chosen is not None and chosen.values[0] in LAUNCHER_EXTRAS:
        module, extra = LAUNCHER_EXTRAS[chosen.values[0]]
        require(module, extra, f"hydra/launcher={chosen.values[0]}")
    launcher = check_launcher_keys(line, chosen.values[0] if chosen else "basic")
    if line.info_only:  # --help, --cfg, --info: Hydra prints and runs nothing
        run()
        return
    cfg, run_cfg = compose_first(line)
    check_composed(cfg)
    if line.multirun:
        check_sweep_values(line, cfg)
    else:
        try:
            check_fits_in_memory(run_cfg, run_cfg.engine)
        except ConfigError as exc:
            fail(explain(exc))
    claimed = resolve_folder(line, cfg, run_cfg)
    if claimed is None:
        return
    key, folder = claimed
    record = folder / folders.MULTIRUN
    original = record.read_bytes() if line.multirun and record.exists() else None
    folder_keys = ("hydra.run.dir", "hydra.sweep.dir")
    sys.argv = [sys.argv[0], *line.flags, *(o.text for o in line.overrides if o.key not in folder_keys),
                f"{key}={quote(str(folder))}", f"hydra.output_subdir={folders.attempt_subdir()}"]
    load_kernels_before_parallel_sweep(line, launcher)
    os.environ["HYDRA_FULL_ERROR"] = "1"  # Hydra's own errors reach this function, not a multi-line report
    try:
        run()
    except OSError as exc:  # e.g. a full disk while Hydra writes a job's record
        fail(f"{key}: could not write into {folder}: {exc.strerror or exc}; no summary.json was written",
             EXIT_NOT_WRITTEN)
    except HydraException as exc:  # e.g. a swept option that does not exist
        fail(explain(exc))
    finally:
        if original is not None:  # a resumed sweep keeps the record of how it was started
            write_bytes_if_changed(record, original)


def write_bytes_if_changed(path: Path, data: bytes) -> None:
    from experiments.outputs import atomic_write

    if not path.exists() or path.read_bytes() != data:
        atomic_write(path, lambda tmp: Path(tmp).write_bytes(data))


if __name__ == "__main__":
    main()
