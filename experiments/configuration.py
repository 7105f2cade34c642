"""Compose and validate a run config from Python (tests, benchmarks, studies), as the CLI does."""

from __future__ import annotations

from pathlib import Path

from simulation.config import RunConfig, register_configs, to_run_config

CONFIG_DIR = Path(__file__).resolve().parent.parent / "configs"


def load_config(*overrides: str) -> RunConfig:
    """The validated RunConfig of ``configs/config.yaml`` with Hydra ``overrides`` applied."""
    from hydra import compose, initialize_config_dir

    from experiments.overrides import check_config_overrides

    check_config_overrides(list(overrides))  # the same keys as the command line: no '+' keys, no code
    register_configs()
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        return to_run_config(compose(config_name="config", overrides=list(overrides)))
