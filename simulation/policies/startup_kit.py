"""Start-up kits for completers (seed 002: 577 kits; beneficiaries work on their own account).

In the month a targeted person completes a course (and, with
``certified_only``, is certified) they receive ``kit_value`` as
``startup_capital``, which raises business entry; a business that starts invests it
(``business_capital``: lower failure while it lasts, worn each month, lost in part when the business
fails), so a kit helps once, not for ever.
"""

from __future__ import annotations

from dataclasses import dataclass

from simulation.policies.base import Lever, Outcome, Policy
from simulation.schema import MISSING, PolicyConfig, usd


@dataclass
class StartupKitConfig(PolicyConfig):
    kit_value: float = usd()
    certified_only: bool = MISSING


class StartupKit(Policy):
    name = "startup_kit"
    config = StartupKitConfig
    order = 50
    words = "start-up kit"
    label = "Start-up kit for completers"
    lever = Lever("kit_value", "USD per kit", high=1000, step=50)  # about 3x the default 300 USD kit (assumption)
    outcomes = (Outcome("completers", "self_employment_rate_12m_after_course", "completers self-employed, 12 months after"),)
    person_fields = ("startup_capital",)

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
