"""A sweep's job configs: composed once per combination of config groups, equal to Hydra composing each job."""

from __future__ import annotations

import pytest
from omegaconf import OmegaConf, open_dict

from hydra_plugins.livelihoods_sweepers import compose_once as job_configs
from livelihoods.paths import CONFIG_DIR
from livelihoods.store import register_configs

JOBS = [  # (config groups, plain values) as a sweep's jobs would be: several jobs per combination of groups
    ["policy.stipend.monthly_amount=0", "seed=1", "experiment=stipend_stress_test", "scenario.n_youth=5000"],
    ["policy.stipend.monthly_amount=45", "seed=2", "experiment=stipend_stress_test", "scenario.n_youth=5000"],
    ["policy.stipend.monthly_amount=130.5", "seed=30", "experiment=stipend_stress_test", "scenario.n_youth=700"],
    ["policy=[stipend,childcare]", "seed=3", "behaviour.dropout.base_logit=-3.25", "figures=false"],
    ["policy=[stipend,childcare]", "seed=4", "behaviour.dropout.base_logit=-2.5", "figures=true"],
    ["calibration=literature", "policy=[]", "seed=5", "scenario.name=other place"],
    ["calibration=literature", "policy=[]", "seed=6", "scenario.name=Mopti"],
    ["calibration=evidence", "policy=[]", "seed=6", "scenario.name=Mopti"],
    ["seed=7", "months=12", "hydra.job.config.override_dirname.item_sep=+"],
    ["seed=8", "months=24", "hydra.job.config.override_dirname.item_sep=+"],
]


@pytest.fixture(scope="module")
def loader():
    from hydra._internal.config_loader_impl import ConfigLoaderImpl
    from hydra._internal.utils import create_config_search_path
    from hydra.types import RunMode

    register_configs()
    inner = ConfigLoaderImpl(config_search_path=create_config_search_path(str(CONFIG_DIR)))
    master = inner.load_configuration("config", ["hydra.sweep.dir=/tmp/unused"], RunMode.MULTIRUN)
    return inner, master


def test_a_job_composed_once_per_group_combination_equals_hydra_composing_it(loader):
    inner, master = loader
    job_configs.TEMPLATES.clear()
    once = job_configs.ComposeOnce(inner)
    for job in JOBS:
        fast = OmegaConf.to_container(once.load_sweep_config(master, job), resolve=False)
        assert fast == OmegaConf.to_container(inner.load_sweep_config(master, job), resolve=False), job
        assert job_configs.to_yaml(once.load_sweep_config(master, job)) == OmegaConf.to_yaml(
            inner.load_sweep_config(master, job))  # the records are written as Hydra writes them
        hydras = inner.load_sweep_config(master, job)  # the task config: run_job's copy without hydra
        with open_dict(hydras):
            del hydras["hydra"]
        task = once.load_job_configs(master, job)[1]
        assert OmegaConf.to_container(task, resolve=False) == OmegaConf.to_container(hydras, resolve=False), job
        assert task._get_flag("struct") == hydras._get_flag("struct") and "hydra" not in task
    assert len(job_configs.TEMPLATES) == 5  # ten jobs, five combinations of groups and Hydra keys: reused
    again = once.load_sweep_config(master, JOBS[1])  # a derived config is its own: editing it changes no template
    again.seed = 99
    assert once.load_sweep_config(master, JOBS[1]).seed == 2


def test_plain_overrides_are_told_from_group_choices(loader):
    from hydra.core.override_parser.overrides_parser import OverridesParser

    once = job_configs.ComposeOnce(loader[0])
    parse = OverridesParser.create().parse_overrides
    plain = {o.input_line: once._is_plain(o) for o in parse(
        ["seed=3", "policy.stipend.monthly_amount=45", "scenario.name=x", "policy=[stipend]", "scenario=baseline",
         "hydra/launcher=joblib", "hydra.sweep.dir=/x", "+extra=1", "~figures", "seed=1,2",
         "scenario.districts=[]"])}
    assert [k for k, v in plain.items() if v] == ["seed=3", "policy.stipend.monthly_amount=45", "scenario.name=x"]


def test_a_bad_plain_value_is_refused_as_hydra_refuses_it(loader):
    from hydra.errors import ConfigCompositionException

    inner, master = loader
    once = job_configs.ComposeOnce(inner)
    once.load_sweep_config(master, ["seed=1", "months=3"])
    with pytest.raises(ConfigCompositionException, match="months=three"):
        once.load_sweep_config(master, ["seed=2", "months=three"])


def test_a_chunked_joblib_job_records_and_returns_what_hydras_run_job_does(loader, tmp_path):
    from hydra._internal.callbacks import Callbacks
    from hydra.core.hydra_config import HydraConfig
    from hydra.core.utils import JobStatus, run_job, setup_globals
    from hydra.types import HydraContext, RunMode
    from omegaconf import open_dict

    from hydra_plugins.livelihoods_sweepers.joblib_chunks import run_one

    inner = loader[0]
    setup_globals()  # Hydra's resolvers (${now:...}), as in a worker

    def task(cfg):
        return {"cfg": OmegaConf.to_container(cfg), "hydra": OmegaConf.to_container(HydraConfig.get(), resolve=True)}

    returns, texts = {}, {}
    for who in ("hydra", "chunked"):
        folder = tmp_path / who
        master = inner.load_configuration("config", [f"hydra.sweep.dir={folder}", "hydra/launcher=joblib",
                                                     f"hydra.run.dir={tmp_path}/run"],  # no ${now:...} to differ
                                          RunMode.MULTIRUN)
        cfg = inner.load_sweep_config(master, ["seed=3", "months=2", "policy=[stipend]"])
        with open_dict(cfg):
            cfg.hydra.job.id, cfg.hydra.job.num = "run_4", 4
        context = HydraContext(config_loader=inner, callbacks=Callbacks(cfg))
        if who == "hydra":
            HydraConfig.instance().set_config(cfg)  # as Hydra's joblib launcher does before run_job
            ret = run_job(task_function=task, config=cfg, job_dir_key="hydra.sweep.dir",
                          job_subdir_key="hydra.sweep.subdir", hydra_context=context)
        else:
            ret = run_one(context, cfg, task)
        assert ret.status == JobStatus.COMPLETED
        returns[who] = OmegaConf.to_container(OmegaConf.create(
            {"cfg": ret.cfg, "hydra_cfg": ret.hydra_cfg, "overrides": ret.overrides, "value": ret.return_value,
             "working_dir": ret.working_dir, "task_name": ret.task_name}))
        texts[who] = {p.name: p.read_text() for p in (folder / "4" / ".hydra").iterdir()}
    # the same, but for the folder's name
    hydras, ours = str(tmp_path / "hydra"), str(tmp_path / "chunked")
    assert str(returns["hydra"]).replace(hydras, ours) == str(returns["chunked"])
    assert {k: v.replace(hydras, ours) for k, v in texts["hydra"].items()} == texts["chunked"]
    assert sorted(texts["chunked"]) == ["config.yaml", "hydra.yaml", "overrides.yaml"]
    assert returns["chunked"]["value"]["hydra"]["runtime"]["output_dir"] == str(tmp_path / "chunked" / "4")
