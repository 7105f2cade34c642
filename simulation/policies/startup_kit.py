"""Start-up kits for completers (seed 002: 577 kits; beneficiaries work on their own account).

In the month a targeted person completes a course (and, with
``certified_only``, is certified) they receive ``kit_value`` as
``startup_capital``, which raises business entry and lowers business failure.
"""

from __future__ import annotations

from simulation.policies.base import Policy


class StartupKit(Policy):
    name = "startup_kit"

    def after_training(self, trainees):
        if self.cfg.kit_value <= 0:
            return
        P, month = self.model.people, self.model.month
        completers = trainees[P.completed[trainees]]  # who completed this month was in training this month
        now = completers[P.enrol_month[completers] + P.course_months[completers] - 1 == month]
        if self.cfg.certified_only:
            now = now[P.certified[now]]
        granted = self.grant(self.targeted(now), self.cfg.kit_value)
        P.startup_capital[granted] += self.cfg.kit_value
