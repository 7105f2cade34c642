"""The outcomes a search stores for every candidate: which, their words and units, the precision they are shown at."""

from __future__ import annotations

import math

# besides the objectives, the per-seed values stored with every candidate and shown in the tables
REPORTED = ("cost.policies", "counts.enrolled", "counts.completed", "counts.certified", "counts.dropped_out",
            "counts.employed", "counts.employed_completers", "all.dropout_rate", "all.employment_rate",
            "training.employment_rate_completers", "all.regular_migration_rate", "all.irregular_migration_rate")

WORDS = {  # stored outcome -> (words, unit)
    "cost.policies": ("policy spending", "USD over the run"),
    "counts.enrolled": ("enrolees", "persons"),
    "counts.completed": ("completers", "persons"),
    "counts.certified": ("certified completers", "persons"),
    "counts.dropped_out": ("dropouts", "persons"),
    "counts.employed": ("people employed at home", "persons at the end of the run"),
    "counts.employed_completers": ("employed completers", "persons at the end of the run"),
    "all.dropout_rate": ("dropout", "share of enrolees"),
    "all.employment_rate": ("employment", "share of persons at home"),
    "training.employment_rate_completers": ("completers' employment", "share of completers at home"),
    "all.regular_migration_rate": ("regular migration", "share of the population"),
    "all.irregular_migration_rate": ("irregular migration", "share of the population"),
}

UNIT_SHORT = {"counts.employed": "persons", "counts.employed_completers": "persons"}
ONE = {"counts.completed": "completer", "counts.employed": "person employed at home", "counts.enrolled": "enrolee",
       "counts.certified": "certified completer", "counts.employed_completers": "employed completer"}


def words(key: str) -> str:
    return WORDS.get(key, (key, ""))[0]


def unit(key: str) -> str:
    return WORDS.get(key, ("", ""))[1]


def as_shown(key: str, x: float) -> float:
    """``x`` at the precision the tables show it: shares to 0.01 percentage points, money and counts whole.
    Two packages whose outcome is shown as the same number give "as many" of it."""
    if not math.isfinite(x):
        return x
    return round(x, 4) if unit(key).startswith("share") else round(x)


def shown(key: str, m: float, lo: float = math.nan, hi: float = math.nan, difference: bool = False) -> str:
    """``12,345 [12,001, 12,700]``: a value and its interval, in the unit of ``key``."""
    from experiments.studies.labels import money

    u = unit(key)

    def one(x: float) -> str:
        if x is None or not math.isfinite(x):
            return "–"
        if u.startswith("share"):
            return f"{100 * x:+.2f}" if difference else f"{100 * x:.2f}%"
        if u.startswith("USD"):
            return ("+" if difference and x > 0 else "") + money(x)
        return f"{x:+,.0f}" if difference else f"{x:,.0f}"

    if not math.isfinite(lo) or lo == hi == m:
        return one(m)
    return f"{one(m)} [{one(lo)}, {one(hi)}]"
