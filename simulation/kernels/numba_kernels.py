"""Numba kernels: loops over persons calling the transitions of ``rules.py``.

Arrays in, arrays updated in place; uniform draws arrive as arrays (one per
person, from the named stream of the phase). Per-person work depends only on
that person's row and on model-level inputs, so the loop order is irrelevant
and the person loops run in parallel (``prange``) with identical results on any
number of threads. Reductions (``emigration_kernel``, ``tally_kernel``) sum
over fixed blocks of persons in a fixed order, so they too are independent of
the thread count; the matching round is sequential per employer.
Each kernel has a NumPy twin of the same name and signature in
``numpy_twins.py``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from simulation.kernels.rules import (
    accept_transition,
    apply_transition,
    attend_transition,
    business_transition,
    hiring_score,
    income_transition,
    intent_transition,
    jit,
    labour_force_transition,
    migration_transition,
    perceived_skill,
    progress_transition,
    search_transition,
    separation_transition,
    share_of_peers_abroad,
)
from simulation.state import ABROAD, IDLE, NO_INDEX, UNEMPLOYED, WAGE_EMPLOYED

kernel = njit(cache=True, nogil=True, parallel=True)  # a loop over persons, run in parallel
BLOCK = 65536  # persons per block of a reduction: fixes the order of float sums


@kernel
def apply_kernel(status, enrolled, applied, distance_km, is_returnee, u, p):
    for i in prange(status.size):
        applied[i] = apply_transition(status[i], enrolled[i], applied[i], distance_km[i], is_returnee[i], u[i], p)


@kernel
def attend_kernel(status, months_in_course, dropped_out, dropout_course_month, district, district_wage,
                  household_income, transport_cost, transport_covered_share, stipend, female, dependents,
                  childcare_access, u, p):
    for i in prange(status.size):
        s, now, m = attend_transition(status[i], months_in_course[i], district_wage[district[i]],
                                      household_income[i], transport_cost[i], transport_covered_share[i],
                                      stipend[i], female[i], dependents[i], childcare_access[i], u[i], p)
        status[i] = s
        if now:
            dropped_out[i] = True
            dropout_course_month[i] = m


@kernel
def progress_kernel(status, months_in_course, course_months, skill, completed, certified, recognised, u, p):
    for i in prange(status.size):
        s, m, done, cert, recog, sk = progress_transition(status[i], months_in_course[i], course_months[i],
                                                          skill[i], u[i], p)
        status[i] = s
        months_in_course[i] = m
        if done:
            completed[i] = True
            certified[i] = cert
            recognised[i] = recog
            skill[i] = sk


@kernel
def labour_force_kernel(status, u, p):
    for i in prange(status.size):
        status[i] = labour_force_transition(status[i], u[i], p)


@kernel
def search_kernel(status, searching, u, p):
    for i in prange(status.size):
        searching[i] = search_transition(status[i], u[i], p)


@kernel
def accept_kernel(status, offer_employer, employer, earnings, job_threshold, tenure_months, ever_hired,
                  household_income, employer_wage, employer_threshold, p):
    for i in prange(status.size):
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


@kernel
def business_kernel(status, business_months, savings, startup_capital, completed, skill, u, p):
    for i in prange(status.size):
        status[i], business_months[i] = business_transition(status[i], business_months[i], savings[i],
                                                            startup_capital[i], completed[i], skill[i], u[i], p)


@kernel
def separation_kernel(status, tenure_months, employer, skill, job_threshold, dismissed, u, p):
    for i in prange(status.size):
        s, t, fired = separation_transition(status[i], tenure_months[i], skill[i], job_threshold[i], u[i], p)
        if s != status[i]:
            employer[i] = -1
        status[i] = s
        tenure_months[i] = t
        if fired:
            dismissed[i] = True


@kernel
def income_kernel(status, earnings, savings, stipend, skill, district, district_wage, p):
    for i in prange(status.size):
        earnings[i], savings[i] = income_transition(status[i], earnings[i], savings[i], stipend[i], skill[i],
                                                    district_wage[district[i]], p)


@kernel
def intent_kernel(status, intent, age, earnings, household_income, peer_base, district, district_abroad_share,
                  peers_abroad, p):
    for i in prange(status.size):
        if status[i] != ABROAD:
            age[i] += 1.0 / 12.0
        peers_abroad[i] = share_of_peers_abroad(peer_base[i], district_abroad_share[district[i]])
        intent[i] = intent_transition(status[i], intent[i], age[i], earnings[i], household_income[i],
                                      peers_abroad[i], p)


@kernel
def migration_kernel(status, intent, savings, awaiting_regular_route, migrated, employer, earnings, u, p):
    for i in prange(status.size):
        s, sv, left = migration_transition(status[i], intent[i], savings[i], awaiting_regular_route[i], u[i], p)
        if left:
            status[i] = s
            savings[i] = sv
            migrated[i] = True
            employer[i] = -1
            earnings[i] = 0.0


@jit
def first_k_smallest(values, k):
    """Positions of the ``k`` smallest ``values``, ties going to the earlier position.

    The same set as the first ``k`` of a stable sort, found in linear time
    (``np.partition``) instead of sorting a long waiting list.
    """
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    if k >= values.size:
        return np.arange(values.size)
    kth = np.partition(values, k - 1)[k - 1]
    chosen = np.empty(k, dtype=np.int64)
    j = 0
    for pos in range(values.size):
        if values[pos] < kth:
            chosen[j] = pos
            j += 1
    for pos in range(values.size):
        if j == k:
            break
        if values[pos] == kth:
            chosen[j] = pos
            j += 1
    return chosen


@jit
def match_kernel(candidates, status, district, skill, claimed_skill, is_returnee, certified, recognised,
                 employers_by_district, district_first_employer, district_employers, employer_threshold,
                 open_places, u_choice, u_priority, p, offer):
    """One matching round (the rule of ``allocation.match_jobs``); writes each person's offer (-1: none).

    Each unemployed candidate applies to employer ``employers_by_district[first[d] + floor(u_choice * n_d)]``
    of the home district d; an employer with places considers applicants whose ``perceived_skill`` reaches
    its threshold and offers its places to the highest ``hiring_score`` (ties: lower person index first).
    """
    n = status.size
    applicant = np.empty(n, dtype=np.int32)  # applicants in person order, then grouped by employer
    chosen = np.empty(n, dtype=np.int32)
    score = np.empty(n, dtype=np.float64)
    per_employer = np.zeros(employer_threshold.size + 1, dtype=np.int64)
    k = 0
    for i in range(n):
        offer[i] = NO_INDEX
        if not candidates[i] or status[i] != UNEMPLOYED:
            continue
        d = district[i]
        count = district_employers[d]
        if count == 0:
            continue
        pick = min(np.int64(math.floor(u_choice[i] * count)), count - 1)
        e = employers_by_district[district_first_employer[d] + pick]
        seen = perceived_skill(skill[i], claimed_skill[i], is_returnee[i], certified[i])
        if seen < employer_threshold[e] or open_places[e] <= 0:
            continue
        applicant[k], chosen[k] = i, e
        score[k] = hiring_score(seen, certified[i], recognised[i], u_priority[i], p)
        per_employer[e + 1] += 1
        k += 1
    start = np.cumsum(per_employer)  # applicants of employer e: grouped[start[e]:start[e + 1]]
    fill = start[:-1].copy()
    grouped = np.empty(k, dtype=np.int64)
    for j in range(k):  # a counting sort keeps person order within each employer
        grouped[fill[chosen[j]]] = j
        fill[chosen[j]] += 1
    for e in range(employer_threshold.size):
        lo, hi = start[e], start[e + 1]
        if hi == lo:
            continue
        group = grouped[lo:hi]
        if hi - lo > open_places[e]:  # more applicants than places: the best scores
            group = group[first_k_smallest(-score[group], open_places[e])]
        for j in group:
            offer[applicant[j]] = e


@kernel
def emigration_kernel(arrival_month, district, migrated, month, abroad_share):
    """Share of each district's population (arrived by ``month``) who emigrated during the run."""
    n_blocks = (arrival_month.size + BLOCK - 1) // BLOCK
    n_districts = abroad_share.size
    counts = np.zeros((n_blocks, 2 * n_districts), dtype=np.int64)
    for b in prange(n_blocks):
        for i in range(b * BLOCK, min((b + 1) * BLOCK, arrival_month.size)):
            if arrival_month[i] <= month:
                counts[b, district[i]] += 1
                if migrated[i]:
                    counts[b, n_districts + district[i]] += 1
    total = counts.sum(axis=0)
    for d in range(n_districts):
        abroad_share[d] = total[n_districts + d] / max(total[d], 1)


@kernel
def tally_kernel(status, arrival_month, applied, enrolled, dropped_out, completed, certified, dismissed,
                 ever_hired, migrated, abroad_regular, earnings, intent, month, intent_threshold, counts, income):
    """Counts of the monthly indicators (layout: ``metrics.TALLY``) and the earnings of persons at home."""
    n_blocks = (status.size + BLOCK - 1) // BLOCK
    block_counts = np.zeros((n_blocks, counts.size), dtype=np.int64)
    block_income = np.zeros(n_blocks, dtype=np.float64)
    for b in prange(n_blocks):
        c = block_counts[b]
        for i in range(b * BLOCK, min((b + 1) * BLOCK, status.size)):
            if arrival_month[i] > month:
                continue
            s = status[i]
            c[s] += 1  # idle, training, unemployed, wage_employed, self_employed, abroad
            c[6] += applied[i]
            c[7] += enrolled[i]
            c[8] += dropped_out[i]
            c[9] += completed[i]
            c[10] += completed[i] and certified[i]
            c[11] += migrated[i]
            c[12] += migrated[i] and abroad_regular[i]
            c[13] += dismissed[i]
            c[14] += ever_hired[i]
            if s != ABROAD:
                c[15] += intent[i] > intent_threshold
                block_income[b] += earnings[i]
    counts[:] = block_counts.sum(axis=0)
    income[0] = 0.0
    for b in range(n_blocks):
        income[0] += block_income[b]


@jit
def admit_kernel(status, applied, enrolled, centre, intake_open, seats, u, admitted):
    """Admissions at an intake (the rule of ``allocation.allocate_seats``); marks ``admitted``.

    Waiting: applied, never enrolled, idle or searching, at a centre holding an
    intake. Each centre admits its waiting applicants in ascending order of the
    lottery draw ``u`` (ties: lower person index first) until its seats are full.
    """
    n = status.size
    waiting = np.empty(n, dtype=np.int64)
    per_centre = np.zeros(seats.size + 1, dtype=np.int64)
    k = 0
    for i in range(n):
        admitted[i] = False
        if (applied[i] and not enrolled[i] and (status[i] == IDLE or status[i] == UNEMPLOYED)
                and intake_open[centre[i]]):
            waiting[k] = i
            per_centre[centre[i] + 1] += 1
            k += 1
    start = np.cumsum(per_centre)
    fill = start[:-1].copy()
    grouped = np.empty(k, dtype=np.int64)
    for j in range(k):  # counting sort: person order within each centre
        c = centre[waiting[j]]
        grouped[fill[c]] = waiting[j]
        fill[c] += 1
    for c in range(seats.size):
        group = grouped[start[c]:start[c + 1]]
        if group.size > seats[c]:
            group = group[first_k_smallest(u[group], seats[c])]
        for i in group:
            admitted[i] = True
