"""Write a run's results: summary.json (last, marking the run complete), timeseries.parquet, figures."""

from __future__ import annotations

import json
import math
import os
import secrets
from pathlib import Path

import pandas as pd

from simulation.metrics import GROUPS, INDICATORS

SUMMARY = "summary.json"
INCOMPLETE = "INCOMPLETE"  # present while a run is in progress, and after it was killed


def atomic_write(path: Path, write) -> None:
    """Write through a temporary file in the same folder, then rename: never a half-written file.

    The temporary name is unique to this process and call, so concurrent writers
    never share one; the file is created with the user's umask (like any other
    file, e.g. readable by the group on a shared cluster file system), not 0600.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    try:
        write(str(tmp))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda tmp: Path(tmp).write_text(text))


def _jsonable(obj):
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return None  # NaN (empty denominator) -> null
    return obj


def write_json(path: Path, data: dict) -> None:
    write_text(path, json.dumps(_jsonable(data), indent=2, allow_nan=False) + "\n")


def write_parquet(path: Path, frame: pd.DataFrame) -> None:
    atomic_write(path, lambda tmp: frame.to_parquet(tmp, index=False))


def mark_incomplete(out_dir: Path) -> None:
    """Mark a run folder as started but not finished; ``write_run`` removes the mark after ``summary.json``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    text = ("This run started but has not finished (or was killed): its files are not results.\n"
            "Re-run it with resume=true into the same folder; summary.json marks a complete run.\n")
    atomic_write(out_dir / INCOMPLETE, lambda tmp: Path(tmp).write_text(text))


def write_run(out_dir: Path, summary: dict, timeseries: pd.DataFrame, figures: bool = True) -> list[Path]:
    """Write all outputs; ``summary.json`` goes last, so its presence means the run is complete."""
    out_dir.mkdir(parents=True, exist_ok=True)
    write_parquet(out_dir / "timeseries.parquet", timeseries)
    if figures:
        from experiments.figures import plot_run

        figures = plot_run(out_dir, summary, timeseries)
    write_json(out_dir / SUMMARY, summary)
    (out_dir / INCOMPLETE).unlink(missing_ok=True)
    return [out_dir / "timeseries.parquet", *(figures or []), out_dir / SUMMARY]


def format_summary(summary: dict) -> str:
    """A short table: indicators overall and for each group."""
    columns = ["all", *GROUPS]
    rows = {"all": summary["indicators"], **summary["by_group"]}
    table = pd.DataFrame({c: [rows[c][k] for k in INDICATORS] for c in columns}, index=list(INDICATORS))
    meta = summary["meta"]
    head = (f"{meta['scenario']} | seed {meta['seed']} | engine {meta['engine']} | {meta['persons']:,} persons x "
            f"{meta['months']} months | {meta['runtime_seconds']:.1f} s "
            f"({meta['person_months_per_second']:,.0f} person-months/s)")
    cost = summary["cost"]
    spent = ", ".join(f"{name} {r['spent']:,.0f}" + (f" (budget ran out in month {r['budget_exhausted_month']})"
                                                     if r["budget_exhausted_month"] else "")
                      for name, r in cost["by_policy"].items()) or "no policy"
    money = (f"cost USD: total {cost['total']:,.0f} = training {cost['training']:,.0f} + {spent}; "
             f"average per completer {cost['average_per_completer']:,.0f} (all spending / completers; the cost of one "
             "more completer is a comparison of two arms: experiments.report)")
    with pd.option_context("display.width", 200, "display.max_columns", 20, "display.float_format", "{:.3f}".format):
        return head + "\n" + table.to_string() + "\n" + money
