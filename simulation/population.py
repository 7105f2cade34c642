"""Initial population and returnee arrivals, drawn from the scenario config.

Initial persons come from the ``population`` stream and future returnees
from the ``returnee_arrivals`` stream, so the people present at the start do
not depend on the number of months simulated or on the arrival rate.
Returnees who have not yet arrived carry status ``ABROAD`` and an
``arrival_month`` in the future; metrics count only persons whose arrival
month has come.
"""

from __future__ import annotations

import math

import numpy as np

from simulation.config import ScenarioConfig
from simulation.rng import RandomStreams
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


def _lognormal_around(g, median, sigma, n):
    return median * np.exp(sigma * g.standard_normal(n))


def _draw_people(g: np.random.Generator, n: int, s: ScenarioConfig, returnee: np.ndarray) -> dict[str, np.ndarray]:
    """Attributes of ``n`` persons; ``returnee`` marks who came back from abroad."""
    pop, ret, dist = s.population, s.returnees, district_arrays(s)
    district = g.choice(len(s.districts), size=n, p=dist["population_share"]).astype(INT)
    centre = dist["first_centre"][district] + np.floor(g.random(n) * dist["centres"][district]).astype(INT)
    # mean distance per district; lognormal spread with the district mean preserved
    distance = dist["mean_distance_km"][district] * np.exp(
        pop.distance_sigma * g.standard_normal(n) - pop.distance_sigma**2 / 2)
    female = g.random(n) < pop.female_share
    parent = g.random(n) < np.where(female, pop.mother_share, pop.father_share)
    dependents = np.where(parent, 1 + g.poisson(pop.extra_dependents_mean, n), 0).astype(INT)
    education = np.clip(g.normal(pop.education_mean_years, pop.education_sd_years, n), 0, pop.education_max_years)
    skill = np.clip(pop.skill_base + pop.skill_per_education_year * education + pop.skill_sd * g.standard_normal(n), 0, 1)
    overclaim = np.maximum(0.0, g.normal(ret.overclaim_mean, ret.overclaim_sd, n))
    status = g.choice(
        np.array([IDLE, UNEMPLOYED, WAGE_EMPLOYED, SELF_EMPLOYED], dtype=INT), size=n,
        p=[pop.share_idle, pop.share_unemployed, pop.share_wage_employed, pop.share_self_employed])
    household_income = _lognormal_around(g, pop.household_income_ratio * dist["wage_level"][district],
                                         pop.household_income_sigma, n)
    savings = np.where(returnee, _lognormal_around(g, ret.savings_median, ret.savings_sigma, n),
                       _lognormal_around(g, pop.savings_median, pop.savings_sigma, n))
    months_abroad = g.integers(ret.months_abroad_min, ret.months_abroad_max + 1, n)
    return {
        "female": female,
        "age": g.uniform(pop.age_min, pop.age_max, n),
        "education_years": education,
        "skill": skill,
        "claimed_skill": np.where(returnee, np.minimum(1.0, skill + overclaim), skill),
        "dependents": dependents,
        "household_income": household_income,
        "district": district,
        "centre": centre,
        "distance_km": distance,
        "transport_cost": distance * s.transport_cost_per_km,
        "peer_base": g.beta(pop.peer_alpha, pop.peer_beta, n),
        "is_returnee": returnee,
        "months_abroad": np.where(returnee, months_abroad, 0),
        "status": status,
        "savings": savings,
        "intent": g.beta(pop.intent_alpha, pop.intent_beta, n),
        "childcare_access": np.full(n, s.training.childcare_on_site),
    }


def build_population(s: ScenarioConfig, months: int, streams: RandomStreams) -> PersonState:
    """Persons present at month 0 followed by the returnees arriving in months 1..``months``."""
    n0 = s.n_youth
    g0 = streams.generator("population")
    initial = _draw_people(g0, n0, s, g0.random(n0) < s.returnees.initial_share)

    ga = streams.generator("returnee_arrivals")
    per_month = ga.poisson(s.returnees.arrivals_per_1000_per_month * n0 / 1000.0, months)
    n1 = int(per_month.sum())
    arrivals = _draw_people(ga, n1, s, np.ones(n1, dtype=bool))
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
    people.earnings[:] = np.where(people.status == WAGE_EMPLOYED, wage, 0.0)
    return people


def course_months(course_hours: float, hours_per_month: float) -> int:
    """Course length in months: ceil(hours / hours per month)."""
    return max(1, math.ceil(course_hours / hours_per_month - 1e-9))
