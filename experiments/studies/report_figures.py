"""Figures of a sweep report, ready to paste: dose-response, cost per extra completer, paired differences,
subgroups, the cost-effectiveness plane and (over posterior draws) the acceptability curve.

Each ``build_*`` returns a matplotlib Figure; ``plot_all`` saves them. Every figure names its axes with a unit,
orders numeric values numerically, words arms as a reader does (``labels.arm``) and states in its title the
interval's level and the number of seeds (and draws) it rests on; ``tests/test_figures.py`` checks this.
Shares are drawn in percent, differences of shares in percentage points.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from experiments.studies import cost_effectiveness as cea
from experiments.studies import labels
from experiments.studies.run_figures import _save

MAIN = {"dropout_rate": "dropout", "completion_rate": "completion", "employment_rate": "employment",
        "migration_intent_rate": "migration intent"}
GROUPS = ("women", "mothers", "returnees", "far")
STIPEND = "stipend (USD/month)"
CAPTIONS = {
    "dose_response": "Dropout, completion, employment and migration intent against the stipend level.",
    "cost_per_extra_completer": "What each extra completer costs along the stipend levels: against no stipend, "
                                "and against the level below; the average cost per completer for comparison.",
    "comparison": "Paired differences of each arm against the reference arm (same seeds).",
    "subgroups": "Dropout by group.",
    "ce_plane": "Cost-effectiveness plane: extra cost against extra completers and extra employed persons, one "
                "point per arm against the reference arm.",
    "ceac": "Cost-effectiveness acceptability curve: the probability over the posterior draws that each arm is "
            "worth its extra cost, for a willingness to pay per extra completer.",
}


def _rows(table, indicator, group="all"):
    return table[(table["indicator"] == indicator) & (table["group"] == group)]


def _by_stipend(rows: pd.DataFrame) -> pd.DataFrame:
    rows = rows.assign(stipend=rows["setting"].str.split("=", n=1).str[1].astype(float))
    return rows.sort_values("stipend")


def _scale(indicator: str, difference: bool = False) -> tuple[float, str]:
    """(factor, axis label) of an indicator: shares in % (levels) or percentage points (differences)."""
    words, unit = labels.indicator(indicator)
    if unit.startswith("share"):
        return 100.0, f"{words} ({'percentage points' if difference else unit.replace('share', '%')})"
    return 1.0, f"{words} ({unit})" if unit else words


def basis(table: pd.DataFrame, posterior: bool, level: float) -> str:
    """The interval and what it rests on, for titles: "95% CI over 10 seeds" or "90% credible interval over
    50 posterior draws x 2 seeds"."""
    n = table["n"].max() if len(table) else 0
    if posterior and "draws" in table and len(table):
        return (f"{level:.0%} credible interval over {int(table['draws'].max())} posterior draws × "
                f"{int(table['seeds'].max())} seeds")
    return f"{level:.0%} CI over {int(n)} seeds"


def _band(ax, rows, factor=1.0, label=None, color=None, parts=False):
    """Mean and its interval; with ``parts`` (a study over posterior draws), the credible interval (light)
    and its parameter part (dark)."""
    rows = _by_stipend(rows)
    line, = ax.plot(rows["stipend"], factor * rows["mean"], marker="o", ms=3, label=label, color=color)
    ax.fill_between(rows["stipend"], factor * rows["ci_low"], factor * rows["ci_high"], alpha=0.18 if parts else 0.25,
                    color=line.get_color(), lw=0, label="parameters and seeds" if parts else None)
    if parts and "param_low" in rows:
        ax.fill_between(rows["stipend"], factor * rows["param_low"], factor * rows["param_high"], alpha=0.4,
                        color=line.get_color(), lw=0, label="parameters only")


def _ordered(rows: pd.DataFrame) -> pd.DataFrame:
    return rows.iloc[sorted(range(len(rows)), key=lambda i: labels.setting_order(rows["setting"].iloc[i]))]


def _intervals(ax, rows, factor=1.0):
    """One point with its interval per arm (categorical sweeps), the first arm at the top."""
    rows = _ordered(rows)
    y = list(range(len(rows)))[::-1]
    mean = factor * rows["mean"]
    ax.errorbar(mean, y, xerr=[mean - factor * rows["ci_low"], factor * rows["ci_high"] - mean], fmt="o", capsize=3)
    ax.set_yticks(y, [labels.arm(s) for s in rows["setting"]])
    ax.set_ylabel("arm")


def build_dose_response(table, target, posterior: bool = False, level: float = 0.95):
    fig, axes = plt.subplots(2, 2, figsize=(10, 7))
    for ax, indicator in zip(axes.flat, MAIN):
        factor, ylabel = _scale(indicator)
        _band(ax, _rows(table, indicator), factor, parts=posterior)
        ax.set_title(MAIN[indicator])
        ax.set_xlabel(STIPEND)
        ax.set_ylabel(ylabel)
        if indicator == "dropout_rate":
            ax.axhline(100 * target, ls="--", color="grey", lw=1, label=f"target {target:.0%}")
            ax.legend(frameon=False, fontsize=8)
    what = ("mean, credible band (light) and its parameter part (dark)" if posterior else "mean and band")
    fig.suptitle(f"Dose-response of the stipend: {what}; {basis(_rows(table, 'dropout_rate'), posterior, level)}")
    fig.tight_layout()
    return fig


def build_cost_per_extra_completer(table, incremental, steps, posterior: bool = False, level: float = 0.95):
    """Cost per extra completer against the reference and level by level, with the average for comparison."""
    fig, ax = plt.subplots(figsize=(8, 4.5))
    low = []
    for rows, label, marker in ((incremental, "against no stipend", "o"), (steps, "against the level below", "s")):
        rows = rows[(rows["outcome"] == "completer") & (rows["status"] == "ratio")] if len(rows) else rows
        if not len(rows):
            continue
        rows = _by_stipend(rows.rename(columns={"icer": "mean"}))
        ax.errorbar(rows["stipend"], rows["mean"], yerr=[rows["mean"] - rows["icer_low"], rows["icer_high"] - rows["mean"]],
                    fmt=f"-{marker}", ms=4, capsize=3, label=label)
        low += list(rows["icer_low"])
    average = _by_stipend(_rows(table, "cost_average_per_completer"))
    ax.plot(average["stipend"], average["mean"], ls="--", color="grey", label="average cost per completer")
    ax.set_xlabel(STIPEND)
    # level-by-level costs climb by orders of magnitude where the dose-response flattens: a log axis keeps
    # the cheap levels readable (when every plotted bound is positive)
    log = len(low) > 0 and min(low + list(average["mean"].dropna())) > 0
    if log:
        ax.set_yscale("log")
        ax.set_ylabel("USD per extra completer (log scale)")
    else:
        ax.set_ylabel("USD per extra completer")
        ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
    ax.grid(alpha=0.3, which="major")
    ax.legend(frameon=False, fontsize=8)
    ax.set_title("Cost per extra completer (missing points: no extra completers beyond the interval's noise)\n"
                 + basis(_rows(table, "dropout_rate"), posterior, level), fontsize=10)
    fig.tight_layout()
    return fig


def build_comparison(paired, reference, posterior: bool = False, level: float = 0.95):
    fig, axes = plt.subplots(1, 4, figsize=(15, 0.45 * max(3, paired["setting"].nunique()) + 1.8), sharey=True)
    for ax, indicator in zip(axes, MAIN):
        factor, xlabel = _scale(indicator, difference=True)
        _intervals(ax, _rows(paired, indicator), factor)
        ax.axvline(0, color="grey", lw=1)
        ax.set_title(f"{MAIN[indicator]}", fontsize=10)
        ax.set_xlabel(xlabel.replace(f"{MAIN[indicator]} (", "difference ("))
    for ax in axes[1:]:
        ax.set_ylabel("")
    fig.suptitle(f"Paired differences against {labels.arm(reference)} (same seeds); "
                 f"{basis(_rows(paired, 'dropout_rate'), posterior, level)}")
    fig.tight_layout()
    return fig


def build_subgroups(table, stress: bool, posterior: bool = False, level: float = 0.95):
    fig, axes = plt.subplots(2, 2, figsize=(10, 7), sharey=True, sharex=True)
    for ax, group in zip(axes.flat, GROUPS):
        rows = _rows(table, "dropout_rate", group)
        factor, ylabel = _scale("dropout_rate")
        if stress:
            _band(ax, rows, factor)
            ax.set_xlabel(STIPEND)
            ax.set_ylabel(ylabel)
        else:
            _intervals(ax, rows, factor)
            ax.set_xlabel(ylabel)
        ax.set_title(f"dropout: {group}")
    fig.suptitle(f"Dropout by group; {basis(_rows(table, 'dropout_rate'), posterior, level)}")
    fig.tight_layout()
    return fig


def build_ce_plane(incremental, frame, reference, posterior: bool = False, level: float = 0.95):
    """Extra cost against extra completers (left) and extra employed persons (right), per arm with its
    intervals in both directions; over posterior draws also each draw's means (small dots)."""
    fig, axes = plt.subplots(1, 2, figsize=(12, 5))
    shown = incremental["setting"].unique()
    colors = {s: plt.cm.tab10(i % 10) for i, s in enumerate(_ordered(pd.DataFrame({"setting": shown}))["setting"])}
    for ax, outcome in zip(axes, ("completer", "employed person")):
        rows = _ordered(incremental[incremental["outcome"] == outcome])
        for r in rows.itertuples():
            color = colors[r.setting]
            if posterior:
                indicator, sign = cea.EFFECTS[outcome]
                draws = cea._pairs(frame, r.setting, r.comparator, indicator, sign).groupby("draw")[["dC", "dE"]].mean()
                ax.scatter(draws["dE"], draws["dC"], s=6, alpha=0.3, color=color, lw=0)
            ax.errorbar([r.effect_mean], [r.cost_mean], xerr=[[r.effect_mean - r.effect_low], [r.effect_high - r.effect_mean]],
                        yerr=[[r.cost_mean - r.cost_low], [r.cost_high - r.cost_mean]], fmt="o", capsize=3, color=color,
                        label=labels.arm(r.setting))
        ax.axhline(0, color="grey", lw=0.8)
        ax.axvline(0, color="grey", lw=0.8)
        ax.set_xlabel(f"extra {outcome}s (persons)")
        ax.set_ylabel("extra cost (USD over the run)")
        ax.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
        ax.xaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
        ax.set_title(f"per extra {outcome}")
    handles, names = axes[0].get_legend_handles_labels()
    if handles:
        fig.legend(handles, names, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False, fontsize=8)
    fig.suptitle(f"Cost-effectiveness plane against {labels.arm(reference)}; points: means, bars: "
                 f"{basis(frame_basis(frame), posterior, level)}")
    fig.tight_layout()
    return fig


def frame_basis(frame: pd.DataFrame) -> pd.DataFrame:
    """A one-row stand-in with n, draws, seeds of a records frame (for ``basis``)."""
    draws = frame["draw"].nunique() if "draw" in frame else 1
    return pd.DataFrame({"n": [frame["seed"].nunique()], "draws": [draws], "seeds": [frame["seed"].nunique()]})


def build_ceac(incremental, frame, level: float = 0.95):
    """P(cost-effective) over posterior draws against the willingness to pay per extra completer."""
    fig, ax = plt.subplots(figsize=(8, 4.5))
    rows = _ordered(incremental[incremental["outcome"] == "completer"])
    finite = rows["icer_high"].replace([np.inf, -np.inf], np.nan).dropna()
    top = max(5_000.0, 1.5 * float(finite.max())) if len(finite) else 20_000.0
    willingness = np.linspace(0, top, 200)
    for r in rows.itertuples():
        p = cea.acceptability(frame, r.setting, r.comparator, "completer", willingness)
        if p is not None:
            ax.plot(willingness, 100 * p, label=labels.arm(r.setting))
    ax.set_xlabel("willingness to pay per extra completer (USD)")
    ax.set_ylabel("probability cost-effective (% of posterior draws)")
    ax.xaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
    ax.set_ylim(0, 100)
    ax.legend(frameon=False, fontsize=8, loc="center left", bbox_to_anchor=(1.0, 0.5))
    b = frame_basis(frame).iloc[0]
    ax.set_title(f"Acceptability against {labels.arm(rows['comparator'].iloc[0]) if len(rows) else ''}; "
                 f"{int(b['draws'])} posterior draws × {int(b['seeds'])} seeds (level {level:.0%} not used: "
                 "a probability)", fontsize=9)
    fig.tight_layout()
    return fig


def build_all(table, paired, reference, stress: bool, target: float, posterior: bool = False, level: float = 0.95,
              frame=None, incremental=None, steps=None) -> dict[str, plt.Figure]:
    """The report's figures by file stem (``plot_all`` saves them)."""
    figures = {}
    if stress:
        figures["dose_response"] = build_dose_response(table, target, posterior, level)
        if incremental is not None:
            figures["cost_per_extra_completer"] = build_cost_per_extra_completer(
                table, incremental, steps if steps is not None else incremental.iloc[:0], posterior, level)
    main = paired[paired["indicator"].isin(list(MAIN))]
    if not main.empty:
        figures["comparison"] = build_comparison(main, reference, posterior, level)
    figures["subgroups"] = build_subgroups(table, stress, posterior, level)
    if incremental is not None and len(incremental) and frame is not None:
        figures["ce_plane"] = build_ce_plane(incremental, frame, reference, posterior, level)
        if posterior:
            figures["ceac"] = build_ceac(incremental, frame, level)
    return figures


def plot_all(folder: Path, table, paired, reference, stress: bool, target: float, posterior: bool = False,
             level: float = 0.95, frame=None, incremental=None, steps=None) -> list[Path]:
    figures = build_all(table, paired, reference, stress, target, posterior, level, frame, incremental, steps)
    return [_save(fig, folder / f"{name}.png") for name, fig in figures.items()]
