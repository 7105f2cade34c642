"""Model-level allocation of contested resources: training seats and vacancies.

Both engines call these functions, so seats and vacancies are shared out
identically. Each uses a documented, seeded priority rule and never hands out
more than the capacity.
"""

from __future__ import annotations

import numpy as np

from simulation.state import INT, NO_INDEX


def rank_within_groups(groups: np.ndarray, priority: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Order items by group, then by ascending priority; return (order, rank within group)."""
    order = np.lexsort((priority, groups))
    sorted_groups = groups[order]
    first = np.searchsorted(sorted_groups, sorted_groups, side="left")
    return order, np.arange(order.size) - first


def allocate_seats(waiting: np.ndarray, centre: np.ndarray, seats: np.ndarray, lottery: np.ndarray) -> np.ndarray:
    """Indices of waiting applicants admitted at an intake.

    Rule: at each centre, applicants on the waiting list are admitted in
    ascending order of a lottery draw (``enrolment_priority`` stream) until the
    centre's seats for the intake are full.
    """
    idx = np.flatnonzero(waiting)
    order, rank = rank_within_groups(centre[idx], lottery[idx])
    chosen = idx[order]
    return np.sort(chosen[rank < seats[centre[chosen]]])


def perceived_skill(skill, claimed_skill, is_returnee, certified):
    """What an employer sees: actual skill, except the claim of an uncertified returnee."""
    return np.where(is_returnee & ~certified, claimed_skill, skill)


def match_jobs(searching, district, perceived, bonus, employer_district, employer_threshold, vacancies,
               u_choice, u_priority, priority_noise) -> np.ndarray:
    """Employer offering a job to each person (-1: no offer this month).

    Rule: each searcher applies to one employer of the home district, chosen
    uniformly (``job_choice`` stream). An employer considers applicants whose
    perceived skill reaches its threshold and ranks them by
    perceived skill + certificate bonus + noise * u (``hiring_priority`` stream),
    highest first, making offers up to its vacancies of the month.
    """
    offer = np.full(searching.size, NO_INDEX, dtype=INT)
    n_districts = int(max(district.max(initial=0), employer_district.max(initial=0))) + 1
    by_district = np.argsort(employer_district, kind="stable")
    count = np.bincount(employer_district, minlength=n_districts)
    first = np.cumsum(count) - count

    idx = np.flatnonzero(searching)
    idx = idx[count[district[idx]] > 0]
    d = district[idx]
    pick = np.minimum(np.floor(u_choice[idx] * count[d]).astype(np.int64), count[d] - 1)
    chosen = by_district[first[d] + pick]
    ok = perceived[idx] >= employer_threshold[chosen]
    idx, chosen = idx[ok], chosen[ok]
    score = perceived[idx] + bonus[idx] + priority_noise * u_priority[idx]
    order, rank = rank_within_groups(chosen, -score)
    hired = order[rank < vacancies[chosen[order]]]
    offer[idx[hired]] = chosen[hired]
    return offer
