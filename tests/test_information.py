"""The information campaign (issue 33, part 5): what it changes, for whom, and how it fades."""

from __future__ import annotations

import math

import numpy as np
import pytest

import livelihoods
from simulation.kernels import rules
from simulation.model import LivelihoodsModel
from simulation.params import build_rules


def test_information_shifts_aspiration_by_the_earnings_gap_and_the_risk():
    p = build_rules(livelihoods.load_config()).intent
    assert rules.information_shift(-0.2, -0.3, p) == pytest.approx(p.gap_logit * math.log(0.8) - 0.3)
    assert rules.information_shift(0.0, 0.0, p) == 0.0
    low, high = (rules.intent_target(25.0, 50.0, False, 0.1, shift, p) for shift in (-0.5, 0.0))
    assert low < high


def test_a_campaign_reaches_its_share_and_its_message_fades_month_by_month():
    cfg = livelihoods.load_config({"scenario.n_youth": 4000, "months": 12, "policy": ["information_campaign"],
                                   "policy.information_campaign.reach_share": 0.5,
                                   "policy.information_campaign.monthly_decay": 0.1}, seed=3)
    model = LivelihoodsModel(cfg)
    model.step()  # month 1: the campaign
    info = model.people.migration_info
    reached = np.flatnonzero(info != 0)
    present = np.flatnonzero(model.people.arrival_month <= model.month)
    assert reached.size == pytest.approx(0.5 * present.size, rel=0.1)
    shift = info[reached[0]]
    assert shift < 0 and np.allclose(info[reached], shift)
    model.step()
    assert np.allclose(model.people.migration_info[reached], 0.9 * shift)
