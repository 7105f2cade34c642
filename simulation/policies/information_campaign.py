"""An information campaign on migration (seed 001: awareness of the risks of irregular migration).

In each campaign month (months 1, 1 + k, 1 + 2k, ... of the programme, k = ``every_months``) the campaign
reaches a share ``reach_share`` of the targeted persons at home (its own draws): a person reached learns of
the earnings abroad (a change ``perceived_wage_change`` in what they expect, -0.2: a fifth less) and of the
risk of the irregular route (``risk_logit``), and their aspiration shifts by ``information_shift``
(person field ``migration_info``; ``intent_target`` adds it). The shift fades: each month it keeps
1 - ``monthly_decay`` of itself. Cost: ``cost_per_person`` for each person reached. Information moves
aspiration, not the savings a journey needs: pattern 5 of EVIDENCE.md (Bryan, Chowdhury & Mobarak 2014:
information alone did not move migration; liquidity did) is its check.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulation.policies.base import Lever, Outcome, Policy
from simulation.schema import PolicyConfig, bounded, logit, months, share, usd
from simulation.state import ABROAD


@dataclass
class InformationCampaignConfig(PolicyConfig):
    reach_share: float = share()
    every_months: int = months(1)
    perceived_wage_change: float = bounded(-1, 10, lo_open=True)
    risk_logit: float = logit()
    monthly_decay: float = share()
    cost_per_person: float = usd()


class InformationCampaign(Policy):
    name = "information_campaign"
    config = InformationCampaignConfig
    order = 5
    words = "information campaign"
    label = "Information campaign on migration"
    lever = Lever("reach_share", "share of the target group reached", high=1.0, step=0.1)
    outcomes = (Outcome("all", "migration_intent_rate", "migration intent"),
                Outcome("all", "irregular_migration_rate", "irregular migration"))
    person_fields = ("migration_info",)

    def __init__(self, cfg, model):
        super().__init__(cfg, model)
        self.informed = np.zeros(0, dtype=np.int64)  # persons holding a shift, ascending

    def start_of_month(self):
        from simulation.kernels.rules import information_shift

        c, m, P = self.cfg, self.model, self.model.people
        if self.informed.size:  # last campaigns' shifts fade
            P.migration_info[self.informed] *= 1.0 - c.monthly_decay
        if c.reach_share <= 0 or (m.record_month - 1) % c.every_months != 0:
            return
        present = np.flatnonzero((P.arrival_month <= m.month) & (P.status != ABROAD))
        reached = self.targeted(present)
        reached = reached[self.draws("reach", reached) < c.reach_share]
        reached = self.grant(reached, c.cost_per_person)
        shift = information_shift(c.perceived_wage_change, c.risk_logit, m.rules.intent)
        P.migration_info[reached] = shift  # the latest campaign's message replaces what is left of the last
        self.informed = np.union1d(self.informed, reached)
