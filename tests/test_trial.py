"""The virtual trial: lottery participants, ITT and TOT estimators, and the model's own trial."""

from __future__ import annotations

import numpy as np
import pytest

from simulation.trial import Trial, stratified_difference, wald
from tests.conftest import make_config, run_model


def planted(rng, tau=0.08, strata=40, per=150):
    """A trial with a known effect: within each stratum a random share is offered; the offer raises
    take-up from ~20% to ~85%; taking up raises the outcome by ``tau``. Strata differ both in their
    offer share and in their outcome level, so a pooled difference of means would be biased."""
    stratum = np.repeat(np.arange(strata), per)
    share = np.linspace(0.1, 0.6, strata)[stratum]
    offered = rng.random(stratum.size) < share
    took = np.where(offered, rng.random(stratum.size) < 0.85, rng.random(stratum.size) < 0.20)
    level = 0.2 + 0.5 * share  # strata offering more places have better outcomes anyway
    y = (rng.random(stratum.size) < level + tau * took).astype(float)
    return y, took.astype(float), offered, stratum


def test_a_planted_effect_is_recovered_with_honest_intervals():
    rng = np.random.default_rng(7)
    tau, first_stage = 0.08, 0.85 - 0.20
    covered_itt = covered_tot = 0
    estimates = []
    for _ in range(200):
        y, d, offered, stratum = planted(rng, tau)
        itt = stratified_difference(y, offered, stratum)
        tot = wald(itt, stratified_difference(d, offered, stratum))
        covered_itt += abs(itt["estimate"] - tau * first_stage) <= 1.96 * itt["se"]
        covered_tot += abs(tot["estimate"] - tau) <= 1.96 * tot["se"]
        estimates.append(tot["estimate"])
    assert abs(np.mean(estimates) - tau) < 0.01          # unbiased
    assert 0.90 <= covered_itt / 200 <= 0.99              # 95% intervals cover about 95% of the time
    assert 0.88 <= covered_tot / 200 <= 0.99              # (TOT's se ignores the first stage's own noise)


def test_stratification_matters_here():
    """The planted design would mislead a pooled comparison: offers are more common where outcomes are better."""
    y, _, offered, stratum = planted(np.random.default_rng(3), tau=0.0, per=2000)
    pooled = y[offered].mean() - y[~offered].mean()
    itt = stratified_difference(y, offered, stratum)
    assert pooled > 0.02 and abs(itt["estimate"]) < 2.5 * itt["se"]


def test_only_oversubscribed_lotteries_and_first_entries_make_the_trial():
    trial = Trial(10, horizons=(6, 12, 24))
    centre = np.array([0, 0, 0, 1, 1, 1, 1, 2, 2, 2])
    seats = np.array([1, 5, 2])
    female = np.zeros(10, dtype=bool)
    # centre 0: 3 waiting for 1 seat; centre 1: 4 for 5 seats (no lottery); centre 2: 3 for 2
    trial.enter(1, np.arange(10), np.array([1, 3, 4, 5, 6, 7, 9]), centre, seats, female)
    assert trial.cohorts[0]["rows"].tolist() == [0, 1, 2, 7, 8, 9]
    assert trial.cohorts[0]["offered"].tolist() == [False, True, False, True, False, True]
    trial.enter(4, np.array([0, 2, 8]), np.array([0]), centre, seats, female)  # losers again: not new
    assert len(trial.cohorts) == 1


@pytest.fixture(scope="module")
def trials():
    """The model's trial with training's employment effect on (strong) and removed entirely."""
    base = ["scenario.n_youth=6000", "months=30", "seed=3", "figures=false"]
    strong = ["scenario.training.skill_gain=0.3", "behaviour.labour.certified_bonus=0.1"]
    none = ["scenario.training.skill_gain=0", "behaviour.labour.certified_bonus=0",
            "behaviour.labour.recognised_bonus=0", "behaviour.self_employment.trained_logit=0"]
    return {name: run_model(make_config(*base, *extra)).summary()["trial"]
            for name, extra in (("strong", strong), ("none", none))}


def test_the_models_trial_finds_a_planted_training_effect_and_no_effect_where_there_is_none(trials):
    strong, none = trials["strong"]["horizons"]["12"]["all"], trials["none"]["horizons"]["12"]["all"]
    assert strong["participants"] > 500 and strong["first_stage"] > 0.5
    assert strong["employed"]["itt_low"] > 0                       # a real effect, detected
    assert none["employed"]["itt_low"] < 0 < none["employed"]["itt_high"]  # no effect, none found
    assert strong["employed"]["tot"] > strong["employed"]["itt"] > 0  # TOT scales ITT by the first stage
    for h in ("6", "12", "24"):
        for group in ("all", "women", "men"):
            assert trials["strong"]["horizons"][h][group]["completed"]["itt"] > 0.2  # the offer makes completers


def test_no_programme_is_a_valid_scenario():
    model = run_model(make_config("scenario.n_youth=1500", "months=12", "scenario.training.seats_per_1000_youth=0"))
    summary = model.summary()
    assert summary["indicators"]["enrolled"] == 0 and summary["training"]["funnel"]["applied"] > 0
    assert summary["trial"]["participants"] == 0 and summary["trial"]["horizons"] == {}
    assert summary["cost"]["training"] == 0


def test_the_trials_horizons_are_the_configs():
    """trial_horizons (configs/config.yaml: 6 to 48 months) decides when the trial measures; a horizon the run does
    not reach is reported for no cohort; a list that is not ascending whole months is refused in one line."""
    import livelihoods

    result = livelihoods.simulate({"scenario.n_youth": 3000, "months": 30, "trial_horizons": [3, 9, 40]}, seed=2)
    assert set(result.summary["trial"]["horizons"]) == {"3", "9"}
    default = livelihoods.load_config()
    assert default.trial_horizons == [6, 12, 24, 36, 48]
    for bad in ([12, 6], [0, 6], [6, 6], []):
        with pytest.raises(livelihoods.ConfigurationError, match=r"^trial_horizons: must be"):
            livelihoods.load_config({"trial_horizons": bad})


def test_a_programme_with_a_last_intake_admits_nobody_after_it():
    import livelihoods

    result = livelihoods.simulate({"scenario.n_youth": 3000, "months": 24, "scenario.training.last_intake_month": 7},
                                  seed=4)
    new = result.timeseries.set_index("month")["new_enrolled"]
    assert new.loc[1:7].sum() > 0 and new.loc[8:].sum() == 0  # intakes in months 1, 4 and 7 (every 3 months)
    lotteries = result.summary["trial"]["lotteries"]
    assert 1 <= lotteries <= 3
