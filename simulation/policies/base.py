"""The common base of interventions: lifecycle, targeting, own random stream, budget and ledger.

Lifecycle: the model calls every selected policy at fixed points of the
monthly step (``docs/ODD.md``, schedule):

==================  ==========================================================
``start_of_month``  after returnee arrivals, before enrolment
``before_attendance`` after enrolment, before the dropout decision
``after_training``  after course progress and completion
``after_matching``  after the month's main job-matching round
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

    # --- lifecycle hooks (no-ops unless overridden) ---------------------------
    def start_of_month(self) -> None: ...

    def before_attendance(self) -> None: ...

    def after_training(self) -> None: ...

    def after_matching(self, searching: np.ndarray) -> None: ...

    def before_migration(self) -> None: ...

    # --- helpers ----------------------------------------------------------------
    def targeted(self) -> np.ndarray:
        """Persons present, at home and in the policy's target group."""
        m, P = self.model, self.model.people
        base = (P.arrival_month <= m.month) & (P.status != ABROAD)
        target = self.cfg.target
        if target == "all":
            return base
        if target == "women":
            return base & P.female
        if target == "mothers":
            return base & P.female & (P.dependents > 0)
        if target == "returnees":
            return base & P.is_returnee
        if target == "far":
            return base & is_far(P, P.arrival_month <= m.month)
        district = [d.name for d in m.cfg.scenario.districts].index(target.split(":", 1)[1])
        return base & (P.district == district)

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
                    self.exhausted_month = self.model.month
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
            month = self.model.month
            self.monthly_spending[month] = self.monthly_spending.get(month, 0.0) + amount
        self.grants += grants  # one per person per month granted

    def report(self) -> dict:
        return {
            "spent": self.spent,
            "budget": self.cfg.budget,
            "budget_exhausted_month": self.exhausted_month,
            "grants": self.grants,
        }
