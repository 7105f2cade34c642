"""Training centres: seats per intake, course length, certification, day-care, cost."""

from __future__ import annotations

import mesa


class _Own:
    """Descriptor: attribute of a centre or employer = its row of the model input ``model.inputs[key]``.

    The rules read these arrays, so a centre's or an employer's own value is
    what the model uses: editing ``centre.childcare_on_site`` changes the
    dropout of mothers at that centre, and at no other.
    """

    def __init__(self, key: str, kind=float):
        self.key, self.kind = key, kind

    def __get__(self, agent, owner=None):
        if agent is None:
            return self
        return self.kind(agent.model.inputs[self.key][agent.index])

    def __set__(self, agent, value):
        agent.model.inputs[self.key][agent.index] = value


class TrainingCentre(mesa.Agent):
    """A vocational training centre of a district.

    Attributes: ``district`` (index), ``trades`` (courses offered),
    ``seats_per_intake`` (persons admitted per intake), ``intake_interval_months``,
    ``index``; read by the rules from the model's per-centre arrays:
    ``course_months`` (course length in months, from 70-150 hours, seed 000),
    ``certification_rate`` (share of completers certified, ~0.91, seed 000),
    ``recognised_share`` (share of certificates officially recognised, ~0.38,
    seed 000), ``childcare_on_site`` (day-care for trainees' children: no care
    barrier for mothers), ``cost_per_trainee_month`` (USD); ``trainees``
    (persons in training now) and ``admitted`` (admitted at this month's intake).
    """

    seats_per_intake = _Own("centre_seats", int)
    course_months = _Own("centre_course_months", int)
    certification_rate = _Own("centre_certification_rate")
    recognised_share = _Own("centre_recognised_share")
    childcare_on_site = _Own("centre_childcare", bool)
    cost_per_trainee_month = _Own("centre_cost_per_trainee_month")
    trainees = _Own("centre_trainees", int)
    admitted = _Own("centre_admitted", int)

    def __init__(self, model, index, district, trades, intake_interval_months, last_intake_month=None):
        super().__init__(model)
        self.index = int(index)
        self.district = int(district)
        self.trades = list(trades)
        self.intake_interval_months = int(intake_interval_months)
        self.last_intake_month = last_intake_month

    def holds_intake(self, month: int) -> bool:
        """Intakes happen in months 1, 1 + k, 1 + 2k, ... (k = intake interval), up to the programme's last intake
        month if it has one (then the programme ends: its courses run out, nobody new is admitted)."""
        ended = self.last_intake_month is not None and month > self.last_intake_month
        return not ended and (month - 1) % self.intake_interval_months == 0
