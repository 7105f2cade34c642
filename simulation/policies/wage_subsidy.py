"""Wage-subsidy vouchers for job seekers (Groh et al. 2016, Jordan; Levinsohn et al. 2014, South Africa).

Each month, targeted persons at home who are searching for work and have not been hired during the
programme receive a voucher (once; it does not expire): the employer of their next hire, in any matching
round, is paid ``subsidy_share`` of the wage for ``subsidy_months``. The voucher lowers what that employer
asks of them (``subsidised_threshold``) and is used up by the hire; when the subsidy ends, a hire whose
skill does not cover the wage faces the employer's review (``separation_transition``).

A voucher pays for a hire no other subsidy pays for: a holder hired into an apprenticeship place (which brings
its own subsidy) keeps the voucher for a later hire.

Costs are charged when a voucher is used: share x the wage the hire is paid x months. With a budget, vouchers
are issued (in the order of a lottery) only while the budget covers every voucher held being used at the
highest wage a hire can be paid, so spending never exceeds it. A share of 0 issues nothing: the run is the run
without the policy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from simulation.policies.base import Lever, Outcome, Policy, SubsidisedHires
from simulation.schema import PolicyConfig, months, share
from simulation.state import UNEMPLOYED, WAGE_EMPLOYED


@dataclass
class WageSubsidyConfig(PolicyConfig):
    subsidy_share: float = share()
    subsidy_months: int = months(1)


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
        self.subsidised = SubsidisedHires()

    def report(self) -> dict:
        return super().report() | self.subsidised.report(self.model.people, self.model.month)

    def after_training(self, trainees):
        c, m, P = self.cfg, self.model, self.model.people
        if c.subsidy_share <= 0 or c.subsidy_months <= 0:
            return
        seekers = np.flatnonzero((P.status == UNEMPLOYED) & ~P.ever_hired & (P.wage_subsidy_share == 0))
        new = self.targeted(seekers)
        if self.cfg.budget is not None and new.size:
            lab = m.rules.labour  # the highest wage a hire can be paid (skill 1, both certificate premia)
            highest = float(m.employer_wage.max(initial=0.0)) * math.exp(
                lab.wage_return_per_skill * (1.0 - lab.wage_reference_skill) + lab.certificate_wage_premium
                + lab.recognised_wage_premium)
            most = c.subsidy_share * c.subsidy_months * highest
            room = int((self.cfg.budget - self.spent) // most) - self.holders.size if most > 0 else new.size
            if room < new.size:
                order = np.argsort(self.draws("budget", new), kind="stable")
                new = np.sort(new[order[:max(room, 0)]])
                if self.exhausted_month is None:
                    self.exhausted_month = m.record_month
        P.wage_subsidy_share[new], P.wage_subsidy_months[new] = c.subsidy_share, c.subsidy_months
        self.holders = np.union1d(self.holders, new)

    def after_matching(self, searchers):
        """Charge the vouchers used by this month's hires (the hire set the person's voucher back to 0)."""
        m, P, c = self.model, self.model.people, self.cfg
        if not self.holders.size:
            return
        used = self.holders[P.wage_subsidy_share[self.holders] == 0]
        hired = used[(P.status[used] == WAGE_EMPLOYED) & (P.tenure_months[used] == 0)]
        self.charge(float((c.subsidy_share * P.earnings[hired] * c.subsidy_months).sum()), hired.size)
        self.subsidised.add(P, hired, m.month, c.subsidy_months)
        self.holders = self.holders[P.wage_subsidy_share[self.holders] > 0]
