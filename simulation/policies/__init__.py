"""Interventions (stipends, childcare, transport, mobility schemes, start-up kits, ...).

Each intervention is a module with a ``Policy`` subclass, which declares it (``base.py``), and a config
file ``configs/policy/<name>.yaml``; the registry (``POLICIES``, ``registry.py``) finds them all. Several
can be selected at once (``policy=[stipend,childcare]``). Policies act on the model at fixed points of
``LivelihoodsModel.step()`` (see ``base.py``), never inside the kernels: they set
the decision-input fields of the person state (``stipend``,
``transport_covered_share``, ``childcare_access``, ``startup_capital``) or other
state, which the rules then read.
"""

from __future__ import annotations

import numpy as np

from simulation.policies.base import Lever, Outcome, Policy
from simulation.policies.registry import POLICIES
from simulation.state import TRAINING

__all__ = ["POLICIES", "Lever", "Outcome", "Policy", "PolicySet", "all_policies"]


def all_policies() -> str:
    """The override that switches every policy on: ``policy=[stipend,childcare,...]``."""
    return f"policy=[{','.join(POLICIES)}]"


class PolicySet:
    """The selected policies, called in a fixed order at each lifecycle point."""

    def __init__(self, configs, model):
        self.model = model
        self.trainees = np.zeros(0, dtype=np.int64)  # this month's trainees (before attendance)
        self.items = [POLICIES[name](cfg, model) for name, cfg in configs.selected().items()]

    @classmethod
    def none(cls, model) -> "PolicySet":
        """No policy (the burn-in)."""
        empty = cls.__new__(cls)
        empty.model, empty.trainees, empty.items = model, np.zeros(0, dtype=np.int64), []
        return empty

    def start_of_month(self):
        for p in self.items:
            p.start_of_month()

    def before_attendance(self):
        if not self.items:
            return
        self.trainees = np.flatnonzero(self.model.people.status == TRAINING)  # this month's, once for all
        for p in self.items:
            p.before_attendance(self.trainees)

    def after_training(self):
        for p in self.items:  # this month's trainees again: those who completed or dropped out are among them
            p.after_training(self.trainees)

    def after_matching(self, searchers):
        for p in self.items:
            p.after_matching(searchers)

    def before_migration(self):
        for p in self.items:
            p.before_migration()

    def report(self) -> dict:
        return {p.name: p.report() for p in self.items}

    @property
    def spent(self) -> float:
        return sum(p.spent for p in self.items)
