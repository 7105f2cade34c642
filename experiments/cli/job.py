"""One job of ``experiments.run``, inside the folder it owns: settle its record, run, write (summary.json last).

Every problem is raised as an exception (``livelihoods.errors``); the Hydra task function of
``experiments.run`` turns it into one line and an exit code.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf, read_write

from experiments.records import folders
from experiments.records.files import write_text
from experiments.records.runs import SUMMARY, format_summary, mark_incomplete, write_run
from hydra_plugins.livelihoods_sweepers.compose_once import to_yaml
from livelihoods.compose import to_run_and_settings
from livelihoods.errors import ConfigurationError, NotWritten, as_configuration_error


def run_job(cfg: DictConfig, out_dir: Path, key: str) -> dict | None:
    """Settle the job's record, run, write (summary.json last)."""
    from experiments.studies.run_figures import plot_run
    from livelihoods import run_config  # the public API's run of a validated config: one path for both

    hydra_cfg = HydraConfig.get()
    multirun = hydra_cfg.mode == RunMode.MULTIRUN
    finished = (out_dir / SUMMARY).exists()
    folders.settle_record(out_dir, hydra_cfg.output_subdir or "", finished)
    if finished:
        if cfg.get("resume"):
            print(f"resume: {out_dir} is complete, skipped")
            return None
        raise ConfigurationError(f"{key}: {out_dir} already holds a complete run; runs are never overwritten")
    record = out_dir / folders.RECORD / "config.yaml"  # Hydra's record of the config, settled above
    recorded = record.read_text(encoding="utf-8") if hydra_cfg.output_subdir and record.exists() else None
    resolved = recorded
    try:
        if resolved is None or "${" in resolved:  # else the record has no interpolation: it is the resolved text
            with read_write(cfg):
                OmegaConf.resolve(cfg)  # ${oc.env:...}, ${now:...}: the values this run uses, recorded as such
            resolved = to_yaml(cfg)
    except Exception as exc:  # noqa: BLE001 - a bad interpolation becomes one line
        raise as_configuration_error(exc) from exc
    run_cfg, settings = to_run_and_settings(cfg)
    run_cfg = one_thread_per_parallel_job(run_cfg)
    try:
        if resolved != recorded:
            write_text(record, resolved)  # resolved: replay is exact
        mark_incomplete(out_dir)  # until summary.json is written, last
    except OSError as exc:
        raise NotWritten(f"{key}: cannot write into {out_dir}: {exc.strerror or exc}")
    result = run_config(run_cfg, progress=settings.progress)  # (too large for this machine: ConfigurationError)
    try:
        write_run(out_dir, result.summary, result.timeseries, plot=plot_run if settings.figures else None)
    except OSError as exc:
        raise NotWritten(f"{key}: could not write the results into {out_dir}: {exc.strerror or exc}; "
                         "no summary.json was written, so the run is not counted")
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
