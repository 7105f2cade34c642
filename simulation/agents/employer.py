"""Employers: post vacancies, screen applicants on perceived skill, keep a probation."""

from __future__ import annotations

import mesa


class Employer(mesa.Agent):
    """A firm of a district and sector.

    Attributes: ``district`` (index), ``sector`` (name), ``skill_threshold``
    (skill index 0-1 a hire needs), ``wage_offer`` (USD/month),
    ``hosts_apprentices`` (willing to host apprentices, seed 000: ~60%),
    ``probation_months`` (months after which under-skilled hires are found out),
    ``index`` (row in the model's employer arrays); ``vacancies`` (openings this
    month, drawn by the model) and ``hires`` (filled this month) are read from
    the model's arrays of the month.
    """

    def __init__(self, model, index, district, sector, skill_threshold, wage_offer, hosts_apprentices,
                 probation_months):
        super().__init__(model)
        self.index = int(index)
        self.district = int(district)
        self.sector = sector
        self.skill_threshold = float(skill_threshold)
        self.wage_offer = float(wage_offer)
        self.hosts_apprentices = bool(hosts_apprentices)
        self.probation_months = int(probation_months)

    @property
    def vacancies(self) -> int:
        return int(self.model.vacancies[self.index])

    @property
    def hires(self) -> int:
        return int(self.model.hires[self.index])
