"""Every numba kernel equals its NumPy twin; the rules have the directions their equations state."""

from __future__ import annotations

import numpy as np
import pytest

from simulation.kernels import numba_kernels, numpy_twins, rules
from simulation.state import PERSON_FIELDS, TRAINING, UNEMPLOYED
from tests.conftest import SMALL, make_config, run_model

KERNELS = [name for name in dir(numba_kernels) if name.endswith("_kernel")]


def test_every_kernel_has_a_twin_with_the_same_signature():
    import inspect

    assert len(KERNELS) == 15
    for name in KERNELS:
        jit_fn = getattr(numba_kernels, name)
        twin = getattr(numpy_twins, name)
        assert list(inspect.signature(jit_fn.py_func).parameters) == list(inspect.signature(twin).parameters)


@pytest.fixture(scope="module", params=[3, 11])
def mid_run(request):
    """A model stopped mid-run, so every status and flag occurs; draws for the next month."""
    model = run_model(make_config(*SMALL, f"seed={request.param}"), months=7)
    P = model.people
    g = np.random.default_rng(request.param)
    # policies will set these decision inputs; give them varied values so the kernels see them
    P.stipend[:] = g.choice([0.0, 30.0, 70.0, 150.0], P.n)
    P.transport_covered_share[:] = g.choice([0.0, 0.5, 1.0], P.n)
    P.childcare_access[:] = g.random(P.n) < 0.5
    P.startup_capital[:] = g.choice([0.0, 200.0], P.n)
    # some capable intenders, so the migration kernel has decisions to make
    P.intent[:] = g.random(P.n)
    P.savings[g.random(P.n) < 0.3] += 1000.0
    P.awaiting_regular_route[:] = g.random(P.n) < 0.2
    P.migrated |= g.random(P.n) < 0.05  # some emigration in every district, for the peers' share
    P.applied |= g.random(P.n) < 0.3  # waiting lists longer than the seats, for admissions
    # put a share of persons in training at every course month so the training kernels have work
    pick = g.random(P.n) < 0.3
    P.status[pick] = TRAINING
    P.course_months[pick] = 3
    P.months_in_course[pick] = g.integers(0, 3, pick.sum())
    return model, g


def _arguments(model, name, u):
    """The arguments the engine passes to kernel ``name`` (copied so each side gets fresh arrays)."""
    from simulation.engines import KernelEngine

    captured = {}

    class Recorder:
        def __getattr__(self, attr):
            def record(*args):
                captured["args"] = args
            return record

    engine = KernelEngine(model, Recorder())
    offers = np.where(np.arange(model.people.n) % 5 == 0, np.arange(model.people.n) % len(model.employer_agents), -1)
    searching = u < 0.6
    open_places = (np.arange(len(model.employer_agents)) % 3).astype(np.int32)  # 0, 1 or 2 places
    u_priority = np.random.default_rng(1).random(u.size)
    u_priority[::7] = 0.5  # ties in the hiring score, broken by person order
    calls = {
        "apply_kernel": lambda: engine.apply_for_training(u),
        "attend_kernel": lambda: engine.attend(u),
        "progress_kernel": lambda: engine.progress(u),
        "labour_force_kernel": lambda: engine.join_or_leave_labour_force(u),
        "search_kernel": lambda: engine.search(u),
        "accept_kernel": lambda: engine.consider_offers(offers.astype(np.int32)),
        "business_kernel": lambda: engine.run_businesses(u),
        "separation_kernel": lambda: engine.keep_or_lose_jobs(u),
        "income_kernel": lambda: engine.earn_and_save(),
        "intent_kernel": lambda: engine.update_intent(),
        "emigration_kernel": lambda: engine.emigration_share(),
        "tally_kernel": lambda: engine.tally(),
        "match_kernel": lambda: engine.match(searching, open_places, u, u_priority),
        "admit_kernel": lambda: engine.admit(np.ones(len(model.centre_agents), dtype=bool),
                                             (np.arange(len(model.centre_agents)) % 4 * 5).astype(np.int32), u),
        "migration_kernel": lambda: engine.consider_migrating(u),
    }
    calls[name]()
    return captured["args"]


def _copy(args):
    return [a.copy() if isinstance(a, np.ndarray) else a for a in args]


@pytest.mark.parametrize("name", KERNELS)
def test_kernel_equals_numpy_twin(mid_run, name):
    model, g = mid_run
    u = g.random(model.people.n)
    args = _arguments(model, name, u)
    a, b = _copy(args), _copy(args)
    getattr(numba_kernels, name)(*a)
    getattr(numpy_twins, name)(*b)
    changed = False
    for before, x, y in zip(args, a, b):
        if not isinstance(x, np.ndarray):
            continue
        changed |= not np.array_equal(before, x)
        if x.dtype.kind == "f":
            np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-12)
        else:
            np.testing.assert_array_equal(x, y)  # integers and booleans: exactly
    assert changed, f"{name} changed nothing: the comparison would be vacuous"


def test_person_fields_have_one_dtype_policy():
    kinds = {np.dtype(f.dtype) for f in PERSON_FIELDS.values()}
    assert kinds == {np.dtype(np.float64), np.dtype(np.int32), np.dtype(np.bool_)}


# --------------------------------------------------------------------------- rule directions


@pytest.fixture(scope="module")
def dropout_rule():
    from simulation.params import build_rules

    return build_rules(make_config()).dropout


def test_dropout_hazard_is_highest_in_the_first_course_month(dropout_rule):
    h = [rules.dropout_hazard(m, 30.0, 0.0, 2.0, 10.0, False, dropout_rule) for m in (1, 2, 3, 4)]
    assert h[0] > h[1] > h[2] > h[3] > 0


def test_care_barrier_raises_dropout_by_its_hazard(dropout_rule):
    without = rules.dropout_hazard(2, 30.0, 0.0, 2.0, 10.0, False, dropout_rule)
    with_care = rules.dropout_hazard(2, 30.0, 0.0, 2.0, 10.0, True, dropout_rule)
    assert with_care == pytest.approx(1 - (1 - without) * (1 - dropout_rule.care_barrier_hazard))


def test_stipend_has_diminishing_returns_and_no_effect_once_costs_are_covered(dropout_rule):
    stipends = np.arange(0.0, 200.0, 10.0)
    h = np.array([rules.dropout_hazard(2, 40.0, s, 0.0, 10.0, False, dropout_rule) for s in stipends])
    drops = -np.diff(h)
    assert (drops >= -1e-15).all()  # never raises dropout
    assert drops[0] > drops[2] > 0  # smaller gains at higher stipends
    assert h[-1] == h[-2]  # forgone income (40) covered: more stipend changes nothing


def test_stipend_that_does_not_cover_fares_helps_far_youth_little(dropout_rule):
    """A 30 USD stipend: near youth (fare 2) gain much more than far youth (fare 60)."""
    def gain(fare):
        before = rules.dropout_hazard(2, 40.0, 0.0, fare, 10.0, False, dropout_rule)
        after = rules.dropout_hazard(2, 40.0, 30.0, fare, 10.0, False, dropout_rule)
        return before - after
    assert gain(2.0) > 3 * gain(60.0) >= 0


def test_intent_rises_with_the_income_gap_and_peers():
    from simulation.params import build_rules

    p = build_rules(make_config()).intent
    assert rules.intent_target(25.0, 50.0, False, 0.1, p) > rules.intent_target(25.0, 200.0, False, 0.1, p)
    assert rules.intent_target(25.0, 50.0, False, 0.4, p) > rules.intent_target(25.0, 50.0, False, 0.1, p)
    assert rules.intent_target(25.0, 50.0, True, 0.1, p) > rules.intent_target(25.0, 50.0, False, 0.1, p)
    assert rules.update_intent(0.2, 0.8, p) == pytest.approx(0.2 + p.adjustment_rate * 0.6)


def test_migration_needs_both_intent_and_savings():
    from simulation.params import build_rules

    p = build_rules(make_config()).migration
    rich, poor = p.migration_cost + 1, p.migration_cost - 1
    assert rules.migration_transition(UNEMPLOYED, 0.9, rich, False, 0.0, p)[2]
    assert not rules.migration_transition(UNEMPLOYED, 0.9, poor, False, 0.0, p)[2]
    assert not rules.migration_transition(UNEMPLOYED, p.threshold - 0.01, rich, False, 0.0, p)[2]
    assert not rules.migration_transition(TRAINING, 0.9, rich, False, 0.0, p)[2]
    assert not rules.migration_transition(UNEMPLOYED, 0.9, rich, True, 0.0, p)[2]  # waits for the regular route
    status, savings, _ = rules.migration_transition(UNEMPLOYED, 0.9, rich, False, 0.0, p)
    assert savings == pytest.approx(1.0)
