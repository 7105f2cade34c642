"""The public Python API (``livelihoods``): the same runs as the command line, clear errors, studies, examples."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import math
import re

import numpy as np
import pandas as pd
import pytest

import livelihoods
from tests.conftest import ROOT

SIZE = {"scenario.n_youth": 2000, "months": 24, "burn_in_months": 12}
RATES = ("dropout_rate", "completion_rate", "employment_rate", "migration_intent_rate", "migration_rate")


def without_meta(summary: dict) -> str:
    """The summary as comparable text: everything but ``meta`` (run time, versions), NaN written out."""
    return json.dumps({k: v for k, v in summary.items() if k != "meta"}, sort_keys=True, default=str)


def same_values(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(a[k] == b[k] or (math.isnan(a[k]) and math.isnan(b[k])) for k in a)


def test_a_mapping_keyword_values_and_override_strings_give_the_same_run():
    strings = ["scenario=mali_returnees", "policy=[stipend,childcare]", "policy.stipend.monthly_amount=45",
               "behaviour.dropout.base_logit=-3.5", "scenario.n_youth=2000", "months=24", "burn_in_months=12"]
    mapping = {"scenario": "mali_returnees", "policy": ["stipend", "childcare"], "policy.stipend.monthly_amount": 45,
               "behaviour.dropout.base_logit": -3.5, **SIZE}
    a = livelihoods.simulate(strings, seed=3)
    b = livelihoods.simulate(mapping, seed=3)
    c = livelihoods.simulate({"policy": ["stipend", "childcare"], "policy.stipend.monthly_amount": 45}, seed=3,
                             scenario="mali_returnees", behaviour__dropout__base_logit=-3.5, scenario__n_youth=2000,
                             months=24, burn_in_months=12)
    assert a.config == b.config == c.config
    assert a.config.scenario.name == "mali_returnees" and a.config.seed == 3
    assert a.config.policy.stipend.monthly_amount == 45 and a.config.behaviour.dropout.base_logit == -3.5
    assert without_meta(a.summary) == without_meta(b.summary) == without_meta(c.summary)
    pd.testing.assert_frame_equal(a.timeseries, b.timeseries)


def test_a_mapping_becomes_the_override_strings_of_the_command_line():
    assert livelihoods.to_overrides({"policy.stipend.monthly_amount": 45.5, "policy": ["stipend", "childcare"],
                                     "scenario": {"n_youth": 2000}, "figures": False, "posterior": None,
                                     "policy.stipend.target": "district:city", "scenario.name": "my town"},
                                    months=np.int64(24), behaviour__dropout__base_logit=-3.5) == [
        "policy=[stipend,childcare]",  # group choices first
        "policy.stipend.monthly_amount=45.5", "scenario.n_youth=2000", "figures=false", "posterior=null",
        "policy.stipend.target=district:city", "scenario.name='my town'", "months=24",
        "behaviour.dropout.base_logit=-3.5"]


def test_the_same_seed_gives_the_same_numbers_and_another_seed_other_numbers():
    one = livelihoods.simulate(SIZE, seed=5)
    two = livelihoods.simulate(SIZE, seed=5)
    other = livelihoods.simulate(SIZE, seed=6)
    assert without_meta(one.summary) == without_meta(two.summary)
    pd.testing.assert_frame_equal(one.timeseries, two.timeseries)
    assert same_values(one.values(), two.values())
    assert without_meta(one.summary) != without_meta(other.summary)
    assert one.indicators != other.indicators
    assert list(one.timeseries["month"]) == list(range(25))


def test_values_are_flat_named_and_in_their_units():
    r = livelihoods.simulate({"policy": ["stipend"], **SIZE}, seed=2)
    v = r.values()
    assert {f"all.{k}" for k in r.indicators} <= set(v)
    assert all(v[f"all.{k}"] == r.indicators[k] for k in r.indicators)
    assert r.indicators == r.summary["indicators"] and r["all.dropout_rate"] == r.indicators["dropout_rate"]
    for group in ("women", "men", "mothers", "returnees", "non_returnees", "near", "far"):
        assert f"{group}.dropout_rate" in v
    for rate in RATES:
        assert 0 <= v[f"all.{rate}"] <= 1
    assert v["cost.total"] == pytest.approx(v["cost.training"] + v["cost.policies"])
    assert v["cost.stipend"] > 0 and v["cost.childcare"] == 0  # switched off: nothing spent
    assert v["funnel.enrolled"] == v["all.enrolled"] > 0
    assert all(isinstance(x, float) for x in v.values())


def test_a_stipend_of_70_usd_lowers_dropout_with_the_same_seed():
    size = {**SIZE, "scenario.n_youth": 4000}
    none = livelihoods.simulate({"policy": [], **size}, seed=7)
    stipend = livelihoods.simulate({"policy": ["stipend"], "policy.stipend.monthly_amount": 70, **size}, seed=7)
    assert none.indicators["enrolled"] > 200  # enough enrolees for the direction to be more than noise
    assert stipend.indicators["dropout_rate"] < none.indicators["dropout_rate"] - 0.05
    assert stipend.values()["cost.stipend"] > 0 and none.values()["cost.stipend"] == 0
    assert stipend.values()["cost.total"] > none.values()["cost.total"]


@pytest.mark.parametrize("overrides, key, text", [
    ({"scenario.n_yuoth": 500}, "scenario.n_yuoth", "unknown key, allowed keys: name, n_youth"),
    (["behaviour.dropout.base_logit=500"], "behaviour.dropout.base_logit", "must be a finite number in [-100, 100]"),
    ({"behaviour.dropout.base_logit": "low"}, "behaviour.dropout.base_logit", "must be a finite number"),
    ({"scenario": "atlantis"}, "scenario", "unknown option 'atlantis', allowed: baseline"),
    ({"policy.stipend.monthly_amount": 45}, "policy.stipend.monthly_amount", "select it with policy=[stipend]"),
    (["+extra=1"], "extra", "unknown key"),
    (["months=12,24"], "months", "one value is needed here"),
])
def test_a_bad_key_or_value_raises_one_line_naming_the_key(capsys, overrides, key, text):
    with pytest.raises(livelihoods.ConfigurationError) as error:
        livelihoods.simulate(overrides)
    assert isinstance(error.value, ValueError) and isinstance(error.value, livelihoods.ConfigError)
    message = str(error.value)
    assert message.startswith(f"{key}: ") and text in message and "\n" not in message
    assert error.value.key == key
    assert "error:" not in capsys.readouterr().err  # a library raises; it does not print and exit


def test_a_seed_out_of_range_is_refused_by_run_config_and_run_study():
    cfg = livelihoods.load_config(SIZE)
    with pytest.raises(livelihoods.ConfigurationError, match=r"^seed: must be an integer"):
        livelihoods.run_config(cfg, seed=-1)
    with pytest.raises(livelihoods.ConfigurationError, match=r"^seed: "):
        livelihoods.run_study([cfg], seeds=[2**32])


def test_run_study_gives_one_row_per_setting_and_seed_equal_to_simulate():
    settings = [{"policy": [], **SIZE}, ["policy=[stipend]", "scenario.n_youth=2000", "months=24", "burn_in_months=12"]]
    table = livelihoods.run_study(settings, seeds=(1, 2), jobs=2)
    assert list(table["setting"]) == [0, 0, 1, 1] and list(table["seed"]) == [1, 2, 1, 2]
    assert {"all.dropout_rate", "cost.total", "women.employment_rate"} <= set(table.columns)
    row = table.iloc[3].drop(["setting", "seed"]).to_dict()
    assert same_values(row, livelihoods.simulate(settings[1], seed=2).values())
    typed = livelihoods.run_config(livelihoods.load_config(settings[0]), seed=1)  # the command line's path
    assert same_values(table.iloc[0].drop(["setting", "seed"]).to_dict(), typed.values())
    serial = livelihoods.run_study([livelihoods.load_config(s) for s in settings], seeds=(1, 2), jobs=1)
    pd.testing.assert_frame_equal(table, serial)  # the numbers do not depend on the worker processes
    assert (table[table.setting == 1]["cost.stipend"] > 0).all()
    assert (table[table.setting == 0]["cost.stipend"] == 0).all()


def example(name: str):
    path = ROOT / "docs" / "examples" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"docs_example_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_basic_example_runs_and_finds_the_stipend_lowers_dropout():
    out = example("api_basic").main(n_youth=2000, months=18, seeds=(1, 2), jobs=1)
    assert isinstance(out["run"], livelihoods.Result)
    assert len(out["study"]) == 4 and set(out["study"]["arm"]) == {"no policy", "stipend 70"}
    assert list(out["effect"].index) == [1, 2]
    assert (out["effect"]["dropout_rate"] < 0).all() and (out["effect"]["cost_usd"] > 0).all()


def test_the_ema_workbench_example_runs_every_experiment():
    experiments, outcomes = example("ema_workbench_example").main(n=3, policies=2, n_youth=1500, months=12)
    assert len(experiments) == 6
    assert {"dropout_base_logit", "opportunity_logit_per_wage", "care_barrier_hazard", "stipend_usd",
            "childcare"} <= set(experiments.columns)
    assert experiments["dropout_base_logit"].between(-4.5, -2.5).all()
    for name in ("dropout_rate", "employment_rate", "migration_intent_rate"):
        assert len(outcomes[name]) == 6 and np.all((outcomes[name] >= 0) & (outcomes[name] <= 1)), name
    assert np.all(outcomes["cost"] > 0)


def test_the_salib_example_ranks_the_dropout_parameters():
    table = example("salib_example").main(n=3, n_youth=1500, months=18)
    assert len(table) == 3 and np.isfinite(table["mu_star"]).all()
    assert table.loc["behaviour.dropout.base_logit", "mu_star"] > 0
    # the baseline hazard moves dropout more than how often job seekers apply
    assert table.loc["behaviour.dropout.base_logit", "mu_star"] > table.loc["behaviour.labour.search_probability",
                                                                            "mu_star"]


# --------------------------------------------------------------------------- issue 32, cause 15


def test_the_api_composes_configs_from_several_threads():
    """``simulate`` or ``load_config`` called from two threads failed in all but one ("GlobalHydra is already
    initialized"), valid configs included."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=4) as pool:
        cfgs = list(pool.map(lambda seed: livelihoods.load_config(seed=seed, scenario__n_youth=300), range(1, 13)))
    assert [c.seed for c in cfgs] == list(range(1, 13)) and {c.scenario.n_youth for c in cfgs} == {300}
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = list(pool.map(lambda seed: livelihoods.simulate(seed=seed, months=2, scenario__n_youth=300), (1, 2)))
    alone = livelihoods.simulate(seed=2, months=2, scenario__n_youth=300)
    assert runs[1].indicators == alone.indicators  # the same numbers as in one thread


@pytest.mark.parametrize("change,key", [
    (lambda c: dataclasses.replace(c, scenario=5), "scenario"),
    (lambda c: dataclasses.replace(c, months="3"), "months"),
    (lambda c: setattr(c.scenario.training, "childcare_on_site", "yes") or c, "scenario.training.childcare_on_site"),
    (lambda c: setattr(c.scenario, "districts", "abc") or c, "scenario.districts"),
])
def test_a_config_altered_by_hand_is_refused_like_a_bad_override(change, key):
    """run_config on a config altered by hand raised AttributeError or KeyError('lo') from inside the validator;
    it is a ConfigurationError naming the key."""
    cfg = change(livelihoods.load_config(scenario__n_youth=300, months=1))
    with pytest.raises(livelihoods.ConfigurationError) as refused:
        livelihoods.run_config(cfg)
    assert refused.value.key == key and str(refused.value).startswith(f"{key}: must be")


@pytest.mark.parametrize("settings,seeds,says", [([], [1], "settings: must list at least one setting"),
                                                 ([{}], [1.7, 2.2], "seeds: must be whole numbers, got 1.7"),
                                                 ([{}], ["12"], "seeds: must be whole numbers, got '12'"),
                                                 ([{}], [True, 2], "seeds: must be whole numbers, got True"),
                                                 ([{}], 3, "seeds: must be a list of whole numbers"),
                                                 ([{}], "12", "seeds: must be a list of whole numbers")])
def test_run_study_checks_its_inputs_as_simulate_does(settings, seeds, says):
    with pytest.raises(livelihoods.ConfigurationError, match=re.escape(says)):
        livelihoods.run_study(settings, seeds=seeds, jobs=1)


def test_numpy_scalars_are_taken_where_python_ones_are():
    cfg = livelihoods.load_config({"scenario.training.childcare_on_site": np.bool_(True),
                                   "scenario.n_youth": np.int64(300), "months": np.int32(2)})
    assert cfg.scenario.training.childcare_on_site is True and cfg.scenario.n_youth == 300 and cfg.months == 2


@pytest.mark.parametrize("name", ["Mali | Gao", r"a\b", "a\\", "it's", r"back\'slash", "nan", "True", "[x,y]", "é, ü"])
def test_a_text_value_reaches_the_config_exactly_as_given(name):
    """Hydra's grammar reads backslashes, quotes, brackets and words such as nan/True its own way: the API writes
    each text so that Hydra reads back the same text (it used to double backslashes and turn 'nan' into a float)."""
    assert livelihoods.load_config({"scenario.name": name}).scenario.name == name


def test_a_value_is_never_an_interpolation(monkeypatch):
    """``${oc.env:...}`` in a value would copy the environment into a run's record and results."""
    monkeypatch.setenv("LIVELIHOODS_SECRET", "hunter2")
    for values in ({"scenario.name": "${oc.env:LIVELIHOODS_SECRET}"}, {"scenario": {"name": "x${seed}"}}):
        with pytest.raises(livelihoods.ConfigurationError, match=r"^scenario\.name: .* holds '\$\{'"):
            livelihoods.load_config(values)


@pytest.mark.parametrize("override", ["hydra.run.dir=/tmp/somewhere", "hydra/launcher=joblib", "hydra.verbose=true"])
def test_hydra_settings_that_a_config_without_a_job_would_ignore_are_refused(override):
    """``load_config`` and ``simulate`` run no Hydra job: a run folder or launcher given to them used to be ignored."""
    key = override.split("=", 1)[0]
    with pytest.raises(livelihoods.ConfigurationError, match=rf"^{re.escape(key)}: this composes a config without"):
        livelihoods.load_config(override)
    assert livelihoods.load_config("hydra.searchpath=[]").months > 0  # the one Hydra key that changes composing


@pytest.mark.parametrize("jobs", [0, -1, 1.5, "2", True])
def test_run_study_refuses_a_number_of_jobs_that_is_not_a_count(jobs):
    """joblib reads -1 as every core and turned 0 and 1.5 into one process; '2' was taken as 2."""
    with pytest.raises(livelihoods.ConfigurationError, match=r"^jobs: must be a whole number of worker processes"):
        livelihoods.run_study([{}], seeds=[1], jobs=jobs)


@pytest.mark.parametrize("name", ["", "   ", "a\tb", "a\nb", "a\x00b", "x" * 201])
def test_a_name_is_one_printable_line(name):
    with pytest.raises(livelihoods.ConfigurationError, match=r"^scenario\.name: must be a name of 1 to 200 printable"):
        livelihoods.load_config({"scenario.name": name})


def test_a_number_beyond_every_range_is_refused_naming_its_key():
    for key in ("seed", "scenario.population.female_share", "scenario.n_youth"):
        with pytest.raises(livelihoods.ConfigurationError, match=rf"^{re.escape(key)}: "):
            livelihoods.load_config(f"{key}={'9' * 400}")


def test_an_argument_of_the_wrong_kind_is_a_configuration_error():
    with pytest.raises(livelihoods.ConfigurationError, match=r"^overrides: must be override strings"):
        livelihoods.simulate(5)
    with pytest.raises(livelihoods.ConfigurationError, match=r"^cfg: must be a RunConfig"):
        livelihoods.run_config(None)
