"""The baseline is at rest: without interventions, the headline indicators do not drift over a run.

The burn-in (``burn_in_months``, configs/config.yaml) runs the model into its own stationary state before
month 0, and ages cycle within the age range (``rules.age_transition``), so that over 36 months without
any policy every headline indicator moves by at most 1 percentage point beyond seed noise: its drift
(the mean of the last 6 months minus month 0), averaged over seeds, lies within 1 point of zero once its
95% interval over the seeds is allowed for. Returnee arrivals still change the population by design.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import stdtrit

from livelihoods.compose import load_config
from tests.conftest import run_model

HEADLINE = ("employment_rate", "wage_employment_rate", "self_employment_rate", "migration_intent_rate")
SCENARIOS = ("baseline", "lebanon_bml", "mali_returnees", "timbuktu_youth")
SEEDS = (11, 12, 13, 14)
TOLERANCE = 0.01  # one percentage point


def drifts(scenario: str, *overrides: str) -> dict[str, np.ndarray]:
    """Per headline indicator, its drift over the run in each seed."""
    out = {k: [] for k in HEADLINE}
    for seed in SEEDS:
        model = run_model(load_config(f"scenario={scenario}", "scenario.n_youth=5000", "months=36", f"seed={seed}",
                                      "progress=false", "figures=false", *overrides))  # the configured burn-in
        ts = model.timeseries()
        for k in HEADLINE:
            out[k].append(ts[k].iloc[-6:].mean() - ts[k].iloc[0])
    return {k: np.asarray(v) for k, v in out.items()}


def excess(x: np.ndarray) -> float:
    """How far the mean drift lies beyond 1 point once its 95% t interval over seeds is allowed for (0: within)."""
    half = stdtrit(x.size - 1, 0.975) * x.std(ddof=1) / np.sqrt(x.size)
    return max(0.0, abs(x.mean()) - half - TOLERANCE)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_no_policy_baseline_is_at_rest(scenario):
    d = drifts(scenario)
    too_far = {k: round(float(v.mean()), 4) for k, v in d.items() if excess(v) > 0}
    assert not too_far, f"{scenario}: mean drift over 36 months beyond 1 point: {too_far}"


def test_without_the_burn_in_the_baseline_drifts():
    """The test above can fail: started from the drawn initial state, the baseline is not at rest."""
    d = drifts("baseline", "burn_in_months=0")
    assert max(excess(v) for v in d.values()) > 0.01  # more than 2 points off in some indicator
