"""Composing and checking every job of ``experiments.run`` before Hydra runs or writes anything.

The command line has been parsed and checked (``livelihoods.overrides``, which
also refuses anything of Hydra's in the config files of a search-path folder).
Here the first job's config is composed and validated; the composed Hydra
settings are checked again, as a second line (``check_composed``: Hydra's config
groups are the command line's or the project's choices, logging uses only
logging's own stream and log-file handlers, no callbacks, environment, unknown
plugins or commands, the output folders are the command line's or the project's
defaults, each job's folder inside its sweep's); every job of a sweep is
validated, and the run's or sweep's folder is claimed
(``experiments.records.folders``). Each problem is a ``ConfigurationError`` naming
the key and what is allowed (``livelihoods.errors``).
"""

from __future__ import annotations

import re
from pathlib import Path

from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf, open_dict

from experiments.records import folders
from livelihoods.compose import to_run_and_settings, to_run_config
from livelihoods.errors import ConfigurationError, LivelihoodsError, as_configuration_error, explain
from livelihoods.files import why
from livelihoods.overrides import (
    HYDRA_GROUPS,
    PROJECT_GROUPS,
    CommandLine,
    Override,
    check_files_read,
    check_no_duplicates,
    check_sweep_size,
    search_folders,
)
from livelihoods.paths import CONFIG_DIR
from livelihoods.settings import CommandSettings
from simulation.config import RunConfig
from simulation.memory import check_fits_in_memory

TABLE_GROUPS = ("scenario", "calibration", "policy")  # config groups a rows table may choose per row

KNOWN_TARGETS = {  # the only launchers and sweepers a run may instantiate
    "launcher": ("hydra._internal.core_plugins.basic_launcher.BasicLauncher",
                 "hydra_plugins.hydra_joblib_launcher.joblib_launcher.JoblibLauncher",
                 "hydra_plugins.livelihoods_sweepers.joblib_chunks.ChunkedJoblibLauncher",
                 "hydra_plugins.hydra_ray_launcher.ray_launcher.RayLauncher",
                 "hydra_plugins.hydra_submitit_launcher.submitit_launcher.LocalLauncher",
                 "hydra_plugins.hydra_submitit_launcher.submitit_launcher.SlurmLauncher"),
    "sweeper": ("hydra_plugins.livelihoods_sweepers.grid_sweeper.GridSweeper",
                "hydra._internal.core_plugins.basic_sweeper.BasicSweeper",
                "hydra_plugins.livelihoods_sweepers.rows_sweeper.RowsSweeper"),
}


def compose_first(line: CommandLine) -> tuple[DictConfig, RunConfig, CommandSettings]:
    """The composed config (with ``hydra``) of the first job, its validated run and the command line's settings."""
    cfg = compose([o.first for o in line.overrides])
    try:
        HydraConfig.instance().set_config(cfg)  # resolves ${hydra:...} in the folder names
        task = cfg.copy()
        with open_dict(task):
            del task["hydra"]
        return cfg, *to_run_and_settings(task)
    except ConfigurationError:
        raise
    except Exception as exc:  # noqa: BLE001 - every composition error becomes one line
        raise as_configuration_error(exc) from exc


# Hydra's config groups a run may use, and their options: the command line's (livelihoods.overrides.HYDRA_GROUPS)
# and Hydra's own defaults for the rest (hydra/callbacks: none)
HYDRA_CHOICES = {**HYDRA_GROUPS, "hydra/env": ("default",), "hydra/help": ("default",),
                 "hydra/hydra_help": ("default",), "hydra/output": ("default",), "hydra/callbacks": (None,)}
# logging settings a run may have (those of hydra/job_logging=default|disabled|none|stdout, the project's levels):
# logging's own stream and log-file handlers, to the console and the job's own log file
LOGGING_KEYS = {"": ("version", "formatters", "handlers", "root", "loggers", "disable_existing_loggers"),
                "formatters": ("format", "datefmt", "style"), "handlers": ("class", "formatter", "stream", "filename",
                                                                           "level"),
                "root": ("level", "handlers", "propagate"), "loggers": ("level", "handlers", "propagate")}
HANDLERS = {"logging.StreamHandler": "stream", "logging.FileHandler": "filename"}
STREAMS = ("ext://sys.stdout", "ext://sys.stderr")
JOB_LOG = "${hydra.runtime.output_dir}/${hydra.job.name}.log"
JOB_SUBDIR = "${hydra.job.num}"  # a job's folder: its number, inside the sweep's folder
DEFAULT_DIRS = {"run": re.compile(r"results/runs/\$\{now:[%A-Za-z_:-]+\}[A-Za-z0-9_-]*"),
                "sweep": re.compile(r"results/sweeps/\$\{now:[%A-Za-z_:-]+\}[A-Za-z0-9_-]*")}


def check_composed(cfg: DictConfig, line: CommandLine | None = None) -> None:
    """The composed Hydra settings, a second line behind ``livelihoods.overrides.check_search_path``: Hydra's groups
    are among the command line's choices, logging only writes to the console and the job's log file, no callbacks,
    no job environment, only known plugins, output folders from the command line or the project's defaults."""
    h = cfg.hydra
    for group, option in h.runtime.choices.items():
        if group.startswith("hydra/") and option not in HYDRA_CHOICES.get(group, ()):
            raise ConfigurationError(f"{group}: {option} is not one of the options a run may use: "
                                     f"{', '.join(map(str, HYDRA_CHOICES.get(group, ()))) or 'none'}")
    if h.callbacks:
        raise ConfigurationError(f"hydra.callbacks: {', '.join(h.callbacks)} set by a config file; callbacks run code "
                                 f"and are not accepted")
    if h.job.env_set:
        raise ConfigurationError(f"hydra.job.env_set: {', '.join(h.job.env_set)} set by a config file; a run's "
                                 f"environment is not changed by its config")
    for kind, allowed in KNOWN_TARGETS.items():
        target = h[kind].get("_target_")
        if target not in allowed:
            raise ConfigurationError(f"hydra/{kind}: {target} is not one of the project's {kind}s")
    for logging_key in ("job_logging", "hydra_logging"):
        check_logging(OmegaConf.to_container(h[logging_key] or {}, resolve=False), f"hydra.{logging_key}")
    check_output_locations(cfg, line)
    launcher = OmegaConf.to_container(h.launcher, resolve=False)
    for key in ("setup", "srun_args", "additional_parameters"):
        if launcher.get(key):
            raise ConfigurationError(f"hydra.launcher.{key}: set by a config file; commands run on a cluster node are "
                                     f"not accepted from config (load modules in the job's environment instead)")
    if (launcher.get("ray") or {}).get("init", {}).get("runtime_env"):
        raise ConfigurationError("hydra.launcher.ray.init.runtime_env: set by a config file; it installs software and runs setup "
                                 "hooks, which are not accepted from config")


def check_logging(settings: dict, where: str) -> None:
    """Logging settings: only logging's own stream handler (console) and file handler (the job's log file); no
    factory, filter or ``ext://`` name other than the console's (logging imports what such a name names)."""
    def refuse(key: str, value, allowed: str):
        raise ConfigurationError(f"{key}: {value!r} is not accepted; logging settings may only use logging's own "
                                 f"handlers to the console and the job's log file ({allowed})")

    for key, value in settings.items():
        if key not in LOGGING_KEYS[""]:
            refuse(f"{where}.{key}", value, f"keys {', '.join(LOGGING_KEYS[''])}")
    entries = [("root", "root", settings.get("root"))]
    for section in ("formatters", "handlers", "loggers"):
        entries += [(f"{section}.{name}", section, entry) for name, entry in (settings.get(section) or {}).items()]
    for name, section, entry in entries:
        if entry is None:
            continue
        if not isinstance(entry, dict):
            refuse(f"{where}.{name}", entry, "a mapping")
        for key, value in entry.items():
            if key not in LOGGING_KEYS[section]:
                refuse(f"{where}.{name}.{key}", value, f"keys {', '.join(LOGGING_KEYS[section])}")
        if section == "handlers":
            kind = entry.get("class")
            if kind not in HANDLERS or (set(HANDLERS.values()) - {HANDLERS[kind]}) & set(entry):
                refuse(f"{where}.{name}.class", kind, f"class {' or '.join(HANDLERS)}")
            if kind == "logging.FileHandler" and entry.get("filename") != JOB_LOG:
                refuse(f"{where}.{name}.filename", entry.get("filename"), f"filename {JOB_LOG}")
            if kind == "logging.StreamHandler" and entry.get("stream", STREAMS[1]) not in STREAMS:
                refuse(f"{where}.{name}.stream", entry.get("stream"), f"stream {' or '.join(STREAMS)}")
    for path, key, value in _walk(settings, where):  # logging converts every "scheme://" string it reads
        if isinstance(value, str) and re.match(r"[a-z]+://", value) and value not in STREAMS:
            refuse(f"{path}.{key}", value, f"stream {' or '.join(STREAMS)}")


def check_output_locations(cfg: DictConfig, line: CommandLine | None) -> None:
    """Output folders come only from the command line and the project's defaults, and each job's folder is inside
    its sweep's folder (``hydra.sweep.subdir`` is the job's number)."""
    h = OmegaConf.to_container(cfg.hydra, resolve=False)
    if h["job"].get("chdir"):
        raise ConfigurationError("hydra.job.chdir: set by a config file; a job runs in the folder it was started in "
                                 "and writes into its run folder")
    if h["sweep"].get("subdir") != JOB_SUBDIR:
        raise ConfigurationError(f"hydra.sweep.subdir: {h['sweep'].get('subdir')!r} set by a config file; each job's "
                                 f"folder is its number ({JOB_SUBDIR}) inside the sweep's folder")
    for kind, pattern in DEFAULT_DIRS.items():
        key = f"hydra.{kind}.dir"
        if (line is None or line.get(key) is None) and not pattern.fullmatch(str(h[kind].get("dir"))):
            raise ConfigurationError(f"{key}: {h[kind].get('dir')!r} set by a config file; a {kind}'s folder comes "
                                     f"from the command line ({key}=DIR) or the project's default (results/{kind}s/)")


def _walk(node, path: str):
    """(path, key, value) of every item of a nested dict/list."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield path, str(key), value
            yield from _walk(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, f"{path}[{i}]")


MAX_JOBS_CHECKED = 5000  # beyond this many jobs, each swept value is checked with the others at their first


def sweep_arms(line: CommandLine, cfg: DictConfig) -> list[Override]:
    """The sweep's overrides: the command line's and a preset's (unless the command line replaces them)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    params = cfg.hydra.sweeper.get("params") or {}
    given = {o.key for o in line.overrides}
    sweeps = line.sweeps()
    for key, value in params.items():
        (o,) = OverridesParser.create().parse_overrides([f"{key}={value}"])
        if key not in given and o.is_sweep_override():
            values = list(o.sweep_string_iterator())
            check_no_duplicates(key, values)
            sweeps.append(Override(f"{key}={value}", key, values, True))
    return sweeps


def rows_of_table(cfg: DictConfig) -> list[list[str]]:
    """The jobs of ``hydra/sweeper=rows``: each row's overrides, checked like the command line's."""
    from hydra_plugins.livelihoods_sweepers.rows_sweeper import read_rows
    from livelihoods.overrides import KEY_TEXT, parse_one

    table = cfg.hydra.sweeper.get("table")
    if not table:
        raise ConfigurationError("hydra.sweeper.table: must be set: the table (parquet or CSV) whose rows are the jobs")
    try:
        rows = read_rows(str(table))
    except LivelihoodsError as exc:
        if str(exc).startswith("hydra.sweeper.table"):
            raise
        raise ConfigurationError(f"hydra.sweeper.table: {exc}") from exc
    except Exception as exc:  # noqa: BLE001 - a missing or unreadable table
        raise ConfigurationError(f"hydra.sweeper.table: {table} cannot be read ({why(exc)})") from exc
    if not rows:
        raise ConfigurationError(f"hydra.sweeper.table: {table} has no rows; each row is a job")
    limit = cfg.get("max_jobs")
    if limit is not None and len(rows) > limit:  # counted before any row is checked (each takes milliseconds)
        raise ConfigurationError(f"max_jobs: this table has {len(rows):,} rows (jobs), more than the {limit:,} a sweep "
                                 f"may have unless asked for; give max_jobs={len(rows)} to run it")
    for row in rows:
        for text in row:
            column = text.partition("=")[0]
            if not KEY_TEXT.fullmatch(column):
                raise ConfigurationError(f"hydra.sweeper.table: column {column!r} is not a key (a dotted name of ASCII "
                                         "letters, digits and '_', no spaces; a CSV is separated by ',')")
            if column in ("resume", "max_jobs"):
                raise ConfigurationError(f"hydra.sweeper.table: column {column!r} is a setting of the whole sweep, not "
                                         f"of one job; give {column}=... on the command line")
            if column.startswith("hydra") or "/" in column or column == "experiment":
                raise ConfigurationError(f"hydra.sweeper.table: column {column!r} is not a model key; a table sets "
                                         f"the model's own keys and the groups {', '.join(TABLE_GROUPS)}")
            parse_one(text)  # no '+' or '~', no code
    # rows may repeat (a Morris design revisits grid points): the analysis needs a result per row
    return rows


def check_sweep_values(line: CommandLine, cfg: DictConfig) -> None:
    """Every job of the sweep validated before any runs.

    Each combination of swept config groups (scenario, calibration, policy ...) is
    composed; on each, every combination of the other swept keys is validated
    (each value with the others at their first when there are more than
    ``MAX_JOBS_CHECKED``), and so is every row of a rows-sweeper table.
    """
    import itertools

    from hydra_plugins.livelihoods_sweepers.compose_once import PLAIN, parse_one

    batch = cfg.hydra.sweeper.get("max_batch_size")
    if batch is not None and (isinstance(batch, bool) or not isinstance(batch, int) or batch < 1):
        raise ConfigurationError(f"hydra.sweeper.max_batch_size: must be a whole number of jobs >= 1 or null, got "
                                 f"{batch!r}")
    sweeps = sweep_arms(line, cfg)
    check_sweep_size(line, tuple(len(o.values) for o in sweeps if line.get(o.key) is None))  # a preset's sweeps too
    folders = search_folders(line)
    groups = [o for o in sweeps if "/" in o.key or o.key in PROJECT_GROUPS]
    plain = [o for o in sweeps if o not in groups]
    rows = rows_of_table(cfg) if "RowsSweeper" in str(cfg.hydra.sweeper.get("_target_")) else []

    def typed(key, text):
        return parse_one(f"{key}={text}").value()

    combos = list(itertools.product(*[o.values for o in plain]))
    if len(combos) > MAX_JOBS_CHECKED:
        combos = [tuple(o.values[0] for o in plain)]
        combos += [tuple(v if j == i else p.values[0] for j, p in enumerate(plain))
                   for i, o in enumerate(plain) for v in o.values[1:]]
    # the rows by the config groups they choose (a table's ``policy`` column): each set on its own composition
    row_sets: dict[tuple[tuple[str, str], ...], list] = {}
    for row in rows:
        pairs = [tuple(text.split("=", 1)) for text in row]
        chosen_by_row = tuple((k, v) for k, v in pairs if k in TABLE_GROUPS)
        row_sets.setdefault(chosen_by_row, []).append([(k, v) for k, v in pairs if k not in TABLE_GROUPS])
    for arm in itertools.product(*[o.values for o in groups]):
        # the combinations all set the same keys, and so do the rows: one copy of the arm's config serves each set
        sets = [({}, [list(zip((o.key for o in plain), combo)) for combo in combos])]
        sets += [(dict(by_row), jobs) for by_row, jobs in row_sets.items()]
        for by_row, jobs in sets:
            chosen = dict(zip((o.key for o in groups), arm)) | by_row
            overrides = [f"{o.key}={chosen[o.key]}" if o.key in chosen else o.first for o in line.overrides]
            overrides += [f"{key}={value}" for key, value in chosen.items() if line.get(key) is None]  # a preset's
            if chosen:  # a row's or an arm's own config files are checked as the first job's were
                check_files_read(overrides, folders)
                composed = compose(overrides)
                check_composed(composed, line)
            task = (composed if chosen else cfg).copy()
            with open_dict(task):
                del task["hydra"]
            variant, last_keys = task.copy(), None
            for job in jobs:
                where = " ".join(f"{k}={v}" for k, v in [*chosen.items(), *job])
                try:
                    keys = [key for key, _ in job]
                    if keys != last_keys or not all(isinstance(typed(key, text), PLAIN) for key, text in job):
                        # a job that sets other keys (a row with an empty cell) must not keep the last one's values;
                        # a list or dict value is merged into what the previous job set
                        variant = task.copy()
                    last_keys = keys
                    for key, text in job:
                        if key.startswith("policy.") and OmegaConf.select(variant, ".".join(key.split(".")[:2])) is None:
                            raise ConfigurationError(f"{key}: policy {key.split('.')[1]!r} is not switched on; select "
                                                     "it (policy=[...], or a table's policy column) or leave "
                                                     f"{key} out")
                        OmegaConf.update(variant, key, typed(key, text), merge=True)
                    run_cfg = to_run_config(variant)
                    check_fits_in_memory(run_cfg, run_cfg.engine)
                except Exception as exc:  # noqa: BLE001 - the job's first bad value, in one line
                    raise ConfigurationError(f"{explain(exc)} (in the job {where})" if where else explain(exc))


def compose(overrides: list[str]) -> DictConfig:
    """The composed config (with ``hydra``) of ``overrides``; one line on any error."""
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir

    try:
        with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
            return hydra_compose(config_name="config", overrides=overrides, return_hydra_config=True)
    except Exception as exc:  # noqa: BLE001 - every composition error becomes one line
        raise ConfigurationError(explain(exc))


def resolve_folder(line: CommandLine, cfg: DictConfig, run_cfg: RunConfig, resume: bool) -> tuple[str, Path] | None:
    """Claim the run's or sweep's folder; (override key, folder), or None if a finished run is resumed."""
    if line.multirun:
        given = line.get("hydra.sweep.dir")
        if given is not None and not given.values[0].strip("'\" "):
            raise ConfigurationError("hydra.sweep.dir: must be a folder, got an empty value")
        if given is None and resume:
            raise ConfigurationError("resume: give the sweep's folder to complete, hydra.sweep.dir=<folder>")
        folder = Path(str(cfg.hydra.sweep.dir))
        if given is None:
            if cfg.hydra.runtime.choices.get("experiment") is None:
                swept = [o.key.rpartition(".")[2] for o in line.sweeps()]
                folder = folder.with_name(f"{folder.name}_{folders.safe_name('-'.join(swept) or 'sweep')}")
            folder = folders.claim_new(folder, "hydra.sweep.dir")
        else:
            folders.refuse_foreign_sweep_files(folder)  # before anything is written into it
            folders.claim(folder, "hydra.sweep.dir")
        params = cfg.hydra.sweeper.get("params")
        params = OmegaConf.to_container(params) if params else {}
        study = folders.study_definition(params, [o.text for o in line.overrides])
        folders.check_sweep_folder(folder, resume, study)
        return "hydra.sweep.dir", folder
    given = line.get("hydra.run.dir")
    if given is not None and not given.values[0].strip("'\" "):
        raise ConfigurationError("hydra.run.dir: must be a folder, got an empty value (results would go into the current folder)")
    folder = Path(str(cfg.hydra.run.dir))
    if given is None:
        policies = list(run_cfg.policy.selected())
        name = folders.run_folder_name(cfg.hydra.runtime.choices.scenario, policies, run_cfg.seed)
        folder = folders.claim_new(folder.with_name(f"{folder.name}_{name}"), "hydra.run.dir")
    else:
        folders.refuse_sweep_job_folder(folder)
        if not (folder / folders.SUMMARY).exists():
            folders.refuse_foreign_files(folder, "hydra.run.dir")  # before anything is written into it
        folders.claim(folder, "hydra.run.dir")
    if folders.check_run_folder(folder, resume):
        print(f"resume: {folder} is complete, skipped")
        return None
    return "hydra.run.dir", folder


def quote(text: str, key: str) -> str:
    """A folder for Hydra's override grammar: as it is if plainly a path, else as ``literal`` writes text."""
    import re

    from livelihoods.overrides import literal

    return text if re.fullmatch(r"[A-Za-z0-9_./+-]+", text) else literal(text, key)
