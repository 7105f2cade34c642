"""Indicators of the run, for the whole population and for subgroups.

Denominators (stated once, used everywhere):

* population: persons whose arrival month has come (initial + arrived returnees);
* at home: population not abroad;
* enrolees: population who ever started a course.

``dropout_rate`` and ``completion_rate`` are shares of enrolees;
``certification_rate`` a share of completers; ``employment_rate``,
``wage_employment_rate``, ``self_employment_rate``, ``mean_monthly_income`` and
``migration_intent_rate`` refer to persons at home at the end of the month;
``dismissal_rate`` is a share of those hired during the run;
``migration_rate`` the share of the population who emigrated during the run.
"""

from __future__ import annotations

import math

import numpy as np

from simulation.state import ABROAD, IDLE, SELF_EMPLOYED, TRAINING, UNEMPLOYED, WAGE_EMPLOYED, PersonState

INDICATORS = (
    "enrolled", "dropout_rate", "completion_rate", "certification_rate", "employment_rate",
    "wage_employment_rate", "self_employment_rate", "dismissal_rate", "mean_monthly_income",
    "migration_intent_rate", "migration_rate", "regular_migration_rate", "irregular_migration_rate",
)
GROUPS = ("women", "men", "mothers", "returnees", "non_returnees", "near", "far")


def ratio(num, den) -> float:
    """num / den, NaN when the denominator is empty."""
    return float(num) / float(den) if den else math.nan


def present(people: PersonState, month: int) -> np.ndarray:
    """Persons whose arrival month has come."""
    return people.arrival_month <= month


def is_far(people: PersonState, population: np.ndarray) -> np.ndarray:
    """Distance to the centre above the median of ``population`` (the "far" group and policy target)."""
    median_distance = np.median(people.distance_km[population]) if population.any() else 0.0
    return people.distance_km > median_distance


def group_masks(people: PersonState, population: np.ndarray) -> dict[str, np.ndarray]:
    """Subgroups; near/far split at the median distance to the centre of the population."""
    far = is_far(people, population)
    mothers = people.female & (people.dependents > 0)
    return {
        "women": population & people.female,
        "men": population & ~people.female,
        "mothers": population & mothers,
        "returnees": population & people.is_returnee,
        "non_returnees": population & ~people.is_returnee,
        "near": population & ~far,
        "far": population & far,
    }


def indicators(people: PersonState, mask: np.ndarray, intent_threshold: float) -> dict[str, float]:
    """The indicators of ``INDICATORS`` over the persons in ``mask``."""
    p = people
    home = mask & (p.status != ABROAD)
    wage = home & (p.status == WAGE_EMPLOYED)
    own = home & (p.status == SELF_EMPLOYED)
    enrolled = int((mask & p.enrolled).sum())
    completed = int((mask & p.completed).sum())
    n_home = int(home.sum())
    return {
        "enrolled": enrolled,
        "dropout_rate": ratio((mask & p.dropped_out).sum(), enrolled),
        "completion_rate": ratio(completed, enrolled),
        "certification_rate": ratio((mask & p.completed & p.certified).sum(), completed),
        "employment_rate": ratio(wage.sum() + own.sum(), n_home),
        "wage_employment_rate": ratio(wage.sum(), n_home),
        "self_employment_rate": ratio(own.sum(), n_home),
        "dismissal_rate": ratio((mask & p.dismissed).sum(), (mask & p.ever_hired).sum()),
        "mean_monthly_income": float(p.earnings[home].mean()) if n_home else math.nan,
        "migration_intent_rate": ratio((home & (p.intent > intent_threshold)).sum(), n_home),
        "migration_rate": ratio((mask & p.migrated).sum(), mask.sum()),
        "regular_migration_rate": ratio((mask & p.migrated & p.abroad_regular).sum(), mask.sum()),
        "irregular_migration_rate": ratio((mask & p.migrated & ~p.abroad_regular).sum(), mask.sum()),
    }


def monthly_row(people: PersonState, month: int, intent_threshold: float, previous: dict | None) -> dict:
    """Stocks, flows and rates of one month (one row of the time series)."""
    p = people
    pop = present(p, month)
    status = p.status[pop]
    counts = np.bincount(status, minlength=6)
    row = {
        "month": month,
        "population": int(pop.sum()),
        "idle": int(counts[IDLE]),
        "training": int(counts[TRAINING]),
        "unemployed": int(counts[UNEMPLOYED]),
        "wage_employed": int(counts[WAGE_EMPLOYED]),
        "self_employed": int(counts[SELF_EMPLOYED]),
        "abroad": int(counts[ABROAD]),
        "ever_applied": int(p.applied[pop].sum()),
        "ever_enrolled": int(p.enrolled[pop].sum()),
        "ever_dropped_out": int(p.dropped_out[pop].sum()),
        "ever_completed": int(p.completed[pop].sum()),
        "ever_migrated": int(p.migrated[pop].sum()),
    }
    prev = previous or {k: 0 for k in row}
    for flow in ("enrolled", "dropped_out", "completed", "migrated"):
        row[f"new_{flow}"] = row[f"ever_{flow}"] - prev[f"ever_{flow}"]
    # trainees exposed to dropout this month: those in training at the end of last month plus new enrolees
    exposed = prev["training"] + row["new_enrolled"]
    row["monthly_dropout_hazard"] = ratio(row["new_dropped_out"], exposed)
    row.update(indicators(p, pop, intent_threshold))
    return row


def training_outcomes(people: PersonState, mask: np.ndarray) -> dict:
    """The funnel and employment by training history at the end of the run."""
    p = people
    home = mask & (p.status != ABROAD)
    employed = (p.status == WAGE_EMPLOYED) | (p.status == SELF_EMPLOYED)
    course_month = p.dropout_course_month[mask & p.dropped_out]
    by_month = np.bincount(course_month, minlength=int(p.course_months.max(initial=0)) + 1)[1:]
    return {
        "funnel": {
            "population": int(mask.sum()),
            "applied": int((mask & p.applied).sum()),
            "enrolled": int((mask & p.enrolled).sum()),
            "completed": int((mask & p.completed).sum()),
            "certified": int((mask & p.certified).sum()),
            "employed_completers": int((home & p.completed & employed).sum()),
        },
        "dropouts_by_course_month": [int(x) for x in by_month],
        "employment_rate_completers": ratio((home & p.completed & employed).sum(), (home & p.completed).sum()),
        "employment_rate_dropouts": ratio((home & p.dropped_out & employed).sum(), (home & p.dropped_out).sum()),
        "employment_rate_never_enrolled": ratio((home & ~p.enrolled & employed).sum(), (home & ~p.enrolled).sum()),
    }


def cost_summary(people: PersonState, mask: np.ndarray, policies: dict, training_cost: float) -> dict:
    """Spending of the programme: training (centres) plus each policy, and per outcome."""
    p = people
    home = mask & (p.status != ABROAD)
    policy_total = sum(report["spent"] for report in policies.values())
    total = training_cost + policy_total
    employed = home & ((p.status == WAGE_EMPLOYED) | (p.status == SELF_EMPLOYED))
    return {
        "total": total,
        "training": training_cost,
        "policies": policy_total,
        "by_policy": policies,
        "per_enrolled": ratio(total, (mask & p.enrolled).sum()),
        "per_completer": ratio(total, (mask & p.completed).sum()),
        "per_employed": ratio(total, employed.sum()),
    }
