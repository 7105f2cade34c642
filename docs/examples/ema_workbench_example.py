"""Drive the model from EMA Workbench: behavioural uncertainties x policy levers.

    python docs/examples/ema_workbench_example.py

Uncertainties: three dropout parameters over their plausible ranges (configs/targets/parameters.yaml).
Levers: the monthly stipend (USD, 0 = none) and on-site childcare for mothers (off/on). Outcomes: dropout,
employment and migration-intent rates (shares in [0, 1], whole population at the end of the run) and the
programme's total cost (USD over the run). Every experiment uses the same seed, so two policies under one
scenario differ only by the policy (common random numbers). Small sizes: it runs in well under a minute.
Needs the [studies] extra (ema_workbench). See docs/API.md.
"""

from __future__ import annotations

import importlib.util
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if importlib.util.find_spec("livelihoods") is None:  # run from a clone whose editable install predates the API
    sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402
import yaml  # noqa: E402

import livelihoods  # noqa: E402

with warnings.catch_warnings():  # ema_workbench warns at import that ipyparallel (not used here) is missing
    warnings.simplefilter("ignore", UserWarning)
    from ema_workbench import (CategoricalParameter, Constant, IntegerParameter, Model, RealParameter,  # noqa: E402
                               ScalarOutcome, SequentialEvaluator, perform_experiments)

UNCERTAIN = {  # EMA name (a Python identifier) -> config key; ranges from configs/targets/parameters.yaml
    "dropout_base_logit": "behaviour.dropout.base_logit",
    "opportunity_logit_per_wage": "behaviour.dropout.opportunity_logit_per_wage",
    "care_barrier_hazard": "behaviour.dropout.care_barrier_hazard",
}
OUTCOMES = ("dropout_rate", "employment_rate", "migration_intent_rate", "cost")


def parameter_ranges() -> dict[str, tuple[float, float]]:
    """(low, high) of each key of configs/targets/parameters.yaml, in the key's unit."""
    spec = yaml.safe_load((ROOT / "configs" / "targets" / "parameters.yaml").read_text())
    return {p["key"]: (float(p["low"]), float(p["high"])) for p in spec["parameters"]}


def livelihoods_model(stipend_usd: int = 0, childcare: str = "off", seed: int = 1, n_youth: int = 2000,
                      months: int = 24, **uncertain: float) -> dict[str, float]:
    """One run of the model for one experiment of EMA Workbench: its outcomes."""
    values = {UNCERTAIN[name]: value for name, value in uncertain.items()}
    values |= {"policy": ["stipend", *(["childcare"] if childcare == "on" else [])],
               "policy.stipend.monthly_amount": stipend_usd,  # 0 USD: nothing is paid (and nothing spent)
               "scenario.n_youth": n_youth, "months": months}
    result = livelihoods.simulate(values, seed=seed)
    return {**{k: result.indicators[k] for k in OUTCOMES[:3]}, "cost": result.values()["cost.total"]}


def build_model(n_youth: int = 2000, months: int = 24, seed: int = 1) -> Model:
    model = Model("livelihoods", function=livelihoods_model)
    ranges = parameter_ranges()
    model.uncertainties = [RealParameter(name, *ranges[key]) for name, key in UNCERTAIN.items()]
    model.levers = [IntegerParameter("stipend_usd", 0, 100), CategoricalParameter("childcare", ["off", "on"])]
    model.constants = [Constant("n_youth", n_youth), Constant("months", months), Constant("seed", seed)]
    model.outcomes = [ScalarOutcome(name) for name in OUTCOMES]
    return model


def main(n: int = 6, policies: int = 2, n_youth: int = 2000, months: int = 24, seed: int = 1):
    """``n`` scenarios (Latin hypercube over the uncertainties) x ``policies`` policies (over the levers),
    full factorial: returns ``(experiments, outcomes)`` as ``perform_experiments`` does, ``n * policies``
    rows; the samples are drawn with numpy seed ``seed``, so a re-run gives the same table."""
    model = build_model(n_youth, months, seed)
    # one process, so numba compiles once; MultiprocessingEvaluator(model) would use all cores
    with SequentialEvaluator(model) as evaluator:
        experiments, outcomes = perform_experiments(model, scenarios=n, policies=policies, evaluator=evaluator,
                                                    uncertainty_sampling_kwargs={"rng": seed},
                                                    lever_sampling_kwargs={"rng": seed + 1})
    table = experiments[[*UNCERTAIN, "stipend_usd", "childcare"]].assign(**outcomes)
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(table.round(3).to_string())
    return experiments, outcomes


if __name__ == "__main__":
    main()
