"""Numba kernels: loops over persons calling the transitions of ``rules.py``.

Arrays in, arrays updated in place; uniform draws arrive as arrays (one per
person, from the named stream of the phase). Per-person work depends only on
that person's row and on model-level inputs, so the loop order is irrelevant.
Each kernel has a NumPy twin of the same name and signature in
``numpy_twins.py``.
"""

from __future__ import annotations

from simulation.state import WAGE_EMPLOYED
from simulation.kernels.rules import (
    accept_transition,
    apply_transition,
    attend_transition,
    business_transition,
    income_transition,
    intent_transition,
    jit,
    labour_force_transition,
    migration_transition,
    progress_transition,
    search_transition,
    separation_transition,
)


@jit
def apply_kernel(status, enrolled, applied, distance_km, is_returnee, u, p):
    for i in range(status.size):
        applied[i] = apply_transition(status[i], enrolled[i], applied[i], distance_km[i], is_returnee[i], u[i], p)


@jit
def attend_kernel(status, months_in_course, dropped_out, dropout_course_month, district, district_wage,
                  household_income, transport_cost, transport_covered_share, stipend, female, dependents,
                  childcare_access, u, p):
    for i in range(status.size):
        s, now, m = attend_transition(status[i], months_in_course[i], district_wage[district[i]],
                                      household_income[i], transport_cost[i], transport_covered_share[i],
                                      stipend[i], female[i], dependents[i], childcare_access[i], u[i], p)
        status[i] = s
        if now:
            dropped_out[i] = True
            dropout_course_month[i] = m


@jit
def progress_kernel(status, months_in_course, course_months, skill, completed, certified, recognised, u, p):
    for i in range(status.size):
        s, m, done, cert, recog, sk = progress_transition(status[i], months_in_course[i], course_months[i],
                                                          skill[i], u[i], p)
        status[i] = s
        months_in_course[i] = m
        if done:
            completed[i] = True
            certified[i] = cert
            recognised[i] = recog
            skill[i] = sk


@jit
def labour_force_kernel(status, u, p):
    for i in range(status.size):
        status[i] = labour_force_transition(status[i], u[i], p)


@jit
def search_kernel(status, searching, u, p):
    for i in range(status.size):
        searching[i] = search_transition(status[i], u[i], p)


@jit
def accept_kernel(status, offer_employer, employer, earnings, job_threshold, tenure_months, ever_hired,
                  household_income, employer_wage, employer_threshold, p):
    for i in range(status.size):
        e = offer_employer[i]
        if e < 0:
            continue
        if accept_transition(status[i], employer_wage[e], household_income[i], p):
            status[i] = WAGE_EMPLOYED
            employer[i] = e
            earnings[i] = employer_wage[e]
            job_threshold[i] = employer_threshold[e]
            tenure_months[i] = 0
            ever_hired[i] = True


@jit
def business_kernel(status, business_months, savings, startup_capital, completed, skill, u, p):
    for i in range(status.size):
        status[i], business_months[i] = business_transition(status[i], business_months[i], savings[i],
                                                            startup_capital[i], completed[i], skill[i], u[i], p)


@jit
def separation_kernel(status, tenure_months, employer, skill, job_threshold, dismissed, u, p):
    for i in range(status.size):
        s, t, fired = separation_transition(status[i], tenure_months[i], skill[i], job_threshold[i], u[i], p)
        if s != status[i]:
            employer[i] = -1
        status[i] = s
        tenure_months[i] = t
        if fired:
            dismissed[i] = True


@jit
def income_kernel(status, earnings, savings, stipend, skill, district, district_wage, p):
    for i in range(status.size):
        earnings[i], savings[i] = income_transition(status[i], earnings[i], savings[i], stipend[i], skill[i],
                                                    district_wage[district[i]], p)


@jit
def intent_kernel(status, intent, age, earnings, household_income, peers_abroad, p):
    for i in range(status.size):
        intent[i] = intent_transition(status[i], intent[i], age[i], earnings[i], household_income[i],
                                      peers_abroad[i], p)


@jit
def migration_kernel(status, intent, savings, awaiting_regular_route, migrated, employer, earnings, u, p):
    for i in range(status.size):
        s, sv, left = migration_transition(status[i], intent[i], savings[i], awaiting_regular_route[i], u[i], p)
        if left:
            status[i] = s
            savings[i] = sv
            migrated[i] = True
            employer[i] = -1
            earnings[i] = 0.0
