"""The burn-in: months before month 0 with no programme and no policy, shared by runs that reach the same state."""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulation import model as model_module
from simulation.state import PERSON_FIELDS, WAGE_EMPLOYED
from tests.conftest import make_config, run_model

BASE = ["scenario.n_youth=2000", "months=12", "seed=9", "burn_in_months=24"]


def test_the_record_starts_at_month_0_after_the_burn_in():
    m = run_model(make_config(*BASE, "policy=[stipend]", "policy.stipend.budget=5000"), months=0)
    P = m.people
    assert m.month == 24 and m.record_month == 0 and m.rows[0]["month"] == 0
    assert not P.applied.any() and not P.enrolled.any() and not P.migrated.any() and not P.dismissed.any()
    # hires still on probation count as hires of the run; older jobs do not
    hired = P.ever_hired
    assert ((P.status[hired] == WAGE_EMPLOYED) & (P.tenure_months[hired] < 3)).all()
    assert (P.status == 5).sum() > 0  # emigrants of the burn-in are abroad
    for _ in range(12):
        m.step()
    spent = m.policies.items[0].monthly_spending
    assert spent and min(spent) >= 1  # the policy pays from month 1 of the record, never in the burn-in


def test_runs_sharing_a_burn_in_reuse_it_and_give_the_same_numbers():
    model_module.BURN_INS.states.clear()
    hits = model_module.BURN_INS.hits
    run_model(make_config(*BASE))                                   # computes the burn-in and keeps it
    shared = run_model(make_config(*BASE, "policy=[stipend]"))      # another arm: reuses it
    assert model_module.BURN_INS.hits == hits + 1
    saved, model_module.BURN_INS = model_module.BURN_INS, model_module.BurnIns(max_bytes=0)  # keep nothing
    try:
        alone = run_model(make_config(*BASE, "policy=[stipend]"))
    finally:
        model_module.BURN_INS = saved
    pd.testing.assert_frame_equal(shared.timeseries(), alone.timeseries())
    for name in PERSON_FIELDS:
        np.testing.assert_array_equal(getattr(shared.people, name), getattr(alone.people, name), err_msg=name)


def test_a_different_seed_or_setting_does_not_share_the_burn_in():
    key = model_module.BurnIns.key
    a = make_config(*BASE)
    assert key(a, "numba") == key(make_config(*BASE, "policy=[childcare]"), "numba")
    assert key(a, "numba") != key(make_config(*BASE, "seed=10"), "numba")
    assert key(a, "numba") != key(make_config(*BASE, "behaviour.labour.separation_rate=0.02"), "numba")
    assert key(a, "numba") != key(make_config(*BASE, "scenario.destination.migration_cost=100"), "numba")
    assert key(a, "mesa") is None
