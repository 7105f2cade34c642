"""Day-care places for trainee mothers (seed 000: no childcare, no women; seed 002: day-care paid).

A fixed share ``coverage_share`` of mothers (drawn once per person) is offered
a place; a mother offered one uses it or not (``take_up``, decided once for the run: trust in the day-care,
its distance, the fee she pays). Each month, targeted mothers in training who use a place get
``childcare_access``, which lifts the care barrier of the dropout hazard, at
``cost_per_child_month`` per dependent child less her fee.
"""

from __future__ import annotations

from dataclasses import dataclass

from simulation.policies.base import Lever, Outcome, Policy, TakeUpConfig
from simulation.schema import share, usd


@dataclass
class ChildcareConfig(TakeUpConfig):
    coverage_share: float = share()
    cost_per_child_month: float = usd()


class Childcare(Policy):
    name = "childcare"
    config = ChildcareConfig
    order = 20
    words = "childcare"
    label = "Childcare"
    lever = Lever("coverage_share", "share of trainee mothers offered a place", high=1.0, step=0.25)  # 1: all
    outcomes = (Outcome("mothers", "dropout_rate", "dropout of mothers"),)
    person_fields = ("childcare_access",)

    def __init__(self, cfg, model):
        super().__init__(cfg, model)
        self.offered = self.setup_draws("coverage") < cfg.coverage_share
        self.choice = self.setup_draws("take_up")  # each mother decides once whether to use a place

    def before_attendance(self, trainees):
        P, centre_childcare = self.model.people, self.model.inputs["centre_childcare"]
        mothers = trainees[P.female[trainees] & (P.dependents[trainees] > 0)]
        # mothers whose centre has day-care of its own need no place from the programme
        candidates = self.targeted(mothers[self.offered[mothers] & ~centre_childcare[P.centre[mothers]]])
        users = self.take_up(candidates, self.choice[candidates], P.dependents[candidates])
        cost = P.dependents[users] * self.net_of_fee(self.cfg.cost_per_child_month)  # the fee is per child-month
        self.support("childcare_access", self.served(self.grant(users, cost)), True, False)
