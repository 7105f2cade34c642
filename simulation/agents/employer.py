"""Employers: post vacancies, screen applicants on perceived skill, keep a probation."""

from __future__ import annotations

import mesa

from simulation.agents.training_centre import _Own


class Employer(mesa.Agent):
    """A firm of a district.

    Attributes: ``district`` (index), ``index`` (row in the model's employer
    arrays); read by the rules from those arrays: ``skill_threshold`` (skill
    index 0-1 a hire needs), ``wage_offer`` (USD/month), ``hosts_apprentices``
    (willing to host apprentices, seed 000: ~60%), ``probation_months`` (months
    after which under-skilled hires are found out), ``formal`` (a formal firm: pays
    certificates and keeps its workers longer; the others are informal); ``vacancies`` (openings
    this month, drawn by the model) and ``hires`` (filled this month).
    """

    skill_threshold = _Own("employer_threshold")
    wage_offer = _Own("employer_wage")
    hosts_apprentices = _Own("employer_hosts", bool)
    probation_months = _Own("employer_probation", int)
    formal = _Own("employer_formal", bool)

    def __init__(self, model, index, district):
        super().__init__(model)
        self.index = int(index)
        self.district = int(district)

    @property
    def vacancies(self) -> int:
        return int(self.model.vacancies[self.index])

    @property
    def hires(self) -> int:
        return int(self.model.hires[self.index])
