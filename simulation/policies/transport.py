"""Transport support (seed 000: dropout when fares are not fully covered; courses in the community).

Each month, targeted trainees get ``covered_share`` of their fare reimbursed
(cost: that share of their transport cost) or, with ``community_delivery``,
the course comes to them (no fare) at ``community_cost_per_trainee_month``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulation.policies.base import Lever, Outcome, Policy
from simulation.schema import MISSING, PolicyConfig, share, usd


@dataclass
class TransportConfig(PolicyConfig):
    covered_share: float = share()
    community_delivery: bool = MISSING
    community_cost_per_trainee_month: float = usd()


class Transport(Policy):
    name = "transport"
    config = TransportConfig
    order = 30
    words = "transport"
    label = "Transport"
    lever = Lever("covered_share", "share of the fare reimbursed", high=1.0, step=0.25)  # 1: fully covered (seed 000)
    outcomes = (Outcome("far", "dropout_rate", "dropout of far youth"),)
    person_fields = ("transport_covered_share",)

    def before_attendance(self, trainees):
        P = self.model.people
        trainees = self.targeted(trainees)
        if self.cfg.community_delivery:
            share, cost = 1.0, self.cfg.community_cost_per_trainee_month
        else:
            share, cost = self.cfg.covered_share, self.cfg.covered_share * P.transport_cost[trainees]
        granted = self.grant(trainees, cost) if share > 0 else np.zeros(0, dtype=np.int64)
        self.support("transport_covered_share", granted, share, 0.0)
