"""A job-matching service for completers (seed 001: LI-WAY's job-matching platform).

After the main matching round, targeted completers still searching are
offered a referral; each month one uses it or not (``take_up``: trust in the service, the distance to the centre
that runs it, the fee). Those who use it (``cost_per_referral`` each per month, less their fee) make
``extra_applications`` further applications to employers with places left.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulation.policies.base import Lever, Outcome, Policy, TakeUpConfig
from simulation.schema import count, usd
from simulation.state import UNEMPLOYED


@dataclass
class JobReferralConfig(TakeUpConfig):
    extra_applications: int = count(1, 20)  # each is a matching round
    cost_per_referral: float = usd()


class JobReferral(Policy):
    name = "job_referral"
    config = JobReferralConfig
    order = 80
    words = "job referral"
    label = "Job referral for completers"
    lever = Lever(None)  # on or off at its configured settings
    outcomes = (Outcome("completers", "wage_employment_rate_12m_after_course", "completers in wage jobs, 12 months after"),)
    # its matching rounds' hires (phase accept_offer)
    person_fields = ("status", "employer", "earnings", "job_threshold", "tenure_months", "ever_hired",
                     "subsidy_months_left", "wage_subsidy_share", "wage_subsidy_months", "formal_job")

    def after_matching(self, searchers):
        m, P = self.model, self.model.people
        completers = np.flatnonzero(P.completed)
        offered = self.targeted(completers[P.status[completers] == UNEMPLOYED])
        users = self.take_up(offered, self.draws("take_up", offered))
        referred = self.served(self.grant(users, self.net_of_fee(self.cfg.cost_per_referral)))
        for k in range(self.cfg.extra_applications):
            referred = referred[P.status[referred] == UNEMPLOYED]
            if not referred.size:  # everyone referred is hired: later rounds would draw for no one
                break
            m.consider_offers(m.make_offers(referred, f"policy.{self.name}.choice{k}", f"policy.{self.name}.priority{k}"))
