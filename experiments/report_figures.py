"""Figures of a sweep report: dose-response with CI bands, cost, paired comparison, subgroups."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from experiments.figures import _save  # noqa: E402

MAIN = {"dropout_rate": "dropout", "completion_rate": "completion", "employment_rate": "employment",
        "migration_intent_rate": "migration intent"}
GROUPS = ("women", "mothers", "returnees", "far")


def _rows(table, indicator, group="all"):
    return table[(table["indicator"] == indicator) & (table["group"] == group)]


def _by_stipend(rows: pd.DataFrame) -> pd.DataFrame:
    rows = rows.assign(stipend=rows["setting"].str.split("=", n=1).str[1].astype(float))
    return rows.sort_values("stipend")


def _band(ax, rows, label=None, color=None, parts=False):
    """Mean and its interval; with ``parts`` (a study over posterior draws), the credible interval (light)
    and its parameter part (dark)."""
    rows = _by_stipend(rows)
    line, = ax.plot(rows["stipend"], rows["mean"], marker="o", ms=3, label=label, color=color)
    ax.fill_between(rows["stipend"], rows["ci_low"], rows["ci_high"], alpha=0.18 if parts else 0.25,
                    color=line.get_color(), lw=0, label="parameters and seeds" if parts else None)
    if parts and "param_low" in rows:
        ax.fill_between(rows["stipend"], rows["param_low"], rows["param_high"], alpha=0.4, color=line.get_color(),
                        lw=0, label="parameters only")


def _label(setting: str) -> str:
    """The swept value, with long policy lists shortened: [stipend,childcare,+6]."""
    value = setting.split("=", 1)[-1]
    items = value.strip("[]").split(",")
    return value if len(value) <= 28 else f"[{','.join(items[:2])},+{len(items) - 2}]"


def _intervals(ax, rows):
    """One point with its confidence interval per setting (categorical sweeps)."""
    rows = rows.sort_values("setting")
    y = list(range(len(rows)))
    ax.errorbar(rows["mean"], y, xerr=[rows["mean"] - rows["ci_low"], rows["ci_high"] - rows["mean"]],
                fmt="o", capsize=3)
    ax.set_yticks(y, [_label(s) for s in rows["setting"]])


def dose_response(folder: Path, table, target, posterior: bool = False, level: float = 0.95) -> Path:
    fig, axes = plt.subplots(2, 2, figsize=(10, 7))
    for ax, (indicator, title) in zip(axes.flat, MAIN.items()):
        _band(ax, _rows(table, indicator), parts=posterior)
        ax.set_title(f"{title} rate")
        ax.set_xlabel("stipend (USD/month)")
        ax.set_ylabel("share")
        if indicator == "dropout_rate":
            ax.axhline(target, ls="--", color="grey", lw=1, label=f"target {target:.0%}")
            ax.legend(frameon=False, fontsize=8)
    rows = _rows(table, "dropout_rate")
    if posterior and len(rows):
        r = rows.iloc[0]
        fig.suptitle(f"Dose-response over {int(r['draws'])} posterior draws x {int(r['seeds'])} seeds: mean, "
                     f"{level:.0%} credible band (light) and its parameter part (dark)")
    else:
        fig.suptitle(f"Dose-response: mean and {level:.0%} confidence band over seeds")
    fig.tight_layout()
    return _save(fig, folder / "dose_response.png")


def cost_curves(folder: Path, table) -> Path:
    fig, ax = plt.subplots(figsize=(7, 4))
    _band(ax, _rows(table, "cost_per_completer"), label="per completer")
    _band(ax, _rows(table, "cost_per_employed"), label="per employed person")
    ax.set_xlabel("stipend (USD/month)")
    ax.set_ylabel("USD")
    ax.set_title("Programme cost per outcome (training + policies)")
    ax.legend(frameon=False)
    return _save(fig, folder / "cost.png")


def comparison(folder: Path, paired, reference) -> Path:
    fig, axes = plt.subplots(1, 4, figsize=(15, 0.45 * max(3, paired["setting"].nunique()) + 1.5), sharey=True)
    for ax, (indicator, title) in zip(axes, MAIN.items()):
        _intervals(ax, _rows(paired, indicator))
        ax.axvline(0, color="grey", lw=1)
        ax.set_title(f"{title} (difference)", fontsize=10)
    fig.suptitle(f"Paired differences against {reference} (same seeds), with confidence intervals")
    fig.tight_layout()
    return _save(fig, folder / "comparison.png")


def subgroups(folder: Path, table, stress: bool) -> Path:
    fig, axes = plt.subplots(2, 2, figsize=(10, 7), sharey=True)
    for ax, group in zip(axes.flat, GROUPS):
        rows = _rows(table, "dropout_rate", group)
        if stress:
            _band(ax, rows)
            ax.set_xlabel("stipend (USD/month)")
        else:
            _intervals(ax, rows)
        ax.set_title(f"dropout rate: {group}")
    fig.tight_layout()
    return _save(fig, folder / "subgroups.png")


def plot_all(folder: Path, table, paired, reference, stress: bool, target: float, posterior: bool = False,
             level: float = 0.95) -> list[Path]:
    figures = []
    if stress:
        figures += [dose_response(folder, table, target, posterior, level), cost_curves(folder, table)]
    if not paired.empty:
        figures.append(comparison(folder, paired, reference))
    figures.append(subgroups(folder, table, stress))
    return figures
