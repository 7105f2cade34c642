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

    def after_matching(self, searching):
        m, P = self.model, self.model.people
        candidates = np.flatnonzero(self.targeted() & P.completed & (P.status == UNEMPLOYED))
        referred = np.zeros(P.n, dtype=bool)
        referred[self.grant(candidates, self.cfg.cost_per_referral)] = True
        for k in range(self.cfg.extra_applications):
            applying = referred & (P.status == UNEMPLOYED)
            if not applying.any():  # everyone referred is hired: later rounds would draw for no one
                break
            offers = m.make_offers(applying, f"policy.{self.name}.choice{k}", f"policy.{self.name}.priority{k}")
            m.consider_offers(offers)
