"""Hydra's side of the configuration: schemas in the ConfigStore, resolvers for the launchers, composition.

``simulation/`` holds the schemas and their checks and imports neither Hydra nor
OmegaConf; this module stores the schemas in Hydra's ConfigStore (``base_*``
names, extended by the YAML files), registers the resolvers the launcher configs
use to size a job (memory, time limit), and composes and validates a run config
from Python (tests, benchmarks, studies) as the command line does.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

from simulation.config import BehaviourConfig, RunConfig, ScenarioConfig, validate
from simulation.memory import bytes_needed, persons_expected

# configs/hydra/launcher/*.yaml extend the launcher plugins' own configs of the same name on purpose
# (their schema checks our values); Hydra 1.3 still does this but warns that the matching is old-style.
# Here, not in experiments.run: a sweep's workers compose configs too, and import this module, not that one.
warnings.filterwarnings("ignore", message=r"\s*'hydra/launcher/\w+' is validated against ConfigStore schema")

CONFIG_DIR = Path(__file__).resolve().parent.parent / "configs"

# Person-months per second of one kernel thread, rounded down from benchmarks/results.md, to bound a job's
# run time on a cluster.
PERSON_MONTHS_PER_SECOND = {"numba": 1_000_000, "numpy": 300_000, "mesa": 10_000}


def job_memory_gb(n_youth: int, months: int, engine: str, arrivals_per_1000_per_month: float,
                  burn_in_months: int = 0) -> int:
    """Memory to request for one run on a cluster (GiB, whole, with 25% headroom over the estimate)."""
    need = bytes_needed(persons_expected(n_youth, burn_in_months + months, arrivals_per_1000_per_month), engine)
    return max(1, math.ceil(1.25 * need / 2**30))


def job_minutes(n_youth: int, months: int, engine: str, burn_in_months: int = 0) -> int:
    """Time limit for one run on a cluster (minutes): 3x the expected run time plus 5 minutes of start-up."""
    seconds = int(n_youth) * (int(burn_in_months) + int(months)) / PERSON_MONTHS_PER_SECOND.get(engine, PERSON_MONTHS_PER_SECOND["mesa"])
    return 5 + math.ceil(3 * seconds / 60)


def register_resolvers() -> None:
    """Resolvers for the launcher configs (``configs/hydra/launcher/``): memory and time limit of one run.

    ``${livelihoods.mem_gb:n_youth,months,engine,arrivals,burn_in_months}``, ``${livelihoods.mem_bytes:...}``
    (same arguments) and ``${livelihoods.minutes:n_youth,months,engine,burn_in_months}``.
    """
    from omegaconf import OmegaConf

    OmegaConf.register_new_resolver("livelihoods.mem_gb", job_memory_gb, replace=True)
    OmegaConf.register_new_resolver("livelihoods.minutes", job_minutes, replace=True)
    OmegaConf.register_new_resolver("livelihoods.mem_bytes", lambda *a: job_memory_gb(*a) * 2**30, replace=True)


def register_configs() -> None:
    """Store the schemas in Hydra's ConfigStore (``base_*`` names, extended by the YAML files)."""
    from hydra.core.config_store import ConfigStore

    register_resolvers()
    cs = ConfigStore.instance()
    cs.store(name="base_config", node=RunConfig)
    cs.store(group="scenario", name="base_scenario", node=ScenarioConfig)
    cs.store(group="calibration", name="base_behaviour", node=BehaviourConfig, package="behaviour")


def to_run_config(cfg) -> RunConfig:
    """Convert a composed OmegaConf config to typed dataclasses and check every range."""
    from omegaconf import OmegaConf

    obj = OmegaConf.to_object(cfg)
    if obj.posterior is not None:  # draw `draw` of a stored posterior sets its parameters (experiments.draws)
        from experiments.draws import draw_values
        from experiments.study import with_values

        validate(obj)  # the draw index and the rest first: one clear line for a bad value
        obj = with_values(obj, draw_values(obj.posterior, obj.draw))
    validate(obj)
    return obj


def load_config(*overrides: str) -> RunConfig:
    """The validated RunConfig of ``configs/config.yaml`` with Hydra ``overrides`` applied."""
    from hydra import compose, initialize_config_dir

    from experiments.overrides import check_config_overrides

    check_config_overrides(list(overrides))  # the same keys as the command line: no '+' keys, no code
    register_configs()
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        return to_run_config(compose(config_name="config", overrides=list(overrides)))
