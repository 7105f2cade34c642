"""Figures of one run: the training funnel and monthly dropout, employment and intent.

Every tick label reads its tick's value exactly (``exact``: 17.5% is printed "17.5%", never "18%"); the
report's figures use the same formatters.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.ticker import FuncFormatter, MaxNLocator


def exact_number(value: float, scale: float = 1.0, suffix: str = "") -> str:
    """``value * scale`` with thousands separators and the fewest decimals (up to 6) that show it exactly:
    0.175 at scale 100 -> "17.5", 1250 -> "1,250", -0.5 -> "\u22120.5"."""
    v = value * scale
    decimals = next((d for d in range(7) if abs(round(v, d) - v) <= 1e-9 * max(1.0, abs(v))), 6)
    v = round(v, decimals)
    text = f"{abs(v):,.{decimals}f}"
    return ("\u2212" if v < 0 else "") + text + suffix


def exact(scale: float = 1.0, suffix: str = "") -> FuncFormatter:
    """A tick formatter printing each tick's value exactly (``exact_number``); ``exact(100, "%")`` for shares
    stored as 0-1 and shown in percent."""
    return FuncFormatter(lambda x, _pos: exact_number(x, scale, suffix))


def _save(fig, path: Path) -> Path:
    """Save as PNG through a temporary file of this process (never a half-written or shared name)."""
    from experiments.records.files import atomic_write

    try:
        atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=120, bbox_inches="tight"))
    finally:
        plt.close(fig)
    return path


def plot_funnel(path: Path, summary: dict) -> Path:
    funnel = summary["training"]["funnel"]
    keys = ["applied", "enrolled", "completed", "certified", "employed_completers"]
    labels = ["applied", "enrolled", "completed", "certified", "completers employed"]
    values = [funnel[k] for k in keys]
    fig, ax = plt.subplots(figsize=(7, 3.8))
    bars = ax.barh(labels[::-1], values[::-1], color="#3b6ea5")
    for bar, v in zip(bars, values[::-1]):
        ax.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, f" {v:,}", va="center")
    ax.set_xlabel("persons")
    ax.xaxis.set_major_formatter(exact())
    ax.set_title(f"Training funnel ({funnel['population']:,} persons, {summary['meta']['months']} months)")
    ax.margins(x=0.15)
    return _save(fig, path)


def plot_monthly(path: Path, summary: dict, ts: pd.DataFrame) -> Path:
    ts = ts[ts["month"] > 0]
    fig, axes = plt.subplots(2, 2, figsize=(11, 7.2))
    (course, calendar), (employment, intent) = axes
    by_month = summary["training"]["dropouts_by_course_month"]
    enrolled = max(summary["training"]["funnel"]["enrolled"], 1)
    course.bar(range(1, len(by_month) + 1), [n / enrolled for n in by_month], color="#b5442c")
    course.set_xticks(range(1, len(by_month) + 1))
    course.set_xlabel("month of the course")
    course.set_ylabel("dropouts (% of enrolees)")
    calendar.set_ylabel("dropouts (% of trainees\nexposed that month)")
    employment.set_ylabel("% of persons at home")
    intent.set_ylabel("intent: % of persons at home\nmigrated: % of the population")
    course.set_title("Dropout by month of course")
    calendar.plot(ts["month"], ts["monthly_dropout_hazard"], color="#b5442c")
    calendar.set_title("Monthly dropout hazard (cohorts start each intake)")
    employment.plot(ts["month"], ts["employment_rate"], label="employed", color="#3b6ea5")
    employment.plot(ts["month"], ts["wage_employment_rate"], label="wage", ls="--", color="#3b6ea5")
    employment.plot(ts["month"], ts["self_employment_rate"], label="self", ls=":", color="#3b6ea5")
    employment.set_title("Employment")
    employment.legend(frameon=False)
    intent.plot(ts["month"], ts["migration_intent_rate"], label="intends to migrate", color="#6a4c93")
    intent.plot(ts["month"], ts["migration_rate"], label="has migrated", color="#6a4c93", ls="--")
    intent.set_title("Migration intent and migration")
    intent.legend(frameon=False)
    for ax in (calendar, employment, intent):
        ax.set_xlabel("month of the programme")
    for ax in axes.flat:
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 5, 10]))  # 5%, 10%: round steps
        ax.yaxis.set_major_formatter(exact(100, "%"))
    meta = summary["meta"]
    fig.suptitle(f"{meta['scenario']}, seed {meta['seed']}: one run, no interval (engine {meta['engine']})")
    fig.tight_layout()
    return _save(fig, path)


def plot_run(out_dir: Path, summary: dict, ts: pd.DataFrame) -> list[Path]:
    return [plot_funnel(out_dir / "funnel.png", summary), plot_monthly(out_dir / "monthly.png", summary, ts)]
