"""Report of a sweep: ``python -m experiments.report SWEEP_DIR [report.confidence=0.95] [report.target.dropout_rate=0.2]``.

(and ``report.credible=0.9``, ``report.probability=0.9`` for a study over posterior draws, and a stress-test
target for a group of ``simulation.metrics.GROUPS``: ``report.target.returnees.dropout_rate=0.3``, null = none)

Console script ``livelihoods-report``. Reads every job's overrides and summary
and writes into SWEEP_DIR: ``aggregate.csv``/``.parquet`` (mean, std, 95% CI, n
per setting × group × indicator), ``paired.csv``/``.parquet`` (differences
against the reference arm, seed by seed, with CIs), figures and ``report.md``.
Jobs that failed or are missing are listed; the report covers the rest.
Targets and confidence default to the values in the jobs' resolved config.

A stress test (the stipend swept alone) answers, for all enrolees and each group given a target, the lowest
stipend that keeps dropout below the target. Over seeds only (a point calibration) it is the lowest level
whose upper confidence bound is below the target, labelled as resting on one parameter set, with the exact
command that answers it over a stored posterior (``posterior_rerun``).

A study over posterior draws × seeds (``posterior=<name> draw=...``) reports credible intervals split into
their parameter and seed parts (``aggregate.posterior_aggregate``), and its stress test as a probability:
per stipend level P(dropout < target) over the draws, the answer being the lowest level where it reaches
``report.probability``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pandas as pd

from experiments.records.files import atomic_write, write_parquet
from experiments.studies import aggregate as agg
from experiments.studies import cost_effectiveness as cea
from experiments.studies import labels
from livelihoods.errors import CommandParser, ConfigurationError, LivelihoodsError, NotWritten, entry_point
from livelihoods.files import load_json, load_yaml, read_table, why
from simulation import metrics
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
    tolerance 0.57; predictive median inside 14 of 16 target ranges`` (empty if its files are gone; what is wrong
    if they cannot be read: both are read by ``livelihoods.files`` and checked before use)."""
    from livelihoods import draws

    folder = draws.POSTERIOR_DIR / name
    if not all(os.path.lexists(folder / file) for file in ("manifest.json", "predictive.csv")):
        return ""
    try:
        manifest = load_json(folder / "manifest.json", record=True, within=folder)
        predictive = read_table(folder / "predictive.csv", record=True, within=folder)
        generations, epsilon = manifest["generations_run"], manifest["final_epsilon"]
        if not isinstance(generations, int) or isinstance(generations, bool) or not agg.number_or_null(epsilon) \
                or epsilon is None:
            raise ValueError("generations_run or final_epsilon in manifest.json is not a number")
        low_high = predictive["range"].str.strip("[]").str.split(",", expand=True).astype(float)
        median = pd.to_numeric(predictive["median"], errors="raise")
    except (LivelihoodsError, ValueError, KeyError, TypeError, AttributeError) as exc:
        text = why(exc) if not isinstance(exc, KeyError) else f"no {exc.args[0]!r}"
        return f"; its calibration record cannot be read ({text})"
    inside = int(((median >= low_high[0]) & (median <= low_high[1])).sum())
    return (f"; ABC-SMC {generations} generations, final tolerance {epsilon:.2g}; "
            f"predictive median inside {inside} of {len(predictive)} target ranges")


def _job_report_config(sweep: agg.Sweep) -> dict:
    """``report`` section of the first complete job's resolved config (read by ``livelihoods.files``: a regular
    file inside the job folder, its aliases bounded); a record that cannot be read is warned about and the next
    job's is used, or the defaults."""
    for job in sweep.complete:
        folder = sweep.folder / job["job"]
        try:
            report = (load_yaml(folder / ".hydra" / "config.yaml", record=True, within=folder) or {}).get("report", {})
        except (LivelihoodsError, AttributeError) as exc:
            print(f"warning: job {job['job']}: .hydra/config.yaml cannot be read "
                  f"({why(exc) if isinstance(exc, LivelihoodsError) else 'not a config'}); the report's settings are "
                  f"taken from another job or the defaults", file=sys.stderr)
            continue
        if isinstance(report, dict):
            return report
    return {}


def target_key(group: str) -> str:
    """The setting of a stress-test target: ``report.target.dropout_rate`` (all enrolees) or a group's."""
    return "report.target.dropout_rate" if group == "all" else f"report.target.{group}.dropout_rate"


# report settings: key -> (default, lowest, highest, open interval); default None: optional (null = none), as the
# run schema's ``report`` (livelihoods.settings.ReportSettings): a target for all enrolees and one per group of
# summary.json's by_group (simulation.metrics.GROUPS)
SETTINGS = {"report.confidence": (0.95, 0.0, 1.0, True), "report.credible": (0.90, 0.0, 1.0, True),
            "report.probability": (0.90, 0.0, 1.0, True), target_key("all"): (0.30, 0.0, 1.0, False),
            **{target_key(group): (None, 0.0, 1.0, False) for group in metrics.GROUPS}}


def _allowed(key: str, value) -> bool:
    """Whether ``value`` may be the setting ``key``: a number in its range; a level (an open interval) also one
    that prints as a whole percentage inside it (0.9999999999999999 would be reported as a "100% CI" of ±inf)."""
    default, lo, hi, open_ = SETTINGS[key]
    if value is None:
        return default is None
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    if open_:
        return lo < value < hi and f"{value:.0%}" not in (f"{lo:.0%}", f"{hi:.0%}")
    return lo <= value <= hi


def _range(key: str) -> str:
    default, lo, hi, open_ = SETTINGS[key]
    printed = f" that prints as {lo + 0.01:.0%} to {hi - 0.01:.0%} (the report shows whole percentages)" if open_ else ""
    return (f"{'(' if open_ else '['}{lo:g}, {hi:g}{')' if open_ else ']'}" + printed
            + (" or null" if default is None else ""))


def _unknown_key(key: str) -> ConfigurationError:
    """The one line for a key the report has no setting for (a group not in ``simulation.metrics.GROUPS``)."""
    parts = key.split(".")
    if len(parts) == 4 and parts[:2] == ["report", "target"] and parts[3] == "dropout_rate":
        return ConfigurationError(f"{key}: unknown group {parts[2]!r}, allowed groups: {', '.join(metrics.GROUPS)}")
    fixed = [k for k in SETTINGS if SETTINGS[k][0] is not None]
    return ConfigurationError(f"{key}: unknown key, allowed keys: {', '.join(fixed)}, report.target.<group>.dropout_rate "
                              f"(group: {', '.join(metrics.GROUPS)})")


def _recorded(defaults: dict, key: str):
    """The jobs' recorded value of ``key`` (``report.target.returnees.dropout_rate``), or the default."""
    value = defaults
    for part in key.split(".")[1:]:
        if not isinstance(value, dict) or part not in value:
            return SETTINGS[key][0]
        value = value[part]
    return SETTINGS[key][0] if value is None else value


def _settings_from(args: list[str], defaults: dict) -> dict[str, float | None]:
    """The report's settings: the jobs' recorded ``report`` values, then ``key=value`` arguments (a group's
    target may be ``null``: none)."""
    settings = {}
    for key, (default, *_) in SETTINGS.items():
        recorded = _recorded(defaults, key)
        if not _allowed(key, recorded):
            print(f"warning: the jobs' {key} ({recorded!r}) is not in {_range(key)}; using {default}", file=sys.stderr)
            recorded = default
        settings[key] = None if recorded is None else float(recorded)
    for item in args:
        key, equals, value = item.partition("=")
        if key not in SETTINGS:
            raise _unknown_key(key)
        if not equals:
            raise ConfigurationError(f"{key}: needs a value, as {key}=<a number in {_range(key)}>")
        if SETTINGS[key][0] is None and value.strip().lower() in ("null", "none", "~"):
            settings[key] = None
            continue
        try:
            number = float(value)
        except ValueError:
            raise ConfigurationError(f"{key}: must be a number in {_range(key)}, got {value!r}") from None
        if not _allowed(key, number):
            raise ConfigurationError(f"{key}: must be a number in {_range(key)}, got {value.strip()}")
        settings[key] = number
    return settings


def stress_targets(settings: dict[str, float | None]) -> dict[str, float]:
    """Group -> dropout target of the stress test: ``all`` (every enrolee), then each group given one."""
    groups = ("all", *metrics.GROUPS)
    return {group: settings[target_key(group)] for group in groups if settings[target_key(group)] is not None}


CLIPPED_MARK = "†"


def _fmt(row, difference: bool = False) -> str:
    """Mean [interval] in the indicator's unit (``labels.value``): % for shares, percentage points for their
    differences, whole USD with separators; "(one seed)" where there is no interval; † where the interval of a
    share was cut at the share's range (``aggregate.aggregate``)."""
    name = row["indicator"]
    mean = labels.value(name, row["mean"], difference)
    if pd.isna(row["ci_low"]):
        return f"{mean} (n={int(row['n'])})" if row.get("n", 2) == 1 else mean
    low = labels.value(name, row["ci_low"], difference).rstrip("%")
    high = labels.value(name, row["ci_high"], difference).rstrip("%")
    return f"{mean} [{low}, {high}]" + (CLIPPED_MARK if row.get("clipped") is True else "")


def _header(name: str, difference: bool = False, group: str = "all") -> str:
    words, unit = labels.indicator(name)
    if group != "all":
        words = f"{words}: {group.replace('_', ' ')}"
    if unit.startswith("share"):
        unit = "percentage points" if difference else unit.replace("share", "%")
    return f"{words} ({unit})" if unit else words


def cell(text: str) -> str:
    """Text for a cell of a Markdown table: a ``|`` in a swept value would end the cell, a line break the row."""
    return " ".join(str(text).split()).replace("|", "\\|")


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
    lines += [f"| {cell(labels.arm(s))} | " + " | ".join(cells[c].get(s, "–") for c in columns) + " |"
              for s in settings]
    return "\n".join(lines) + "\n"


TRIAL_OUTCOMES = ("completed", "employed", "wage_employed", "self_employed", "formal_wage_employed",
                  "informal_employed", "earnings", "intends_to_migrate")


def _trial_section(table: pd.DataFrame, interval: str) -> list[str]:
    """The virtual trial of the reference arm (or the only one): ITT and TOT per horizon and group."""
    rows = table[table["indicator"].str.startswith("trial_")]
    if rows.empty:
        return []
    setting = min(rows["setting"].unique(), key=labels.setting_order)
    rows = rows[rows["setting"] == setting]
    lines = ["## Virtual trial (the seat lottery as a randomised offer)", "",
             (f"Arm: {labels.arm(setting)}. ITT: effect of being offered a seat; TOT: effect of starting a course on "
             f"those "
             f"the offer moves (ITT / first stage). Each cell: the mean over runs of the run's estimate "
             f"[{interval} over runs]; earnings in USD/month, the rest in percentage points."), "",
             "| horizon | group | first stage | " + " | ".join(f"ITT {o.replace('_', ' ')}" for o in TRIAL_OUTCOMES)
             + " | TOT employed |", "|---|---|---|" + "---|" * (len(TRIAL_OUTCOMES) + 1)]
    horizons = sorted({int(name[len("trial_first_stage_"):-1]) for name in rows["indicator"].unique()
                       if name.startswith("trial_first_stage_") and name.endswith("m")})  # the run's trial_horizons
    for h in horizons:
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


def _take_up_section(table: pd.DataFrame, interval: str) -> list[str]:
    """Coverage and use of the services people choose to use, per arm that offers one."""
    names = sorted({i[len("take_up_"):-len("_offered")] for i in table["indicator"].unique()
                    if i.startswith("take_up_") and i.endswith("_offered")})
    if not names:
        return []
    columns = [f"take_up_{n}_{kind}" for n in names for kind in ("offered", "used", "use_share")]
    return ["## Take-up of services (coverage and use)", "",
            (f"Persons ever offered each service and ever using it over the run, and the share of those offered who "
             f"used it (mean [{interval}]); a service people choose to use reaches fewer than it covers."), "",
            _table(table, columns)]


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

        lines.append(f"| {cell(arm)} | {span(cost, 'cost', True)} | {span(comp, 'effect')} | {span(emp, 'effect')} | "
                     + " | ".join(_icer_cell(g.loc[o]) for o in ICER_SHOWN) + " |")
    return "\n".join(lines) + "\n"


def _incremental_section(incremental: pd.DataFrame, steps: pd.DataFrame, reference: str, interval: str) -> list[str]:
    """Incremental cost-effectiveness against the reference arm and, along a numeric sweep, level by level."""
    if incremental.empty:
        return []
    lines = [f"## Incremental cost-effectiveness against {labels.arm(reference)}", "",
             ("What each *extra* outcome costs: (cost of the arm − cost of the comparator) / (extra outcomes), same "
             f"seeds in both arms; [{interval}] (Fieller's interval over seeds, or the draws' quantiles). Employed "
             "persons are counted in the whole population at the end of the run, so jobs taken from others are "
             "netted out. Where the extra outcomes' interval includes zero, no ratio is given. All figures: "
             "`incremental.csv`."), "", _icer_table(incremental, "arm")]
    if not steps.empty:
        lines += ["### Level by level (each level against the one below)", "", _icer_table(steps, "step")]
    return lines


def stress_levels(table: pd.DataFrame, levels: pd.Series, group: str = "all", target: float | None = None
                  ) -> pd.DataFrame:
    """Per stipend level (ascending): the dropout of ``group``'s mean, credible interval, parameter part, seed sd,
    parameter share of variance, and P(dropout < target) over the draws (``levels``); ``stress.csv`` holds these
    rows for every target (all enrolees first, then each group's)."""
    rows = table[(table["group"] == group) & (table["indicator"] == "dropout_rate")]
    rows = rows.assign(stipend=rows["setting"].str.split("=", n=1).str[1].astype(float)).sort_values("stipend")
    rows = rows.assign(p_below_target=[levels.get(x, float("nan")) for x in rows["stipend"]], target=target)
    return rows[["group", "target", "stipend", "mean", "ci_low", "ci_high", "param_low", "param_high", "seed_sd",
                 "param_share", "p_below_target"]].reset_index(drop=True)


# groups whose name alone does not say who they are (simulation.metrics: split at the median distance)
GROUP_WORDS = {"near": "the near half (nearer the centre than the median)",
               "far": "the far half (farther from the centre than the median)"}


def dropout_of(group: str, short: bool = False) -> str:
    """"dropout" (all enrolees) or "dropout of returnees"; ``short``: without the explanation of near and far."""
    if group == "all":
        return "dropout"
    words = GROUP_WORDS.get(group, group.replace("_", " "))
    return f"dropout of {words.split(' (')[0] if short else words}"


def _stress_table(rows: pd.DataFrame, target: float, level: str, group: str = "all") -> str:
    """The ``stress_levels`` table as markdown (dropout in %, its seed sd in percentage points)."""
    lines = [(f"| stipend (USD/month) | {dropout_of(group, True)} (% of enrolees), mean | {level} credible interval "
             f"| parameter part ({level}) | seed sd (points) | parameter share of variance "
             f"| P({dropout_of(group, True)} < {target:.0%}) |"),
             "|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows.itertuples():
        lines.append(f"| {r.stipend:g} | {100 * r.mean:.1f}% | {100 * r.ci_low:.1f}–{100 * r.ci_high:.1f}% | "
                     f"{100 * r.param_low:.1f}–{100 * r.param_high:.1f}% | {100 * r.seed_sd:.1f} | "
                     f"{r.param_share:.0%} | {r.p_below_target:.2f} |")
    return "\n".join(lines) + "\n"


def _target_header(group: str, target: float) -> str:
    """"dropout: returnees (% of enrolees; target < 35%)"."""
    words, unit = labels.indicator("dropout_rate")
    words = words if group == "all" else f"{words}: {group.replace('_', ' ')}"
    return f"{words} ({unit.replace('share', '%')}; target < {target:.0%})"


def _answer(answer: float | None, bold: bool) -> str:
    text = f"{answer:g} USD/month" if answer is not None else "none of the levels tested"
    return f"**{text}**" if bold else text


def _stored_posterior(calibrations: set[str], used: set[str]) -> tuple[str | None, int]:
    """The stored posterior a point study's answer should be checked over, and its number of draws: the one whose
    draw the study ran (``used``), else the most recent one made from the study's calibration, else the most
    recent one (None, 0 if none is stored)."""
    from livelihoods import draws

    def manifest(name: str) -> dict:
        try:
            data = load_json(draws.POSTERIOR_DIR / name / "manifest.json", record=True,
                             within=draws.POSTERIOR_DIR / name)
        except LivelihoodsError:
            return {}
        return data if isinstance(data, dict) else {}

    names = draws.available()
    made_from = {name: s.get("start") if isinstance(s := manifest(name).get("settings"), dict) else None
                 for name in names}
    pool = [name for name in names if name in used] or [name for name in names if made_from[name] in calibrations] \
        or names
    if not pool:
        return None, 0
    name = max(pool, key=lambda n: (str(manifest(n).get("made", "")), n))
    try:
        return name, draws.count(name)
    except Exception:  # noqa: BLE001 - a damaged posterior: named, its size unknown
        return name, 0


def sweep_command(folder: Path) -> list[str] | None:
    """The overrides of the sweep as it was run (``multirun.yaml``): the launcher choice and the task's
    overrides, without the folder and ``resume``; None if not recorded."""
    from experiments.records.folders import read_multirun

    try:
        overrides = read_multirun(folder)["overrides"]
        chosen, task = list(overrides.get("hydra") or []), list(overrides["task"] or [])
    except (LivelihoodsError, AttributeError, KeyError, TypeError):
        return None
    return [o for o in chosen if o.startswith("hydra/")] + [o for o in task if o.partition("=")[0] != "resume"]


def posterior_rerun(folder: Path, calibrations: set[str], used: set[str], expected: int | None, args: list[str]
                    ) -> list[str]:
    """Markdown: the exact command that answers the same stress test over a stored posterior's draws (and its
    report, with the report's own ``key=value`` arguments ``args``)."""
    import shlex

    name, n = _stored_posterior(calibrations, used)
    if name is None:
        return [("No posterior is stored yet (`python -m experiments.posterior` makes one); with one, run the same "
                "sweep with `posterior=<name> 'draw=range(0,N)'` and report it."), ""]
    n_text = str(n) if n else "N"
    overrides = sweep_command(folder)
    if overrides is None:
        return [(f"This sweep's command is not recorded (no readable multirun.yaml): run it again with "
                f"`posterior={name} 'draw=range(0,{n_text})'` and report it."), ""]
    overrides = [o for o in overrides if o.lstrip("+~").partition("=")[0] not in ("posterior", "draw")]
    command = " ".join(shlex.quote(o) for o in [*overrides, f"posterior={name}", f"draw=range(0,{n_text})"])
    jobs = f" ({n} × {expected} = {n * expected:,} jobs)" if n and expected else ""
    return [f"The same sweep over all {n_text} draws of the stored posterior `{name}` answers it{jobs}:", "",
            "```", f"python -m experiments.run -m {command}",
            " ".join(["python -m experiments.report <its sweep folder>", *map(shlex.quote, args)]),
            "```", ""]


def _parameter_sets(sweep: agg.Sweep) -> tuple[str, set[str], set[str]]:
    """The one parameter set a point study rests on, in words, its calibrations and posteriors (of one draw)."""
    used = sorted({(job.get("posterior"), job["draw"], job["summary"].get("meta", {}).get("calibration"))
                   for job in sweep.complete}, key=str)
    words = "; ".join(f"draw {d} of posterior `{p}` over calibration `{c}`" if p else f"calibration `{c}`, point values"
                      for p, d, c in used).replace("calibration `None`", "a calibration not recorded in summary.json")
    return words, {c for _, _, c in used if c}, {p for p, _, _ in used if p}


def point_stress_section(sweep: agg.Sweep, table: pd.DataFrame, targets: dict[str, float], level: str,
                         args: list[str]) -> list[str]:
    """The stress test of a study over seeds only: each target's lowest stipend whose upper bound is below it,
    labelled as resting on one parameter set, and the command that answers it over the posterior."""
    basis, calibrations, posteriors = _parameter_sets(sweep)
    lines = ["## Stress test: one parameter set, not yet the answer", "",
             (f"**This answer rests on one parameter set** ({basis}). Its {level} intervals are over seeds only: they "
             "leave out what the calibration leaves unknown about the model's parameters. Over the posterior the "
             "lowest stipend can be higher, or none of the levels tested, and P(dropout < target) is known only "
             "there: quote the answer over the posterior, not these levels."), ""]
    for group, target in targets.items():
        if table[(table["group"] == group) & (table["indicator"] == "dropout_rate")].empty:
            lines.append(f"- {dropout_of(group).capitalize()} below {target:.0%}: no enrolee of the group in any run.")
            continue
        answer = agg.lowest_stipend_meeting_target(table, target, group)
        lines.append(f"- Lowest stipend whose upper {level} bound of {dropout_of(group)} is below {target:.0%}, on "
                     f"this one parameter set: {_answer(answer, bold=False)}.")
    lines += ["", *posterior_rerun(sweep.folder, calibrations, posteriors, sweep.expected, args),
              _table(table, [(g, "dropout_rate", _target_header(g, t)) for g, t in targets.items()]), ""]
    return lines


def _share_of_draws(frame: pd.DataFrame, group: str, levels: pd.Series, level: float) -> str:
    """"0.75, 3 of 4 draws": P(dropout < target) at ``level`` and the draws it counts (those with a dropout of
    the group at that level)."""
    rows = frame[(frame["group"] == group) & (frame["indicator"] == "dropout_rate")]
    counted = rows[rows["setting"].str.split("=", n=1).str[1].astype(float) == level]["draw"].nunique()
    return f"{levels[level]:.2f}, {round(levels[level] * counted)} of {counted} draws"


def posterior_stress_section(folder: Path, frame: pd.DataFrame, table: pd.DataFrame, targets: dict[str, float],
                             probability: float, level: str, posteriors: list[str]) -> list[str]:
    """The stress test over posterior draws: per target P(dropout < target) per level over the draws and the
    lowest level where it reaches ``probability``; writes ``stress.csv``."""
    from livelihoods import draws

    n_draws, n_seeds = frame["draw"].nunique(), frame["seed"].nunique()
    of = []
    for name in posteriors:
        try:
            of.append(f"posterior `{name}`: {n_draws} of its {draws.count(name)} draws")
        except Exception:  # noqa: BLE001 - a posterior no longer stored: its size unknown
            of.append(f"posterior `{name}`: {n_draws} draws")
    lines = ["## Stress test over the posterior", "",
             (f"Rests on {' and '.join(of) or f'{n_draws} posterior draws'} (parameter sets), {n_seeds} seeds each. "
             f"P(dropout < target) is the share of the {n_draws} draws whose dropout, mean over the seeds, is below "
             "the target."), ""]
    tables, stress = [], []
    for group, target in targets.items():
        levels, answer = agg.lowest_stipend_probably_meeting_target(frame, target, probability, group)
        if levels.empty:
            lines.append(f"- {dropout_of(group).capitalize()} below {target:.0%}: no enrolee of the group in any run.")
            continue
        p = f"P = {_share_of_draws(frame, group, levels, answer)}" if answer is not None else \
            f"the highest P is {_share_of_draws(frame, group, levels, levels.idxmax())}, from {levels.idxmax():g} USD/month"
        lines.append(f"- Lowest stipend with P({dropout_of(group)} < {target:.0%}) of at least {probability:.0%} over "
                     f"the posterior: {_answer(answer, bold=True)} ({p}).")
        rows = stress_levels(table, levels, group, target)
        stress.append(rows)
        heading = [] if group == "all" else [f"### {dropout_of(group).capitalize()} (target < {target:.0%})", ""]
        tables += [*heading, _stress_table(rows, target, level, group), ""]
    if stress:
        rows = pd.concat(stress, ignore_index=True)
        atomic_write(folder / "stress.csv", lambda tmp: rows.to_csv(tmp, index=False))
    return [*lines, "", *tables]


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
    confidence, targets = settings["report.confidence"], stress_targets(settings)
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
    figures = report_figures.plot_all(folder, table, paired, reference, stress, targets, posterior, confidence,
                                      frame=frame, incremental=incremental, steps=steps)

    level = f"{confidence:.0%}"
    used = sorted({(job.get("posterior"), job["summary"].get("meta", {}).get("calibration")) for job in sweep.complete},
                  key=str)
    lines = [f"# Report of `{folder.name}`", "",
             f"Jobs read: {len(sweep.complete)} complete"
             + (f" of {sweep.expected} expected" if sweep.expected else "")
             + f"; {len(sweep.incomplete)} incomplete; {len(sweep.missing)} missing; "
             f"{len(sweep.unreadable)} unreadable.",
             f"Swept: {', '.join(sweep.swept) or '(seeds only)'}; "
             + (f"reference arm: `{reference}`." if reference else "one arm, no comparison."),
             ("Parameters: " + "; ".join(f"posterior `{p}` ({frame['draw'].nunique()} draws{posterior_status(p)}) "
                                         f"over calibration `{c}`"
                                         if p else f"calibration `{c}` (point values)" for p, c in used) + "."),
             (f"Uncertainty: {level} credible intervals over posterior draws × seeds (quantiles of all runs), with the "
              "parameter part (quantiles of the draws' means over seeds) and the seed standard deviation."
              if posterior else f"Uncertainty: {level} confidence intervals over seeds (t); parameter uncertainty is "
              "not included (run over a posterior: posterior=<name> draw=range(0,N))."), ""]
    clipped = sum(int(data["clipped"].fillna(False).astype(bool).sum()) for data in (table, paired)
                  if "clipped" in data)
    if clipped:
        lines[-1:-1] = ["", (f"{CLIPPED_MARK} {clipped} intervals of shares reached below 0% (or −100 points) or "
                         "above 100%, or of counts below 0, and are cut there: with few seeds, or a share near its "
                         "bound, the t interval describes the uncertainty poorly; run more seeds, or over a "
                         "posterior.")]
    if sweep.incomplete or sweep.missing or sweep.unreadable:
        lines += ["## Jobs not in this report", ""]
        lines += [f"- unreadable (left out; damaged or not written by experiments.run): {item}"
                  for item in sweep.unreadable]
        lines += [f"- incomplete (no summary.json; killed or failed, re-run with resume=true): job {name}"
                  for name in sweep.incomplete]
        lines += [f"- missing: `{name}`" for name in sweep.missing]
        lines += [""]
    if stress and posterior:
        lines += posterior_stress_section(folder, frame, table, targets, settings["report.probability"], level,
                                          sorted({p for p, _ in used if p}))
    elif stress:
        lines += point_stress_section(sweep, table, targets, level, args or [])
    interval = f"{level} credible interval" if posterior else f"{level} CI"
    n_text = (f"{frame['draw'].nunique()} posterior draws × {frame['seed'].nunique()} seeds" if posterior
              else f"{frame['seed'].nunique()} seeds")
    lines += [f"## Indicators (mean [{interval}], {n_text})", "", _table(table, MAIN),
              "## Outcomes of the people reached", "",
              ("Enrolees and completers whose course ended at least 6 (12) months before the end of the run, that "
              "many months after the scheduled end of their course; the lottery's comparison group (applicants "
              "who lost the seat lottery) 12 months after it. Abroad counts as not employed at home."), "",
              "Shares in % of the group.", "", _table(table, REACHED),
              "## Outcomes the policies are for", "",
              policy_outcomes_sentence(), "",
              "Shares in %.", "", _table(table, policy_outcomes()),
              f"## Cost (USD over the run, mean [{interval}])", "",
              ("Averages divide all spending (training and policies) by a count; they are not the cost of one more "
              "outcome (next section)."), "", _table(table, [f"cost_{k}" for k in agg.COST_KEYS])]
    lines += _incremental_section(incremental, steps, reference, interval)
    lines += [(f"## Paired differences against {labels.arm(reference)} (same {'draws and ' if posterior else ''}seeds; "
              f"shares in percentage points)"), "", _table(paired, MAIN, difference=True),
              "Outcomes of the people reached:", "", _table(paired, REACHED, difference=True),
              "Outcomes the policies are for:", "", _table(paired, policy_outcomes(), difference=True)]
    lines += ["## Dropout by group (mean [" + interval + "])", "",
              _table(table, [(g, "dropout_rate") for g in GROUPS])]
    lines += _trial_section(table, interval)
    lines += _take_up_section(table, interval)
    lines += ["## Figures", ""]
    for p in figures:
        lines += [f"![{p.stem}]({p.name})", "", (f"*{report_figures.CAPTIONS.get(p.stem, p.stem)}* "
                  f"Intervals: {interval}; {n_text}."), ""]
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
    parser = CommandParser(description="Aggregate a sweep folder into tables, figures and report.md")
    parser.add_argument("sweep_dir", type=Path)
    parser.add_argument("overrides", nargs="*", help="report.confidence=0.95 report.target.dropout_rate=0.2 "
                                                     "report.target.returnees.dropout_rate=0.3")
    args = parser.parse_args(argv if argv is not None else sys.argv[1:])
    if not args.sweep_dir.is_dir():
        raise ConfigurationError(f"SWEEP_DIR: {args.sweep_dir} is not a folder")
    try:
        write_report(args.sweep_dir, args.overrides)
    except OSError as exc:  # a full disk, a read-only folder, a report file that is a folder
        raise NotWritten(f"SWEEP_DIR: could not write the report into {args.sweep_dir}: {exc.strerror or exc} "
                         f"({Path(exc.filename).name if exc.filename else 'a file'})")

