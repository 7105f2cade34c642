"""Composing a run config as the command line does, and validating it.

``simulation/`` holds the schemas and their checks and imports neither Hydra nor
OmegaConf; ``livelihoods.store`` puts the schemas in Hydra's ConfigStore and
registers the resolvers; this module checks the overrides, composes the config
(``load_config``) and validates it. Every problem is a ``ConfigurationError``
with one line naming the key and what is allowed.
"""

from __future__ import annotations

import threading

from livelihoods.errors import ConfigurationError, as_configuration_error
from livelihoods.paths import CONFIG_DIR
from livelihoods.settings import RUN_KEYS, CommandSettings
from livelihoods.store import register_configs
from simulation.config import ConfigError, RunConfig, validate


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

    from livelihoods.draws import check_not_drawn
    from livelihoods.overrides import check_config_overrides

    check_config_overrides(overrides)  # the same keys as the command line: no '+' keys, no code
    register_configs()
    try:  # Hydra's composition goes through one global instance: one thread at a time
        with _COMPOSING, initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
            cfg = compose(config_name="config", overrides=overrides)
        check_not_drawn(cfg.get("posterior"), [text.split("=", 1)[0].lstrip("+~") for text in overrides])
        return cfg
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
