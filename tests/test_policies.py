"""Interventions: directions of effects across seeds, paired by seed; zero policies; budgets; engines."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulation.policies import POLICIES
from simulation.state import PERSON_FIELDS
from tests.conftest import SMALL, make_config, run_model

SEEDS = (1, 2, 3, 4)
ALL = "policy=[" + ",".join(POLICIES) + "]"


def runs(*overrides, seeds=SEEDS):
    return [run_model(make_config(f"seed={s}", *overrides)).summary() for s in seeds]


def paired(a, b, *path):
    """Per-seed differences b - a of the value at ``path`` (paired comparison, common random numbers)."""
    def get(s):
        for key in path:
            s = s[key]
        return s
    return np.array([get(y) - get(x) for x, y in zip(a, b)])


@pytest.fixture(scope="module")
def none():
    return runs()


def test_higher_stipend_lowers_dropout_with_diminishing_returns(none):
    levels = (0, 20, 40, 60, 120)
    dropout = [np.mean([s["indicators"]["dropout_rate"] for s in
                        (none if x == 0 else runs("policy=[stipend]", f"policy.stipend.monthly_amount={x}"))])
               for x in levels]
    steps = -np.diff(dropout)
    assert steps[0] > 0.05 and (steps >= 0).all(), dropout  # never raises dropout
    assert (np.diff(steps) <= 1e-12).all(), dropout  # each extra 20-60 USD buys less
    assert steps[-1] < steps[0] / 10, dropout  # beyond covering costs, next to nothing


def test_childcare_raises_mothers_completion_and_leaves_the_childless_nearly_unchanged():
    for seed in SEEDS:
        rates = []
        for policy in ((), ("policy=[childcare]",)):
            P = run_model(make_config(f"seed={seed}", *policy)).people
            mothers = P.female & (P.dependents > 0) & P.enrolled
            childless = (P.dependents == 0) & P.enrolled
            rates.append((P.completed[mothers].mean(), P.completed[childless].mean()))
        (mothers_before, childless_before), (mothers_after, childless_after) = rates
        assert mothers_after - mothers_before > 0.10
        # only through the labour market (who is free to enrol): well under a point
        assert abs(childless_after - childless_before) < 0.01


def test_transport_helps_far_youth_more_than_near_youth(none):
    transport = runs("policy=[transport]")
    far = -paired(none, transport, "by_group", "far", "dropout_rate")
    near = -paired(none, transport, "by_group", "near", "dropout_rate")
    assert (far > near + 0.05).all(), (far, near)


def test_certification_lowers_dismissal_of_returnees(none):
    cert = runs("policy=[certification]")
    change = paired(none, cert, "by_group", "returnees", "dismissal_rate")
    assert (change < -0.1).all(), change


def test_mobility_scheme_raises_regular_and_lowers_irregular_migration(none):
    scheme = runs("policy=[mobility_scheme]")
    assert (paired(none, scheme, "indicators", "regular_migration_rate") > 0).all()
    assert (paired(none, scheme, "indicators", "irregular_migration_rate") < 0).all()
    assert all(s["indicators"]["regular_migration_rate"] == 0 for s in none)


def test_startup_kits_raise_self_employment(none):
    kits = runs("policy=[startup_kit]")
    assert (paired(none, kits, "indicators", "self_employment_rate") > 0.01).all()


@pytest.mark.parametrize("policy", ["apprenticeship", "job_referral"])
def test_placement_services_raise_completers_employment(none, policy):
    served = runs(f"policy=[{policy}]")
    assert (paired(none, served, "training", "employment_rate_completers") > 0).all()


ZERO = {
    "stipend": "policy.stipend.monthly_amount=0",
    "childcare": "policy.childcare.coverage_share=0",
    "transport": "policy.transport.covered_share=0",
    "mobility_scheme": "policy.mobility_scheme.slots_per_1000_youth_per_year=0",
    "startup_kit": "policy.startup_kit.kit_value=0",
    "certification": "policy.certification.target=district:nowhere",
    "apprenticeship": "policy.apprenticeship.extra_vacancies_per_host=0",
    "job_referral": "policy.job_referral.budget=0",
    "wage_subsidy": "policy.wage_subsidy.subsidy_share=0",
    "information_campaign": "policy.information_campaign.reach_share=0",
}


@pytest.mark.parametrize("policy", list(POLICIES))
def test_a_policy_that_reaches_nobody_or_pays_nothing_is_bit_identical_to_none(policy):
    zero = ZERO[policy]
    if "nowhere" in zero:  # a target group with nobody in it: a district of the scenario left empty
        zero = "policy.certification.budget=0"
    base = run_model(make_config(*SMALL))
    for override in (zero, f"policy.{policy}.budget=0"):
        other = run_model(make_config(*SMALL, f"policy=[{policy}]", override))
        for name in PERSON_FIELDS:
            np.testing.assert_array_equal(getattr(base.people, name), getattr(other.people, name), err_msg=name)
        pd.testing.assert_frame_equal(base.timeseries(), other.timeseries())


def test_spending_never_exceeds_the_budget_and_the_summary_says_when_it_ran_out():
    budgets = [f"policy.{name}.budget=2000" for name in POLICIES]
    summary = run_model(make_config(*SMALL, ALL, *budgets)).summary()
    by_policy = summary["cost"]["by_policy"]
    assert set(by_policy) == set(POLICIES)
    for name, report in by_policy.items():
        assert 0 <= report["spent"] <= 2000 + 1e-6, name
    exhausted = [name for name, r in by_policy.items() if r["budget_exhausted_month"] is not None]
    assert len(exhausted) >= 4  # a small budget runs out for most policies
    cost = summary["cost"]
    assert cost["total"] == pytest.approx(cost["training"] + cost["policies"])
    assert cost["policies"] == pytest.approx(sum(r["spent"] for r in by_policy.values()))


def test_engines_agree_with_every_policy_switched_on():
    cfg = make_config(*SMALL, ALL, "seed=6")
    fast, ref = run_model(cfg, engine="numba"), run_model(cfg, engine="mesa")
    for name in PERSON_FIELDS:
        np.testing.assert_array_equal(getattr(fast.people, name), getattr(ref.people, name), err_msg=name)
    assert json.dumps(fast.summary(), sort_keys=True) == json.dumps(ref.summary(), sort_keys=True)
    assert fast.people.abroad_regular.any() and fast.people.certified.any()


def test_summary_reports_cost_and_both_migration_routes_for_every_group():
    summary = run_model(make_config(*SMALL, "policy=[stipend,childcare,transport]")).summary()
    assert {"total", "by_policy", "average_per_enrolee", "average_per_completer",
            "average_per_employed_completer"} <= set(summary["cost"])
    cost, n = summary["cost"], summary["counts"]
    assert cost["average_per_employed_completer"] > cost["average_per_completer"] > cost["average_per_enrolee"] > 0
    assert cost["average_per_completer"] == pytest.approx(cost["total"] / n["completed"])
    assert n["employed_completers"] <= n["completed"] <= n["enrolled"] and n["certified"] <= n["completed"]
    for group in ("indicators", *[("by_group", g) for g in summary["by_group"]]):
        node = summary[group] if isinstance(group, str) else summary[group[0]][group[1]]
        assert {"regular_migration_rate", "irregular_migration_rate"} <= set(node)


@pytest.mark.parametrize("target", ["women", "mothers", "returnees", "far", "district:rural"])
def test_targeting_reaches_only_the_target_group(target):
    from simulation.metrics import group_masks, is_far
    from simulation.model import LivelihoodsModel

    model = LivelihoodsModel(make_config(*SMALL, "policy=[stipend,transport]", f"policy.stipend.target={target}",
                                         f"policy.transport.target={target}"))
    reached = np.zeros(model.people.n, dtype=bool)
    for _ in range(6):
        model.step()
        P = model.people
        reached |= (P.stipend > 0) | (P.transport_covered_share > 0)
    present = P.arrival_month <= model.month
    if target == "far":
        group = is_far(P, present)
    elif target.startswith("district:"):
        group = P.district == 2
    else:
        group = group_masks(P, present)[target]
    assert reached.any() and not (reached & ~group).any()


@settings(max_examples=12, deadline=None)
@given(chosen=st.sets(st.sampled_from(sorted(POLICIES)), min_size=1), seed=st.integers(0, 1000))
def test_any_combination_of_policies_runs_and_keeps_rates_and_spending_valid(chosen, seed):
    cfg = make_config("scenario.n_youth=600", "months=14", f"seed={seed}", f"policy=[{','.join(sorted(chosen))}]")
    summary = run_model(cfg).summary()
    assert set(summary["cost"]["by_policy"]) == chosen
    assert all(r["spent"] >= 0 for r in summary["cost"]["by_policy"].values())
    for name, value in summary["indicators"].items():
        if name.endswith("_rate") and value == value:
            assert 0.0 <= value <= 1.0, name


HOOKS = ("start_of_month", "before_attendance", "after_training", "after_matching", "before_migration")


@pytest.mark.parametrize("name", list(POLICIES))
def test_a_policy_sets_only_the_person_fields_it_declares(name):
    """Each hook call of the policy, alone in a run, changes only the person fields its declaration lists
    (``person_fields``), and in two years it changes at least one of them."""
    from simulation.model import LivelihoodsModel

    cfg = make_config(*SMALL, "months=24", "seed=2", f"policy=[{name}]", "scenario.returnees.initial_share=0.2",
                      *(["policy.mobility_scheme.slots_per_1000_youth_per_year=40"] if name == "mobility_scheme"
                        else []))
    model = LivelihoodsModel(cfg)
    (policy,) = model.policies.items
    changed: set[str] = set()

    def watched(hook):
        def call(*args):
            before = {f: getattr(model.people, f).copy() for f in PERSON_FIELDS}
            hook(*args)
            changed.update(f for f in PERSON_FIELDS if not np.array_equal(before[f], getattr(model.people, f)))
        return call

    for hook in HOOKS:
        setattr(policy, hook, watched(getattr(policy, hook)))
    for _ in range(cfg.months):
        model.step()
    declared = set(POLICIES[name].person_fields)
    assert changed <= declared, sorted(changed - declared)
    assert changed, "the policy changed no person field in two years: the check would be vacuous"
