"""Youth and returnees as Mesa agents.

A person agent is a view of one row of the model's ``PersonState``: each
field of ``PERSON_FIELDS`` is an attribute that reads and writes that row, so
agents and kernels share one state. In the Mesa engine the model steps these
agents one by one (``AgentSet.shuffle_do``) and each agent applies the
transitions of ``kernels/rules.py`` to itself; in the numba engine the same
agents exist as views for inspection (``model.agents_by_type[Youth]``) while
the kernels do the work.
"""

from __future__ import annotations

import mesa

from simulation.kernels import rules
from simulation.state import ABROAD, NO_INDEX, PERSON_FIELDS, WAGE_EMPLOYED


class _Row:
    """Descriptor: attribute ``name`` of an agent is ``model.people.<name>[agent.index]``."""

    def __init__(self, name: str):
        self.name = name

    def __get__(self, agent, owner=None):
        if agent is None:
            return self
        return getattr(agent.model.people, self.name)[agent.index]

    def __set__(self, agent, value):
        getattr(agent.model.people, self.name)[agent.index] = value


class Person(mesa.Agent):
    """Common behaviour of youth and returnees; ``index`` is the person's row."""

    def __init__(self, model, index: int):
        super().__init__(model)
        self.index = int(index)

    # --- monthly phases (Mesa engine) ---------------------------------------
    def apply_for_training(self, u):
        self.applied = rules.apply_transition(self.status, self.enrolled, self.applied, self.distance_km,
                                              self.is_returnee, u[self.index], self.model.rules.enrolment)

    def attend(self, u):
        status, dropped_now, month = rules.attend_transition(
            self.status, self.months_in_course, self.model.district_wage[self.district], self.household_income,
            self.transport_cost, self.transport_covered_share, self.stipend, self.female, self.dependents,
            self.childcare_access, u[self.index], self.model.rules.dropout)
        self.status = status
        if dropped_now:
            self.dropped_out = True
            self.dropout_course_month = month

    def progress(self, u):
        status, months, done, certified, recognised, skill = rules.progress_transition(
            self.status, self.months_in_course, self.course_months, self.skill, u[self.index],
            self.model.rules.training)
        self.status, self.months_in_course = status, months
        if done:
            self.completed, self.certified, self.recognised, self.skill = True, certified, recognised, skill

    def join_or_leave_labour_force(self, u):
        self.status = rules.labour_force_transition(self.status, u[self.index], self.model.rules.labour)

    def search(self, u, searching):
        searching[self.index] = rules.search_transition(self.status, u[self.index], self.model.rules.labour)

    def consider_offer(self, offers):
        employer_index = offers[self.index]
        if employer_index == NO_INDEX:
            return
        employer = self.model.employer_agents[employer_index]
        if rules.accept_transition(self.status, employer.wage_offer, self.household_income, self.model.rules.labour):
            self.status, self.employer, self.earnings = WAGE_EMPLOYED, employer_index, employer.wage_offer
            self.job_threshold, self.tenure_months, self.ever_hired = employer.skill_threshold, 0, True

    def run_business(self, u):
        self.status, self.business_months = rules.business_transition(
            self.status, self.business_months, self.savings, self.startup_capital, self.completed, self.skill,
            u[self.index], self.model.rules.livelihood)

    def keep_or_lose_job(self, u):
        status, tenure, fired = rules.separation_transition(self.status, self.tenure_months, self.skill,
                                                            self.job_threshold, u[self.index], self.model.rules.labour)
        if status != self.status:
            self.employer = NO_INDEX
        self.status, self.tenure_months = status, tenure
        if fired:
            self.dismissed = True

    def earn_and_save(self):
        self.earnings, self.savings = rules.income_transition(
            self.status, self.earnings, self.savings, self.stipend, self.skill,
            self.model.district_wage[self.district], self.model.rules.livelihood)

    def update_intent(self, district_abroad_share):
        if self.status != ABROAD:
            self.age += 1.0 / 12.0
        self.peers_abroad = rules.share_of_peers_abroad(self.peer_base, district_abroad_share[self.district])
        self.intent = rules.intent_transition(self.status, self.intent, self.age, self.earnings,
                                              self.household_income, self.peers_abroad, self.model.rules.intent)

    def consider_migrating(self, u):
        status, savings, left = rules.migration_transition(self.status, self.intent, self.savings,
                                                          self.awaiting_regular_route, u[self.index],
                                                          self.model.rules.migration)
        if left:
            self.status, self.savings, self.migrated = status, savings, True
            self.employer, self.earnings = NO_INDEX, 0.0


for _name in PERSON_FIELDS:
    setattr(Person, _name, _Row(_name))


class Youth(Person):
    """A young person (15-40) who has not migrated before the run."""


class Returnee(Person):
    """A person back from abroad: ``months_abroad``, ``claimed_skill`` above ``skill``, savings on return."""
