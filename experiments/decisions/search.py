"""The search: NSGA-II generations (Optuna), then a local search ("polish") around the best packages.

* **Optimiser**: Optuna's NSGA-II sampler (``optuna.samplers.NSGAIISampler``), a genetic multi-objective
  search with constrained domination. Chosen over pymoo because Optuna is already a dependency of
  calibration, stores every trial in SQLite (a killed search resumes where it stopped) and lets candidates
  be asked for and told in batches, so a generation runs as one sweep on a Hydra launcher. NSGA-II rather
  than NSGA-III: two or three objectives, where NSGA-II's crowding distance spreads the front well.
* **Budget** (constraint): ``max_s cost_s - budget_usd <= 0``, the largest cost over the seeds, so a package
  kept as within budget is within it at every seed.
* **Common random numbers**: every candidate runs with the same seeds; the first candidate is "no package",
  the reference of every "extra".
* **Candidates**: ``preset.trials`` in all. NSGA-II runs whole generations until ``trials`` minus the
  local search's share (``polish_share``) have run; the local search runs at most the rest.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from experiments.decisions.outcomes import REPORTED, words
from experiments.decisions.packages import Package, active, package_key, package_overrides
from experiments.decisions.preset import Objective, Preset, searched_levers, top
from experiments.decisions.runs import Runs
from livelihoods.errors import ConfigurationError
from simulation.policies import Lever

STUDY = "optimise"  # the Optuna study's name in study.db


def open_study(storage: str, preset: Preset, load_if_exists: bool):
    """The Optuna study in ``storage`` (an RDB URL): NSGA-II over the preset's objectives."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna.create_study(storage=storage, study_name=STUDY, sampler=sampler(preset, 0),
                               load_if_exists=load_if_exists, directions=[o.direction for o in preset.objectives])


def sampler(preset: Preset, asked_before: int):
    """NSGA-II with the preset's population, its random stream derived from (sampler_seed, trials asked so far)."""
    import optuna

    seed = int(np.random.SeedSequence([preset.sampler_seed, asked_before]).generate_state(1)[0])
    return optuna.samplers.NSGAIISampler(population_size=preset.population, seed=seed)


def genetic_trials(preset: Preset) -> int:
    """The candidates NSGA-II runs before the local search: ``trials`` less the local search's share."""
    if preset.polish_rounds == 0:
        return preset.trials
    return max(1, preset.trials - math.floor(preset.polish_share * preset.trials + 1e-9))


def plan_line(preset: Preset) -> str:
    """What the search will run, in one line."""
    genetic = genetic_trials(preset)
    if preset.polish_rounds == 0:
        return (f"candidates: about {preset.trials} (--trials), all NSGA-II's in whole generations of "
                f"{preset.population}, no local search")
    return (f"candidates: at most about {preset.trials} in all (--trials, the local search counts too): NSGA-II until "
            f"{genetic} have run (whole generations of {preset.population}), then up to {preset.polish_rounds} rounds "
            f"of local search with the rest (polish_share {preset.polish_share:g})")


# --- one batch: ask, run, tell ----------------------------------------------------------------------------


def suggest(trial, levers: dict[str, Lever]) -> Package:
    """The trial's package: each lever one of 0, step, ..., high (on/off levers 0 or 1)."""
    package = {}
    for name, lever in levers.items():
        if lever.field is None:
            package[name] = float(trial.suggest_int(name, 0, 1))
        else:
            package[name] = float(trial.suggest_float(name, 0.0, top(lever), step=lever.step))
    return package


def required_keys(preset: Preset) -> list[str]:
    return list(dict.fromkeys([o.key for o in preset.objectives] + [preset.budget_key]))


def stored_keys(preset: Preset, run: dict[str, float]) -> list[str]:
    """The objectives, the budget's cost and those of ``REPORTED`` the run has."""
    return required_keys(preset) + [k for k in REPORTED if k in run and k not in required_keys(preset)]


def tell(study, trial, package: Package, per_seed: list[dict[str, float]], preset: Preset) -> None:
    """Store a candidate's per-seed outcomes (user attribute ``values``: key -> one value per seed, the
    package, its overrides) and tell Optuna its objectives (means over seeds) and budget constraint
    (``max_s cost_s - budget``: feasible when <= 0)."""
    values = {key: [float(run[key]) for run in per_seed] for key in stored_keys(preset, per_seed[0])}
    trial.set_user_attr("values", values)
    trial.set_user_attr("package", package)
    trial.set_user_attr("overrides", package_overrides(package, searched_levers(preset)))
    trial.set_constraint("budget", max(values[preset.budget_key]) - preset.budget_usd)
    study.tell(trial, [float(np.mean(values[o.key])) for o in preset.objectives])


def check_keys(run: dict[str, float], preset: Preset) -> None:
    """An objective or budget key the model does not report: one line, before the search goes on."""
    missing = [key for key in required_keys(preset) if key not in run]
    if missing:
        names = ", ".join(sorted(k for k in run if k.startswith(("counts.", "cost.", "all.", "training."))))
        raise ConfigurationError(f"objectives/budget_key: {', '.join(missing)} is not an outcome of a run; allowed: "
                                 f"{names}")


def complete_trials(study) -> list:
    from optuna.trial import TrialState

    return study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))


def evaluated(study) -> dict[tuple, object]:
    """The complete candidates that were run (not copies of an earlier one), by package."""
    return {package_key(t.user_attrs["package"]): t for t in complete_trials(study) if "duplicate_of" not in t.user_attrs}


def run_batch(study, trials: list, preset: Preset, runs: Runs, label: str) -> int:
    """Run the batch's new packages at every seed and tell Optuna every candidate's outcomes; a package
    already run (NSGA-II proposes some again, a discrete space has few) is told the stored outcomes
    (``duplicate_of``) instead of being run again. Returns the number of new packages run."""
    levers = searched_levers(preset)
    packages = [suggest(t, levers) for t in trials]
    ran_before = evaluated(study)
    known = {key: t.user_attrs["values"] for key, t in ran_before.items()}
    known_trial = {key: t.number for key, t in ran_before.items()}
    new: dict[tuple, int] = {}
    for i, package in enumerate(packages):
        key = package_key(package)
        if key not in known and key not in new:
            new[key] = i
    print(f"{label}: {len(trials)} candidates, {len(new)} new, x {len(preset.seeds)} seeds", flush=True)
    results: dict[tuple, list[dict[str, float]]] = {}
    if new:
        settings = [package_overrides(packages[i], levers) for i in new.values()]
        name = f"trials_{trials[0].number:04d}-{trials[-1].number:04d}"  # a launcher's sweep folder
        per_package = runs(settings, preset.seeds, name)
        check_keys(per_package[0][0], preset)
        results = dict(zip(new, per_package))
    for i, (trial, package) in enumerate(zip(trials, packages)):
        key = package_key(package)
        if key in results and new[key] == i:
            tell(study, trial, package, results[key], preset)
        else:  # a copy: the outcomes of the candidate that ran this package
            source = known.get(key)
            if source is None:
                source = {k: [float(run[k]) for run in results[key]] for k in stored_keys(preset, results[key][0])}
                trial.set_user_attr("duplicate_of", trials[new[key]].number)
            else:
                trial.set_user_attr("duplicate_of", known_trial[key])
            per_seed = [{k: v[j] for k, v in source.items()} for j in range(len(preset.seeds))]
            tell(study, trial, package, per_seed, preset)
    return len(new)


# --- NSGA-II -----------------------------------------------------------------------------------------------


def first_packages(levers: dict[str, Lever]) -> list[Package]:
    """The start of every search: "no package" (the reference of every "extra"), then each policy alone at
    its smallest step. Random packages of eight levers are rarely cheap, so without these the cheap end of
    the front (what the first dollars buy) goes unexplored; the rest of the first generation is NSGA-II's."""
    none = {name: 0 for name in levers}
    alone = [none | {name: (lever.step if lever.field is not None else 1)} for name, lever in levers.items()]
    return [none, *alone]


def search(study, preset: Preset, runs: Runs, trials: int, after_batch: Callable[[], None] | None = None):
    """Run NSGA-II until ``trials`` different packages have been run (whole generations); the first is "no package".

    Candidates left running by a kill are run first, with the parameters Optuna stored for them (a
    resumed search is the search that was interrupted). Each generation (``preset.population``
    candidates) is asked for at once and its new packages run as one batch of ``len(seeds)`` runs each.
    The search stops early when three generations in a row propose no new package (it has converged).
    """
    import optuna
    from optuna.trial import TrialState

    stale = [optuna.trial.Trial(study, t._trial_id) for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))]
    if stale:
        run_batch(study, stale, preset, runs, f"resuming {len(stale)} interrupted candidates")
        if after_batch:
            after_batch()
    if not study.get_trials(deepcopy=False):
        for package in first_packages(searched_levers(preset)):
            study.enqueue_trial(package)
    barren = 0
    while (done := len(evaluated(study))) < trials and barren < 3:
        # a sampler seeded from the trials so far: the next generation depends on the stored trials alone,
        # so a search resumed after a kill asks for what the uninterrupted search would have
        study.sampler = sampler(preset, len(study.get_trials(deepcopy=False)))
        batch = [study.ask() for _ in range(preset.population)]
        ran = run_batch(study, batch, preset, runs, f"packages run {done} of {trials}")
        barren = 0 if ran else barren + 1
        if after_batch:
            after_batch()
    if barren >= 3:
        print(f"the search converged: {barren} generations proposed no new package ({len(evaluated(study))} run)")
    return study


# --- the local search --------------------------------------------------------------------------------------


def neighbours(package: Package, levers: dict[str, Lever]) -> list[Package]:
    """Packages one move away: one lever a step up or down, one a step up and another a step down (the move
    along a budget's edge that a genetic search rarely makes), or one policy left out (its lever to 0: a
    policy that buys nothing where others are funded is dropped in one move, not step by step)."""
    step = {n: (lever.step if lever.field is not None else 1.0) for n, lever in levers.items()}
    highest = {n: top(lever) for n, lever in levers.items()}

    def moved(changes):
        out = dict(package)
        for n, d in changes:
            out[n] = round(out[n] + d * step[n], 10)
            if not -1e-9 <= out[n] <= highest[n] + 1e-9:
                return None
        return out

    moves = [[(n, d)] for n in levers for d in (1, -1)] + [[(a, 1), (b, -1)] for a in levers for b in levers if a != b]
    out = [p for p in (moved(m) for m in moves) if p is not None]
    out += [package | {n: 0.0} for n in active(package) if n in levers and package[n] > step[n] + 1e-9]
    return out


def best_within_budget(study, preset: Preset, objective: Objective, k: int | None = None):
    """The best package within budget for ``objective`` (ties: the cheaper), or with ``k`` the best k, best first."""
    sign = 1 if objective.direction == "maximize" else -1
    ok = [t for t in evaluated(study).values() if t.constraints.get("budget", 0.0) <= 0]
    ranked = sorted(ok, key=lambda t: (-sign * np.mean(t.user_attrs["values"][objective.key]),
                                       np.mean(t.user_attrs["values"][preset.budget_key]), t.number))
    if k is not None:
        return ranked[:k]
    return ranked[0] if ranked else None


def polish(study, preset: Preset, runs: Runs, after_batch: Callable[[], None] | None = None) -> bool:
    """``preset.polish_rounds`` rounds of local search: for each objective, every neighbour of the
    ``preset.polish_starts`` best packages within budget that has not run yet is run (as enqueued Optuna
    trials, stored like the others), the best start's first; stops when a round changes none of those best
    packages, or when ``preset.trials`` packages have run. Returns whether that cap stopped it."""
    levers = searched_levers(preset)
    for r in range(preset.polish_rounds):
        improved = False
        for objective in preset.objectives[1:]:
            best = best_within_budget(study, preset, objective, preset.polish_starts)
            if not best:
                continue
            known = evaluated(study)
            todo = {package_key(p): p for t in best for p in neighbours(t.user_attrs["package"], levers)}
            todo = [p for key, p in todo.items() if key not in known]
            left = preset.trials - len(known)
            if todo and left <= 0:
                return True
            if not todo:
                continue
            capped = len(todo) > left
            todo = todo[:left]
            for p in todo:
                study.enqueue_trial({n: (int(v) if levers[n].field is None else v) for n, v in p.items()})
            batch = [study.ask() for _ in todo]
            run_batch(study, batch, preset, runs, f"polish round {r + 1}, {words(objective.key)}")
            after = best_within_budget(study, preset, objective, preset.polish_starts)
            improved |= [t.number for t in after] != [t.number for t in best]
            if after_batch:
                after_batch()
            if capped:
                return True
        if not improved:
            break
    return False


def run_search(study, preset: Preset, runs: Runs, after_batch: Callable[[], None] | None = None) -> None:
    """NSGA-II until its share of ``preset.trials``, then the local search with the rest; says when the cap stopped it."""
    search(study, preset, runs, genetic_trials(preset), after_batch)
    if polish(study, preset, runs, after_batch):
        print(f"the local search stopped at the cap of {preset.trials} candidates (--trials); more --trials (or "
              "--resume FOLDER --trials N) let it go on", flush=True)
