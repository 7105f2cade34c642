"""Day-care places for trainee mothers (seed 000: no childcare, no women; seed 002: day-care paid).

A fixed share ``coverage_share`` of mothers (drawn once per person) is offered
a place; each month, targeted mothers in training who were offered one get
``childcare_access``, which lifts the care barrier of the dropout hazard, at
``cost_per_child_month`` per dependent child.
"""

from __future__ import annotations

from simulation.policies.base import Policy


class Childcare(Policy):
    name = "childcare"

    def __init__(self, cfg, model):
        super().__init__(cfg, model)
        self.offered = self.setup_draws("coverage") < cfg.coverage_share

    def before_attendance(self, trainees):
        P, centre_childcare = self.model.people, self.model.inputs["centre_childcare"]
        mothers = trainees[P.female[trainees] & (P.dependents[trainees] > 0)]
        # mothers whose centre has day-care of its own need no place from the programme
        candidates = self.targeted(mothers[self.offered[mothers] & ~centre_childcare[P.centre[mothers]]])
        self.support("childcare_access", self.grant(candidates, P.dependents[candidates] * self.cfg.cost_per_child_month),
                     True, False)
