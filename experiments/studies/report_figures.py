"""Figures of a sweep report, ready to paste: dose-response, cost per extra completer, paired differences,
subgroups, the cost-effectiveness plane and (over posterior draws) the acceptability curve.

Each ``build_*`` returns a matplotlib Figure; ``plot_all`` saves them. Every figure names its axes with a unit,
orders numeric values numerically, words arms as a reader does (``labels.arm``) and states in its title the
interval's level and the number of seeds (and draws) it rests on; ``tests/test_figures.py`` checks this.
Shares are drawn in percent, differences of shares in percentage points.

Honest scales: every tick label reads its tick's value (``run_figures.exact``); axes of shares start at 0
(a flat line is drawn flat) and end at 100% at most, intervals of shares are cut there (and the title says
so); panels in the same unit share one scale; an arm drawn on top of another is named under the panel.
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.ticker import LogLocator, MaxNLocator, NullFormatter

from experiments.studies import cost_effectiveness as cea
from experiments.studies import labels
from experiments.studies.run_figures import _save, exact, exact_number
from livelihoods.errors import ConfigurationError

MAIN = {"dropout_rate": "dropout", "completion_rate": "completion", "employment_rate": "employment",
        "migration_intent_rate": "migration intent"}
GROUPS = ("women", "mothers", "returnees", "far")
STIPEND = "stipend (USD/month)"
CAPTIONS = {
    "dose_response": "Dropout, completion, employment and migration intent against the stipend level (y axes "
                     "from 0).",
    "cost_per_extra_completer": "What each extra completer costs along the stipend levels: against no stipend, "
                                "and against the level below; the average cost per completer for comparison.",
    "comparison": "Paired differences of each arm against the reference arm (same seeds), on one scale.",
    "subgroups": "Dropout by group, with the dropout target(s).",
    "ce_plane": "Cost-effectiveness plane: extra cost against extra completers and extra employed persons, one "
                "point per arm against the reference arm.",
    "ceac": "Cost-effectiveness acceptability curve: the probability over the posterior draws that each arm is "
            "worth its extra cost, for a willingness to pay per extra completer.",
}
SHARE = (0.0, 100.0)  # where a share in percent can lie: intervals are cut there
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "h", "<", ">", "p", "*")
LINESTYLES = ("-", "--", "-.", ":")


def targets_of(targets: dict[str, float] | float | None) -> dict[str, float]:
    """Dropout targets by group ({"all": 0.3, "returnees": 0.25}); a single number is the target of "all"."""
    if targets is None:
        return {}
    if isinstance(targets, (int, float)):
        targets = {"all": targets}
    out = {}
    for group, value in targets.items():
        if not isinstance(value, (int, float)) or not 0.0 <= float(value) <= 1.0:
            raise ConfigurationError(f"targets[{group!r}]: dropout target {value!r} is not a share, allowed: a "
                                     f"number from 0 to 1")
        out[str(group)] = float(value)
    return out


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


def _is_share(indicator: str) -> bool:
    return labels.indicator(indicator)[1].startswith("share")


def _percent(share: float) -> str:
    return exact_number(share, 100, "%")


def basis(table: pd.DataFrame, posterior: bool, level: float) -> str:
    """The interval and what it rests on, for titles: "95% CI over 10 seeds" or "90% credible interval over
    50 posterior draws x 2 seeds"."""
    n = table["n"].max() if len(table) else 0
    if posterior and "draws" in table and len(table):
        return (f"{level:.0%} credible interval over {int(table['draws'].max())} posterior draws × "
                f"{int(table['seeds'].max())} seeds")
    return f"{level:.0%} CI over {int(n)} seeds"


def _cut(values, clip):
    """``values`` cut to ``clip`` (low, high), and whether any was cut."""
    values = np.asarray(values, dtype=float)
    if clip is None:
        return values, False
    cut = np.clip(values, *clip)
    return cut, bool(np.any(np.abs(cut - values) > 1e-9))


def _band(ax, rows, factor=1.0, label=None, color=None, parts=False, clip=None) -> bool:
    """Mean and its interval; with ``parts`` (a study over posterior draws), the credible interval (light)
    and its parameter part (dark). Intervals are cut to ``clip``; returns whether any was."""
    rows = _by_stipend(rows)
    line, = ax.plot(rows["stipend"], factor * rows["mean"], marker="o", ms=3, label=label, color=color)
    low, cut_low = _cut(factor * rows["ci_low"], clip)
    high, cut_high = _cut(factor * rows["ci_high"], clip)
    ax.fill_between(rows["stipend"], low, high, alpha=0.18 if parts else 0.25,
                    color=line.get_color(), lw=0, label="parameters and seeds" if parts else None)
    if parts and "param_low" in rows:
        ax.fill_between(rows["stipend"], _cut(factor * rows["param_low"], clip)[0],
                        _cut(factor * rows["param_high"], clip)[0], alpha=0.4, color=line.get_color(), lw=0,
                        label="parameters only")
    return cut_low or cut_high


def _ordered(rows: pd.DataFrame) -> pd.DataFrame:
    return rows.iloc[sorted(range(len(rows)), key=lambda i: labels.setting_order(rows["setting"].iloc[i]))]


def _intervals(ax, rows, factor=1.0, clip=None) -> bool:
    """One point with its interval per arm (categorical sweeps), the first arm at the top. Intervals are cut
    to ``clip``; returns whether any was."""
    rows = _ordered(rows)
    y = np.arange(len(rows))[::-1]
    mean = factor * rows["mean"].to_numpy(dtype=float)
    raw_low, raw_high = factor * rows["ci_low"].to_numpy(dtype=float), factor * rows["ci_high"].to_numpy(dtype=float)
    low, cut_low = _cut(raw_low, clip)
    high, cut_high = _cut(raw_high, clip)
    bars = ax.errorbar(mean, y, xerr=[np.maximum(mean - low, 0), np.maximum(high - mean, 0)], fmt="o", capsize=0)
    color = bars[0].get_color()
    for end, raw, arrow in ((low, raw_low, "<"), (high, raw_high, ">")):  # a cut end is an arrow, not a cap
        was_cut = np.abs(end - raw) > 1e-9
        ax.plot(end[~was_cut], y[~was_cut], ls="", marker="|", ms=7, mew=1.5, color=color)
        if was_cut.any():  # (an empty unclipped line would stretch the layout)
            ax.plot(end[was_cut], y[was_cut], ls="", marker=arrow, ms=6, color=color, clip_on=False)
    ax.set_yticks(y, [labels.arm(s) for s in rows["setting"]])
    ax.set_ylabel("arm")
    return cut_low or cut_high


def _share_top(*values) -> float:
    """The end of a share axis in percent: a little above the highest value shown, at most 100."""
    finite = [float(v) for v in np.concatenate([np.ravel(np.asarray(v, dtype=float)) for v in values])
              if np.isfinite(v)]
    return min(SHARE[1], max(max(finite, default=0.0), 1.0) * 1.08)


def _cut_note(cut: bool) -> str:
    return "; intervals cut at 0% and 100%" if cut else ""


def build_dose_response(table, targets, posterior: bool = False, level: float = 0.95):
    targets = targets_of(targets)
    fig, axes = plt.subplots(2, 2, figsize=(10, 7))
    cut = False
    for ax, indicator in zip(axes.flat, MAIN):
        factor, ylabel = _scale(indicator)
        rows = _rows(table, indicator)
        share = _is_share(indicator)
        cut |= _band(ax, rows, factor, parts=posterior, clip=SHARE if share else None)
        ax.set_title(MAIN[indicator])
        ax.set_xlabel(STIPEND)
        ax.set_ylabel(ylabel)
        if indicator == "dropout_rate" and "all" in targets:
            ax.axhline(100 * targets["all"], ls="--", color="grey", lw=1, label=f"target {_percent(targets['all'])}")
        if share:  # from 0: a change of 0.1 points is drawn as small as it is
            top = _share_top(factor * rows["ci_high"], factor * rows["mean"],
                             [100 * targets["all"]] if indicator == "dropout_rate" and "all" in targets else [])
            ax.set_ylim(0, top)
        elif len(rows) and (rows["ci_low"] >= 0).all():
            ax.set_ylim(bottom=0)
        ax.yaxis.set_major_formatter(exact())
        ax.xaxis.set_major_formatter(exact())
        if indicator == "dropout_rate" and ax.get_legend_handles_labels()[0]:  # one legend: the bands and target
            ax.legend(frameon=False, fontsize=8)
    what = ("mean, credible band (light) and its parameter part (dark)" if posterior else "mean and band")
    fig.suptitle(f"Dose-response of the stipend: {what}; every y axis starts at 0{_cut_note(cut)}\n"
                 f"{basis(_rows(table, 'dropout_rate'), posterior, level)}")
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
        # labels at 1, 2, 3 and 5 of each power of ten, written out ("300", "1,000"), none on the minor ticks
        ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 3.0, 5.0)))
        ax.yaxis.set_minor_formatter(NullFormatter())
    else:
        ax.set_ylabel("USD per extra completer")
        ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(exact())
    ax.xaxis.set_major_formatter(exact())
    ax.grid(alpha=0.3, which="major")
    ax.legend(frameon=False, fontsize=8)
    ax.set_title("Cost per extra completer (missing points: no extra completers beyond the interval's noise)\n"
                 + basis(_rows(table, "dropout_rate"), posterior, level), fontsize=10)
    fig.tight_layout()
    return fig


def build_comparison(paired, reference, posterior: bool = False, level: float = 0.95):
    """Paired differences per indicator; panels in the same unit (percentage points) share one x scale, so
    +0.1 points is drawn as small beside -30 points as it is."""
    fig, axes = plt.subplots(1, 4, figsize=(15, 0.45 * max(3, paired["setting"].nunique()) + 2.0), sharey=True)
    first_of_unit: dict[str, plt.Axes] = {}
    for ax, indicator in zip(axes, MAIN):
        factor, xlabel = _scale(indicator, difference=True)
        unit = xlabel[xlabel.find("("):]
        if unit in first_of_unit:
            ax.sharex(first_of_unit[unit])
        else:
            first_of_unit[unit] = ax
        rows = _rows(paired, indicator)
        _intervals(ax, rows, factor)
        ax.axvline(0, color="grey", lw=1)
        # on the shared scale a small effect is a dot: its span in numbers says how small
        span = (f"{labels.value(indicator, rows['ci_low'].min(), True)} to "
                f"{labels.value(indicator, rows['ci_high'].max(), True)}" if len(rows) else "no rows")
        ax.set_title(f"{MAIN[indicator]}\nintervals {span}{' points' if factor == 100 else ''}", fontsize=10)
        ax.set_xlabel(f"difference {unit}")
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5))
        ax.xaxis.set_major_formatter(exact())
        ax.grid(axis="x", alpha=0.3)
    for ax in axes[1:]:
        ax.set_ylabel("")
    one = "one x scale for all panels" if len(first_of_unit) == 1 else "one x scale per unit"
    fig.suptitle(f"Paired differences against {labels.arm(reference)} (same seeds; {one})\n"
                 f"{basis(_rows(paired, 'dropout_rate'), posterior, level)}")
    fig.tight_layout()
    return fig


def _target_lines(ax, group: str, targets: dict[str, float], horizontal: bool) -> None:
    """The dropout target of ``group`` (dashed) and the target of all (dotted, when it differs), in percent."""
    line = ax.axhline if horizontal else ax.axvline
    own = targets.get(group)
    if own is not None:
        line(100 * own, ls="--", color="#b5442c", lw=1.4, zorder=1.5, label=f"dropout target for {group}: {_percent(own)}")
    general = targets.get("all")
    if general is not None and (own is None or not math.isclose(general, own)):
        line(100 * general, ls=(0, (2, 2)), color="#444444", lw=1.3, zorder=1.5, label=f"dropout target for all: "
             f"{_percent(general)}")


def build_subgroups(table, stress: bool, targets=None, posterior: bool = False, level: float = 0.95):
    """Dropout of each group (``GROUPS`` and any other group given a target) on one shared scale from 0, with
    each group's dropout target and the target of all."""
    targets = targets_of(targets)
    present = set(table["group"])
    extra = [g for g in targets if g != "all" and g not in GROUPS]
    unknown = [g for g in extra if g not in present]
    if unknown:
        raise ConfigurationError(f"targets[{unknown[0]!r}]: no group {unknown[0]!r} in the sweep's results, "
                                 f"allowed: all, {', '.join(sorted(present - {'all'}))}")
    groups = [*GROUPS, *extra]
    rows_of = {g: _rows(table, "dropout_rate", g) for g in groups}
    nrows = math.ceil(len(groups) / 2)
    height = 3.5 if stress else 0.3 * max(3, table["setting"].nunique()) + 1.4
    fig, axes = plt.subplots(nrows, 2, figsize=(10 if stress else 12, height * nrows + 0.8), sharey=True,
                             sharex=True, squeeze=False)
    factor, unit_label = _scale("dropout_rate")
    cut = False
    for ax, group in zip(axes.flat, groups):
        rows = rows_of[group]
        if stress:
            cut |= _band(ax, rows, factor, clip=SHARE)
            ax.set_xlabel(STIPEND)
            ax.set_ylabel(unit_label)
            ax.xaxis.set_major_formatter(exact())
            ax.yaxis.set_major_formatter(exact())
        else:
            cut |= _intervals(ax, rows, factor, clip=SHARE)
            ax.set_xlabel(unit_label)
            ax.xaxis.set_major_formatter(exact())
        _target_lines(ax, group, targets, horizontal=stress)
        ax.tick_params(labelleft=True, labelbottom=True)  # shared scales, but every panel keeps its labels
        ax.set_title(f"dropout: {group}")
    for ax in axes.flat[len(groups):]:
        ax.remove()
    top = _share_top(*[factor * r["ci_high"] for r in rows_of.values()], *[factor * r["mean"] for r in rows_of.values()],
                     [100 * t for t in targets.values()])
    (axes.flat[0].set_ylim if stress else axes.flat[0].set_xlim)(0, top)
    legend = {}
    for ax in fig.axes:  # one legend for the figure, under the panels: it hides no data
        for handle, name in zip(*ax.get_legend_handles_labels()):
            legend.setdefault(name, handle)
    if legend:
        fig.legend(legend.values(), legend.keys(), loc="lower center", ncol=len(legend), frameon=False, fontsize=9)
    arrows = "; intervals cut at 0% and 100% (arrows)" if cut and not stress else _cut_note(cut)
    fig.suptitle(f"Dropout by group, one scale from 0{arrows}\n"
                 f"{basis(_rows(table, 'dropout_rate'), posterior, level)}")
    fig.tight_layout(rect=(0, 0.04 if legend else 0, 1, 1))
    return fig


def arm_styles(settings) -> dict[str, dict]:
    """Each arm's colour, marker and line style, the same in every figure of a report (arms in their order)."""
    ordered = sorted(set(settings), key=labels.setting_order)
    extra = ("black", "dimgrey", "darkgoldenrod", "teal", "navy")  # after tab10's ten, colours none of them is near
    return {s: {"color": plt.cm.tab10(i) if i < 10 else extra[(i - 10) % len(extra)], "marker": MARKERS[i % len(MARKERS)],
                "ls": LINESTYLES[(i // 10 + i) % len(LINESTYLES)]} for i, s in enumerate(ordered)}


def _on_top(points: list[tuple[str, float, float]], xlim, ylim, tolerance: float = 0.015) -> list[list[str]]:
    """Groups of arms whose points lie within ``tolerance`` of the axes' spans of one another."""
    xspan, yspan = abs(xlim[1] - xlim[0]) or 1.0, abs(ylim[1] - ylim[0]) or 1.0
    groups: list[list[tuple[str, float, float]]] = []
    for name, x, y in points:
        for group in groups:
            if any(abs(x - gx) <= tolerance * xspan and abs(y - gy) <= tolerance * yspan for _, gx, gy in group):
                group.append((name, x, y))
                break
        else:
            groups.append([(name, x, y)])
    return [[name for name, _, _ in g] for g in groups if len(g) > 1]


def build_ce_plane(incremental, frame, reference, posterior: bool = False, level: float = 0.95):
    """Extra cost against extra completers (left) and extra employed persons (right), per arm with its
    intervals in both directions (hollow marks, one shape per arm); over posterior draws also each draw's
    means (small marks). Arms drawn on top of one another are named under the panel."""
    fig, axes = plt.subplots(1, 2, figsize=(12, 5.4))
    styles = arm_styles(incremental["setting"].unique())
    for ax, outcome in zip(axes, ("completer", "employed person")):
        rows = _ordered(incremental[incremental["outcome"] == outcome])
        points = []
        for r in rows.itertuples():
            style = styles[r.setting]
            if posterior:
                indicator, sign = cea.EFFECTS[outcome]
                draws = cea._pairs(frame, r.setting, r.comparator, indicator, sign).groupby("draw")[["dC", "dE"]].mean()
                ax.scatter(draws["dE"], draws["dC"], s=14, alpha=0.45, color=style["color"], marker=style["marker"],
                           lw=0)
            ax.errorbar([r.effect_mean], [r.cost_mean], xerr=[[r.effect_mean - r.effect_low], [r.effect_high - r.effect_mean]],
                        yerr=[[r.cost_mean - r.cost_low], [r.cost_high - r.cost_mean]], fmt=style["marker"], ms=8,
                        mfc="none", mew=1.6, capsize=3, color=style["color"], elinewidth=1, label=labels.arm(r.setting))
            points.append((labels.arm(r.setting), r.effect_mean, r.cost_mean))
        ax.axhline(0, color="grey", lw=0.8)
        ax.axvline(0, color="grey", lw=0.8)
        ax.set_xlabel(f"extra {outcome}s (persons)")
        ax.set_ylabel("extra cost (USD over the run)")
        ax.yaxis.set_major_formatter(exact())
        ax.xaxis.set_major_formatter(exact())
        ax.set_title(f"per extra {outcome}")
        together = _on_top(points, ax.get_xlim(), ax.get_ylim())
        if together:
            note = textwrap.fill("drawn on top of one another: " + "; ".join(" = ".join(g) for g in together), 75)
            ax.text(0.0, -0.16, note, transform=ax.transAxes, fontsize=8, va="top")
    handles, names = axes[0].get_legend_handles_labels()
    if posterior:
        handles.append(Line2D([], [], ls="", marker="o", ms=4, color="grey", alpha=0.6))
        names.append("small marks: one posterior\ndraw each (mean over seeds)")
    if handles:
        fig.legend(handles, names, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False, fontsize=8)
    fig.suptitle(f"Cost-effectiveness plane against {labels.arm(reference)}\nhollow marks: means; bars: "
                 f"{basis(frame_basis(frame), posterior, level)}")
    fig.tight_layout()
    return fig


def frame_basis(frame: pd.DataFrame) -> pd.DataFrame:
    """A one-row stand-in with n, draws, seeds of a records frame (for ``basis``)."""
    draws = frame["draw"].nunique() if "draw" in frame else 1
    return pd.DataFrame({"n": [frame["seed"].nunique()], "draws": [draws], "seeds": [frame["seed"].nunique()]})


def build_ceac(incremental, frame, level: float = 0.95):
    """P(cost-effective) over posterior draws against the willingness to pay per extra completer: for each
    amount, the share of draws whose extra completers, valued at that amount, outweigh the extra cost. (A
    probability over the draws, not an interval: ``level`` is not used.)"""
    fig, ax = plt.subplots(figsize=(10, 5))
    rows = _ordered(incremental[incremental["outcome"] == "completer"])
    styles = arm_styles(incremental["setting"].unique())
    finite = rows["icer_high"].replace([np.inf, -np.inf], np.nan).dropna()
    top = max(5_000.0, 1.5 * float(finite.max())) if len(finite) else 20_000.0
    willingness = np.linspace(0, top, 201)
    drawn = 0
    for i, r in enumerate(rows.itertuples()):
        p = cea.acceptability(frame, r.setting, r.comparator, "completer", willingness)
        if p is None:
            continue
        drawn += 1
        style = styles[r.setting]
        label = labels.arm(r.setting)
        if np.nanmax(p) - np.nanmin(p) < 1e-12:
            label += f" ({exact_number(float(np.nanmax(p)), 100, '%')} at every amount)"
        ax.plot(willingness, 100 * p, color=style["color"], ls=style["ls"], lw=1.8, marker=style["marker"], ms=5,
                mfc="none", markevery=(3 * i % 25, 25), label=label)
    ax.set_xlabel("what one extra completer is worth to the payer (USD)")
    ax.set_ylabel("chance the arm is worth its extra cost\n(% of posterior draws)")
    ax.xaxis.set_major_formatter(exact())
    ax.yaxis.set_major_formatter(exact())
    ax.set_ylim(-2, 102)
    ax.set_xlim(0, top)
    ax.grid(alpha=0.3)
    if drawn:
        ax.legend(frameon=False, fontsize=8, loc="center left", bbox_to_anchor=(1.0, 0.5))
    else:  # no arm has extra completers to pay for in any draw: say so rather than draw an empty frame
        ax.text(0.5, 0.5, "no arm gives extra completers in any draw:\nno curve to draw", transform=ax.transAxes,
                ha="center", va="center", fontsize=9)
    b = frame_basis(frame).iloc[0]
    against = labels.arm(rows["comparator"].iloc[0]) if len(rows) else ""
    ax.set_title(f"How likely is each arm worth its extra cost, against {against}?\n"
                 f"Share of {int(b['draws'])} posterior draws × {int(b['seeds'])} seeds in which the extra completers, "
                 "valued at the amount on the x axis, outweigh the extra cost", fontsize=10)
    fig.tight_layout()
    return fig


def build_all(table, paired, reference, stress: bool, targets, posterior: bool = False, level: float = 0.95,
              frame=None, incremental=None, steps=None) -> dict[str, plt.Figure]:
    """The report's figures by file stem (``plot_all`` saves them). ``targets``: dropout target by group
    ({"all": 0.3, "returnees": 0.25}); a single number is the target of all."""
    targets = targets_of(targets)
    figures = {}
    if stress:
        figures["dose_response"] = build_dose_response(table, targets, posterior, level)
        if incremental is not None:
            figures["cost_per_extra_completer"] = build_cost_per_extra_completer(
                table, incremental, steps if steps is not None else incremental.iloc[:0], posterior, level)
    main = paired[paired["indicator"].isin(list(MAIN))]
    if not main.empty:
        figures["comparison"] = build_comparison(main, reference, posterior, level)
    figures["subgroups"] = build_subgroups(table, stress, targets, posterior, level)
    if incremental is not None and len(incremental) and frame is not None:
        figures["ce_plane"] = build_ce_plane(incremental, frame, reference, posterior, level)
        if posterior:
            figures["ceac"] = build_ceac(incremental, frame, level)
    return figures


def plot_all(folder: Path, table, paired, reference, stress: bool, targets: dict[str, float] | float,
             posterior: bool = False, level: float = 0.95, frame=None, incremental=None, steps=None) -> list[Path]:
    """Save the report's figures in ``folder``. ``targets``: dropout target by group ({"all": 0.3,
    "returnees": 0.25}); a single number (the report's ``report.target.dropout_rate``) is the target of all."""
    figures = build_all(table, paired, reference, stress, targets, posterior, level, frame, incremental, steps)
    return [_save(fig, folder / f"{name}.png") for name, fig in figures.items()]
