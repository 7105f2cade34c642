"""Report of a sweep: ``python -m experiments.report SWEEP_DIR [report.confidence=0.95] [report.target.dropout_rate=0.2]``.

(and ``report.credible=0.9``, ``report.probability=0.9`` for a study over posterior draws)

Console script ``livelihoods-report``. Reads every job's overrides and summary
and writes into SWEEP_DIR: ``aggregate.csv``/``.parquet`` (mean, std, 95% CI, n
per setting × group × indicator), ``paired.csv``/``.parquet`` (differences
against the reference arm, seed by seed, with CIs), figures and ``report.md``.
Jobs that failed or are missing are listed; the report covers the rest.
Targets and confidence default to the values in the jobs' resolved config.

A study over posterior draws × seeds (``posterior=<name> draw=...``) reports credible intervals split into
their parameter and seed parts (``aggregate.posterior_aggregate``), and its stress test as a probability:
per stipend level P(dropout < target) over the draws, the answer being the lowest level where it reaches
``report.probability``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd
import yaml

from experiments.records.files import atomic_write, write_parquet
from experiments.studies import aggregate as agg
from experiments.studies import cost_effectiveness as cea
from experiments.studies import labels
from livelihoods.errors import ConfigurationError, NotWritten, entry_point
from simulation.policies import POLICIES

MAIN = ("dropout_rate", "completion_rate", "employment_rate", "migration_intent_rate")
GROUPS = ("all", "women", "men", "mothers", "returnees", "far")
# (group, indicator, column header); shares in % of the group (levels) or percentage points (differences)
REACHED = (("completers", "employment_rate_6m_after_course", "completers employed, 6 months after"),
           ("completers", "employment_rate_12m_after_course", "completers employed, 12 months after"),
           ("completers", "wage_employment_rate_12m_after_course", "completers in wage jobs, 12 months after"),
           ("completers", "self_employment_rate_12m_after_course", "completers self-employed, 12 months after"),
           ("completers", "mean_monthly_earnings_12m_after_course", "completers' earnings, 12 months after (USD/month)"),
           ("enrolees", "employment_rate_12m_after_course", "enrolees employed, 12 months after"),
           ("all", "trial_control_employed_12m", "lottery losers employed, 12 months after the lottery"))


def policy_outcomes() -> tuple[tuple[str, str, str], ...]:
    """(group, indicator, column header) of each outcome a policy exists for (its declaration), in the policies'
    order; policies that exist for the same outcome share its column: "dropout of mothers (childcare)"."""
    columns: dict[tuple[str, str], tuple[str, list[str]]] = {}
    for policy in POLICIES.values():
        for o in policy.outcomes:
            columns.setdefault((o.group, o.indicator), (o.words, []))[1].append(policy.words)
    return tuple((g, i, f"{words} ({', '.join(names)})") for (g, i), (words, names) in columns.items())


def policy_outcomes_sentence() -> str:
    """"Stipend: dropout; childcare: dropout of mothers; ...": what each policy exists for, in words."""
    parts = [f"{policy.words}: {' and '.join(o.words for o in policy.outcomes)}" for policy in POLICIES.values()
             if policy.outcomes]
    text = "; ".join(parts) + "."
    return text[0].upper() + text[1:] if parts else ""


ICER_SHOWN = ("completer", "employed person", "point of dropout avoided")


def posterior_status(name: str) -> str:
    """How far the stored posterior's calibration got, from its own files: ``; ABC-SMC 4 generations, final
    tolerance 0.57; predictive median inside 14 of 16 target ranges`` (empty if its files are gone)."""
    import json

    from livelihoods import draws

    folder = draws.POSTERIOR_DIR / name
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
        predictive = pd.read_csv(folder / "predictive.csv")
    except (OSError, ValueError):
        return ""
    low_high = predictive["range"].str.strip("[]").str.split(",", expand=True).astype(float)
    inside = int(((predictive["median"] >= low_high[0]) & (predictive["median"] <= low_high[1])).sum())
    return (f"; ABC-SMC {manifest['generations_run']} generations, final tolerance {manifest['final_epsilon']:.2g}; "
            f"predictive median inside {inside} of {len(predictive)} target ranges")

def _job_report_config(sweep: agg.Sweep) -> dict:
    """``report`` section of the first complete job's resolved config."""
    for job in sweep.complete:
        path = sweep.folder / job["job"] / ".hydra" / "config.yaml"
        try:
            report = (yaml.safe_load(path.read_text()) or {}).get("report", {})
        except (OSError, yaml.YAMLError, AttributeError):
            continue  # a damaged record: the next job's, or the defaults
        if isinstance(report, dict):
            return report
    return {}


# report settings: key -> (default, lowest, highest, open interval)
SETTINGS = {"report.confidence": (0.95, 0.0, 1.0, True), "report.credible": (0.90, 0.0, 1.0, True),
            "report.probability": (0.90, 0.0, 1.0, True), "report.target.dropout_rate": (0.30, 0.0, 1.0, False)}


def _allowed(key: str, value) -> bool:
    _, lo, hi, open_ = SETTINGS[key]
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    return lo < value < hi if open_ else lo <= value <= hi


def _settings_from(args: list[str], defaults: dict) -> dict[str, float]:
    """The report's settings: the jobs' recorded ``report`` values, then ``key=value`` arguments."""
    settings = {}
    for key, (default, lo, hi, open_) in SETTINGS.items():
        recorded = defaults
        for part in key.split(".")[1:]:
            recorded = recorded.get(part, default) if isinstance(recorded, dict) else None
        if recorded is None or recorded is defaults:
            recorded = default
        if not _allowed(key, recorded):
            print(f"warning: the jobs' {key} ({recorded!r}) is not in {'(' if open_ else '['}{lo:g}, {hi:g}"
                  f"{')' if open_ else ']'}; using {default}", file=sys.stderr)
            recorded = default
        settings[key] = float(recorded)
    for item in args:
        key, _, value = item.partition("=")
        if key not in SETTINGS:
            raise ConfigurationError(f"{key}: unknown key, allowed keys: {', '.join(SETTINGS)}")
        try:
            number = float(value)
        except ValueError:
            raise ConfigurationError(f"{key}: must be a number, got {value!r}")
        if not _allowed(key, number):
            _, lo, hi, open_ = SETTINGS[key]
            raise ConfigurationError(f"{key}: must be a number in {'(' if open_ else '['}{lo:g}, "
                                     f"{hi:g}{')' if open_ else ']'}, got {number:g}")
        settings[key] = number
    return settings


def _fmt(row, difference: bool = False) -> str:
    """Mean [interval] in the indicator's unit (``labels.value``): % for shares, percentage points for their
    differences, whole USD with separators; "(one seed)" where there is no interval."""
    name = row["indicator"]
    mean = labels.value(name, row["mean"], difference)
    if pd.isna(row["ci_low"]):
        return f"{mean} (n={int(row['n'])})" if row.get("n", 2) == 1 else mean
    low = labels.value(name, row["ci_low"], difference).rstrip("%")
    high = labels.value(name, row["ci_high"], difference).rstrip("%")
    return f"{mean} [{low}, {high}]"


def _header(name: str, difference: bool = False, group: str = "all") -> str:
    words, unit = labels.indicator(name)
    if group != "all":
        words = f"{words}: {group.replace('_', ' ')}"
    if unit.startswith("share"):
        unit = "percentage points" if difference else unit.replace("share", "%")
    return f"{words} ({unit})" if unit else words


def _table(frame: pd.DataFrame, indicators, group: str = "all", difference: bool = False) -> str:
    """Arms (rows, in ``labels.setting_order``, with ``labels.arm`` words) × indicators (columns with units).

    ``indicators``: names (of ``group``), or (group, name, header) for columns of different groups."""
    headers = {(c[0], c[1]): c[2] for c in indicators if isinstance(c, tuple) and len(c) == 3}
    columns = [c[:2] if isinstance(c, tuple) else (group, c) for c in indicators]
    cells: dict[tuple[str, str], dict[str, str]] = {}
    for g, name in columns:
        rows = frame[(frame["group"] == g) & (frame["indicator"] == name)]
        for row in rows.to_dict("records"):
            cells.setdefault((g, name), {})[row["setting"]] = _fmt(row, difference)
    columns = [c for c in columns if c in cells]
    if not columns:
        return "(no data)\n"
    settings = sorted({s for c in columns for s in cells[c]}, key=labels.setting_order)
    lines = ["| arm | " + " | ".join(headers.get((g, n)) or _header(n, difference, g) for g, n in columns) + " |",
             "|---|" + "---:|" * len(columns)]
    lines += [f"| {labels.arm(s)} | " + " | ".join(cells[c].get(s, "–") for c in columns) + " |" for s in settings]
    return "\n".join(lines) + "\n"


TRIAL_OUTCOMES = ("completed", "employed", "wage_employed", "self_employed", "earnings", "intends_to_migrate")


def _trial_section(table: pd.DataFrame, interval: str) -> list[str]:
    """The virtual trial of the reference arm (or the only one): ITT and TOT per horizon and group."""
    rows = table[table["indicator"].str.startswith("trial_")]
    if rows.empty:
        return []
    setting = sorted(rows["setting"].unique(), key=labels.setting_order)[0]
    rows = rows[rows["setting"] == setting]
    lines = ["## Virtual trial (the seat lottery as a randomised offer)", "",
             f"Arm: {labels.arm(setting)}. ITT: effect of being offered a seat; TOT: effect of starting a course on "
             f"those "
             f"the offer moves (ITT / first stage). Each cell: the mean over runs of the run's estimate "
             f"[{interval} over runs]; earnings in USD/month, the rest in percentage points.", "",
             "| horizon | group | first stage | " + " | ".join(f"ITT {o.replace('_', ' ')}" for o in TRIAL_OUTCOMES)
             + " | TOT employed |", "|---|---|---|" + "---|" * (len(TRIAL_OUTCOMES) + 1)]
    for h in (6, 12, 24):
        for group in ("all", "women", "men"):
            g = rows[rows["group"] == group].set_index("indicator", drop=False)
            if f"trial_first_stage_{h}m" not in g.index:
                continue
            cells = [_fmt(g.loc[f"trial_first_stage_{h}m"], True)]
            cells += [_fmt(g.loc[f"trial_itt_{o}_{h}m"], True) if f"trial_itt_{o}_{h}m" in g.index else "–"
                      for o in TRIAL_OUTCOMES]
            cells.append(_fmt(g.loc[f"trial_tot_employed_{h}m"], True) if f"trial_tot_employed_{h}m" in g.index else "–")
            lines.append(f"| {h} months | {group} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def _icer_cell(row) -> str:
    """A cost per extra outcome with its interval, or why there is none."""
    if row["status"] == "ratio":
        return f"{labels.money(row['icer'])} [{labels.money(row['icer_low'])}, {labels.money(row['icer_high'])}]"
    if row["status"] == "cheaper and more effective":
        return "saves money (cheaper, more outcomes)"
    return row["status"]


def _icer_table(rows: pd.DataFrame, first: str) -> str:
    lines = [f"| {first} | extra cost (USD) | extra completers | extra employed persons | "
             + " | ".join(f"cost per extra {o} "
                          f"(USD)" for o in ICER_SHOWN) + " |", "|---|" + "---:|" * (3 + len(ICER_SHOWN))]
    for (setting, comparator), g in rows.groupby(["setting", "comparator"], sort=False):
        g = g.set_index("outcome")
        arm = labels.arm(setting) if first == "arm" else f"{labels.arm(comparator)} → {labels.arm(setting)}"
        cost, comp, emp = g.loc["completer"], g.loc["completer"], g.loc["employed person"]

        def span(r, kind, money=False):
            f = labels.money if money else (lambda x: f"{x:+,.0f}")
            if pd.isna(r[f"{kind}_low"]):
                return f(r[f"{kind}_mean"])
            return f"{f(r[kind + '_mean'])} [{f(r[kind + '_low'])}, {f(r[kind + '_high'])}]"

        lines.append(f"| {arm} | {span(cost, 'cost', True)} | {span(comp, 'effect')} | {span(emp, 'effect')} | "
                     + " | ".join(_icer_cell(g.loc[o]) for o in ICER_SHOWN) + " |")
    return "\n".join(lines) + "\n"


def _incremental_section(incremental: pd.DataFrame, steps: pd.DataFrame, reference: str, interval: str) -> list[str]:
    """Incremental cost-effectiveness against the reference arm and, along a numeric sweep, level by level."""
    if incremental.empty:
        return []
    lines = [f"## Incremental cost-effectiveness against {labels.arm(reference)}", "",
             "What each *extra* outcome costs: (cost of the arm − cost of the comparator) / (extra outcomes), same "
             f"seeds in both arms; [{interval}] (Fieller's interval over seeds, or the draws' quantiles). Employed "
             "persons are counted in the whole population at the end of the run, so jobs taken from others are "
             "netted out. Where the extra outcomes' interval includes zero, no ratio is given. All figures: "
             "`incremental.csv`.", "", _icer_table(incremental, "arm")]
    if not steps.empty:
        lines += ["### Level by level (each level against the one below)", "", _icer_table(steps, "step")]
    return lines


def stress_levels(table: pd.DataFrame, levels: pd.Series) -> pd.DataFrame:
    """Per stipend level (ascending): dropout's mean, credible interval, parameter part, seed sd, parameter
    share of variance, and P(dropout < target) over the draws (``levels``); written as ``stress.csv``."""
    rows = table[(table["group"] == "all") & (table["indicator"] == "dropout_rate")]
    rows = rows.assign(stipend=rows["setting"].str.split("=", n=1).str[1].astype(float)).sort_values("stipend")
    rows = rows.assign(p_below_target=[levels.get(x, float("nan")) for x in rows["stipend"]])
    return rows[["stipend", "mean", "ci_low", "ci_high", "param_low", "param_high", "seed_sd", "param_share",
                 "p_below_target"]].reset_index(drop=True)


def _stress_table(rows: pd.DataFrame, target: float, level: str) -> str:
    """The ``stress_levels`` table as markdown (dropout in %, its seed sd in percentage points)."""
    lines = [f"| stipend (USD/month) | dropout (% of enrolees), mean | {level} credible interval | parameter part "
             f"({level}) | seed sd (points) | parameter share of variance | P(dropout < {target:.0%}) |",
             "|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows.itertuples():
        lines.append(f"| {r.stipend:g} | {100 * r.mean:.1f}% | {100 * r.ci_low:.1f}–{100 * r.ci_high:.1f}% | "
                     f"{100 * r.param_low:.1f}–{100 * r.param_high:.1f}% | {100 * r.seed_sd:.1f} | "
                     f"{r.param_share:.0%} | {r.p_below_target:.2f} |")
    return "\n".join(lines) + "\n"


def write_report(folder: Path, args: list[str] | None = None) -> Path:
    from experiments.studies import report_figures

    if (folder / "summary.json").exists() and (folder / ".hydra").is_dir():
        raise ConfigurationError(f"SWEEP_DIR: {folder} is a single run (its results are in summary.json); a report "
                                 f"compares the jobs of a sweep folder (python -m experiments.run -m ...)")
    sweep = agg.read_sweep(folder)
    if not sweep.complete:
        raise ConfigurationError(f"SWEEP_DIR: {folder} has no complete job (summary.json) to report on; "
                                 f"{len(sweep.incomplete)} incomplete, {len(sweep.missing)} missing, "
                                 f"{len(sweep.unreadable)} unreadable"
                                 + (f" ({sweep.unreadable[0]})" if sweep.unreadable else ""))
    settings = _settings_from(args or [], _job_report_config(sweep))
    confidence, target = settings["report.confidence"], settings["report.target.dropout_rate"]
    frame = agg.records(sweep)
    posterior = agg.over_draws(frame)
    if posterior:
        confidence = settings["report.credible"]
    table = agg.posterior_aggregate(frame, confidence) if posterior else agg.aggregate(frame, confidence)
    reference = agg.reference_setting(sorted(table["setting"].unique()), sweep.swept)
    paired = agg.paired_differences(frame, reference, confidence)
    stress = sweep.swept == [agg.STIPEND_KEY]
    settings_sorted = sorted(table["setting"].unique(), key=labels.setting_order)
    incremental = cea.incremental(frame, [(s, reference) for s in settings_sorted if s != reference], confidence)
    numeric = len(sweep.swept) == 1 and all(labels.setting_order(s)[0][0] == 0 for s in settings_sorted)
    steps = (cea.incremental(frame, list(zip(settings_sorted[1:], settings_sorted[:-1])), confidence)
             if numeric and len(settings_sorted) > 2 else cea.incremental(frame, [], confidence))
    paired = pd.concat([paired.assign(note=""), cea.as_paired_rows(incremental)], ignore_index=True)
    both = pd.concat([incremental, steps], ignore_index=True).drop_duplicates(["setting", "comparator", "outcome"])
    atomic_write(folder / "incremental.csv", lambda tmp: both.to_csv(tmp, index=False))
    for name, data in (("aggregate", table), ("paired", paired)):
        write_parquet(folder / f"{name}.parquet", data)
        atomic_write(folder / f"{name}.csv", lambda tmp, data=data: data.to_csv(tmp, index=False))
    figures = report_figures.plot_all(folder, table, paired, reference, stress, target, posterior, confidence,
                                      frame=frame, incremental=incremental, steps=steps)

    level = f"{confidence:.0%}"
    used = sorted({(job.get("posterior"), job["summary"].get("meta", {}).get("calibration")) for job in sweep.complete},
                  key=str)
    lines = [f"# Report of `{folder.name}`", "",
             f"Jobs read: {len(sweep.complete)} complete"
             + (f" of {sweep.expected} expected" if sweep.expected else "")
             + f"; {len(sweep.incomplete)} incomplete; {len(sweep.missing)} missing; "
             f"{len(sweep.unreadable)} unreadable.",
             f"Swept: {', '.join(sweep.swept) or '(seeds only)'}; reference arm: `{reference}`.",
             ("Parameters: " + "; ".join(f"posterior `{p}` ({frame['draw'].nunique()} draws{posterior_status(p)}) "
                                         f"over calibration `{c}`"
                                         if p else f"calibration `{c}` (point values)" for p, c in used) + "."),
             (f"Uncertainty: {level} credible intervals over posterior draws × seeds (quantiles of all runs), with the "
              "parameter part (quantiles of the draws' means over seeds) and the seed standard deviation."
              if posterior else f"Uncertainty: {level} confidence intervals over seeds (t); parameter uncertainty is "
              "not included (run over a posterior: posterior=<name> draw=range(0,N))."), ""]
    if sweep.incomplete or sweep.missing or sweep.unreadable:
        lines += ["## Jobs not in this report", ""]
        lines += [f"- unreadable (left out; damaged or not written by experiments.run): {item}"
                  for item in sweep.unreadable]
        lines += [f"- incomplete (no summary.json; killed or failed, re-run with resume=true): job {name}"
                  for name in sweep.incomplete]
        lines += [f"- missing: `{name}`" for name in sweep.missing]
        lines += [""]
    if stress and posterior:
        probability = settings["report.probability"]
        levels, answer = agg.lowest_stipend_probably_meeting_target(frame, target, probability)
        rows = stress_levels(table, levels)
        atomic_write(folder / "stress.csv", lambda tmp: rows.to_csv(tmp, index=False))
        lines += ["## Stress test", "",
                  f"Lowest stipend with P(dropout < {target:.0%}) of at least {probability:.0%} over the posterior: "
                  + (f"**{answer:g} USD/month**." if answer is not None else "**none of the levels tested**."), "",
                  _stress_table(rows, target, level), ""]
    elif stress:
        answer = agg.lowest_stipend_meeting_target(table, target)
        lines += ["## Stress test", "",
                  f"Lowest stipend whose dropout upper {level} bound is below {target:.0%}: "
                  + (f"**{answer:g} USD/month**." if answer is not None else "**none of the levels tested**."), ""]
    interval = f"{level} credible interval" if posterior else f"{level} CI"
    n_text = (f"{frame['draw'].nunique()} posterior draws × {frame['seed'].nunique()} seeds" if posterior
              else f"{frame['seed'].nunique()} seeds")
    lines += [f"## Indicators (mean [{interval}], {n_text})", "", _table(table, MAIN),
              "## Outcomes of the people reached", "",
              "Enrolees and completers whose course ended at least 6 (12) months before the end of the run, that "
              "many months after the scheduled end of their course; the lottery's comparison group (applicants "
              "who lost the seat lottery) 12 months after it. Abroad counts as not employed at home.", "",
              "Shares in % of the group.", "", _table(table, REACHED),
              "## Outcomes the policies are for", "",
              policy_outcomes_sentence(), "",
              "Shares in %.", "", _table(table, policy_outcomes()),
              f"## Cost (USD over the run, mean [{interval}])", "",
              "Averages divide all spending (training and policies) by a count; they are not the cost of one more "
              "outcome (next section).", "", _table(table, [f"cost_{k}" for k in agg.COST_KEYS])]
    lines += _incremental_section(incremental, steps, reference, interval)
    lines += [f"## Paired differences against {labels.arm(reference)} (same {'draws and ' if posterior else ''}seeds; "
              f"shares in percentage points)", "", _table(paired, MAIN, difference=True),
              "Outcomes of the people reached:", "", _table(paired, REACHED, difference=True),
              "Outcomes the policies are for:", "", _table(paired, policy_outcomes(), difference=True)]
    lines += ["## Dropout by group (mean [" + interval + "])", "",
              _table(table, [(g, "dropout_rate") for g in GROUPS])]
    lines += _trial_section(table, interval)
    lines += ["## Figures", ""]
    for p in figures:
        lines += [f"![{p.stem}]({p.name})", "", f"*{report_figures.CAPTIONS.get(p.stem, p.stem)}* "
                  f"Intervals: {interval}; {n_text}.", ""]
    out = folder / "report.md"
    atomic_write(out, lambda tmp: Path(tmp).write_text("\n".join(lines) + "\n"))
    print(f"read {len(sweep.complete)} complete jobs"
          + (f" of {sweep.expected} expected" if sweep.expected else "")
          + f" ({len(sweep.incomplete)} incomplete, {len(sweep.missing)} missing, {len(sweep.unreadable)} unreadable)"
          + f"; wrote {out}")
    for item in sweep.unreadable:
        print(f"warning: unreadable, left out: {item}", file=sys.stderr)
    return out


@entry_point
def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Aggregate a sweep folder into tables, figures and report.md")
    parser.add_argument("sweep_dir", type=Path)
    parser.add_argument("overrides", nargs="*", help="report.confidence=0.95 report.target.dropout_rate=0.2")
    args = parser.parse_args(argv if argv is not None else sys.argv[1:])
    if not args.sweep_dir.is_dir():
        raise ConfigurationError(f"SWEEP_DIR: {args.sweep_dir} is not a folder")
    try:
        write_report(args.sweep_dir, args.overrides)
    except OSError as exc:  # a full disk, a read-only folder, a report file that is a folder
        raise NotWritten(f"SWEEP_DIR: could not write the report into {args.sweep_dir}: {exc.strerror or exc} "
                         f"({Path(exc.filename).name if exc.filename else 'a file'})")

