"""Read a sweep folder and aggregate its jobs over seeds: means, confidence intervals, paired differences.

A sweep folder (Hydra multirun) holds ``multirun.yaml`` and one folder per job
with ``.hydra/overrides.yaml`` and, when the job finished, ``summary.json``.
A *setting* is a job's swept overrides other than ``seed``; replicate seeds of a
setting are aggregated with a t-based confidence interval:

    mean ± t_{n-1, (1+c)/2} · s / sqrt(n)

Paired differences against the reference setting are taken seed by seed (the
same seeds in both arms, common random numbers) and aggregated the same way.

A study over posterior draws (``draw`` swept with ``seed``, ``posterior=<name>``) separates the two kinds
of uncertainty (``posterior_aggregate``): for the values y_ds of draw d and seed s of a setting,

    m_d = mean_s y_ds                               (the draw's expected value, over seeds)
    seed variance     sigma_s^2 = mean_d var_s(y_ds)   (stochastic: what another seed would change)
    parameter variance sigma_p^2 = max(0, var_d(m_d) - sigma_s^2 / S)   (what the posterior leaves open)

with a credible interval of the level from the quantiles of all y_ds (both parts), a parameter interval
from the quantiles of the m_d, and P(y < target) as the share of draws whose m_d is below the target.
"""

from __future__ import annotations

import itertools
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.records.runs import SUMMARY
from experiments.studies import labels
from experiments.studies.stats import t_half_width
from livelihoods.errors import ConfigurationError, LivelihoodsError
from livelihoods.files import load_json, load_yaml, why

MULTIRUN = "multirun.yaml"

STIPEND_KEY = "policy.stipend.monthly_amount"
REPLICATES = ("seed", "draw")  # swept keys that replicate a setting rather than define one
COST_KEYS = ("total", "average_per_enrolee", "average_per_completer", "average_per_employed_completer")
COUNT_KEYS = ("enrolled", "completed", "certified", "dropped_out", "employed", "employed_completers")


@dataclass
class Sweep:
    folder: Path
    swept: list[str]  # swept keys other than seed
    complete: list[dict] = field(default_factory=list)  # {"setting", "seed", "draw", "summary", "job"}
    incomplete: list[str] = field(default_factory=list)  # job folders without summary.json
    missing: list[str] = field(default_factory=list)  # expected jobs with no folder
    unreadable: list[str] = field(default_factory=list)  # "<file>: <why>" for records that cannot be read
    expected: int | None = None


def _swept_overrides(folder: Path) -> list[tuple[str, list[str]]]:
    """(key, values) of every sweep override of the multirun (command line and sweeper params)."""
    from experiments.records.folders import read_study

    return [(key, values) for key, values in read_study(folder).items() if len(values) > 1]


def number_or_null(value) -> bool:
    """A value a summary may hold for an indicator or a cost: a finite number, or null (no denominator)."""
    return value is None or (isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value))


def _read_json(path: Path, job: Path) -> dict:
    """A job's summary, read by ``livelihoods.files`` (a regular file inside the job folder, no NaN or Infinity)
    and checked: indicators, each group's indicators and cost are tables of numbers (or null)."""
    data = load_json(path, record=True, within=job)
    if not isinstance(data, dict) or not isinstance(data.get("indicators"), dict) \
            or not isinstance(data.get("by_group"), dict) or not all(isinstance(v, dict) for v in data["by_group"].values()) \
            or not isinstance(data.get("cost", {}), dict):
        raise ValueError("not a run summary (indicators, by_group and cost must be tables)")
    tables = {"indicators": data["indicators"], **{f"by_group.{g}": v for g, v in data["by_group"].items()},
              "cost": {k: v for k, v in data.get("cost", {}).items() if k in COST_KEYS}}
    for name, table in tables.items():
        bad = next((k for k, v in table.items() if not number_or_null(v)), None)
        if bad is not None:
            raise ValueError(f"not a run summary ({name}.{bad} is {str(table[bad])[:40]!r}, not a number)")
    return data


def _read_overrides(path: Path, job: Path) -> dict[str, str]:
    items = load_yaml(path, record=True, within=job)
    if not isinstance(items, list) or not all(isinstance(i, str) and "=" in i for i in items):
        raise ValueError("not a list of key=value overrides")
    return dict(item.split("=", 1) for item in items)


def _linked(job: Path, folder: Path) -> str | None:
    """Why ``job`` is not a job folder of the sweep in ``folder`` (a link, e.g. to another sweep's job), or None."""
    if job.is_symlink():
        return f"is a link to {os.path.realpath(job)}, not a job folder of this sweep"
    real, root = os.path.realpath(job), os.path.realpath(folder)
    if os.path.dirname(real) != root:
        return f"lies in {os.path.dirname(real)} (a linked folder), not in this sweep"
    return None


def read_sweep(folder: Path) -> Sweep:
    """Every job of the sweep: complete ones with their summary; incomplete, missing and unreadable ones listed.

    A record that cannot be read (a truncated ``summary.json`` or one holding ``Infinity``, a damaged
    ``overrides.yaml`` or ``multirun.yaml``, a FIFO, a YAML alias bomb, a file linked out of its job folder) and a
    job folder that is a link (another sweep's job) are listed as unreadable and left out; the rest are reported.
    Every record is read by ``livelihoods.files``. The same setting and seed twice is refused: it would count one
    replicate twice.
    """
    folder = Path(folder)
    sweep = Sweep(folder, [])
    sweeps: list[tuple[str, list[str]]] = []
    if (folder / MULTIRUN).exists() or (folder / MULTIRUN).is_symlink():
        try:
            sweeps = _swept_overrides(folder)
        except (LivelihoodsError, OSError, ValueError) as exc:
            sweep.unreadable.append(f"{MULTIRUN}: missing or not a readable sweep record ({why(exc)}); the expected "
                                    "jobs are unknown")
    swept = sweep.swept = [key for key, _ in sweeps if key not in REPLICATES]
    found = set()
    damaged: list[str] = []  # jobs whose overrides cannot be read
    seen: dict[tuple[str, int], str] = {}
    for job in sorted((p for p in folder.iterdir() if (p / ".hydra" / "overrides.yaml").exists()
                       or (p / ".hydra" / "overrides.yaml").is_symlink()), key=lambda p: (len(p.name), p.name)):
        linked = _linked(job, folder)
        if linked is not None:
            sweep.unreadable.append(f"job {job.name}: {linked}")
            damaged.append(job.name)
            continue
        try:
            overrides = _read_overrides(job / ".hydra" / "overrides.yaml", job)
        except (LivelihoodsError, OSError, ValueError) as exc:
            sweep.unreadable.append(f"job {job.name}: .hydra/overrides.yaml: {why(exc)}")
            damaged.append(job.name)
            continue
        if not sweeps and not sweep.swept:  # no readable multirun.yaml: every override but seed is the setting
            sweep.swept = swept = sorted(k for k in overrides if k not in (*REPLICATES, "resume"))
        key = tuple(f"{k}={overrides.get(k, '')}" for k in [k for k, _ in sweeps] or swept)
        found.add(key)
        if not (job / SUMMARY).exists() and not (job / SUMMARY).is_symlink():
            sweep.incomplete.append(job.name)
            continue
        try:
            summary = _read_json(job / SUMMARY, job)
        except (LivelihoodsError, OSError, ValueError) as exc:
            sweep.unreadable.append(f"job {job.name}: {SUMMARY}: {why(exc)}")
            continue
        setting = " ".join(f"{k}={overrides.get(k, '')}" for k in swept)
        meta = summary.get("meta") or {}
        try:
            seed = int(overrides.get("seed", meta.get("seed", -1)))
            draw = int(overrides.get("draw", meta.get("draw") if meta.get("draw") is not None else -1))
        except (TypeError, ValueError):
            sweep.unreadable.append(f"job {job.name}: .hydra/overrides.yaml: seed or draw is not an integer")
            continue
        if (setting, draw, seed) in seen:
            raise ConfigurationError(f"{folder}: jobs {seen[setting, draw, seed]} and {job.name} are the same setting "
                                     f"({setting or 'none'}), draw and seed {seed}; a replicate must have its own seed")
        seen[setting, draw, seed] = job.name
        sweep.complete.append({"job": job.name, "setting": setting, "seed": seed, "draw": draw, "summary": summary,
                               "posterior": meta.get("posterior")})
    if sweeps:
        combos = list(itertools.product(*[[f"{k}={v}" for v in values] for k, values in sweeps]))
        sweep.expected = len(combos)
        # a job whose overrides cannot be read is still the job of its number (Hydra numbers the product)
        found |= {tuple(combos[int(name)]) for name in damaged if name.isdigit() and int(name) < len(combos)}
        sweep.missing = [" ".join(c) for c in combos if tuple(c) not in found]
    return sweep


def records(sweep: Sweep) -> pd.DataFrame:
    """Long table: setting, draw (-1: no posterior), seed, group, indicator, value (NaN values dropped)."""
    rows = []
    for job in sweep.complete:
        s, d = job["summary"], job.get("draw", -1)
        groups = {"all": s["indicators"], **s["by_group"]}
        for group, values in groups.items():
            for indicator, value in values.items():
                rows.append((job["setting"], d, job["seed"], group, indicator, value))
        for key in COST_KEYS:
            rows.append((job["setting"], d, job["seed"], "all", f"cost_{key}", s.get("cost", {}).get(key)))
        counts = s.get("counts") if isinstance(s.get("counts"), dict) else {}
        rows += [(job["setting"], d, job["seed"], "all", f"count_{k}", counts.get(k)) for k in COUNT_KEYS]
        rows += [(job["setting"], d, job["seed"], "all", k, v) for k, v in take_up_values(s).items()]
        if isinstance(s.get("reached"), dict):
            rows += [(job["setting"], d, job["seed"], g, k, v) for (g, k), v in reached_values(s["reached"]).items()]
        if isinstance(s.get("trial"), dict):

            try:
                values = trial_values(s["trial"])
            except (KeyError, TypeError, AttributeError):  # an older or damaged record: no trial rows
                values = {}
            rows += [(job["setting"], d, job["seed"], g, k, v) for (g, k), v in values.items()]
    frame = pd.DataFrame(rows, columns=["setting", "draw", "seed", "group", "indicator", "value"])
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce")
    return frame.dropna(subset=["value"]).reset_index(drop=True)


def take_up_values(summary: dict) -> dict[str, float]:
    """Coverage and use of each service people choose to use (``simulation.policies.base.TakeUpConfig``), from the
    ledger: take_up_<policy>_offered and _used (persons ever offered it, ever using it) and _use_share
    (used / offered)."""
    lines = (summary.get("cost") or {}).get("by_policy") or {}
    out = {}
    for name, line in lines.items():
        if isinstance(line, dict) and "offered" in line and "used" in line:
            offered, used = line["offered"], line["used"]
            out |= {f"take_up_{name}_offered": offered, f"take_up_{name}_used": used,
                    f"take_up_{name}_use_share": used / offered if offered else float("nan")}
    return out


def reached_values(reached: dict) -> dict[tuple[str, str], float]:
    """Outcomes of the people reached (``simulation.reached``) as indicators:
    (enrolees | completers | dropouts | completers_women ..., <rate>_<h>m_after_course) and persons_<h>m_after_course."""
    out = {}
    for h, groups in reached.items():
        if not isinstance(groups, dict):
            continue
        for group, values in groups.items():
            if isinstance(values, dict):
                out |= {(group, f"{'persons' if k == 'n' else k}_{h}m_after_course"): v for k, v in values.items()}
    return out


def over_draws(frame: pd.DataFrame) -> bool:
    """Whether the study ran several posterior draws (then ``posterior_aggregate`` applies)."""
    return "draw" in frame and frame["draw"].nunique() > 1


def posterior_aggregate(frame: pd.DataFrame, level: float = 0.9) -> pd.DataFrame:
    """One row per setting × group × indicator over draws × seeds (module docstring): mean, the ``level``
    credible interval (ci_low, ci_high: all runs) and its parameter part (param_low, param_high: the draws'
    means), the parameter and seed standard deviations and the parameter share of the variance."""
    keys = ["setting", "group", "indicator"]
    per_draw = (frame.groupby([*keys, "draw"], sort=True)["value"]
                .agg(m="mean", v="var", s="size").reset_index())
    lo, hi = (1 - level) / 2, (1 + level) / 2
    runs = frame.groupby(keys, sort=True)["value"]
    out = runs.agg(mean="mean", n="size").reset_index()
    out["ci_low"], out["ci_high"] = runs.quantile(lo).to_numpy(), runs.quantile(hi).to_numpy()
    draws = per_draw.groupby(keys, sort=True)
    out["draws"] = draws["m"].size().to_numpy()
    out["seeds"] = draws["s"].mean().round().astype(int).to_numpy()
    out["param_low"], out["param_high"] = draws["m"].quantile(lo).to_numpy(), draws["m"].quantile(hi).to_numpy()
    seed_var = draws["v"].mean().fillna(0.0).to_numpy()
    between = draws["m"].var().fillna(0.0).to_numpy()
    param_var = np.maximum(0.0, between - seed_var / np.maximum(out["seeds"].to_numpy(), 1))
    out["param_sd"], out["seed_sd"] = np.sqrt(param_var), np.sqrt(seed_var)
    total = param_var + seed_var
    out["param_share"] = np.divide(param_var, total, out=np.full(total.size, np.nan), where=total > 0)
    out["std"] = runs.std().to_numpy()
    return out[[*keys, "mean", "std", "ci_low", "ci_high", "n", "draws", "seeds", "param_low", "param_high",
                "param_sd", "seed_sd", "param_share"]]


def probability_below(frame: pd.DataFrame, indicator: str, target: float, group: str = "all") -> pd.Series:
    """Per setting: the share of posterior draws whose mean over seeds of ``indicator`` is below ``target``."""
    rows = frame[(frame["group"] == group) & (frame["indicator"] == indicator)]
    means = rows.groupby(["setting", "draw"])["value"].mean()
    return (means < target).groupby(level="setting").mean()


def aggregate(frame: pd.DataFrame, confidence: float = 0.95, difference: bool = False) -> pd.DataFrame:
    """One row per setting × group × indicator: mean, std, ci_low, ci_high, n over seeds, and ``clipped``.

    ci = mean ± t_{n-1, (1 + confidence)/2} std / sqrt(n) (std with n - 1; NaN for one seed), computed for
    all rows at once (a Python function per row took ~0.7 s for a 300-job study). A share's interval is cut
    to the range the share can take (``labels.share_range``: [0, 1], or [-1, 1] for ``difference``s), and
    ``clipped`` says where: few seeds, or a share near 0 or 1, make the t interval reach past it.
    """
    out = (frame.groupby(["setting", "group", "indicator"], sort=True)["value"]
           .agg(mean="mean", std="std", n="size").reset_index())
    n = out["n"].to_numpy()
    half = t_half_width(out["std"].to_numpy(), n, confidence)
    out["std"] = out["std"].where(n > 1)
    out["ci_low"], out["ci_high"] = out["mean"] - half, out["mean"] + half
    out["clipped"] = False
    for name, rows in out.groupby("indicator").groups.items():
        bounds = labels.share_range(name, difference)
        if bounds is not None:
            low, high = out.loc[rows, "ci_low"], out.loc[rows, "ci_high"]
            out.loc[rows, "clipped"] = (low < bounds[0]) | (high > bounds[1])
            out.loc[rows, "ci_low"], out.loc[rows, "ci_high"] = low.clip(lower=bounds[0]), high.clip(upper=bounds[1])
    out["n"] = out["n"].astype(int)
    return out[["setting", "group", "indicator", "mean", "std", "ci_low", "ci_high", "n", "clipped"]]


def reference_setting(settings: list[str], swept: list[str]) -> str:
    """The arm others are compared with: the lowest stipend, no policy, the baseline scenario, or the first."""
    settings = sorted(settings)
    if swept == [STIPEND_KEY]:
        return min(settings, key=lambda s: float(s.split("=", 1)[1]))
    for candidate in ("policy=[]", "scenario=baseline"):
        if candidate in settings:
            return candidate
    return settings[0]


def paired_differences(frame: pd.DataFrame, reference: str, confidence: float = 0.95) -> pd.DataFrame:
    """Setting − reference, seed by seed over the seeds both arms have, aggregated like ``aggregate``."""
    ref = frame[frame["setting"] == reference].rename(columns={"value": "reference"}).drop(columns="setting")
    on = ["draw", "seed", "group", "indicator"] if "draw" in frame else ["seed", "group", "indicator"]
    both = frame[frame["setting"] != reference].merge(ref, on=on, how="inner")
    both["value"] = both["value"] - both["reference"]
    if both.empty:
        return pd.DataFrame(columns=["setting", "group", "indicator", "mean", "std", "ci_low", "ci_high", "n"])
    both = both.drop(columns="reference")
    return posterior_aggregate(both, confidence) if over_draws(both) else aggregate(both, confidence, difference=True)


def lowest_stipend_probably_meeting_target(frame: pd.DataFrame, target: float, probability: float,
                                           group: str = "all"):
    """Per stipend level, P(dropout of ``group`` < target) over posterior draws; and the lowest level where it is
    at least ``probability`` (None if no level is)."""
    p = probability_below(frame, "dropout_rate", target, group)
    levels = pd.Series(p.to_numpy(), index=[float(s.split("=", 1)[1]) for s in p.index]).sort_index()
    meeting = levels[levels >= probability]
    return levels, (float(meeting.index[0]) if len(meeting) else None)


def lowest_stipend_meeting_target(table: pd.DataFrame, target: float, group: str = "all") -> float | None:
    """Lowest stipend whose upper confidence bound of the dropout of ``group`` is below ``target`` (None if no
    level does; a level with no interval, one seed or none of the group, does not)."""
    rows = table[(table["group"] == group) & (table["indicator"] == "dropout_rate")].copy()
    rows["stipend"] = rows["setting"].str.split("=", n=1).str[1].astype(float)
    meeting = rows[rows["ci_high"] < target].sort_values("stipend")
    return float(meeting["stipend"].iloc[0]) if len(meeting) else None


def trial_values(trial: dict) -> dict[tuple[str, str], float]:
    """The virtual trial's effects as indicators: (group, trial_<itt|tot>_<outcome>_<h>m) for all, women, men,
    and the comparison group's level (trial_control_<outcome>_<h>m: mean among lottery losers)."""
    out = {}
    for h, groups in trial.get("horizons", {}).items():
        for group, effects in groups.items():
            for outcome, e in effects.items():
                if isinstance(e, dict):
                    for kind in ("itt", "tot"):
                        out[(group, f"trial_{kind}_{outcome}_{h}m")] = e[kind]
                    out[(group, f"trial_control_{outcome}_{h}m")] = e.get("control_mean")
            out[(group, f"trial_first_stage_{h}m")] = effects["first_stage"]
    return out
