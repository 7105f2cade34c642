"""Seat and vacancy allocation: capacity, eligibility and priority, for arbitrary inputs (hypothesis)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulation.allocation import allocate_seats, match_jobs, perceived_skill


@settings(max_examples=150, deadline=None)
@given(n=st.integers(0, 300), centres=st.integers(1, 6), seed=st.integers(0, 10_000), max_seats=st.integers(0, 40))
def test_seats_respect_capacity_and_lottery_order(n, centres, seed, max_seats):
    g = np.random.default_rng(seed)
    waiting = g.random(n) < 0.6
    centre = g.integers(0, centres, n).astype(np.int32)
    seats = g.integers(0, max_seats + 1, centres).astype(np.int32)
    lottery = g.random(n)
    admitted = allocate_seats(waiting, centre, seats, lottery)
    assert waiting[admitted].all()
    per_centre = np.bincount(centre[admitted], minlength=centres)
    assert (per_centre <= seats).all()
    for c in range(centres):
        queue = waiting & (centre == c)
        assert per_centre[c] == min(seats[c], queue.sum())  # no seat left empty while someone waits
        if per_centre[c] and queue.sum() > per_centre[c]:  # lowest draws win
            chosen = lottery[admitted[centre[admitted] == c]]
            rejected = lottery[queue & ~np.isin(np.arange(n), admitted)]
            assert chosen.max() < rejected.min()


@settings(max_examples=150, deadline=None)
@given(n=st.integers(0, 300), employers=st.integers(0, 20), districts=st.integers(1, 4), seed=st.integers(0, 10_000))
def test_offers_respect_vacancies_district_and_threshold(n, employers, districts, seed):
    g = np.random.default_rng(seed)
    searching = g.random(n) < 0.5
    district = g.integers(0, districts, n).astype(np.int32)
    perceived = g.random(n)
    bonus = g.choice([0.0, 0.03], n)
    employer_district = g.integers(0, districts, employers).astype(np.int32)
    threshold = g.uniform(0.1, 0.7, employers)
    vacancies = g.poisson(1.5, employers).astype(np.int32)
    offer = match_jobs(searching, district, perceived, bonus, employer_district, threshold, vacancies,
                       g.random(n), g.random(n), 0.3)
    got = offer >= 0
    assert searching[got].all()
    assert (employer_district[offer[got]] == district[got]).all()
    assert (perceived[got] >= threshold[offer[got]]).all()
    assert (np.bincount(offer[got], minlength=employers) <= vacancies).all()


def test_uncertified_returnees_are_judged_on_their_claim():
    skill = np.array([0.3, 0.3, 0.3])
    claimed = np.array([0.5, 0.5, 0.5])
    returnee = np.array([True, True, False])
    certified = np.array([False, True, False])
    np.testing.assert_array_equal(perceived_skill(skill, claimed, returnee, certified), [0.5, 0.3, 0.3])


@pytest.mark.parametrize("seed", range(6))
def test_first_k_smallest_picks_what_a_stable_sort_would_pick(seed):
    from simulation.kernels.numba_kernels import first_k_smallest

    g = np.random.default_rng(seed)
    values = g.integers(0, 8, 200).astype(np.float64)  # many ties
    for k in (0, 1, 7, 50, 199, 200, 250):
        expected = np.sort(np.argsort(values, kind="stable")[:k])
        np.testing.assert_array_equal(np.sort(first_k_smallest(values, k)), expected)
