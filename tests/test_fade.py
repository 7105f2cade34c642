"""Effects that fade (issue 33, part 4): skill is learned at work and lost out of use, employers read certificates
less once a work record shows what a worker can do, a course's help to start a business lasts as long as its skill,
and so the virtual trial's effect on employment fades once a programme has stopped."""

from __future__ import annotations

import numpy as np
import pytest

import livelihoods
from simulation.kernels import rules
from simulation.params import build_rules
from simulation.state import IDLE, SELF_EMPLOYED, TRAINING, UNEMPLOYED, WAGE_EMPLOYED

HORIZONS = (6, 12, 24, 36, 48)


@pytest.fixture(scope="module")
def p():
    return build_rules(livelihoods.load_config())


def test_work_teaches_towards_a_ceiling_and_idleness_loses_both_learned_skills(p):
    t = p.training
    g, top, delta = t.learning_rate, t.work_skill_max, t.skill_depreciation_rate
    assert g > 0 and top > 0 and delta > 0
    for status in (WAGE_EMPLOYED, SELF_EMPLOYED):  # working: s' = s + g (X_max - X), T kept
        assert rules.skill_use_transition(status, 0.4, 0.05, 0.02, t) == pytest.approx(
            (0.4 + g * (top - 0.02), 0.05, 0.02 + g * (top - 0.02)))
    assert rules.skill_use_transition(WAGE_EMPLOYED, 0.4, 0.0, top, t) == (0.4, 0.0, top)  # all work teaches: no more
    assert rules.skill_use_transition(WAGE_EMPLOYED, 1.0, 0.0, 0.0, t)[0] == 1.0  # skill stays an index <= 1
    for status in (IDLE, UNEMPLOYED):  # out of use: both learned parts lose delta_s
        assert rules.skill_use_transition(status, 0.4, 0.05, 0.02, t) == pytest.approx(
            (0.4 - delta * 0.07, 0.05 * (1 - delta), 0.02 * (1 - delta)))
    assert rules.skill_use_transition(TRAINING, 0.4, 0.05, 0.02, t) == (0.4, 0.05, 0.02)


def test_employers_read_certificates_less_as_a_work_record_grows(p):
    h = p.hiring
    top = h.work_skill_max
    assert [rules.credential_weight(x, h) for x in (0.0, top / 2, top, 2 * top)] == pytest.approx([1, 0.5, 0, 0])
    # two certified applicants who differ only in experience: the newcomer's certificate counts in full
    newcomer, veteran = (rules.hiring_score(0.4, True, True, x, 0.0, h) for x in (0.0, top))
    assert newcomer - veteran == pytest.approx(h.certified_bonus + h.recognised_bonus)
    assert rules.hiring_score(0.4, False, False, top, 0.0, h) == veteran  # ... and a veteran's not at all


def test_a_course_helps_start_a_business_as_far_as_its_skill_is_held(p):
    q = p.livelihood
    probability = np.array([rules.self_employment_entry_probability(0.0, 0.0, held * q.skill_gain, q)
                            for held in (0.0, 0.5, 1.0, 2.0)])
    entry = np.log(probability / (1 - probability))
    assert np.diff(entry) == pytest.approx([q.trained_logit / 2, q.trained_logit / 2, 0.0])


def trial_itt(seed, **values):
    """The trial's ITT on employment (points) at each horizon, a programme whose last intake is in month 12."""
    result = livelihoods.simulate({"scenario.n_youth": 20000, "months": 60, "policy": ["stipend"],
                                   "scenario.training.last_intake_month": 12, **values}, seed=seed)
    horizons = result.summary["trial"]["horizons"]
    return [100 * horizons[str(h)]["all"]["employed"]["itt"] for h in HORIZONS]


def test_with_no_programme_after_month_12_the_trials_employment_effect_fades():
    """The stated rate: from its peak at 12-24 months the offer's ITT on employment falls by about a fifth by
    48 months (48 seeds: 4.3 -> 3.4 points, a fall of 0.9 +- 0.3; at least a tenth asserted, and the fall beyond
    twice its standard error). EVIDENCE: training effects "often fade or appear only after 2-3 years"; in Uganda's
    YOP the earnings gain of +38% at 4 years was gone by 9 years (Blattman, Fiala & Martinez 2019), a faster fade
    than here."""
    itt = np.array([trial_itt(seed) for seed in range(1, 49)])
    mean = itt.mean(axis=0)
    peak = int(np.argmax(mean))
    assert HORIZONS[peak] in (12, 24), mean.round(2)
    fall = itt[:, -1] - itt[:, peak]
    assert fall.mean() < -0.1 * mean[peak], mean.round(2)
    assert fall.mean() + 2 * fall.std(ddof=1) / np.sqrt(len(fall)) < 0, (fall.mean(), fall.std(ddof=1))


def test_the_fade_comes_from_unused_skill_and_learning_at_work():
    """Same seeds with and without the two mechanisms (no loss of unused skill, no learning at work): the ITT they
    take away grows with the horizon (12 seeds: about 0 at 6 and 12 months, 1.5 points at 48)."""
    still = {"behaviour.labour.skill_depreciation_rate": 0.0, "behaviour.labour.learning_rate": 0.0}
    cost = np.array([np.subtract(trial_itt(seed), trial_itt(seed, **still)) for seed in range(1, 13)]).mean(axis=0)
    assert cost[-1] < -1.0 and cost[-1] < min(cost[:2]) - 1.0, cost.round(2)
    assert (np.diff(cost[1:]) < 0.1).all(), cost.round(2)  # from 12 months on, each horizon loses as much or more
