"""Every kernel call binds its arguments by name: each argument is the model's array of that name.

The engines never call a kernel with hand-written positional arguments: the generated loops of the phases
and the model-level steps (``simulation.phases.STEPS``) take their arguments from ``phases.bind``, by the
kernel's own argument names. These tests watch every call of a month with every policy, in the compiled
kernels and in their NumPy twins, and check each argument against the model's array of its name, by
identity; a planted swap of two arrays of one type is caught.
"""

from __future__ import annotations

import numpy as np
import pytest

from simulation import phases as table
from simulation.kernels import numba_kernels, numpy_twins
from simulation.model import LivelihoodsModel
from simulation.policies import all_policies
from simulation.state import PERSON_FIELDS
from tests.conftest import make_config

STEP_OF_KERNEL = {step.kernel: step for step in table.STEPS}


class BindingError(AssertionError):
    pass


def _watch(monkeypatch, module, name, calls, model_box):
    """Replace kernel ``name`` of ``module`` by one that records its call and checks its arguments before it runs
    (a compiled kernel given the wrong index array would read outside its arrays)."""
    kernel = getattr(module, name)

    def watched(*args):
        call = (name, table.parameters(kernel), args, model_box[0].month if model_box else None)
        calls.append(call)
        if model_box:
            errors = binding_errors(model_box[0], [call])
            if errors:
                raise BindingError("; ".join(errors))
        return kernel(*args)

    watched.py_func = getattr(kernel, "py_func", kernel)  # the engines read the kernel's argument names here
    monkeypatch.setattr(module, name, watched)


def _expected(model, name):
    """The model's own object of an argument name, found without ``phases.bind`` (None: a value the caller or
    the month gives, checked by value)."""
    if name in PERSON_FIELDS:
        return getattr(model.people, name)
    if name in table.SCRATCH:
        return model.scratch[name]
    if name.startswith("p_"):
        return getattr(model.rules, name[2:])
    return model.inputs.get(name)


def binding_errors(model, calls) -> list[str]:
    """Every argument of every watched call that is not the model's object of its name."""
    wrong = []
    for kernel, names, args, month in calls:
        step = STEP_OF_KERNEL.get(kernel)
        bound = step.bound(names) if step is not None else names
        for name, value in zip(bound, args, strict=True):
            want = _expected(model, name)
            if want is not None and value is not want:
                wrong.append(f"{kernel}: argument {name} is not the model's {name}")
            elif name == "seed" and value != model.cfg.seed:
                wrong.append(f"{kernel}: seed {value}, the run's is {model.cfg.seed}")
            elif name == "month" and month is not None and value != month:
                wrong.append(f"{kernel}: month {value} in month {month}")
    return wrong


def _watched_model(monkeypatch, engine: str, calls: list) -> LivelihoodsModel:
    box: list = []  # the model, once built (its engine calls the kernels while it is built, too)
    generated = table.kernels()
    if engine == "numba":
        names = [phase.name for phase in table.PHASES] + list(table.FUSED)
        for name in names:
            _watch(monkeypatch, generated, name, calls, box)
        for step in table.STEPS:
            _watch(monkeypatch, numba_kernels, step.kernel, calls, box)
    else:
        for name in [phase.name for phase in table.PHASES] + [step.kernel for step in table.STEPS]:
            _watch(monkeypatch, numpy_twins, name, calls, box)
    cfg = make_config("scenario.n_youth=800", "months=13", "seed=5", all_policies(),
                      "policy.mobility_scheme.pre_departure_months=1", "policy.mobility_scheme.contract_months=2")
    model = LivelihoodsModel.__new__(LivelihoodsModel)
    box.append(model)
    model.__init__(cfg, engine=engine)
    for _ in range(cfg.months):
        model.step()
    return model


@pytest.mark.parametrize("engine", ["numba", "numpy"])
def test_every_kernel_call_of_a_run_binds_the_models_arrays_by_name(monkeypatch, engine):
    calls: list = []
    model = _watched_model(monkeypatch, engine, calls)
    assert binding_errors(model, calls) == []
    called = {kernel for kernel, *_ in calls}
    expected = {step.kernel for step in table.STEPS}
    expected |= set(table.FUSED) | {p.name for p in table.PHASES if not any(p.name in m for m in table.FUSED.values())} \
        if engine == "numba" else {p.name for p in table.PHASES}
    assert expected <= called, sorted(expected - called)  # every phase, fused loop and step was watched


@pytest.mark.parametrize("a,b", [("skill", "claimed_skill"), ("certified", "recognised"), ("status", "district"),
                                 ("employers_by_district", "district_first_employer"), ("arrival_month", "centre")])
def test_a_planted_swap_of_two_arrays_in_a_kernel_call_is_caught(monkeypatch, a, b):
    """``bind`` made to swap two arrays of one type for any kernel that takes both: the check names it."""
    bind = table.bind

    def swapping(names, model, ids=None, **extra):
        values = bind(names, model, ids, **extra)
        names = list(names)
        if a in names and b in names:
            i, j = names.index(a), names.index(b)
            values[i], values[j] = values[j], values[i]
        return values

    monkeypatch.setattr(table, "bind", swapping)
    calls: list = []
    with pytest.raises(BindingError) as caught:
        _watched_model(monkeypatch, "numba", calls)
    assert f"argument {a} is not" in str(caught.value) and f"argument {b} is not" in str(caught.value)


def test_steps_refuse_inputs_not_declared_in_the_table(small_config):
    """A step's own inputs are given by keyword and must be exactly those its entry declares."""
    model = LivelihoodsModel(small_config)
    with pytest.raises(AssertionError, match="needs"):
        model.engine.step("tally", counts=np.zeros(16, dtype=np.int64))
    with pytest.raises(AssertionError, match="needs"):
        model.engine.step("admit", centre_intake_open=np.ones(1, dtype=bool), centre_seats=np.ones(1))
