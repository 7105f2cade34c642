"""Wage-subsidy vouchers for job seekers (Groh et al. 2016, Jordan; Levinsohn et al. 2014, South Africa).

Each month, targeted persons at home who are searching for work and have not been hired during the
programme receive a voucher (once), valid for ``valid_months`` months: the employer of their next hire, in any matching
round, is paid ``subsidy_share`` of the wage for ``subsidy_months``. The voucher lowers what that employer
asks of them (``subsidised_threshold``) and is used up by the hire; when the subsidy ends, a hire whose
skill does not cover the wage faces the employer's review (``separation_transition``).

A voucher pays for a hire no other subsidy pays for: a holder hired into an apprenticeship place (which brings
its own subsidy) keeps the voucher for a later hire.

Costs: a used voucher commits share x the wage the hire is paid x months, paid month by month while the job
lasts (``SubsidisedHires``). A voucher lapses unused when its validity
ends or its holder emigrates.
With a budget, vouchers are issued (in the order of a lottery) only while what is left of the budget covers
every voucher held being used at its expected cost (``expected_cost``); a voucher used when the budget cannot
cover its whole subsidy is paid what is left (in the lottery's order), and none after, so spending never
exceeds the budget. A share of 0 issues nothing: the run is the run without the policy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulation.policies.base import Lever, Outcome, Policy, SubsidisedHires
from simulation.schema import PolicyConfig, months, share
from simulation.state import ABROAD, UNEMPLOYED, WAGE_EMPLOYED


@dataclass
class WageSubsidyConfig(PolicyConfig):
    subsidy_share: float = share()
    subsidy_months: int = months(1)
    valid_months: int = months(1)


class WageSubsidy(Policy):
    name = "wage_subsidy"
    config = WageSubsidyConfig
    order = 90  # after every matching round of the month (job referral: 80), so each used voucher is charged
    words = "wage-subsidy voucher"
    label = "Wage-subsidy vouchers for job seekers"
    lever = Lever("subsidy_share", "share of the wage", high=1.0, step=0.1)
    outcomes = (Outcome("all", "wage_employment_rate", "wage employment"),)
    person_fields = ("wage_subsidy_share", "wage_subsidy_months")

    def __init__(self, cfg, model):
        super().__init__(cfg, model)
        self.holders = np.zeros(0, dtype=np.int64)  # persons holding an unused voucher of this policy, ascending
        self.issued = np.full(model.people.n, -1, dtype=np.int64)  # the month each person's voucher was issued
        self.subsidised = SubsidisedHires()

    def report(self) -> dict:
        return super().report() | self.subsidised.report(self.model.people, self.model.month)

    def expected_cost(self, rows: np.ndarray) -> np.ndarray:
        """What the voucher of each person of ``rows`` costs if used now (USD): share x months x the wage its
        holder would be paid at the average posted wage of their district,  W̄_d exp(r_s (s_seen - s_ref))
        (``offered_wage`` without the formal employers' certificate premia)."""
        m, P, c = self.model, self.model.people, self.cfg
        lab = m.rules.labour
        districts = m.inputs["district_wage"].size
        posted = (np.bincount(m.employer_district, weights=m.employer_wage, minlength=districts)
                  / np.maximum(np.bincount(m.employer_district, minlength=districts), 1))[P.district[rows]]
        seen = np.where(P.is_returnee[rows] & ~P.certified[rows], P.claimed_skill[rows], P.skill[rows])
        return c.subsidy_share * c.subsidy_months * posted * np.exp(
            lab.wage_return_per_skill * (seen - lab.wage_reference_skill))

    def after_training(self, trainees):
        c, m, P = self.cfg, self.model, self.model.people
        if c.subsidy_share <= 0 or c.subsidy_months <= 0:
            return
        lapsed = (P.status[self.holders] == ABROAD) | (m.month - self.issued[self.holders] >= c.valid_months)
        gone = self.holders[lapsed]  # a voucher is for a job at home, for a while
        P.wage_subsidy_share[gone], P.wage_subsidy_months[gone] = 0.0, 0
        self.holders = self.holders[~lapsed]
        seekers = np.flatnonzero((P.status == UNEMPLOYED) & ~P.ever_hired & (self.issued < 0))
        new = self.targeted(seekers)
        if self.cfg.budget is not None and new.size:
            room = self.left() - float(self.expected_cost(self.holders).sum())
            order = np.argsort(self.draws("budget", new), kind="stable")
            fits = np.cumsum(self.expected_cost(new[order])) <= room + 1e-9
            if not fits.all():
                new = np.sort(new[order[fits]])
                if self.exhausted_month is None:
                    self.exhausted_month = m.record_month
        P.wage_subsidy_share[new], P.wage_subsidy_months[new] = c.subsidy_share, c.subsidy_months
        self.issued[new] = m.month
        self.holders = np.union1d(self.holders, new)

    def before_migration(self):
        self.pay_subsidies(self.subsidised)

    def after_matching(self, searchers):
        """Commit the vouchers used by this month's hires (the hire set the person's voucher back to 0)."""
        m, P, c = self.model, self.model.people, self.cfg
        if not self.holders.size:
            return
        used = self.holders[P.wage_subsidy_share[self.holders] == 0]
        hired = used[(P.status[used] == WAGE_EMPLOYED) & (P.tenure_months[used] == 0)]
        share = np.full(hired.size, c.subsidy_share)
        if c.budget is not None and hired.size:  # what is left pays the used vouchers in the lottery's order
            order = np.argsort(self.draws("budget", hired), kind="stable")
            cost = share[order] * P.earnings[hired[order]] * c.subsidy_months
            before = np.cumsum(cost) - cost
            paid = np.clip(self.left() - before, 0.0, cost)
            share[order] *= np.divide(paid, cost, out=np.ones_like(cost), where=cost > 0)
            if (share < c.subsidy_share).any() and self.exhausted_month is None:
                self.exhausted_month = m.record_month
        self.committed += self.subsidised.add(P, hired, m.month, c.subsidy_months, share)
        self.grants += hired.size
        self.holders = self.holders[P.wage_subsidy_share[self.holders] > 0]
