"""Shared helpers: compose the real Hydra config with overrides, run small models."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from livelihoods.compose import load_config
from livelihoods.errors import ConfigurationError
from livelihoods.paths import CONFIG_DIR  # noqa: F401 - re-exported to the tests
from simulation.model import LivelihoodsModel

ROOT = Path(__file__).resolve().parent.parent
STORED_POSTERIOR = "posterior-4"  # the stored posterior the docs describe (tools/doc_numbers.POSTERIOR; a test checks)

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
    """``call()`` is refused with one line that contains ``message``: a function raises a ``ConfigurationError``
    (exit code 2 at an entry point) with that line; an entry point's ``main`` prints it on stderr (progress bars
    aside) as ``error: <line>`` and returns 2."""
    try:
        code = call()
    except ConfigurationError as error:
        assert error.exit_code == 2 and message in str(error), str(error)
        return
    assert code == 2, f"not refused: returned {code!r}"
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip() and not PROGRESS.search(line)]
    assert len(err) == 1 and err[0].startswith("error: ") and message in err[0], err


@pytest.fixture(scope="session")
def small_config():
    return make_config(*SMALL)
