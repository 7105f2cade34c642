"""A regular labour-mobility pathway (seed 001: THAMM, PALIM / Global Skills Partnerships).

Once a year (months 1, 13, 25, ...) the scheme is offered to targeted persons at home, aged
``min_age``-``max_age``, intending to migrate, not in training (and, if
required, having completed training); each registers or not (``take_up``: trust in an official scheme, the
distance to the centre that recruits, the fee); registered persons wait for
the regular route instead of leaving irregularly (``awaiting_regular_route``)
until the next recruitment. Up to ``slots_per_1000_youth_per_year`` per 1,000
youth are recruited among them by lottery; each costs ``cost_per_participant``. After ``pre_departure_months`` a participant still
at home is placed with ``placement_probability`` and leaves regularly
(``abroad_regular``); after ``contract_months`` abroad they return with
``saved_share_of_wage_abroad`` of the wage abroad per month as savings.
Departures and returns happen just before the irregular migration decision.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulation.policies.base import Lever, Outcome, Policy, TakeUpConfig
from simulation.schema import MISSING, bounded, months, require, share, usd
from simulation.state import ABROAD, TRAINING


@dataclass
class MobilitySchemeConfig(TakeUpConfig):
    slots_per_1000_youth_per_year: float = bounded(0, 1000)  # no more slots a year than people
    min_age: float = bounded(10, 60)
    max_age: float = bounded(10, 60)
    requires_completed_training: bool = MISSING
    pre_departure_months: int = months(0)
    placement_probability: float = share()
    contract_months: int = months(1)
    saved_share_of_wage_abroad: float = share()
    cost_per_participant: float = usd()

    def check(self, path: str) -> None:
        require(self.min_age <= self.max_age, f"{path}.max_age", f">= min_age ({self.min_age})", self.max_age)


class MobilityScheme(Policy):
    name = "mobility_scheme"
    config = MobilitySchemeConfig
    order = 40
    words = "mobility scheme"
    label = "Mobility scheme"
    # places per 1,000 youth a year; 4x the default of 5 (assumption)
    lever = Lever("slots_per_1000_youth_per_year", "places per 1,000 youth a year", high=20, step=1)
    outcomes = (Outcome("all", "regular_migration_rate", "regular migration, of the population"),
                Outcome("all", "irregular_migration_rate", "irregular migration, of the population"))
    # registration, and the phases depart_regular and return_home it applies to those it places or brings back
    person_fields = ("awaiting_regular_route", "status", "savings", "migrated", "employer", "earnings",
                     "abroad_regular")

    def __init__(self, cfg, model):
        super().__init__(cfg, model)
        n = model.people.n
        self.recruited = np.zeros(n, dtype=bool)  # recruited and not yet due to depart
        self.slots = int(round(cfg.slots_per_1000_youth_per_year * model.cfg.scenario.n_youth / 1000.0))
        # who is due to depart / to return in a month (ascending)
        self.departing: dict[int, np.ndarray] = {}
        self.returning: dict[int, np.ndarray] = {}

    def start_of_month(self):
        m, P, c = self.model, self.model.people, self.cfg
        price = float(self.net_of_fee(c.cost_per_participant))
        if (m.record_month - 1) % 12 != 0 or self.slots == 0 or not self.can_pay(price):
            return  # no recruitment this month, or a scheme without money does not open
        P.awaiting_regular_route[:] = self.recruited
        eligible = ((P.status != TRAINING) & (P.age >= c.min_age) & (P.age <= c.max_age)
                    & (P.intent > m.intent_threshold) & ~self.recruited & ~P.migrated)
        if c.requires_completed_training:
            eligible &= P.completed
        offered = self.targeted(np.flatnonzero(eligible))
        candidates = self.served(self.take_up(offered, self.draws("take_up", offered)))  # use: registering
        P.awaiting_regular_route[candidates] = True
        chosen = np.sort(candidates[np.argsort(self.draws("recruitment", candidates), kind="stable")[: self.slots]])
        recruited = self.grant(chosen, self.net_of_fee(c.cost_per_participant))
        self.recruited[recruited] = True
        _schedule(self.departing, m.month + c.pre_departure_months, recruited)

    def before_migration(self):
        m, P, c = self.model, self.model.people, self.cfg
        back = self.returning.pop(m.month, np.zeros(0, dtype=np.int64))
        saved = c.saved_share_of_wage_abroad * m.cfg.scenario.destination.expected_wage * c.contract_months
        m.engine.run("return_home", back, return_savings=float(saved))

        due = self.departing.pop(m.month, np.zeros(0, dtype=np.int64))
        self.recruited[due] = False
        P.awaiting_regular_route[due] = False
        due = due[P.status[due] != ABROAD]
        if not due.size:  # nobody departs this month: the placement stream is not drawn
            return
        placed = due[self.draws("placement", due) < c.placement_probability]
        m.engine.run("depart_regular", placed)
        _schedule(self.returning, m.month + c.contract_months, placed)


def _schedule(by_month: dict[int, np.ndarray], month: int, persons: np.ndarray) -> None:
    """Add ``persons`` to those due in ``month`` (kept ascending, each once)."""
    by_month[month] = np.union1d(by_month[month], persons) if month in by_month else np.asarray(persons, dtype=np.int64)
