"""Youth and returnees as Mesa agents.

A person agent is a view of one row of the model's ``PersonState``: each
field of ``PERSON_FIELDS`` is an attribute that reads and writes that row, so
agents and kernels share one state. In the Mesa engine the model steps these
agents one by one (``AgentSet.shuffle_do``) and each agent applies a phase's
transition to itself (``Person.apply``); in the numba engine the same
agents exist as views for inspection (``model.agents_by_type[Youth]``) while
the kernels do the work.
"""

from __future__ import annotations

import mesa

from simulation.phases import SCRATCH
from simulation.state import PERSON_FIELDS


class _Row:
    """Descriptor: attribute ``name`` of an agent is row ``agent.index`` of the model's array ``name``."""

    def __init__(self, name: str, scratch: bool = False):
        self.name, self.scratch = name, scratch

    def _array(self, agent):
        return agent.model.scratch[self.name] if self.scratch else getattr(agent.model.people, self.name)

    def __get__(self, agent, owner=None):
        if agent is None:
            return self
        return self._array(agent)[agent.index]

    def __set__(self, agent, value):
        self._array(agent)[agent.index] = value


class Person(mesa.Agent):
    """Common behaviour of youth and returnees; ``index`` is the person's row."""

    def __init__(self, model, index: int):
        super().__init__(model)
        self.index = int(index)

    def apply(self, phase, arguments: list, fields: list) -> None:
        """Apply ``phase`` (``simulation/phases.py``) to this person: its transition, on this person's fields.

        ``arguments`` are the transition's arguments in order, each a pair
        (array, True) for a person field (this person's row is read) or (value,
        False) for a model-level input, parameter bundle, seed or month;
        ``fields`` are the arrays of the fields the phase writes, in order.
        """
        i = self.index
        new = phase.transition(*[value[i] if per_person else value for value, per_person in arguments])
        for array, value in zip(fields, new, strict=True):
            array[i] = value


for _name in PERSON_FIELDS:
    setattr(Person, _name, _Row(_name))
for _name in SCRATCH:
    setattr(Person, _name, _Row(_name, scratch=True))


class Youth(Person):
    """A young person (15-40) who has not migrated before the run."""


class Returnee(Person):
    """A person back from abroad: ``months_abroad``, ``claimed_skill`` above ``skill``, savings on return."""
