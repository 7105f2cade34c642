"""``hydra/launcher=joblib`` of this project: Hydra's joblib launcher, handing each worker chunks of jobs.

Hydra's joblib launcher sends every job to a worker as its own task, with the
whole Hydra state (config store, plugins, the sweep's config): each job then
re-scans Hydra's plugins and composes its config from scratch, which cost more
than a 5,000-person run itself. This launcher sends a few chunks of jobs per
worker instead (``chunks_per_worker``, for balance); a worker sets up Hydra's
state once per chunk and composes its jobs' configs with the sweep's config
loader (``hydra_plugins.livelihoods_sweepers.compose_once.ComposeOnce``), then runs each job as
Hydra's ``run_job`` does (``run_one``), copying configs by pickling rather than
``copy.deepcopy``: the same job folders, records and return values as Hydra's
launcher, job by job, in order (``tests/test_launchers.py`` compares them).

What crosses between processes is kept to what is used there. The sweep's state
(Hydra's singletons with the config store, the sweep's config, its loader and
the task function) is pickled once per sweep, not once per chunk, and a worker
unpickles it once, for its first chunk of the sweep (``_warm_state``): it took
~0.5 s a chunk. A job's return holds its return value, status, overrides and
folder but not its two configs, which Hydra's sweepers never read after the job
and which cost ~10 ms a job to pickle back and unpickle in the parent. (No
``from __future__ import annotations`` here: Hydra loads plugins outside
``sys.modules``.)
"""


import copy
import logging
import math
import pickle
import uuid
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

from hydra.core.utils import JobReturn

from hydra_plugins.hydra_joblib_launcher.joblib_launcher import JoblibLauncher

log = logging.getLogger(__name__)


# the sweep state this worker unpickled last: (token, (hydra_context, config, task_function, singleton_state))
_WARM: List[Tuple[str, Tuple[Any, Any, Any, Dict[Any, Any]]]] = []


def _warm_state(token: str, state: bytes) -> Tuple[Any, Any, Any, Dict[Any, Any]]:
    """The sweep's state, unpickled from ``state`` for the first chunk of sweep ``token`` this worker runs and kept
    for the next ones (a worker runs one sweep at a time)."""
    if not _WARM or _WARM[0][0] != token:
        _WARM[:] = [(token, pickle.loads(state))]
    return _WARM[0][1]


def run_chunk(first_idx: int, chunk: Sequence[Sequence[str]], token: str, state: bytes) -> List[JobReturn]:
    """Jobs ``first_idx``, ``first_idx + 1`` ... of a sweep, one after the other, each as Hydra's joblib launcher
    runs it; ``state`` is the sweep's (``ChunkedJoblibLauncher.launch``), pickled."""
    from hydra.core.utils import setup_globals
    from omegaconf import open_dict

    hydra_context, config, task_function, singleton_state = _warm_state(token, state)
    setup_globals()
    set_state_keeping_plugins(singleton_state)
    returns = []
    loader = hydra_context.config_loader
    for idx, overrides in enumerate(chunk, start=first_idx):
        if hasattr(loader, "load_job_configs"):  # hydra_plugins.livelihoods_sweepers.compose_once.ComposeOnce
            sweep_config, task_config = loader.load_job_configs(config, list(overrides))
        else:
            sweep_config, task_config = loader.load_sweep_config(config, list(overrides)), None
        with open_dict(sweep_config):
            sweep_config.hydra.job.id = f"{sweep_config.hydra.job.name}_{idx}"
            sweep_config.hydra.job.num = idx
        ret = run_one(hydra_context, sweep_config, task_function, task_config)
        ret.cfg = ret.hydra_cfg = None  # read by no sweeper after the job (see the module docstring)
        returns.append(ret)
    return returns


def set_state_keeping_plugins(state: Dict[Any, Any]) -> None:
    """``Singleton.set_state(state)``, except that a worker that already scanned Hydra's plugins (for an earlier
    chunk) keeps that scan: ``set_state`` scans them again (~0.15 s), and the worker's installed plugins have not
    changed since."""
    from hydra.core.plugins import Plugins
    from hydra.core.singleton import Singleton
    from omegaconf.basecontainer import BaseContainer

    scanned = Singleton._instances.get(Plugins)
    if scanned is None:
        Singleton.set_state(state)
        return
    Singleton._instances = {**state["instances"], Plugins: scanned}
    BaseContainer._resolvers = copy.deepcopy(state["omegaconf_resolvers"])


def run_one(hydra_context: Any, config: Any, task_function: Any, task_cfg: Any = None) -> JobReturn:
    """One sweep job as ``hydra.core.utils.run_job`` (Hydra 1.3) runs it, step for step.

    The differences, for speed: Hydra's global config is set once, not twice; the
    job's task config (``task_cfg``: its config without ``hydra``) comes from the
    sweep's config loader or is copied by pickling (``hydra_plugins.livelihoods_sweepers.compose_once``), the
    same object as ``copy.deepcopy`` gives; the Hydra config returned is the copy made
    for this job by ``set_config`` (Hydra copies it once more); the records are
    written with libyaml (``job_configs.to_yaml``: the same text).
    """
    import os

    from hydra.core.hydra_config import HydraConfig
    from hydra.core.utils import JobReturn, JobRuntime, JobStatus, _flush_loggers, configure_log, env_override
    from omegaconf import OmegaConf, open_dict, read_write

    from hydra_plugins.livelihoods_sweepers.compose_once import frozen, thawed, to_yaml

    callbacks = hydra_context.callbacks
    old_cwd = os.getcwd()
    hydra_config = HydraConfig.instance()
    orig_hydra_cfg = hydra_config.cfg
    output_dir = os.path.join(str(OmegaConf.select(config, "hydra.sweep.dir")),
                              str(OmegaConf.select(config, "hydra.sweep.subdir")))
    with read_write(config.hydra.runtime), open_dict(config.hydra.runtime):
        config.hydra.runtime.output_dir = os.path.abspath(output_dir)
    hydra_config.set_config(config)
    chdir = False
    try:
        ret = JobReturn()
        if task_cfg is None:  # else the loader made it: the template's task config with the job's values
            task_cfg = thawed(frozen(config))
            with read_write(task_cfg), open_dict(task_cfg):
                del task_cfg["hydra"]
        ret.cfg = task_cfg
        hydra_cfg = hydra_config.cfg
        ret.hydra_cfg = hydra_cfg
        ret.overrides = OmegaConf.to_container(config.hydra.overrides.task)
        Path(output_dir).mkdir(parents=True, exist_ok=True)
        chdir = bool(hydra_cfg.hydra.job.chdir)  # the project's configs say false; Hydra >= 1.2's default too
        if chdir:
            os.chdir(output_dir)
            ret.working_dir = output_dir
        else:
            ret.working_dir = os.getcwd()
        configure_log(config.hydra.job_logging, config.hydra.verbose)
        if config.hydra.output_subdir is not None:
            hydra_output = Path(config.hydra.runtime.output_dir) / Path(config.hydra.output_subdir)
            hydra_output.mkdir(parents=True, exist_ok=True)
            for cfg, name in ((task_cfg, "config.yaml"), (hydra_cfg, "hydra.yaml"),
                              (config.hydra.overrides.task, "overrides.yaml")):
                (hydra_output / name).write_text(to_yaml(cfg), encoding="utf-8")
        with env_override(hydra_cfg.hydra.job.env_set):
            callbacks.on_job_start(config=config, task_function=task_function)
            try:
                ret.return_value = task_function(task_cfg)
                ret.status = JobStatus.COMPLETED
            except Exception as e:  # noqa: BLE001 - as Hydra: the failure is the job's return value
                ret.return_value = e
                ret.status = JobStatus.FAILED
        ret.task_name = JobRuntime.instance().get("name")
        _flush_loggers()
        callbacks.on_job_end(config=config, job_return=ret)
        return ret
    finally:
        hydra_config.cfg = orig_hydra_cfg
        if chdir:
            os.chdir(old_cwd)


class ChunkedJoblibLauncher(JoblibLauncher):
    def __init__(self, chunks_per_worker: int = 4, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.chunks_per_worker = chunks_per_worker

    def launch(self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int) -> Sequence[JobReturn]:
        from hydra.core.singleton import Singleton
        from hydra.core.utils import configure_log, filter_overrides, setup_globals
        from joblib import Parallel, delayed, effective_n_jobs

        from hydra_plugins.hydra_joblib_launcher._core import process_joblib_cfg

        setup_globals()
        configure_log(self.config.hydra.hydra_logging, self.config.hydra.verbose)
        sweep_dir = Path(str(self.config.hydra.sweep.dir))
        sweep_dir.mkdir(parents=True, exist_ok=True)
        joblib_cfg = dict(self.joblib, backend="loky")  # as Hydra's: the threading backend is incompatible
        process_joblib_cfg(joblib_cfg)
        workers = effective_n_jobs(joblib_cfg.get("n_jobs", -1))
        size = max(1, math.ceil(len(job_overrides) / (workers * max(1, self.chunks_per_worker))))
        starts = range(0, len(job_overrides), size)
        log.info(f"Joblib.Parallel({','.join(f'{k}={v}' for k, v in joblib_cfg.items())}) is launching "
                 f"{len(job_overrides)} jobs in {len(starts)} chunks")
        log.info(f"Launching jobs, sweep output dir : {sweep_dir}")
        for idx, overrides in enumerate(job_overrides):
            log.info(f"\t#{initial_job_idx + idx} : {' '.join(filter_overrides(overrides))}")
        from joblib.externals.cloudpickle import dumps  # joblib's own: the task function may live in __main__

        state = dumps((self.hydra_context, self.config, self.task_function, Singleton.get_state()),
                      protocol=pickle.HIGHEST_PROTOCOL)
        token = uuid.uuid4().hex
        chunks = Parallel(**joblib_cfg)(
            delayed(run_chunk)(initial_job_idx + start, job_overrides[start:start + size], token, state)
            for start in starts)
        return [ret for chunk in chunks for ret in chunk]
