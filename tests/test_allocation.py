"""Seat and vacancy allocation: capacity, eligibility and priority, for arbitrary inputs (hypothesis)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulation.allocation import allocate_seats, offer_places
from simulation.state import NO_INDEX


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
@given(n=st.integers(0, 300), employers=st.integers(1, 20), seed=st.integers(0, 10_000))
def test_offers_respect_places_and_go_to_the_best_applicants(n, employers, seed):
    g = np.random.default_rng(seed)
    applied = np.where(g.random(n) < 0.6, g.integers(0, employers, n), NO_INDEX).astype(np.int32)
    score = g.integers(0, 5, n) / 4.0  # many ties: they go to the earlier applicant
    places = g.poisson(1.5, employers).astype(np.int32)
    offer = offer_places(applied, score, places)
    got = offer >= 0
    assert (offer[got] == applied[got]).all()  # an offer comes from the employer applied to
    per_employer = np.bincount(offer[got], minlength=employers)
    for e in range(employers):
        mine = np.flatnonzero(applied == e)
        assert per_employer[e] == min(places[e], mine.size)  # no place left open while someone applied
        if mine.size > places[e] > 0:  # the best win; among equal scores, the earlier
            ranked = sorted(mine, key=lambda i: (-score[i], i))
            assert set(np.flatnonzero(offer == e)) == set(ranked[:places[e]])


@pytest.mark.parametrize("engine", ["numba", "numpy"])
def test_a_matching_round_is_applications_then_offers(small_config, engine):
    """The phase ``apply_to_employer`` (each candidate: an employer of the home district, whose threshold the
    perceived skill reaches) and the step ``make_offers`` (places to the best) give offers only within those
    rules, in the kernels and in their twins alike."""
    from simulation.model import LivelihoodsModel

    model = LivelihoodsModel(small_config, engine=engine)
    model.step()
    P, inputs = model.people, model.inputs
    candidates = model.searchers  # this month's searchers; those not hired are still searching
    model.vacancies[:], model.hires[:] = 2, 0  # a round with two places at every employer
    offered = model.make_offers(candidates, "job_choice", "hiring_priority")
    assert offered.size > 0
    employer = model.scratch["offer"][offered]
    applied = model.scratch["applied_employer"][candidates]
    assert set(offered) <= set(candidates[applied != NO_INDEX])
    assert (model.employer_district[employer] == P.district[offered]).all()
    seen = np.where(P.is_returnee[offered] & ~P.certified[offered], P.claimed_skill[offered], P.skill[offered])
    assert (seen >= inputs["employer_threshold"][employer]).all()
    assert (np.bincount(employer, minlength=model.vacancies.size) <= model.vacancies - model.hires).all()


def test_uncertified_returnees_are_judged_on_their_claim():
    from simulation.kernels.rules import perceived_skill

    assert [perceived_skill(0.3, 0.5, returnee, certified) for returnee, certified in
            ((True, False), (True, True), (False, False))] == [0.5, 0.3, 0.3]


@pytest.mark.parametrize("seed", range(6))
def test_first_k_smallest_picks_what_a_stable_sort_would_pick(seed):
    from simulation.kernels.numba_kernels import first_k_smallest

    g = np.random.default_rng(seed)
    values = g.integers(0, 8, 200).astype(np.float64)  # many ties
    for k in (0, 1, 7, 50, 199, 200, 250):
        expected = np.sort(np.argsort(values, kind="stable")[:k])
        np.testing.assert_array_equal(np.sort(first_k_smallest(values, k)), expected)
