"""What a sweep job's bookkeeping costs, step by step: ``python -m benchmarks.job_overhead [--jobs 50]``.

Derives ``--jobs`` jobs of the stipend stress test from their template as a
sweep's worker does (``hydra_plugins.livelihoods_sweepers.compose_once.ComposeOnce``) and times each
step a chunked joblib job takes besides the simulation: deriving the job's
config and task config, setting Hydra's global config, dumping the three
``.hydra`` records, converting the task config into the run config, and writing
a run's ``timeseries.parquet`` and ``summary.json``. Prints one JSON line of
milliseconds per job. Nothing here is asserted on; it says where a job's time goes.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=50)
    args = ap.parse_args(argv)

    from hydra._internal.config_loader_impl import ConfigLoaderImpl
    from hydra._internal.utils import create_config_search_path
    from hydra.core.hydra_config import HydraConfig
    from hydra.core.utils import setup_globals
    from hydra.types import RunMode

    from experiments.records.runs import write_run
    from hydra_plugins.livelihoods_sweepers import compose_once as job_configs
    from livelihoods.compose import load_config, to_run_config
    from livelihoods.paths import CONFIG_DIR
    from livelihoods.store import register_configs
    from simulation.runner import simulate

    setup_globals()
    register_configs()
    with tempfile.TemporaryDirectory() as tmp:
        inner = ConfigLoaderImpl(config_search_path=create_config_search_path(str(CONFIG_DIR)))
        master = inner.load_configuration("config", [f"hydra.sweep.dir={tmp}", "hydra/launcher=joblib",
                                                     "experiment=stipend_stress_test"], RunMode.MULTIRUN)
        once = job_configs.ComposeOnce(inner)

        def job(k: int) -> list[str]:
            return [f"policy.stipend.monthly_amount={15 * (k % 10)}", f"seed={k + 1}", "experiment=stipend_stress_test",
                    "scenario.n_youth=5000"]

        once.load_job_configs(master, job(0))  # the template, composed by Hydra
        result = simulate(load_config("scenario.n_youth=5000", "progress=false", "threads=1"))
        steps = {"derive the job's config and task config": lambda k: once.load_job_configs(master, job(k))}
        cfg, task = once.load_job_configs(master, job(1))
        steps |= {
            "set Hydra's global config": lambda k: HydraConfig.instance().set_config(cfg),
            "dump .hydra/config.yaml": lambda k: job_configs.to_yaml(task),
            "dump .hydra/hydra.yaml": lambda k: job_configs.to_yaml(HydraConfig.instance().cfg),
            "dump .hydra/overrides.yaml": lambda k: job_configs.to_yaml(cfg.hydra.overrides.task),
            "the run config from the task config": lambda k: to_run_config(task),
            "write timeseries.parquet and summary.json": lambda k: write_run(Path(tmp) / f"run{k}", result.summary,
                                                                              result.timeseries),
        }
        ms = {}
        for name, step in steps.items():
            start = time.perf_counter()
            for k in range(args.jobs):
                step(k)
            ms[name] = 1000 * (time.perf_counter() - start) / args.jobs
    print(json.dumps({"jobs": args.jobs, "ms_per_job": ms, "total_ms_per_job": sum(ms.values())}))


if __name__ == "__main__":
    main()
