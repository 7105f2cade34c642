"""The Mesa model: builds the population and agents, orders the monthly step, collects indicators.

No behavioural equation lives here: the per-person rules are in
``kernels/rules.py`` and the allocation of seats and vacancies in
``allocation.py``. ``step()`` is the schedule of ``docs/ODD.md``.
"""

from __future__ import annotations

import mesa
import numpy as np
from mesa.agentset import AgentSet

from simulation import metrics
from simulation.agents import Employer, Returnee, TrainingCentre, Youth
from simulation.config import RunConfig
from simulation.engines import make_engine
from simulation.memory import check_fits_in_memory, release_free_memory
from simulation.params import build_rules
from simulation.policies import PolicySet
from simulation.population import build_population, course_months, district_arrays
from simulation.rng import RandomStreams
from simulation.state import FLOAT, INT, NO_INDEX, TRAINING, UNEMPLOYED


class LivelihoodsModel(mesa.Model):
    """Youth, returnees, employers and training centres in a few districts, one step per month.

    Args:
        cfg: a validated ``RunConfig`` (see ``simulation.config.to_run_config``).
        engine: override of ``cfg.engine`` (``numba``, ``mesa``; ``numpy`` runs the twins).
    """

    def __init__(self, cfg: RunConfig, engine: str | None = None):
        super().__init__(rng=cfg.seed)
        self._views_ready = False
        self.cfg = cfg
        self.engine_name = engine or cfg.engine
        check_fits_in_memory(cfg, self.engine_name)  # refuse up front rather than be killed half-way
        self.month = 0
        self.streams = RandomStreams(cfg.seed)
        self.rules = build_rules(cfg)
        self.intent_threshold = cfg.behaviour.intent.threshold
        s = cfg.scenario
        self.district_wage = district_arrays(s)["wage_level"]
        self.people = build_population(s, cfg.months, self.streams)
        self._draw_buffers = (np.empty(self.people.n, dtype=FLOAT), np.empty(self.people.n, dtype=FLOAT))
        self._draw_slot = 0
        self._build_centres(s)
        self._build_employers(s)
        self.persons = AgentSet([], random=self.random)
        self.vacancies = np.zeros(len(self.employer_agents), dtype=INT)
        self.hires = np.zeros(len(self.employer_agents), dtype=INT)  # hires of the current month
        self.trainee_months = 0
        self.policies = PolicySet(cfg.policy, self)
        self.engine = make_engine(self.engine_name, self)
        if self.engine_name == "mesa":
            self._add_person_agents(np.flatnonzero(self.people.arrival_month == 0))
        self._views_ready = self.engine_name == "mesa"
        self.latest = metrics.monthly_row(*self.engine.tally(), 0, None)
        self.datacollector = mesa.DataCollector(
            model_reporters={key: (lambda m, key=key: m.latest[key]) for key in self.latest})
        self.datacollector.collect(self)
        release_free_memory()  # the population build's temporaries

    # --- the monthly schedule (docs/ODD.md, "Process overview") -------------
    def step(self):
        self.month += 1
        self.arrive_returnees()
        self.policies.start_of_month()
        self.enrol()
        self.policies.before_attendance()
        self.attend()
        self.progress_training()
        self.policies.after_training()
        self.search_and_match()  # policies.after_matching runs inside, after the main round
        self.run_businesses()
        self.separate()
        self.earn_and_save()
        self.update_intent()
        self.policies.before_migration()
        self.migrate()
        self.collect()
        release_free_memory()  # the month's temporaries go back to the OS (simulation/memory.py)

    def arrive_returnees(self):
        """Returnees whose arrival month has come join, searching for work."""
        arriving = np.flatnonzero(self.people.arrival_month == self.month)
        self.people.status[arriving] = UNEMPLOYED
        if self._views_ready:
            self._add_person_agents(arriving)

    def enrol(self):
        """Non-working persons apply; centres holding an intake admit from their waiting list by lottery."""
        self.engine.apply_for_training(self._draw("enrolment_application"))
        P = self.people
        intake_open = np.array([c.holds_intake(self.month) for c in self.centre_agents], dtype=bool)
        admitted = np.zeros(0, dtype=np.int64)
        if intake_open.any():  # between intakes nobody is admitted, and the lottery is not drawn
            admitted = self.engine.admit(intake_open, self.centre_seats, self._draw("enrolment_priority"))
        P.status[admitted] = TRAINING
        P.enrolled[admitted] = True
        P.enrol_month[admitted] = self.month
        P.course_months[admitted] = self.centre_course_months[P.centre[admitted]]
        P.months_in_course[admitted] = 0
        self.trainee_months += int(np.count_nonzero(P.status == TRAINING))
        _publish(self.centre_agents, "admitted", np.bincount(P.centre[admitted], minlength=len(self.centre_agents)))

    def attend(self):
        """Trainees attend or drop out (dropout hazard)."""
        self.engine.attend(self._draw("dropout"))

    def progress_training(self):
        """Trainees advance a month; those at the end complete and may be certified."""
        self.engine.progress(self._draw("certification"))
        trainees = self.people.centre[self.people.status == TRAINING]
        _publish(self.centre_agents, "trainees", np.bincount(trainees, minlength=len(self.centre_agents)))

    def search_and_match(self):
        """Labour-force entry/exit, search, this month's vacancies, the main matching round; then policies' rounds."""
        self.engine.join_or_leave_labour_force(self._draw("labour_force"))
        searching = self.engine.search(self._draw("job_search"))
        self.vacancies = self.streams.generator("vacancies", self.month).poisson(
            self.cfg.scenario.employers.vacancies_per_month, len(self.employer_agents)).astype(INT)
        self.hires = np.zeros(len(self.employer_agents), dtype=INT)
        self.consider_offers(self.make_offers(searching, "job_choice", "hiring_priority"))
        self.policies.after_matching(searching)

    def make_offers(self, candidates, choice_stream: str, priority_stream: str) -> np.ndarray:
        """One matching round (rule: ``allocation.match_jobs``) of unemployed candidates for the places still open."""
        return self.engine.match(candidates, self.vacancies - self.hires, self._draw(choice_stream),
                                 self._draw(priority_stream))

    def consider_offers(self, offers) -> None:
        """Offer holders accept or decline; acceptances count towards the employers' hires of the month."""
        self.engine.consider_offers(offers)
        offered = np.flatnonzero(offers != NO_INDEX)
        employer = offers[offered]
        taken = employer[self.people.employer[offered] == employer]
        self.hires += np.bincount(taken, minlength=self.hires.size).astype(INT)

    def run_businesses(self):
        """Searchers may open a business; owners' businesses survive or fail."""
        self.engine.run_businesses(self._draw("self_employment"))

    def separate(self):
        """Dismissal after probation of under-skilled hires; other job losses."""
        self.engine.keep_or_lose_jobs(self._draw("separation"))

    def earn_and_save(self):
        """Earnings of the month and savings."""
        self.engine.earn_and_save()

    def update_intent(self):
        """Persons at home age a month, peers abroad follow district emigration, intent moves towards its target."""
        self.engine.update_intent()

    def migrate(self):
        """Capable intenders leave (irregular route)."""
        self.engine.consider_migrating(self._draw("migration"))

    def collect(self):
        """The month's row of indicators (``metrics.monthly_row``), collected by Mesa's DataCollector."""
        self.latest = metrics.monthly_row(*self.engine.tally(), self.month, self.latest)
        self.datacollector.collect(self)

    # --- results ------------------------------------------------------------
    def timeseries(self):
        """Monthly indicators (month 0 = initial state) as a DataFrame."""
        return self.datacollector.get_model_vars_dataframe().reset_index(drop=True)

    def summary(self) -> dict:
        """Indicators at the end of the run, overall and by group, plus training outcomes."""
        population = metrics.present(self.people, self.month)
        return {
            "indicators": metrics.indicators(self.people, population, self.intent_threshold),
            "by_group": {name: metrics.indicators(self.people, mask, self.intent_threshold)
                         for name, mask in metrics.group_masks(self.people, population).items()},
            "training": metrics.training_outcomes(self.people, population),
            "cost": metrics.cost_summary(self.people, population, self.policies.report(),
                                         self.trainee_months * self.cfg.scenario.training.cost_per_trainee_month),
        }

    # --- agents ---------------------------------------------------------------
    @property
    def agents_by_type(self):
        """Mesa's agents by type; in the numba engine, person views are made on first access."""
        if not self._views_ready:
            self._views_ready = True
            self._add_person_agents(np.flatnonzero(self.people.arrival_month <= self.month))
        return super().agents_by_type

    def _add_person_agents(self, indices):
        P = self.people
        for i in indices:
            cls = Returnee if P.is_returnee[i] else Youth
            self.persons.add(cls(self, i))

    def _draw(self, stream: str) -> np.ndarray:
        """One draw per person from ``stream`` this month, written into the older of two reused buffers.

        Each phase consumes its draws before the next phase draws, and a matching
        round uses two at once, so two buffers suffice; reusing them spares a
        dozen fresh person-sized arrays a month (allocation and page faults).
        """
        self._draw_slot = 1 - self._draw_slot
        return self.streams.uniform(stream, self.month, self.people.n, out=self._draw_buffers[self._draw_slot])

    def _build_centres(self, s):
        t = s.training
        seats = max(1, round(t.seats_per_1000_youth * s.n_youth / 1000.0))
        months = course_months(t.course_hours, t.hours_per_month)
        self.centre_agents = []
        for d, district in enumerate(s.districts):
            for _ in range(district.centres):
                self.centre_agents.append(TrainingCentre(
                    self, len(self.centre_agents), d, t.trades, seats, t.intake_interval_months, months,
                    t.certification_rate, t.recognised_share, t.childcare_on_site, t.cost_per_trainee_month))
        self.centre_seats = np.array([c.seats_per_intake for c in self.centre_agents], dtype=INT)
        self.centre_course_months = np.array([c.course_months for c in self.centre_agents], dtype=INT)

    def _build_employers(self, s):
        e = s.employers
        g = self.streams.generator("employers")
        initial = self.people.arrival_month == 0
        youth_per_district = np.bincount(self.people.district[initial], minlength=len(s.districts))
        self.employer_agents = []
        for d, district in enumerate(s.districts):
            n = int(round(district.employers_per_1000_youth * youth_per_district[d] / 1000.0))
            sectors = g.choice(len(e.sectors), n)
            thresholds = g.uniform(e.skill_threshold_min, e.skill_threshold_max, n)
            wages = district.wage_level * np.exp(e.wage_offer_sigma * g.standard_normal(n))
            hosts = g.random(n) < e.apprentice_host_share
            for j in range(n):
                self.employer_agents.append(Employer(
                    self, len(self.employer_agents), d, e.sectors[sectors[j]], thresholds[j], wages[j], hosts[j],
                    e.probation_months))
        self.employer_district = np.array([a.district for a in self.employer_agents], dtype=INT)
        self.employer_threshold = np.array([a.skill_threshold for a in self.employer_agents], dtype=FLOAT)
        self.employer_wage = np.array([a.wage_offer for a in self.employer_agents], dtype=FLOAT)
        # employers grouped by district, for the matching rounds
        self.employers_by_district = np.argsort(self.employer_district, kind="stable").astype(INT)
        self.district_employers = np.bincount(self.employer_district, minlength=len(s.districts)).astype(INT)
        self.district_first_employer = (np.cumsum(self.district_employers) - self.district_employers).astype(INT)


def _publish(agents, attribute: str, values) -> None:
    """Write one model-level count per agent onto the Mesa agents (for inspection and the dashboard)."""
    for agent, value in zip(agents, values, strict=True):
        setattr(agent, attribute, int(value))
