"""Write a run's results: summary.json (last, marking the run complete), timeseries.parquet, figures."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from experiments.records.files import atomic_write, write_json, write_parquet
from simulation.metrics import GROUPS, INDICATORS

SUMMARY = "summary.json"
INCOMPLETE = "INCOMPLETE"  # present while a run is in progress, and after it was killed


def mark_incomplete(out_dir: Path) -> None:
    """Mark a run folder as started but not finished; ``write_run`` removes the mark after ``summary.json``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    text = ("This run started but has not finished (or was killed): its files are not results.\n"
            "Re-run it with resume=true into the same folder; summary.json marks a complete run.\n")
    atomic_write(out_dir / INCOMPLETE, lambda tmp: Path(tmp).write_text(text))


def write_run(out_dir: Path, summary: dict, timeseries: pd.DataFrame, plot=None) -> list[Path]:
    """Write all outputs; ``summary.json`` goes last, so its presence means the run is complete.

    ``plot(out_dir, summary, timeseries) -> [paths]`` draws the run's figures (none when None).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    write_parquet(out_dir / "timeseries.parquet", timeseries)
    figures = plot(out_dir, summary, timeseries) if plot is not None else []
    write_json(out_dir / SUMMARY, summary)
    (out_dir / INCOMPLETE).unlink(missing_ok=True)
    return [out_dir / "timeseries.parquet", *figures, out_dir / SUMMARY]


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
                      + (f" (offered to {r['offered']:,}, used by {r['used']:,})" if "offered" in r else "")
                      for name, r in cost["by_policy"].items()) or "no policy"
    money = (f"cost USD: total {cost['total']:,.0f} = training {cost['training']:,.0f} + {spent}; "
             f"average per completer {cost['average_per_completer']:,.0f} (all spending / completers; the cost of one "
             "more completer is a comparison of two arms: experiments.report)")
    with pd.option_context("display.width", 200, "display.max_columns", 20, "display.float_format", "{:.3f}".format):
        return head + "\n" + table.to_string() + "\n" + money
