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

import functools
import math
import os
from pathlib import Path

import numpy as np

from livelihoods.paths import CONFIG_DIR
from simulation.config import ConfigError

# where posteriors are stored; LIVELIHOODS_POSTERIORS points elsewhere (the tests' own posteriors)
POSTERIOR_DIR = Path(os.environ.get("LIVELIHOODS_POSTERIORS", CONFIG_DIR / "calibration"))


def available() -> list[str]:
    return sorted(p.parent.name for p in POSTERIOR_DIR.glob("*/posterior.csv"))


@functools.cache
def _draws(path: Path, mtime: float) -> tuple[tuple[str, ...], np.ndarray]:
    import pandas as pd

    frame = pd.read_csv(path)
    keys = tuple(c for c in frame.columns if c not in ("draw", "weight"))
    weights = frame["weight"].to_numpy(dtype=float)
    cumulative = np.cumsum(weights / weights.sum())
    n = len(frame)
    picks = np.minimum(np.searchsorted(cumulative, (np.arange(n) + 0.5) / n), n - 1)
    return keys, frame[list(keys)].to_numpy(dtype=float)[picks]


def draw_values(name: str, draw: int) -> dict[str, float]:
    """The parameter values of draw ``draw`` of posterior ``name`` (config key -> value)."""
    path = POSTERIOR_DIR / name / "posterior.csv"
    if not path.is_file():
        raise ConfigError("posterior", f"null or one of {', '.join(available()) or '(none stored yet)'}", name)
    keys, values = _draws(path, path.stat().st_mtime)
    if not 0 <= draw < len(values):
        raise ConfigError("draw", f"an integer in [0, {len(values) - 1}] (posterior {name} has {len(values)} draws)",
                          draw)
    return {k: float(v) for k, v in zip(keys, values[draw]) if math.isfinite(v)}


def credible_ranges(name: str, credible: float) -> dict[str, tuple[float, float]]:
    """Each parameter's central ``credible`` interval over the posterior's (resampled) draws: key -> (low, high).

    The marginal quantiles q_{(1-c)/2} and q_{(1+c)/2} of the equally weighted draws; the posterior's
    correlations between parameters are not kept (a study that needs them runs over the draws themselves)."""
    path = POSTERIOR_DIR / name / "posterior.csv"
    if not path.is_file():
        raise ConfigError("posterior", f"null or one of {', '.join(available()) or '(none stored yet)'}", name)
    keys, values = _draws(path, path.stat().st_mtime)
    tail = (1.0 - credible) / 2.0
    return {k: (float(np.quantile(values[:, j], tail)), float(np.quantile(values[:, j], 1.0 - tail)))
            for j, k in enumerate(keys) if np.isfinite(values[:, j]).all()}


def count(name: str) -> int:
    """How many draws posterior ``name`` holds."""
    path = POSTERIOR_DIR / name / "posterior.csv"
    if not path.is_file():
        raise ConfigError("posterior", f"null or one of {', '.join(available()) or '(none stored yet)'}", name)
    return len(_draws(path, path.stat().st_mtime)[1])
