"""Skills assessment of returnees before placement (seed 002).

Each month, targeted returnees not yet assessed, not working and not enrolled
are assessed at ``cost_per_assessment``. The assessment reveals their actual
skill (``claimed_skill`` := ``skill``, so employers no longer hire them on an
over-claim); those at or above ``pass_threshold`` are certified, the others
are routed to training (they join the waiting list) if ``route_to_training``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulation.policies.base import Lever, Outcome, Policy
from simulation.schema import MISSING, PolicyConfig, share, usd
from simulation.state import IDLE, UNEMPLOYED


@dataclass
class CertificationConfig(PolicyConfig):
    pass_threshold: float = share()
    route_to_training: bool = MISSING
    cost_per_assessment: float = usd()


class Certification(Policy):
    name = "certification"
    config = CertificationConfig
    order = 60
    words = "certification"
    label = "Certify returnees' skills"
    lever = Lever(None)  # on or off at its configured settings
    outcomes = (Outcome("all", "dismissal_rate", "dismissals, of those hired"),)
    person_fields = ("claimed_skill", "certified", "applied")

    def __init__(self, cfg, model):
        super().__init__(cfg, model)
        self.assessed = np.zeros(model.people.n, dtype=bool)
        self.returnees = np.flatnonzero(model.people.is_returnee)  # who is a returnee is fixed at the build

    def start_of_month(self):
        P = self.model.people
        returnees = self.returnees[~self.assessed[self.returnees]]
        status = P.status[returnees]
        waiting = (status == IDLE) | (status == UNEMPLOYED)
        candidates = self.targeted(returnees[~P.enrolled[returnees] & ~P.certified[returnees] & waiting])
        granted = self.grant(candidates, self.cfg.cost_per_assessment)
        self.assessed[granted] = True
        P.claimed_skill[granted] = P.skill[granted]
        passed = P.skill[granted] >= self.cfg.pass_threshold
        P.certified[granted[passed]] = True
        if self.cfg.route_to_training:
            P.applied[granted[~passed]] = True
