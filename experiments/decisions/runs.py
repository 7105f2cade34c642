"""Evaluating candidates: every package's overrides at every seed, on this machine's cores or a Hydra launcher.

All evaluators are ``Runs``: called with the packages' overrides (after the ``base`` overrides every run
shares), the seeds and a name for the batch, they return ``results[i][j]``, the ``Result.values()`` of
package ``i`` at seed ``j``. ``rerun`` runs the overrides as printed in ``pareto.md`` (the base included),
which is how ``--verify`` checks that the printed commands reproduce the front.
"""

from __future__ import annotations

import math
import shlex
import sys
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from livelihoods.errors import ConfigurationError, DamagedRecord, LivelihoodsError
from livelihoods.paths import ROOT

Results = list[list[dict[str, float]]]


class Runs(ABC):
    base: tuple[str, ...]  # the overrides of every run (scenario, calibration, population ...)

    @abstractmethod
    def __call__(self, settings: list[list[str]], seeds: list[int], name: str = "runs") -> Results:
        """``results[i][j]``: the values of the base overrides plus ``settings[i]`` at ``seeds[j]``; ``name``
        names the batch (a launcher's sweep folder)."""

    def rerun(self, printed: list[str], seeds: list[int], name: str = "runs") -> Results:
        """The runs of printed override lines (``shlex`` text, the base first), as a reader would run them."""
        settings = [shlex.split(text) for text in printed]
        for s in settings:
            if tuple(s[:len(self.base)]) != tuple(self.base):
                raise ConfigurationError(f"overrides: the printed {shlex.join(s)!r} does not start with the search's "
                                         f"base overrides {shlex.join(self.base)!r}")
        return self([s[len(self.base):] for s in settings], seeds, name)


@dataclass
class LocalRuns(Runs):
    """The runs on this machine's cores: ``livelihoods.run_study`` of the base overrides plus each package."""
    base: tuple[str, ...]
    jobs: int

    def __call__(self, settings: list[list[str]], seeds: list[int], name: str = "runs") -> Results:
        from livelihoods import run_study

        try:
            table = run_study([[*self.base, *s] for s in settings], seeds=seeds, jobs=self.jobs, progress=True)
        except ConfigurationError as exc:  # one line, without the worker processes' traceback
            raise ConfigurationError(str(exc)) from None
        rows = table.drop(columns=["setting", "seed"]).to_dict("records")
        k = len(seeds)
        return [rows[i * k:(i + 1) * k] for i in range(len(settings))]


@dataclass
class LauncherRuns(Runs):
    """The same runs as one Hydra sweep of ``experiments.run`` (``hydra/sweeper=rows``) on ``launcher``.

    Row ``i * len(seeds) + j`` of the plan is package ``i`` at seed ``j``: its ``policy`` list, each funded
    lever's value (empty for the others, so no override), and the seed. Each call sweeps into its own
    folder ``<folder>/<name>`` with ``resume=true``, so a killed generation run again skips the finished jobs.
    """
    base: tuple[str, ...]
    launcher: str
    folder: Path
    keys: tuple[str, ...]  # every searched lever's key
    settings: tuple[str, ...] = ()  # the launcher's own settings (hydra.launcher.n_jobs=2, ...)

    def __call__(self, settings: list[list[str]], seeds: list[int], name: str = "runs") -> Results:
        import subprocess

        from experiments.records.files import atomic_write
        from experiments.records.runs import SUMMARY
        from livelihoods import flat_values

        rows = []
        for overrides in settings:
            given = dict(o.split("=", 1) for o in overrides)
            policies = given.pop("policy").strip("[]")
            unknown = set(given) - set(self.keys)
            if unknown:
                raise ConfigurationError(f"overrides: {', '.join(sorted(unknown))} is not a searched lever; a sweep "
                                         f"on hydra/launcher={self.launcher} sets {', '.join(self.keys)}")
            for seed in seeds:
                row = {"policy": [p for p in policies.split(",") if p], "seed": int(seed)}
                row |= {key: float(given[key]) if key in given else math.nan for key in self.keys}
                rows.append(row)
        sweep = self.folder / name
        sweep.mkdir(parents=True, exist_ok=True)
        plan = self.folder / f"{name}_plan.parquet"
        atomic_write(plan, lambda tmp: pd.DataFrame(rows).to_parquet(tmp, index=False))
        command = [sys.executable, "-m", "experiments.run", "-m", "hydra/sweeper=rows", f"hydra.sweeper.table={plan}",
                   f"hydra/launcher={self.launcher}", *self.settings, f"hydra.sweep.dir={sweep}", *self.base,
                   "progress=false",
                   "figures=false", "resume=true"]
        print(f"{len(rows)} runs on hydra/launcher={self.launcher} into {sweep}", flush=True)
        done = subprocess.run(command, cwd=ROOT, check=False)
        if done.returncode != 0:
            raise ConfigurationError(f"hydra/launcher={self.launcher}: the sweep in {sweep} failed (exit "
                                     f"{done.returncode}); fix the cause and run the same command with --resume to "
                                     "complete it")
        values = [job_values(sweep / str(i), SUMMARY, flat_values) for i in range(len(rows))]
        k = len(seeds)
        return [values[i * k:(i + 1) * k] for i in range(len(settings))]


def job_values(job: Path, summary: str, flat_values) -> dict[str, float]:
    """The values of a job's summary, read by ``livelihoods.files`` (a regular file inside the job folder, numbers
    finite); ``DamagedRecord`` (one line) if it cannot be read or is not a run summary."""
    from livelihoods.files import load_json, why

    try:
        data = load_json(job / summary, record=True, within=job)
        if not isinstance(data, dict) or not isinstance(data.get("indicators"), dict):
            raise TypeError("not a run summary")
        return flat_values(data)
    except (LivelihoodsError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise DamagedRecord(f"{job / summary}: cannot be read ({why(exc)}); run the same command with --resume to "
                            "run the job again") from exc


@dataclass
class ComputedRuns(Runs):
    """Runs computed by a function ``compute(overrides, seeds) -> results`` (a planted problem in the tests);
    it is given the base overrides plus each package's, as an ``experiments.run`` would be."""
    compute: Callable[[list[list[str]], list[int]], Results]
    base: tuple[str, ...] = ()

    def __call__(self, settings: list[list[str]], seeds: list[int], name: str = "runs") -> Results:
        return self.compute([[*self.base, *s] for s in settings], seeds)
