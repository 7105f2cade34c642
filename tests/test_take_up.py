"""Take-up as a choice (issue 33, part 5): a person offered a day-care place, a referral or a place in a mobility
scheme uses it with a probability that depends on trust, distance and the fee; coverage and use differ and the
ledger reports both."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from simulation.policies import POLICIES
from simulation.policies.base import TakeUpConfig, take_up_probability
from simulation.state import PERSON_FIELDS
from tests.conftest import SMALL, make_config, run_model

SERVICES = sorted(name for name, policy in POLICIES.items() if issubclass(policy.config, TakeUpConfig))


def test_the_services_people_choose_to_use():
    assert SERVICES == ["childcare", "job_referral", "mobility_scheme"]


def test_take_up_falls_with_distance_and_fee_by_the_stated_logits():
    cfg = make_config("policy=[childcare]", "policy.childcare.take_up_logit=1.0",
                      "policy.childcare.take_up_logit_per_10km=0.5", "policy.childcare.user_fee=10",
                      "policy.childcare.take_up_logit_per_fee_share=2.0").policy.childcare
    near_free = take_up_probability(0.0, 1e12, cfg)  # a fee against a huge income: no weight
    assert near_free == pytest.approx(1 / (1 + math.exp(-1.0)))
    logit = np.log(take_up_probability(np.array([0.0, 20.0, 20.0]), np.array([1e12, 1e12, 50.0]), cfg))
    logit -= np.log1p(-np.exp(logit))
    assert np.diff(logit) == pytest.approx([-0.5 * 2, -2.0 * 10 / 50])


def run_childcare(*overrides):
    """A run with day-care for every mother (coverage 1) and the take-up drivers given; the ledger's line."""
    model = run_model(make_config("scenario.n_youth=20000", "months=24", "policy=[childcare]",
                                  "policy.childcare.coverage_share=1.0", *overrides))
    return model.summary()


def test_a_planted_take_up_is_recovered_and_coverage_and_use_differ():
    """Trust only (no distance or fee effect), P = logistic(0.4) = 0.60: of the mothers offered a place, 60% use it
    (within 4 standard errors); use below coverage in the ledger; mothers' dropout between no take-up and full."""
    planted = 1 / (1 + math.exp(-0.4))
    summary = run_childcare("policy.childcare.take_up_logit=0.4", "policy.childcare.take_up_logit_per_10km=0")
    line = summary["cost"]["by_policy"]["childcare"]
    offered, used = line["offered"], line["used"]
    assert offered > 300
    assert abs(used / offered - planted) < 4 * math.sqrt(planted * (1 - planted) / offered), (used, offered)
    everyone = run_childcare("policy.childcare.take_up_logit=50", "policy.childcare.take_up_logit_per_10km=0")
    nobody = run_childcare("policy.childcare.take_up_logit=-50")
    assert everyone["cost"]["by_policy"]["childcare"]["used"] == everyone["cost"]["by_policy"]["childcare"]["offered"]
    dropout = [s["by_group"]["mothers"]["dropout_rate"] for s in (everyone, summary, nobody)]
    assert dropout[0] < dropout[1] < dropout[2], dropout
    spent = [s["cost"]["by_policy"]["childcare"]["spent"] for s in (everyone, summary, nobody)]
    assert spent[0] > spent[1] > spent[2] == 0.0  # places nobody uses cost nothing


def test_a_fee_deters_use_and_the_programme_pays_the_rest():
    free = run_childcare("policy.childcare.take_up_logit_per_10km=0")["cost"]["by_policy"]["childcare"]
    paid = run_childcare("policy.childcare.take_up_logit_per_10km=0", "policy.childcare.user_fee=10",
                         "policy.childcare.take_up_logit_per_fee_share=5")["cost"]["by_policy"]["childcare"]
    assert paid["offered"] == free["offered"] and paid["used"] < free["used"]
    assert paid["spent"] / paid["grants"] < free["spent"] / free["grants"]  # the user pays 10 USD of each month


@pytest.mark.parametrize("policy", SERVICES)
def test_a_service_nobody_uses_leaves_the_run_bit_identical_to_none(policy):
    base = run_model(make_config(*SMALL))
    other = run_model(make_config(*SMALL, f"policy=[{policy}]", f"policy.{policy}.take_up_logit=-100"))
    for name in PERSON_FIELDS:
        np.testing.assert_array_equal(getattr(base.people, name), getattr(other.people, name), err_msg=name)
    pd.testing.assert_frame_equal(base.timeseries(), other.timeseries())
    line = other.summary()["cost"]["by_policy"][policy]
    assert line["offered"] > 0 and line["used"] == 0  # offered to some, used by none
