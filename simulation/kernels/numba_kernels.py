"""Numba kernels of the model-level steps: admissions, a matching round's offers, vacancies and reductions.

The per-person phases' kernels are generated from the table of phases
(``simulation/phases.py``); these are the steps that look across persons, declared in the same module's
table of steps (``STEPS``: kernel ``<step>_kernel``), which binds their arguments by name.
Draws are computed where they are used, from the counter-based streams of
``simulation/rng.py`` (the lottery of a candidate, an employer's vacancies),
so no step shares a generator. Reductions (``emigration_share_kernel``,
``tally_kernel``) sum over fixed blocks of persons in a fixed order, so they do
not depend on the thread count; a matching round's applications are a phase
(each applicant's choice and score in parallel, from their own draws) and its
offers rank the applicants per employer in person order, so it does not either.
Each kernel has a NumPy twin of the same name and signature in
``numpy_twins.py``.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from simulation.kernels.rules import jit
from simulation.rng import poisson, uniform
from simulation.state import ABROAD, IDLE, NO_INDEX, TRAINING, UNEMPLOYED, WAGE_EMPLOYED

kernel = njit(cache=True, nogil=True, parallel=True)  # a loop over persons, run in parallel
BLOCK = 65536  # persons per block of a reduction: fixes the order of float sums


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


SMALL_SELECTION = 4096  # places x applicants below which an employer's best are picked in place


@jit
def mark_best(group, score, places, hired):
    """Mark ``hired`` for the ``places`` applicants of ``group`` with the highest ``score``, ties going to the
    earlier in ``group``: the set ``first_k_smallest(-score[group], places)`` picks, found without allocating
    (an employer has a few places and a few applicants; allocating per employer cost more than ranking)."""
    for _ in range(places):
        best = -1
        for j in group:
            if not hired[j] and (best == -1 or score[j] > score[best]):
                best = j
        hired[best] = True


@jit
def make_offers_kernel(candidates, applied_employer, hiring_score, open_places, offer):
    """The employers' side of a matching round (the candidates applied in phase ``apply_to_employer``): each
    employer offers its ``open_places`` to its applicants of highest ``hiring_score`` (ties: the lower person
    index first); writes the offers into ``offer`` and returns who got one, ascending.

    Applicants are grouped by employer in candidate (person) order by a counting sort; an employer with a few
    places and applicants picks its best in place (``mark_best``), a long list by ``first_k_smallest``.
    ``offer`` must hold no offer (-1) for the candidates; others' entries are not touched.
    """
    k = candidates.size
    chosen = np.empty(k, dtype=np.int32)
    score = np.empty(k, dtype=np.float64)
    for j in range(k):
        chosen[j] = applied_employer[candidates[j]]
        score[j] = hiring_score[candidates[j]]
    per_employer = np.zeros(open_places.size + 1, dtype=np.int64)
    for j in range(k):
        if chosen[j] != NO_INDEX:
            per_employer[chosen[j] + 1] += 1
    start = np.cumsum(per_employer)  # applicants of employer e: grouped[start[e]:start[e + 1]]
    fill = start[:-1].copy()
    grouped = np.empty(start[-1], dtype=np.int64)
    for j in range(k):  # a counting sort keeps candidate (person) order within each employer
        e = chosen[j]
        if e != NO_INDEX:
            grouped[fill[e]] = j
            fill[e] += 1
    hired = np.zeros(k, dtype=np.bool_)
    for e in range(open_places.size):
        lo, hi = start[e], start[e + 1]
        places = open_places[e]  # >= 1: no one applied to an employer without places
        if hi - lo <= places:  # every applicant (or none)
            for q in range(lo, hi):
                hired[grouped[q]] = True
        elif places * (hi - lo) <= SMALL_SELECTION:
            mark_best(grouped[lo:hi], score, places, hired)
        else:
            group = grouped[lo:hi]
            for j in group[first_k_smallest(-score[group], places)]:
                hired[j] = True
    for j in range(k):
        if hired[j]:
            offer[candidates[j]] = chosen[j]
    return candidates[hired]


@kernel
def emigration_share_kernel(arrival_month, district, status, month, district_abroad_share):
    """Share of each district's population (arrived by ``month``) who are abroad: emigrants, whenever they left
    (a returnee who has arrived is at home; one who has not yet arrived is not in the population)."""
    n_blocks = (arrival_month.size + BLOCK - 1) // BLOCK
    n_districts = district_abroad_share.size
    counts = np.zeros((n_blocks, 2 * n_districts), dtype=np.int64)
    for b in prange(n_blocks):
        for i in range(b * BLOCK, min((b + 1) * BLOCK, arrival_month.size)):
            if arrival_month[i] <= month:
                counts[b, district[i]] += 1
                if status[i] == ABROAD:
                    counts[b, n_districts + district[i]] += 1
    total = counts.sum(axis=0)
    for d in range(n_districts):
        district_abroad_share[d] = total[n_districts + d] / max(total[d], 1)


@kernel
def tally_kernel(status, arrival_month, applied, enrolled, dropped_out, completed, certified, dismissed,
                 ever_hired, migrated, abroad_regular, formal_job, earnings, intent, centre, month, p, counts, income,
                 centre_trainees):
    """Counts of the monthly indicators (layout: ``metrics.TALLY``; migration intent above ``p.threshold``),
    the earnings of persons at home and the persons in training at each centre."""
    n_blocks = (status.size + BLOCK - 1) // BLOCK
    block_counts = np.zeros((n_blocks, counts.size), dtype=np.int64)
    block_income = np.zeros(n_blocks, dtype=np.float64)
    block_trainees = np.zeros((n_blocks, centre_trainees.size), dtype=np.int64)
    for b in prange(n_blocks):
        c = block_counts[b]
        for i in range(b * BLOCK, min((b + 1) * BLOCK, status.size)):
            if arrival_month[i] > month:
                continue
            s = status[i]
            if s == TRAINING:
                block_trainees[b, centre[i]] += 1
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
            c[16] += s == WAGE_EMPLOYED and not formal_job[i]
            if s != ABROAD:
                c[15] += intent[i] > p.threshold
                block_income[b] += earnings[i]
    counts[:] = block_counts.sum(axis=0)
    centre_trainees[:] = block_trainees.sum(axis=0)
    income[0] = 0.0
    for b in range(n_blocks):
        income[0] += block_income[b]


@jit
def admit_kernel(status, applied, enrolled, centre, uid, centre_intake_open, centre_seats, seed, month,
                 priority_stream):
    """Admissions at an intake (the rule of ``allocation.allocate_seats``); returns the admitted and the
    waiting applicants, each in person order.

    Waiting: applied, never enrolled, idle or searching, at a centre holding an
    intake. Each centre admits its waiting applicants in ascending order of their
    lottery draw from ``priority_stream`` (ties: lower person index first) until its seats are full.
    """
    n = status.size
    waiting = np.empty(n, dtype=np.int64)
    per_centre = np.zeros(centre_seats.size + 1, dtype=np.int64)
    admitted = np.zeros(n, dtype=np.bool_)
    k = 0
    for i in range(n):
        if (applied[i] and not enrolled[i] and (status[i] == IDLE or status[i] == UNEMPLOYED)
                and centre_intake_open[centre[i]]):
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
    for c in range(centre_seats.size):
        group = grouped[start[c]:start[c + 1]]
        if group.size > centre_seats[c]:
            lottery = np.empty(group.size, dtype=np.float64)
            for j in range(group.size):
                lottery[j] = uniform(seed, priority_stream, month, uid[group[j]])
            group = group[first_k_smallest(lottery, centre_seats[c])]
        for i in group:
            admitted[i] = True
    return np.flatnonzero(admitted), waiting[:k].copy()


@jit
def draw_vacancies_kernel(mean, seed, stream, month, vacancies):
    """Vacancies of each employer e this month:  Poisson(mean), keyed by e in ``stream``."""
    for e in range(vacancies.size):
        vacancies[e] = poisson(mean, seed, stream, month, e)
