"""Every kernel equals its NumPy twin, driven from the table of phases; the rules have the directions
their equations state."""

from __future__ import annotations

import copy
import itertools

import numpy as np
import pytest

from simulation import metrics
from simulation import phases as table
from simulation.engines import KernelEngine, TwinEngine
from simulation.kernels import numba_kernels, numpy_twins, rules
from simulation.state import ABROAD, NO_INDEX, PERSON_FIELDS, SELF_EMPLOYED, TRAINING, UNEMPLOYED, WAGE_EMPLOYED
from tests.conftest import SMALL, make_config, run_model

MODEL_LEVEL = sorted(name for name in dir(numba_kernels) if name.endswith("_kernel"))
# a loop's name and the phases it applies: each phase alone, then each fused loop
LOOPS = {phase.name: (phase.name,) for phase in table.PHASES} | table.FUSED


def test_every_phase_and_model_level_kernel_has_a_twin_with_the_same_argument_names():
    import inspect

    for phase in table.PHASES:
        twin = list(inspect.signature(getattr(numpy_twins, phase.name)).parameters)
        expected = set(phase.arguments) | set(phase.writes) | ({"ids"} if phase.over == "selected" else set())
        assert set(twin) == expected, phase.name
    assert MODEL_LEVEL == sorted(step.kernel for step in table.STEPS)
    for name in MODEL_LEVEL:
        jit_fn = getattr(numba_kernels, name)
        assert list(inspect.signature(jit_fn.py_func).parameters) == list(inspect.signature(getattr(numpy_twins, name)).parameters)


def test_the_table_declares_what_each_transition_returns_and_only_known_names():
    known = set(PERSON_FIELDS) | set(table.SCRATCH) | {"p", "seed", "month"}
    model = run_model(make_config(*SMALL), months=1)
    known |= set(model.inputs) | {key for extra in table.CALLER_INPUTS.values() for key in extra}
    for phase in table.PHASES:
        assert set(phase.arguments) <= known, phase.name
        assert len(set(phase.writes)) == len(phase.writes), phase.name


@pytest.fixture(scope="module", params=[3, 11])
def mid_run(request):
    """A model stopped mid-run, with every status and flag and varied decision inputs, ready for month 8."""
    model = run_model(make_config(*SMALL, f"seed={request.param}"), months=7)
    P, n = model.people, model.people.n
    g = np.random.default_rng(request.param)
    # policies will set these decision inputs; give them varied values so the kernels see them
    P.stipend[:] = g.choice([0.0, 30.0, 70.0, 150.0], n)
    P.transport_covered_share[:] = g.choice([0.0, 0.5, 1.0], n)
    P.childcare_access[:] = g.random(n) < 0.5
    P.startup_capital[:] = g.choice([0.0, 200.0], n)
    P.migration_info[:] = g.choice([0.0, -0.4, 0.2], n)  # an information campaign's fading shifts
    P.trained_skill[:] = np.minimum(P.skill, g.choice([0.0, 0.05, 0.1], n))  # completers' course skill, fading
    P.work_skill[:] = np.minimum(P.skill - P.trained_skill, g.choice([0.0, 0.02, 0.06, 0.1], n))  # learned at work
    P.formal_job[:] = (P.status == WAGE_EMPLOYED) & (g.random(n) < 0.5)  # formal and informal wage jobs
    P.business_capital[:] = np.where(P.status == SELF_EMPLOYED, g.choice([0.0, 150.0, 400.0], n), 0.0)
    P.wage_subsidy_share[:] = g.choice([0.0, 0.5, 1.0], n)  # vouchers and apprenticeship places
    P.wage_subsidy_months[:] = np.where(P.wage_subsidy_share > 0, g.choice([1, 3, 6], n), 0)
    employed = P.status == WAGE_EMPLOYED  # subsidised jobs at every month of their subsidy, reviews due
    P.subsidy_months_left[:] = np.where(employed, g.choice([0, 0, 1, 2, 4], n), 0)
    P.tenure_months[employed] = g.integers(0, 5, int(employed.sum()))
    # some capable intenders, so the migration rule has decisions to make
    P.intent[:] = g.random(n)
    P.savings[g.random(n) < 0.3] += 1000.0
    P.awaiting_regular_route[:] = g.random(n) < 0.2
    present = P.arrival_month <= model.month  # returnees due later (next month's too) stay abroad, waiting to arrive
    gone = present & (g.random(n) < 0.05)  # some emigration in every district, for the peers' share
    P.migrated |= gone
    P.status[gone] = ABROAD
    P.abroad_regular[gone & (g.random(n) < 0.3)] = True  # some on a regular contract, who do not age abroad
    top = model.cfg.scenario.population.age_max
    P.age[gone & (g.random(n) < 0.5)] = top - 0.01  # half the emigrants reach the top of the age range this month
    P.applied |= g.random(n) < 0.3  # waiting lists longer than the seats, for admissions
    # a share of persons in training at every course month, at centres that differ
    pick = present & (g.random(n) < 0.3)
    P.status[pick] = TRAINING
    P.course_months[pick] = 3
    P.months_in_course[pick] = g.integers(0, 3, pick.sum())
    P.dropout_course_month[pick] = 0
    k = len(model.centre_agents)
    model.inputs["centre_childcare"][:] = np.arange(k) % 2 == 0
    model.inputs["centre_certification_rate"][:] = np.linspace(0.5, 0.95, k)
    model.inputs["centre_recognised_share"][:] = np.linspace(0.9, 0.2, k)
    model.inputs["centre_course_months"][:] = 2 + np.arange(k) % 3
    model.inputs["employer_probation"][:] = 1 + np.arange(len(model.employer_agents)) % 3
    # every scratch array in use: searchers, and offers from about one person in five
    model.scratch["searching"][:] = g.random(n) < 0.6
    offer = np.where(g.random(n) < 0.2, g.integers(0, len(model.employer_agents), n), -1)
    model.scratch["offer"][:] = offer
    model.inputs["district_abroad_share"][:] = g.random(len(model.inputs["district_wage"])) * 0.3
    model.month += 1
    return model


def _clone(model):
    """A copy of the model's arrays (state, scratch, inputs) that a loop can change without touching the original."""
    twin = copy.copy(model)
    twin.people = copy.deepcopy(model.people)
    twin.scratch = {k: v.copy() for k, v in model.scratch.items()}
    twin.inputs = {k: v.copy() for k, v in model.inputs.items()}
    return twin


def _ids(model, name):
    phase = table.BY_NAME.get(name)
    if phase is None or phase.over == "all":
        return None
    if name == "arrive":  # everyone: the rule itself picks this month's arrivals
        return np.arange(model.people.n)
    return np.flatnonzero(np.random.default_rng(1).random(model.people.n) < 0.3)


def _state(model):
    return {**{f: getattr(model.people, f) for f in PERSON_FIELDS}, **model.scratch}


def _assert_same(a, b, name):
    for field, x in _state(a).items():
        y = _state(b)[field]
        if x.dtype.kind == "f":
            np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-12, err_msg=f"{name}: {field}")
        else:
            np.testing.assert_array_equal(x, y, err_msg=f"{name}: {field}")  # integers and booleans: exactly


def _run(model, engine_cls, name, **extra):
    engine = engine_cls.__new__(engine_cls)
    engine_cls.__init__(engine, model)
    engine.run(name, _ids(model, name), **extra)


def _round_inputs(model) -> dict:
    """A matching round's own inputs: open places (0, 1 or 2 per employer) and the main round's streams."""
    from simulation.rng import stream_key

    return {"open_places": (np.arange(len(model.employer_agents)) % 3).astype(np.int32),
            "choice_stream": np.int64(stream_key("job_choice")), "priority_stream": np.int64(stream_key("hiring_priority"))}


EXTRA = {"return_home": {"return_savings": 321.0}}


def _extra(model, name) -> dict:
    return _round_inputs(model) if name == "apply_to_employer" else EXTRA.get(name, {})


@pytest.mark.parametrize("name", sorted(LOOPS))
def test_loop_equals_numpy_twins_phase_by_phase(mid_run, name):
    """Each generated loop (a phase, or a fused run of phases) equals the phases' twins applied in turn."""
    fast, twin = _clone(mid_run), _clone(mid_run)
    _run(fast, KernelEngine, name, **_extra(fast, name))
    _run(twin, TwinEngine, name, **_extra(twin, name))
    _assert_same(fast, twin, name)
    written = {w for member in LOOPS[name] for w in table.BY_NAME[member].writes}
    changed = [w for w in written if not np.array_equal(_state(fast)[w], _state(mid_run)[w])]
    assert changed, f"{name} changed nothing: the comparison would be vacuous"
    untouched = [f for f in _state(mid_run) if f not in written
                 and not np.array_equal(_state(fast)[f], _state(mid_run)[f])]
    assert not untouched, f"{name} wrote fields the table does not declare: {untouched}"


@pytest.mark.parametrize("name", sorted(table.FUSED))
def test_a_fused_loop_equals_its_phases_run_one_after_the_other(mid_run, name):
    fused, apart = _clone(mid_run), _clone(mid_run)
    _run(fused, KernelEngine, name)
    for member in table.FUSED[name]:
        _run(apart, KernelEngine, member)
    _assert_same(fused, apart, name)


def _same_typed_read_pairs():
    """(phase, a, b) for every two person fields a phase reads with one dtype. Index fields (district, centre,
    employer) are left out: fed another field's values, a compiled kernel (no bounds checks) would read
    outside its arrays."""
    pairs = []
    for phase in table.PHASES:
        reads = [a for a in phase.reads if a not in phase.writes and a != "uid"
                 and not (a in PERSON_FIELDS and PERSON_FIELDS[a].unit == "index")]
        for a, b in itertools.combinations(reads, 2):
            if np.dtype(PERSON_FIELDS[a].dtype if a in PERSON_FIELDS else table.SCRATCH[a]) == \
                    np.dtype(PERSON_FIELDS[b].dtype if b in PERSON_FIELDS else table.SCRATCH[b]):
                pairs.append((phase.name, a, b))
    return pairs


@pytest.mark.parametrize("name,a,b", _same_typed_read_pairs())
def test_two_same_typed_inputs_swapped_would_be_caught(mid_run, name, a, b):
    """Arguments are bound by name; were two same-typed inputs swapped, the twin comparison would fail."""
    fast, twin = _clone(mid_run), _clone(mid_run)
    first, second = getattr(fast.people, a), getattr(fast.people, b)
    setattr(fast.people, a, second)  # the kernel receives b's array as a, and a's as b
    setattr(fast.people, b, first)
    _run(fast, KernelEngine, name, **_extra(fast, name))
    _run(twin, TwinEngine, name, **_extra(twin, name))
    with pytest.raises(AssertionError):
        _assert_same(fast, twin, name)


@pytest.fixture()
def level(mid_run):
    """Model-level kernels with both implementations, each on its own copy of the model."""
    return _clone(mid_run), _clone(mid_run)


def test_admissions_equal_their_twin_and_never_exceed_the_seats(level):
    fast, twin = level
    k = len(fast.centre_agents)
    seats = (np.arange(k) % 4 * 5).astype(np.int32)
    for model in level:
        model.inputs["centre_seats"][:] = seats
    a, waiting_a = KernelEngine(fast).step("admit", centre_intake_open=np.ones(k, dtype=bool))
    b, waiting_b = TwinEngine(twin).step("admit", centre_intake_open=np.ones(k, dtype=bool))
    np.testing.assert_array_equal(waiting_a, waiting_b)
    np.testing.assert_array_equal(a, b)
    assert a.size > 0 and (np.bincount(fast.people.centre[a], minlength=k) <= seats).all()


def _matching_round(model, engine_cls, candidates):
    """Applications (phase ``apply_to_employer``) then offers (step ``make_offers``), as ``model.make_offers``."""
    engine, inputs = engine_cls(model), _round_inputs(model)
    engine.run("apply_to_employer", candidates, **inputs)
    return engine.step("make_offers", candidates=candidates, open_places=inputs["open_places"])


def test_matching_round_equals_its_twin(level):
    fast, twin = level
    n_emp = len(fast.employer_agents)
    open_places = _round_inputs(fast)["open_places"]  # 0, 1 or 2 places
    searching = np.flatnonzero(fast.scratch["searching"])
    for model in (fast, twin):
        model.scratch["offer"][:] = NO_INDEX  # a round starts with no offer held
    got = _matching_round(fast, KernelEngine, searching)
    want = _matching_round(twin, TwinEngine, searching)
    np.testing.assert_array_equal(got, want)
    a, b = fast.scratch["offer"], twin.scratch["offer"]
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(np.flatnonzero(a != NO_INDEX), got)  # who got an offer, ascending
    assert np.isin(got, searching).all() and got.size > 10
    assert (np.bincount(a[a >= 0], minlength=n_emp) <= open_places).all()
    # a round over some of the searchers reaches only those: the others' offers are not touched
    some = searching[::3]
    for model in (fast, twin):
        model.scratch["offer"][:] = NO_INDEX
    got = _matching_round(fast, KernelEngine, some)
    np.testing.assert_array_equal(got, _matching_round(twin, TwinEngine, some))
    np.testing.assert_array_equal(fast.scratch["offer"], twin.scratch["offer"])
    assert np.isin(got, some).all() and (fast.scratch["offer"][np.setdiff1d(searching, some)] == NO_INDEX).all()


def test_an_employers_best_applicants_are_picked_in_place_as_by_partial_sorting():
    """``mark_best`` (few places, few applicants) picks the set ``first_k_smallest`` picks, ties included."""
    g = np.random.default_rng(11)
    for _ in range(300):
        n = int(g.integers(1, 25))
        places = int(g.integers(1, n + 1))
        score = g.integers(0, 4, size=60).astype(np.float64)  # few distinct values: many ties
        group = np.sort(g.choice(60, size=n, replace=False)).astype(np.int64)
        hired = np.zeros(60, dtype=np.bool_)
        numba_kernels.mark_best(group, score, places, hired)
        expected = group[numba_kernels.first_k_smallest(-score[group], places)]
        np.testing.assert_array_equal(np.flatnonzero(hired), np.sort(expected))


def test_vacancies_emigration_and_tally_equal_their_twins(level):
    fast, twin = level
    f, t = KernelEngine(fast), TwinEngine(twin)
    va, vb = np.zeros(50, dtype=np.int64), np.zeros(50, dtype=np.int64)
    f.step("draw_vacancies", mean=2.5, stream="vacancies", vacancies=va)
    t.step("draw_vacancies", mean=2.5, stream="vacancies", vacancies=vb)
    np.testing.assert_array_equal(va, vb)
    assert va.sum() > 0
    f.step("emigration_share")
    t.step("emigration_share")
    np.testing.assert_allclose(fast.inputs["district_abroad_share"], twin.inputs["district_abroad_share"], rtol=1e-12)
    (ca, ia), (cb, ib) = [(np.zeros(len(metrics.TALLY), dtype=np.int64), np.zeros(1)) for _ in range(2)]
    f.step("tally", counts=ca, income=ia)
    t.step("tally", counts=cb, income=ib)
    np.testing.assert_array_equal(ca, cb)
    np.testing.assert_array_equal(fast.inputs["centre_trainees"], twin.inputs["centre_trainees"])
    assert ia[0] == pytest.approx(ib[0], rel=1e-12) and fast.inputs["centre_trainees"].sum() > 0


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
    assert rules.intent_target(25.0, 50.0, False, 0.1, 0.0, p) > rules.intent_target(25.0, 200.0, False, 0.1, 0.0, p)
    assert rules.intent_target(25.0, 50.0, False, 0.4, 0.0, p) > rules.intent_target(25.0, 50.0, False, 0.1, 0.0, p)
    assert rules.intent_target(25.0, 50.0, True, 0.1, 0.0, p) > rules.intent_target(25.0, 50.0, False, 0.1, 0.0, p)
    assert rules.update_intent(0.2, 0.8, p) == pytest.approx(0.2 + p.adjustment_rate * 0.6)


def test_migration_needs_both_intent_and_savings():
    from simulation.params import build_rules

    p = build_rules(make_config()).migration
    assert 0 < p.family_share < 1
    own = (1 - p.family_share) * p.migration_cost  # the family pays the rest of the journey
    rich, poor = own + 1, own - 1
    certain = p._replace(move_probability=1.0)  # every capable intender leaves, whatever the draw

    def leaves(status, intent, savings, awaiting):
        return rules.migration_transition(status, intent, savings, awaiting, False, -1, 0.0, certain, 1, 0, 0)[2]

    assert leaves(UNEMPLOYED, 0.9, rich, False)
    assert not leaves(UNEMPLOYED, 0.9, poor, False)
    assert not leaves(UNEMPLOYED, p.threshold - 0.01, rich, False)
    assert not leaves(TRAINING, 0.9, rich, False)
    assert not leaves(UNEMPLOYED, 0.9, rich, True)  # waits for the regular route
    status, savings, migrated, employer, earnings = rules.migration_transition(
        WAGE_EMPLOYED, 0.9, rich, False, False, 4, 120.0, certain, 1, 0, 0)
    assert (status, savings, migrated, employer, earnings) == (ABROAD, pytest.approx(1.0), True, -1, 0.0)


def test_emigrants_age_out_of_the_range_and_the_row_stands_for_an_entrant_at_home():
    from simulation.params import build_rules
    from simulation.state import IDLE

    p = build_rules(make_config()).ageing
    span = p.age_max - p.age_min
    top = p.age_max - 0.01  # reaches a_max this month
    # at home: the age wraps, the status stays
    assert rules.age_transition(WAGE_EMPLOYED, top, False, 0, 5, p) == (WAGE_EMPLOYED, pytest.approx(top + 1 / 12 - span))
    # abroad, irregular: ages, and at a_max the row comes home as an entrant out of the labour force
    assert rules.age_transition(ABROAD, 30.0, False, 0, 5, p) == (ABROAD, pytest.approx(30.0 + 1 / 12))
    assert rules.age_transition(ABROAD, top, False, 0, 5, p) == (IDLE, pytest.approx(top + 1 / 12 - span))
    # abroad on a regular contract: comes back through the scheme, age unchanged while away
    assert rules.age_transition(ABROAD, top, True, 0, 5, p) == (ABROAD, top)
    # a returnee who has not arrived yet (abroad until month 6) neither ages nor comes home early
    assert rules.age_transition(ABROAD, top, False, 6, 5, p) == (ABROAD, top)
