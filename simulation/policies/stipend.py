"""Training allowance (seed 002: slightly above the minimum wage; seed 000: dropout without stipends).

Before attendance, every targeted trainee within the first ``max_months`` of
the course is granted ``monthly_amount``; it enters the dropout hazard (it pays
fares first, then offsets forgone income) and household liquidity (savings).
With ``conditional_on_attendance`` a month in which the trainee drops out is
not paid (refunded to the budget).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulation.policies.base import Lever, Outcome, Policy
from simulation.schema import MISSING, PolicyConfig, months, usd


@dataclass
class StipendConfig(PolicyConfig):
    monthly_amount: float = usd()
    conditional_on_attendance: bool = MISSING
    max_months: int = months(1)


class Stipend(Policy):
    name = "stipend"
    config = StipendConfig
    order = 10
    words = "stipend"
    label = "Stipend"
    lever = Lever("monthly_amount", "USD/month", high=130, step=5)  # 2x the 65 USD minimum wage (seed 002)
    settings = (("conditional_on_attendance", "Stipend only for months attended"),)
    outcomes = (Outcome("all", "dropout_rate", "dropout"),)
    person_fields = ("stipend",)

    def before_attendance(self, trainees):
        P, amount = self.model.people, self.cfg.monthly_amount
        paid = np.zeros(0, dtype=np.int64)
        if amount > 0:
            paid = self.grant(self.targeted(trainees[P.months_in_course[trainees] < self.cfg.max_months]), amount)
        self.support("stipend", paid, amount, 0.0)

    def after_training(self, trainees):
        paid = self.supported
        if not self.cfg.conditional_on_attendance or not paid.size:
            return
        P = self.model.people
        # dropped out this month: dropout_course_month is the month being attended
        dropped = P.dropped_out[paid] & (P.dropout_course_month[paid] == P.months_in_course[paid] + 1)
        self.charge(-self.cfg.monthly_amount * int(dropped.sum()))
