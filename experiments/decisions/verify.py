"""``--verify``: every front point re-run from its printed overrides on the preset's fresh seeds."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.decisions.preset import Preset
from experiments.decisions.runs import Runs
from experiments.studies.stats import t_interval, t_quantile, welch

VERIFY_COLUMNS = ("candidates", "trial", "package", "outcome", "search", "search.low", "search.high", "fresh",
                  "fresh.low", "fresh.high", "inside", "difference", "difference.low", "difference.high", "consistent",
                  "relative_difference", "within_budget_fresh")


def verify(frame: pd.DataFrame, preset: Preset, runs: Runs) -> pd.DataFrame:
    """Re-run every front point from its printed overrides on the preset's fresh seeds: per (point, outcome)
    the search's mean and interval, the fresh mean and interval, and whether the fresh mean is inside."""
    front = frame[frame["on_front"]].sort_values(preset.budget_key)
    # a sweep folder per state of the search: a later front is never read from an earlier front's jobs
    results = runs.rerun(list(front["overrides"]), preset.verify_seeds, name=f"verify_{len(frame)}_candidates")
    rows = []
    n, t = len(preset.seeds), float(t_quantile(len(preset.seeds) - 1, preset.confidence))
    for (_, point), per_seed in zip(front.iterrows(), results):
        for o in preset.objectives:
            fresh = np.array([run[o.key] for run in per_seed], dtype=float)
            m, lo, hi = t_interval(fresh, preset.confidence)
            search_sd = (point[o.key + ".high"] - point[o.key]) * math.sqrt(n) / t  # the search's interval, undone
            d, d_lo, d_hi = welch(m, float(fresh.std(ddof=1)), len(fresh), point[o.key], search_sd, n, preset.confidence)
            rows.append({"candidates": len(frame), "trial": point["trial"], "package": point["package"], "outcome": o.key,
                         "search": point[o.key], "search.low": point[o.key + ".low"],
                         "search.high": point[o.key + ".high"], "fresh": m, "fresh.low": lo, "fresh.high": hi,
                         "inside": bool(point[o.key + ".low"] <= m <= point[o.key + ".high"]),
                         "difference": d, "difference.low": d_lo, "difference.high": d_hi,
                         "consistent": bool(d_lo <= 0 <= d_hi),
                         "relative_difference": abs(d) / abs(point[o.key]) if point[o.key] else abs(d),
                         "within_budget_fresh": max(run[preset.budget_key] for run in per_seed) <= preset.budget_usd})
    return pd.DataFrame(rows)


def summary_line(verified: pd.DataFrame) -> str:
    return (f"verify: of {len(verified)} (point, outcome) pairs, the fresh-seed mean is inside the search's "
            f"interval for {100 * verified['inside'].mean():.0f}% and consistent with it (Welch) for "
            f"{100 * verified['consistent'].mean():.0f}%; largest relative difference "
            f"{100 * verified['relative_difference'].max():.1f}%")


def current_verification(folder: Path, candidates: int) -> pd.DataFrame | None:
    """``verify.csv`` if it verified the front of ``candidates`` candidates; one of an earlier front (the
    search has grown since) is kept, renamed ``verify_<n>_candidates.csv``, so it cannot be read as this one's."""
    from livelihoods.errors import LivelihoodsError
    from livelihoods.files import read_table, why

    path = folder / "verify.csv"
    if not path.exists() and not path.is_symlink():
        return None
    try:
        verified = read_table(path, record=True, within=folder)
        missing = [c for c in VERIFY_COLUMNS if c not in verified]
        if missing:
            raise ValueError(f"no column {missing[0]}")
        if not len(verified) or not pd.api.types.is_integer_dtype(verified["candidates"]) \
                or verified["candidates"].nunique() != 1:
            raise ValueError("candidates: not one whole number")
        numbers = verified[[c for c in VERIFY_COLUMNS if c not in ("package", "outcome", "inside", "consistent",
                                                                    "within_budget_fresh")]]
        if not all(pd.api.types.is_numeric_dtype(numbers[c]) for c in numbers) \
                or np.isinf(numbers.to_numpy(dtype=float)).any():
            raise ValueError("a value is not a number, or is infinite")
    except (LivelihoodsError, ValueError) as exc:
        kept = folder / "verify_unreadable.csv"
        path.replace(kept)
        print(f"warning: {path.name} cannot be read ({why(exc)}): kept as {kept.name}, not reported (run --verify to "
              "check this front)", flush=True)
        return None
    n = int(verified["candidates"].iloc[0])
    if n == candidates:
        return verified
    kept = folder / f"verify_{n}_candidates.csv"
    path.rename(kept)
    print(f"verify.csv checked an earlier front ({n} candidates, now {candidates}): kept as "
          f"{kept.name} (run --verify to check this front)", flush=True)
    return None
