"""Per-person decision rules and transitions (compiled with numba).

Two layers, both scalar-in / scalar-out and free of randomness but for the counter-based draws:

* **rules** state one behavioural equation each (their docstrings give it);
* **transitions** apply a rule to one person's state and return the new
  values of the fields the phase writes (``simulation/phases.py`` declares
  them); a transition that needs a random number draws it from its own
  counter-based stream, keyed by the person's ``uid`` and the ``month``
  (``simulation/rng.py``), only when the rule applies to the person.

A transition's argument names are person fields (``state.PERSON_FIELDS``), the
model's scratch arrays (``phases.SCRATCH``), model inputs (``district_wage``,
per-centre and per-employer arrays, ...), ``p`` (its parameter bundle,
``params.py``), ``seed``, ``month`` and the inputs a step gives (``phases.CALLER_INPUTS``,
e.g. a matching round's open places and streams): every engine binds them by
these names, so a new argument is read everywhere once the transition names it.

Who calls them: the numba loops generated from the table of phases
(``phases.module_source``; print them with ``python -m simulation.phases``), and
the Mesa engine's agents (``agents/person.py``), one agent at a time. The NumPy
twins (``kernels/numpy_twins.py``) restate the equations with whole-array
operations, and the tests hold them equal. The model-level steps that look
across persons (admissions, offers, vacancies, tallies) are the kernels of
``kernels/numba_kernels.py``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from simulation.rng import stream_key, uniform
from simulation.state import ABROAD, IDLE, NO_INDEX, SELF_EMPLOYED, TRAINING, UNEMPLOYED, WAGE_EMPLOYED

# inlined into the loops that call them (numba IR inlining): called as separate functions, with up to 30
# arguments each, the calls cost more than the rules (1M persons: training loop 14 -> 2 ms, livelihoods 35 -> 23 ms;
# same numbers, no fast-math). Called from Python (the Mesa engine), each is an ordinary compiled function.
jit = njit(cache=True, nogil=True, inline="always")


@jit
def logistic(x):
    """sigma(x) = 1 / (1 + exp(-x))."""
    return 1.0 / (1.0 + math.exp(-x))


# --------------------------------------------------------------------------- rules


@jit
def enrol_probability(distance_km, is_returnee, p):
    """Monthly probability that an eligible person applies for a course.

    P = min(1, p0 * exp(-d / d0) * r^[returnee]), with p0 = ``apply_probability``,
    d the distance to the centre (km), d0 = ``distance_decay_km`` and r =
    ``returnee_apply_factor`` (returnees are referred by reintegration services).
    """
    factor = p.returnee_apply_factor if is_returnee else 1.0
    return min(1.0, p.apply_probability * math.exp(-distance_km / p.distance_decay_km) * factor)


@jit
def dropout_hazard(course_month, opportunity_cost, stipend, fare, affordable_fare, care_barrier, p):
    """Monthly probability that a trainee drops out in course month m (1, 2, ...).

    Three independent barriers:  h = 1 - (1 - h_b)(1 - h_T 1[F > A + S])(1 - h_C 1[care])

    * base:  logit h_b = b0 + b_e exp(-(m - 1)/tau) + b_O max(0, O - S') / w_min
      where O is the forgone income, S' = max(0, S - max(0, F - A)) the part of
      the stipend S left after fares, w_min the minimum wage;
    * fares: F = uncovered monthly transport cost, A = what the household can
      pay; when F > A + S the trainee cannot pay the fare (hazard h_T), so a
      stipend that does not cover transport helps far youth little;
    * care:  mothers of young children without a childcare place (hazard h_C).
    """
    fare_gap = max(0.0, fare - affordable_fare)
    stipend_left = max(0.0, stipend - fare_gap)
    uncovered = max(0.0, opportunity_cost - stipend_left)
    base = logistic(
        p.base_logit
        + p.early_logit * math.exp(-(course_month - 1.0) / p.early_decay_months)
        + p.opportunity_logit_per_wage * uncovered / p.minimum_wage
    )
    stay = 1.0 - base
    if fare_gap > stipend:
        stay *= 1.0 - p.transport_barrier_hazard
    if care_barrier:
        stay *= 1.0 - p.care_barrier_hazard
    return 1.0 - stay


@jit
def accepts_job(wage_offer, household_income, p):
    """A searcher accepts an offer when w_offer >= rho * y_household (reservation wage)."""
    return wage_offer >= p.reservation_ratio * household_income


@jit
def perceived_skill(skill, claimed_skill, is_returnee, certified):
    """What an employer sees: actual skill, except the claim of an uncertified returnee."""
    return claimed_skill if is_returnee and not certified else skill


@jit
def offered_wage(posted_wage, threshold, perceived, certified, recognised, work_skill, formal, p):
    """The wage a hire is paid: the employer's posted wage priced by what it sees of the hire,

        ln w = ln w_e + r_s (s_seen - s_ref) + 1[formal] omega (r_c 1[certified] + r_r 1[recognised]),

    w_e the wage the employer posts for a hire of the reference skill s_ref (``wage_reference_skill``, a typical
    hire's), r_s = ``wage_return_per_skill`` (log wage per skill unit), r_c, r_r
    the certificate's and its official recognition's premia (``certificate_wage_premium``,
    ``recognised_wage_premium``), paid by formal employers only and read less with experience (omega =
    ``credential_weight``). Fixed for the job. (``threshold``: the job's, which the hire reaches; not in the price.)"""
    premium = 0.0
    if formal:
        premium = credential_weight(work_skill, p) * (p.certificate_wage_premium * certified
                                                      + p.recognised_wage_premium * recognised)
    return posted_wage * math.exp(p.wage_return_per_skill * (perceived - p.wage_reference_skill) + premium)


@jit
def credential_weight(work_skill, p):
    """How much an employer still reads a certificate:  omega = 1 - X / X_max  (X the skill learned at work).

    Employer learning (Altonji & Pierret 2001; Farber & Gibbons 1996): a work record shows what a worker can do,
    so the weight on credentials falls as experience accumulates, to 0 for a worker with all the skill work
    teaches (X = ``work_skill_max``)."""
    if p.work_skill_max <= 0.0:
        return 1.0
    return max(0.0, 1.0 - work_skill / p.work_skill_max)


@jit
def hiring_score(perceived, certified, recognised, work_skill, u, p):
    """Employer's ranking of an applicant:  perceived skill + omega (b_c 1[certified] + b_r 1[recognised]) + noise u,
    omega the ``credential_weight`` of the applicant's experience."""
    return (perceived + credential_weight(work_skill, p) * (p.certified_bonus * certified
                                                             + p.recognised_bonus * recognised)
            + p.priority_noise * u)


@jit
def subsidised_threshold(threshold, subsidy_share, p):
    """The skill an employer asks of a hire whose wage a subsidy pays in part:  theta' = theta - kappa s.

    The employer weighs a worker's product against the wage it pays: a worker of skill theta (the job's
    threshold) is worth the full wage, and each unit of skill below it is worth 1/kappa of the wage less,
    so a subsidy of share s of the wage makes a worker kappa s below the threshold worth hiring
    (kappa = ``subsidy_skill_per_share``)."""
    return threshold - p.subsidy_skill_per_share * subsidy_share


@jit
def trained_share(trained_skill, p):
    """The share of a course's skill gain the person still holds:  min(1, T / g_course)  (0 without a course)."""
    if p.skill_gain <= 0.0:
        return 0.0
    return min(1.0, trained_skill / p.skill_gain)


@jit
def self_employment_entry_probability(savings, startup_capital, trained_skill, p):
    """logit P = c0 + c_K min((savings + S) / w_min, n_K) + c_T min(1, T / g_course).

    Capital helps only up to what a business needs (n_K minimum wages, ``capital_needed_wages``): beyond it the
    barriers left are not money (a market, a trade, the will to run a business), so a kit's effect on entry is
    bounded by  P <= logistic(c0 + c_K n_K + c_T)  whatever its size. A course helps through the trade it taught,
    as far as the person still holds it (``trained_share``): its help fades with the unused skill."""
    return logistic(
        p.entry_logit
        + p.capital_logit_per_wage * min((savings + startup_capital) / p.minimum_wage, p.capital_needed_wages)
        + p.trained_logit * trained_share(trained_skill, p)
    )


@jit
def business_failure_hazard(skill, business_capital, p):
    """Monthly failure of an own business:  logit f = d0 - d_s * skill - d_K * K / w_min (K: capital invested in it)."""
    return logistic(p.failure_logit - p.failure_skill_logit * skill
                    - p.capital_failure_logit_per_wage * business_capital / p.minimum_wage)


@jit
def depreciated_capital(business_capital, p):
    """A month of running the business wears its capital:  K' = (1 - delta_K) K."""
    return (1.0 - p.capital_depreciation_rate) * business_capital


@jit
def capital_left_after_failure(business_capital, p):
    """What a failed business leaves to start another (equipment sold or kept):  (1 - lambda) K."""
    return (1.0 - p.capital_loss_on_failure) * business_capital


@jit
def business_income(skill, district_wage, p):
    """Monthly business income:  y = k * w_district * (0.5 + skill)."""
    return p.income_factor * district_wage * (0.5 + skill)


@jit
def intent_target(age, home_income, not_working, peers_abroad, migration_info, p):
    """Aspiration the intent moves towards (0-1).

    logit I* = g0 + g_w ln(W_abroad / max(y_home, 1)) + g_p peers + g_u 1[not working]
               + g_a (age - 25) / 10 + i
    (i: ``migration_info``, the shift information received gives: ``information_shift``).
    """
    gap = math.log(p.expected_wage / max(home_income, 1.0))
    return logistic(
        p.base_logit
        + p.gap_logit * gap
        + p.peers_logit * peers_abroad
        + (p.not_working_logit if not_working else 0.0)
        + p.age_logit_per_decade * (age - 25.0) / 10.0
        + migration_info
    )


@jit
def information_shift(perceived_wage_change, risk_logit, p):
    """What information does to aspiration:  i = g_w ln(1 + c) + r, for a change c in the earnings a person expects
    abroad (-0.2: a fifth less) and a logit r for the risk of the irregular route they learn of (< 0: deterred)."""
    return p.gap_logit * math.log(1.0 + perceived_wage_change) + risk_logit


@jit
def share_of_peers_abroad(own_network, district_abroad_share):
    """Share of peers abroad:  min(1, own network abroad + share of the district's people who emigrated)."""
    return min(1.0, own_network + district_abroad_share)


@jit
def update_intent(intent, target, p):
    """Partial adjustment:  I' = I + lambda (I* - I)."""
    return intent + p.adjustment_rate * (target - intent)


@jit
def leave_country(savings, cost):
    """Leaving:  status -> ABROAD, savings -> savings - cost, job and earnings left behind.

    Returns (status', savings', migrated', employer', earnings')."""
    return ABROAD, savings - cost, True, NO_INDEX, 0.0


@jit
def own_journey_cost(p):
    """What the migrant pays from own savings:  (1 - f) C,  C the journey's cost, f the family's share."""
    return (1.0 - p.family_share) * p.migration_cost


@jit
def can_migrate(intent, savings, p):
    """Aspiration and capability:  intent > theta  and  savings >= (1 - f) C  (``own_journey_cost``)."""
    return intent > p.threshold and savings >= own_journey_cost(p)


# --------------------------------------------------------------------------- transitions

# the random streams of the transitions (a stream's draws are keyed by seed, stream, month and person)
ENROLMENT_APPLICATION = stream_key("enrolment_application")
DROPOUT = stream_key("dropout")
CERTIFICATION = stream_key("certification")
LABOUR_FORCE = stream_key("labour_force")
JOB_SEARCH = stream_key("job_search")
SELF_EMPLOYMENT = stream_key("self_employment")
SEPARATION = stream_key("separation")
MIGRATION = stream_key("migration")


@jit
def arrive_transition(status, arrival_month, month):
    """A returnee whose arrival month has come joins the population, searching for work. Returns (status',)."""
    if arrival_month == month and status == ABROAD:
        return (UNEMPLOYED,)
    return (status,)


@jit
def apply_transition(status, enrolled, applied, distance_km, is_returnee, p, seed, month, uid):
    """Non-working persons who never applied apply with ``enrol_probability``. Returns (applied',)."""
    if applied or enrolled or not (status == IDLE or status == UNEMPLOYED):
        return (applied,)
    return (uniform(seed, ENROLMENT_APPLICATION, month, uid) < enrol_probability(distance_km, is_returnee, p),)


@jit
def start_course_transition(centre, centre_course_months, month):
    """An admitted applicant starts the course of their centre this month.

    Returns (status', enrolled', enrol_month', course_months', months_in_course')."""
    return TRAINING, True, month, centre_course_months[centre], 0


@jit
def attend_transition(status, months_in_course, dropped_out, dropout_course_month, district, district_wage,
                      household_income, transport_cost, transport_covered_share, stipend, female, dependents,
                      childcare_access, centre, centre_childcare, p, seed, month, uid):
    """A trainee attends course month m = months_in_course + 1 or drops out (u < h).

    Inputs of ``dropout_hazard``: forgone income O = o * w_district, fare
    F = transport_cost * (1 - covered share), affordable fare A = a * y_household,
    care barrier = woman with dependents and neither a childcare place nor
    day-care at her centre. Returns (status', dropped_out', dropout_course_month').
    """
    if status != TRAINING:
        return status, dropped_out, dropout_course_month
    m = months_in_course + 1
    opportunity = p.opportunity_cost_share * district_wage[district]
    fare = transport_cost * (1.0 - transport_covered_share)
    affordable = p.affordable_transport_share * household_income
    care = female and dependents > 0 and not (childcare_access or centre_childcare[centre])
    if uniform(seed, DROPOUT, month, uid) < dropout_hazard(m, opportunity, stipend, fare, affordable, care, p):
        return UNEMPLOYED, True, m
    return status, dropped_out, dropout_course_month


@jit
def progress_transition(status, months_in_course, course_months, skill, trained_skill, completed, certified,
                        recognised, centre, centre_certification_rate, centre_recognised_share, p, seed, month, uid):
    """A trainee who attended gains a month; at the end of the course completes.

    On completion: skill' = min(1, skill + gain), and the gain is held as trained skill (T' = T + skill' - skill);
    certified if u < c_k; recognised if u < c_k r_k, with c_k, r_k the certification rate and
    recognised share of the person's centre k (a recognised certificate is a
    certificate). Returns (status', months_in_course', skill', trained_skill', completed', certified', recognised').
    """
    if status != TRAINING:
        return status, months_in_course, skill, trained_skill, completed, certified, recognised
    m = months_in_course + 1
    if m < course_months:
        return status, m, skill, trained_skill, completed, certified, recognised
    u = uniform(seed, CERTIFICATION, month, uid)
    rate = centre_certification_rate[centre]
    gained = min(1.0, skill + p.skill_gain)
    return (UNEMPLOYED, m, gained, trained_skill + (gained - skill), True, u < rate,
            u < rate * centre_recognised_share[centre])


@jit
def unused_skill_loss(learned, p):
    """The learned skill (a course's or work's) lost in a month out of use:  delta_s T  (delta_s =
    ``skill_depreciation_rate``)."""
    return p.skill_depreciation_rate * learned


@jit
def learning_on_the_job(skill, work_skill, p):
    """The skill a month of work teaches:  g (X_max - X), at most 1 - s (g = ``learning_rate``, X_max =
    ``work_skill_max``): fast at first and less as the worker nears what work teaches, so that those who work
    without a course catch up with those who took one (Blattman, Fiala & Martinez 2019: controls converge)."""
    return min(p.learning_rate * max(p.work_skill_max - work_skill, 0.0), 1.0 - skill)


@jit
def skill_use_transition(status, skill, trained_skill, work_skill, p):
    """Skills are learned at work and fade without use.

    A month working (a wage job, an own business) adds ``learning_on_the_job`` to skill and to the work skill X.
    A month idle or searching loses ``unused_skill_loss`` of the skill a course added and of the skill work taught:
    s' = s - delta_s (T + X), T' = (1 - delta_s) T, X' = (1 - delta_s) X. Training and abroad keep both.
    Returns (skill', trained_skill', work_skill')."""
    if status == WAGE_EMPLOYED or status == SELF_EMPLOYED:
        gain = learning_on_the_job(skill, work_skill, p)
        return skill + gain, trained_skill, work_skill + gain
    if status == IDLE or status == UNEMPLOYED:
        lost_training, lost_work = unused_skill_loss(trained_skill, p), unused_skill_loss(work_skill, p)
        return skill - (lost_training + lost_work), trained_skill - lost_training, work_skill - lost_work
    return skill, trained_skill, work_skill


@jit
def labour_force_transition(status, p, seed, month, uid):
    """Idle -> searching with probability j; searching -> idle with probability q. Returns (status',)."""
    if status != IDLE and status != UNEMPLOYED:
        return (status,)
    u = uniform(seed, LABOUR_FORCE, month, uid)
    if status == IDLE and u < p.join_probability:
        return (UNEMPLOYED,)
    if status == UNEMPLOYED and u < p.discourage_probability:
        return (IDLE,)
    return (status,)


@jit
def search_transition(status, p, seed, month, uid):
    """A searcher applies to a vacancy this month with probability s. Returns (searching',)."""
    return (status == UNEMPLOYED and uniform(seed, JOB_SEARCH, month, uid) < p.search_probability,)


@jit
def application_transition(status, district, skill, claimed_skill, is_returnee, certified, recognised,
                           work_skill, wage_subsidy_share, uid, employers_by_district, district_first_employer,
                           district_employers, employer_threshold, employer_formal, open_places, p, seed, month,
                           choice_stream, priority_stream):
    """A candidate of a matching round who is searching applies to one employer of the home district.

    The employer is ``employers_by_district[first_d + floor(u_choice n_d)]``, uniform among the n_d employers
    of district d (draw ``u_choice`` from the round's ``choice_stream``); the application counts when the
    employer still has places and the candidate's ``perceived_skill`` reaches its threshold (lowered by a wage
    subsidy the candidate brings: ``subsidised_threshold``), with the employer's ranking ``hiring_score`` (draw
    ``u_priority`` from ``priority_stream``; certificates count with formal employers only). The employers' side,
    places to the best applicants, is the model-level step ``make_offers``.
    Returns (applied_employer', hiring_score'): the employer (-1: none) and the score (0 without one).
    """
    if status != UNEMPLOYED:
        return NO_INDEX, 0.0
    count = district_employers[district]
    if count == 0:
        return NO_INDEX, 0.0
    pick = min(np.int64(math.floor(uniform(seed, choice_stream, month, uid) * count)), count - 1)
    e = employers_by_district[district_first_employer[district] + pick]
    seen = perceived_skill(skill, claimed_skill, is_returnee, certified)
    if seen < subsidised_threshold(employer_threshold[e], wage_subsidy_share, p) or open_places[e] <= 0:
        return NO_INDEX, 0.0
    formal = employer_formal[e]  # informal employers hire on what they see: certificates count with formal ones
    return e, hiring_score(seen, certified and formal, recognised and formal, work_skill,
                           uniform(seed, priority_stream, month, uid), p)


@jit
def accept_transition(status, offer, employer, earnings, job_threshold, tenure_months, ever_hired,
                      subsidy_months_left, wage_subsidy_share, wage_subsidy_months, formal_job, skill, claimed_skill,
                      is_returnee, certified, recognised, work_skill, household_income, employer_wage,
                      employer_threshold, employer_formal, p):
    """A searcher holding an offer from employer e takes it if ``accepts_job`` at the ``offered_wage`` (the posted
    wage priced by the skill the employer sees and, with a formal employer, by the certificate).

    The job's threshold is the employer's full one; a wage subsidy the person brings (share > 0) pays for the
    job's first ``wage_subsidy_months`` months and is used up by the hire.
    Returns (status', employer', earnings', job_threshold', tenure_months', ever_hired', subsidy_months_left',
    wage_subsidy_share', wage_subsidy_months', formal_job')."""
    if offer != NO_INDEX and status == UNEMPLOYED:
        formal = employer_formal[offer]
        wage = offered_wage(employer_wage[offer], employer_threshold[offer],
                            perceived_skill(skill, claimed_skill, is_returnee, certified), certified, recognised,
                            work_skill, formal, p)
        if wage > 0.0 and accepts_job(wage, household_income, p):
            subsidised = wage_subsidy_share > 0.0
            return (WAGE_EMPLOYED, offer, wage, employer_threshold[offer], 0, True,
                    wage_subsidy_months if subsidised else 0, 0.0, 0, formal)
    return (status, employer, earnings, job_threshold, tenure_months, ever_hired, subsidy_months_left,
            wage_subsidy_share, wage_subsidy_months, formal_job)


@jit
def business_transition(status, business_months, savings, startup_capital, business_capital, trained_skill, skill, p,
                        seed, month, uid):
    """Searchers may open a business; owners may fail (one draw, one event).

    Opening invests the start-up capital S in the business:  K' = S, S' = 0 (savings stay savings). A month
    the business survives wears its capital (``depreciated_capital``); a failure loses part of it, and what is
    left can start another (``capital_left_after_failure``):  S' = S + (1 - lambda) K, K' = 0.
    Returns (status', business_months', startup_capital', business_capital')."""
    if status == UNEMPLOYED:
        if uniform(seed, SELF_EMPLOYMENT, month, uid) < self_employment_entry_probability(
                savings, startup_capital, trained_skill, p):
            return SELF_EMPLOYED, 0, 0.0, startup_capital
        return status, business_months, startup_capital, business_capital
    if status == SELF_EMPLOYED:
        if uniform(seed, SELF_EMPLOYMENT, month, uid) < business_failure_hazard(skill, business_capital, p):
            return UNEMPLOYED, 0, startup_capital + capital_left_after_failure(business_capital, p), 0.0
        return status, business_months + 1, startup_capital, depreciated_capital(business_capital, p)
    return status, business_months, startup_capital, business_capital


@jit
def separation_transition(status, tenure_months, employer, skill, job_threshold, dismissed, subsidy_months_left,
                          formal_job, employer_probation, p, seed, month, uid):
    """Wage jobs end by dismissal at the employer's review or by exogenous separation.

    The review comes at the end of probation, or at the end of a wage subsidy if that is later: a hire whose
    actual skill is below the job's (full) threshold, whose product does not cover the wage (hired on claimed
    skill, or below it thanks to a subsidy), is dismissed with probability p_d; otherwise, and in every other
    month, the job ends with the monthly separation rate (``separation_rate`` in a formal job,
    ``informal_separation_rate`` in an informal one). A subsidised month counts down the subsidy. Jobs
    held at the start (no employer in the market) have no probation.
    Returns (status', tenure_months', employer', dismissed', subsidy_months_left').
    """
    if status != WAGE_EMPLOYED:
        return status, tenure_months, employer, dismissed, subsidy_months_left
    t = tenure_months + 1
    left = max(subsidy_months_left - 1, 0)
    u = uniform(seed, SEPARATION, month, uid)
    if employer != NO_INDEX and left == 0 and skill < job_threshold and (
            (subsidy_months_left == 0 and t == employer_probation[employer])  # probation ends, no subsidy
            or (subsidy_months_left == 1 and t >= employer_probation[employer])):  # the subsidy ends after it
        if u < p.dismissal_probability:
            return UNEMPLOYED, 0, NO_INDEX, True, 0
        return status, t, employer, dismissed, left
    if u < (p.separation_rate if formal_job else p.informal_separation_rate):
        return UNEMPLOYED, 0, NO_INDEX, dismissed, 0
    return status, t, employer, dismissed, left


@jit
def income_transition(status, earnings, savings, stipend, skill, district, district_wage, p):
    """Earnings this month and savings:  s' = (1 - delta) s + sigma (y + S 1[training]).

    delta is the share of savings spent each month (needs, shocks), sigma the
    share of own earnings and stipend saved; savings settle near sigma y / delta.
    People abroad are outside the home economy: their earnings and savings stay as they are.

    Wage earners keep the wage of their job; business owners earn
    ``business_income``; everyone else earns nothing. Returns (earnings', savings').
    """
    if status == ABROAD:
        return earnings, savings
    if status == WAGE_EMPLOYED:
        y = earnings
    elif status == SELF_EMPLOYED:
        y = business_income(skill, district_wage[district], p)
    else:
        y = 0.0
    received = y + (stipend if status == TRAINING else 0.0)
    return y, (1.0 - p.savings_drawdown_rate) * savings + p.saving_rate * received


@jit
def age_transition(status, age, abroad_regular, arrival_month, month, p):
    """Persons age a month within a stationary age structure:

        a' = a + 1/12,  and  a' - (a_max - a_min)  once a' >= a_max.

    Age enters only the intent rule. The population is not a closed cohort that grows three years older
    over a run: a person who reaches the top of the range [a_min, a_max) stands from then on for one
    entering it at the bottom, so the ages stay uniform on the range as drawn (docs/ODD.md, 3.2 and 3.4.10).

    Emigrants age abroad too, and one who reaches a_max abroad leaves the age range like anybody else: the
    row then stands for an entrant at home, out of the labour force (status' = idle), who keeps the row's
    other fields as an entrant at home does. Without this outflow the stock abroad only grows, and with it
    peers abroad and intent (docs/ODD.md, 3.4.10). Participants of a regular mobility scheme are abroad on a
    fixed contract and come back through the scheme; their age stays as it is while they are away, as does
    the age of returnees who have not arrived yet (arrival month > month). Returns (status', age')."""
    if arrival_month > month or (status == ABROAD and abroad_regular):
        return status, age
    aged = age + 1.0 / 12.0
    if aged >= p.age_max:
        aged -= p.age_max - p.age_min
        if status == ABROAD:
            return IDLE, aged
    return status, aged


@jit
def intent_transition(status, intent, age, earnings, household_income, peer_base, district, district_abroad_share,
                      migration_info, p):
    """Peers abroad follow district emigration; intent moves towards ``intent_target``; people abroad keep theirs.

    Returns (peers_abroad', intent')."""
    peers = share_of_peers_abroad(peer_base, district_abroad_share[district])
    if status == ABROAD:
        return peers, intent
    home_income = max(earnings, household_income)
    not_working = status == IDLE or status == UNEMPLOYED
    return peers, update_intent(intent, intent_target(age, home_income, not_working, peers, migration_info, p), p)


@jit
def migration_transition(status, intent, savings, awaiting_regular_route, migrated, employer, earnings, p, seed,
                         month, uid):
    """Capable intenders (``can_migrate``) not in training leave irregularly with probability m (``leave_country``).

    Persons registered with a regular mobility scheme wait for it instead; the
    migrant pays ``own_journey_cost``. Returns (status', savings', migrated', employer', earnings').
    """
    if status == ABROAD or status == TRAINING or awaiting_regular_route or not can_migrate(intent, savings, p):
        return status, savings, migrated, employer, earnings
    if uniform(seed, MIGRATION, month, uid) < p.move_probability:
        return leave_country(savings, own_journey_cost(p))
    return status, savings, migrated, employer, earnings


@jit
def depart_regular_transition(savings):
    """A placed participant of a mobility scheme leaves through the regular route (``leave_country``, no cost).

    Returns (status', savings', migrated', employer', earnings', abroad_regular')."""
    status, savings, migrated, employer, earnings = leave_country(savings, 0.0)
    return status, savings, migrated, employer, earnings, True


@jit
def return_home_transition(savings, return_savings):
    """A participant back from a regular contract searches for work with what they saved abroad.

    s' = s + saved (``return_savings``: saved share of the wage abroad x contract months). Returns (status', savings')."""
    return UNEMPLOYED, savings + return_savings
