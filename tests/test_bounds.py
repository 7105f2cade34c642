"""Every numeric key has bounds the code can hold: at either end of its range a run is clean or refused.

The schema states a finite upper bound for every numeric key (``simulation/config.py``).
Here each key in turn is set to its lowest and its highest allowed value, with every
policy switched on, and the model runs a few months: it must either finish with no
numerical warning (overflow, invalid value, division by zero) and no infinite indicator
(NaN marks an empty denominator), or be refused by a check across keys (a ``ConfigError``: one line at the CLI).
"""

from __future__ import annotations

import copy
import dataclasses
import math
import typing
import warnings

import numpy as np
import pytest

from simulation.config import ConfigError, RunConfig, validate
from simulation.memory import check_fits_in_memory
from simulation.policies import POLICIES
from simulation.state import PERSON_FIELDS
from tests.conftest import make_config


def numeric_keys(node=RunConfig, path: str = ""):
    """(dotted key, metadata) of every numeric field, lists entered at item 0 and every policy included."""
    hints = typing.get_type_hints(node)
    for f in dataclasses.fields(node):
        key = f"{path}.{f.name}" if path else f.name
        kind = hints[f.name]
        inner = [a for a in typing.get_args(kind) if a is not type(None)]
        target = inner[0] if inner and typing.get_origin(kind) in (list, typing.Union) else kind
        if dataclasses.is_dataclass(target):
            yield from numeric_keys(target, f"{key}[0]" if typing.get_origin(kind) is list else key)
        elif "lo" in f.metadata:
            yield key, f.metadata


KEYS = list(numeric_keys())


def test_every_numeric_key_has_a_finite_upper_bound():
    assert len(KEYS) >= 100
    for key, meta in KEYS:
        assert meta["hi"] is not None and math.isfinite(meta["hi"]), key
        assert meta["lo"] is not None and math.isfinite(meta["lo"]), key


def set_key(cfg, key: str, value) -> None:
    *path, last = key.replace("[0]", ".0").split(".")
    obj = cfg
    for part in path:
        obj = obj[int(part)] if part.isdigit() else getattr(obj, part)
    setattr(obj, last, value)


def extreme(meta, end: str):
    """The lowest or highest allowed value (just inside an open end)."""
    value = meta[end]
    if meta[f"{end}_open"]:
        value = value + 1e-6 if end == "lo" else value - 1e-6
    return int(value) if meta["integer"] else float(value)


def nonfinite_fields(model) -> list[str]:
    """The person fields of real numbers that hold a NaN or an infinity."""
    return [name for name, spec in PERSON_FIELDS.items() if np.dtype(spec.dtype).kind == "f"
            and not np.isfinite(getattr(model.people, name)).all()]


def finite_run(cfg, months: int):
    """``run_model`` with a debug check: every person field of real numbers is finite after the build and after
    each phase (or fused run of phases) the engine applies."""
    from simulation.model import LivelihoodsModel

    model = LivelihoodsModel(cfg)
    assert nonfinite_fields(model) == [], f"after the build: {nonfinite_fields(model)}"
    run = model.engine.run

    def checked(name, *args, **kwargs):
        run(name, *args, **kwargs)
        bad = nonfinite_fields(model)
        assert not bad, f"after {name} in month {model.month}: {bad} not finite"

    model.engine.run = checked
    for _ in range(months):
        model.step()
    return model


def test_a_planted_nan_is_caught_by_the_debug_check():
    cfg = make_config("scenario.n_youth=300", "months=2")
    model = finite_run(cfg, 1)
    model.people.savings[3] = np.nan
    assert nonfinite_fields(model) == ["savings"]


@pytest.fixture(scope="module")
def everything_on():
    return make_config(f"policy=[{','.join(POLICIES)}]", "scenario.n_youth=300", "months=3", "seed=5")


@pytest.mark.parametrize("end", ["lo", "hi"])
def test_each_key_at_either_end_of_its_range_runs_cleanly_or_is_refused(everything_on, end):
    refused, ran = [], 0
    for key, meta in KEYS:
        cfg = copy.deepcopy(everything_on)
        set_key(cfg, key, extreme(meta, end))
        try:
            validate(cfg)
            check_fits_in_memory(cfg, cfg.engine)
        except ConfigError as exc:  # a check across keys: one line at the command line
            refused.append(f"{key}: {exc}")
            continue
        with warnings.catch_warnings(), np.errstate(all="raise"):
            warnings.simplefilter("error", RuntimeWarning)
            try:
                summary = finite_run(cfg, months=min(cfg.months, 3)).summary()
            except Exception as exc:  # noqa: BLE001 - the failure is the finding
                pytest.fail(f"{key}={extreme(meta, end)}: {type(exc).__name__}: {exc}")
        values = [v for v in summary["indicators"].values() if v is not None]
        assert not any(math.isinf(v) for v in values), (key, summary["indicators"])  # NaN: an empty denominator
        ran += 1
    assert ran >= len(KEYS) - 15, refused  # nearly every extreme is a valid run; the rest are refused in one line


def test_beta_shapes_at_their_smallest_give_finite_intents_through_the_command_line(tmp_path):
    """Issue 32, cause 9: ``intent_alpha = intent_beta = 1e-300`` (allowed) made every intent NaN, which the
    indicators hid as a migration-intent rate of 0. Beta(a, a) with a tiny a puts half the mass at each end:
    intents 0 or 1, about half of them above any threshold."""
    import subprocess
    import sys

    import pandas as pd

    from tests.conftest import ROOT

    out = tmp_path / "run"
    proc = subprocess.run([sys.executable, "-m", "experiments.run", "scenario.n_youth=600", "months=2",
                           "burn_in_months=0", "figures=false", "scenario.population.intent_alpha=1e-300",
                           "scenario.population.intent_beta=1e-300", f"hydra.run.dir={out}"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    start = pd.read_parquet(out / "timeseries.parquet").iloc[0]
    assert 0.35 < start["migration_intent_rate"] < 0.65
