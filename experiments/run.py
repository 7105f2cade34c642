"""One run of the model: ``python -m experiments.run [overrides]`` (console script ``livelihoods-run``).

Writes summary.json, timeseries.parquet and figures into the Hydra run
directory and prints a short table. Bad input ends with one line naming the
key and what is allowed, exit code 2, and no summary.json.
"""

from __future__ import annotations

import dataclasses
import shutil
import sys
import warnings
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from experiments.configuration import load_config
from experiments.errors import explain, fail, group_options
from experiments.outputs import SUMMARY, format_summary, mark_incomplete, write_run
from simulation.config import ConfigError, register_configs, to_run_config
from simulation.memory import check_fits_in_memory

register_configs()
# configs/hydra/launcher/*.yaml extend the launcher plugins' own configs of the same name on purpose
# (their schema checks our values); Hydra 1.3 still does this but warns that the matching is old-style
warnings.filterwarnings("ignore", message=r"\s*'hydra/launcher/\w+' is validated against ConfigStore schema")
RESUME_SUBDIR = ".hydra_resume"  # Hydra's files of a resumed attempt, until the job is known to need them


@hydra.main(version_base="1.3", config_path="../configs", config_name="config")
def run(cfg: DictConfig) -> dict | None:
    from simulation.runner import simulate

    out_dir = Path(HydraConfig.get().runtime.output_dir)
    try:
        run_cfg = to_run_config(cfg)
    except ConfigError as exc:
        fail(explain(exc))
    run_cfg = one_thread_per_parallel_job(run_cfg)
    finished = (out_dir / SUMMARY).exists()
    settle_resume_record(out_dir, finished)
    if run_cfg.resume and finished:
        print(f"resume: {out_dir} is complete, skipped")
        return None
    refuse_finished_run(out_dir)
    mark_incomplete(out_dir)  # until summary.json is written, last
    try:
        result = simulate(run_cfg)
    except ConfigError as exc:  # e.g. a population too large for this machine's memory
        fail(explain(exc))
    write_run(out_dir, result.summary, result.timeseries, figures=run_cfg.figures)
    hydra_cfg = HydraConfig.get()
    if hydra_cfg.mode == RunMode.MULTIRUN:  # one line per finished job: the sweep's progress
        meta = result.summary["meta"]
        print(f"job {hydra_cfg.job.num} done in {meta['runtime_seconds']:.1f} s: "
              f"{' '.join(hydra_cfg.overrides.task)}", flush=True)
    else:
        print(format_summary(result.summary))
        print(f"results: {out_dir}")
    return result.summary["indicators"]


def settle_resume_record(out_dir: Path, finished: bool) -> None:
    """Keep a finished run's record; give a job that runs (again) this attempt's record.

    Hydra writes a job's ``.hydra/`` files before the job starts; under
    ``resume=true`` they go to ``RESUME_SUBDIR`` instead (see ``main``), so a
    finished run keeps its own config and overrides (read by report and replay)
    byte for byte, and the attempt's files are dropped.
    """
    attempt = out_dir / RESUME_SUBDIR
    if not attempt.exists():
        return
    if finished:
        shutil.rmtree(attempt)
        return
    shutil.rmtree(out_dir / ".hydra", ignore_errors=True)  # the record of a killed attempt
    attempt.rename(out_dir / ".hydra")


def one_thread_per_parallel_job(run_cfg):
    """Under a parallel launcher (joblib, ray, submitit) the jobs use the cores: ``threads: 0`` means 1 there."""
    hydra_cfg = HydraConfig.get()
    parallel = hydra_cfg.mode == RunMode.MULTIRUN and "BasicLauncher" not in str(hydra_cfg.launcher.get("_target_"))
    return dataclasses.replace(run_cfg, threads=1) if parallel and run_cfg.threads == 0 else run_cfg


def check_policy_selection(overrides: list[str]) -> None:
    """A parameter of a policy that is not switched on is a mistake, not a silent no-op."""
    selected: set[str] = set()
    for item in overrides:
        key, _, value = item.partition("=")
        if key.lstrip("+~") == "policy":
            selected = {v.strip() for v in value.strip("[]").split(",") if v.strip()}
    for item in overrides:
        parts = item.partition("=")[0].lstrip("+~").split(".")
        if len(parts) > 2 and parts[0] == "policy" and parts[1] not in selected:
            fail(f"{'.'.join(parts)}: policy {parts[1]!r} is not switched on; select it with "
                 f"policy=[{','.join(sorted(selected | {parts[1]}))}]")


def check_overrides(overrides: list[str]) -> None:
    """Compose and validate a single run's config before Hydra starts, so bad input gives one line."""
    check_policy_selection(overrides)
    try:
        cfg = load_config(*overrides)
        check_fits_in_memory(cfg, cfg.engine)
    except Exception as exc:  # noqa: BLE001 - every composition error becomes one line
        fail(explain(exc))


def refuse_finished_run(out_dir: Path) -> None:
    """A folder holding a summary.json is a complete run: never write into it again."""
    if (out_dir / SUMMARY).exists():
        fail(f"hydra.run.dir: {out_dir} already holds a complete run; choose a new folder (runs are never overwritten)")


def check_experiment(args: list[str]) -> None:
    """``experiment`` is an optional group, which Hydra skips silently when the option does not exist."""
    for item in args:
        key, _, value = item.partition("=")
        if key.lstrip("+~") == "experiment" and value not in ("", "null"):
            allowed = group_options("experiment")
            for name in (v.strip() for v in value.split(",")):
                if name not in allowed:
                    fail(f"experiment: unknown option {name!r}, allowed: {', '.join(allowed)}")


def load_kernels_before_parallel_sweep(args: list[str]) -> None:
    """Before a sweep on a parallel launcher, compile or load every kernel once, in this process.

    The workers then find them in numba's on-disk cache (shared by every process
    of this machine, and across nodes when the cache folder is on a shared file
    system) instead of each compiling them at once on a cold cache.
    """
    launcher = next((a.partition("=")[2] for a in args if a.lstrip("+").startswith("hydra/launcher=")), "basic")
    if not {"-m", "--multirun"} & set(args) or launcher == "basic":
        return
    from simulation.model import LivelihoodsModel
    from simulation.policies import POLICIES

    model = LivelihoodsModel(load_config("scenario.n_youth=200", "months=2", "progress=false",
                                         f"policy=[{','.join(POLICIES)}]"))
    for _ in range(2):
        model.step()


def main() -> None:
    args = sys.argv[1:]
    check_experiment(args)
    load_kernels_before_parallel_sweep(args)
    flags = {a for a in args if a.startswith("-")}
    if not flags & {"-m", "--multirun", "-h", "--help", "--hydra-help", "-c", "--cfg", "-i", "--info",
                    "--shell-completion", "-sc"}:
        overrides = [a for a in args if not a.startswith("-")]
        for item in overrides:  # before Hydra writes its .hydra/ files into the folder
            key, _, value = item.partition("=")
            if key.lstrip("+") == "hydra.run.dir" and "resume=true" not in overrides:
                refuse_finished_run(Path(value))
        check_overrides(overrides)
    if any(a.lower() in ("resume=true", "resume=1") for a in args):  # see settle_resume_record
        sys.argv.append(f"hydra.output_subdir={RESUME_SUBDIR}")
    run()


if __name__ == "__main__":
    main()
