"""Hydra's ConfigStore and the project's resolvers: the schemas under their ``base_*`` names and the resolvers the
launcher configs and study presets use (a job's memory and time limit, the arms of a comparison of every policy).

Its own module so that both composing a config (``livelihoods.compose``) and checking the files Hydra would read
(``livelihoods.overrides``) can register them without importing each other.
"""

from __future__ import annotations

import math
import warnings

from livelihoods.settings import CommandConfig
from simulation.config import BehaviourConfig, ScenarioConfig
from simulation.memory import bytes_needed, persons_expected

# configs/hydra/launcher/*.yaml extend the launcher plugins' own configs of the same name on purpose
# (their schema checks our values); Hydra 1.3 still does this but warns that the matching is old-style.
# Here, not in experiments.run: a sweep's workers compose configs too, and import this module, not that one.
warnings.filterwarnings("ignore", message=r"\s*'hydra/launcher/\w+' is validated against ConfigStore schema")

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
    rate = PERSON_MONTHS_PER_SECOND.get(engine, PERSON_MONTHS_PER_SECOND["mesa"])
    seconds = int(n_youth) * (int(burn_in_months) + int(months)) / rate
    return 5 + math.ceil(3 * seconds / 60)


def policy_arms() -> str:
    """The arms of a comparison of every policy: ``[],[stipend],...,[job_referral],[stipend,...,job_referral]``
    (no policy, each registered policy alone, all of them), as a sweep's list of values."""
    from simulation.policies import POLICIES

    return ",".join(["[]", *(f"[{name}]" for name in POLICIES), f"[{','.join(POLICIES)}]"])


def register_resolvers() -> None:
    """Resolvers for the launcher configs (``configs/hydra/launcher/``): memory and time limit of one run.

    ``${livelihoods.mem_gb:n_youth,months,engine,arrivals,burn_in_months}``, ``${livelihoods.mem_bytes:...}``
    (same arguments) and ``${livelihoods.minutes:n_youth,months,engine,burn_in_months}``; and, for a study
    preset, ``${livelihoods.policy_arms:}``: no policy, each registered policy alone and all of them.
    """
    from omegaconf import OmegaConf

    OmegaConf.register_new_resolver("livelihoods.mem_gb", job_memory_gb, replace=True)
    OmegaConf.register_new_resolver("livelihoods.minutes", job_minutes, replace=True)
    OmegaConf.register_new_resolver("livelihoods.mem_bytes", lambda *a: job_memory_gb(*a) * 2**30, replace=True)
    OmegaConf.register_new_resolver("livelihoods.policy_arms", policy_arms, replace=True)


def register_configs() -> None:
    """Store the schemas in Hydra's ConfigStore (``base_*`` names, extended by the YAML files)."""
    from hydra.core.config_store import ConfigStore

    register_resolvers()
    cs = ConfigStore.instance()
    cs.store(name="base_config", node=CommandConfig)
    cs.store(group="scenario", name="base_scenario", node=ScenarioConfig)
    cs.store(group="calibration", name="base_behaviour", node=BehaviourConfig, package="behaviour")
