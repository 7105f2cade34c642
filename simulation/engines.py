"""Three ways to apply the phases of ``simulation/phases.py``; all give identical per-person outcomes.

* ``KernelEngine`` (``engine=numba``): one generated, compiled loop per phase
  (or per fused run of phases) over the whole struct of arrays, its arguments
  bound by name from the table.
* ``TwinEngine`` (``engine=numpy``, for tests): the NumPy twins, phase by phase.
* ``MesaEngine`` (``engine=mesa``): the reference. Mesa agents are stepped one
  by one in random order (``AgentSet.shuffle_do``), each applying the phase's
  transition to itself (``Person.apply``), as an idiomatic Mesa model does.

Draws are pure functions of (seed, stream, month, person), so the order in
which persons are visited changes nothing. Admissions, a matching round's
offers, vacancies and the tallies look across persons: they are the model-level
steps of ``phases.STEPS`` (kernels of ``numba_kernels``, run by their NumPy
twins in the Mesa engine), bound by name like the phases.
"""

from __future__ import annotations

import numpy as np

from simulation import phases as table
from simulation.rng import stream_key


class _ModelLevel:
    """The model-level steps (``phases.STEPS``), with a module of kernels (numba or the NumPy twins)."""

    def __init__(self, model, k):
        self.model, self.k = model, k
        self.steps = {}  # step name -> (its entry, kernel, its bound arguments, position of each that changes)

    def step(self, name: str, **given):
        """Run model-level step ``name``: its kernel's arguments bound by name, ``given`` by the caller (a random
        stream by its name). Returns what the kernel returns.

        As for the phases' loops, the arguments are bound once (the model's arrays are the same objects all run
        long); each call sets only what changes, by name: ``month`` and the caller's inputs.
        """
        call = self.steps.get(name)
        if call is None:
            step = table.STEP_BY_NAME[name]
            kernel = getattr(self.k, step.kernel)
            names = step.bound(table.parameters(kernel))
            fixed = {a: np.int64(stream_key(stream)) for a, stream in step.streams}
            args = table.bind(names, self.model, **fixed, **dict.fromkeys(step.given))
            changing = {a: k for k, a in enumerate(names) if a == "month" or a in step.given}
            call = self.steps[name] = (step, kernel, args, changing)
        step, kernel, args, changing = call
        assert given.keys() == set(step.given), f"{name}: needs {sorted(step.given)}, got {sorted(given)}"
        args = list(args)
        for a, k in changing.items():
            if a == "month":
                args[k] = np.int64(self.model.month)
            else:
                value = given[a]
                args[k] = np.int64(stream_key(value)) if a.endswith("stream") and isinstance(value, str) else value
        return kernel(*args)


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
            names = table.parameters(kernel)
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
        twin(*table.bind(phase.bound(table.parameters(twin)), self.model, ids, **extra))


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
