"""Shared machinery of the evidence studies (validation, calibration, sensitivity, scenario discovery).

* ``load_parameters`` reads the uncertain parameters and their plausible ranges
  (``configs/targets/parameters.yaml``), which calibration searches and the
  sensitivity analysis varies;
* ``livelihoods.values.with_values`` sets dotted config keys on a composed ``RunConfig`` and
  checks every range again, so a study never runs a config the CLI would refuse;
* ``outcomes`` runs one model and returns its indicators as
  ``{(group, indicator): value}``, including the derived indicators the
  evidence patterns need;
* ``run_many`` runs many configs on all local cores (``livelihoods.parallel``) with a progress bar.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from omegaconf import MISSING

from experiments.studies.aggregate import trial_values
from livelihoods.errors import ConfigurationError
from livelihoods.files import load_checked
from livelihoods.parallel import run_parallel
from livelihoods.paths import CONFIG_DIR
from livelihoods.values import get_value
from simulation.config import RunConfig

DEFAULT_PARAMETERS = CONFIG_DIR / "targets" / "parameters.yaml"


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


def load_parameters(path: Path = DEFAULT_PARAMETERS, probe: RunConfig | None = None,
                    calibrated: bool = False) -> list[Parameter]:
    """The uncertain parameters with their ranges; every key must exist in the run config ``probe``.

    ``calibrated``: the parameters a calibration fits, which it writes to a calibration file and a posterior's
    draws: each must be a numeric key of ``behaviour`` (the rule the draws' reader applies), never a scenario key.
    """
    from livelihoods.draws import _parameter_key

    spec = load_checked(ParametersFile, path)
    if not spec.parameters:
        raise ConfigurationError(f"{path.name}: parameters: must list at least one parameter")
    seen = set()
    for i, p in enumerate(spec.parameters):
        where = f"{path.name}: parameters[{i}] ({p.key})"
        if not p.low < p.high:
            raise ConfigurationError(f"{where}: low must be below high, got [{p.low}, {p.high}]")
        if p.key in seen:
            raise ConfigurationError(f"{where}: listed twice")
        seen.add(p.key)
        if calibrated and not _parameter_key(p.key):
            raise ConfigurationError(f"{where}: a calibration fits numeric keys of behaviour only (behaviour.<part>."
                                     "<name>), which its calibration file and posterior draws can hold")
        if probe is not None:
            try:
                current = get_value(probe, p.key)
            except KeyError:
                raise ConfigurationError(f"{where}: not a key of the run config")
            if not isinstance(current, (int, float)) or isinstance(current, bool):
                raise ConfigurationError(f"{where}: must be a numeric config key, got {type(current).__name__}")
    return spec.parameters


def derived_indicators(model) -> dict[str, float]:
    """Indicators the evidence patterns need beyond summary.json.

    * first_month_dropout_share = dropouts in course month 1 / all dropouts
    * completer_employment_gap = employment rate of completers - of dropouts
    * migration_to_intent_ratio = migration rate / migration-intent rate
    * childless_completion_rate = completion rate of enrolees without dependents
    * trial_relative_earnings_24m = the trial's ITT on earnings 24 months after the lottery / the lottery losers'
      mean earnings then (NaN without a trial at that horizon)
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
        "trial_relative_earnings_24m": relative_effect(summary["trial"], "earnings", "24"),
    }


def relative_effect(trial: dict, outcome: str, horizon: str) -> float:
    """The trial's ITT on ``outcome`` at ``horizon`` months over the lottery losers' mean (NaN if either is missing)."""
    effect = trial.get("horizons", {}).get(horizon, {}).get("all", {}).get(outcome)
    if not effect or not effect.get("control_mean"):
        return float("nan")
    return effect["itt"] / effect["control_mean"]


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


def run_many(cfgs: list[RunConfig], jobs: int = 1, desc: str = "runs", progress: bool = True) -> list[dict]:
    """``outcomes`` of every config, in order, on ``jobs`` worker processes (1: in this process)."""
    return run_parallel(outcomes, cfgs, jobs=jobs, progress=progress, desc=desc)
