"""Initial population and returnee arrivals, drawn from the scenario config.

Every attribute is drawn per person from its own counter-based stream
(``simulation/rng.py``), keyed by the person's id, so the people present at
the start do not depend on the number of months simulated, on the arrival
rate, or on how many others there are.
Returnees who have not yet arrived carry status ``ABROAD`` and an
``arrival_month`` in the future; metrics count only persons whose arrival
month has come.
"""

from __future__ import annotations

import math

import numpy as np

from simulation.config import ScenarioConfig
from simulation.rng import Streams
from simulation.state import (
    ABROAD,
    FLOAT,
    IDLE,
    INT,
    PERSON_FIELDS,
    SELF_EMPLOYED,
    UNEMPLOYED,
    WAGE_EMPLOYED,
    PersonState,
)

SETTLED_TENURE_MONTHS = 12  # initial jobs and businesses are past probation / start-up


def district_arrays(s: ScenarioConfig) -> dict[str, np.ndarray]:
    """Per-district arrays: wage level, population share, number of centres and first centre index."""
    centres = np.array([d.centres for d in s.districts], dtype=INT)
    return {
        "wage_level": np.array([d.wage_level for d in s.districts], dtype=FLOAT),
        "population_share": np.array([d.population_share for d in s.districts], dtype=FLOAT),
        "mean_distance_km": np.array([d.mean_distance_km for d in s.districts], dtype=FLOAT),
        "centres": centres,
        "first_centre": (np.cumsum(centres) - centres).astype(INT),
    }


def _draw_people(streams: Streams, uid: np.ndarray, s: ScenarioConfig, returnee: np.ndarray) -> dict[str, np.ndarray]:
    """Attributes of the persons ``uid``; ``returnee`` marks who came back from abroad.

    Each attribute has its own stream (``population.<attribute>``) and each
    person's draw is keyed by their own id, so adding persons changes no one
    else's attributes.
    """
    pop, ret, dist = s.population, s.returnees, district_arrays(s)

    def u(name):
        return streams.uniform(f"population.{name}", -1, uid)

    def z(name):
        return streams.normal(f"population.{name}", -1, uid)

    def pick(name, shares):  # inverse CDF of a categorical draw
        cdf = np.cumsum(shares) / np.sum(shares)
        return np.minimum(np.searchsorted(cdf, u(name), side="right"), len(shares) - 1)

    district = pick("district", dist["population_share"]).astype(INT)
    centre = dist["first_centre"][district] + np.floor(u("centre") * dist["centres"][district]).astype(INT)
    # mean distance per district; lognormal spread with the district mean preserved
    distance = dist["mean_distance_km"][district] * np.exp(pop.distance_sigma * z("distance") - pop.distance_sigma**2 / 2)
    female = u("female") < pop.female_share
    parent = u("parent") < np.where(female, pop.mother_share, pop.father_share)
    extra = streams.poisson("population.dependents", -1, pop.extra_dependents_mean, uid)
    dependents = np.where(parent, 1 + extra, 0).astype(INT)
    education = np.clip(pop.education_mean_years + pop.education_sd_years * z("education"), 0, pop.education_max_years)
    skill = np.clip(pop.skill_base + pop.skill_per_education_year * education + pop.skill_sd * z("skill"), 0, 1)
    overclaim = np.maximum(0.0, ret.overclaim_mean + ret.overclaim_sd * z("overclaim"))
    shares = [pop.share_idle, pop.share_unemployed, pop.share_wage_employed, pop.share_self_employed]
    status = np.array([IDLE, UNEMPLOYED, WAGE_EMPLOYED, SELF_EMPLOYED], dtype=INT)[pick("status", shares)]
    household_income = (pop.household_income_ratio * dist["wage_level"][district]
                        * np.exp(pop.household_income_sigma * z("household_income")))
    savings = np.where(returnee, ret.savings_median * np.exp(ret.savings_sigma * z("returnee_savings")),
                       pop.savings_median * np.exp(pop.savings_sigma * z("savings")))
    span = ret.months_abroad_max - ret.months_abroad_min + 1
    months_abroad = ret.months_abroad_min + np.minimum(np.floor(u("months_abroad") * span), span - 1)
    return {
        "uid": uid,
        "female": female,
        "age": pop.age_min + (pop.age_max - pop.age_min) * u("age"),
        "education_years": education,
        "skill": skill,
        "claimed_skill": np.where(returnee, np.minimum(1.0, skill + overclaim), skill),
        "dependents": dependents,
        "household_income": household_income,
        "district": district,
        "centre": centre,
        "distance_km": distance,
        "transport_cost": distance * s.transport_cost_per_km,
        "peer_base": streams.beta("population.peer_base", -1, pop.peer_alpha, pop.peer_beta, uid),
        "is_returnee": returnee,
        "months_abroad": np.where(returnee, months_abroad, 0),
        "status": status,
        "savings": savings,
        "intent": streams.beta("population.intent", -1, pop.intent_alpha, pop.intent_beta, uid),
    }


def build_population(s: ScenarioConfig, months: int, streams: Streams) -> PersonState:
    """Persons present at month 0 (ids 0, 1, ...) followed by the returnees arriving in months 1..``months``.

    The number arriving each month is a Poisson draw of the ``returnee_arrivals``
    stream keyed by the month; the k-th arrival of the run has id -(k + 1).
    """
    n0 = s.n_youth
    initial_ids = np.arange(n0, dtype=np.int64)
    initial = _draw_people(streams, initial_ids, s,
                           streams.uniform("population.returnee", -1, initial_ids) < s.returnees.initial_share)
    mean = s.returnees.arrivals_per_1000_per_month * n0 / 1000.0
    per_month = streams.poisson("returnee_arrivals", -1, mean, np.arange(1, months + 1))
    n1 = int(per_month.sum())
    arrivals = _draw_people(streams, -1 - np.arange(n1, dtype=np.int64), s, np.ones(n1, dtype=bool))
    arrivals["status"][:] = ABROAD  # abroad until their arrival month
    arrival_month = np.repeat(np.arange(1, months + 1), per_month)

    people = PersonState(n0 + n1)
    for name, values in initial.items():
        getattr(people, name)[:] = np.concatenate([values, arrivals[name]]).astype(PERSON_FIELDS[name].dtype)
    people.arrival_month[n0:] = arrival_month
    people.tenure_months[people.status == WAGE_EMPLOYED] = SETTLED_TENURE_MONTHS
    people.business_months[people.status == SELF_EMPLOYED] = SETTLED_TENURE_MONTHS
    # jobs held at the start are with employers outside the vacancy market, at a wage around the local level
    wage = district_arrays(s)["wage_level"][people.district]
    formal = streams.uniform("population.formal_job", -1, people.uid) >= s.employers.informal_share
    people.formal_job[:] = (people.status == WAGE_EMPLOYED) & formal
    people.earnings[:] = np.where(people.status == WAGE_EMPLOYED,
                                  wage * np.where(formal, 1.0, s.employers.informal_wage_ratio), 0.0)
    return people


def course_months(course_hours: float, hours_per_month: float) -> int:
    """Course length in months: ceil(hours / hours per month)."""
    return max(1, math.ceil(course_hours / hours_per_month - 1e-9))
