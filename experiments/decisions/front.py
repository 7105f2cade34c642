"""The tables of a search: every candidate, the Pareto front within budget, the extra outcomes over no package.

Every interval is a t interval over the seeds (``experiments.studies.stats``); an "extra" outcome is the
paired difference from "no package" over the same seeds (common random numbers), and the cost per extra
outcome is the incremental cost with Fieller's interval (``experiments.studies.cost_effectiveness``).
"""

from __future__ import annotations

import math
import shlex

import numpy as np
import pandas as pd

from experiments.decisions.outcomes import as_shown
from experiments.decisions.packages import active, package_words
from experiments.decisions.preset import Preset, searched_levers
from experiments.decisions.search import complete_trials
from experiments.studies.stats import t_interval


def reference_trial(trials: list):
    """The "no package" candidate (the first, enqueued), or None if it is not complete."""
    return next((t for t in trials if not active(t.user_attrs["package"])), None)


def cost_per_extra(cost: list[float], effect: list[float], confidence: float) -> dict:
    """Incremental cost per extra outcome over the seeds' pairs (experiments.studies.cost_effectiveness.one)."""
    from experiments.studies.cost_effectiveness import one

    pairs = pd.DataFrame({"draw": -1, "seed": range(len(cost)), "dC": cost, "dE": effect})
    return one(pairs, confidence)


def trials_frame(study, preset: Preset, base: tuple[str, ...]) -> pd.DataFrame:
    """One row per package run: its levers, feasibility, mean and interval of every stored outcome, the extra
    outcomes over no package (paired over seeds) and the cost per extra one, and for each objective the paired
    difference from the package within budget that gives the most (``behind.<objective>``), its overrides."""
    trials = [t for t in complete_trials(study) if "duplicate_of" not in t.user_attrs]  # each package once
    levers = searched_levers(preset)
    ref = reference_trial(trials)
    effects = [o.key for o in preset.objectives[1:]]
    sign = {o.key: (1 if o.direction == "maximize" else -1) for o in preset.objectives[1:]}
    feasible = [t for t in trials if t.constraints.get("budget", 0.0) <= 0]
    most = {key: max(feasible, key=lambda t: (sign[key] * np.mean(t.user_attrs["values"][key]),
                                              -np.mean(t.user_attrs["values"][preset.budget_key]), -t.number))
            for key in effects} if feasible else {}
    rows = []
    for t in trials:
        values, package = t.user_attrs["values"], t.user_attrs["package"]
        row = {"trial": t.number, "generation": t.system_attrs.get("NSGAIISampler:generation", 0),
               "package": package_words(package, levers),
               **{f"lever.{name}": package.get(name, 0.0) for name in levers},
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
        for key, m in most.items():
            d = np.subtract(values[key], m.user_attrs["values"][key])
            row[f"behind.{key}"], row[f"behind.{key}.low"], row[f"behind.{key}.high"] = t_interval(d, preset.confidence)
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
    ``on_front.<objective>`` (cost against that objective alone: the cheapest way to each level). Outcomes
    are compared as the tables show them (``as_shown``: whole persons), so a package is on a front only
    if no cheaper one evaluated shows as many; ``as_many.<objective>``: the packages within budget that give
    as many as the most found, shown alike or not distinguishable from it over the seeds (paired interval)."""
    cost, effects = preset.objectives[0].key, [o.key for o in preset.objectives[1:]]
    signs = {o.key: (1 if o.direction == "maximize" else -1) for o in preset.objectives[1:]}
    frame = frame.copy()
    ok = frame["within_budget"]
    signed = frame[[cost]].assign(**{k: signs[k] * frame[k].map(lambda x, k=k: as_shown(k, x)) for k in effects})
    frame["on_front"] = False
    frame.loc[ok, "on_front"] = non_dominated(signed[ok], cost, effects)
    for key in effects:
        frame[f"on_front.{key}"] = False
        frame.loc[ok, f"on_front.{key}"] = non_dominated(signed[ok], cost, [key])
        frame[f"as_many.{key}"] = False
        if f"behind.{key}" in frame and ok.any():
            most = signed.loc[ok, key].max()
            low, high = frame[f"behind.{key}.low"], frame[f"behind.{key}.high"]
            level = (low <= 0) & (high >= 0) | (frame[f"behind.{key}"] == 0)
            frame[f"as_many.{key}"] = ok & ((signed[key] >= most) | level)
    return frame


def highest_up_to_each_cost(frame: pd.DataFrame, preset: Preset, key: str) -> pd.DataFrame:
    """The packages within budget that give more ``key`` (its mean, unrounded) than every cheaper one, by cost:
    the steps of "the most among the packages evaluated up to each cost" (the figure's front, of means)."""
    cost = preset.budget_key
    sign = next(1 if o.direction == "maximize" else -1 for o in preset.objectives if o.key == key)
    ok = frame[frame["within_budget"]]
    on = non_dominated(ok[[cost]].assign(**{key: sign * ok[key]}), cost, [key])
    return ok[on].sort_values(cost)


def best_for(frame: pd.DataFrame, preset: Preset, key: str) -> tuple[pd.Series, pd.Series] | None:
    """(the package reported as the best within budget for ``key``, the package giving the most): the cheapest
    that gives as many as the most found (``as_many``), and the most found itself; None when none is within budget."""
    feasible = frame[frame["within_budget"]]
    if not len(feasible):
        return None
    sign = next(1 if o.direction == "maximize" else -1 for o in preset.objectives if o.key == key)
    cost = preset.budget_key
    ranked = feasible.assign(_s=sign * feasible[key]).sort_values(["_s", cost, "trial"], ascending=[False, True, True])
    most = ranked.iloc[0]
    same = feasible[feasible[f"as_many.{key}"]]
    cheapest = same.assign(_s=sign * same[key]).sort_values([cost, "_s", "trial"], ascending=[True, False, True])
    return cheapest.drop(columns="_s").iloc[0], most.drop(labels="_s")
