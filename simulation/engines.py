"""Two ways to apply the per-person transitions of a phase.

* ``KernelEngine`` (``engine=numba``): one compiled kernel call per phase over
  the whole struct of arrays. Given ``numpy_twins`` instead of
  ``numba_kernels`` it runs the NumPy twins (used by the tests).
* ``MesaEngine`` (``engine=mesa``): the reference. Mesa agents are stepped one
  by one in random order (``AgentSet.shuffle_do``), each applying the same
  transitions to itself, as an idiomatic Mesa model does.

Both receive the same draws, so they give identical per-person outcomes.
"""

from __future__ import annotations

import numpy as np

from simulation.metrics import TALLY
from simulation.state import FLOAT, INT


class KernelEngine:
    def __init__(self, model, kernels):
        self.model, self.k = model, kernels

    @property
    def _p(self):
        return self.model.people

    def apply_for_training(self, u):
        P = self._p
        self.k.apply_kernel(P.status, P.enrolled, P.applied, P.distance_km, P.is_returnee, u,
                            self.model.rules.enrolment)

    def admit(self, intake_open, seats, u):
        P = self._p
        admitted = np.empty(P.n, dtype=bool)
        self.k.admit_kernel(P.status, P.applied, P.enrolled, P.centre, intake_open, seats, u, admitted)
        return np.flatnonzero(admitted)

    def attend(self, u):
        P = self._p
        self.k.attend_kernel(P.status, P.months_in_course, P.dropped_out, P.dropout_course_month, P.district,
                             self.model.district_wage, P.household_income, P.transport_cost,
                             P.transport_covered_share, P.stipend, P.female, P.dependents, P.childcare_access, u,
                             self.model.rules.dropout)

    def progress(self, u):
        P = self._p
        self.k.progress_kernel(P.status, P.months_in_course, P.course_months, P.skill, P.completed, P.certified,
                               P.recognised, u, self.model.rules.training)

    def join_or_leave_labour_force(self, u):
        self.k.labour_force_kernel(self._p.status, u, self.model.rules.labour)

    def search(self, u):
        searching = np.zeros(self._p.n, dtype=bool)
        self.k.search_kernel(self._p.status, searching, u, self.model.rules.labour)
        return searching

    def match(self, candidates, open_places, u_choice, u_priority):
        P, m = self._p, self.model
        offers = np.empty(P.n, dtype=INT)
        self.k.match_kernel(candidates, P.status, P.district, P.skill, P.claimed_skill, P.is_returnee, P.certified,
                            P.recognised, m.employers_by_district, m.district_first_employer, m.district_employers,
                            m.employer_threshold, open_places, u_choice, u_priority, m.rules.hiring, offers)
        return offers

    def consider_offers(self, offers):
        P, m = self._p, self.model
        self.k.accept_kernel(P.status, offers, P.employer, P.earnings, P.job_threshold, P.tenure_months,
                             P.ever_hired, P.household_income, m.employer_wage, m.employer_threshold,
                             m.rules.labour)

    def run_businesses(self, u):
        P = self._p
        self.k.business_kernel(P.status, P.business_months, P.savings, P.startup_capital, P.completed, P.skill, u,
                               self.model.rules.livelihood)

    def keep_or_lose_jobs(self, u):
        P = self._p
        self.k.separation_kernel(P.status, P.tenure_months, P.employer, P.skill, P.job_threshold, P.dismissed, u,
                                 self.model.rules.labour)

    def earn_and_save(self):
        P = self._p
        self.k.income_kernel(P.status, P.earnings, P.savings, P.stipend, P.skill, P.district,
                             self.model.district_wage, self.model.rules.livelihood)

    def update_intent(self):
        P, m = self._p, self.model
        share = self.emigration_share()
        self.k.intent_kernel(P.status, P.intent, P.age, P.earnings, P.household_income, P.peer_base, P.district,
                             share, P.peers_abroad, m.rules.intent)

    def emigration_share(self):
        P, m = self._p, self.model
        share = np.zeros(len(m.district_wage), dtype=FLOAT)
        self.k.emigration_kernel(P.arrival_month, P.district, P.migrated, m.month, share)
        return share

    def tally(self):
        P, m = self._p, self.model
        counts, income = np.zeros(len(TALLY), dtype=np.int64), np.zeros(1, dtype=FLOAT)
        self.k.tally_kernel(P.status, P.arrival_month, P.applied, P.enrolled, P.dropped_out, P.completed,
                            P.certified, P.dismissed, P.ever_hired, P.migrated, P.abroad_regular, P.earnings,
                            P.intent, m.month, m.intent_threshold, counts, income)
        return counts, float(income[0])

    def consider_migrating(self, u):
        P = self._p
        self.k.migration_kernel(P.status, P.intent, P.savings, P.awaiting_regular_route, P.migrated, P.employer,
                                P.earnings, u,
                                self.model.rules.migration)


class MesaEngine:
    def __init__(self, model):
        from simulation.kernels import numpy_twins

        self.model = model
        # admissions, matching, district shares and indicators are model-level, not agents' steps: NumPy rules
        self.model_level = KernelEngine(model, numpy_twins)

    def _each(self, method, *args):
        self.model.persons.shuffle_do(method, *args)

    def apply_for_training(self, u):
        self._each("apply_for_training", u)

    def attend(self, u):
        self._each("attend", u)

    def progress(self, u):
        self._each("progress", u)

    def join_or_leave_labour_force(self, u):
        self._each("join_or_leave_labour_force", u)

    def search(self, u):
        searching = np.zeros(self.model.people.n, dtype=bool)
        self._each("search", u, searching)
        return searching

    def admit(self, intake_open, seats, u):
        return self.model_level.admit(intake_open, seats, u)

    def match(self, candidates, open_places, u_choice, u_priority):
        return self.model_level.match(candidates, open_places, u_choice, u_priority)

    def consider_offers(self, offers):
        self._each("consider_offer", offers)

    def run_businesses(self, u):
        self._each("run_business", u)

    def keep_or_lose_jobs(self, u):
        self._each("keep_or_lose_job", u)

    def earn_and_save(self):
        self._each("earn_and_save")

    def update_intent(self):
        self._each("update_intent", self.model_level.emigration_share())

    def tally(self):
        return self.model_level.tally()

    def consider_migrating(self, u):
        self._each("consider_migrating", u)


def make_engine(name: str, model):
    if name == "numba":
        from simulation.kernels import numba_kernels, use_threads

        model.threads = use_threads(model.cfg.threads)
        return KernelEngine(model, numba_kernels)
    if name == "numpy":  # the NumPy twins, for tests
        from simulation.kernels import numpy_twins
        return KernelEngine(model, numpy_twins)
    if name == "mesa":
        return MesaEngine(model)
    raise ValueError(f"engine: must be one of numba, mesa, got {name!r}")
