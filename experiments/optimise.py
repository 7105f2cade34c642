"""The best package for a budget: ``python -m experiments.optimise [--preset NAME] [options] [overrides]``.

A programme designer with a budget asks which mix of the eight policies (stipend, childcare,
transport, mobility places, start-up kits, certification, apprenticeships, job referral) gives the
most completers or jobs, and what each step up in spending buys. The preset
(``configs/optimise/<NAME>.yaml``, default ``budget_500k``) names one lever per policy, its range
and step (0 switches the policy off), the budget, the objectives and the seeds. The search:

* **Optimiser**: Optuna's NSGA-II sampler (``optuna.samplers.NSGAIISampler``), a genetic
  multi-objective search with constrained domination. Chosen over pymoo because Optuna is already
  a dependency of calibration, stores every trial in SQLite (a killed search resumes where it
  stopped) and lets candidates be asked for and told in batches, so a generation runs as one
  sweep on a Hydra launcher. NSGA-II rather than NSGA-III: two or three objectives, where
  NSGA-II's crowding distance spreads the front well.
* **Objectives** (preset ``objectives``): minimise the mean programme cost, maximise the mean
  number of completers and of people employed, each mean over the preset's ``seeds``.
* **Budget** (constraint): ``max_s cost_s - budget_usd <= 0``, the largest cost over the seeds,
  so a package kept as within budget is within it at every seed.
* **Common random numbers**: every candidate runs with the same seeds, and the model draws every
  person's chances from streams that do not depend on the policies; differences between
  candidates are the packages' effects, not noise. The first candidate is "no package", the
  reference of every "extra" (paired over seeds: ``d_s = y_s(package) - y_s(none)``, a t interval
  over the seeds, and Fieller's interval of the cost per extra completer or employed person).

Writes to ``results/optimise/<time>/``: ``study.db`` (Optuna's storage), ``trials.csv`` (every
candidate, per seed and mean), ``pareto.csv`` and ``pareto.md`` (the front: package in words,
outcomes with intervals, extra outcomes over no package and their cost, the exact
``python -m experiments.run`` overrides that reproduce each point at each seed), ``pareto.png``,
and with ``--verify`` ``verify.csv`` (every front point re-run from its printed overrides on the
preset's fresh ``verify_seeds``, and whether the fresh mean is inside the search's interval).

The runs go to this machine's cores (``--jobs``), or, with ``hydra/launcher=<name>`` (basic, joblib,
ray, submitit_local, submitit_slurm), each generation goes as one sweep of ``experiments.run``
(``hydra/sweeper=rows``) to that launcher, into ``<out>/runs/``. ``--resume <out>`` continues a
killed or finished search (``--trials`` more candidates); candidates a kill interrupted are run
again with the parameters Optuna stored for them.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

import numpy as np
import pandas as pd
from scipy.special import stdtrit

from experiments.errors import fail
from experiments.labels import POLICIES

ROOT = Path(__file__).resolve().parent.parent
PRESETS = ROOT / "configs" / "optimise"
DEFAULT_PRESET = "budget_500k"
STUDY = "optimise"  # the Optuna study's name in study.db
SETTINGS = "optimise.json"  # what was asked for, stored at the start, read back by --resume
# besides the objectives, the per-seed values stored with every candidate and shown in the tables
REPORTED = ("cost.policies", "counts.enrolled", "counts.completed", "counts.certified", "counts.dropped_out",
            "counts.employed", "counts.employed_completers", "all.dropout_rate", "all.employment_rate",
            "training.employment_rate_completers", "all.regular_migration_rate", "all.irregular_migration_rate")


@dataclass
class Lever:
    """One policy's lever: ``key`` is set to 0, step, 2 step ... high; 0 leaves the policy out. No key: on/off."""
    key: Optional[str] = None
    high: float = 1.0
    step: float = 1.0
    unit: str = ""


@dataclass
class Objective:
    key: str = "counts.completed"
    direction: str = "maximize"  # maximize | minimize


@dataclass
class Preset:
    budget_usd: float = 500000.0
    budget_key: str = "cost.policies"
    objectives: list[Objective] = field(default_factory=list)
    seeds: list[int] = field(default_factory=lambda: [1, 2, 3, 4, 5])
    verify_seeds: list[int] = field(default_factory=lambda: [1001, 1002, 1003, 1004, 1005])
    population: int = 24
    trials: int = 192
    sampler_seed: int = 1
    confidence: float = 0.95
    levers: dict[str, Lever] = field(default_factory=dict)


def load_preset(name_or_path: str) -> Preset:
    """A preset by name (``configs/optimise/<name>.yaml``) or path, checked: one line per mistake."""
    from experiments.errors import load_checked

    path = Path(name_or_path)
    if path.suffix not in (".yaml", ".yml"):
        path = PRESETS / f"{name_or_path}.yaml"
    if not path.is_file():
        names = ", ".join(sorted(p.stem for p in PRESETS.glob("*.yaml")))
        fail(f"--preset: no preset {name_or_path!r}; allowed: {names}, or the path of a YAML file")
    preset: Preset = load_checked(Preset, path)
    check_preset(preset, f"--preset {path.stem}")
    return preset


def check_preset(p: Preset, where: str) -> None:
    for name in p.levers:
        if name not in POLICIES:
            fail(f"{where}: levers.{name}: not a policy; allowed: {', '.join(POLICIES)}")
    if not p.levers:
        fail(f"{where}: levers: must name at least one policy ({', '.join(POLICIES)})")
    for name, lever in p.levers.items():
        if lever.key is not None and not lever.key.startswith(f"policy.{name}."):
            fail(f"{where}: levers.{name}.key: must be a key of the policy (policy.{name}.<field>), got {lever.key!r}")
        if lever.key is not None and not (lever.step > 0 and lever.high >= lever.step):
            fail(f"{where}: levers.{name}: needs step > 0 and high >= step, got step {lever.step}, high {lever.high}")
    if not 2 <= len(p.objectives) <= 3:
        fail(f"{where}: objectives: must list 2 or 3 objectives (the first the cost), got {len(p.objectives)}")
    for i, o in enumerate(p.objectives):
        if o.direction not in ("maximize", "minimize"):
            fail(f"{where}: objectives[{i}].direction: must be maximize or minimize, got {o.direction!r}")
    if p.objectives[0].key != p.budget_key or p.objectives[0].direction != "minimize":
        fail(f"{where}: objectives[0]: must be {{key: {p.budget_key}, direction: minimize}} (the cost the budget caps)")
    if not (p.budget_usd > 0 and math.isfinite(p.budget_usd)):
        fail(f"{where}: budget_usd: must be a positive number of USD, got {p.budget_usd}")
    for name, seeds in (("seeds", p.seeds), ("verify_seeds", p.verify_seeds)):
        if len(seeds) < 2 or len(set(seeds)) != len(seeds) or min(seeds) < 0:
            fail(f"{where}: {name}: must list at least 2 different seeds >= 0 (intervals need 2), got {seeds}")
    if set(p.seeds) & set(p.verify_seeds):
        fail(f"{where}: verify_seeds: must be fresh, not among seeds; both list {sorted(set(p.seeds) & set(p.verify_seeds))}")
    if p.population < 2:
        fail(f"{where}: population: must be an integer >= 2, got {p.population}")
    if p.trials < 1:
        fail(f"{where}: trials: must be an integer >= 1, got {p.trials}")
    if not 0.5 <= p.confidence < 1:
        fail(f"{where}: confidence: must be in [0.5, 1), got {p.confidence}")


# --- packages: the levers' values, in words and as overrides ---------------------------------------------


def number(x: float) -> str:
    """A lever's value as typed on a command line: 45, 0.25 (never 45.0 or 0.25000000000000006)."""
    x = round(float(x), 10)
    return str(int(x)) if x == int(x) else repr(x)


def active(package: dict[str, float]) -> list[str]:
    """The policies the package funds, in the order of ``POLICIES``."""
    return [name for name in POLICIES if package.get(name, 0) > 0]


def package_overrides(package: dict[str, float], levers: dict[str, Lever]) -> list[str]:
    """``policy=[a,b]`` then each funded lever's ``key=value``: what ``experiments.run`` is given."""
    names = active(package)
    out = [f"policy=[{','.join(names)}]"]
    out += [f"{levers[n].key}={number(package[n])}" for n in names if levers[n].key is not None]
    return out


def package_words(package: dict[str, float], levers: dict[str, Lever]) -> str:
    """"stipend 45 USD/month + childcare 50% of trainee mothers + certification"; "no package"."""
    names = active(package)
    if not names:
        return "no package"
    parts = []
    for n in names:
        lever = levers[n]
        if lever.key is None:
            parts.append(n.replace("_", " "))
        elif lever.unit.startswith("share"):
            parts.append(f"{n.replace('_', ' ')} {100 * package[n]:.0f}% ({lever.unit.removeprefix('share ')})")
        else:
            parts.append(f"{n.replace('_', ' ')} {number(package[n])} {lever.unit}")
    return " + ".join(parts)


def suggest(trial, levers: dict[str, Lever]) -> dict[str, float]:
    """The trial's package: each lever one of 0, step, ..., high (on/off levers 0 or 1)."""
    package = {}
    for name, lever in levers.items():
        if lever.key is None:
            package[name] = float(trial.suggest_int(name, 0, 1))
        else:
            top = math.floor(lever.high / lever.step + 1e-9) * lever.step
            package[name] = float(trial.suggest_float(name, 0.0, top, step=lever.step))
    return package


# --- evaluating candidates: each package at each seed -------------------------------------------------

Evaluate = Callable[[list[list[str]], list[int]], list[list[dict[str, float]]]]
"""``evaluate(settings, seeds)[i][j]``: the ``Result.values()`` of package overrides ``settings[i]`` at ``seeds[j]``."""


@dataclass
class LocalRuns:
    """The runs on this machine's cores: ``livelihoods.run_study`` of the base overrides plus each package."""
    base: tuple[str, ...]
    jobs: int

    def __call__(self, settings: list[list[str]], seeds: list[int]) -> list[list[dict[str, float]]]:
        from livelihoods import ConfigurationError, run_study

        try:
            table = run_study([[*self.base, *s] for s in settings], seeds=seeds, jobs=self.jobs, progress=True)
        except ConfigurationError as exc:
            fail(str(exc))
        rows = table.drop(columns=["setting", "seed"]).to_dict("records")
        k = len(seeds)
        return [rows[i * k:(i + 1) * k] for i in range(len(settings))]


@dataclass
class LauncherRuns:
    """The same runs as one Hydra sweep of ``experiments.run`` (``hydra/sweeper=rows``) on ``launcher``.

    Row ``i * len(seeds) + j`` of the plan is package ``i`` at seed ``j``: its ``policy`` list, each funded
    lever's value (empty for the others, so no override), and the seed. Each call sweeps into its own
    folder ``<folder>/<name>`` with ``resume=true``, so a killed generation run again skips the finished jobs.
    """
    base: tuple[str, ...]
    launcher: str
    folder: Path
    keys: tuple[str, ...]  # every lever key of the preset

    def __call__(self, settings: list[list[str]], seeds: list[int], name: str = "runs") -> list[list[dict[str, float]]]:
        import subprocess

        from experiments.outputs import SUMMARY, atomic_write
        from livelihoods import flat_values

        rows = []
        for overrides in settings:
            given = dict(o.split("=", 1) for o in overrides)
            policies = given.pop("policy").strip("[]")
            for seed in seeds:
                row = {"policy": [p for p in policies.split(",") if p], "seed": int(seed)}
                row |= {key: float(given[key]) if key in given else math.nan for key in self.keys}
                rows.append(row)
        sweep = self.folder / name
        sweep.mkdir(parents=True, exist_ok=True)
        plan = self.folder / f"{name}_plan.parquet"
        atomic_write(plan, lambda tmp: pd.DataFrame(rows).to_parquet(tmp, index=False))
        command = [sys.executable, "-m", "experiments.run", "-m", "hydra/sweeper=rows", f"hydra.sweeper.table={plan}",
                   f"hydra/launcher={self.launcher}", f"hydra.sweep.dir={sweep}", *self.base, "progress=false",
                   "figures=false", "resume=true"]
        print(f"{len(rows)} runs on hydra/launcher={self.launcher} into {sweep}", flush=True)
        done = subprocess.run(command, cwd=ROOT)
        if done.returncode != 0:
            fail(f"hydra/launcher={self.launcher}: the sweep in {sweep} failed (exit {done.returncode}); fix the "
                 "cause and run the same command with --resume to complete it")
        values = [flat_values(json.loads((sweep / str(i) / SUMMARY).read_text())) for i in range(len(rows))]
        k = len(seeds)
        return [values[i * k:(i + 1) * k] for i in range(len(settings))]
