"""Plain NumPy twins of the numba kernels.

Same names and signatures as ``numba_kernels.py``; each restates the rule
equations of ``rules.py`` with whole-array operations instead of calling them,
so the tests that hold twin and kernel equal check the equations twice.
"""

from __future__ import annotations

import numpy as np

from simulation.state import ABROAD, IDLE, SELF_EMPLOYED, TRAINING, UNEMPLOYED, WAGE_EMPLOYED


def _logistic(x):
    return 1.0 / (1.0 + np.exp(-x))


def apply_kernel(status, enrolled, applied, distance_km, is_returnee, u, p):
    eligible = ~applied & ~enrolled & ((status == IDLE) | (status == UNEMPLOYED))
    factor = np.where(is_returnee, p.returnee_apply_factor, 1.0)
    prob = np.minimum(1.0, p.apply_probability * np.exp(-distance_km / p.distance_decay_km) * factor)
    applied[eligible & (u < prob)] = True


def attend_kernel(status, months_in_course, dropped_out, dropout_course_month, district, district_wage,
                  household_income, transport_cost, transport_covered_share, stipend, female, dependents,
                  childcare_access, u, p):
    m = months_in_course + 1.0
    opportunity = p.opportunity_cost_share * district_wage[district]
    fare = transport_cost * (1.0 - transport_covered_share)
    affordable = p.affordable_transport_share * household_income
    fare_gap = np.maximum(0.0, fare - affordable)
    stipend_left = np.maximum(0.0, stipend - fare_gap)
    uncovered = np.maximum(0.0, opportunity - stipend_left)
    base = _logistic(p.base_logit + p.early_logit * np.exp(-(m - 1.0) / p.early_decay_months)
                     + p.opportunity_logit_per_wage * uncovered / p.minimum_wage)
    stay = (1.0 - base) * np.where(fare_gap > stipend, 1.0 - p.transport_barrier_hazard, 1.0)
    care = female & (dependents > 0) & ~childcare_access
    stay = stay * np.where(care, 1.0 - p.care_barrier_hazard, 1.0)
    drop = (status == TRAINING) & (u < 1.0 - stay)
    status[drop] = UNEMPLOYED
    dropped_out[drop] = True
    dropout_course_month[drop] = months_in_course[drop] + 1


def progress_kernel(status, months_in_course, course_months, skill, completed, certified, recognised, u, p):
    training = status == TRAINING
    months_in_course[training] += 1
    done = training & (months_in_course >= course_months)
    status[done] = UNEMPLOYED
    completed[done] = True
    certified[done] = u[done] < p.certification_rate
    recognised[done] = u[done] < p.certification_rate * p.recognised_share
    skill[done] = np.minimum(1.0, skill[done] + p.skill_gain)


def labour_force_kernel(status, u, p):
    join = (status == IDLE) & (u < p.join_probability)
    leave = (status == UNEMPLOYED) & (u < p.discourage_probability)
    status[join] = UNEMPLOYED
    status[leave] = IDLE


def search_kernel(status, searching, u, p):
    searching[:] = (status == UNEMPLOYED) & (u < p.search_probability)


def accept_kernel(status, offer_employer, employer, earnings, job_threshold, tenure_months, ever_hired,
                  household_income, employer_wage, employer_threshold, p):
    has_offer = offer_employer >= 0
    e = np.where(has_offer, offer_employer, 0)
    wage = np.where(has_offer, employer_wage[e], 0.0)
    hired = has_offer & (status == UNEMPLOYED) & (wage > 0.0) & (wage >= p.reservation_ratio * household_income)
    status[hired] = WAGE_EMPLOYED
    employer[hired] = e[hired]
    earnings[hired] = wage[hired]
    job_threshold[hired] = employer_threshold[e[hired]]
    tenure_months[hired] = 0
    ever_hired[hired] = True


def business_kernel(status, business_months, savings, startup_capital, completed, skill, u, p):
    entry = _logistic(p.entry_logit + p.capital_logit_per_wage * (savings + startup_capital) / p.minimum_wage
                      + np.where(completed, p.trained_logit, 0.0))
    failure = _logistic(p.failure_logit - p.failure_skill_logit * skill
                        - p.capital_failure_logit_per_wage * startup_capital / p.minimum_wage)
    opens = (status == UNEMPLOYED) & (u < entry)
    owner = status == SELF_EMPLOYED
    fails = owner & (u < failure)
    survives = owner & ~fails
    status[opens] = SELF_EMPLOYED
    business_months[opens] = 0
    status[fails] = UNEMPLOYED
    business_months[fails] = 0
    business_months[survives] += 1


def separation_kernel(status, tenure_months, employer, skill, job_threshold, dismissed, u, p):
    wage = status == WAGE_EMPLOYED
    t = tenure_months + 1
    probation_end = wage & (t == p.probation_months) & (skill < job_threshold)
    fired = probation_end & (u < p.dismissal_probability)
    separated = wage & ~probation_end & (u < p.separation_rate)
    ends = fired | separated
    tenure_months[wage] = t[wage]
    tenure_months[ends] = 0
    status[ends] = UNEMPLOYED
    employer[ends] = -1
    dismissed[fired] = True


def income_kernel(status, earnings, savings, stipend, skill, district, district_wage, p):
    business = p.income_factor * district_wage[district] * (0.5 + skill)
    y = np.where(status == WAGE_EMPLOYED, earnings, np.where(status == SELF_EMPLOYED, business, 0.0))
    received = y + np.where(status == TRAINING, stipend, 0.0)
    home = status != ABROAD
    earnings[home] = y[home]
    savings[home] = (1.0 - p.savings_drawdown_rate) * savings[home] + p.saving_rate * received[home]


def intent_kernel(status, intent, age, earnings, household_income, peer_base, district, district_abroad_share,
                  peers_abroad, p):
    age[status != ABROAD] += 1.0 / 12.0
    peers_abroad[:] = np.minimum(1.0, peer_base + district_abroad_share[district])
    home_income = np.maximum(np.maximum(earnings, household_income), 1.0)
    not_working = (status == IDLE) | (status == UNEMPLOYED)
    target = _logistic(p.base_logit + p.gap_logit * np.log(p.expected_wage / home_income)
                       + p.peers_logit * peers_abroad + np.where(not_working, p.not_working_logit, 0.0)
                       + p.age_logit_per_decade * (age - 25.0) / 10.0)
    home = status != ABROAD
    intent[home] = intent[home] + p.adjustment_rate * (target[home] - intent[home])


def migration_kernel(status, intent, savings, awaiting_regular_route, migrated, employer, earnings, u, p):
    leave = ((status != ABROAD) & (status != TRAINING) & ~awaiting_regular_route & (intent > p.threshold)
             & (savings >= p.migration_cost) & (u < p.move_probability))
    status[leave] = ABROAD
    savings[leave] -= p.migration_cost
    migrated[leave] = True
    employer[leave] = -1
    earnings[leave] = 0.0


def match_kernel(candidates, status, district, skill, claimed_skill, is_returnee, certified, recognised,
                 employers_by_district, district_first_employer, district_employers, employer_threshold,
                 open_places, u_choice, u_priority, p, offer):
    from simulation.allocation import match_jobs, perceived_skill

    employer_district = np.empty(employers_by_district.size, dtype=district.dtype)
    employer_district[employers_by_district] = np.repeat(np.arange(district_employers.size), district_employers)
    bonus = p.certified_bonus * certified + p.recognised_bonus * recognised
    offer[:] = match_jobs(candidates & (status == UNEMPLOYED), district,
                          perceived_skill(skill, claimed_skill, is_returnee, certified), bonus, employer_district,
                          employer_threshold, open_places, u_choice, u_priority, p.priority_noise)


def emigration_kernel(arrival_month, district, migrated, month, abroad_share):
    population = arrival_month <= month
    n = abroad_share.size
    abroad_share[:] = (np.bincount(district[population & migrated], minlength=n)
                       / np.maximum(np.bincount(district[population], minlength=n), 1))


def tally_kernel(status, arrival_month, applied, enrolled, dropped_out, completed, certified, dismissed,
                 ever_hired, migrated, abroad_regular, earnings, intent, month, intent_threshold, counts, income):
    pop = arrival_month <= month
    home = pop & (status != ABROAD)
    counts[:6] = np.bincount(status[pop], minlength=6)
    for j, flag in enumerate((applied, enrolled, dropped_out, completed, completed & certified, migrated,
                              migrated & abroad_regular, dismissed, ever_hired, intent > intent_threshold)):
        counts[6 + j] = (flag & (home if j == 9 else pop)).sum()
    income[0] = earnings[home].sum()


def admit_kernel(status, applied, enrolled, centre, intake_open, seats, u, admitted):
    from simulation.allocation import allocate_seats

    waiting = applied & ~enrolled & ((status == IDLE) | (status == UNEMPLOYED)) & intake_open[centre]
    admitted[:] = False
    admitted[allocate_seats(waiting, centre, seats, u)] = True
