"""Apprenticeships with a wage subsidy (seed 000: ~60% of businesses willing to host).

After the month's main matching round, employers willing to host apprentices
open extra places (Poisson, mean ``extra_vacancies_per_host``) and a second
round is held for targeted completers still searching. For each hire in that
round the employer receives ``wage_subsidy_share`` of the wage for
``subsidy_months`` (committed, and charged, at hiring).
"""

from __future__ import annotations

import numpy as np

from simulation.policies.base import Policy
from simulation.state import NO_INDEX, UNEMPLOYED


class Apprenticeship(Policy):
    name = "apprenticeship"

    def __init__(self, cfg, model):
        super().__init__(cfg, model)
        self.hosts = model.inputs["employer_hosts"]  # the employers' own willingness, read each month

    def after_matching(self, searching):
        m, P, c = self.model, self.model.people, self.cfg
        extra = m.engine.vacancies(f"policy.{self.name}.places", c.extra_vacancies_per_host, self.hosts.size) * self.hosts
        if not extra.any() or not self.has_money():
            return
        m.vacancies += extra.astype(m.vacancies.dtype)
        completers = np.flatnonzero(P.completed & searching)
        candidates = np.zeros(P.n, dtype=bool)
        candidates[self.targeted(completers[P.status[completers] == UNEMPLOYED])] = True
        offers = m.make_offers(candidates, f"policy.{self.name}.choice", f"policy.{self.name}.priority")
        offered = np.flatnonzero(offers != NO_INDEX)
        subsidy = c.wage_subsidy_share * m.employer_wage[offers[offered]] * c.subsidy_months
        granted = self.grant(offered, subsidy)
        refused = np.setdiff1d(offered, granted)
        offers[refused] = NO_INDEX
        m.consider_offers(offers)
        declined = granted[P.employer[granted] != offers[granted]]
        self.charge(-float((c.wage_subsidy_share * m.employer_wage[offers[declined]] * c.subsidy_months).sum()))
