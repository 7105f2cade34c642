"""Model-level allocation of contested resources, restated with whole-array NumPy: training seats and places.

The NumPy twins of the model-level kernels (``kernels/numpy_twins.py``) call these functions; the numba
kernels (``kernels/numba_kernels.py``) state the same rules with loops, and the tests hold them equal.
Each uses a documented, seeded priority rule and never hands out more than the capacity.
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


def offer_places(applied_employer: np.ndarray, score: np.ndarray, open_places: np.ndarray) -> np.ndarray:
    """Employer offering a job to each applicant (-1: none), given the employer each applied to (-1: none).

    Rule: an employer offers its ``open_places`` to its applicants of highest ``score``
    (``rules.hiring_score``), ties going to the earlier applicant.
    """
    offer = np.full(applied_employer.size, NO_INDEX, dtype=INT)
    idx = np.flatnonzero(applied_employer != NO_INDEX)
    chosen = applied_employer[idx]
    order, rank = rank_within_groups(chosen, -score[idx])
    hired = order[rank < open_places[chosen[order]]]
    offer[idx[hired]] = chosen[hired]
    return offer
