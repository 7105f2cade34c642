"""Training allowance (seed 002: slightly above the minimum wage; seed 000: dropout without stipends).

Before attendance, every targeted trainee within the first ``max_months`` of
the course is granted ``monthly_amount``; it enters the dropout hazard (it pays
fares first, then offsets forgone income) and household liquidity (savings).
With ``conditional_on_attendance`` a month in which the trainee drops out is
not paid (refunded to the budget).
"""

from __future__ import annotations

import numpy as np

from simulation.policies.base import Policy


class Stipend(Policy):
    name = "stipend"

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
