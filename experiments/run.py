"""One run of the model: ``python -m experiments.run [overrides]`` (console script ``livelihoods-run``).

Writes summary.json, timeseries.parquet and figures into the run's folder and
prints a short table; with ``-m`` runs a sweep, one job per combination.

Before Hydra runs or writes anything, ``main`` checks the command line
(``experiments.overrides``: only the project's keys and a few Hydra keys, no
code), composes and validates the config and every job of a sweep, and claims
the run's or sweep's folder (``experiments.before_hydra``, ``experiments.folders``:
an exclusive lock, a new default folder named for what runs in it, a finished
run or a different study refused); then Hydra runs ``run`` for each job. Bad
input ends with one line naming the key and what is allowed, exit code 2, and
no summary.json; results that cannot be written end with exit code 3.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.errors import HydraException
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf, read_write
from omegaconf.errors import OmegaConfBaseException

from experiments import folders
from experiments.before_hydra import (check_composed, check_sweep_values, compose_first,
                                      load_kernels_before_parallel_sweep, quote, resolve_folder)
from experiments.configuration import register_configs, to_run_config
from experiments.errors import EXIT_NOT_WRITTEN, explain, fail, require
from experiments.job_configs import to_yaml
from experiments.outputs import SUMMARY, format_summary, mark_incomplete, write_run, write_text
from experiments.overrides import check_launcher_keys, check_options, check_policy_selection, parse
from simulation.config import ConfigError
from simulation.memory import check_fits_in_memory

register_configs()

LAUNCHER_EXTRAS = {  # launcher -> (module of its Hydra plugin, extra that installs it)
    "ray": ("hydra_plugins.hydra_ray_launcher", "ray"),
    "submitit_local": ("hydra_plugins.hydra_submitit_launcher", "slurm"),
    "submitit_slurm": ("hydra_plugins.hydra_submitit_launcher", "slurm"),
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
    from livelihoods import run_config  # the public API's run of a validated config: one path for both

    hydra_cfg = HydraConfig.get()
    multirun = hydra_cfg.mode == RunMode.MULTIRUN
    finished = (out_dir / SUMMARY).exists()
    folders.settle_record(out_dir, hydra_cfg.output_subdir or "", finished)
    if finished:
        if cfg.get("resume"):
            print(f"resume: {out_dir} is complete, skipped")
            return None
        fail(f"{key}: {out_dir} already holds a complete run; runs are never overwritten")
    record = out_dir / folders.RECORD / "config.yaml"  # Hydra's record of the config, settled above
    recorded = record.read_text(encoding="utf-8") if hydra_cfg.output_subdir and record.exists() else None
    resolved = recorded
    try:
        if resolved is None or "${" in resolved:  # else the record has no interpolation: it is the resolved text
            with read_write(cfg):
                OmegaConf.resolve(cfg)  # ${oc.env:...}, ${now:...}: the values this run uses, recorded as such
            resolved = to_yaml(cfg)
        run_cfg = to_run_config(cfg)
    except Exception as exc:  # noqa: BLE001 - a bad value or interpolation becomes one line
        fail(explain(exc))
    run_cfg = one_thread_per_parallel_job(run_cfg)
    try:
        if resolved != recorded:
            write_text(record, resolved)  # resolved: replay is exact
        mark_incomplete(out_dir)  # until summary.json is written, last
    except OSError as exc:
        fail(f"{key}: cannot write into {out_dir}: {exc.strerror or exc}", EXIT_NOT_WRITTEN)
    try:
        result = run_config(run_cfg)
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
    try:
        claimed = resolve_folder(line, cfg, run_cfg)
    except (HydraException, OmegaConfBaseException) as exc:  # e.g. hydra.run.dir=${oc.env:UNSET}
        fail(explain(exc))
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
    except (HydraException, OmegaConfBaseException) as exc:  # (Hydra's missing-config error is also an OSError)
        fail(explain(exc))
    except OSError as exc:  # e.g. a full disk while Hydra writes a job's record
        fail(f"{key}: could not write into {folder}: {exc.strerror or exc}; no summary.json was written",
             EXIT_NOT_WRITTEN)
    finally:
        if original is not None:  # a resumed sweep keeps the record of how it was started
            write_bytes_if_changed(record, original)


def write_bytes_if_changed(path: Path, data: bytes) -> None:
    from experiments.outputs import atomic_write

    if not path.exists() or path.read_bytes() != data:
        atomic_write(path, lambda tmp: Path(tmp).write_bytes(data))


if __name__ == "__main__":
    main()
