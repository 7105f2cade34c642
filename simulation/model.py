"""The Mesa model: builds the population and agents, orders the monthly step, collects indicators.

No behavioural equation lives here: the per-person rules are in
``kernels/rules.py``, declared as phases in ``phases.py``, and the allocation
of seats and vacancies in ``allocation.py``. ``step()`` is the schedule of
``docs/ODD.md``.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict

import mesa
import numpy as np
from mesa.agentset import AgentSet

from simulation import metrics
from simulation.agents import Employer, Returnee, TrainingCentre, Youth
from simulation.config import RunConfig
from simulation.engines import make_engine
from simulation.memory import available_bytes, check_fits_in_memory, release_free_memory
from simulation.params import build_rules
from simulation.phases import SCRATCH
from simulation.policies import PolicySet
from simulation.population import build_population, course_months, district_arrays
from simulation.reached import Reached
from simulation.rng import Streams, stream_key
from simulation.state import ABROAD, FLOAT, INT, NO_INDEX, PERSON_FIELDS, WAGE_EMPLOYED
from simulation.trial import Trial


class BurnIns:
    """The state after the burn-in, kept per process for the runs that share it (least recently used first out).

    No policy acts in the burn-in and the programme is closed, so every run with the same scenario,
    behaviour, seed, burn-in length, horizon and engine reaches the same state: the arms of a study with
    common random numbers share it, and each arm after the first skips its burn-in. (The Mesa engine is
    left out: its agents are shuffled by Mesa's own generator, whose state the arrays do not hold.)
    """

    def __init__(self, max_bytes: int = 2**30, max_share_of_free: float = 0.1):
        self.max_bytes, self.max_share, self.states, self.hits = max_bytes, max_share_of_free, OrderedDict(), 0

    @staticmethod
    def key(cfg: RunConfig, engine: str) -> str | None:
        if engine == "mesa":
            return None
        text = repr((cfg.scenario, cfg.behaviour, cfg.seed, cfg.burn_in_months, cfg.months, engine))
        return hashlib.sha256(text.encode()).hexdigest()

    def get(self, key):
        state = self.states.get(key)
        if state is not None:
            self.states.move_to_end(key)
            self.hits += 1
        return state

    def put(self, key, state: dict) -> None:
        """Keep ``state`` within at most ``max_bytes`` in all and a tenth of the memory still free (a cluster
        job sized for one run has no room for many), dropping the least recently used first."""
        free = available_bytes()
        cap = self.max_bytes if free is None else min(self.max_bytes, int(self.max_share * free))

        def size(s):
            return sum(a.nbytes for a in s.values() if isinstance(a, np.ndarray))

        if size(state) > cap:
            return
        self.states[key] = state
        while sum(size(s) for s in self.states.values()) > cap:
            self.states.popitem(last=False)


BURN_INS = BurnIns()


def seats_per_intake(seats_per_1000_youth: float, n_youth: int) -> int:
    """Seats of a centre at an intake: max(1, round(s n / 1000)), and none when s = 0 (no programme)."""
    return 0 if seats_per_1000_youth == 0 else max(1, round(seats_per_1000_youth * n_youth / 1000.0))


class LivelihoodsModel(mesa.Model):
    """Youth, returnees, employers and training centres in a few districts, one step per month.

    Args:
        cfg: a validated ``RunConfig`` (see ``simulation.config.validate``).
        engine: override of ``cfg.engine`` (``numba``, ``mesa``; ``numpy`` runs the twins).
    """

    def __init__(self, cfg: RunConfig, engine: str | None = None):
        super().__init__(rng=cfg.seed)
        self._views_ready = False
        self.cfg = cfg
        self.engine_name = engine or cfg.engine
        check_fits_in_memory(cfg, self.engine_name)  # refuse up front rather than be killed half-way
        self.month = 0  # months since the start of the burn-in; month 0 of the record is month ``burn_in``
        self.burn_in = cfg.burn_in_months
        self.streams = Streams(cfg.seed)
        self.rules = build_rules(cfg)
        self.intent_threshold = cfg.behaviour.intent.threshold
        s = cfg.scenario
        total = self.burn_in + cfg.months
        self.people = build_population(s, total, self.streams)
        n0 = s.n_youth
        # rows of the returnees arriving in month m: arrival_rows[m - 1] .. arrival_rows[m] (sorted by month)
        self.arrival_rows = n0 + np.searchsorted(self.people.arrival_month[n0:], np.arange(1, total + 2))
        self.scratch = {name: np.zeros(self.people.n, dtype=dtype) for name, dtype in SCRATCH.items()}
        self.scratch["offer"][:] = NO_INDEX
        self._offered = np.zeros(0, dtype=np.int64)  # who holds an offer of the last matching round
        self.searchers = np.zeros(0, dtype=np.int64)  # who applied to a vacancy this month
        self.inputs = {"district_wage": district_arrays(s)["wage_level"],
                       "district_abroad_share": np.zeros(len(s.districts), dtype=FLOAT)}
        self._build_centres(s)
        self._build_employers(s)
        self.persons = AgentSet([], random=self.random)
        self._person_agents: dict[int, Youth] = {}
        self.vacancies = np.zeros(len(self.employer_agents), dtype=INT)
        self.hires = np.zeros(len(self.employer_agents), dtype=INT)  # hires of the current month
        self.trainee_months = 0
        self.training_cost = 0.0
        self.policies = PolicySet.none(self)
        self.engine = make_engine(self.engine_name, self)
        if self.engine_name == "mesa":
            self._add_person_agents(np.flatnonzero(self.people.arrival_month == 0))
        self._views_ready = self.engine_name == "mesa"
        self.run_burn_in()
        self.trial = Trial(self.people.n, cfg.trial_horizons)
        self.reached = Reached()
        self.policies = PolicySet(cfg.policy, self)
        self.rows: list[dict] = []
        self.collect()
        release_free_memory()  # the population build's temporaries

    # --- the monthly schedule (docs/ODD.md, "Process overview"; phases: simulation/phases.py) ---
    def step(self):
        self.month += 1
        self.arrive_returnees()  # arrive
        self.policies.start_of_month()
        self.enrol()  # apply_for_training, the centres' lottery, start_course
        self.policies.before_attendance()
        self.engine.run("training")  # attend, progress
        self.policies.after_training()
        self.search_and_match()  # join_or_leave_labour_force, search, vacancies, matching round, accept_offer
        self.policies.after_matching(self.searchers)
        self.make_a_living()  # run_business, keep_or_lose_job, earn_and_save, age, update_intent
        self.policies.before_migration()
        self.engine.run("migrate")
        self.collect()

    def run_burn_in(self):
        """The ``burn_in`` months before month 0: the schedule without the programme, and not recorded.

        Nobody applies for training, no centre holds an intake and no policy acts; returnees arrive, the labour
        market, businesses, savings, ageing, networks, intent and migration run as in ``step``.
        The state reaches the model's own stationary state before the programme starts in month 1; then
        ``start_record`` clears what the indicators count over the run.
        """
        key = BURN_INS.key(self.cfg, self.engine_name) if self.burn_in else None
        state = BURN_INS.get(key) if key else None
        if state is not None:
            self._restore(state)
        else:
            for _ in range(self.burn_in):
                self.month += 1
                self.arrive_returnees()
                self.search_and_match()
                self.make_a_living()
                self.engine.run("migrate")
            if key:
                BURN_INS.put(key, self._burnt_in())
        self.start_record()

    def _burnt_in(self) -> dict:
        """Copies of everything the burn-in changes: person state, scratch, last round's offers, inputs."""
        state = {f"people.{name}": getattr(self.people, name).copy() for name in PERSON_FIELDS}
        state |= {f"scratch.{name}": a.copy() for name, a in self.scratch.items()}
        state |= {"district_abroad_share": self.inputs["district_abroad_share"].copy(), "offered": self._offered.copy(),
                  "searchers": self.searchers.copy(), "vacancies": self.vacancies.copy(), "hires": self.hires.copy(),
                  "month": self.month}
        return state

    def _restore(self, state: dict) -> None:
        """Set the state after the burn-in, in place (the engines hold the arrays)."""
        for name in PERSON_FIELDS:
            np.copyto(getattr(self.people, name), state[f"people.{name}"])
        for name, a in self.scratch.items():
            np.copyto(a, state[f"scratch.{name}"])
        np.copyto(self.inputs["district_abroad_share"], state["district_abroad_share"])
        self._offered, self.searchers = state["offered"].copy(), state["searchers"].copy()
        self.vacancies, self.hires = state["vacancies"].copy(), state["hires"].copy()
        self.month = state["month"]

    def start_record(self):
        """Month 0 of the record: the run's counts of migrations, hires and dismissals start from zero.

        Emigrants of the burn-in stay abroad (and in the networks of those at home: peers abroad count who is
        abroad, not who left during the run); hires still in their probation count as hired during the run,
        since their dismissal, if it comes, does. Nobody has applied for or started a course yet.
        """
        P = self.people
        P.migrated[:] = False
        P.abroad_regular[:] = False
        P.dismissed[:] = False
        P.ever_hired[:] = False
        hired = np.flatnonzero((P.status == WAGE_EMPLOYED) & (P.employer != NO_INDEX))
        on_probation = P.tenure_months[hired] < self.inputs["employer_probation"][P.employer[hired]]
        P.ever_hired[hired[on_probation]] = True
        present = P.arrival_month <= self.month
        self.intenders_at_start = np.flatnonzero(present & (P.status != ABROAD) & (P.intent > self.intent_threshold))
        self.intenders_gone_by = {}  # record month -> how many of ``intenders_at_start`` were abroad then

    @property
    def record_month(self) -> int:
        """The month of the record (0: the state after the burn-in; negative during the burn-in)."""
        return self.month - self.burn_in

    def arrive_returnees(self):
        """Returnees whose arrival month has come join, searching for work."""
        arriving = np.arange(self.arrival_rows[self.month - 1], self.arrival_rows[self.month])
        if self._views_ready:
            self._add_person_agents(arriving)
        self.engine.run("arrive", arriving)

    def enrol(self):
        """Non-working persons apply; centres holding an intake admit from their waiting list by lottery."""
        self.engine.run("apply_for_training")
        intake_open = np.array([c.holds_intake(self.record_month) for c in self.centre_agents], dtype=bool)
        admitted = np.zeros(0, dtype=np.int64)
        if intake_open.any():  # between intakes nobody is admitted, and the lottery is not drawn
            admitted, waiting = self.engine.step("admit", centre_intake_open=intake_open)
            self.trial.enter(self.record_month, waiting, admitted, self.people.centre, self.inputs["centre_seats"],
                             self.people.female)
        self.engine.run("start_course", admitted)
        centres = self.inputs
        centres["centre_admitted"][:] = np.bincount(self.people.centre[admitted], minlength=len(self.centre_agents))
        # everyone in training this month: last month's trainees (tallied) and this month's intake
        attending = centres["centre_trainees"] + centres["centre_admitted"]
        self.trainee_months += int(attending.sum())
        self.training_cost += float(attending @ centres["centre_cost_per_trainee_month"])

    def search_and_match(self):
        """Labour-force entry/exit and search; this month's vacancies; the main matching round."""
        self.engine.run("labour_market")
        self.vacancies = self.draw_vacancies("vacancies", self.cfg.scenario.employers.vacancies_per_month)
        self.hires = np.zeros(len(self.employer_agents), dtype=INT)
        self.searchers = np.flatnonzero(self.scratch["searching"])  # who applied this month, ascending
        self.consider_offers(self.make_offers(self.searchers, "job_choice", "hiring_priority"))

    def draw_vacancies(self, stream: str, mean: float) -> np.ndarray:
        """Each employer's vacancies this month, Poisson(``mean``), from ``stream`` (step ``draw_vacancies``)."""
        vacancies = np.zeros(len(self.employer_agents), dtype=np.int64)
        self.engine.step("draw_vacancies", mean=float(mean), stream=stream, vacancies=vacancies)
        return vacancies.astype(INT)

    def make_offers(self, candidates, choice_stream: str, priority_stream: str) -> np.ndarray:
        """One matching round of the unemployed among ``candidates`` (ascending person indices) for the places
        still open: each applies to an employer (phase ``apply_to_employer``, draws from the round's two
        streams), each employer offers its places to its best applicants (step ``make_offers``). The last
        round's offers are withdrawn first.

        Returns the persons offered a job, ascending; each one's employer is in ``offer`` (the model's array,
        -1: none), which ``consider_offers`` reads.
        """
        self.scratch["offer"][self._offered] = NO_INDEX
        candidates = np.ascontiguousarray(candidates, dtype=np.int64)
        assert candidates.size < 2 or bool((candidates[1:] > candidates[:-1]).all()), "candidates: ascending ids"
        open_places = self.vacancies - self.hires
        self.engine.run("apply_to_employer", candidates, open_places=open_places,
                        choice_stream=np.int64(stream_key(choice_stream)),
                        priority_stream=np.int64(stream_key(priority_stream)))
        self._offered = self.engine.step("make_offers", candidates=candidates, open_places=open_places)
        return self._offered

    def consider_offers(self, holders) -> None:
        """``holders`` of an offer (ascending; all or some of those ``make_offers`` returned) accept or decline
        (phase ``accept_offer``); acceptances count towards the month's hires."""
        offers = self.scratch["offer"]
        self.engine.run("accept_offer", holders)
        employer = offers[holders]
        taken = employer[self.people.employer[holders] == employer]
        self.hires += np.bincount(taken, minlength=self.hires.size).astype(INT)

    def make_a_living(self):
        """Businesses, job losses, earnings and savings, ageing, peers abroad and intent, person by person."""
        self.engine.step("emigration_share")  # into inputs["district_abroad_share"], as of the start of this phase
        self.engine.run("livelihoods")

    def collect(self):
        """The month's row of indicators (``metrics.monthly_row``), each centre's trainees, and how many of
        the intenders at month 0 have left."""
        self.trial.observe(self.record_month, self.people, self.intent_threshold)
        self.reached.observe(self.month, self.people)
        if self.record_month in metrics.INTENDER_HORIZONS:
            self.intenders_gone_by[self.record_month] = int(
                self.people.migrated[self.intenders_at_start].sum())
        counts, income = np.zeros(len(metrics.TALLY), dtype=np.int64), np.zeros(1, dtype=FLOAT)
        self.engine.step("tally", counts=counts, income=income)  # and each centre's trainees: inputs["centre_trainees"]
        self.latest = metrics.monthly_row(counts, float(income[0]), self.record_month,
                                          self.rows[-1] if self.rows else None)
        self.rows.append(self.latest)

    # --- results ------------------------------------------------------------
    def timeseries(self):
        """Monthly indicators (month 0 = initial state) as a DataFrame."""
        import pandas as pd

        return pd.DataFrame(self.rows)

    def summary(self) -> dict:
        """Indicators at the end of the run, overall and by group, plus training outcomes."""
        population = metrics.present(self.people, self.month)
        return {
            "indicators": metrics.indicators(self.people, population, self.intent_threshold),
            "by_group": {name: metrics.indicators(self.people, mask, self.intent_threshold)
                         for name, mask in metrics.group_masks(self.people, population).items()},
            "training": metrics.training_outcomes(self.people, population),
            "counts": metrics.counts(self.people, population),
            "cost": metrics.cost_summary(self.people, population, self.policies.report(), self.training_cost),
            "reached": self.reached.summary(self.people, population),
            "migration": metrics.migration_flows(self.rows, self.intenders_at_start.size, self.intenders_gone_by),
            "trial": self.trial.estimates(),
        }

    # --- agents ---------------------------------------------------------------
    @property
    def agents_by_type(self):
        """Mesa's agents by type; in the numba engine, person views are made on first access."""
        if not self._views_ready:
            self._views_ready = True
            self._add_person_agents(np.flatnonzero(self.people.arrival_month <= self.month))
        return super().agents_by_type

    def person_agent(self, index: int):
        """The Mesa agent of person row ``index``."""
        return self._person_agents[index]

    def _add_person_agents(self, indices):
        P = self.people
        for i in indices:
            agent = (Returnee if P.is_returnee[i] else Youth)(self, i)
            self.persons.add(agent)
            self._person_agents[int(i)] = agent

    def _build_centres(self, s):
        """Training centres and their own values (``inputs['centre_*']``), which the rules read."""
        t = s.training
        self.centre_agents = []
        for d, district in enumerate(s.districts):
            for _ in range(district.centres):
                self.centre_agents.append(TrainingCentre(self, len(self.centre_agents), d, t.trades,
                                                         t.intake_interval_months,
                                                         t.last_intake_month))
        n = len(self.centre_agents)
        self.inputs |= {
            "centre_seats": np.full(n, seats_per_intake(t.seats_per_1000_youth, s.n_youth), dtype=INT),
            "centre_course_months": np.full(n, course_months(t.course_hours, t.hours_per_month), dtype=INT),
            "centre_certification_rate": np.full(n, t.certification_rate, dtype=FLOAT),
            "centre_recognised_share": np.full(n, t.recognised_share, dtype=FLOAT),
            "centre_childcare": np.full(n, t.childcare_on_site, dtype=bool),
            "centre_cost_per_trainee_month": np.full(n, t.cost_per_trainee_month, dtype=FLOAT),
            "centre_trainees": np.zeros(n, dtype=np.int64),
            "centre_admitted": np.zeros(n, dtype=np.int64),
        }

    def _build_employers(self, s):
        """Employers of each district (stream ``employers``, keyed by employer) and their own values."""
        e = s.employers
        initial = self.people.arrival_month == 0
        youth_per_district = np.bincount(self.people.district[initial], minlength=len(s.districts))
        per_district = [int(round(d.employers_per_1000_youth * youth_per_district[i] / 1000.0))
                        for i, d in enumerate(s.districts)]
        district = np.repeat(np.arange(len(s.districts)), per_district).astype(INT)
        ids = np.arange(district.size)
        self.employer_agents = [Employer(self, j, district[j]) for j in ids]
        formal = self.streams.uniform("employers.formal", -1, ids) >= e.informal_share
        self.inputs |= {
            "employer_formal": formal,
            "employer_threshold": e.skill_threshold_min + (e.skill_threshold_max - e.skill_threshold_min)
            * self.streams.uniform("employers.skill_threshold", -1, ids),
            "employer_wage": self.inputs["district_wage"][district]
            * np.exp(e.wage_offer_sigma * self.streams.normal("employers.wage_offer", -1, ids))
            * np.where(formal, 1.0, e.informal_wage_ratio),
            "employer_hosts": self.streams.uniform("employers.hosts_apprentices", -1, ids) < e.apprentice_host_share,
            "employer_probation": np.full(district.size, e.probation_months, dtype=INT),
        }
        self.employer_district = district
        # employers grouped by district, for the matching rounds: district d's are
        # employers_by_district[district_first_employer[d]:][:district_employers[d]]
        per_district = np.bincount(district, minlength=len(s.districts)).astype(INT)
        self.inputs |= {
            "employers_by_district": np.argsort(district, kind="stable").astype(INT),
            "district_employers": per_district,
            "district_first_employer": (np.cumsum(per_district) - per_district).astype(INT),
        }

    # arrays the policies and tests read by these names
    @property
    def employer_wage(self):
        return self.inputs["employer_wage"]

    @property
    def employer_threshold(self):
        return self.inputs["employer_threshold"]

    @property
    def district_wage(self):
        return self.inputs["district_wage"]

    @property
    def centre_seats(self):
        return self.inputs["centre_seats"]

    @property
    def centre_course_months(self):
        return self.inputs["centre_course_months"]
