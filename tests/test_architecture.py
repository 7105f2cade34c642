"""The shape of the code: ``simulation/`` is a library without Hydra, and ``model.step()`` follows the phase table."""

from __future__ import annotations

import ast
import subprocess
import sys

from simulation import phases as table
from tests.conftest import ROOT, SMALL, make_config

LIBRARY = ROOT / "simulation"


def test_simulation_imports_neither_hydra_nor_omegaconf():
    imported = set()
    for path in LIBRARY.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {(path.name, alias.name.split(".")[0]) for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported.add((path.name, node.module.split(".")[0]))
    assert not [(f, m) for f, m in imported if m in ("hydra", "omegaconf")]
    modules = [f"simulation.{p.relative_to(LIBRARY).with_suffix('').as_posix().replace('/', '.')}"
               for p in LIBRARY.rglob("*.py") if p.name != "__init__.py"]
    code = (f"import importlib, sys\nfor m in {modules!r}: importlib.import_module(m)\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('hydra', 'omegaconf')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_model_step_runs_the_phases_and_hooks_in_the_order_of_the_table():
    from simulation.model import LivelihoodsModel

    model = LivelihoodsModel(make_config(*SMALL, "months=2"))
    seen = []
    run = model.engine.run
    model.engine.run = lambda name, *a, **k: (seen.extend(table.FUSED.get(name, (name,))), run(name, *a, **k))
    for hook in ("start_of_month", "before_attendance", "after_training", "after_matching", "before_migration"):
        inner = getattr(model.policies, hook)
        setattr(model.policies, hook, lambda *a, _h=hook, _f=inner: (seen.append(f"hook:{_h}"), _f(*a)))
    model.step()
    expected = []
    for phase in table.PHASES:
        if phase.name in ("depart_regular", "return_home"):  # applied by the mobility scheme inside its hook
            continue
        expected += ([f"hook:{phase.hook}"] if phase.hook else []) + [phase.name]
    assert seen == expected
