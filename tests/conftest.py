"""Shared helpers: compose the real Hydra config with overrides, run small models."""

from __future__ import annotations

from pathlib import Path

import pytest

from experiments.configuration import CONFIG_DIR, load_config
from simulation.model import LivelihoodsModel

ROOT = Path(__file__).resolve().parent.parent

SMALL = ["scenario.n_youth=1500", "months=18", "progress=false"]


def make_config(*overrides: str):
    """The validated RunConfig of configs/config.yaml with ``overrides`` applied (no progress bar)."""
    return load_config("progress=false", *overrides)


def run_model(cfg, engine: str | None = None, months: int | None = None) -> LivelihoodsModel:
    model = LivelihoodsModel(cfg, engine=engine)
    for _ in range(cfg.months if months is None else months):
        model.step()
    return model


@pytest.fixture(scope="session")
def small_config():
    return make_config(*SMALL)
