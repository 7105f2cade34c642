"""One run of the model: ``python -m experiments.run [overrides]`` (console script ``livelihoods-run``).

Writes summary.json, timeseries.parquet and figures into the run's folder and
prints a short table; with ``-m`` runs a sweep, one job per combination.

Before Hydra runs or writes anything, ``main`` checks the command line
(``livelihoods.overrides``: only the project's keys and a few Hydra keys, no
code; the config files of a search-path folder set only the project's groups and
keys, nothing of Hydra's), composes and validates the config and every job of a sweep
(``experiments.cli.composition``), and claims the run's or sweep's folder
(``experiments.records.folders``: an exclusive lock, a new default folder named
for what runs in it, a finished run or a different study refused); then Hydra
runs ``run`` for each job (``experiments.cli.job``). Bad input ends with one line
naming the key and what is allowed, exit code 2, and no summary.json; results
that cannot be written end with exit code 3. Every check raises an exception;
``main`` and ``run`` (each job's own entry point) turn it into the line and the code.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.errors import HydraException
from hydra.types import RunMode
from omegaconf import DictConfig
from omegaconf.errors import OmegaConfBaseException

from experiments.cli.composition import (
    check_composed,
    check_sweep_values,
    compose,
    compose_first,
    quote,
    resolve_folder,
)
from experiments.cli.job import run_job
from experiments.cli.launchers import check_launcher_installed, load_kernels_before_parallel_sweep
from experiments.records import folders
from livelihoods.draws import check_not_drawn
from livelihoods.errors import (
    ConfigurationError,
    LivelihoodsError,
    NotWritten,
    as_configuration_error,
    entry_point,
    report,
)
from livelihoods.overrides import (
    check_launcher_keys,
    check_options,
    check_policy_selection,
    check_search_path,
    parse,
)
from livelihoods.store import register_configs
from simulation.config import ConfigError
from simulation.memory import check_fits_in_memory

register_configs()


@hydra.main(version_base="1.3", config_path="../configs", config_name="config")
def run(cfg: DictConfig) -> dict | None:
    """One job: own its folder (for the job's duration), then ``run_job``."""
    hydra_cfg = HydraConfig.get()
    out_dir = Path(hydra_cfg.runtime.output_dir)
    key = f"job {hydra_cfg.job.num}" if hydra_cfg.mode == RunMode.MULTIRUN else "hydra.run.dir"
    try:
        claimed = folders.claim(out_dir, key)  # a single run's folder is already held by main
        try:
            return run_job(cfg, out_dir, key)
        finally:
            if claimed:
                folders.release(out_dir)
    except LivelihoodsError as error:  # the job's entry point: one line and its exit code (a sweep stops here)
        raise SystemExit(report(error)) from None


@entry_point
def main() -> int:
    """Check the command line, compose and check every job, claim the folder, then let Hydra run the jobs."""
    args = sys.argv[1:]
    line = parse(args)  # only the project's keys and a few Hydra keys; no code
    check_options(line)
    check_policy_selection(line)
    chosen = line.get("hydra/launcher")
    launcher = chosen.values[0] if chosen else "basic"
    check_launcher_installed(launcher)
    check_launcher_keys(line, launcher)
    check_search_path(line)  # the config files of hydra.searchpath folders: the project's keys only
    if line.info_only:  # --help, --cfg, --info: Hydra prints and runs nothing, but applies its logging settings
        check_composed(compose([o.first for o in line.overrides]), line)
        run()
        return 0
    cfg, run_cfg, settings = compose_first(line)
    check_composed(cfg, line)
    preset = line.get("experiment")
    if preset is not None and not line.multirun:  # one run would drop the preset's sweep without a word
        raise ConfigurationError(f"experiment: {preset.values[0]} is a study (a sweep of its levels and seeds); add -m "
                                 "to run it, or set the keys of one run instead")
    chosen_posterior = line.get("posterior")
    for name in chosen_posterior.values if chosen_posterior else [cfg.get("posterior")]:
        try:  # a key the posterior draws, set by hand, would be replaced by the draw without a word
            check_not_drawn(None if name in (None, "null") else name, [o.key for o in line.overrides])
        except ConfigError as exc:
            raise as_configuration_error(exc) from exc
    if line.multirun:
        check_sweep_values(line, cfg)
    else:
        try:
            check_fits_in_memory(run_cfg, run_cfg.engine)
        except ConfigError as exc:
            raise as_configuration_error(exc) from exc
    try:
        claimed = resolve_folder(line, cfg, run_cfg, settings.resume)
    except (HydraException, OmegaConfBaseException) as exc:  # e.g. hydra.run.dir=${oc.env:UNSET}
        raise as_configuration_error(exc) from exc
    if claimed is None:
        return 0
    key, folder = claimed
    record = folder / folders.MULTIRUN
    original = record.read_bytes() if line.multirun and record.exists() else None
    folder_keys = ("hydra.run.dir", "hydra.sweep.dir")
    sys.argv = [sys.argv[0], *line.flags, *(o.text for o in line.overrides if o.key not in folder_keys),
                f"{key}={quote(str(folder), key)}", f"hydra.output_subdir={folders.attempt_subdir()}"]
    load_kernels_before_parallel_sweep(line, launcher)
    os.environ["HYDRA_FULL_ERROR"] = "1"  # Hydra's own errors reach this function, not a multi-line report
    try:
        run()
    except (HydraException, OmegaConfBaseException) as exc:  # (Hydra's missing-config error is also an OSError)
        raise as_configuration_error(exc) from exc
    except (TimeoutError, multiprocessing.TimeoutError) as exc:  # a launcher's own time limit (joblib's timeout)
        limit = line.get("hydra.launcher.timeout")
        raise ConfigurationError(f"hydra.launcher.timeout: a job ran longer than "
                                 f"{limit.values[0] if limit else 'the launcher allows'} seconds and the sweep was "
                                 "stopped; the jobs that finished keep their summary.json: raise the limit (or leave "
                                 "it null) and run the same command with resume=true") from exc
    except OSError as exc:  # e.g. a full disk while Hydra writes a job's record
        raise NotWritten(f"{key}: could not write into {folder}: {exc.strerror or exc}; no summary.json was written")
    finally:
        if original is not None:  # a resumed sweep keeps the record of how it was started
            write_bytes_if_changed(record, original)
    return 0


def write_bytes_if_changed(path: Path, data: bytes) -> None:
    from experiments.records.files import atomic_write

    if not path.exists() or path.read_bytes() != data:
        atomic_write(path, lambda tmp: Path(tmp).write_bytes(data))


if __name__ == "__main__":
    sys.exit(main())
