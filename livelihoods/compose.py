"""Composing a run config: schemas in Hydra's ConfigStore, resolvers for the launchers, composition and validation.

``simulation/`` holds the schemas and their checks and imports neither Hydra nor
OmegaConf; this module stores the schemas in Hydra's ConfigStore (``base_*``
names, extended by the YAML files), registers the resolvers the launcher configs
use to size a job (memory, time limit), and composes and validates a run config
(``load_config``) as the command line does. Every problem is a ``ConfigurationError``
with one line naming the key and what is allowed.
"""

from __future__ import annotations

import math
import threading
import warnings

from livelihoods.errors import ConfigurationError, as_configuration_error
from livelihoods.paths import CONFIG_DIR
from livelihoods.settings import RUN_KEYS, CommandConfig, CommandSettings
from simulation.config import BehaviourConfig, ConfigError, RunConfig, ScenarioConfig, validate
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
    seconds = int(n_youth) * (int(burn_in_months) + int(months)) / PERSON_MONTHS_PER_SECOND.get(engine, PERSON_MONTHS_PER_SECOND["mesa"])
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


def _to_object(cfg):
    """The composed config as typed dataclasses (a ``CommandConfig``, or a ``RunConfig``), every range checked."""
    from omegaconf import OmegaConf

    try:
        obj = OmegaConf.to_object(cfg)
        validate(obj)  # the draw index and the rest first: one clear line for a bad value
        return obj
    except ConfigurationError:
        raise
    except Exception as exc:  # noqa: BLE001 - OmegaConf's errors and the schema's ConfigError: one line
        raise as_configuration_error(exc) from exc


def to_run_config(cfg) -> RunConfig:
    """The run (``RunConfig``) of a composed config, every range checked; a posterior's draw applied.

    Raises ``ConfigurationError`` with one line naming the key and what is allowed.
    """
    return _run_of(_to_object(cfg))


def to_run_and_settings(cfg) -> tuple[RunConfig, CommandSettings]:
    """The run and the command line's own settings of a composed ``configs/config.yaml``, converted once."""
    obj = _to_object(cfg)
    return _run_of(obj), CommandSettings(obj.progress, obj.figures, obj.resume, obj.report)


def _run_of(obj) -> RunConfig:
    run = RunConfig(**{key: getattr(obj, key) for key in RUN_KEYS}) if type(obj) is not RunConfig else obj
    if run.posterior is not None:  # draw `draw` of a stored posterior sets its parameters (livelihoods.draws)
        from livelihoods.draws import draw_values
        from livelihoods.values import with_values

        try:
            run = with_values(run, draw_values(run.posterior, run.draw))
        except ConfigError as exc:
            raise as_configuration_error(exc) from exc
    return run


def command_settings(cfg) -> CommandSettings:
    """The command line's own settings of a composed config (progress bar, figures, resume, report)."""
    return to_run_and_settings(cfg)[1]


_COMPOSING = threading.Lock()


def _compose(overrides: list[str]):
    """``configs/config.yaml`` composed with ``overrides`` (checked as the command line's), without ``hydra``."""
    from hydra import compose, initialize_config_dir
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException
    from yaml import YAMLError

    from livelihoods.overrides import check_config_overrides

    check_config_overrides(overrides)  # the same keys as the command line: no '+' keys, no code
    register_configs()
    try:  # Hydra's composition goes through one global instance: one thread at a time
        with _COMPOSING, initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
            return compose(config_name="config", overrides=overrides)
    except (HydraException, OmegaConfBaseException, YAMLError, ConfigError) as exc:
        raise as_configuration_error(exc) from exc


def load_config(*overrides: str) -> RunConfig:
    """The validated RunConfig of ``configs/config.yaml`` with Hydra ``overrides`` applied.

    Raises ``ConfigurationError`` with one line naming the key and what is allowed.
    """
    return to_run_config(_compose(list(overrides)))


def load_settings(*overrides: str) -> CommandSettings:
    """The command line's own settings (progress bar, figures, resume, report) of ``configs/config.yaml`` with
    ``overrides`` applied; ``ConfigurationError`` as ``load_config``."""
    return command_settings(_compose(list(overrides)))
