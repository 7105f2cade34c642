"""Shared helpers: compose the real Hydra config with overrides, run small models."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from experiments.configuration import CONFIG_DIR, load_config  # noqa: F401 - CONFIG_DIR re-exported to the tests
from simulation.model import LivelihoodsModel

ROOT = Path(__file__).resolve().parent.parent

PROGRESS = re.compile(r"\d+/\d+ \[")  # a tqdm progress bar line, e.g. "runs:  5%| 1/20 [00:00<00:05]"

SMALL = ["scenario.n_youth=1500", "months=18", "progress=false"]


TEST_BURN_IN = "burn_in_months=12"  # a short burn-in: the tests exercise it everywhere at a tenth of its cost


def make_config(*overrides: str):
    """The validated RunConfig of configs/config.yaml with ``overrides`` applied (no progress bar), and a
    12-month burn-in unless the overrides set one (tests/test_at_rest.py runs the configured one)."""
    return load_config("progress=false", TEST_BURN_IN, *overrides)


def run_model(cfg, engine: str | None = None, months: int | None = None) -> LivelihoodsModel:
    model = LivelihoodsModel(cfg, engine=engine)
    for _ in range(cfg.months if months is None else months):
        model.step()
    return model


def assert_refused(capsys, call, message: str) -> None:
    """``call()`` exits with code 2 and one line on stderr (progress bars aside) that contains ``message``."""
    with pytest.raises(SystemExit) as exit_:
        call()
    assert exit_.value.code == 2
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip() and not PROGRESS.search(line)]
    assert len(err) == 1 and message in err[0], err


@pytest.fixture(scope="session")
def small_config():
    return make_config(*SMALL)
