"""A new policy is one module and one config file: nothing else is edited, and every consumer finds it.

The test copies the project's source into a temporary folder, adds a toy policy there (a cash voucher to
completers: ``simulation/policies/toy_voucher.py`` and ``configs/policy/toy_voucher.yaml``) and, in that
copy, finds it in the command line, the public API, a study's report (the intervention comparison's arms
come from the registry), the dashboard's levers and the optimiser's.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

SOURCE = ("simulation", "livelihoods", "experiments", "hydra_plugins", "configs", "tests")

TOY_MODULE = '''"""A toy policy for the tests: a cash voucher to each completer in the month they complete."""

from __future__ import annotations

from dataclasses import dataclass

from simulation.policies.base import Lever, Outcome, Policy
from simulation.schema import PolicyConfig, usd


@dataclass
class ToyVoucherConfig(PolicyConfig):
    amount: float = usd()


class ToyVoucher(Policy):
    name = "toy_voucher"
    config = ToyVoucherConfig
    order = 90
    words = "toy voucher"
    label = "Toy voucher for completers"
    lever = Lever("amount", "USD per completer", high=200, step=100)
    outcomes = (Outcome("all", "self_employment_rate", "self-employment"),)
    person_fields = ("savings",)

    def after_training(self, trainees):
        P, month = self.model.people, self.model.month
        completers = trainees[P.completed[trainees]]
        now = completers[P.enrol_month[completers] + P.course_months[completers] - 1 == month]
        granted = self.grant(self.targeted(now), self.cfg.amount)
        P.savings[granted] += self.cfg.amount
'''
TOY_CONFIG = """# A toy policy for the tests: a cash voucher to each completer.
toy_voucher:
  target: all
  budget: null        # USD; null = no cap
  amount: 100.0       # USD per completer; assumption (a test's toy)
"""


@pytest.fixture(scope="module")
def copy(tmp_path_factory) -> Path:
    """The project's source with the toy policy added: two files, and nothing else differs."""
    root = tmp_path_factory.mktemp("with_toy")
    for name in SOURCE:
        shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    before = {p.relative_to(root) for p in root.rglob("*") if p.is_file()}
    (root / "simulation" / "policies" / "toy_voucher.py").write_text(TOY_MODULE)
    (root / "configs" / "policy" / "toy_voucher.yaml").write_text(TOY_CONFIG)
    after = {p.relative_to(root) for p in root.rglob("*") if p.is_file()}
    assert after - before == {Path("simulation/policies/toy_voucher.py"), Path("configs/policy/toy_voucher.yaml")}
    return root


def run_in(copy: Path, *args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(copy), "HYDRA_FULL_ERROR": "1"}
    return subprocess.run([sys.executable, *args], cwd=copy, env=env, capture_output=True, text=True, timeout=timeout)


def test_the_command_line_runs_it_and_charges_its_cost(copy, tmp_path):
    out = tmp_path / "run"
    proc = run_in(copy, "-m", "experiments.run", "policy=[toy_voucher]", "policy.toy_voucher.amount=150",
                  "scenario.n_youth=600", "months=8", "figures=false", f"hydra.run.dir={out}")
    assert proc.returncode == 0, proc.stderr[-2000:]
    cost = json.loads((out / "summary.json").read_text())["cost"]["by_policy"]["toy_voucher"]
    assert cost["spent"] > 0 and cost["spent"] == pytest.approx(150 * cost["grants"])
    refused = run_in(copy, "-m", "experiments.run", "policy=[toy_voucher]", "policy.toy_voucher.amount=-1")
    assert refused.returncode == 2 and refused.stderr.strip().splitlines()[-1].startswith(
        "error: policy.toy_voucher.amount: must be a finite number in [0, 1e+09]")


def test_the_api_knows_it(copy):
    code = ("import livelihoods\n"
            "assert 'toy_voucher' in livelihoods.POLICY_NAMES, livelihoods.POLICY_NAMES\n"
            "r = livelihoods.simulate({'policy': ['toy_voucher']}, seed=2, months=8, scenario__n_youth=600)\n"
            "none = livelihoods.simulate({'policy': []}, seed=2, months=8, scenario__n_youth=600)\n"
            "print(r['cost.toy_voucher'], none['cost.toy_voucher'], r['all.self_employment_rate'],"
            " none['all.self_employment_rate'])\n")
    proc = run_in(copy, "-c", code)
    assert proc.returncode == 0, proc.stderr[-2000:]
    spent, spent_without, _, _ = map(float, proc.stdout.split())
    assert spent > 0 and spent_without == 0


def test_the_intervention_comparison_and_its_report_include_it(copy, tmp_path):
    sweep = tmp_path / "sweep"
    proc = run_in(copy, "-m", "experiments.run", "-m", "experiment=intervention_comparison", "scenario.n_youth=300",
                  "months=2", "seed=range(1,3)", f"hydra.sweep.dir={sweep}", timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "policy=[toy_voucher]" in proc.stdout
    proc = run_in(copy, "-m", "experiments.report", str(sweep))
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = (sweep / "report.md").read_text()
    assert "| toy voucher |" in report  # its own arm, in its words
    assert "self-employment (toy voucher)" in report  # the outcome it exists for, in the policies' table


def test_the_dashboard_offers_its_lever_and_runs_its_package(copy):
    code = ("from experiments.dashboard.app import PairedRun, model_params\n"
            "control = model_params()['toy_voucher']\n"
            "print(control['label'], control['max'], control['step'])\n"
            "run = PairedRun(n_youth=600, months=6, toy_voucher=100)\n"
            "print(' '.join(run.package))\n")
    proc = run_in(copy, "-c", code)
    assert proc.returncode == 0, proc.stderr[-2000:]
    label_line, package = proc.stdout.strip().splitlines()[-2:]
    assert label_line.startswith("Toy voucher for completers (USD per completer)") and label_line.endswith("200 100")
    assert package == "policy=[toy_voucher] policy.toy_voucher.amount=100"


def test_the_optimiser_searches_its_lever(copy):
    code = ("from experiments.decisions.preset import load_preset, searched_levers\n"
            "from experiments.decisions.packages import package_overrides, package_words\n"
            "levers = searched_levers(load_preset('budget_500k'))\n"
            "lever = levers['toy_voucher']\n"
            "print(lever.field, lever.high, lever.step)\n"
            "package = {name: 0.0 for name in levers} | {'toy_voucher': 200.0}\n"
            "print(' '.join(package_overrides(package, levers)))\n"
            "print(package_words(package, levers))\n")
    proc = run_in(copy, "-c", code)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lever, overrides, words = proc.stdout.strip().splitlines()[-3:]
    assert lever == "amount 200 100"
    assert overrides == "policy=[toy_voucher] policy.toy_voucher.amount=200"
    assert words == "toy voucher 200 USD per completer"
