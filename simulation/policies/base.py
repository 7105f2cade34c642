"""The common base of interventions: lifecycle, targeting, own random stream, budget and ledger.

Lifecycle: the model calls every selected policy at fixed points of the
monthly step (``docs/ODD.md``, schedule):

==================  ==========================================================
``start_of_month``  after returnee arrivals, before enrolment
``before_attendance`` after enrolment, before the dropout decision (given this month's trainees)
``after_training``  after course progress and completion (given the same trainees)
``after_matching``  after the month's main job-matching round (given who searched: ascending indices)
``before_migration`` after intent update, before the migration decision
==================  ==========================================================

A policy changes person state or decision inputs there, never the kernels.
Its random draws come from its own counter-based streams (``policy.<name>.<purpose>``), so
switching it on leaves every other process's draws unchanged (common random
numbers), and a policy that reaches nobody or pays nothing leaves the run
bit-identical to the run without it.
"""

from __future__ import annotations

import numpy as np

from simulation.config import PolicyConfig
from simulation.metrics import is_far
from simulation.state import ABROAD


class Policy:
    """Base class; subclasses set ``name`` and override the hooks they need."""

    name = "policy"

    def __init__(self, cfg: PolicyConfig, model):
        self.cfg = cfg
        self.model = model
        self.spent = 0.0
        self.grants = 0
        self.exhausted_month: int | None = None
        self.monthly_spending: dict[int, float] = {}
        self.supported = np.zeros(0, dtype=np.int64)  # who holds this month's support (``support``)

    # --- lifecycle hooks (no-ops unless overridden) ---------------------------
    def start_of_month(self) -> None: ...

    def before_attendance(self, trainees: np.ndarray) -> None: ...

    def after_training(self, trainees: np.ndarray) -> None: ...

    def after_matching(self, searchers: np.ndarray) -> None: ...

    def before_migration(self) -> None: ...

    # --- helpers ----------------------------------------------------------------
    def targeted(self, rows: np.ndarray) -> np.ndarray:
        """The persons of ``rows`` (ascending indices) present, at home and in the policy's target group.

        Policies first narrow the population to the few it concerns (trainees,
        completers, returnees) and ask here about those only: a month at a million
        persons then pays for no whole-population mask per policy.
        """
        m, P = self.model, self.model.people
        keep = (P.arrival_month[rows] <= m.month) & (P.status[rows] != ABROAD)
        target = self.cfg.target
        if target == "women":
            keep &= P.female[rows]
        elif target == "mothers":
            keep &= P.female[rows] & (P.dependents[rows] > 0)
        elif target == "returnees":
            keep &= P.is_returnee[rows]
        elif target == "far":
            keep &= self._far()[rows]
        elif target != "all":
            district = [d.name for d in m.cfg.scenario.districts].index(target.split(":", 1)[1])
            keep &= P.district[rows] == district
        return rows[keep]

    def _far(self) -> np.ndarray:
        """The "far" group of this month (median distance of the persons present), computed once a month."""
        m, P = self.model, self.model.people
        if getattr(self, "_far_month", None) != m.month:
            self._far_mask, self._far_month = is_far(P, P.arrival_month <= m.month), m.month
        return self._far_mask

    def support(self, field: str, granted: np.ndarray, value, none) -> None:
        """This month's support: person ``field`` is ``value`` for ``granted`` and ``none`` again for last month's
        recipients. Only this policy sets ``field``, so only the persons it gave it to need resetting, not the
        population."""
        values = getattr(self.model.people, field)
        values[self.supported] = none
        self.supported = granted
        values[granted] = value

    def draws(self, purpose: str, rows: np.ndarray) -> np.ndarray:
        """This month's draw of each person in ``rows`` from this policy's own stream for ``purpose``."""
        return self.model.streams.uniform(f"policy.{self.name}.{purpose}", self.model.month, self.model.people.uid[rows])

    def setup_draws(self, purpose: str) -> np.ndarray:
        """Per-person draws fixed for the whole run (e.g. who is offered a place), one per person row."""
        return self.model.streams.uniform(f"policy.{self.name}.{purpose}", -1, self.model.people.uid)

    def grant(self, candidates: np.ndarray, unit_cost) -> np.ndarray:
        """Indices of ``candidates`` (indices) the budget can pay for, charged to the ledger.

        Without a budget everyone is granted. When the remaining budget cannot
        pay for all, candidates are served in the order of a lottery draw
        (``policy.<name>.budget`` stream) while the money lasts; the month is
        recorded as the one the budget ran out. Spending never exceeds the budget.
        """
        candidates = np.asarray(candidates)
        cost = np.broadcast_to(np.asarray(unit_cost, dtype=np.float64), candidates.shape)
        if self.cfg.budget is not None and candidates.size:
            remaining = max(0.0, self.cfg.budget - self.spent)
            if cost.sum() > remaining:
                order = np.argsort(self.draws("budget", candidates), kind="stable")
                affordable = np.cumsum(cost[order]) <= remaining + 1e-9
                keep = np.sort(order[affordable])
                candidates, cost = candidates[keep], cost[keep]
                if self.exhausted_month is None:
                    self.exhausted_month = self.model.record_month
        self.charge(float(cost.sum()), candidates.size)
        return candidates

    def can_pay(self, amount: float) -> bool:
        """Whether the budget (if any) still covers ``amount``; a policy that cannot pay does nothing."""
        return self.cfg.budget is None or self.spent + amount <= self.cfg.budget + 1e-9

    def has_money(self) -> bool:
        return self.cfg.budget is None or self.spent < self.cfg.budget

    def charge(self, amount: float, grants: int = 0) -> None:
        if amount:
            self.spent += amount
            month = self.model.record_month
            self.monthly_spending[month] = self.monthly_spending.get(month, 0.0) + amount
        self.grants += grants  # one per person per month granted

    def report(self) -> dict:
        return {
            "spent": self.spent,
            "budget": self.cfg.budget,
            "budget_exhausted_month": self.exhausted_month,
            "grants": self.grants,
        }
