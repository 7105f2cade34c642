"""Shared helpers: compose the real Hydra config with overrides, run small models."""

from __future__ import annotations

from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir

from simulation.config import register_configs, to_run_config
from simulation.model import LivelihoodsModel

ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = ROOT / "configs"
register_configs()

SMALL = ["scenario.n_youth=1500", "months=18", "progress=false"]


def make_config(*overrides: str):
    """The validated RunConfig of configs/config.yaml with ``overrides`` applied."""
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        return to_run_config(compose(config_name="config", overrides=["progress=false", *overrides]))


def run_model(cfg, engine: str | None = None, months: int | None = None) -> LivelihoodsModel:
    model = LivelihoodsModel(cfg, engine=engine)
    for _ in range(cfg.months if months is None else months):
        model.step()
    return model


@pytest.fixture(scope="session")
def small_config():
    return make_config(*SMALL)
