"""The counter-based generator: bit for bit against its references, uniform, per-person common random numbers,
thread-count independence, and agreement in distribution with the engine it replaced."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from simulation.kernels.numpy_twins import philox_uniform
from simulation.population import build_population
from simulation.rng import Streams, philox4x32, stream_key, uniform
from simulation.state import PERSON_FIELDS
from tests.conftest import SMALL, make_config, run_model

# Random123's known-answer vectors for Philox4x32-10 (kat_vectors: counter, key -> output)
KNOWN_ANSWERS = [
    ((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
    ((0xFFFFFFFF,) * 4, (0xFFFFFFFF,) * 2, (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
    ((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344), (0xA4093822, 0x299F31D0),
     (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1)),
]


@pytest.mark.parametrize("counter,key,expected", KNOWN_ANSWERS)
def test_philox_matches_the_published_known_answers(counter, key, expected):
    assert tuple(int(w) for w in philox4x32(*counter, *key)) == expected


def test_philox_matches_randomgen_bit_for_bit_on_random_counters_and_keys():
    """randomgen's Philox(number=4, width=32) is an independent, maintained implementation of the same function."""
    randomgen = pytest.importorskip("randomgen")
    g = np.random.default_rng(0)
    for _ in range(500):
        counter, key = g.integers(0, 2**32, 4, dtype=np.uint64), g.integers(0, 2**32, 2, dtype=np.uint64)
        bit_generator = randomgen.Philox(number=4, width=32)
        state = bit_generator.state
        # randomgen adds one to the 128-bit counter before each block: start one below
        value = (sum(int(c) << (32 * i) for i, c in enumerate(counter)) - 1) % 2**128
        state["state"] = {"counter": np.array([(value >> (32 * i)) & 0xFFFFFFFF for i in range(4)], dtype=np.uint32),
                          "key": key.astype(np.uint32)}
        state["buffer_pos"] = 4
        bit_generator.state = state
        expected = [int(w) for w in bit_generator.random_raw(4)]
        assert [int(w) for w in philox4x32(*(int(c) for c in counter), *(int(k) for k in key))] == expected


def test_the_numpy_restatement_draws_the_same_numbers():
    uid = np.concatenate([np.arange(5000), -1 - np.arange(100)])
    key = stream_key("dropout")
    expected = np.array([uniform(7, key, 12, int(i)) for i in uid])
    np.testing.assert_array_equal(philox_uniform(7, key, 12, uid), expected)
    np.testing.assert_array_equal(Streams(7).uniform("dropout", 12, uid), expected)


def test_draws_are_uniform():
    """Chi-square over 100 equal bins of a million draws, and the first moments, at the 1e-4 level."""
    from scipy import stats

    u = Streams(3).uniform("uniformity", 5, np.arange(1_000_000))
    assert u.min() >= 0.0 and u.max() < 1.0
    counts = np.bincount((u * 100).astype(int), minlength=100)
    assert stats.chisquare(counts).pvalue > 1e-4
    assert abs(u.mean() - 0.5) < 4 * np.sqrt(1 / 12 / u.size)
    assert stats.kstest(u, "uniform").pvalue > 1e-4
    # neighbouring persons and neighbouring months are not correlated
    v = Streams(3).uniform("uniformity", 6, np.arange(1_000_000))
    assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < 4e-3 and abs(np.corrcoef(u, v)[0, 1]) < 4e-3


def test_samplers_have_the_moments_of_their_distributions():
    s, ids = Streams(11), np.arange(200_000)
    z = s.normal("z", -1, ids)
    assert abs(z.mean()) < 0.01 and abs(z.std() - 1) < 0.01
    b = s.beta("b", -1, 2.0, 5.0, ids)
    assert abs(b.mean() - 2 / 7) < 0.003 and abs(b.var() - 10 / (49 * 8)) < 0.001
    for mean in (0.4, 3.5, 40.0, 3000.0):
        k = s.poisson("k", -1, mean, ids[:50_000])
        assert abs(k.mean() - mean) < 5 * np.sqrt(mean / k.size) and abs(k.var() / mean - 1) < 0.05


def test_a_draw_depends_only_on_seed_stream_month_person_and_slot():
    s = Streams(7)
    first = s.uniform("dropout", 3, np.arange(100))
    s.uniform("a_new_stream", 3, np.arange(100))  # drawing from another stream first changes nothing
    np.testing.assert_array_equal(s.uniform("dropout", 3, np.arange(100)), first)
    np.testing.assert_array_equal(s.uniform("dropout", 3, np.arange(99, -1, -1))[::-1], first)  # order
    np.testing.assert_array_equal(s.uniform("dropout", 3, np.arange(10_000))[:100], first)  # more persons
    for other in (s.uniform("dropout", 4, np.arange(100)), s.uniform("migration", 3, np.arange(100)),
                  Streams(8).uniform("dropout", 3, np.arange(100)), s.uniform("dropout", 3, np.arange(100, 200))):
        assert not np.isclose(other, first).any()


def test_adding_persons_changes_no_one_elses_attributes_or_draws():
    """Per-person common random numbers: 1,000 or 1,300 youth, the first thousand are the same people."""
    small = build_population(make_config(*SMALL, "scenario.n_youth=1000").scenario, 12, Streams(4))
    large = build_population(make_config(*SMALL, "scenario.n_youth=1300").scenario, 12, Streams(4))
    for name in PERSON_FIELDS:
        np.testing.assert_array_equal(getattr(small, name)[:1000], getattr(large, name)[:1000], err_msg=name)
    # arriving returnees keep their ids (-1, -2, ...) and so their attributes, whatever the youth
    k = min(small.n, large.n) - 1300
    np.testing.assert_array_equal(small.skill[1000:1000 + k], large.skill[1300:1300 + k])


def test_a_policy_changes_the_path_of_only_the_people_it_reaches():
    """A transport subsidy for one district leaves every path in the other districts as it was, person by person,
    up to the labour market they share (vacancies): checked on the draws of the phases before it."""
    base = make_config(*SMALL, "months=6", "seed=9")
    policy = make_config(*SMALL, "months=6", "seed=9", "policy=[transport]", "policy.transport.target=district:town")
    a, b = run_model(base, months=1), run_model(policy, months=1)
    other = a.people.district != 1
    assert (b.people.transport_covered_share[~other] > 0).any()
    for name in ("applied", "enrolled", "dropped_out", "completed", "months_in_course"):
        np.testing.assert_array_equal(getattr(a.people, name)[other], getattr(b.people, name)[other], err_msg=name)


def test_results_do_not_depend_on_the_thread_count():
    import numba

    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("one core: nothing to compare")
    one = run_model(make_config(*SMALL, "seed=13", "threads=1"))
    two = run_model(make_config(*SMALL, "seed=13", f"threads={numba.config.NUMBA_NUM_THREADS}"))
    assert one.threads == 1 and two.threads > 1
    for name in PERSON_FIELDS:
        np.testing.assert_array_equal(getattr(one.people, name), getattr(two.people, name), err_msg=name)
    assert one.rows == two.rows
    # threads: 0 (the default) is one thread below the size where threads pay off
    assert run_model(make_config(*SMALL, "months=1", "threads=0")).threads == 1


RECORDED = json.loads((Path(__file__).parent / "data" / "engine_distribution.json").read_text())


@pytest.fixture(scope="module")
def new_engine_sample():
    from tools.engine_distribution import CASE, indicators

    assert RECORDED["case"] == CASE
    runs = [indicators(seed) for seed in RECORDED["seeds"]]
    return {key: [r[key] for r in runs] for key in runs[0]}


def test_the_new_generator_agrees_in_distribution_with_the_one_it_replaced(new_engine_sample):
    """Each mean indicator over the 30 seeds lies within the two samples' 99.9% interval of the old one's.

    This is also the check that issue 33 left the rest of the model as it was: with its mechanisms switched off
    (``tools/engine_distribution.ISSUE_33_OFF``), the model agrees in distribution with the one recorded before.

    The old engine (NumPy PCG64 streams) was recorded at commit ``recorded_at`` by
    ``tools/engine_distribution.py``; the numbers of every run changed once with
    the generator, but not the model they come from.
    """
    old = RECORDED["indicators"]
    assert set(old) <= set(new_engine_sample)  # indicators added since (informal employment) are not compared
    checked = 0
    # since the recording, ages cycle within the age range (issue 16), which raises intent by ~2 points:
    # the one indicator whose rule changed is left out (tools/engine_distribution.AS_RECORDED restores the rest)
    changed_since = {"migration_intent_rate"}
    for key, before in old.items():
        if key in changed_since:
            continue
        x, y = np.asarray(before, dtype=float), np.asarray(new_engine_sample[key], dtype=float)
        if np.isnan(x).any() or np.isnan(y).any():
            continue
        se = np.sqrt(x.var(ddof=1) / x.size + y.var(ddof=1) / y.size)
        assert abs(x.mean() - y.mean()) <= 3.3 * se + 1e-12, (key, x.mean(), y.mean(), se)
        checked += 1
    assert checked >= 11
