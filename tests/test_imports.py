"""The import graph: no circles, layers that run one way, rooms in order, and exits only in entry points.

Layers (each imports only those before it):  simulation  <-  livelihoods (the config layer and the public API)
<-  experiments, hydra_plugins  <-  tools, benchmarks. ``hydra_plugins`` does not import ``experiments``.
Inside ``experiments`` the rooms import only the rooms before them (records, studies, cli, evidence,
decisions, dashboard), and no room imports a command module (``experiments/<command>.py``).

Every import counts, also one inside a function: a circle of lazy imports is still a circle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

from tests.conftest import ROOT

PACKAGES = ("simulation", "livelihoods", "experiments", "hydra_plugins/livelihoods_sweepers", "tools", "benchmarks")
LAYER = {"simulation": 0, "livelihoods": 1, "experiments": 2, "hydra_plugins": 2, "tools": 3, "benchmarks": 3}
ROOMS = ("records", "studies", "cli", "evidence", "decisions", "dashboard")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> dict[str, Path]:
    return {module_name(p): p for package in PACKAGES for p in (ROOT / package).rglob("*.py")}


def imports_of(path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules ``path`` imports (the longest known prefix of each imported name)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
        for name in names:
            parts = name.split(".")
            for k in range(len(parts), 0, -1):
                if ".".join(parts[:k]) in modules:
                    found.add(".".join(parts[:k]))
                    break
    return found


def import_graph() -> nx.DiGraph:
    modules = project_modules()
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for name, path in modules.items():
        graph.add_edges_from((name, other) for other in imports_of(path, modules) if other != name)
    return graph


def layer(module: str) -> int:
    return LAYER[module.split(".")[0]]


def room(module: str) -> str | None:
    """The room of an ``experiments`` module, "" for a command module, None outside ``experiments``."""
    parts = module.split(".")
    if parts[0] != "experiments" or len(parts) == 1:
        return None
    return parts[1] if parts[1] in ROOMS else ""


def check_layers(graph: nx.DiGraph) -> list[str]:
    wrong = []
    for a, b in graph.edges:
        if a.split(".")[0] == b.split(".")[0]:
            continue
        if layer(b) > layer(a) or (a.startswith("hydra_plugins") and b.startswith("experiments")):
            wrong.append(f"{a} imports {b}")
    return wrong


def check_rooms(graph: nx.DiGraph) -> list[str]:
    wrong = []
    for a, b in graph.edges:
        ra, rb = room(a), room(b)
        if ra is None or rb is None or ra == rb or ra == "":  # a command module may import any room
            continue
        if rb == "" or ROOMS.index(rb) > ROOMS.index(ra):
            wrong.append(f"{a} ({ra}) imports {b} ({rb or 'a command'})")
    return wrong


def test_the_graph_sees_imports_inside_functions_and_each_layer():
    graph = import_graph()
    assert {"simulation.model", "livelihoods.compose", "experiments.cli.composition",
            "hydra_plugins.livelihoods_sweepers.compose_once", "tools.regression_baseline"} <= set(graph)
    assert graph.has_edge("livelihoods.compose", "livelihoods.draws")  # imported inside to_run_config
    assert graph.has_edge("experiments.run", "experiments.cli.job")


def test_no_import_circles():
    cycles = [sorted(c) for c in nx.strongly_connected_components(import_graph()) if len(c) > 1]
    assert not cycles, cycles


def test_layers_run_one_way():
    assert check_layers(import_graph()) == []


def test_rooms_of_experiments_run_one_way():
    assert check_rooms(import_graph()) == []


@pytest.mark.parametrize("planted", [("livelihoods.api", "experiments.evidence.outcomes"),
                                     ("simulation.model", "livelihoods.compose"),
                                     ("hydra_plugins.livelihoods_sweepers.grid_sweeper", "experiments.cli.job"),
                                     ("experiments.studies.report", "experiments.decisions.search"),
                                     ("experiments.records.folders", "experiments.run")])
def test_a_planted_wrong_way_import_is_caught(planted):
    graph = import_graph()
    graph.add_edge(*planted)
    assert check_layers(graph) + check_rooms(graph), planted


def test_a_planted_circle_is_caught():
    graph = import_graph()
    graph.add_edge("simulation.state", "simulation.model")
    assert any(len(c) > 1 for c in nx.strongly_connected_components(graph))


# --------------------------------------------------------------------------- exits


ENTRY_MODULES = {"experiments.run", "experiments.report", "experiments.replay", "experiments.validate",
                 "experiments.calibrate", "experiments.posterior", "experiments.sensitivity", "experiments.discover",
                 "experiments.optimise", "experiments.dashboard.__main__"}


def is_entry_module(module: str) -> bool:
    return module in ENTRY_MODULES or module.split(".")[0] in ("tools", "benchmarks")


def exits(path: Path) -> list[tuple[int, str]]:
    """(line, where) of each ``sys.exit``, ``exit``/``quit`` call or ``SystemExit`` raised, with the enclosing
    function's name or ``__main__`` for the ``if __name__ == "__main__"`` block."""
    tree = ast.parse(path.read_text())
    found = []

    def visit(node, where):
        for child in ast.iter_child_nodes(node):
            inner = where
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                inner = child.name
            elif isinstance(child, ast.If) and "__name__" in ast.unparse(child.test):
                inner = "__main__"
            text = ast.unparse(child) if isinstance(child, (ast.Call, ast.Raise)) else ""
            if isinstance(child, ast.Call) and (text.startswith(("sys.exit(", "exit(", "quit(", "os._exit("))):
                found.append((child.lineno, inner))
            if isinstance(child, ast.Raise) and child.exc is not None and "SystemExit" in ast.unparse(child.exc):
                found.append((child.lineno, inner))
            visit(child, inner)

    visit(tree, "<module>")
    return found


def test_the_process_exits_only_in_entry_points():
    """Errors are exceptions where they happen; only an entry point turns one into an exit code: the
    ``__main__`` block of a command, a tool or a benchmark, and ``experiments.run.run`` (each job's own
    entry point in a sweep's worker)."""
    wrong = []
    for module, path in project_modules().items():
        for line, where in exits(path):
            allowed = (is_entry_module(module) and where in ("__main__", "main")) or (module, where) == (
                "experiments.run", "run")
            if not allowed:
                wrong.append(f"{path.relative_to(ROOT)}:{line} ({where})")
    assert wrong == []


def test_a_planted_exit_outside_an_entry_point_is_found(tmp_path):
    planted = tmp_path / "planted.py"
    planted.write_text("import sys\n\ndef check(x):\n    if x:\n        sys.exit(2)\n\n"
                       "def other():\n    raise SystemExit(3)\n\nif __name__ == '__main__':\n    sys.exit(check(1))\n")
    assert exits(planted) == [(5, "check"), (8, "other"), (11, "__main__")]
