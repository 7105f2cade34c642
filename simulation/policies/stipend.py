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

    def __init__(self, cfg, model):
        super().__init__(cfg, model)
        self.paid = np.zeros(0, dtype=np.int64)

    def before_attendance(self, trainees):
        P = self.model.people
        P.stipend[self.paid] = 0.0  # last month's stipends end (no one else pays one)
        self.paid = np.zeros(0, dtype=np.int64)
        if self.cfg.monthly_amount <= 0:
            return
        eligible = self.targeted(trainees[P.months_in_course[trainees] < self.cfg.max_months])
        self.paid = self.grant(eligible, self.cfg.monthly_amount)
        P.stipend[self.paid] = self.cfg.monthly_amount

    def after_training(self, trainees):
        if not self.cfg.conditional_on_attendance or not self.paid.size:
            return
        P = self.model.people
        # dropped out this month: dropout_course_month is the month being attended
        dropped = P.dropped_out[self.paid] & (P.dropout_course_month[self.paid] == P.months_in_course[self.paid] + 1)
        self.charge(-self.cfg.monthly_amount * int(dropped.sum()))
