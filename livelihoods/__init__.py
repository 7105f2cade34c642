"""Drive the livelihoods model from Python: one run, many runs, the typed config.

>>> import livelihoods
>>> r = livelihoods.simulate({"scenario": "mali_returnees", "policy": ["stipend"],
...                           "policy.stipend.monthly_amount": 45}, seed=1, months=24)
>>> r.indicators["dropout_rate"], r.values()["cost.total"]       # share in [0, 1], USD over the run
>>> table = livelihoods.run_study([{"policy": []}, {"policy": ["stipend"]}], seeds=range(1, 11))

* ``simulate(overrides=None, *, seed=None, engine=None, **values) -> Result``: one run;
* ``run_study(settings, *, seeds=(1, ..., 5), jobs=None, progress=False) -> DataFrame``: every setting
  with the same seeds (common random numbers) on all local cores, one row per (setting, seed);
* ``load_config(...) -> RunConfig`` and ``run_config(cfg) -> Result``: the typed config, and a run of it
  (the command line's own path);
* ``Result``: ``config``, ``summary``, ``timeseries``, ``indicators`` and ``values()``;
* ``ConfigurationError``: a bad key or value (a ``ValueError``), with the line the command line prints.

The same config and seed give the same numbers, here and on the command line. docs/API.md has the details.
"""

from livelihoods.api import (
    DEFAULT_SEEDS,
    ConfigurationError,
    Result,
    flat_values,
    load_config,
    run_config,
    run_study,
    simulate,
    to_overrides,
)
from simulation.config import ConfigError, RunConfig

__all__ = [
    "DEFAULT_SEEDS",
    "ConfigError",
    "ConfigurationError",
    "Result",
    "RunConfig",
    "flat_values",
    "load_config",
    "run_config",
    "run_study",
    "simulate",
    "to_overrides",
]
