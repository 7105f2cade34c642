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
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

import numpy as np
import pandas as pd

from experiments.studies.labels import POLICIES
from experiments.studies.stats import t_interval, t_quantile, welch
from livelihoods.errors import ConfigurationError, entry_point
from livelihoods.paths import ROOT

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
    polish_rounds: int = 0  # after NSGA-II: rounds of local search around the best packages within budget
    polish_starts: int = 1  # ... around this many of the best within budget per objective (one local optimum
    #                         is not a search)
    levers: dict[str, Lever] = field(default_factory=dict)


def load_preset(name_or_path: str) -> Preset:
    """A preset by name (``configs/optimise/<name>.yaml``) or path, checked: one line per mistake."""
    from livelihoods.files import load_checked

    path = Path(name_or_path)
    if path.suffix not in (".yaml", ".yml"):
        path = PRESETS / f"{name_or_path}.yaml"
    if not path.is_file():
        names = ", ".join(sorted(p.stem for p in PRESETS.glob("*.yaml")))
        raise ConfigurationError(f"--preset: no preset {name_or_path!r}; allowed: {names}, or the path of a YAML file")
    preset: Preset = load_checked(Preset, path)
    check_preset(preset, f"--preset {path.stem}")
    return preset


def check_preset(p: Preset, where: str) -> None:
    for name in p.levers:
        if name not in POLICIES:
            raise ConfigurationError(f"{where}: levers.{name}: not a policy; allowed: {', '.join(POLICIES)}")
    if not p.levers:
        raise ConfigurationError(f"{where}: levers: must name at least one policy ({', '.join(POLICIES)})")
    for name, lever in p.levers.items():
        if lever.key is not None and not lever.key.startswith(f"policy.{name}."):
            raise ConfigurationError(f"{where}: levers.{name}.key: must be a key of the policy "
                                     f"(policy.{name}.<field>), got {lever.key!r}")
        if lever.key is not None and not (lever.step > 0 and lever.high >= lever.step):
            raise ConfigurationError(f"{where}: levers.{name}: needs step > 0 and high >= step, got step "
                                     f"{lever.step}, high {lever.high}")
    if not 2 <= len(p.objectives) <= 3:
        raise ConfigurationError(f"{where}: objectives: must list 2 or 3 objectives (the first the cost), got "
                                 f"{len(p.objectives)}")
    for i, o in enumerate(p.objectives):
        if o.direction not in ("maximize", "minimize"):
            raise ConfigurationError(f"{where}: objectives[{i}].direction: must be maximize or minimize, got "
                                     f"{o.direction!r}")
    if p.objectives[0].key != p.budget_key or p.objectives[0].direction != "minimize":
        raise ConfigurationError(f"{where}: objectives[0]: must be {{key: {p.budget_key}, direction: minimize}} (the "
                                 f"cost the budget caps)")
    if not (p.budget_usd > 0 and math.isfinite(p.budget_usd)):
        raise ConfigurationError(f"{where}: budget_usd: must be a positive number of USD, got {p.budget_usd}")
    for name, seeds in (("seeds", p.seeds), ("verify_seeds", p.verify_seeds)):
        if len(seeds) < 2 or len(set(seeds)) != len(seeds) or min(seeds) < 0:
            raise ConfigurationError(f"{where}: {name}: must list at least 2 different seeds >= 0 (intervals need 2), "
                                     f"got {seeds}")
    if set(p.seeds) & set(p.verify_seeds):
        raise ConfigurationError(f"{where}: verify_seeds: must be fresh, not among seeds; both list "
                                 f"{sorted(set(p.seeds) & set(p.verify_seeds))}")
    if p.population < 2:
        raise ConfigurationError(f"{where}: population: must be an integer >= 2, got {p.population}")
    if p.polish_rounds < 0:
        raise ConfigurationError(f"{where}: polish_rounds: must be an integer >= 0, got {p.polish_rounds}")
    if p.polish_starts < 1:
        raise ConfigurationError(f"{where}: polish_starts: must be an integer >= 1, got {p.polish_starts}")
    if p.trials < 1:
        raise ConfigurationError(f"{where}: trials: must be an integer >= 1, got {p.trials}")
    if not 0.5 <= p.confidence < 1:
        raise ConfigurationError(f"{where}: confidence: must be in [0.5, 1), got {p.confidence}")


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


POLICY_WORDS = {"startup_kit": "start-up kit", "mobility_scheme": "mobility scheme", "job_referral": "job referral"}


def package_words(package: dict[str, float], levers: dict[str, Lever]) -> str:
    """"stipend 45 USD/month + childcare 50% of trainee mothers + certification"; "no package"."""
    names = [n for n in levers if package.get(n, 0) > 0]
    if not names:
        return "no package"
    parts = []
    for n in names:
        lever, name = levers[n], POLICY_WORDS.get(n, n.replace("_", " "))
        if lever.key is None:
            parts.append(name)
        elif lever.unit.startswith("share"):
            parts.append(f"{name} {100 * package[n]:.0f}% ({lever.unit.removeprefix('share ')})")
        else:
            parts.append(f"{name} {number(package[n])} {lever.unit}")
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
            raise ConfigurationError(str(exc))
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

        from experiments.records.files import atomic_write
        from experiments.records.runs import SUMMARY
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
            raise ConfigurationError(f"hydra/launcher={self.launcher}: the sweep in {sweep} failed (exit "
                                     f"{done.returncode}); fix the "
                                     "cause and run the same command with --resume to complete it")
        values = [flat_values(json.loads((sweep / str(i) / SUMMARY).read_text())) for i in range(len(rows))]
        k = len(seeds)
        return [values[i * k:(i + 1) * k] for i in range(len(settings))]


# --- the search: ask a generation, run it, tell its outcomes -------------------------------------------


def open_study(storage: str, preset: Preset, load_if_exists: bool):
    """The Optuna study in ``storage`` (an RDB URL): NSGA-II over the preset's objectives."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna.create_study(storage=storage, study_name=STUDY, sampler=sampler(preset, 0), load_if_exists=load_if_exists,
                               directions=[o.direction for o in preset.objectives])


def sampler(preset: Preset, asked_before: int):
    """NSGA-II with the preset's population, its random stream derived from (sampler_seed, trials asked so far)."""
    import optuna

    seed = int(np.random.SeedSequence([preset.sampler_seed, asked_before]).generate_state(1)[0])
    return optuna.samplers.NSGAIISampler(population_size=preset.population, seed=seed)


def required_keys(preset: Preset) -> list[str]:
    return list(dict.fromkeys([o.key for o in preset.objectives] + [preset.budget_key]))


def stored_keys(preset: Preset, run: dict[str, float]) -> list[str]:
    """The objectives, the budget's cost and those of ``REPORTED`` the run has."""
    return required_keys(preset) + [k for k in REPORTED if k in run and k not in required_keys(preset)]


def tell(study, trial, package: dict[str, float], per_seed: list[dict[str, float]], preset: Preset) -> None:
    """Store a candidate's per-seed outcomes (user attribute ``values``: key -> one value per seed, the
    package, its overrides) and tell Optuna its objectives (means over seeds) and budget constraint
    (``max_s cost_s - budget``: feasible when <= 0)."""
    values = {key: [float(run[key]) for run in per_seed] for key in stored_keys(preset, per_seed[0])}
    trial.set_user_attr("values", values)
    trial.set_user_attr("package", package)
    trial.set_user_attr("overrides", package_overrides(package, preset.levers))
    trial.set_constraint("budget", max(values[preset.budget_key]) - preset.budget_usd)
    study.tell(trial, [float(np.mean(values[o.key])) for o in preset.objectives])


def check_keys(run: dict[str, float], preset: Preset) -> None:
    """An objective or budget key the model does not report: one line, before the search goes on."""
    missing = [key for key in required_keys(preset) if key not in run]
    if missing:
        names = ", ".join(sorted(k for k in run if k.startswith(("counts.", "cost.", "all.", "training."))))
        raise ConfigurationError(f"objectives/budget_key: {', '.join(missing)} is not an outcome of a run; allowed: "
                                 f"{names}")


def package_key(package: dict[str, float]) -> tuple:
    return tuple(sorted((name, round(float(value), 10)) for name, value in package.items()))


def evaluated(study) -> dict[tuple, object]:
    """The complete candidates that were run (not copies of an earlier one), by package."""
    return {package_key(t.user_attrs["package"]): t for t in complete_trials(study) if "duplicate_of" not in t.user_attrs}


def run_batch(study, trials: list, preset: Preset, evaluate: Evaluate, label: str) -> int:
    """Run the batch's new packages at every seed and tell Optuna every candidate's outcomes; a package
    already run (NSGA-II proposes some again, a discrete space has few) is told the stored outcomes
    (``duplicate_of``) instead of being run again. Returns the number of new packages run."""
    packages = [suggest(t, preset.levers) for t in trials]
    ran_before = evaluated(study)
    known = {key: t.user_attrs["values"] for key, t in ran_before.items()}
    known_trial = {key: t.number for key, t in ran_before.items()}
    new: dict[tuple, int] = {}
    for i, package in enumerate(packages):
        key = package_key(package)
        if key not in known and key not in new:
            new[key] = i
    print(f"{label}: {len(trials)} candidates, {len(new)} new, x {len(preset.seeds)} seeds", flush=True)
    runs: dict[tuple, list[dict[str, float]]] = {}
    if new:
        settings = [package_overrides(packages[i], preset.levers) for i in new.values()]
        if isinstance(evaluate, LauncherRuns):
            first, last = trials[0].number, trials[-1].number
            results = evaluate(settings, preset.seeds, name=f"trials_{first:04d}-{last:04d}")
        else:
            results = evaluate(settings, preset.seeds)
        check_keys(results[0][0], preset)
        runs = dict(zip(new, results))
    for i, (trial, package) in enumerate(zip(trials, packages)):
        key = package_key(package)
        if key in runs and new[key] == i:
            tell(study, trial, package, runs[key], preset)
        else:  # a copy: the outcomes of the candidate that ran this package
            source = known.get(key)
            if source is None:
                source = {k: [float(run[k]) for run in runs[key]] for k in stored_keys(preset, runs[key][0])}
                trial.set_user_attr("duplicate_of", trials[new[key]].number)
            else:
                trial.set_user_attr("duplicate_of", known_trial[key])
            per_seed = [{k: v[j] for k, v in source.items()} for j in range(len(preset.seeds))]
            tell(study, trial, package, per_seed, preset)
    return len(new)


def search(study, preset: Preset, evaluate: Evaluate, trials: int, after_batch: Callable[[], None] | None = None):
    """Run the study until ``trials`` different packages have been run; the first is "no package".

    Candidates left running by a kill are run first, with the parameters Optuna stored for them (a
    resumed search is the search that was interrupted). Each generation (``preset.population``
    candidates) is asked for at once and its new packages run as one batch of ``len(seeds)`` runs each.
    The search stops early when three generations in a row propose no new package (it has converged).
    """
    import optuna
    from optuna.trial import TrialState

    stale = [optuna.trial.Trial(study, t._trial_id) for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))]
    if stale:
        run_batch(study, stale, preset, evaluate, f"resuming {len(stale)} interrupted candidates")
        if after_batch:
            after_batch()
    if not study.get_trials(deepcopy=False):
        for package in first_packages(preset.levers):
            study.enqueue_trial(package)
    barren = 0
    while (done := len(evaluated(study))) < trials and barren < 3:
        # a sampler seeded from the trials so far: the next generation depends on the stored trials alone,
        # so a search resumed after a kill asks for what the uninterrupted search would have
        study.sampler = sampler(preset, len(study.get_trials(deepcopy=False)))
        batch = [study.ask() for _ in range(preset.population)]
        ran = run_batch(study, batch, preset, evaluate, f"packages run {done} of {trials}")
        barren = 0 if ran else barren + 1
        if after_batch:
            after_batch()
    if barren >= 3:
        print(f"the search converged: {barren} generations proposed no new package ({len(evaluated(study))} run)")
    return study


def first_packages(levers: dict[str, Lever]) -> list[dict[str, float]]:
    """The start of every search: "no package" (the reference of every "extra"), then each policy alone at
    its smallest step. Random packages of eight levers are rarely cheap, so without these the cheap end of
    the front (what the first dollars buy) goes unexplored; the rest of the first generation is NSGA-II's."""
    none = {name: 0 for name in levers}
    alone = [none | {name: (lever.step if lever.key else 1)} for name, lever in levers.items()]
    return [none, *alone]


def neighbours(package: dict[str, float], levers: dict[str, Lever]) -> list[dict[str, float]]:
    """Packages one move away: one lever a step up or down, or one a step up and another a step down
    (the move along a budget's edge that a genetic search rarely makes)."""
    step = {n: (lever.step if lever.key else 1.0) for n, lever in levers.items()}
    top = {n: (math.floor(lever.high / lever.step + 1e-9) * lever.step if lever.key else 1.0) for n, lever in levers.items()}

    def moved(changes):
        out = dict(package)
        for n, d in changes:
            out[n] = round(out[n] + d * step[n], 10)
            if not -1e-9 <= out[n] <= top[n] + 1e-9:
                return None
        return out

    moves = [[(n, d)] for n in levers for d in (1, -1)] + [[(a, 1), (b, -1)] for a in levers for b in levers if a != b]
    return [p for p in (moved(m) for m in moves) if p is not None]


def best_within_budget(study, preset: Preset, objective: Objective, k: int | None = None):
    """The best package within budget for ``objective`` (ties: the cheaper), or with ``k`` the best k, best first."""
    sign = 1 if objective.direction == "maximize" else -1
    ok = [t for t in evaluated(study).values() if t.constraints.get("budget", 0.0) <= 0]
    ranked = sorted(ok, key=lambda t: (-sign * np.mean(t.user_attrs["values"][objective.key]),
                                       np.mean(t.user_attrs["values"][preset.budget_key]), t.number))
    if k is not None:
        return ranked[:k]
    return ranked[0] if ranked else None


def polish(study, preset: Preset, evaluate: Evaluate, after_batch: Callable[[], None] | None = None) -> None:
    """``preset.polish_rounds`` rounds of local search: for each objective, every neighbour of the
    ``preset.polish_starts`` best packages within budget that has not run yet is run (as enqueued Optuna
    trials, stored like the others); stops when a round changes none of those best packages."""
    for r in range(preset.polish_rounds):
        improved = False
        for objective in preset.objectives[1:]:
            best = best_within_budget(study, preset, objective, preset.polish_starts)
            if not best:
                continue
            known = evaluated(study)
            todo = {package_key(p): p for t in best for p in neighbours(t.user_attrs["package"], preset.levers)}
            todo = [p for key, p in todo.items() if key not in known]
            if not todo:
                continue
            for p in todo:
                study.enqueue_trial({n: (int(v) if preset.levers[n].key is None else v) for n, v in p.items()})
            batch = [study.ask() for _ in todo]
            run_batch(study, batch, preset, evaluate, f"polish round {r + 1}, {words(objective.key)}")
            after = best_within_budget(study, preset, objective, preset.polish_starts)
            improved |= [t.number for t in after] != [t.number for t in best]
            if after_batch:
                after_batch()
        if not improved:
            break


# --- tables: every candidate, the front, the extra outcomes over no package --------------------------


def complete_trials(study) -> list:
    from optuna.trial import TrialState

    return study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))


def reference_trial(trials: list):
    """The "no package" candidate (the first, enqueued), or None if it is not complete."""
    return next((t for t in trials if not active(t.user_attrs["package"])), None)


def cost_per_extra(cost: list[float], effect: list[float], confidence: float) -> dict:
    """Incremental cost per extra outcome over the seeds' pairs (experiments.studies.cost_effectiveness.one)."""
    from experiments.studies.cost_effectiveness import one

    pairs = pd.DataFrame({"draw": -1, "seed": range(len(cost)), "dC": cost, "dE": effect})
    return one(pairs, confidence)


def trials_frame(study, preset: Preset, base: tuple[str, ...]) -> pd.DataFrame:
    """One row per complete candidate: its package, feasibility, mean and interval of every stored outcome,
    the extra outcomes over no package (paired over seeds) and the cost per extra one, its overrides."""
    trials = [t for t in complete_trials(study) if "duplicate_of" not in t.user_attrs]  # each package once
    ref = reference_trial(trials)
    effects = [o.key for o in preset.objectives[1:]]
    rows = []
    for t in trials:
        values, package = t.user_attrs["values"], t.user_attrs["package"]
        row = {"trial": t.number, "generation": t.system_attrs.get("NSGAIISampler:generation", 0),
               "package": package_words(package, preset.levers),
               **{f"lever.{name}": package.get(name, 0.0) for name in preset.levers},
               "within_budget": t.constraints.get("budget", 0.0) <= 0,
               "max_cost_over_seeds": max(values[preset.budget_key])}
        for key, series in values.items():
            row[key], row[f"{key}.low"], row[f"{key}.high"] = t_interval(series, preset.confidence)
        if ref is not None:
            rv = ref.user_attrs["values"]
            for key in effects:
                d = np.subtract(values[key], rv[key])
                row[f"extra.{key}"], row[f"extra.{key}.low"], row[f"extra.{key}.high"] = t_interval(d, preset.confidence)
                if t is not ref:
                    ce = cost_per_extra(list(np.subtract(values[preset.budget_key], rv[preset.budget_key])), list(d),
                                        preset.confidence)
                    row[f"cost_per_extra.{key}"] = ce.get("icer", math.nan)
                    row[f"cost_per_extra.{key}.low"] = ce.get("icer_low", math.nan)
                    row[f"cost_per_extra.{key}.high"] = ce.get("icer_high", math.nan)
                    row[f"cost_per_extra.{key}.note"] = ce.get("status", "")
        row["overrides"] = shlex.join([*base, *t.user_attrs["overrides"]])
        rows.append(row)
    return pd.DataFrame(rows)


def non_dominated(frame: pd.DataFrame, cost: str, effects: list[str]) -> pd.Series:
    """True for rows no other row beats: cost no higher and every effect no lower, one of them strictly."""
    c = frame[cost].to_numpy()
    e = frame[effects].to_numpy()
    keep = np.ones(len(frame), dtype=bool)
    for i in range(len(frame)):
        no_worse = (c <= c[i]) & (e >= e[i]).all(axis=1)
        better = (c < c[i]) | (e > e[i]).any(axis=1)
        keep[i] = not (no_worse & better).any()
    return pd.Series(keep, index=frame.index)


def fronts(frame: pd.DataFrame, preset: Preset) -> pd.DataFrame:
    """The Pareto front among the candidates within budget: ``on_front`` (all objectives) and
    ``on_front.<objective>`` (cost against that objective alone: the cheapest way to each level)."""
    cost, effects = preset.objectives[0].key, [o.key for o in preset.objectives[1:]]
    signs = {o.key: (1 if o.direction == "maximize" else -1) for o in preset.objectives[1:]}
    frame = frame.copy()
    ok = frame["within_budget"]
    signed = frame[[cost]].assign(**{k: signs[k] * frame[k] for k in effects})
    frame["on_front"] = False
    frame.loc[ok, "on_front"] = non_dominated(signed[ok], cost, effects)
    for key in effects:
        frame[f"on_front.{key}"] = False
        frame.loc[ok, f"on_front.{key}"] = non_dominated(signed[ok], cost, [key])
    return frame


# --- what the reader sees: pareto.md, pareto.png -------------------------------------------------------

WORDS = {  # stored outcome -> (words, unit)
    "cost.policies": ("policy spending", "USD over the run"),
    "counts.enrolled": ("enrolees", "persons"),
    "counts.completed": ("completers", "persons"),
    "counts.certified": ("certified completers", "persons"),
    "counts.dropped_out": ("dropouts", "persons"),
    "counts.employed": ("people employed at home", "persons at the end of the run"),
    "counts.employed_completers": ("employed completers", "persons at the end of the run"),
    "all.dropout_rate": ("dropout", "share of enrolees"),
    "all.employment_rate": ("employment", "share of persons at home"),
    "training.employment_rate_completers": ("completers' employment", "share of completers at home"),
    "all.regular_migration_rate": ("regular migration", "share of the population"),
    "all.irregular_migration_rate": ("irregular migration", "share of the population"),
}


UNIT_SHORT = {"counts.employed": "persons", "counts.employed_completers": "persons"}
ONE = {"counts.completed": "completer", "counts.employed": "person employed at home", "counts.enrolled": "enrolee",
       "counts.certified": "certified completer", "counts.employed_completers": "employed completer"}


def words(key: str) -> str:
    return WORDS.get(key, (key, ""))[0]


def shown(key: str, m: float, lo: float = math.nan, hi: float = math.nan, difference: bool = False) -> str:
    """``12,345 [12,001, 12,700]``: a value and its interval, in the unit of ``key``."""
    from experiments.studies.labels import money

    unit = WORDS.get(key, ("", ""))[1]

    def one(x: float) -> str:
        if x is None or not math.isfinite(x):
            return "–"
        if unit.startswith("share"):
            return f"{100 * x:+.2f}" if difference else f"{100 * x:.2f}%"
        if unit.startswith("USD"):
            return ("+" if difference and x > 0 else "") + money(x)
        return f"{x:+,.0f}" if difference else f"{x:,.0f}"

    if not math.isfinite(lo) or lo == hi == m:
        return one(m)
    return f"{one(m)} [{one(lo)}, {one(hi)}]"


def markdown(frame: pd.DataFrame, preset: Preset, base: tuple[str, ...], verified: pd.DataFrame | None) -> str:
    from experiments.studies.labels import money

    cost, effects = preset.objectives[0].key, [o.key for o in preset.objectives[1:]]
    level, n = f"{100 * preset.confidence:g}%", len(preset.seeds)
    ref = frame[frame["package"] == "no package"]
    feasible = frame[frame["within_budget"]]
    lines = [f"# The best package for a budget of {money(preset.budget_usd)} USD", "",
             f"{len(frame)} candidate packages searched by NSGA-II (Optuna), each run with the same {n} seeds "
             f"({', '.join(map(str, preset.seeds))}; common random numbers); {len(feasible)} stay within the budget "
             f"at every seed ({words(cost)}, the largest over the seeds). Values are means over the seeds with "
             f"{level} t intervals; \"extra\" is the paired difference from no package over the same seeds, and the "
             f"cost per extra outcome is the incremental cost with Fieller's {level} interval (\"–\" when the extra "
             "outcome's interval includes zero)." + (f" Base overrides: `{' '.join(base)}`." if base else ""), ""]
    if len(ref):
        r = ref.iloc[0]
        lines += ["No package: " + "; ".join(f"{words(k)} {shown(k, r[k], r[k + '.low'], r[k + '.high'])}"
                                             for k in effects) + ".", ""]
    for key in effects:
        best = feasible.sort_values([key, cost], ascending=[False, True]).head(1)
        if len(best):
            b = best.iloc[0]
            lines.append(f"**Most {words(key)} within the budget:** {b['package']}: {shown(key, b[key], b[key + '.low'], b[key + '.high'])} "
                         f"({shown(key, b['extra.' + key], b['extra.' + key + '.low'], b['extra.' + key + '.high'], True)} over no package) "
                         f"for {money(b[cost])} USD (trial {b['trial']}).")
    lines.append("")
    for key in effects:
        on = frame[frame[f"on_front.{key}"]].sort_values(cost)
        lines += [f"## The cheapest way to each number of {words(key)}", "",
                  f"Each row: no cheaper package within the budget gives as many {words(key)}. "
                  f"Cost per extra: USD per extra {ONE.get(key, words(key))} over no package (incremental).", "",
                  "| trial | package | " + " | ".join([f"{words(cost)} (USD)", *(f"{words(k)}" for k in effects),
                                                       f"extra {words(key)}", "cost per extra (USD)"]) + " |",
                  "|" + "---|" * (4 + len(effects) + 1)]
        for _, r in on.iterrows():
            ce = r.get(f"cost_per_extra.{key}", math.nan)
            ce_text = shown(cost, ce, r.get(f"cost_per_extra.{key}.low", math.nan),
                            r.get(f"cost_per_extra.{key}.high", math.nan)) if isinstance(ce, float) and math.isfinite(ce) \
                else ("–" if r["package"] != "no package" else "")
            cells = [str(r["trial"]), r["package"], shown(cost, r[cost], r[cost + ".low"], r[cost + ".high"]),
                     *(shown(k, r[k], r[k + ".low"], r[k + ".high"]) for k in effects),
                     shown(key, r[f"extra.{key}"], r[f"extra.{key}.low"], r[f"extra.{key}.high"], True), ce_text]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    front = frame[frame["on_front"]].sort_values(cost)
    lines += ["## Reproducing a point", "",
              f"Every point of the front (all objectives at once: {len(front)} packages; `pareto.csv`) is one "
              "`experiments.run` per seed:", "", "```"]
    seeds = " ".join(map(str, preset.seeds))
    lines += [f"# trial {r['trial']}: {r['package']}\nfor seed in {seeds}; do python -m experiments.run {r['overrides']} seed=$seed; done"
              for _, r in front.iterrows()]
    lines += ["```", ""]
    if verified is not None and len(verified):
        lines += ["## Re-run on fresh seeds", "",
                  f"Each front point re-run from the overrides above with the fresh seeds "
                  f"{', '.join(map(str, preset.verify_seeds))}. Per outcome: how often the fresh mean is inside the "
                  f"search's {level} interval, how often the difference between the two means is consistent with "
                  f"zero (Welch's {level} interval), and the largest difference relative to the search's mean.", "",
                  "| outcome | pairs | fresh mean inside the search's interval | difference consistent with zero "
                  "| largest relative difference |", "|---|---|---|---|---|"]
        for key, g in verified.groupby("outcome", sort=False):
            lines.append(f"| {words(key)} | {len(g)} | {100 * g['inside'].mean():.0f}% | "
                         f"{100 * g['consistent'].mean():.0f}% | {100 * g['relative_difference'].max():.1f}% |")
        lines += ["", "Both means have their own seed noise, so the fresh mean falls inside the search's interval "
                  "less often than the interval's level even when nothing is wrong; and because all points share "
                  "the same seeds, their differences move together (one draw of the seeds, not independent checks). "
                  "A front is also chosen for looking good on the search's seeds, so fresh means a little below the "
                  "search's are expected.", "",
                  "| trial | outcome | search | fresh seeds | fresh − search | inside | consistent |",
                  "|---|---|---|---|---|---|---|"]
        for _, v in verified.iterrows():
            lines.append(f"| {v['trial']} | {words(v['outcome'])} | {shown(v['outcome'], v['search'], v['search.low'], v['search.high'])} "
                         f"| {shown(v['outcome'], v['fresh'], v['fresh.low'], v['fresh.high'])} "
                         f"| {shown(v['outcome'], v['difference'], v['difference.low'], v['difference.high'], True)} "
                         f"| {'yes' if v['inside'] else 'no'} | {'yes' if v['consistent'] else 'no'} |")
        lines.append("")
    return "\n".join(lines)


def figure(frame: pd.DataFrame, preset: Preset, path: Path) -> None:
    """One panel per objective against cost: every candidate, the front with its intervals, the budget."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from experiments.records.files import atomic_write

    cost, effects = preset.objectives[0].key, [o.key for o in preset.objectives[1:]]
    fig, axes = plt.subplots(1, len(effects), figsize=(6.2 * len(effects), 5.0), squeeze=False)
    k = 1000.0
    for ax, key in zip(axes[0], effects):
        y = f"extra.{key}"  # paired over the seeds: the uncertainty of a comparison under common random numbers
        inside, outside = frame[frame["within_budget"]], frame[~frame["within_budget"]]
        ax.scatter(outside[cost] / k, outside[y], s=12, color="#d9a0a0", label="over budget")
        ax.scatter(inside[cost] / k, inside[y], s=12, color="#9a9a9a", label="within budget")
        on = frame[frame[f"on_front.{key}"]].sort_values(cost)
        ax.errorbar(on[cost] / k, on[y], yerr=[on[y] - on[y + ".low"], on[y + ".high"] - on[y]],
                    fmt="o-", color="#1f5fa8", ms=4, lw=1.4, capsize=2,
                    label=f"front: cheapest for its {words(key)}")
        ax.scatter([0], [0], marker="s", s=50, color="black", zorder=5, label="no package")
        ax.axvline(preset.budget_usd / k, color="#b8860b", ls="--", lw=1.2,
                   label=f"budget {preset.budget_usd / k:,.0f} thousand USD")
        ax.axhline(0, color="black", lw=0.6)
        ax.set_xlabel(f"{words(cost)} (thousand USD over the run)")
        ax.set_ylabel(f"extra {words(key)} over no package ({UNIT_SHORT.get(key, 'persons')})")
        right = min(frame[cost].max() / k, 2 * preset.budget_usd / k) * 1.03  # the region a budget holder reads
        ax.set_xlim(-0.02 * right, right)
        seen = frame.loc[frame[cost] / k <= right, y + ".high"].fillna(frame[y])
        ax.set_ylim(top=1.08 * max(float(seen.max()), 1.0))
        ax.grid(alpha=0.3)
        ax.set_title(f"extra {words(key)} against cost")
        ax.legend(fontsize=8, loc="best", framealpha=0.9)
    fig.suptitle(f"Packages searched for a {preset.budget_usd / k:,.0f} thousand USD budget: {len(frame)} candidates "
                 f"(NSGA-II), shown up to twice the budget\ndifferences from no package, mean over n = "
                 f"{len(preset.seeds)} seeds (common random numbers) with {100 * preset.confidence:g}% t intervals",
                 fontsize=10)
    fig.tight_layout()
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=130, format="png"))
    plt.close(fig)


def current_verification(folder: Path, candidates: int) -> pd.DataFrame | None:
    """``verify.csv`` if it verified the front of ``candidates`` candidates; one of an earlier front (the
    search has grown since) is kept, renamed ``verify_<n>_candidates.csv``, so it cannot be read as this one's."""
    path = folder / "verify.csv"
    if not path.exists():
        return None
    verified = pd.read_csv(path)
    n = int(verified["candidates"].iloc[0]) if "candidates" in verified and len(verified) else None
    if n == candidates:
        return verified
    kept = folder / (f"verify_{n}_candidates.csv" if n is not None else "verify_earlier.csv")
    path.rename(kept)
    print(f"verify.csv checked an earlier front ({n or 'unknown number of'} candidates, now {candidates}): kept as "
          f"{kept.name} (run --verify to check this front)", flush=True)
    return None


def verify(frame: pd.DataFrame, preset: Preset, evaluate: Evaluate) -> pd.DataFrame:
    """Re-run every front point from its printed overrides on the preset's fresh seeds: per (point, outcome)
    the search's mean and interval, the fresh mean and interval, and whether the fresh mean is inside."""
    front = frame[frame["on_front"]].sort_values(preset.budget_key)
    settings = [shlex.split(text) for text in front["overrides"]]  # the printed overrides, base included
    if isinstance(evaluate, LauncherRuns):  # the launcher's command line carries the base overrides
        # a sweep folder per state of the search: a later front is never read from an earlier front's jobs
        results = evaluate([s[len(evaluate.base):] for s in settings], preset.verify_seeds,
                           name=f"verify_{len(frame)}_candidates")
    else:
        results = LocalRuns((), evaluate.jobs)(settings, preset.verify_seeds) if isinstance(evaluate, LocalRuns) \
            else evaluate(settings, preset.verify_seeds)
    rows = []
    n, t = len(preset.seeds), float(t_quantile(len(preset.seeds) - 1, preset.confidence))
    for (_, point), per_seed in zip(front.iterrows(), results):
        for o in preset.objectives:
            fresh = np.array([run[o.key] for run in per_seed], dtype=float)
            m, lo, hi = t_interval(fresh, preset.confidence)
            search_sd = (point[o.key + ".high"] - point[o.key]) * math.sqrt(n) / t  # the search's interval, undone
            d, d_lo, d_hi = welch(m, float(fresh.std(ddof=1)), len(fresh), point[o.key], search_sd, n, preset.confidence)
            rows.append({"candidates": len(frame), "trial": point["trial"], "package": point["package"], "outcome": o.key,
                         "search": point[o.key], "search.low": point[o.key + ".low"],
                         "search.high": point[o.key + ".high"], "fresh": m, "fresh.low": lo, "fresh.high": hi,
                         "inside": bool(point[o.key + ".low"] <= m <= point[o.key + ".high"]),
                         "difference": d, "difference.low": d_lo, "difference.high": d_hi,
                         "consistent": bool(d_lo <= 0 <= d_hi),
                         "relative_difference": abs(d) / abs(point[o.key]) if point[o.key] else abs(d),
                         "within_budget_fresh": max(run[preset.budget_key] for run in per_seed) <= preset.budget_usd})
    return pd.DataFrame(rows)


# --- the command line ----------------------------------------------------------------------------------


def preset_from(stored: dict) -> Preset:
    p = dict(stored)
    p["objectives"] = [Objective(**o) for o in p["objectives"]]
    p["levers"] = {name: Lever(**lever) for name, lever in p["levers"].items()}
    return Preset(**p)


def write_outputs(study, preset: Preset, base: tuple[str, ...], folder: Path, verified: pd.DataFrame | None = None):
    """trials.csv, pareto.csv, pareto.md and pareto.png from the study as it stands (after every generation)."""
    from experiments.records.files import atomic_write, write_text

    frame = fronts(trials_frame(study, preset, base), preset)
    atomic_write(folder / "trials.csv", lambda tmp: frame.to_csv(tmp, index=False))
    front = frame[frame["on_front"]].sort_values(preset.budget_key)
    atomic_write(folder / "pareto.csv", lambda tmp: front.to_csv(tmp, index=False))
    write_text(folder / "pareto.md", markdown(frame, preset, base, verified))
    figure(frame, preset, folder / "pareto.png")
    return frame


@entry_point
def main(argv: list[str] | None = None) -> int:
    from dataclasses import asdict
    from datetime import datetime

    from experiments.records.files import atomic_write
    from experiments.records.folders import claim, claim_new
    from livelihoods.errors import require
    from livelihoods.parallel import default_jobs

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", default=DEFAULT_PRESET, help=f"configs/optimise/<NAME>.yaml or a path (default {DEFAULT_PRESET})")
    ap.add_argument("--budget", type=float, help="USD: replaces the preset's budget_usd")
    ap.add_argument("--trials", type=int, help="candidates in all (default: the preset's; with --resume, the new total)")
    ap.add_argument("--population", type=int, help="candidates per generation (default: the preset's)")
    ap.add_argument("--n-youth", type=int, help="population of every run (default: the scenario's)")
    ap.add_argument("--polish", type=int, metavar="ROUNDS", help="rounds of local search after NSGA-II (default: the preset's)")
    ap.add_argument("--jobs", type=int, default=default_jobs(), help="worker processes (default: all cores)")
    ap.add_argument("--verify", action="store_true", help="re-run the front's points on the preset's fresh seeds")
    ap.add_argument("--out", type=Path, default=ROOT / "results" / "optimise", help="parent of the new search's folder")
    ap.add_argument("--resume", type=Path, metavar="FOLDER", help="continue the search stored in FOLDER")
    ap.add_argument("overrides", nargs="*", help="config overrides of every run (e.g. scenario=mali_returnees); "
                    "hydra/launcher=ray (or basic, joblib, submitit_*) runs each generation as a sweep on it")
    args = ap.parse_intermixed_args(argv if argv is not None else sys.argv[1:])
    require("optuna", "studies", "experiments.optimise")
    for flag, value, low in (("--trials", args.trials, 1), ("--population", args.population, 2),
                             ("--n-youth", args.n_youth, 100), ("--jobs", args.jobs, 1)):
        if value is not None and value < low:
            raise ConfigurationError(f"{flag}: must be an integer >= {low}, got {value}")
    launchers = [o.partition("=")[2] for o in args.overrides if o.startswith("hydra/launcher=")]
    overrides = [o for o in args.overrides if not o.startswith("hydra/launcher=")]
    if any(o.startswith(("seed=", "policy=", "policy.")) for o in overrides):
        raise ConfigurationError("overrides: seed and policy are chosen by the search (the preset's seeds and levers); "
                                 "give scenario, calibration or behaviour overrides only")

    if args.resume is not None:
        folder = args.resume
        if not (folder / SETTINGS).is_file():
            raise ConfigurationError(f"--resume: {folder} holds no search ({SETTINGS} is missing); give the folder a "
                                     f"search wrote")
        given = [flag for flag, v in (("--preset", args.preset != DEFAULT_PRESET), ("--budget", args.budget),
                                      ("--population", args.population), ("--n-youth", args.n_youth),
                                      ("overrides", overrides)) if v]
        if given:
            raise ConfigurationError(f"--resume: continues the stored search as it was defined; {', '.join(given)} "
                                     f"cannot change it "
                                     "(start a new search instead; --trials, --jobs, --verify and hydra/launcher= may be given)")
        claim(folder, "--resume")
        stored = json.loads((folder / SETTINGS).read_text())
        preset, base = preset_from(stored["preset"]), tuple(stored["base"])
        if args.trials is not None:
            preset.trials = args.trials
        if args.polish is not None:
            preset.polish_rounds = args.polish
    else:
        preset = load_preset(args.preset)
        if args.budget is not None:
            preset.budget_usd = args.budget
        preset.trials = args.trials or preset.trials
        preset.population = args.population or preset.population
        preset.polish_rounds = preset.polish_rounds if args.polish is None else args.polish
        check_preset(preset, "options")
        base = tuple(overrides + ([f"scenario.n_youth={args.n_youth}"] if args.n_youth else []))
        from livelihoods import load_config

        load_config([*base, *package_overrides({n: lever.high if lever.key else 1.0
                                                for n, lever in preset.levers.items()}, preset.levers)])
        folder = claim_new(args.out / datetime.now().strftime("%Y-%m-%d_%H-%M-%S"), "--out")
        settings = {"preset_name": Path(args.preset).stem, "preset": asdict(preset), "base": list(base)}
        atomic_write(folder / SETTINGS, lambda tmp: Path(tmp).write_text(json.dumps(settings, indent=2) + "\n"))

    if launchers:
        keys = tuple(lever.key for lever in preset.levers.values() if lever.key is not None)
        evaluate: Evaluate = LauncherRuns(base, launchers[-1], folder / "runs", keys)
    else:
        evaluate = LocalRuns(base, args.jobs)
    study = open_study(f"sqlite:///{folder / 'study.db'}", preset, load_if_exists=args.resume is not None)
    print(f"searching {', '.join(preset.levers)} for a budget of {preset.budget_usd:,.0f} USD: {preset.trials} "
          f"candidates, {preset.population} per generation, seeds {preset.seeds} ({' '.join(base) or 'defaults'}) "
          f"into {folder}", flush=True)
    search(study, preset, evaluate, preset.trials, after_batch=lambda: write_outputs(study, preset, base, folder))
    polish(study, preset, evaluate, after_batch=lambda: write_outputs(study, preset, base, folder))
    # an earlier --verify of this very front (as many candidates as trials.csv has): pareto.md keeps reporting it
    verified = current_verification(folder, len(evaluated(study)))
    frame = write_outputs(study, preset, base, folder, verified)
    if args.verify:
        verified = verify(frame, preset, evaluate)
        atomic_write(folder / "verify.csv", lambda tmp: verified.to_csv(tmp, index=False))
        frame = write_outputs(study, preset, base, folder, verified)
        print(f"verify: of {len(verified)} (point, outcome) pairs, the fresh-seed mean is inside the search's "
              f"interval for {100 * verified['inside'].mean():.0f}% and consistent with it (Welch) for "
              f"{100 * verified['consistent'].mean():.0f}%; largest relative difference "
              f"{100 * verified['relative_difference'].max():.1f}%", flush=True)
    front = frame[frame["on_front"]]
    print(f"{len(frame)} candidates, {int(frame['within_budget'].sum())} within budget, {len(front)} on the front; "
          f"wrote {', '.join(sorted(p.name for p in folder.iterdir() if p.is_file() and not p.name.startswith('.')))} "
          f"to {folder}")
    return 0

