"""Replay a finished run and confirm it gives the same numbers: ``python -m experiments.replay RUN_DIR``.

A run folder records everything needed: the resolved config (``.hydra/config.yaml``,
written by Hydra before the run), and in ``summary.json`` the seed, engine,
package versions and git commit. The replay rebuilds the typed config from the
recorded file (not from today's ``configs/``, which may have changed), runs it in
this process and compares the end-of-run summary and the monthly time series with
the recorded ones, value for value. It writes nothing into RUN_DIR.

Exit 0: identical. Exit 1: numbers differ (each difference is listed). Exit 2: RUN_DIR
is not a complete run, one of its records cannot be read, or its config no longer fits the
schema. Runs record their config resolved (``${oc.env:...}``, ``${now:...}`` as the run saw
them), so a replay never depends on today's environment. Differing package
versions or git commit are reported, since they are the usual reason for a difference.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from experiments.records.files import _jsonable
from experiments.records.runs import SUMMARY
from livelihoods.errors import CommandParser, ConfigurationError, DamagedRecord, LivelihoodsError, entry_point, explain
from livelihoods.files import load_json, load_omegaconf, read_table, why
from livelihoods.store import register_configs
from simulation.config import ENGINES, ConfigError

RECORDED_CONFIG = Path(".hydra") / "config.yaml"


def recorded_config(run_dir: Path):
    """The typed, validated RunConfig of the recorded ``.hydra/config.yaml`` (read by ``livelihoods.files``: a
    regular file inside RUN_DIR, its aliases bounded)."""
    from omegaconf import DictConfig, OmegaConf

    from livelihoods.compose import to_run_config

    register_configs()
    from hydra.core.config_store import ConfigStore

    schema = ConfigStore.instance().load("base_config.yaml").node
    recorded = load_omegaconf(run_dir / RECORDED_CONFIG, record=True, within=run_dir)
    if not isinstance(recorded, DictConfig):
        raise TypeError("not a config (a mapping of keys)")
    recorded.pop("hydra", None)
    held = [key for key, value in _leaves(OmegaConf.to_container(recorded, resolve=False))
            if isinstance(value, str) and "${" in value]
    if held:  # experiments.run records values resolved: an interpolation would read the replaying machine's
        raise TypeError(f"{held[0]} holds an interpolation; a run record holds the values the run used")
    merged = OmegaConf.merge(schema, recorded)
    return to_run_config(merged)


def _leaves(node, path: str = ""):
    """(dotted key, value) of every value of a nested mapping or list."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _leaves(value, f"{path}[{i}]")
    else:
        yield path, node


def differences(expected, actual, path: str = "") -> list[str]:
    """Every value of ``actual`` that is not exactly the recorded one (JSON-normalised: NaN recorded as null)."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        out = [f"{path}.{k}: missing in the replay" for k in expected.keys() - actual.keys()]
        out += [f"{path}.{k}: not in the recorded run" for k in actual.keys() - expected.keys()]
        for k in sorted(expected.keys() & actual.keys()):
            out += differences(expected[k], actual[k], f"{path}.{k}")
        return out
    if isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        return [d for i, (e, a) in enumerate(zip(expected, actual)) for d in differences(e, a, f"{path}[{i}]")]
    return [] if expected == actual else [f"{path}: replay {actual!r}, recorded {expected!r}"]


def read_recorded(run_dir: Path) -> tuple[dict, pd.DataFrame]:
    """The recorded summary and monthly series; one line (exit 2) if either cannot be read.

    Both are read by ``livelihoods.files``: regular files inside RUN_DIR (a FIFO or a link out is refused without
    blocking), the summary's numbers finite, the series parsed from the bytes read."""
    try:
        recorded = load_json(run_dir / SUMMARY, record=True, within=run_dir)
        if not isinstance(recorded, dict) or not isinstance(recorded.get("meta"), dict):
            raise TypeError("not a run summary")
    except (LivelihoodsError, TypeError) as exc:
        raise DamagedRecord(f"run_dir: {run_dir / SUMMARY} cannot be read ({why(exc)}); it is "
                            f"not a complete run") from exc
    try:
        series = read_table(run_dir / "timeseries.parquet", record=True, within=run_dir)
    except LivelihoodsError as exc:
        raise DamagedRecord(f"run_dir: {run_dir / 'timeseries.parquet'} cannot be read ({why(exc)})") from exc
    return recorded, series


def replay(run_dir: Path) -> tuple[list[str], list[str]]:
    """(differences of numbers, differences of environment) between RUN_DIR and its replay."""
    from simulation.runner import git_commit, package_versions, simulate

    recorded, series = read_recorded(run_dir)
    meta = recorded.pop("meta")
    try:
        cfg = recorded_config(run_dir)
    except LivelihoodsError as exc:  # refused by the safe reader: a FIFO, a link out, an alias bomb, bad YAML
        raise DamagedRecord(f"{run_dir / RECORDED_CONFIG}: cannot be replayed: {why(exc)}") from exc
    except Exception as exc:  # a damaged or foreign record is one line, not a traceback
        raise DamagedRecord(f"{run_dir / RECORDED_CONFIG}: cannot be replayed: {explain(exc)}") from exc
    engine = meta.get("engine")
    if engine not in ENGINES:
        raise DamagedRecord(f"run_dir: {run_dir / SUMMARY} records engine {engine!r}, not one of "
                            f"{', '.join(ENGINES)}")
    try:
        result = simulate(cfg, engine=engine)
    except ConfigError as exc:  # e.g. a population too large for this machine's memory
        raise ConfigurationError(f"{run_dir / RECORDED_CONFIG}: cannot be replayed here: {explain(exc)}")
    replayed = _jsonable({k: v for k, v in result.summary.items() if k != "meta"})
    diffs = differences(recorded, replayed)
    if not series.equals(result.timeseries):
        diffs.append("timeseries.parquet: the monthly series differs")
    versions = meta.get("versions") if isinstance(meta.get("versions"), dict) else {}
    environment = [f"{name}: recorded {versions.get(name)}, now {version}"
                   for name, version in package_versions().items() if versions.get(name) != version]
    if meta.get("git_commit") != (now := git_commit()):
        environment.append(f"git commit: recorded {meta.get('git_commit')}, now {now}")
    return diffs, environment


@entry_point
def main(argv: list[str] | None = None) -> int:
    ap = CommandParser(description=__doc__.splitlines()[0])
    ap.add_argument("run_dir", type=Path, help="a run folder (or one job folder of a sweep)")
    args = ap.parse_args(argv)
    run_dir = args.run_dir
    if (run_dir / "multirun.yaml").exists() and not (run_dir / SUMMARY).exists():
        raise ConfigurationError(f"run_dir: {run_dir} is a sweep's folder; replay one of its jobs ({run_dir}/0, "
                                 f"{run_dir}/1, ...)")
    for needed in (SUMMARY, RECORDED_CONFIG, Path("timeseries.parquet")):
        if not (run_dir / needed).is_symlink() and not (run_dir / needed).exists():
            raise ConfigurationError(f"run_dir: {run_dir} is not a complete run (no {needed}); give a folder written "
                                     f"by experiments.run")
    diffs, environment = replay(run_dir)
    for line in environment:
        print(f"note: {line}")
    if diffs:
        for line in diffs[:50]:
            print(f"differs: {line}")
        print(f"replay of {run_dir}: {len(diffs)} values differ")
        return 1
    print(f"replay of {run_dir}: identical (every indicator, group, cost and monthly value)")
    return 0

