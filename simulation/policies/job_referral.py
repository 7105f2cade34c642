"""A job-matching service for completers (seed 001: LI-WAY's job-matching platform).

After the main matching round, targeted completers still searching are
referred (``cost_per_referral`` each per month) and make
``extra_applications`` further applications to employers with places left.
"""

from __future__ import annotations

import numpy as np

from simulation.policies.base import Policy
from simulation.state import UNEMPLOYED


class JobReferral(Policy):
    name = "job_referral"

    def after_matching(self, searchers):
        m, P = self.model, self.model.people
        completers = np.flatnonzero(P.completed)
        referred = self.grant(self.targeted(completers[P.status[completers] == UNEMPLOYED]), self.cfg.cost_per_referral)
        for k in range(self.cfg.extra_applications):
            referred = referred[P.status[referred] == UNEMPLOYED]
            if not referred.size:  # everyone referred is hired: later rounds would draw for no one
                break
            m.consider_offers(m.make_offers(referred, f"policy.{self.name}.choice{k}", f"policy.{self.name}.priority{k}"))
