"""Three ways to apply the phases of ``simulation/phases.py``; all give identical per-person outcomes.

* ``KernelEngine`` (``engine=numba``): one generated, compiled loop per phase
  (or per fused run of phases) over the whole struct of arrays, its arguments
  bound by name from the table.
* ``TwinEngine`` (``engine=numpy``, for tests): the NumPy twins, phase by phase.
* ``MesaEngine`` (``engine=mesa``): the reference. Mesa agents are stepped one
  by one in random order (``AgentSet.shuffle_do``), each applying the phase's
  transition to itself (``Person.apply``), as an idiomatic Mesa model does.

Draws are pure functions of (seed, stream, month, person), so the order in
which persons are visited changes nothing. Admissions, matching rounds,
vacancies and indicators look across persons: they are model-level kernels
(``numba_kernels``), run by the twins' NumPy restatement in the Mesa engine.
"""

from __future__ import annotations

import inspect

import numpy as np

from simulation import phases as table
from simulation.metrics import TALLY
from simulation.rng import stream_key
from simulation.state import FLOAT, INT


class _ModelLevel:
    """The model-level steps, with a module of kernels (numba or the NumPy twins)."""

    def __init__(self, model, k):
        self.model, self.k = model, k

    @property
    def _p(self):
        return self.model.people

    def admit(self, intake_open, seats) -> tuple[np.ndarray, np.ndarray]:
        """The admitted and the waiting applicants at this intake, each ascending."""
        P, m = self._p, self.model
        return self.k.admit_kernel(P.status, P.applied, P.enrolled, P.centre, P.uid, intake_open, seats,
                                   np.int64(m.cfg.seed), np.int64(m.month), np.int64(stream_key("enrolment_priority")))

    def match(self, candidates, open_places, choice_stream: str, priority_stream: str) -> np.ndarray:
        """A matching round of ``candidates`` (ascending person indices): offers into the model's ``offer``
        array, which must hold none for them; returns who got one, ascending."""
        P, m = self._p, self.model
        candidates = np.ascontiguousarray(candidates, dtype=np.int64)
        assert candidates.size < 2 or bool((candidates[1:] > candidates[:-1]).all()), "candidates: ascending ids"
        return self.k.match_kernel(candidates, P.status, P.district, P.skill, P.claimed_skill, P.is_returnee,
                                   P.certified, P.recognised, P.uid, m.employers_by_district,
                                   m.district_first_employer, m.district_employers, m.employer_threshold,
                                   open_places, np.int64(m.cfg.seed), np.int64(m.month),
                                   np.int64(stream_key(choice_stream)), np.int64(stream_key(priority_stream)),
                                   m.rules.hiring, m.scratch["offer"])

    def vacancies(self, name: str, mean: float, n: int) -> np.ndarray:
        m = self.model
        out = np.zeros(n, dtype=np.int64)
        self.k.vacancies_kernel(float(mean), np.int64(m.cfg.seed), np.int64(stream_key(name)), np.int64(m.month), out)
        return out.astype(INT)

    def emigration_share(self, out: np.ndarray) -> np.ndarray:
        P, m = self._p, self.model
        self.k.emigration_kernel(P.arrival_month, P.district, P.status, m.month, out)
        return out

    def tally(self):
        P, m = self._p, self.model
        counts, income = np.zeros(len(TALLY), dtype=np.int64), np.zeros(1, dtype=FLOAT)
        trainees = np.zeros(len(m.centre_agents), dtype=np.int64)
        self.k.tally_kernel(P.status, P.arrival_month, P.applied, P.enrolled, P.dropped_out, P.completed,
                            P.certified, P.dismissed, P.ever_hired, P.migrated, P.abroad_regular, P.earnings,
                            P.intent, P.centre, m.month, m.intent_threshold, counts, income, trainees)
        return counts, float(income[0]), trainees


class KernelEngine(_ModelLevel):
    """Generated numba kernels, one call per phase or fused run of phases, arguments bound by name.

    A kernel's arguments are bound once (``phases.bind``): the person fields, scratch and input arrays,
    bundles and seed are the same objects all run long (they are only ever changed in place), so each
    call sets only what changes, by name: ``month``, ``ids`` and the caller's inputs. Binding every
    argument anew cost ~0.15 ms a month, a tenth of a month at 5,000 persons.
    """

    def __init__(self, model):
        from simulation.kernels import numba_kernels

        super().__init__(model, numba_kernels)
        self.generated = table.kernels()
        self.calls = {}  # kernel name -> (kernel, its bound arguments, position of each that changes per call)
        # load (or compile) the loops over selected persons now, over nobody: the mobility scheme's returns
        # would otherwise load theirs in the middle of a run (the loops over everyone load in the first month)
        for phase in table.PHASES:
            if phase.over == "selected":
                self.run(phase.name, np.zeros(0, dtype=np.int64), **table.CALLER_INPUTS.get(phase.name, {}))

    def run(self, name: str, ids=None, **extra) -> None:
        """Apply phase (or fused loop) ``name`` to every person, or to ``ids`` for a phase over selected persons."""
        call = self.calls.get(name)
        if call is None:
            kernel = getattr(self.generated, name)
            names = tuple(inspect.signature(kernel.py_func).parameters)
            changing = {a: k for k, a in enumerate(names) if a in ("month", "ids") or a in extra}
            call = self.calls[name] = (kernel, table.bind(names, self.model, ids, **extra), changing)
        kernel, args, changing = call
        assert extra.keys() <= changing.keys(), f"{name}: inputs {sorted(extra)} were not given at its first call"
        args = list(args)
        for a, k in changing.items():
            if a == "month":
                args[k] = np.int64(self.model.month)
            elif a == "ids":
                args[k] = np.ascontiguousarray(ids, dtype=np.int64)
            else:
                args[k] = extra[a]
        kernel(*args)


class _PhaseByPhase(_ModelLevel):
    """Engines that apply a fused loop's phases one after the other, with the NumPy model-level kernels."""

    def __init__(self, model):
        from simulation.kernels import numpy_twins

        super().__init__(model, numpy_twins)

    def run(self, name: str, ids=None, **extra) -> None:
        for phase_name in table.FUSED.get(name, (name,)):
            self.apply(table.BY_NAME[phase_name], None if ids is None else np.asarray(ids, dtype=np.int64), extra)


class TwinEngine(_PhaseByPhase):
    """The NumPy twins (``kernels/numpy_twins.py``), phase after phase."""

    def apply(self, phase, ids, extra) -> None:
        twin = getattr(self.k, phase.name)
        twin(*table.bind(phase.bound(inspect.signature(twin).parameters), self.model, ids, **extra))


class MesaEngine(_PhaseByPhase):
    """Each Mesa agent applies the phase to itself (``Person.apply``), agents in random order."""

    def apply(self, phase, ids, extra) -> None:
        values = table.bind(phase.bound(phase.arguments), self.model, **extra)
        arguments = [(v, table.is_per_person(a)) for a, v in zip(phase.arguments, values, strict=True)]
        fields = table.bind(phase.writes, self.model)
        if ids is None:
            self.model.persons.shuffle_do("apply", phase, arguments, fields)
        else:
            for i in ids:
                self.model.person_agent(int(i)).apply(phase, arguments, fields)


def make_engine(name: str, model):
    if name == "numba":
        from simulation.kernels import use_threads

        model.threads = use_threads(model.cfg.threads, model.people.n)
        return KernelEngine(model)
    if name == "numpy":  # the NumPy twins, for tests
        return TwinEngine(model)
    if name == "mesa":
        return MesaEngine(model)
    raise ValueError(f"engine: must be one of numba, mesa, got {name!r}")
