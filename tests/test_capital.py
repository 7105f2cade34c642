"""Capital that is spent and lost (issue 33, part 2): start-up capital is invested when a business opens, wears
while it runs and is lost in part when it fails; capital raises entry only up to what a business needs, so a kit's
effect on entry is bounded whatever its size."""

from __future__ import annotations

import pytest

import livelihoods
from simulation.kernels import rules
from simulation.params import build_rules
from simulation.state import SELF_EMPLOYED, UNEMPLOYED

SIZE = {"scenario.n_youth": 20000, "months": 24}


@pytest.fixture(scope="module")
def p():
    return build_rules(livelihoods.load_config()).livelihood


def business(p, status, startup, invested, draw):
    """business_transition with the month's draw forced: 0 (every event happens) or just below 1 (none does)."""
    forced = p._replace(entry_logit=100.0 if draw == 0 else -100.0,
                        failure_logit=100.0 if draw == 0 else -100.0)
    return rules.business_transition(status, 4, 0.0, startup, invested, 0.0, 0.5, forced, 1, 5, 7)  # no course held


def test_capital_is_invested_at_entry_worn_while_running_and_lost_in_part_at_failure(p):
    assert business(p, UNEMPLOYED, 300.0, 0.0, 0) == (SELF_EMPLOYED, 0, 0.0, 300.0)  # the kit goes into the business
    kept = business(p, SELF_EMPLOYED, 0.0, 300.0, 1)
    assert kept == (SELF_EMPLOYED, 5, 0.0, pytest.approx(300.0 * (1 - p.capital_depreciation_rate)))
    failed = business(p, SELF_EMPLOYED, 20.0, 300.0, 0)
    assert failed[0] == UNEMPLOYED and failed[3] == 0.0  # the business's capital is gone ...
    assert failed[2] == pytest.approx(20.0 + 300.0 * (1 - p.capital_loss_on_failure))  # ... but for what is sold on
    assert failed[2] < 20.0 + 300.0  # less capital after a failure than before it
    assert 0 < p.capital_loss_on_failure <= 1 and 0 < p.capital_depreciation_rate < 1


def test_a_kits_lift_to_entry_is_bounded_by_what_a_business_needs(p):
    """The stated bound: P(entry a month) <= logistic(c0 + c_K n_K + c_T), reached at n_K minimum wages of capital."""
    bound = rules.logistic(p.entry_logit + p.capital_logit_per_wage * p.capital_needed_wages + p.trained_logit)
    need = p.capital_needed_wages * p.minimum_wage
    course = p.skill_gain  # a completer who holds all the course taught
    entry = [rules.self_employment_entry_probability(0.0, kit, course, p)
             for kit in (0.0, need / 2, need, 10 * need, 1e6)]
    assert entry[0] < entry[1] < entry[2]  # capital helps up to the need ...
    assert entry[2] == entry[3] == entry[4] == pytest.approx(bound)  # ... and not beyond it
    assert rules.self_employment_entry_probability(5 * need, 0.0, course, p) == pytest.approx(bound)  # savings alike
    # in the default calibration: at most 1 in 25 a month, so at most 2 in 5 completers (38%) open one within a year
    assert bound < 0.04 and 1 - (1 - bound) ** 12 < 0.4


def completers_self_employed(kit_value, seed):
    result = livelihoods.simulate({**SIZE, "policy": ["startup_kit"], "policy.startup_kit.kit_value": kit_value},
                                  seed=seed)
    return result.summary["reached"]["12"]["completers"]["self_employment_rate"]


def test_a_kit_ten_times_larger_opens_no_more_businesses_and_self_employment_stays_plausible():
    """Completers self-employed 12 months after their course, kits of 0, 300 and 3,000 USD (2 seeds): the kit raises
    it, a tenfold kit no further (within 3 points), and it stays below half (about half of Uganda's YOP grantees were
    in a skilled trade four years on; seed 002 reports 577 kit recipients in own account of about 1,205 completers)."""
    for seed in (1, 2):
        none, kit, big = (completers_self_employed(value, seed) for value in (0.0, 300.0, 3000.0))
        assert kit > none + 0.1, (none, kit)
        assert abs(big - kit) < 0.03, (kit, big)
        assert big < 0.5, big
