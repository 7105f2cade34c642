"""Shared machinery of the evidence studies (validation, calibration, sensitivity, scenario discovery).

* ``load_parameters`` reads the uncertain parameters and their plausible ranges
  (``configs/targets/parameters.yaml``), which calibration searches and the
  sensitivity analysis varies;
* ``with_values`` sets dotted config keys on a composed ``RunConfig`` and checks
  every range again, so a study never runs a config the CLI would refuse;
* ``outcomes`` runs one model and returns its indicators as
  ``{(group, indicator): value}``, including the derived indicators the
  evidence patterns need;
* ``run_many`` runs many configs on all local cores (joblib) with a progress bar.
"""

from __future__ import annotations

import copy
import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path

from omegaconf import MISSING
from tqdm import tqdm

from experiments.errors import fail, load_checked
from simulation.config import RunConfig, validate

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PARAMETERS = ROOT / "configs" / "targets" / "parameters.yaml"


@dataclass
class Parameter:
    key: str = MISSING          # dotted config key, e.g. behaviour.dropout.base_logit
    low: float = MISSING
    high: float = MISSING
    unit: str = MISSING
    why: str = MISSING          # why the range is what it is


@dataclass
class ParametersFile:
    parameters: list[Parameter] = field(default_factory=list)


def load_parameters(path: Path = DEFAULT_PARAMETERS, probe: RunConfig | None = None) -> list[Parameter]:
    """The uncertain parameters with their ranges; every key must exist in the run config ``probe``."""
    spec = load_checked(ParametersFile, path)
    if not spec.parameters:
        fail(f"{path.name}: parameters: must list at least one parameter")
    seen = set()
    for i, p in enumerate(spec.parameters):
        where = f"{path.name}: parameters[{i}] ({p.key})"
        if not p.low < p.high:
            fail(f"{where}: low must be below high, got [{p.low}, {p.high}]")
        if p.key in seen:
            fail(f"{where}: listed twice")
        seen.add(p.key)
        if probe is not None:
            try:
                current = get_value(probe, p.key)
            except KeyError:
                fail(f"{where}: not a key of the run config")
            if not isinstance(current, (int, float)) or isinstance(current, bool):
                fail(f"{where}: must be a numeric config key, got {type(current).__name__}")
    return spec.parameters


def _child(obj, part: str, key: str):
    """Field ``part`` of a config dataclass, or item ``int(part)`` of a list (e.g. scenario.districts.2)."""
    if isinstance(obj, list) and part.isdigit() and int(part) < len(obj):
        return obj[int(part)]
    if dataclasses.is_dataclass(obj) and hasattr(obj, part):
        return getattr(obj, part)
    raise KeyError(key)


def get_value(cfg, key: str):
    """The value at a dotted key (list items by index: scenario.districts.2.mean_distance_km)."""
    obj = cfg
    for part in key.split("."):
        obj = _child(obj, part, key)
    return obj


def with_values(cfg: RunConfig, values: dict[str, float]) -> RunConfig:
    """A copy of ``cfg`` with dotted keys set (integer keys rounded), checked like any run config."""
    new = copy.deepcopy(cfg)
    for key, value in values.items():
        *path, last = key.split(".")
        obj = new
        for part in path:
            obj = _child(obj, part, key)
        current = _child(obj, last, key)
        setattr(obj, last, int(round(value)) if isinstance(current, int) else float(value))
    validate(new)
    return new


def derived_indicators(model) -> dict[str, float]:
    """Indicators the evidence patterns need beyond summary.json.

    * first_month_dropout_share = dropouts in course month 1 / all dropouts
    * completer_employment_gap = employment rate of completers - of dropouts
    * migration_to_intent_ratio = migration rate / migration-intent rate
    * childless_completion_rate = completion rate of enrolees without dependents
    """
    P = model.people
    population = P.arrival_month <= model.month
    summary = model.summary()
    training = summary["training"]
    by_month = training["dropouts_by_course_month"]
    intent = summary["indicators"]["migration_intent_rate"]
    childless = population & (P.dependents == 0) & P.enrolled
    return {
        "first_month_dropout_share": by_month[0] / sum(by_month) if sum(by_month) else float("nan"),
        "completer_employment_gap": training["employment_rate_completers"] - training["employment_rate_dropouts"],
        "migration_to_intent_ratio": summary["indicators"]["migration_rate"] / intent if intent else float("nan"),
        "childless_completion_rate": float(P.completed[childless].mean()) if childless.any() else float("nan"),
    }


def outcomes(cfg: RunConfig) -> dict[tuple[str, str], float]:
    """Run one model for ``cfg.months`` and return {(group, indicator): value} ("all" for the whole population)."""
    from simulation.model import LivelihoodsModel

    model = LivelihoodsModel(cfg)
    for _ in range(cfg.months):
        model.step()
    summary = model.summary()
    values = {("all", k): v for k, v in summary["indicators"].items()}
    values |= {(g, k): v for g, ind in summary["by_group"].items() for k, v in ind.items()}
    values |= {("all", k): v for k, v in derived_indicators(model).items()}
    values |= {("all", k): v for k, v in summary["migration"].items() if k != "intenders_at_start"}
    values |= trial_values(summary["trial"])
    return values


def trial_values(trial: dict) -> dict[tuple[str, str], float]:
    """The virtual trial's effects as indicators: (group, trial_<itt|tot>_<outcome>_<h>m) for all, women, men,
    and the comparison group's level (trial_control_<outcome>_<h>m: mean among lottery losers)."""
    out = {}
    for h, groups in trial.get("horizons", {}).items():
        for group, effects in groups.items():
            for outcome, e in effects.items():
                if isinstance(e, dict):
                    for kind in ("itt", "tot"):
                        out[(group, f"trial_{kind}_{outcome}_{h}m")] = e[kind]
                    out[(group, f"trial_control_{outcome}_{h}m")] = e.get("control_mean")
            out[(group, f"trial_first_stage_{h}m")] = effects["first_stage"]
    return out


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def run_many(cfgs: list[RunConfig], jobs: int = 1, desc: str = "runs", progress: bool = True) -> list[dict]:
    """``outcomes`` of every config, in order, on ``jobs`` worker processes (1: in this process)."""
    bar = tqdm(total=len(cfgs), desc=desc, unit="run", disable=not progress, leave=False)
    try:
        if jobs <= 1 or len(cfgs) <= 1:
            results = []
            for cfg in cfgs:
                results.append(outcomes(cfg))
                bar.update()
            return results
        from joblib import Parallel, delayed

        # the workers use the cores: one kernel thread each unless a config asks for more
        cfgs = [dataclasses.replace(c, threads=1) if c.threads == 0 else c for c in cfgs]
        results = []
        for values in Parallel(n_jobs=jobs, return_as="generator")(delayed(outcomes)(c) for c in cfgs):
            results.append(values)
            bar.update()
        return results
    finally:
        bar.close()

