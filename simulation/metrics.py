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

from simulation.state import ABROAD, SELF_EMPLOYED, STATUS_NAMES, WAGE_EMPLOYED, PersonState

INDICATORS = (
    "enrolled", "dropout_rate", "completion_rate", "certification_rate", "employment_rate",
    "wage_employment_rate", "self_employment_rate", "informal_employment_share", "dismissal_rate",
    "mean_monthly_income", "migration_intent_rate", "migration_rate", "regular_migration_rate",
    "irregular_migration_rate",
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


# Layout of the monthly tally (``tally_kernel``): persons present by status, then counts of flags
# among persons present, and last the intenders among those at home.
TALLY = STATUS_NAMES + (
    "ever_applied", "ever_enrolled", "ever_dropped_out", "ever_completed", "certified_completers", "ever_migrated",
    "migrated_regular", "dismissed", "ever_hired", "intending", "informal_wage_employed",
)


def rates(c: dict, income: float) -> dict[str, float]:
    """The indicators of ``INDICATORS`` from counts ``c`` and the summed earnings of persons at home."""
    population = sum(c[name] for name in STATUS_NAMES)
    n_home = population - c["abroad"]
    return {
        "enrolled": c["ever_enrolled"],
        "dropout_rate": ratio(c["ever_dropped_out"], c["ever_enrolled"]),
        "completion_rate": ratio(c["ever_completed"], c["ever_enrolled"]),
        "certification_rate": ratio(c["certified_completers"], c["ever_completed"]),
        "employment_rate": ratio(c["wage_employed"] + c["self_employed"], n_home),
        "wage_employment_rate": ratio(c["wage_employed"], n_home),
        "self_employment_rate": ratio(c["self_employed"], n_home),
        # ILO's informal employment: informal wage jobs and own-account work, as a share of the employed
        "informal_employment_share": ratio(c["informal_wage_employed"] + c["self_employed"],
                                           c["wage_employed"] + c["self_employed"]),
        "dismissal_rate": ratio(c["dismissed"], c["ever_hired"]),
        "mean_monthly_income": ratio(income, n_home),
        "migration_intent_rate": ratio(c["intending"], n_home),
        "migration_rate": ratio(c["ever_migrated"], population),
        "regular_migration_rate": ratio(c["migrated_regular"], population),
        "irregular_migration_rate": ratio(c["ever_migrated"] - c["migrated_regular"], population),
    }


def tally(people: PersonState, mask: np.ndarray, intent_threshold: float) -> tuple[dict, float]:
    """The counts of ``TALLY`` over the persons in ``mask`` and the earnings of those at home (NumPy)."""
    p = people
    home = mask & (p.status != ABROAD)
    counts = dict(zip(STATUS_NAMES, (int(x) for x in np.bincount(p.status[mask], minlength=len(STATUS_NAMES)))))
    flags = (p.applied, p.enrolled, p.dropped_out, p.completed, p.completed & p.certified, p.migrated,
             p.migrated & p.abroad_regular, p.dismissed, p.ever_hired)
    counts |= {name: int((mask & flag).sum()) for name, flag in zip(TALLY[len(STATUS_NAMES):], flags)}
    counts["intending"] = int((home & (p.intent > intent_threshold)).sum())
    counts["informal_wage_employed"] = int((mask & (p.status == WAGE_EMPLOYED) & ~p.formal_job).sum())
    return counts, float(p.earnings[home].sum())


def indicators(people: PersonState, mask: np.ndarray, intent_threshold: float) -> dict[str, float]:
    """The indicators of ``INDICATORS`` over the persons in ``mask``."""
    return rates(*tally(people, mask, intent_threshold))


def monthly_row(counts, income: float, month: int, previous: dict | None) -> dict:
    """Stocks, flows and rates of one month (one row of the time series) from the month's tally."""
    c = dict(zip(TALLY, (int(x) for x in counts)))
    row = {"month": month, "population": sum(c[name] for name in STATUS_NAMES)}
    row |= {name: c[name] for name in STATUS_NAMES}
    row |= {name: c[name] for name in ("ever_applied", "ever_enrolled", "ever_dropped_out", "ever_completed",
                                       "ever_migrated")}
    prev = previous or {k: 0 for k in row}
    for flow in ("enrolled", "dropped_out", "completed", "migrated"):
        row[f"new_{flow}"] = row[f"ever_{flow}"] - prev[f"ever_{flow}"]
    # trainees exposed to dropout this month: those in training at the end of last month plus new enrolees
    exposed = prev["training"] + row["new_enrolled"]
    row["monthly_dropout_hazard"] = ratio(row["new_dropped_out"], exposed)
    row.update(rates(c, income))
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
            "certified": int((mask & p.completed & p.certified).sum()),  # completers certified, as in counts
            "employed_completers": int((home & p.completed & employed).sum()),
        },
        "dropouts_by_course_month": [int(x) for x in by_month],
        "employment_rate_completers": ratio((home & p.completed & employed).sum(), (home & p.completed).sum()),
        "employment_rate_dropouts": ratio((home & p.dropped_out & employed).sum(), (home & p.dropped_out).sum()),
        "employment_rate_never_enrolled": ratio((home & ~p.enrolled & employed).sum(), (home & ~p.enrolled).sum()),
    }


INTENDER_HORIZONS = (12, 24)  # months after month 0 at which the intenders of month 0 who left are counted


def migration_flows(rows: list[dict], intenders: int, gone_by: dict[int, int]) -> dict:
    """Departures over the run, and what became of those who intended to migrate at month 0.

    * departures_per_month = sum_m (emigrants of month m) / sum_m (persons at home at the start of month m),
      over months 1..T: the population's monthly emigration rate, regular and irregular routes together;
    * intenders_left_within_<h>_months = share of the persons at home intending to migrate at month 0
      (intent > threshold) who had left h months later, by either route (NaN when the run is shorter than h).
    """
    departures = sum(r["new_migrated"] for r in rows[1:])
    at_home = sum(r["population"] - r["abroad"] for r in rows[:-1])
    flows = {"departures_per_month": ratio(departures, at_home), "intenders_at_start": intenders}
    for h in INTENDER_HORIZONS:
        flows[f"intenders_left_within_{h}_months"] = ratio(gone_by[h], intenders) if h in gone_by else math.nan
    return flows


def counts(people: PersonState, mask: np.ndarray) -> dict[str, int]:
    """Persons (not shares) at the end of the run, the denominators of incremental cost-effectiveness:
    enrolled, completed, certified (completers certified), dropped_out; employed = wage- or self-employed at
    home; employed_completers = completers employed at home."""
    p = people
    home = mask & (p.status != ABROAD)
    employed = home & ((p.status == WAGE_EMPLOYED) | (p.status == SELF_EMPLOYED))
    return {"enrolled": int((mask & p.enrolled).sum()), "completed": int((mask & p.completed).sum()),
            "certified": int((mask & p.completed & p.certified).sum()),
            "dropped_out": int((mask & p.dropped_out).sum()), "employed": int(employed.sum()),
            "employed_completers": int((employed & p.completed).sum())}


def cost_summary(people: PersonState, mask: np.ndarray, policies: dict, training_cost: float) -> dict:
    """Spending of the programme (USD over the run): training (centres) plus each policy, and three averages.

    The averages divide the *whole* spending by a count; they are not the cost of one more outcome (that is
    the incremental cost, from a comparison of two arms: ``experiments.studies.aggregate.incremental``):

        average_per_enrolee            = total / enrolees
        average_per_completer          = total / completers
        average_per_employed_completer = total / completers employed at home at the end of the run
    """
    policy_total = sum(report["spent"] for report in policies.values())
    total = training_cost + policy_total
    n = counts(people, mask)
    return {
        "total": total,
        "training": training_cost,
        "policies": policy_total,
        "by_policy": policies,
        "average_per_enrolee": ratio(total, n["enrolled"]),
        "average_per_completer": ratio(total, n["completed"]),
        "average_per_employed_completer": ratio(total, n["employed_completers"]),
    }
