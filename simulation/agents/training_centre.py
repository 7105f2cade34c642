"""Training centres: seats per intake, course length, certification, childcare."""

from __future__ import annotations

import mesa


class TrainingCentre(mesa.Agent):
    """A vocational training centre of a district.

    Attributes: ``district`` (index), ``trades`` (courses offered),
    ``seats_per_intake`` (persons admitted per intake), ``intake_interval_months``,
    ``course_months`` (course length in months, from 70-150 hours, seed 000),
    ``certification_rate`` (share of completers certified, ~0.91, seed 000),
    ``recognised_share`` (share of certificates officially recognised, ~0.38,
    seed 000), ``childcare_on_site``, ``cost_per_trainee_month`` (USD),
    ``trainees`` (persons in training now), ``admitted`` (admitted at this
    month's intake), ``index``.
    """

    def __init__(self, model, index, district, trades, seats_per_intake, intake_interval_months, course_months,
                 certification_rate, recognised_share, childcare_on_site, cost_per_trainee_month):
        super().__init__(model)
        self.index = int(index)
        self.district = int(district)
        self.trades = list(trades)
        self.seats_per_intake = int(seats_per_intake)
        self.intake_interval_months = int(intake_interval_months)
        self.course_months = int(course_months)
        self.certification_rate = float(certification_rate)
        self.recognised_share = float(recognised_share)
        self.childcare_on_site = bool(childcare_on_site)
        self.cost_per_trainee_month = float(cost_per_trainee_month)
        self.trainees = 0
        self.admitted = 0

    def holds_intake(self, month: int) -> bool:
        """Intakes happen in months 1, 1 + k, 1 + 2k, ... (k = intake interval)."""
        return (month - 1) % self.intake_interval_months == 0
