"""Invariants under property-based tests: random valid configurations, every month checked (hypothesis).

Each example draws a scenario, a population size, a horizon, a seed, any subset
of the eight policies with random levels, budgets and target groups, and a few
behavioural parameters within their plausible ranges; the model is stepped and
after every month these must hold: everyone present holds exactly one valid
status; people are conserved (at home + abroad = initial + arrived); seats,
vacancies and mobility slots are never exceeded; spending is never negative and
never above a budget; rates lie in [0, 1]; indicators are finite.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulation.config import TARGETS
from simulation.metrics import INDICATORS
from simulation.model import LivelihoodsModel
from simulation.policies import POLICIES
from simulation.state import ABROAD, STATUS_NAMES, TRAINING
from tests.conftest import make_config

SCENARIOS = ("baseline", "mali_returnees", "lebanon_bml", "timbuktu_youth")
money = st.floats(0, 300, allow_nan=False).map(lambda x: round(x, 2))
share = st.floats(0, 1, allow_nan=False).map(lambda x: round(x, 3))


@st.composite
def valid_configs(draw):
    overrides = [f"scenario={draw(st.sampled_from(SCENARIOS))}",
                 f"scenario.n_youth={draw(st.integers(40, 900))}",
                 f"months={draw(st.integers(1, 14))}",
                 f"seed={draw(st.integers(0, 2**31 - 1))}",
                 f"behaviour.dropout.base_logit={draw(st.floats(-4.5, -2.5)):.3f}",
                 f"behaviour.labour.separation_rate={draw(st.floats(0.01, 0.05)):.4f}",
                 f"behaviour.intent.base_logit={draw(st.floats(-4.0, -1.5)):.3f}"]
    policies = draw(st.lists(st.sampled_from(sorted(POLICIES)), unique=True, max_size=len(POLICIES)))
    overrides.append(f"policy=[{','.join(policies)}]")
    for name in policies:
        overrides.append(f"policy.{name}.target={draw(st.sampled_from(TARGETS))}")
        budget = draw(st.one_of(st.none(), st.floats(0, 20_000).map(lambda x: round(x, 2))))
        overrides.append(f"policy.{name}.budget={'null' if budget is None else budget}")
    levels = {"stipend": [f"policy.stipend.monthly_amount={draw(money)}"],
              "childcare": [f"policy.childcare.coverage_share={draw(share)}"],
              "transport": [f"policy.transport.covered_share={draw(share)}"],
              "mobility_scheme": [f"policy.mobility_scheme.slots_per_1000_youth_per_year={draw(st.integers(0, 1000))}",
                                  f"policy.mobility_scheme.contract_months={draw(st.integers(1, 6))}",
                                  f"policy.mobility_scheme.pre_departure_months={draw(st.integers(0, 3))}"],
              "startup_kit": [f"policy.startup_kit.kit_value={draw(money)}"],
              "certification": [f"policy.certification.pass_threshold={draw(share)}"],
              "apprenticeship": [f"policy.apprenticeship.extra_vacancies_per_host={draw(st.floats(0, 3)):.2f}"],
              "job_referral": [f"policy.job_referral.extra_applications={draw(st.integers(1, 3))}",
                               f"policy.job_referral.take_up_logit={draw(st.floats(-5, 5)):.2f}"],
              "wage_subsidy": [f"policy.wage_subsidy.subsidy_share={draw(share)}"],
              "information_campaign": [f"policy.information_campaign.reach_share={draw(share)}"]}
    for name in policies:
        overrides += levels[name]
    return overrides


def check_month(model, before_spent, recruited_rounds) -> None:
    P, month = model.people, model.month
    present = P.arrival_month <= month
    status = P.status[present]
    assert ((status >= 0) & (status < len(STATUS_NAMES))).all()
    row = model.latest
    assert sum(row[name] for name in STATUS_NAMES) == row["population"] == int(present.sum())
    at_home, abroad = int((status != ABROAD).sum()), int((status == ABROAD).sum())
    assert at_home + abroad == int((P.arrival_month == 0).sum()) + int(((P.arrival_month > 0) & present).sum())
    assert abroad <= int((present & P.migrated).sum()) + model.rows[0]["abroad"]  # and the burn-in's emigrants
    assert (P.status[~present] == ABROAD).all()  # returnees not yet arrived are not in the population
    for centre in model.centre_agents:
        assert 0 <= centre.admitted <= centre.seats_per_intake
    in_training = np.bincount(P.centre[P.status == TRAINING], minlength=len(model.centre_agents))
    assert (in_training <= model.centre_seats * model.centre_course_months).all()
    assert ((model.hires >= 0) & (model.hires <= model.vacancies)).all()
    assert (P.savings >= -1e-9).all()
    for policy in model.policies.items:
        assert policy.spent >= -1e-6
        assert policy.monthly_spending.get(model.record_month, 0.0) >= -1e-6  # refunds never exceed the month's payments
        assert policy.committed >= -1e-6
        if policy.cfg.budget is not None:
            assert policy.spent + policy.committed <= policy.cfg.budget + 1e-6  # what is paid and promised
        assert policy.spent >= before_spent.get(policy.name, 0.0) - 1e-6  # money spent is never given back
        if policy.name == "mobility_scheme":
            assert int((P.abroad_regular & P.migrated).sum()) <= policy.slots * recruited_rounds
    for name in INDICATORS:
        value = row[name]
        assert not math.isinf(value)
        if name.endswith("_rate"):
            assert math.isnan(value) or 0.0 <= value <= 1.0


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_configs())
def test_invariants_hold_every_month_for_random_valid_configurations(overrides):
    model = LivelihoodsModel(make_config(*overrides))
    recruited_rounds = 0
    for _ in range(model.cfg.months):
        before = {p.name: p.spent for p in model.policies.items}
        model.step()
        recruited_rounds += (model.record_month - 1) % 12 == 0  # the mobility scheme recruits once a year
        check_month(model, before, recruited_rounds)
    summary = model.summary()
    for values in [summary["indicators"], *summary["by_group"].values()]:
        assert all(not math.isinf(v) for v in values.values())
    assert summary["cost"]["total"] >= 0
