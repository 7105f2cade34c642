"""Same config and seed, same numbers; another seed, other numbers; streams do not interfere."""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulation.population import build_population
from simulation.rng import RandomStreams
from tests.conftest import SMALL, make_config, run_model


def test_same_seed_gives_identical_indicators():
    cfg = make_config(*SMALL, "seed=21")
    a, b = run_model(cfg), run_model(cfg)
    pd.testing.assert_frame_equal(a.timeseries(), b.timeseries())
    assert a.summary()["indicators"] == b.summary()["indicators"]


def test_another_seed_gives_different_indicators():
    a = run_model(make_config(*SMALL, "seed=21")).summary()["indicators"]
    b = run_model(make_config(*SMALL, "seed=22")).summary()["indicators"]
    differing = [k for k in a if a[k] != b[k]]
    assert len(differing) >= len(a) - 1


def test_named_streams_are_independent_of_each_other_and_of_order():
    s = RandomStreams(7)
    first = s.uniform("dropout", 3, 100)
    s.uniform("a_new_stream", 3, 100)  # drawing from another stream first changes nothing
    np.testing.assert_array_equal(s.uniform("dropout", 3, 100), first)
    assert not np.array_equal(s.uniform("dropout", 4, 100), first)
    assert not np.array_equal(s.uniform("migration", 3, 100), first)
    assert not np.array_equal(RandomStreams(8).uniform("dropout", 3, 100), first)
    # a person's draw does not depend on how many persons come after
    np.testing.assert_array_equal(s.uniform("dropout", 3, 1000)[:100], first)


def test_people_present_at_start_do_not_depend_on_the_horizon():
    cfg = make_config(*SMALL)
    short = build_population(cfg.scenario, 6, RandomStreams(1))
    long = build_population(cfg.scenario, 30, RandomStreams(1))
    n0 = cfg.scenario.n_youth
    assert long.n > short.n > n0
    for name in ("age", "skill", "district", "distance_km", "savings", "status", "female"):
        np.testing.assert_array_equal(getattr(short, name)[:n0], getattr(long, name)[:n0])


def test_a_run_does_not_touch_global_random_state():
    np.random.seed(0)
    before = np.random.random()
    np.random.seed(0)
    run_model(make_config(*SMALL), months=3)
    assert np.random.random() == before
