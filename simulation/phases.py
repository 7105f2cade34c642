"""The monthly phases and the model-level steps, declared once: the tables every engine and test reads.

A phase is a transition of ``kernels/rules.py`` applied to each person (or to
the persons a step selects). Its entry names the transition, the person
fields it writes (in the order the transition returns them), its parameter
bundle and the policy hook that runs before it.
What it reads is the transition's own argument list: argument names are person
fields (``state.PERSON_FIELDS``), the model's scratch arrays (``SCRATCH``),
model inputs (``district_wage``, per-centre and per-employer arrays, ...),
``p`` (the bundle), ``seed`` and ``month``, and, for a phase a step applies with
inputs of its own, those inputs (``CALLER_INPUTS``). Everything else derives from this:

* the numba kernels are generated from the table (``kernel_source``): one
  loop over persons per phase, or one loop applying several consecutive
  phases to each person in turn (``FUSED``: a fused loop reads and writes each
  person's fields once instead of once per phase);
* the engines bind every kernel argument by name (``bind``), never by position;
* the Mesa agents apply a phase with one generic ``Person.apply(phase)``;
* the tests hold each phase's kernel equal to its NumPy twin, and each fused
  loop equal to its phases applied one after the other.

The order of the phases is the schedule of ``docs/ODD.md``; ``model.step()``
calls them in this order (tested).

A **model-level step** (``STEPS``) looks across persons: the centres' admission
lottery, the employers' vacancies, the offers of a matching round (each
employer's places to its best applicants), the emigration share of each
district and the monthly tally. Each is one kernel of
``kernels/numba_kernels.py`` with a NumPy twin of the same name and signature;
its arguments are bound by name like a phase's (``bind``), the caller giving
only the step's own inputs (``Step.given``), by keyword. No kernel is ever called
with positional arguments written by hand. A reader can print every generated
kernel with ``python -m simulation.phases``.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import inspect
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from simulation.kernels import rules
from simulation.state import FLAG, FLOAT, INT, PERSON_FIELDS

# Person-sized arrays that hold one month's intermediate results, not state.
SCRATCH = {
    "searching": FLAG,  # applied to a vacancy this month (search -> matching rounds)
    "applied_employer": INT,  # employer the person applies to in this matching round (-1: none)
    "hiring_score": FLOAT,  # the employer's ranking of that application (``rules.hiring_score``)
    "offer": INT,  # employer whose offer the person holds in this matching round (-1: none)
}


@dataclass(frozen=True)
class Phase:
    """One monthly phase: ``transition`` applied to every person (``over="all"``) or to selected ids."""

    name: str
    transition: object
    writes: tuple[str, ...]
    params: str | None = None
    hook: str | None = None
    over: str = "all"

    @functools.cached_property
    def arguments(self) -> tuple[str, ...]:
        """The transition's argument names: what the phase reads."""
        return tuple(inspect.signature(self.transition.py_func).parameters)

    def bound(self, names) -> list[str]:
        """``names`` as ``bind`` knows them: the bundle argument ``p`` is ``p_<bundle>``."""
        return [f"p_{self.params}" if a == "p" else a for a in names]

    @functools.cached_property
    def reads(self) -> tuple[str, ...]:
        """The person fields and scratch arrays the phase reads."""
        return tuple(a for a in self.arguments if is_per_person(a))


def is_per_person(name: str) -> bool:
    return name in PERSON_FIELDS or name in SCRATCH


PHASES: tuple[Phase, ...] = (
    Phase("arrive", rules.arrive_transition, ("status",), over="selected"),
    Phase("apply_for_training", rules.apply_transition, ("applied",), "enrolment", hook="start_of_month"),
    # (model-level step ``admit``: the centres' lottery)
    Phase("start_course", rules.start_course_transition,
          ("status", "enrolled", "enrol_month", "course_months", "months_in_course"), over="selected"),
    Phase("attend", rules.attend_transition, ("status", "dropped_out", "dropout_course_month"), "dropout",
          hook="before_attendance"),
    Phase("progress", rules.progress_transition,
          ("status", "months_in_course", "skill", "trained_skill", "completed", "certified", "recognised"), "training"),
    Phase("join_or_leave_labour_force", rules.labour_force_transition, ("status",), "labour",
          hook="after_training"),
    Phase("search", rules.search_transition, ("searching",), "labour"),
    # (model-level step ``draw_vacancies``; then a matching round: ``apply_to_employer``, the step
    # ``make_offers``, ``accept_offer``)
    Phase("apply_to_employer", rules.application_transition, ("applied_employer", "hiring_score"), "hiring",
          over="selected"),  # the candidates of a matching round
    Phase("accept_offer", rules.accept_transition,
          ("status", "employer", "earnings", "job_threshold", "tenure_months", "ever_hired", "subsidy_months_left",
           "wage_subsidy_share", "wage_subsidy_months", "formal_job"), "labour",
          over="selected"),  # the holders of an offer: a matching round reaches few, and policies add rounds
    Phase("run_business", rules.business_transition,
          ("status", "business_months", "startup_capital", "business_capital"), "livelihood",
          hook="after_matching"),
    Phase("keep_or_lose_job", rules.separation_transition,
          ("status", "tenure_months", "employer", "dismissed", "subsidy_months_left"), "labour"),
    Phase("earn_and_save", rules.income_transition, ("earnings", "savings"), "livelihood"),
    Phase("use_or_lose_skill", rules.skill_use_transition, ("skill", "trained_skill", "work_skill"), "training"),
    Phase("age", rules.age_transition, ("status", "age"), "ageing"),
    Phase("update_intent", rules.intent_transition, ("peers_abroad", "intent"), "intent"),
    # (model-level step ``emigration_share`` before the livelihoods loop; ``tally`` at the end of the month)
    Phase("migrate", rules.migration_transition, ("status", "savings", "migrated", "employer", "earnings"),
          "migration", hook="before_migration"),
    # applied by the mobility scheme to the persons it places or brings back
    Phase("depart_regular", rules.depart_regular_transition,
          ("status", "savings", "migrated", "employer", "earnings", "abroad_regular"), over="selected"),
    Phase("return_home", rules.return_home_transition, ("status", "savings"), over="selected"),
)
BY_NAME = {phase.name: phase for phase in PHASES}
# inputs the step applying a phase passes itself (name: placeholder of the right type)
CALLER_INPUTS = {
    "return_home": {"return_savings": 0.0},
    # the employers' places still open, and the round's own streams (the main round's or a policy's)
    "apply_to_employer": {"open_places": np.zeros(0, dtype=INT), "choice_stream": np.int64(0),
                          "priority_stream": np.int64(0)},
}

# Consecutive per-person phases with no model-level step or policy hook between them: one loop each.
FUSED: dict[str, tuple[str, ...]] = {
    "training": ("attend", "progress"),
    "labour_market": ("join_or_leave_labour_force", "search"),
    "livelihoods": ("run_business", "keep_or_lose_job", "earn_and_save", "use_or_lose_skill", "age", "update_intent"),
}


def _check_table() -> None:
    for phase in PHASES:
        unknown = [w for w in phase.writes if not is_per_person(w)]
        assert not unknown, f"phase {phase.name} writes {unknown}, which are not person fields"
        assert ("p" in phase.arguments) == (phase.params is not None), f"phase {phase.name}: bundle and p disagree"
    for name, members in FUSED.items():
        hooks = [BY_NAME[m].hook for m in members[1:]]
        assert not any(hooks), f"fused loop {name} would run over a policy hook"
        assert all(BY_NAME[m].over == "all" for m in members), f"fused loop {name}: only phases over all persons"


_check_table()


@dataclass(frozen=True)
class Step:
    """A model-level step: kernel ``<name>_kernel`` of ``kernels/numba_kernels.py`` (and its twin of the same
    name in ``kernels/numpy_twins.py``), its arguments bound by name: person fields, scratch, model inputs,
    ``p`` (bundle ``params``), ``seed``, ``month``, the step's fixed random streams (argument -> stream name) and
    what the caller gives (``given``, by keyword: a stream's name for an argument ending in ``stream``)."""

    name: str
    given: tuple[str, ...] = ()
    params: str | None = None
    streams: tuple[tuple[str, str], ...] = ()

    @property
    def kernel(self) -> str:
        return f"{self.name}_kernel"

    def bound(self, names) -> list[str]:
        return [f"p_{self.params}" if a == "p" else a for a in names]


STEPS: tuple[Step, ...] = (
    # the centres' lottery at an intake: each centre admits its waiting applicants in order of their draw
    Step("admit", given=("centre_intake_open",), streams=(("priority_stream", "enrolment_priority"),)),
    # each employer's vacancies this month, Poisson, from the caller's stream (the market's or a policy's)
    Step("draw_vacancies", given=("mean", "stream", "vacancies")),
    # a matching round's offers: each employer's open places to its applicants of highest hiring score
    Step("make_offers", given=("candidates", "open_places")),
    # the share of each district's people abroad, as of the start of the livelihoods loop
    Step("emigration_share"),
    # the month's counts of the indicators, the earnings at home and each centre's trainees
    Step("tally", params="migration", given=("counts", "income")),
)
STEP_BY_NAME = {step.name: step for step in STEPS}


# --------------------------------------------------------------------------- generated kernels

def kernel_arguments(phases: tuple[Phase, ...], over: str) -> list[str]:
    """The generated kernel's parameters: per-person arrays, model inputs, ``p_<bundle>``, seed, month (, ids)."""
    names: list[str] = []
    for phase in phases:
        for a in phase.bound((*phase.arguments, *phase.writes)):
            if a not in names:
                names.append(a)
    return names + (["ids"] if over == "selected" else [])


def kernel_source(name: str, phases: tuple[Phase, ...]) -> str:
    """Source of one kernel applying ``phases`` to each person in turn (see the module docstring)."""
    over = phases[0].over
    args = kernel_arguments(phases, over)
    per_person = [a for a in args if is_per_person(a)]
    written = [w for p in phases for w in p.writes]
    written = list(dict.fromkeys(written))
    lines = [f"@kernel\ndef {name}({', '.join(args)}):"]
    if over == "selected":
        lines += ["    for j in prange(ids.size):", "        i = ids[j]"]
    else:
        lines += [f"    for i in prange({per_person[0]}.size):"]
    # a field is read from its array until a phase of the loop has written it, then from the local that holds it
    local: set[str] = set()
    for phase in phases:
        call = ", ".join(f"p_{phase.params}" if a == "p" else
                         (f"{a}_" if a in local else f"{a}[i]") if is_per_person(a) else a for a in phase.arguments)
        targets = "".join(f"{w}_, " for w in phase.writes)
        lines.append(f"        ({targets}) = rules.{phase.transition.__name__}({call})")
        local |= set(phase.writes)
    lines += [f"        {w}[i] = {w}_" for w in written]
    return "\n".join(lines) + "\n"


def module_source() -> str:
    """The generated module: one kernel per phase and one per fused loop."""
    parts = ['"""Generated by simulation/phases.py from its table of phases; do not edit."""\n',
             "from numba import njit, prange\n", "from simulation.kernels import rules\n",
             "kernel = njit(cache=True, nogil=True, parallel=True)\n"]
    parts += [kernel_source(phase.name, (phase,)) for phase in PHASES]
    parts += [kernel_source(name, tuple(BY_NAME[m] for m in members)) for name, members in FUSED.items()]
    return "\n\n".join(parts)


_KERNELS = None


def kernels():
    """The generated kernels' module, written once per version of the table into numba's cache folder.

    The file lives beside numba's cache (keyed by a hash of the decision-core
    sources, ``kernels/__init__.py``) so that numba can cache the compiled
    kernels like any module's; it is rewritten (atomically) only when its text
    changes.
    """
    global _KERNELS
    if _KERNELS is None:
        import numba

        source = module_source()
        digest = hashlib.sha256(source.encode()).hexdigest()[:16]
        folder = Path(numba.config.CACHE_DIR or Path.home() / ".cache" / "livelihoods-abm") / "generated"
        path = folder / f"phase_kernels_{digest}.py"
        if not path.exists() or path.read_text() != source:
            folder.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            tmp.write_text(source)
            os.replace(tmp, path)
        module_name = f"livelihoods_phase_kernels_{digest}"
        spec = importlib.util.spec_from_file_location(module_name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
        _KERNELS = module
    return _KERNELS


def parameters(kernel) -> tuple[str, ...]:
    """The argument names of a kernel (a numba dispatcher's Python function) or of a twin."""
    return tuple(inspect.signature(getattr(kernel, "py_func", kernel)).parameters)


def bind(names, model, ids=None, **extra) -> list:
    """The values of argument ``names`` in ``model``, by name: person fields, scratch, inputs, bundles."""
    values = []
    for name in names:
        if name in extra:
            values.append(extra[name])
        elif name in PERSON_FIELDS:
            values.append(getattr(model.people, name))
        elif name in SCRATCH:
            values.append(model.scratch[name])
        elif name.startswith("p_"):
            values.append(getattr(model.rules, name[2:]))
        elif name == "seed":
            values.append(np.int64(model.cfg.seed))
        elif name == "month":
            values.append(np.int64(model.month))
        elif name == "ids":
            values.append(ids)
        else:
            values.append(model.inputs[name])
    return values


if __name__ == "__main__":  # python -m simulation.phases: the generated kernels' source, as numba compiles it
    print(module_source())
