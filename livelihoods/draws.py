"""Posterior draws as run configs: ``posterior=<name> draw=<k>`` runs draw k of a stored posterior.

A posterior (``configs/calibration/<name>/posterior.csv``, written by ``experiments.posterior``) holds the
last ABC-SMC generation's accepted parameter sets and their importance weights. Studies need equally
weighted draws, so the particles are resampled systematically, in a fixed way:

    draw k = the particle i with  W_{i-1} < (k + 1/2) / N <= W_i,   W_i the cumulative normalised weights,

for k = 0 .. N - 1 (N particles): a particle of weight w appears about w N times, and draw k is the same
particle in every run, study and launcher. Draw k sets the posterior's parameters (config keys) over the
run's calibration; everything else is as configured.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
import typing
from pathlib import Path

import numpy as np

from livelihoods.paths import CONFIG_DIR
from simulation.config import ConfigError

# where posteriors are stored; LIVELIHOODS_POSTERIORS points elsewhere (the tests' own posteriors)
POSTERIOR_DIR = Path(os.environ.get("LIVELIHOODS_POSTERIORS", CONFIG_DIR / "calibration"))


NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")  # a posterior's name: a folder of POSTERIOR_DIR, never a path


def available() -> list[str]:
    return sorted(p.parent.name for p in POSTERIOR_DIR.glob("*/posterior.csv") if NAME.fullmatch(p.parent.name))


def _path(name: str) -> Path:
    """The posterior.csv of a stored posterior named ``name``: a name of ``available()``, never a path."""
    if not isinstance(name, str) or not NAME.fullmatch(name) or name not in available():
        raise ConfigError("posterior", f"null or the name of a stored posterior: "
                                       f"{', '.join(available()) or '(none stored yet)'}", name)
    return POSTERIOR_DIR / name / "posterior.csv"


def _parameter_key(key: str) -> bool:
    """A column a posterior may set: a numeric key of the behaviour schema (its calibration's parameters);
    never seed, months or any other key of the run."""
    from simulation.config import RunConfig

    node, meta = RunConfig, {}
    if not key.startswith("behaviour."):
        return False
    for part in key.split("."):
        fields = {f.name: f for f in dataclasses.fields(node)} if dataclasses.is_dataclass(node) else {}
        if part not in fields:
            return False
        node, meta = typing.get_type_hints(node)[part], fields[part].metadata
    return "lo" in meta  # a number with a range (not a name, a flag or a group)


@functools.cache
def _draws(path: Path, mtime: float) -> tuple[tuple[str, ...], np.ndarray]:
    """The resampled draws of a posterior's table, checked: its columns (``weight``, optionally ``draw``, and
    behaviour keys), finite values and weights (>= 0, summing above 0)."""
    import io

    import pandas as pd

    from livelihoods.errors import DamagedRecord
    from livelihoods.files import read_bytes

    try:
        frame = pd.read_csv(io.BytesIO(read_bytes(path, within=path.parent, record=True)))
    except (ValueError, pd.errors.ParserError) as exc:
        raise DamagedRecord(f"{path}: not a table of draws ({str(exc).splitlines()[0]})") from exc
    if "weight" not in frame.columns or len(frame) == 0:
        raise DamagedRecord(f"{path}: needs a 'weight' column and at least one draw, got columns "
                            f"{', '.join(map(str, frame.columns)) or '(none)'}")
    keys = tuple(c for c in frame.columns if c not in ("draw", "weight"))
    wrong = [k for k in keys if not _parameter_key(str(k))]
    if wrong:
        raise DamagedRecord(f"{path}: columns {', '.join(map(str, wrong))} are not behaviour parameters; a posterior "
                            "may set only numeric keys of behaviour (never seed, months or another key of the run)")
    try:
        values = frame[list(keys)].to_numpy(dtype=float)
        weights = frame["weight"].to_numpy(dtype=float)
    except ValueError as exc:
        raise DamagedRecord(f"{path}: holds a value that is not a number ({str(exc).splitlines()[0]})") from exc
    bad = np.flatnonzero(~np.isfinite(values).all(axis=1) | ~np.isfinite(weights) | (weights < 0))
    if bad.size:
        raise DamagedRecord(f"{path}: row {int(bad[0]) + 2} holds a missing, infinite or negative value "
                            f"({bad.size} such rows)")
    if weights.sum() <= 0:
        raise DamagedRecord(f"{path}: its weights sum to 0")
    cumulative = np.cumsum(weights / weights.sum())
    n = len(frame)
    picks = np.minimum(np.searchsorted(cumulative, (np.arange(n) + 0.5) / n), n - 1)
    return keys, values[picks]


def check_not_drawn(name: str | None, keys) -> None:
    """Refuse a key set by hand that posterior ``name`` draws: the draw would replace the value silently, while the
    run's record kept the value given (a sweep over such a key read as "no effect")."""
    if not name:
        return
    path = _path(name)
    drawn = set(_draws(path, path.stat().st_mtime)[0])
    for key in keys:
        if key in drawn:
            raise ConfigError(key, f"left to posterior {name}, which draws it (draw=k sets it); to set it by hand, "
                                   "run without posterior=", "a value given on the command line")


def draw_values(name: str, draw: int) -> dict[str, float]:
    """The parameter values of draw ``draw`` of posterior ``name`` (config key -> value)."""
    path = _path(name)
    keys, values = _draws(path, path.stat().st_mtime)
    if not 0 <= draw < len(values):
        raise ConfigError("draw", f"an integer in [0, {len(values) - 1}] (posterior {name} has {len(values)} draws)",
                          draw)
    return {k: float(v) for k, v in zip(keys, values[draw])}


def credible_ranges(name: str, credible: float) -> dict[str, tuple[float, float]]:
    """Each parameter's central ``credible`` interval over the posterior's (resampled) draws: key -> (low, high).

    The marginal quantiles q_{(1-c)/2} and q_{(1+c)/2} of the equally weighted draws; the posterior's
    correlations between parameters are not kept (a study that needs them runs over the draws themselves)."""
    path = _path(name)
    keys, values = _draws(path, path.stat().st_mtime)
    tail = (1.0 - credible) / 2.0
    return {k: (float(np.quantile(values[:, j], tail)), float(np.quantile(values[:, j], 1.0 - tail)))
            for j, k in enumerate(keys) if np.isfinite(values[:, j]).all()}


def count(name: str) -> int:
    """How many draws posterior ``name`` holds."""
    path = _path(name)
    return len(_draws(path, path.stat().st_mtime)[1])
