"""Run one simulation from a validated config and gather its results."""

from __future__ import annotations

import functools
import platform
import subprocess
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from simulation.config import RunConfig
from simulation.model import LivelihoodsModel

PACKAGES = ("mesa", "numpy", "numba", "pandas", "pyarrow", "hydra-core", "omegaconf", "matplotlib")


@dataclass
class RunResult:
    summary: dict
    timeseries: pd.DataFrame
    model: LivelihoodsModel


@functools.cache
def package_versions() -> dict[str, str]:
    """The versions of Python and the main packages (once per process: a worker's packages do not change)."""
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


@functools.cache
def git_commit() -> str | None:
    """Commit of the source tree, with '+dirty' when it has uncommitted changes; None outside git.

    Asked once per process: a warm worker runs the code it imported, whatever happens to the files later."""
    here = Path(__file__).resolve().parent
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5)
        if commit.returncode != 0:
            return None
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=here, capture_output=True, text=True, timeout=5)
        return commit.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return None


def simulate(cfg: RunConfig, engine: str | None = None, progress: bool = False) -> RunResult:
    """Build the model, step it ``cfg.months`` times (with ``progress``, a progress bar past 2 s), summarise."""
    start = time.perf_counter()
    model = LivelihoodsModel(cfg, engine=engine)
    setup_seconds = time.perf_counter() - start
    with tqdm(total=cfg.months, desc=f"{cfg.scenario.name} seed {cfg.seed}", unit="month",
              disable=not progress, delay=2.0, leave=False) as bar:
        for _ in range(cfg.months):
            model.step()
            bar.update()
    runtime = time.perf_counter() - start
    summary = model.summary()
    timeseries = model.timeseries()
    persons = int((model.people.arrival_month <= model.month).sum())
    person_months = int(timeseries["population"].iloc[1:].sum())
    summary["meta"] = {
        "seed": cfg.seed,
        "engine": model.engine_name,
        "threads": getattr(model, "threads", 1),
        "scenario": cfg.scenario.name,
        "calibration": cfg.behaviour.name,
        "posterior": cfg.posterior,
        "draw": cfg.draw if cfg.posterior is not None else None,
        "persons": persons,
        "months": cfg.months,
        "person_months": person_months,
        "runtime_seconds": runtime,
        "setup_seconds": round(setup_seconds, 3),
        "person_months_per_second": round(person_months / runtime, 1) if runtime > 0 else None,
        "versions": dict(package_versions()),
        "git_commit": git_commit(),
    }
    return RunResult(summary, timeseries, model)
