"""What the reader sees: ``pareto.md`` (the best packages, the fronts, how to reproduce them, the re-runs)
and ``pareto.png`` (extra outcomes against cost)."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from experiments.decisions.front import best_for, highest_up_to_each_cost
from experiments.decisions.outcomes import ONE, UNIT_SHORT, as_shown, shown, unit, words
from experiments.decisions.preset import Preset


def paired(key: str, d: float, lo: float, hi: float) -> str:
    """A small paired difference with one more digit than the tables (+0.4 [−0.3, 1.1] completers)."""
    if unit(key).startswith("share"):
        return f"{100 * d:+.3f} [{100 * lo:+.3f}, {100 * hi:+.3f}] percentage points"
    return f"{d:+,.1f} [{lo:+,.1f}, {hi:+,.1f}]"


def headline(frame: pd.DataFrame, preset: Preset, key: str) -> str | None:
    """**Most <outcome> within the budget**: the cheapest package that gives as many as the most found."""
    from experiments.studies.labels import money

    chosen = best_for(frame, preset, key)
    if chosen is None:
        return None
    b, most = chosen
    n = int(frame["within_budget"].sum())
    text = (f"**Most {words(key)} within the budget, among the {n} packages evaluated within it:** {b['package']}: "
            f"{shown(key, b[key], b[key + '.low'], b[key + '.high'])} "
            f"({shown(key, b['extra.' + key], b['extra.' + key + '.low'], b['extra.' + key + '.high'], True)} over no "
            f"package) for {money(b[preset.budget_key])} USD (trial {b['trial']}).")
    if most["trial"] != b["trial"]:
        alike = as_shown(key, b[key]) == as_shown(key, most[key])
        difference = paired(key, b["behind." + key], b["behind." + key + ".low"], b["behind." + key + ".high"])
        text += (f" It is shown rather than the package with the highest mean, {most['package']} "
                 f"({shown(key, most[key], most[key + '.low'], most[key + '.high'])} for "
                 f"{money(most[preset.budget_key])} USD, trial {most['trial']}), because it gives as many for less: "
                 + (f"both show the same number (paired difference over the same seeds {difference})." if alike else
                    f"the paired difference over the same seeds, {difference}, is not distinguishable from zero."))
    return text


def markdown(frame: pd.DataFrame, preset: Preset, base: tuple[str, ...], verified: pd.DataFrame | None) -> str:
    from experiments.studies.labels import money

    cost, effects = preset.objectives[0].key, [o.key for o in preset.objectives[1:]]
    level, n = f"{100 * preset.confidence:g}%", len(preset.seeds)
    ref = frame[frame["package"] == "no package"]
    feasible = frame[frame["within_budget"]]
    searched = ", then a local search" if preset.polish_rounds else ""
    lines = [f"# The best package for a budget of {money(preset.budget_usd)} USD", "",
             f"{len(frame)} candidate packages evaluated (NSGA-II with Optuna{searched}), each run with the "
             f"same {n} seeds ({', '.join(map(str, preset.seeds))}; common random numbers) and "
             f"{preset.budget_n_youth:,} youth; {len(feasible)} stay within the budget at every seed ({words(cost)}, "
             f"the largest over the seeds). Every statement below is about these packages: one not evaluated may do "
             f"better. Values are means over the seeds with {level} t intervals; \"extra\" is the paired difference "
             f"from no package over the same seeds, and the cost per extra outcome is the incremental cost with "
             f"Fieller's {level} interval (\"–\" when the extra outcome's interval includes zero)."
             + (f" Base overrides: `{' '.join(base)}`." if base else ""), ""]
    if len(ref):
        r = ref.iloc[0]
        lines += ["No package: " + "; ".join(f"{words(k)} {shown(k, r[k], r[k + '.low'], r[k + '.high'])}"
                                             for k in effects) + ".", ""]
    for key in effects:
        if line := headline(frame, preset, key):
            lines += [line, ""]
    for key in effects:
        on = frame[frame[f"on_front.{key}"]].sort_values(cost)
        lines += [f"## The cheapest way to each number of {words(key)}", "",
                  (f"Each row: of the {len(feasible)} packages evaluated within the budget, none cheaper gives as "
                   f"many {words(key)} (as shown: the same number or more). Cost per extra: USD per extra "
                   f"{ONE.get(key, words(key))} over no package (incremental)."), "",
                  "| trial | package | " + " | ".join([f"{words(cost)} (USD)", *(f"{words(k)}" for k in effects),
                                                       f"extra {words(key)}", "cost per extra (USD)"]) + " |",
                  "|" + "---|" * (4 + len(effects) + 1)]
        for _, r in on.iterrows():
            ce = r.get(f"cost_per_extra.{key}", math.nan)
            ce_text = shown(cost, ce, r.get(f"cost_per_extra.{key}.low", math.nan),
                            r.get(f"cost_per_extra.{key}.high", math.nan)) if isinstance(ce, float) and math.isfinite(ce) \
                else ("–" if r["package"] != "no package" else "")
            cells = [str(r["trial"]), r["package"], shown(cost, r[cost], r[cost + ".low"], r[cost + ".high"]),
                     *(shown(k, r[k], r[k + ".low"], r[k + ".high"]) for k in effects),
                     shown(key, r[f"extra.{key}"], r[f"extra.{key}.low"], r[f"extra.{key}.high"], True), ce_text]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    front = frame[frame["on_front"]].sort_values(cost)
    lines += ["## Reproducing a point", "",
              (f"Every point of the front (all objectives at once: {len(front)} packages; `pareto.csv`) is one "
               "`experiments.run` per seed:"), "", "```"]
    seeds = " ".join(map(str, preset.seeds))
    lines += [f"# trial {r['trial']}: {r['package']}\nfor seed in {seeds}; do python -m experiments.run "
              f"{r['overrides']} seed=$seed; done" for _, r in front.iterrows()]
    lines += ["```", ""]
    if verified is not None and len(verified):
        lines += verification(verified, preset)
    return "\n".join(lines)


def verification(verified: pd.DataFrame, preset: Preset) -> list[str]:
    level = f"{100 * preset.confidence:g}%"
    lines = ["## Re-run on fresh seeds", "",
             (f"Each front point re-run from the overrides above with the fresh seeds "
              f"{', '.join(map(str, preset.verify_seeds))}. Per outcome: how often the fresh mean is inside the "
              f"search's {level} interval, how often the difference between the two means is consistent with "
              f"zero (Welch's {level} interval), and the largest difference relative to the search's mean."), "",
             ("| outcome | pairs | fresh mean inside the search's interval | difference consistent with zero "
              "| largest relative difference |"), "|---|---|---|---|---|"]
    for key, g in verified.groupby("outcome", sort=False):
        lines.append(f"| {words(key)} | {len(g)} | {100 * g['inside'].mean():.0f}% | "
                     f"{100 * g['consistent'].mean():.0f}% | {100 * g['relative_difference'].max():.1f}% |")
    lines += ["", ("Both means have their own seed noise, so the fresh mean falls inside the search's interval "
                   "less often than the interval's level even when nothing is wrong; and because all points share "
                   "the same seeds, their differences move together (one draw of the seeds, not independent checks). "
                   "A front is also chosen for looking good on the search's seeds, so fresh means a little below the "
                   "search's are expected."), "",
              "| trial | outcome | search | fresh seeds | fresh − search | inside | consistent |",
              "|---|---|---|---|---|---|---|"]
    for _, v in verified.iterrows():
        lines.append(f"| {v['trial']} | {words(v['outcome'])} "
                     f"| {shown(v['outcome'], v['search'], v['search.low'], v['search.high'])} "
                     f"| {shown(v['outcome'], v['fresh'], v['fresh.low'], v['fresh.high'])} "
                     f"| {shown(v['outcome'], v['difference'], v['difference.low'], v['difference.high'], True)} "
                     f"| {'yes' if v['inside'] else 'no'} | {'yes' if v['consistent'] else 'no'} |")
    lines.append("")
    return lines


def figure(frame: pd.DataFrame, preset: Preset):
    """One panel per objective against cost: every candidate, the front with its intervals, the budget.

    The front is drawn as steps: at each cost, the highest mean of the packages evaluated that cost no more
    (a straight line between two front points would claim packages in between that nobody evaluated; the
    tables' fronts compare the numbers as shown, so they may leave out a step of less than one person). The
    legend sits below the panels, over no point."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cost, effects = preset.objectives[0].key, [o.key for o in preset.objectives[1:]]
    fig, axes = plt.subplots(1, len(effects), figsize=(6.2 * len(effects), 5.6), squeeze=False)
    k = 1000.0
    budget = preset.budget_usd / k
    handles = {}
    for ax, key in zip(axes[0], effects):
        y = f"extra.{key}"  # paired over the seeds: the uncertainty of a comparison under common random numbers
        inside, outside = frame[frame["within_budget"]], frame[~frame["within_budget"]]
        for name, points, colour in (("over budget", outside, "#d9a0a0"), ("within budget", inside, "#9a9a9a")):
            if len(points):
                handles[name] = ax.scatter(points[cost] / k, points[y], s=12, color=colour)
        on = highest_up_to_each_cost(frame, preset, key)
        if len(on):
            xs, ys = list(on[cost] / k), list(on[y])
            (handles["front: the highest mean among the packages evaluated up to each cost"],) = ax.step(
                [*xs, budget], [*ys, ys[-1]], where="post", color="#1f5fa8", lw=1.4)
            handles["front point, with its interval"] = ax.errorbar(
                on[cost] / k, on[y], yerr=[on[y] - on[y + ".low"], on[y + ".high"] - on[y]], fmt="o", color="#1f5fa8",
                ms=4, capsize=2)
        handles["no package"] = ax.scatter([0], [0], marker="s", s=50, color="black", zorder=5)
        handles[f"budget {budget:,.0f} thousand USD"] = ax.axvline(budget, color="#b8860b", ls="--", lw=1.2)
        ax.axhline(0, color="black", lw=0.6)
        ax.set_xlabel(f"{words(cost)} (thousand USD over the run)")
        ax.set_ylabel(f"extra {words(key)} over no package ({UNIT_SHORT.get(key, unit(key) or 'persons')})")
        right = min(max(frame[cost].max(), preset.budget_usd) / k, 2 * budget) * 1.03  # what a budget holder reads
        ax.set_xlim(-0.02 * right, right)
        seen = frame.loc[frame[cost] / k <= right, y + ".high"].fillna(frame[y])
        ax.set_ylim(top=1.08 * max(float(seen.max()), 1.0))
        ax.ticklabel_format(useOffset=False, style="plain")
        ax.grid(alpha=0.3)
        ax.set_title(f"extra {words(key)} against cost")
    fig.legend(list(handles.values()), list(handles), loc="lower center", ncol=3, fontsize=8, frameon=False)
    fig.suptitle(f"Packages evaluated for a {budget:,.0f} thousand USD budget ({preset.budget_n_youth:,} youth): "
                 f"{len(frame)} candidates (NSGA-II{', then a local search' if preset.polish_rounds else ''}), shown up to twice "
                 f"the budget\n"
                 f"differences from no package, mean over n = {len(preset.seeds)} seeds (common random numbers) with "
                 f"{100 * preset.confidence:g}% t intervals", fontsize=10)
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    return fig


def write_figure(frame: pd.DataFrame, preset: Preset, path: Path) -> None:
    import matplotlib.pyplot as plt

    from experiments.records.files import atomic_write

    fig = figure(frame, preset)
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=130, format="png"))
    plt.close(fig)
