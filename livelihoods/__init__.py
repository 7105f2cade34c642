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

# The public names, loaded on first use: the config layer's own modules (livelihoods.compose, .errors, ...)
# are imported by every command and worker, which need not pay for the API's imports.
_PUBLIC = {
    "DEFAULT_SEEDS": "livelihoods.api", "Result": "livelihoods.api", "flat_values": "livelihoods.api",
    "load_config": "livelihoods.api", "run_config": "livelihoods.api", "run_study": "livelihoods.api",
    "simulate": "livelihoods.api", "to_overrides": "livelihoods.api", "POLICY_NAMES": "livelihoods.api",
    "ConfigurationError": "livelihoods.errors", "LivelihoodsError": "livelihoods.errors",
    "ConfigError": "simulation.config", "RunConfig": "simulation.config",
}
__all__ = sorted(_PUBLIC)


def __getattr__(name: str):
    if name not in _PUBLIC:
        raise AttributeError(f"module 'livelihoods' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(_PUBLIC[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_PUBLIC])
