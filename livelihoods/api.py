"""The public Python API: run the model from a script, a notebook or another tool.

Everything here goes through the same path as the command line
(``python -m experiments.run``): the config is composed by Hydra from
``configs/`` with the same overrides, checked by the same rules (a bad key or
value is refused with the same one line), and run by
``simulation.runner.simulate``. The same config and seed give the same numbers
here, on the command line and in every study, whatever the number of threads
or worker processes.

See docs/API.md for a walk-through and docs/examples/ for runnable scripts.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import numbers
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Union

import numpy as np
import pandas as pd

from livelihoods.errors import ConfigurationError, as_configuration_error
from livelihoods.overrides import literal
from simulation.config import ConfigError, RunConfig, validate
from simulation.policies import POLICIES

Overrides = Union[Sequence[str], Mapping[str, Any], str, None]
"""What selects a config: Hydra override strings, a mapping ``{key: value}``, one override string, or None."""

DEFAULT_SEEDS = (1, 2, 3, 4, 5)
POLICY_NAMES = tuple(POLICIES)  # every registered policy (simulation/policies/), in their order
_GROUPS = ("scenario", "calibration", "policy", "experiment")  # config groups: their choices come first


# --------------------------------------------------------------------------- overrides


def _flatten(mapping: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in mapping.items():
        if not isinstance(key, str):
            raise ConfigurationError(f"{key!r}: keys are dotted names such as 'scenario.n_youth', got "
                                     f"a {type(key).__name__}")
        full = f"{prefix}{key}"
        if isinstance(value, Mapping):  # {"scenario": {"n_youth": 2000}} is scenario.n_youth=2000
            yield from _flatten(value, full + ".")
        else:
            yield full, value


def to_overrides(overrides: Overrides = None, **values: Any) -> list[str]:
    """Hydra override strings from ``overrides`` (strings, or a mapping) and keyword ``values``.

    A mapping ``{"scenario": "mali_returnees", "policy": ["stipend"], "policy.stipend.monthly_amount": 45}``
    becomes ``["scenario=mali_returnees", "policy=[stipend]", "policy.stipend.monthly_amount=45"]`` (group
    choices first; nested mappings become dotted keys). Keyword values use ``__`` for a dot
    (``scenario__n_youth=2000``) and come after ``overrides``, so they win on a key set twice.
    """
    texts: list[str] = []
    if isinstance(overrides, str):
        texts.append(overrides)
    elif isinstance(overrides, Mapping):
        texts += _mapping_overrides(overrides)
    elif overrides is not None:
        if not isinstance(overrides, Iterable):
            raise ConfigurationError(f"overrides: must be override strings, a mapping or None, got "
                                     f"{type(overrides).__name__} {overrides!r}", "overrides")
        for text in overrides:
            if not isinstance(text, str):
                raise ConfigurationError(f"{text!r}: an override is a string such as 'scenario.n_youth=2000'; "
                                         "pass a mapping to set values of other types")
            texts.append(text)
    texts += _mapping_overrides({key.replace("__", "."): value for key, value in values.items()})
    return texts


def _mapping_overrides(mapping: Mapping[str, Any]) -> list[str]:
    pairs = dict(_flatten(mapping))  # a key set twice: the last value
    first = [k for k in pairs if k in _GROUPS]
    return [f"{k}={literal(pairs[k], k)}" for k in [*first, *(k for k in pairs if k not in _GROUPS)]]


@contextlib.contextmanager
def _configuration_errors() -> Iterator[None]:
    """The schema's ``ConfigError`` (a config changed in Python and checked again) as ``ConfigurationError``."""
    try:
        yield
    except ConfigError as exc:
        raise as_configuration_error(exc) from exc


def load_config(*overrides: Overrides, seed: int | None = None, engine: str | None = None,
                **values: Any) -> RunConfig:
    """The validated, typed config (``simulation.config.RunConfig``) of ``configs/config.yaml`` with overrides.

    Each positional argument is one override string (``"scenario=mali_returnees"``), a list of them or a
    mapping (see ``to_overrides``); ``seed``, ``engine`` and keyword ``values`` (``months=24``,
    ``scenario__n_youth=2000``) are applied last.

    Raises ``ConfigurationError`` (a ``ValueError``) with one line naming the key and what is allowed.
    """
    from livelihoods.compose import load_config as compose

    texts: list[str] = []
    for item in overrides:
        texts += to_overrides(item)
    extra = dict(values)
    if seed is not None:
        extra["seed"] = seed
    if engine is not None:
        extra["engine"] = engine
    texts += to_overrides(None, **extra)
    return compose(*texts)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, eq=False)
class Result:
    """One finished run.

    Attributes:
        config: the ``RunConfig`` that ran (with its seed: ``config.seed``).
        summary: the dict written to ``summary.json`` by the command line (``indicators``, ``by_group``,
            ``training``, ``cost``, ``migration``, ``trial``, ``meta``, ...); NaN where summary.json has null
            (a rate with an empty denominator). ``meta`` holds run time and versions, which vary between runs.
        timeseries: one row per month (month 0 = the start, after the burn-in, to ``config.months``), the
            columns of ``timeseries.parquet``: stocks (persons), monthly flows and the indicators.
        indicators: the headline indicators of the whole population at the end of the run,
            ``summary["indicators"]``: shares in [0, 1] (``dropout_rate``: dropouts / enrolees, ...),
            ``enrolled`` (persons) and ``mean_monthly_income`` (USD a month).
        model: the stepped ``LivelihoodsModel`` (person arrays in ``model.people``), for inspection only:
            not part of the stable API.

    The same config and seed give the same numbers (everything but ``summary["meta"]``) on every run,
    engine thread count and worker process.
    """

    config: RunConfig
    summary: dict
    timeseries: pd.DataFrame
    indicators: dict[str, float]
    model: Any = None

    def __repr__(self) -> str:
        cfg, ind = self.config, self.indicators
        shown = ", ".join(f"{k}={ind[k]:.3f}" for k in ("dropout_rate", "employment_rate", "migration_intent_rate")
                          if isinstance(ind.get(k), float))
        policies = ",".join(cfg.policy.selected())
        return (f"Result(scenario={cfg.scenario.name}, policy=[{policies}], seed={cfg.seed}, months={cfg.months}, "
                f"n_youth={cfg.scenario.n_youth}, {shown})")

    def values(self) -> dict[str, float]:
        """Every scalar outcome of the run as ``{"<group>.<name>": value}`` (floats; NaN where undefined).

        Stable names (docs/API.md lists them):

        * ``all.<indicator>``: the whole population (``Result.indicators``), e.g. ``all.dropout_rate``;
        * ``<group>.<indicator>`` for the groups women, men, mothers, returnees, non_returnees, near, far;
        * ``cost.total``, ``cost.training``, ``cost.policies`` (USD spent over the run) and
          ``cost.<policy>`` for every policy (USD; 0 when it is off), plus the averages of
          ``summary["cost"]`` (``cost.average_per_*``, USD per person);
        * ``funnel.<stage>`` (persons: population, applied, enrolled, completed, certified,
          employed_completers) and ``training.employment_rate_<completers|dropouts|never_enrolled>``;
        * ``counts.<name>`` (persons at the end of the run) when the summary has them;
        * ``migration.<name>``: departures_per_month, intenders_at_start (persons),
          intenders_left_within_<12|24>_months (shares).

        Indicators are those of ``simulation.metrics.INDICATORS``: rates are shares in [0, 1],
        ``enrolled`` counts persons, ``mean_monthly_income`` is USD a month.
        """
        return flat_values(self.summary)

    def __getitem__(self, name: str) -> float:
        """``result["all.dropout_rate"]``: one of ``values()``."""
        return self.values()[name]


def _number(value) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if value is None:
        return math.nan
    return None


def flat_values(summary: dict) -> dict[str, float]:
    """The flat ``{"<group>.<name>": value}`` of a summary (``Result.values``; also for a loaded summary.json)."""
    out: dict[str, float] = {}

    def put(prefix: str, section: dict | None) -> None:
        for key, value in (section or {}).items():
            number = _number(value)
            if number is not None and not isinstance(value, (dict, list)):
                out[f"{prefix}.{key}"] = number

    put("all", summary["indicators"])
    for group, indicators in summary.get("by_group", {}).items():
        put(group, indicators)
    cost = summary.get("cost", {})
    put("cost", {k: v for k, v in cost.items() if k != "by_policy"})
    spent = {name: report.get("spent", 0.0) for name, report in (cost.get("by_policy") or {}).items()}
    for name in POLICY_NAMES:
        out[f"cost.{name}"] = float(spent.get(name, 0.0))
    training = summary.get("training", {})
    put("funnel", training.get("funnel"))
    put("training", {k: v for k, v in training.items() if k.startswith("employment_rate_")})
    put("counts", summary.get("counts"))
    put("migration", summary.get("migration"))
    return out


# --------------------------------------------------------------------------- runs


def run_config(cfg: RunConfig, *, seed: int | None = None, progress: bool = False) -> Result:
    """Run one validated ``RunConfig`` (from ``load_config``) for ``cfg.months`` months after its burn-in.

    This is the command line's own path (``experiments.run`` calls it). ``seed`` replaces ``cfg.seed``;
    ``progress`` shows a progress bar on runs longer than two seconds.
    The config is checked again (a config changed with ``dataclasses.replace`` is refused like a bad
    override: ``ConfigurationError``), as is the memory the population needs. Same config + seed:
    same numbers.
    """
    from simulation.runner import simulate as run

    if not isinstance(cfg, RunConfig):
        raise ConfigurationError(f"cfg: must be a RunConfig (from load_config), got {type(cfg).__name__}", "cfg")
    if seed is not None:
        cfg = dataclasses.replace(cfg, seed=seed)
    with _configuration_errors():  # e.g. a population too large for this machine's memory
        validate(cfg)
        result = run(cfg, progress=progress)
    return Result(cfg, result.summary, result.timeseries, dict(result.summary["indicators"]), result.model)


def simulate(overrides: Overrides = None, *, seed: int | None = None, engine: str | None = None,
             **values: Any) -> Result:
    """Compose a config as the command line does and run it once.

    Args:
        overrides: Hydra override strings, e.g. ``["scenario=mali_returnees", "policy=[stipend,childcare]",
            "policy.stipend.monthly_amount=45"]``, or a mapping of group choices and dotted keys, e.g.
            ``{"scenario": "mali_returnees", "policy": ["stipend"], "policy.stipend.monthly_amount": 45,
            "behaviour.dropout.base_logit": -3.5}`` (lists become ``[a,b]``). None: the default config.
        seed: the base seed of every random stream (``seed=``; default: the config's, 42).
        engine: ``numba`` (default, compiled kernels) or ``mesa`` (the agent-by-agent reference, slow).
        **values: more keys, applied last: ``months=24``, ``scenario__n_youth=2000`` (``__`` for a dot).

    Returns:
        a ``Result``: ``config``, ``summary`` (as summary.json), ``timeseries`` (one row a month),
        ``indicators`` (whole population: shares in [0, 1], ``enrolled`` in persons,
        ``mean_monthly_income`` in USD a month) and ``values()`` (flat ``{"<group>.<name>": value}``,
        incl. ``cost.total`` in USD). The same config and seed give the same numbers, always.

    Raises:
        ConfigurationError: (a ``ValueError``) a key or value the model does not accept, with the one line
            the command line prints, naming the key (``error.key``) and what is allowed.
    """
    return run_config(load_config(overrides, seed=seed, engine=engine, **values))


def _settings(settings: Iterable) -> list[RunConfig]:
    if isinstance(settings, (str, Mapping, RunConfig)):
        raise TypeError("run_study takes a list of settings (each a RunConfig, a mapping or override strings), "
                        f"got one {type(settings).__name__}: wrap it in a list")
    cfgs = []
    for item in settings:
        if isinstance(item, RunConfig):
            with _configuration_errors():
                validate(item)
            cfgs.append(item)
        else:
            cfgs.append(load_config(item))
    return cfgs


def _study_values(cfg: RunConfig) -> dict[str, float]:
    return run_config(cfg).values()


def run_study(configs_or_overrides: list, *, seeds: Iterable[int] = DEFAULT_SEEDS, jobs: int | None = None,
              progress: bool = False) -> pd.DataFrame:
    """Run every setting with every seed, on ``jobs`` local worker processes, and tabulate the outcomes.

    Args:
        configs_or_overrides: the settings, each a ``RunConfig`` (from ``load_config``), a mapping or a list
            of override strings (as for ``simulate``), or one override string (``"policy=[stipend]"``).
        seeds: the seeds of every setting. Common random numbers: each setting runs with the same seeds, so
            the difference between two settings at one seed is the effect of the setting alone.
        jobs: worker processes (joblib); None: all cores of this machine; 1: in this process.
        progress: a progress bar over the runs.

    Returns:
        a DataFrame with one row per (setting, seed), settings in the order given and seeds in the order
        given within each: columns ``setting`` (the setting's index in ``configs_or_overrides``), ``seed``,
        then every ``Result.values()`` name (``all.dropout_rate``, ``women.employment_rate``, ``cost.total``
        ...). A row equals ``simulate`` of the same setting and seed; the numbers do not depend on ``jobs``.

    Raises:
        ConfigurationError: a setting the model does not accept, no setting, seeds that are not a list of distinct
            whole numbers (1.7, '12' and True are refused, as ``simulate`` refuses them), or ``jobs`` that is not
            a whole number >= 1 or None, before anything runs.
    """
    from livelihoods.parallel import run_parallel

    cfgs = _settings(configs_or_overrides)
    if not cfgs:
        raise ConfigurationError("settings: must list at least one setting (a RunConfig, a mapping or override "
                                 "strings)", "settings")
    if isinstance(seeds, (str, bytes, Mapping)) or not isinstance(seeds, Iterable):
        raise ConfigurationError(f"seeds: must be a list of whole numbers such as [1, 2, 3], got {seeds!r}", "seeds")
    if jobs is not None and (isinstance(jobs, (bool, np.bool_)) or not isinstance(jobs, numbers.Integral)
                             or int(jobs) < 1):
        raise ConfigurationError(f"jobs: must be a whole number of worker processes >= 1, or None for all cores, "
                                 f"got {jobs!r}", "jobs")
    seeds = list(seeds)
    wrong = [s for s in seeds if isinstance(s, (bool, np.bool_)) or not isinstance(s, numbers.Integral)]
    if wrong:  # as simulate(seed=...) would: 1.7 is not a seed, '12' is a text, True is not a number
        raise ConfigurationError(f"seeds: must be whole numbers, got {wrong[0]!r}", "seeds")
    seeds = [int(s) for s in seeds]
    if not seeds:
        raise ConfigurationError("seeds: must list at least one seed", "seeds")
    if len(set(seeds)) != len(seeds):
        raise ConfigurationError(f"seeds: lists a seed twice: {seeds}", "seeds")
    tasks = [(i, s) for i in range(len(cfgs)) for s in seeds]
    with _configuration_errors():
        runs = [dataclasses.replace(cfgs[i], seed=s) for i, s in tasks]
        for cfg in runs:
            validate(cfg)  # a seed outside the allowed range: refused before anything runs
    rows = run_parallel(_study_values, runs, jobs=jobs, progress=progress)
    frame = pd.DataFrame(rows)
    frame.insert(0, "seed", [s for _, s in tasks])
    frame.insert(0, "setting", [i for i, _ in tasks])
    return frame
