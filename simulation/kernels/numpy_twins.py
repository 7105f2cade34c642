"""Plain NumPy twins of the kernels: the equations restated with whole-array operations.

One twin per phase of ``simulation/phases.py`` (same name, same argument
names, ``p`` for the phase's bundle) and one per model-level kernel of
``numba_kernels.py`` (same name and signature). Each restates the equations of
``rules.py`` instead of calling them, and draws its random numbers with a
vectorised NumPy restatement of Philox4x32-10 (``philox_uniform``), so the
tests that hold twins and kernels equal check the equations, and the
generator, twice.
"""

from __future__ import annotations

import numpy as np

from simulation.state import ABROAD, IDLE, NO_INDEX, SELF_EMPLOYED, TRAINING, UNEMPLOYED, WAGE_EMPLOYED

_M0, _M1, _W0, _W1 = np.uint64(0xD2511F53), np.uint64(0xCD9E8D57), np.uint64(0x9E3779B9), np.uint64(0xBB67AE85)
_LO = np.uint64(0xFFFFFFFF)


def philox_uniform(seed, stream, month, uid, slot=0):
    """U[0, 1) draws of persons ``uid``: Philox4x32-10 of counter (uid, month + 1, slot, 0), key (seed, stream)."""
    uid = np.asarray(uid, dtype=np.int64)
    c0 = uid.astype(np.uint64) & _LO
    c1 = np.full_like(c0, np.uint64((month + 1) & 0xFFFFFFFF))
    c2 = np.full_like(c0, np.uint64(slot))
    c3 = np.zeros_like(c0)
    k0, k1 = np.uint64(seed & 0xFFFFFFFF), np.uint64(stream & 0xFFFFFFFF)
    for r in range(10):
        if r:
            k0, k1 = (k0 + _W0) & _LO, (k1 + _W1) & _LO
        p0, p1 = _M0 * c0, _M1 * c2
        c0, c1, c2, c3 = (p1 >> np.uint64(32)) ^ c1 ^ k0, p1 & _LO, (p0 >> np.uint64(32)) ^ c3 ^ k1, p0 & _LO
    return ((c0 >> np.uint64(5)).astype(np.float64) * 67108864.0 + (c1 >> np.uint64(6)).astype(np.float64)) / 2.0**53


def _key(name):
    from simulation.rng import stream_key

    return stream_key(name)


def _logistic(x):
    return 1.0 / (1.0 + np.exp(-x))


# --------------------------------------------------------------------------- phases

def arrive(status, arrival_month, month, ids):
    here = ids[(arrival_month[ids] == month) & (status[ids] == ABROAD)]
    status[here] = UNEMPLOYED


def apply_for_training(status, enrolled, applied, distance_km, is_returnee, p, seed, month, uid):
    eligible = ~applied & ~enrolled & ((status == IDLE) | (status == UNEMPLOYED))
    factor = np.where(is_returnee, p.returnee_apply_factor, 1.0)
    prob = np.minimum(1.0, p.apply_probability * np.exp(-distance_km / p.distance_decay_km) * factor)
    u = philox_uniform(seed, _key("enrolment_application"), month, uid)
    applied[eligible & (u < prob)] = True


def start_course(status, enrolled, enrol_month, course_months, months_in_course, centre, centre_course_months,
                 month, ids):
    status[ids] = TRAINING
    enrolled[ids] = True
    enrol_month[ids] = month
    course_months[ids] = centre_course_months[centre[ids]]
    months_in_course[ids] = 0


def attend(status, months_in_course, dropped_out, dropout_course_month, district, district_wage, household_income,
           transport_cost, transport_covered_share, stipend, female, dependents, childcare_access, centre,
           centre_childcare, p, seed, month, uid):
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
    care = female & (dependents > 0) & ~childcare_access & ~centre_childcare[centre]
    stay = stay * np.where(care, 1.0 - p.care_barrier_hazard, 1.0)
    drop = (status == TRAINING) & (philox_uniform(seed, _key("dropout"), month, uid) < 1.0 - stay)
    status[drop] = UNEMPLOYED
    dropped_out[drop] = True
    dropout_course_month[drop] = months_in_course[drop] + 1


def progress(status, months_in_course, course_months, skill, trained_skill, completed, certified, recognised, centre,
             centre_certification_rate, centre_recognised_share, p, seed, month, uid):
    training = status == TRAINING
    months_in_course[training] += 1
    done = training & (months_in_course >= course_months)
    u = philox_uniform(seed, _key("certification"), month, uid)
    rate = centre_certification_rate[centre]
    status[done] = UNEMPLOYED
    completed[done] = True
    certified[done] = u[done] < rate[done]
    recognised[done] = u[done] < rate[done] * centre_recognised_share[centre[done]]
    gained = np.minimum(1.0, skill[done] + p.skill_gain)
    trained_skill[done] += gained - skill[done]
    skill[done] = gained


def use_or_lose_skill(status, skill, trained_skill, work_skill, p):
    working = (status == WAGE_EMPLOYED) | (status == SELF_EMPLOYED)
    gain = np.minimum(p.learning_rate * np.maximum(p.work_skill_max - work_skill[working], 0.0), 1.0 - skill[working])
    skill[working] += gain
    work_skill[working] += gain
    unused = (status == IDLE) | (status == UNEMPLOYED)
    lost_training = p.skill_depreciation_rate * trained_skill[unused]
    lost_work = p.skill_depreciation_rate * work_skill[unused]
    skill[unused] -= lost_training + lost_work
    trained_skill[unused] -= lost_training
    work_skill[unused] -= lost_work


def join_or_leave_labour_force(status, p, seed, month, uid):
    u = philox_uniform(seed, _key("labour_force"), month, uid)
    join = (status == IDLE) & (u < p.join_probability)
    leave = (status == UNEMPLOYED) & (u < p.discourage_probability)
    status[join] = UNEMPLOYED
    status[leave] = IDLE


def search(status, searching, p, seed, month, uid):
    searching[:] = (status == UNEMPLOYED) & (philox_uniform(seed, _key("job_search"), month, uid) < p.search_probability)


def apply_to_employer(status, district, skill, claimed_skill, is_returnee, certified, recognised, work_skill,
                      wage_subsidy_share, uid, employers_by_district, district_first_employer, district_employers,
                      employer_threshold, employer_formal, open_places, p, seed, month, choice_stream, priority_stream,
                      applied_employer, hiring_score, ids):
    if employers_by_district.size == 0:  # no employer anywhere: nobody applies
        applied_employer[ids], hiring_score[ids] = NO_INDEX, 0.0
        return
    d = district[ids]
    count = district_employers[d]
    pick = np.minimum(np.floor(philox_uniform(seed, choice_stream, month, uid[ids]) * count).astype(np.int64),
                      count - 1)
    e = np.where(count > 0, employers_by_district[np.where(count > 0, district_first_employer[d] + pick, 0)], 0)
    seen = np.where(is_returnee[ids] & ~certified[ids], claimed_skill[ids], skill[ids])
    asked = employer_threshold[e] - p.subsidy_skill_per_share * wage_subsidy_share[ids]
    ok = (status[ids] == UNEMPLOYED) & (count > 0) & (seen >= asked) & (open_places[e] > 0)
    weight = (np.maximum(0.0, 1.0 - work_skill[ids] / p.work_skill_max) if p.work_skill_max > 0
              else np.ones(ids.size))
    formal = employer_formal[e]
    score = (seen + weight * (p.certified_bonus * (certified[ids] & formal)
                              + p.recognised_bonus * (recognised[ids] & formal))
             + p.priority_noise * philox_uniform(seed, priority_stream, month, uid[ids]))
    applied_employer[ids] = np.where(ok, e, NO_INDEX)
    hiring_score[ids] = np.where(ok, score, 0.0)


def accept_offer(status, offer, employer, earnings, job_threshold, tenure_months, ever_hired, subsidy_months_left,
                 wage_subsidy_share, wage_subsidy_months, formal_job, skill, claimed_skill, is_returnee, certified,
                 recognised, work_skill, household_income, employer_wage, employer_threshold, employer_formal, p, ids):
    has_offer = offer[ids] >= 0
    e = np.where(has_offer, offer[ids], 0)
    formal = employer_formal[e]
    seen = np.where(is_returnee[ids] & ~certified[ids], claimed_skill[ids], skill[ids])
    weight = (np.maximum(0.0, 1.0 - work_skill[ids] / p.work_skill_max) if p.work_skill_max > 0
              else np.ones(ids.size))
    premium = np.where(formal, weight * (p.certificate_wage_premium * certified[ids]
                                         + p.recognised_wage_premium * recognised[ids]), 0.0)
    priced = employer_wage[e] * np.exp(p.wage_return_per_skill * (seen - p.wage_reference_skill) + premium)
    wage = np.where(has_offer, priced, 0.0)
    take = (has_offer & (status[ids] == UNEMPLOYED) & (wage > 0.0)
            & (wage >= p.reservation_ratio * household_income[ids]))
    hired, e, wage = ids[take], e[take], wage[take]
    formal_job[hired] = employer_formal[e]
    status[hired] = WAGE_EMPLOYED
    employer[hired] = e
    earnings[hired] = wage
    job_threshold[hired] = employer_threshold[e]
    tenure_months[hired] = 0
    ever_hired[hired] = True
    subsidy_months_left[hired] = np.where(wage_subsidy_share[hired] > 0.0, wage_subsidy_months[hired], 0)
    wage_subsidy_share[hired] = 0.0
    wage_subsidy_months[hired] = 0


def run_business(status, business_months, savings, startup_capital, business_capital, trained_skill, skill, p, seed,
                 month, uid):
    capital = np.minimum((savings + startup_capital) / p.minimum_wage, p.capital_needed_wages)
    held = np.minimum(1.0, trained_skill / p.skill_gain) if p.skill_gain > 0 else np.zeros_like(trained_skill)
    entry = _logistic(p.entry_logit + p.capital_logit_per_wage * capital + p.trained_logit * held)
    failure = _logistic(p.failure_logit - p.failure_skill_logit * skill
                        - p.capital_failure_logit_per_wage * business_capital / p.minimum_wage)
    u = philox_uniform(seed, _key("self_employment"), month, uid)
    opens = (status == UNEMPLOYED) & (u < entry)
    owner = status == SELF_EMPLOYED
    fails = owner & (u < failure)
    survives = owner & ~fails
    status[opens] = SELF_EMPLOYED
    business_months[opens] = 0
    business_capital[opens] = startup_capital[opens]
    startup_capital[opens] = 0.0
    status[fails] = UNEMPLOYED
    business_months[fails] = 0
    startup_capital[fails] += (1.0 - p.capital_loss_on_failure) * business_capital[fails]
    business_capital[fails] = 0.0
    business_months[survives] += 1
    business_capital[survives] *= 1.0 - p.capital_depreciation_rate


def keep_or_lose_job(status, tenure_months, employer, skill, job_threshold, dismissed, subsidy_months_left,
                     formal_job, employer_probation, p, seed, month, uid):
    wage = status == WAGE_EMPLOYED
    t = tenure_months + 1
    left = np.maximum(subsidy_months_left - 1, 0)
    probation = np.where(employer >= 0, employer_probation[np.maximum(employer, 0)], -1)
    review = wage & (employer >= 0) & (left == 0) & (skill < job_threshold) & (
        ((subsidy_months_left == 0) & (t == probation)) | ((subsidy_months_left == 1) & (t >= probation)))
    u = philox_uniform(seed, _key("separation"), month, uid)
    fired = review & (u < p.dismissal_probability)
    separated = wage & ~review & (u < np.where(formal_job, p.separation_rate, p.informal_separation_rate))
    ends = fired | separated
    tenure_months[wage] = t[wage]
    subsidy_months_left[wage] = left[wage]
    tenure_months[ends] = 0
    subsidy_months_left[ends] = 0
    status[ends] = UNEMPLOYED
    employer[ends] = NO_INDEX
    dismissed[fired] = True


def earn_and_save(status, earnings, savings, stipend, skill, district, district_wage, p):
    business = p.income_factor * district_wage[district] * (0.5 + skill)
    y = np.where(status == WAGE_EMPLOYED, earnings, np.where(status == SELF_EMPLOYED, business, 0.0))
    received = y + np.where(status == TRAINING, stipend, 0.0)
    home = status != ABROAD
    earnings[home] = y[home]
    savings[home] = (1.0 - p.savings_drawdown_rate) * savings[home] + p.saving_rate * received[home]


def age(status, age, abroad_regular, arrival_month, month, p):
    ageing = (arrival_month <= month) & ~((status == ABROAD) & abroad_regular)
    age[ageing] += 1.0 / 12.0
    wrap = ageing & (age >= p.age_max)
    age[wrap] -= p.age_max - p.age_min
    status[wrap & (status == ABROAD)] = IDLE


def update_intent(status, intent, age, earnings, household_income, peer_base, district, district_abroad_share,
                  migration_info, peers_abroad, p):
    peers_abroad[:] = np.minimum(1.0, peer_base + district_abroad_share[district])
    home_income = np.maximum(np.maximum(earnings, household_income), 1.0)
    not_working = (status == IDLE) | (status == UNEMPLOYED)
    target = _logistic(p.base_logit + p.gap_logit * np.log(p.expected_wage / home_income)
                       + p.peers_logit * peers_abroad + np.where(not_working, p.not_working_logit, 0.0)
                       + p.age_logit_per_decade * (age - 25.0) / 10.0 + migration_info)
    home = status != ABROAD
    intent[home] = intent[home] + p.adjustment_rate * (target[home] - intent[home])


def migrate(status, intent, savings, awaiting_regular_route, migrated, employer, earnings, p, seed, month, uid):
    own_cost = (1.0 - p.family_share) * p.migration_cost
    leave = ((status != ABROAD) & (status != TRAINING) & ~awaiting_regular_route & (intent > p.threshold)
             & (savings >= own_cost) & (philox_uniform(seed, _key("migration"), month, uid) < p.move_probability))
    status[leave] = ABROAD
    savings[leave] -= own_cost
    migrated[leave] = True
    employer[leave] = NO_INDEX
    earnings[leave] = 0.0


def depart_regular(status, savings, migrated, employer, earnings, abroad_regular, ids):
    status[ids] = ABROAD
    migrated[ids] = True
    employer[ids] = NO_INDEX
    earnings[ids] = 0.0
    abroad_regular[ids] = True


def return_home(status, savings, return_savings, ids):
    status[ids] = UNEMPLOYED
    savings[ids] += return_savings


# --------------------------------------------------------------------------- model-level kernels

def make_offers_kernel(candidates, applied_employer, hiring_score, open_places, offer):
    from simulation.allocation import offer_places

    made = offer_places(applied_employer[candidates], hiring_score[candidates], open_places)
    offered = candidates[made != NO_INDEX]
    offer[offered] = made[made != NO_INDEX]
    return offered


def admit_kernel(status, applied, enrolled, centre, uid, centre_intake_open, centre_seats, seed, month,
                 priority_stream):
    from simulation.allocation import allocate_seats

    waiting = applied & ~enrolled & ((status == IDLE) | (status == UNEMPLOYED)) & centre_intake_open[centre]
    return (allocate_seats(waiting, centre, centre_seats, philox_uniform(seed, priority_stream, month, uid)),
            np.flatnonzero(waiting))


def draw_vacancies_kernel(mean, seed, stream, month, vacancies):
    from simulation.rng import poisson

    for e in range(vacancies.size):
        vacancies[e] = poisson(mean, seed, stream, month, e)


def emigration_share_kernel(arrival_month, district, status, month, district_abroad_share):
    population = arrival_month <= month
    n = district_abroad_share.size
    district_abroad_share[:] = (np.bincount(district[population & (status == ABROAD)], minlength=n)
                       / np.maximum(np.bincount(district[population], minlength=n), 1))


def tally_kernel(status, arrival_month, applied, enrolled, dropped_out, completed, certified, dismissed,
                 ever_hired, migrated, abroad_regular, formal_job, earnings, intent, centre, month, p, counts, income,
                 centre_trainees):
    pop = arrival_month <= month
    centre_trainees[:] = np.bincount(centre[pop & (status == TRAINING)], minlength=centre_trainees.size)
    home = pop & (status != ABROAD)
    counts[:6] = np.bincount(status[pop], minlength=6)
    for j, flag in enumerate((applied, enrolled, dropped_out, completed, completed & certified, migrated,
                              migrated & abroad_regular, dismissed, ever_hired, intent > p.threshold)):
        counts[6 + j] = (flag & (home if j == 9 else pop)).sum()
    counts[16] = (pop & (status == WAGE_EMPLOYED) & ~formal_job).sum()
    income[0] = earnings[home].sum()
