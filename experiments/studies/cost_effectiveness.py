"""Incremental cost-effectiveness of one arm against another: what each *extra* outcome costs.

An average (all spending / completers) says what the programme spent per completer; a budget holder
choosing between a 30 and a 45 USD stipend asks what the completers the extra 15 USD buys cost each. For
an arm A against a comparator B run on the same seeds (and posterior draws), seed by seed s:

    dC_s = cost_total_A,s - cost_total_B,s                     (USD over the run)
    dE_s = E_A,s - E_B,s                                       (extra persons; or points of dropout avoided)
    ICER = mean_s dC_s / mean_s dE_s                           (USD per extra outcome)

Outcomes E (``EFFECTS``): enrolees, completers, certified completers, employed persons at home at the end of
the run (the whole population, so jobs taken from non-participants are netted out), employed completers, and
percentage points of dropout avoided, -100 (dropout_A - dropout_B).

Intervals:

* over seeds (a point calibration): Fieller's interval for a ratio of means. With v_CC, v_EE, v_CE the
  variances and covariance of the mean differences (sample (co)variances / n) and t = t_{n-1,(1+c)/2}, the
  bounds are the roots R of (mean dC - R mean dE)^2 = t^2 (v_CC - 2 R v_CE + R^2 v_EE). When the effect's
  own interval, mean dE ± t sqrt(v_EE), includes zero, the interval is unbounded and no ratio is given
  (``status`` says so): an ICER over an effect that may be nil is meaningless.
* over posterior draws x seeds: the draws' ratios r_d = mean_s dC_ds / mean_s dE_ds, with the interval from
  their quantiles. No ratio when the effect's credible interval (quantiles of all runs' dE) includes zero or
  when some draw's mean effect has the other sign.

``status``: "ratio" (a ratio with its interval), "
                  ""no extra outcomes" (none in any run), "effect CI includes zero", "effect changes sign across
draws", "cheaper and more effective" (dC < 0 < dE: dominant), "fewer outcomes" (dE < 0 with an interval
excluding zero).

The acceptability curve (CEAC) over posterior draws: for a willingness to pay W per extra outcome,
P(W dE - dC > 0) = share of draws d with W mean_s dE_ds - mean_s dC_ds > 0.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from experiments.studies.stats import t_quantile

# outcome -> (indicator of the records, sign, unit label): an extra outcome is sign * (A - B)
EFFECTS = {
    "enrolee": ("count_enrolled", 1.0),
    "completer": ("count_completed", 1.0),
    "certified completer": ("count_certified", 1.0),
    "employed person": ("count_employed", 1.0),
    "employed completer": ("count_employed_completers", 1.0),
    "point of dropout avoided": ("dropout_rate", -100.0),
}
COST = "cost_total"
COLUMNS = ["setting", "comparator", "outcome", "cost_mean", "cost_low", "cost_high", "effect_mean", "effect_low",
           "effect_high", "icer", "icer_low", "icer_high", "n", "draws", "status"]


def slug(outcome: str) -> str:
    """``point of dropout avoided`` -> ``point_of_dropout_avoided`` (the indicator name in ``paired``)."""
    return outcome.replace(" ", "_")


def _pairs(frame: pd.DataFrame, setting: str, comparator: str, indicator: str, sign: float) -> pd.DataFrame:
    """Per (draw, seed) both arms share: dC and dE."""
    keys = ["draw", "seed"]
    rows = frame[frame["group"] == "all"]

    def values(arm, name):
        return rows[(rows["setting"] == arm) & (rows["indicator"] == name)].set_index(keys)["value"]

    dC = values(setting, COST) - values(comparator, COST)
    dE = sign * (values(setting, indicator) - values(comparator, indicator))
    return pd.DataFrame({"dC": dC, "dE": dE}).dropna().reset_index()


def fieller(mC: float, mE: float, vCC: float, vEE: float, vCE: float, t: float) -> tuple[float, float] | None:
    """Fieller's interval of mC / mE (module docstring); None when it is unbounded (the effect's interval
    includes zero)."""
    a = mE**2 - t**2 * vEE
    if a <= 0:
        return None
    b = -2.0 * (mC * mE - t**2 * vCE)
    c = mC**2 - t**2 * vCC
    disc = b * b - 4 * a * c
    if disc < 0:
        return None
    root = math.sqrt(disc)
    return ((-b - root) / (2 * a), (-b + root) / (2 * a))


def _status(mC: float, mE: float, low_E: float, high_E: float) -> str:
    if low_E == high_E == mE == 0:
        return "no extra outcomes"
    if low_E <= 0 <= high_E:
        return "effect CI includes zero"
    if mE < 0:
        return "fewer outcomes"
    if mC < 0:
        return "cheaper and more effective"
    return "ratio"


def one(pairs: pd.DataFrame, confidence: float) -> dict:
    """The ICER of one comparison and outcome from its (draw, seed) differences (module docstring)."""
    n = len(pairs)
    out = {"n": n, "draws": int(pairs["draw"].nunique()) if n else 0}
    if n == 0:
        return out | {"status": "no shared seeds"}
    mC, mE = float(pairs["dC"].mean()), float(pairs["dE"].mean())
    out |= {"cost_mean": mC, "effect_mean": mE, "icer": mC / mE if mE != 0 else math.nan}
    nan2 = (math.nan, math.nan)
    if out["draws"] > 1:  # posterior draws x seeds: quantiles
        lo, hi = (1 - confidence) / 2, (1 + confidence) / 2
        by_draw = pairs.groupby("draw")[["dC", "dE"]].mean()
        out["cost_low"], out["cost_high"] = pairs["dC"].quantile([lo, hi]).to_numpy()
        out["effect_low"], out["effect_high"] = pairs["dE"].quantile([lo, hi]).to_numpy()
        status = _status(mC, mE, out["effect_low"], out["effect_high"])
        if status in ("ratio", "cheaper and more effective") and (np.sign(by_draw["dE"]) != np.sign(mE)).any():
            status = "effect changes sign across draws"
        ratios = by_draw["dC"] / by_draw["dE"]
        bounds = tuple(ratios.quantile([lo, hi]).to_numpy()) if status == "ratio" else nan2
    else:  # seeds: t intervals and Fieller
        if n < 2:
            return out | {"status": "one seed: no interval", "icer": math.nan}
        t = float(t_quantile(n - 1, confidence))
        cov = np.cov(pairs["dC"].to_numpy(), pairs["dE"].to_numpy()) / n
        vCC, vEE, vCE = float(cov[0, 0]), float(cov[1, 1]), float(cov[0, 1])
        out["cost_low"], out["cost_high"] = mC - t * math.sqrt(vCC), mC + t * math.sqrt(vCC)
        out["effect_low"], out["effect_high"] = mE - t * math.sqrt(vEE), mE + t * math.sqrt(vEE)
        status = _status(mC, mE, out["effect_low"], out["effect_high"])
        interval = fieller(mC, mE, vCC, vEE, vCE, t) if status == "ratio" else None
        bounds = interval if interval is not None else nan2
    if status != "ratio":
        out["icer"] = math.nan
    out["icer_low"], out["icer_high"] = bounds
    return out | {"status": status}


def incremental(frame: pd.DataFrame, comparisons: list[tuple[str, str]], confidence: float = 0.95) -> pd.DataFrame:
    """One row per (setting, comparator) in ``comparisons`` and outcome of ``EFFECTS``: the incremental cost,
    effect and cost per extra outcome with their intervals and status (module docstring). ``frame``: the long
    table of ``experiments.studies.aggregate.records``."""
    if "draw" not in frame:
        frame = frame.assign(draw=-1)
    rows = []
    for setting, comparator in comparisons:
        for outcome, (indicator, sign) in EFFECTS.items():
            pairs = _pairs(frame, setting, comparator, indicator, sign)
            rows.append({"setting": setting, "comparator": comparator, "outcome": outcome,
                         **one(pairs, confidence)})
    return pd.DataFrame(rows, columns=COLUMNS)


def as_paired_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The incremental costs against the reference as rows of the ``paired`` table: indicator
    ``incremental_cost_per_<outcome>`` (USD per extra outcome), mean = ICER, ci = its interval, note = status."""
    return pd.DataFrame({
        "setting": table["setting"], "group": "all",
        "indicator": "incremental_cost_per_" + table["outcome"].map(slug),
        "mean": table["icer"], "ci_low": table["icer_low"], "ci_high": table["icer_high"], "n": table["n"],
        "note": table["status"]})


def acceptability(frame: pd.DataFrame, setting: str, comparator: str, outcome: str,
                  willingness: np.ndarray) -> np.ndarray | None:
    """P(cost-effective) at each willingness to pay (USD per extra ``outcome``) over posterior draws (module
    docstring); None for a study without several draws."""
    if "draw" not in frame or frame["draw"].nunique() < 2:
        return None
    indicator, sign = EFFECTS[outcome]
    by_draw = _pairs(frame, setting, comparator, indicator, sign).groupby("draw")[["dC", "dE"]].mean()
    if by_draw.empty:
        return None
    gains = np.outer(willingness, by_draw["dE"].to_numpy()) - by_draw["dC"].to_numpy()
    return (gains > 0).mean(axis=1)
