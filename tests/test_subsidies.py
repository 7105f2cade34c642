"""Wage subsidies that act and end (issue 33, part 1): the subsidy lowers what an employer asks of a hire, is used
up by the hire, and when it ends the employer's review lets go of a hire whose skill does not cover the wage."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest

import livelihoods
from simulation.kernels import rules
from simulation.params import build_rules
from simulation.state import NO_INDEX, UNEMPLOYED, WAGE_EMPLOYED

SIZE = {"scenario.n_youth": 4000, "months": 24, "burn_in_months": 24}


@pytest.fixture(scope="module")
def p():
    return build_rules(livelihoods.load_config())


def test_a_subsidy_lowers_the_threshold_by_kappa_times_its_share(p):
    kappa = p.hiring.subsidy_skill_per_share
    assert kappa > 0
    for share in (0.0, 0.5, 1.0):
        assert rules.subsidised_threshold(0.5, share, p.hiring) == pytest.approx(0.5 - kappa * share)


def review(p, skill, tenure, left, probation=3, threshold=0.5):
    """separation_transition of a wage earner of employer 0 with its draw forced to 0 (every risk happens)."""
    labour = p.labour._replace(dismissal_probability=1.0, separation_rate=0.0)
    return rules.separation_transition(WAGE_EMPLOYED, tenure, 0, skill, threshold, False, left, True,
                                       np.array([probation], dtype=np.int32), labour, 1, 5, 7)


def test_the_review_comes_once_at_probation_or_at_the_subsidys_end_whichever_is_later(p):
    low, high = 0.45, 0.55  # below and above the job's threshold 0.5
    # no subsidy: reviewed at the end of probation (tenure 2 -> 3), kept if skilled
    assert review(p, low, 2, 0)[0] == UNEMPLOYED and review(p, low, 2, 0)[3]
    assert review(p, high, 2, 0)[0] == WAGE_EMPLOYED
    # a 6-month subsidy, longer than probation: not reviewed at probation, reviewed when it ends
    assert review(p, low, 2, 4)[:5:4] == (WAGE_EMPLOYED, 3)
    assert review(p, low, 5, 1)[0] == UNEMPLOYED and review(p, high, 5, 1) == (WAGE_EMPLOYED, 6, 0, False, 0)
    # a 1-month subsidy, shorter than probation: its end passes, the review comes at probation, once
    assert review(p, low, 0, 1) == (WAGE_EMPLOYED, 1, 0, False, 0)
    assert review(p, low, 2, 0)[0] == UNEMPLOYED
    assert review(p, low, 3, 0)[0] == WAGE_EMPLOYED  # after the review month, no second review


def test_a_hire_uses_the_subsidy_up_and_the_job_counts_its_months(p):
    wage, threshold, formal = np.array([300.0]), np.array([0.5]), np.array([True])
    typical = p.labour.wage_reference_skill  # a hire of the skill the posted wage pays for, without a certificate
    person = (typical, typical, False, False, False, 0.0)
    taken = rules.accept_transition(UNEMPLOYED, 0, NO_INDEX, 0.0, 0.0, 0, False, 0, 0.5, 6, False, *person, 50.0,
                                    wage, threshold, formal, p.labour)
    assert taken == (WAGE_EMPLOYED, 0, pytest.approx(300.0), 0.5, 0, True, 6, 0.0, 0, True)
    plain = rules.accept_transition(UNEMPLOYED, 0, NO_INDEX, 0.0, 0.0, 0, False, 0, 0.0, 0, False, *person, 50.0,
                                    wage, threshold, formal, p.labour)
    assert plain[6] == 0


def outcomes(policy, **values) -> dict:
    """A run's summary without ``meta`` (times, versions) and without the ledger's line per policy."""
    result = livelihoods.simulate({**SIZE, "policy": policy, **values}, seed=3)
    summary = {k: v for k, v in result.summary.items() if k != "meta"}
    by_policy = summary["cost"].pop("by_policy")
    return json.loads(json.dumps(summary, sort_keys=True, default=str)), by_policy


def test_a_voucher_of_share_0_leaves_the_run_bit_identical():
    none, _ = outcomes([])
    zero, ledger = outcomes(["wage_subsidy"], **{"policy.wage_subsidy.subsidy_share": 0.0})
    assert zero == none and ledger["wage_subsidy"]["spent"] == 0 and ledger["wage_subsidy"]["grants"] == 0
    paid, ledger = outcomes(["wage_subsidy"])
    assert paid["indicators"]["wage_employment_rate"] > none["indicators"]["wage_employment_rate"]
    assert ledger["wage_subsidy"]["spent"] > 0


def completers_employed(**values) -> float:
    """Completers employed 12 months after their course (20,000 youth, 36 months, mean of 2 seeds)."""
    rates = []
    for seed in (1, 2):
        r = livelihoods.simulate({"scenario.n_youth": 20000, "months": 36, "policy": ["apprenticeship"], **values},
                                 seed=seed)
        rates.append(r.summary["reached"]["12"]["completers"]["employment_rate"])
    return float(np.mean(rates))


def test_the_apprenticeships_subsidy_length_and_share_change_who_works():
    short, default, long_ = (completers_employed(**{"policy.apprenticeship.subsidy_months": m}) for m in (1, 6, 12))
    assert short < default < long_
    half, whole = (completers_employed(**{"policy.apprenticeship.wage_subsidy_share": s}) for s in (0.5, 1.0))
    assert half < whole


def completers_in_wage_jobs(policy: list, seed: int, **values) -> tuple[np.ndarray, dict]:
    """Completers in wage jobs at the end of each month of a 36-month run (8,000 youth), and the policies' ledger."""
    from simulation.model import LivelihoodsModel
    from simulation.state import WAGE_EMPLOYED

    model = LivelihoodsModel(livelihoods.load_config({"scenario.n_youth": 8000, "months": 36, "policy": policy,
                                                      **values}, seed=seed))
    counts = []
    for _ in range(36):
        model.step()
        P = model.people
        counts.append(int((P.status[P.completed] == WAGE_EMPLOYED).sum()))
    return np.array(counts, dtype=float), model.policies.report()


def test_completers_gain_falls_once_the_apprenticeships_subsidies_end():
    """Apprenticeship places until a budget runs out: completers' wage employment over no policy (same seeds) rises
    while places are offered and falls once they stop, as each subsidy ends and the review lets go of apprentices
    whose skill does not cover the wage (and those without a place catch up). Stated rate: within 12 months of the
    last place, the gain falls by more than a fifth. Without the subsidy's pull on hiring (kappa = 0: places go
    only to completers who meet the threshold) the gain while paid is smaller and falls by less, so the fall is
    the subsidy's ending, not only the places' stopping."""
    def fall(**values):
        gains, exhausted = [], []
        for seed in (1, 2, 3):
            none, _ = completers_in_wage_jobs([], seed, **values)
            served, ledger = completers_in_wage_jobs(["apprenticeship"], seed,
                                                     **{"policy.apprenticeship.budget": 6000}, **values)
            gains.append(served - none)
            exhausted.append(ledger["apprenticeship"]["budget_exhausted_month"])
        gain = np.mean(gains, axis=0)
        end = int(max(exhausted))  # no new place after this month; the last subsidies end 6 months later
        assert 6 <= end <= 24, exhausted
        return gain[end - 1], gain[end + 11]

    peak, later = fall()
    assert peak > 10 and later < 0.8 * peak, (peak, later)
    peak0, later0 = fall(**{"behaviour.labour.subsidy_skill_per_share": 0.0})
    assert peak0 < peak and peak - later > (peak0 - later0) + 1.0, ((peak, later), (peak0, later0))


def voucher_model(**values):
    from simulation.model import LivelihoodsModel

    model = LivelihoodsModel(livelihoods.load_config({**SIZE, "policy": ["wage_subsidy"], **values}, seed=3))
    return model, model.policies.items[0]


def test_a_subsidy_is_charged_for_the_months_the_job_lasts_not_the_months_promised():
    """Watched from outside, month by month once the month's wages are earned (before anyone emigrates): each
    subsidised hire is paid share x wage for every month it holds the job, up to the subsidy's length. What the
    ledger has spent is that, what it still holds committed is the rest of the subsidies still running, and the
    months of jobs that ended early are never paid."""
    model, policy = voucher_model()
    share, length = policy.cfg.subsidy_share, policy.cfg.subsidy_months
    paid, held, active, months = {}, {}, {}, []
    settle = policy.before_migration

    def watched():  # the month's jobs and wages, as they stand when the policy settles its hires
        months.append((model.people.status.copy(), model.people.employer.copy()))
        settle()

    policy.before_migration = watched
    for _ in range(SIZE["months"]):
        model.step()
        (status, employer_of), hires = months[-1], policy.subsidised
        P = SimpleNamespace(status=status, employer=employer_of)
        for row, employer, wage in zip(hires.ids, hires.employers, hires.monthly / share):
            key = (int(row), int(employer))
            if key not in active:
                active[key], paid[key], held[key] = True, 0.0, 0
            if not active[key]:
                continue
            if P.status[row] == WAGE_EMPLOYED and P.employer[row] == employer and held[key] < length:
                paid[key] += share * wage
                held[key] += 1
            active[key] = P.status[row] == WAGE_EMPLOYED and P.employer[row] == employer and held[key] < length
    promised = sum(share * w * length for w in policy.subsidised.monthly / share)
    still_running = sum(share * w * (length - held[k]) for k, w in zip(active, policy.subsidised.monthly / share)
                        if active[k])
    assert len(paid) > 100 and policy.subsidised.ids.size == len(paid)  # each hire is one person-job
    assert policy.spent == pytest.approx(sum(paid.values()), rel=1e-9)
    assert policy.committed == pytest.approx(still_running, rel=1e-9)
    assert policy.report()["committed_unpaid"] == pytest.approx(still_running, rel=1e-9)
    assert policy.spent + policy.committed < 0.95 * promised  # jobs end early (separations, reviews): never paid
    assert sorted(policy.monthly_spending) == list(range(1, SIZE["months"] + 1))  # paid as wages are, monthly


def test_a_voucher_budget_is_never_exceeded_and_vouchers_lapse():
    """With a budget, spending stays within it and the budget does pay for hires; a voucher lapses after its
    validity (no holder's voucher is older than valid_months) and when its holder emigrates."""
    from simulation.state import ABROAD

    model, policy = voucher_model(**{"policy.wage_subsidy.budget": 5000.0, "policy.wage_subsidy.valid_months": 3})
    for _ in range(SIZE["months"]):
        model.step()
        assert policy.spent + policy.committed <= 5000.0 + 1e-6
        held = policy.holders
        assert (model.month - policy.issued[held] <= 3).all()
        assert not (model.people.status[held] == ABROAD).any()
        assert (model.people.wage_subsidy_share[held] > 0).all()
    assert policy.exhausted_month is not None and policy.spent > 0.2 * 5000.0 and policy.subsidised.ids.size > 5


def test_the_subsidised_hires_report_counts_a_subsidy_ended_in_its_last_month():
    """A hire in month 10 with a 6-month subsidy is paid in months 10-15: month 15, its review's month, is its
    last, so a report of month 14 counts it subsidised and one of month 15 counts it ended."""
    from simulation.policies.base import SubsidisedHires

    people = SimpleNamespace(status=np.array([WAGE_EMPLOYED]), employer=np.array([4]), earnings=np.array([100.0]))
    hires = SubsidisedHires()
    assert hires.add(people, np.array([0]), 10, 6, 0.5) == pytest.approx(300.0)  # promised
    assert hires.report(people, 14)["subsidised_now"] == 1 and hires.report(people, 14)["subsidy_ended"] == 0
    assert hires.report(people, 15)["subsidy_ended"] == 1 and hires.report(people, 15)["same_job_after"] == 1
    assert [hires.settle(people) for _ in range(2)] == [(50.0, 0.0), (50.0, 0.0)]  # months 10 and 11 paid
    people.status[0] = UNEMPLOYED
    assert hires.settle(people) == (0.0, pytest.approx(4 * 50.0))  # the job ended: 4 months never paid
    assert hires.settle(people) == (0.0, 0.0) and hires.report(people, 12)["committed_unpaid"] == 0.0
