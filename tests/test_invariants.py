"""Invariants of every month: one status each, people conserved, capacities respected, rates in [0, 1]."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulation.metrics import INDICATORS
from simulation.model import LivelihoodsModel
from simulation.policies import POLICIES
from simulation.state import ABROAD, STATUS_NAMES, TRAINING
from tests.conftest import SMALL, make_config, run_model

ALL_POLICIES = "policy=[" + ",".join(POLICIES) + "]"


@pytest.fixture(scope="module", params=["none", "all policies"])
def monthly_checks(request):
    """Step a model (without, then with every policy) and record what each invariant needs, month by month."""
    policies = [ALL_POLICIES, "policy.mobility_scheme.contract_months=4"] if request.param != "none" else []
    cfg = make_config(*SMALL, "seed=13", "months=24", *policies)
    model = LivelihoodsModel(cfg)
    present = model.people.arrival_month <= model.month
    abroad_at_start = int((present & (model.people.status == ABROAD)).sum())  # emigrants of the burn-in
    records = []
    for _ in range(cfg.months):
        previous_abroad = model.people.migrated.copy()
        model.step()
        P = model.people
        present = P.arrival_month <= model.month
        records.append(dict(
            month=model.month,
            status=P.status[present].copy(),
            present=int(present.sum()),
            initial=int((P.arrival_month == 0).sum()),
            arrived=int(((P.arrival_month > 0) & present).sum()),
            at_home=int((present & (P.status != ABROAD)).sum()),
            abroad=int((present & (P.status == ABROAD)).sum()),
            migrated=int((present & P.migrated).sum()),
            admitted=[(c.admitted, c.seats_per_intake, c.holds_intake(model.record_month))
                      for c in model.centre_agents],
            in_training=np.bincount(P.centre[P.status == TRAINING], minlength=len(model.centre_agents)),
            hires=[(e.hires, e.vacancies) for e in model.employer_agents],
            left_before=int(previous_abroad.sum()),
            row=dict(model.latest),
            spending=[sum(p.monthly_spending.values()) for p in model.policies.items],
            month_spending=[p.monthly_spending.get(model.record_month, 0.0) for p in model.policies.items],
            abroad_at_start=abroad_at_start,
        ))
    return model, records


def test_everyone_holds_exactly_one_valid_status_each_month(monthly_checks):
    _, records = monthly_checks
    for r in records:
        assert r["status"].size == r["present"]
        assert ((r["status"] >= 0) & (r["status"] < len(STATUS_NAMES))).all()
        stocks = sum(r["row"][name] for name in ("idle", "training", "unemployed", "wage_employed",
                                                 "self_employed", "abroad"))
        assert stocks == r["present"]


def test_people_are_conserved(monthly_checks):
    _, records = monthly_checks
    for r in records:
        assert r["at_home"] + r["abroad"] == r["initial"] + r["arrived"]
        # abroad: those who left during the run (some came back) and the emigrants of the burn-in
        assert r["abroad"] <= r["migrated"] + r["abroad_at_start"]
    assert records[-1]["arrived"] > records[0]["arrived"] > 0  # returnees keep arriving


def test_seats_are_never_exceeded_and_intakes_only_when_scheduled(monthly_checks):
    model, records = monthly_checks
    admitted_total = 0
    for r in records:
        for admitted, seats, intake in r["admitted"]:
            assert admitted <= seats
            assert intake or admitted == 0
            admitted_total += admitted
        # a course lasts less than the interval between intakes: no more in training than one intake's seats
        assert (r["in_training"] <= np.array([s for _, s, _ in r["admitted"]])).all()
    assert admitted_total == model.people.enrolled.sum() > 0
    assert any(a == s for r in records for a, s, _ in r["admitted"])  # capacity binds at least once


def test_vacancies_are_never_exceeded(monthly_checks):
    _, records = monthly_checks
    total = 0
    for r in records:
        for hires, vacancies in r["hires"]:
            assert 0 <= hires <= vacancies
            total += hires
    assert total > 0


def test_rates_lie_in_the_unit_interval_and_indicators_are_finite(monthly_checks):
    model, records = monthly_checks
    for r in records:
        for name in INDICATORS:
            value = r["row"][name]
            assert not math.isinf(value)
            if name.endswith("_rate"):
                assert math.isnan(value) or 0.0 <= value <= 1.0
    summary = model.summary()
    for group in summary["by_group"].values():
        assert all(math.isfinite(v) for k, v in group.items() if k != "dismissal_rate")


def test_savings_never_negative_and_status_flags_consistent(monthly_checks):
    model, _ = monthly_checks
    P = model.people
    assert (P.savings >= 0).all()
    assert not (P.completed & (P.status == TRAINING)).any()
    assert (P.enrolled >= P.completed).all() and (P.enrolled >= P.dropped_out).all()
    assert not (P.completed & P.dropped_out).any()
    assert (P.certified <= (P.completed | P.is_returnee)).all()  # returnees may be certified by assessment
    assert (P.recognised <= P.certified).all()
    assert (P.ever_hired >= P.dismissed).all()


def test_spending_is_never_negative(monthly_checks):
    _, records = monthly_checks
    for r in records:
        assert all(amount >= -1e-9 for amount in r["month_spending"])
        assert all(total >= -1e-9 for total in r["spending"])


@pytest.mark.parametrize("scenario", ["baseline", "mali_returnees", "lebanon_bml", "timbuktu_youth"])
@pytest.mark.parametrize("policies", ["policy=[]", "policy=[certification]", ALL_POLICIES])
def test_the_funnel_is_consistent_and_equals_the_counts(scenario, policies):
    """applied >= enrolled >= completed >= certified, employed completers <= completed, and the funnel's counts
    are the summary's ``counts`` (the certification policy certifies returnees who never trained: the funnel's
    certified are completers certified, as everywhere else)."""
    cfg = make_config(f"scenario={scenario}", "scenario.n_youth=800", "months=8", "seed=3", policies,
                      "scenario.returnees.initial_share=0.2")
    summary = run_model(cfg).summary()
    f, c = summary["training"]["funnel"], summary["counts"]
    assert f["population"] >= f["applied"] >= f["enrolled"] >= f["completed"] >= f["certified"]
    assert f["employed_completers"] <= f["completed"]
    assert {k: f[k] for k in ("enrolled", "completed", "certified", "employed_completers")} == \
        {k: c[k] for k in ("enrolled", "completed", "certified", "employed_completers")}
