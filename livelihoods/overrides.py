"""What the command line may set, checked before Hydra runs anything.

Only the project's own keys (the ``RunConfig`` schema and its config groups) and
a short list of Hydra's run, sweep and launcher keys can be set from the command
line — or from an override file a colleague exported from the dashboard, which
is the same thing. Refused, each with one line:

- Hydra keys outside that list: ``hydra.callbacks``, any ``_target_``,
  ``hydra.job.env_set`` and launcher settings that run shell commands or install
  software (``setup``, ``srun_args``, ``runtime_env``) would let an override file
  run code;
- keys added with ``+``/``++`` (they would bypass the schema) and deletions with ``~``;
- Hydra's flags that load other config folders or a pickled config
  (``--config-dir``, ``--config-path``, ``--config-name``, ``--experimental-rerun``);
- a list of values without ``-m``, a sweep that lists a value twice (a zero-width
  interval and a cross-joined paired table), and sweeping ``resume``;
- a config group's option that is not a plain name (``scenario=../../elsewhere/x`` would load any file).

The config files of a ``hydra.searchpath`` folder are the user's too, and are
checked here before Hydra reads any of them (``check_search_path``): each YAML
file is read with the safe reader (``livelihoods.files.load_yaml``: regular files
inside the folder, a size limit, no alias bombs), and may set only the project's
own groups and keys. Anything of Hydra's — a ``hydra:`` key at any depth, a
``# @package hydra...`` header, a ``defaults`` entry naming a Hydra group or
package (``override /hydra/job_logging: ...``, ``x@_global_.hydra``), a file under
the folder's ``hydra/`` — is refused in one line naming the key and the file:
Hydra's settings (logging, callbacks, output folders) come only from the command
line and the project's own configs.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from livelihoods.errors import ConfigurationError
from livelihoods.paths import group_options
from livelihoods.schema import schema_keys

PROJECT_GROUPS = ("scenario", "calibration", "policy", "experiment")
# the package each group's files fill (a calibration fills behaviour); a study preset (experiment) is global
GROUP_PACKAGES = {"scenario": "scenario", "calibration": "behaviour", "policy": "policy"}
HYDRA_GROUPS = {  # group -> allowed options (None: whatever Hydra finds; it names the options itself)
    "hydra/launcher": ("basic", "joblib", "ray", "submitit_local", "submitit_slurm"),
    "hydra/sweeper": ("grid", "basic", "rows"),
    "hydra/job_logging": ("default", "disabled", "none", "stdout"),
    "hydra/hydra_logging": ("default", "disabled", "none"),
}
HYDRA_KEYS = ("hydra.run.dir", "hydra.sweep.dir", "hydra.searchpath", "hydra.verbose", "hydra.sweeper.table",
              "hydra.sweeper.max_batch_size")
_SUBMITIT = ("timeout_min", "cpus_per_task", "gpus_per_node", "tasks_per_node", "mem_gb", "nodes", "name",
             "stderr_to_stdout", "max_num_timeout", "array_parallelism", "signal_delay_s")
# (not submitit_folder: submitit writes its pickles there and unpickles results from it; the project's launcher
# configs put it inside the sweep's folder)
LAUNCHER_KEYS = {  # hydra.launcher.<key> per launcher: resources and addresses, nothing that runs commands
    "basic": (),
    "joblib": ("n_jobs", "backend", "prefer", "require", "verbose", "timeout", "pre_dispatch", "batch_size",
               "temp_folder", "max_nbytes", "mmap_mode"),
    "ray": ("ray.init.address", "ray.init.num_cpus", "ray.init.num_gpus", "ray.init.include_dashboard",
            "ray.init.log_to_driver", "ray.init.object_store_memory", "ray.init.namespace", "ray.remote.num_cpus",
            "ray.remote.num_gpus", "ray.remote.memory", "ray.remote.max_calls", "ray.remote.max_retries"),
    "submitit_local": _SUBMITIT,
    "submitit_slurm": (*_SUBMITIT, "partition", "qos", "comment", "constraint", "exclude", "gres", "cpus_per_gpu",
                       "gpus_per_task", "mem_per_gpu", "mem_per_cpu", "account"),
}
CODE_KEYS = ("_target_", "_args_", "_partial_", "_recursive_", "_convert_")
REFUSED_FLAGS = {
    **dict.fromkeys(("--config-dir", "-cd", "--config-path", "-cp", "--config-name", "-cn"),
                    "loads another config folder; add your own config files with hydra.searchpath=[file://DIR]"),
    "--experimental-rerun": "loads a pickled config, which can run code; replay a run with python -m experiments.replay",
}
# Hydra's flags a run may use, exactly as written (argparse would also take any abbreviation, e.g. --exp for
# --experimental-rerun): flag -> allowed values (None: takes no value, (): any value)
FLAGS = {"-m": None, "--multirun": None, "-h": None, "--help": None, "--hydra-help": None, "--version": None,
         "--resolve": None, "-c": ("job", "hydra", "all"), "--cfg": ("job", "hydra", "all"), "-p": (), "--package": (),
         "-i": ("all", "config", "defaults", "defaults-tree", "plugins", "searchpath"),
         "--info": ("all", "config", "defaults", "defaults-tree", "plugins", "searchpath")}
OPTIONAL_VALUE = ("-i", "--info")
MULTIRUN_FLAGS = ("-m", "--multirun")
INFO_FLAGS = ("-h", "--help", "--hydra-help", "-c", "--cfg", "-i", "--info", "--version")
MODES = (("-m", "--multirun"), ("-c", "--cfg"), ("-i", "--info"))  # Hydra takes one of these at a time


@dataclass
class Override:
    text: str  # as typed
    key: str  # dotted key, or group (``hydra/launcher``)
    values: list[str]  # one value, or the sweep's values in order
    sweep: bool

    @property
    def first(self) -> str:
        """The override with its first value (a sweep's first job)."""
        return f"{self.key}={self.values[0]}" if self.sweep else self.text


@dataclass
class CommandLine:
    flags: list[str]
    overrides: list[Override]

    @property
    def multirun(self) -> bool:
        return bool(set(self.flags) & set(MULTIRUN_FLAGS))

    @property
    def info_only(self) -> bool:
        """--help, --cfg, --info ...: Hydra prints and runs nothing."""
        return bool(set(self.flags) & set(INFO_FLAGS))

    def get(self, key: str) -> Override | None:
        return next((o for o in reversed(self.overrides) if o.key == key), None)

    def sweeps(self) -> list[Override]:
        return [o for o in self.overrides if o.sweep]


def literal(value, key: str) -> str:
    """``value`` written in Hydra's override grammar so that Hydra reads back exactly ``value``.

    true/false, null, integers, floats by ``repr`` (which round-trips every float; 'nan' and 'inf' stay floats
    and the range check refuses them), ``[a,b]`` lists, and text as it is if it is a plain name, else quoted:
    ``'...'`` with each quote as ``\\'`` and each run of backslashes before a quote or the end doubled (Hydra
    reads other backslashes as they are). Text holding ``${`` is refused: a value is set, never an
    interpolation (``${oc.env:HOME}`` from a table or a program would copy the environment into the results).
    """
    import numbers

    import numpy as np

    if value is None:
        return "null"
    if isinstance(value, (bool, np.bool_)):  # (numpy's bool is not a bool)
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return repr(float(value))
    if isinstance(value, str):
        if "${" in value:
            raise ConfigurationError(f"{key}: {value!r} holds '${{': a value here is taken as it is, not as an "
                                     "interpolation; give the value itself")
        if re.fullmatch(r"[A-Za-z_][\w.:/-]*", value) and value.lower() not in ("true", "false", "null", "nan", "inf"):
            return value
        text = re.sub(r"(\\+)(?='|$)", lambda m: m.group(1) * 2, value)
        return "'" + text.replace("'", "\\'") + "'"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(literal(v, key) for v in value) + "]"
    raise ConfigurationError(f"{key}: cannot set a value of type {type(value).__name__} ({value!r}); "
                             "give a number, text, true/false, None or a list of names")


def split_args(args: list[str]) -> tuple[list[str], list[str]]:
    """(flags with their values, overrides) of a command line; flags are checked against ``FLAGS`` exactly."""
    flags, overrides, i = [], [], 0
    while i < len(args):
        arg = args[i]
        if not arg.startswith("-"):
            overrides.append(arg)
            i += 1
            continue
        name, eq, value = arg.partition("=")
        if name in REFUSED_FLAGS:
            raise ConfigurationError(f"{name}: not accepted here: it {REFUSED_FLAGS[name]}")
        if name not in FLAGS:
            raise ConfigurationError(f"{name}: unknown flag (flags are not abbreviated); allowed: {', '.join(FLAGS)}")
        allowed = FLAGS[name]
        if allowed is not None and not eq:
            nxt = args[i + 1] if i + 1 < len(args) else None
            if nxt is not None and not nxt.startswith("-") and "=" not in nxt:
                value, eq = nxt, "="
                i += 1
            elif name not in OPTIONAL_VALUE:
                raise ConfigurationError(f"{name}: needs a "
                                         f"value" + (f", one of {', '.join(allowed)}" if allowed else ""))
        if eq and allowed is None:
            raise ConfigurationError(f"{name}: takes no value, got {value!r}")
        if eq and allowed and value not in allowed:
            raise ConfigurationError(f"{name}: must be one of {', '.join(allowed)}, got {value!r}")
        flags += [name, value] if eq else [name]
        i += 1
    modes = [group[0] for group in MODES if set(group) & set(flags)]
    if len(modes) > 1:
        raise ConfigurationError(f"{modes[1]}: cannot be combined with {modes[0]}; give one of -m, --cfg, --info")
    return flags, overrides


MAX_SWEEP_VALUES = 10_000_000  # values one swept key may list at all (range(0, 50000000) took 3 GB to list)


def sweep_size(o) -> int:
    """How many values a sweep override lists, counted without listing them (a range's length from its ends)."""
    import math

    from hydra.core.override_parser.types import RangeSweep

    value = o.value()
    if isinstance(value, RangeSweep):
        start, stop, step = value.start, value.stop, value.step
        if not step or (stop - start) / step <= 0:
            return 0
        return int(math.ceil((stop - start) / step))
    return len(getattr(value, "list", None) or []) or 1


def parse(args: list[str]) -> CommandLine:
    """Parse the command line with Hydra's own override grammar and check every key against what may be set."""
    flags, texts = split_args(args)
    line = CommandLine(flags, [parse_one(text) for text in texts])
    check_sweeps(line)
    check_output_folder(line)
    check_sweep_size(line)
    return line


def default_max_jobs() -> int:
    """``max_jobs`` of configs/config.yaml: the largest sweep started without being asked for."""
    from livelihoods.files import load_yaml
    from livelihoods.paths import CONFIG_DIR

    return int((load_yaml(CONFIG_DIR / "config.yaml") or {}).get("max_jobs", 0))


def check_sweep_size(line: CommandLine, preset_sizes: tuple[int, ...] = ()) -> None:
    """A sweep of more than ``max_jobs`` jobs (the product of its swept keys' values, a preset's included) is
    refused, with its size, unless the command line asks for it with ``max_jobs=N``."""
    if not line.multirun:
        return
    jobs = 1
    for size in [len(o.values) for o in line.sweeps()] + list(preset_sizes):
        jobs *= max(size, 1)
    asked = line.get("max_jobs")
    limit = default_max_jobs()
    if asked is not None:
        try:
            limit = int(asked.values[0])
        except ValueError:
            raise ConfigurationError(f"max_jobs: must be a whole number of jobs, got {asked.values[0]!r}") from None
    if jobs > limit:
        raise ConfigurationError(f"max_jobs: this sweep has {jobs:,} jobs, more than the {limit:,} a sweep may have "
                                 f"unless asked for; give max_jobs={jobs} to run it (each job is listed and "
                                 "checked before the first runs)")


def parse_one(text: str) -> Override:
    """One override, parsed and its key checked (one line and exit 2 if it may not be set)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException

    try:
        (o,) = OverridesParser.create().parse_overrides([text])
    except HydraException:
        key = text.split("=", 1)[0].strip() if "=" in text else ""
        named = key if KEY_TEXT.fullmatch(key) else f"override {text!r}"
        raise ConfigurationError(f"{named}: cannot read {text!r}: write key=value, the key a dotted name of ASCII "
                                 "letters, digits and '_' with no spaces around it, the value a number (ASCII digits), "
                                 "a word, a quoted text or a [list]") from None
    key = o.key_or_group
    if o.package is not None:
        raise ConfigurationError(f"{text}: package overrides ('@') are not supported; set {key.split('@')[0]} as usual")
    check_key(o, key, text)
    if not o.is_sweep_override():
        override = Override(text, key, [text.split("=", 1)[1] if "=" in text else ""], False)
    else:
        size = sweep_size(o)
        if size == 0:
            raise ConfigurationError(f"{key}: the sweep {text.split('=', 1)[1]!r} lists no value; give at least one "
                                     "(range(a,b) counts up from a to below b)")
        if size > MAX_SWEEP_VALUES:  # counted before a value is made: range(0, 50000000) took 3 GB to list
            raise ConfigurationError(f"{key}: the sweep lists {size:,} values; a sweep of one key may list at most "
                                     f"{MAX_SWEEP_VALUES:,} (split the study into sweeps of its own folder each)")
        try:
            override = Override(text, key, list(o.sweep_string_iterator()), True)
        except Exception:  # noqa: BLE001 - interval() and other non-discrete sweeps
            raise ConfigurationError(f"{key}: only lists (a,b,c), range(...) and choice(...) can be swept, got "
                                     f"{text!r}")
    check_option_names(override)
    for value in override.values:
        if HUGE_NUMBER.fullmatch(value.strip()):
            raise ConfigurationError(f"{key}: {value[:20]}... ({len(value.strip())} digits) is beyond the allowed "
                                     "range of every key")
    return override


KEY_TEXT = re.compile(r"[A-Za-z_][\w.]*(/[\w.]+)*")  # a key or group as typed: scenario.n_youth, hydra/launcher
HUGE_NUMBER = re.compile(r"[+-]?\d[\d_]{19,}")  # 20 digits and more: beyond int64, and beyond every key's range
NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*")  # a config file's name: no folder, no '..'
FILE_GROUPS = ("scenario", "calibration", "policy")  # groups whose options name a file (experiment: a listed one)


def check_option_names(o: Override) -> None:
    """A project group's options are config files' names: a path (``scenario=../../elsewhere/x``) would make Hydra
    load any file on the machine, past every check of the search-path folders."""
    if o.key not in FILE_GROUPS:
        return
    for value in o.values:
        for name in value.strip().strip("[]").split(","):
            name = name.strip().strip("'\"")
            if name not in ("", "null") and not NAME.fullmatch(name):
                raise ConfigurationError(f"{o.key}: {name!r} is not the name of a config file (no folders, '..' or "
                                         f"interpolations); give one of {', '.join(group_options(o.key))} or the "
                                         f"name of a file in a hydra.searchpath folder's {o.key}/")


def check_config_overrides(texts: list[str]) -> None:
    """The overrides a study or a script passes to ``load_config``: the same keys as the command line, no sweeps."""
    line = CommandLine([], [parse_one(text) for text in texts])
    for o in line.sweeps():
        raise ConfigurationError(f"{o.key}: one value is needed here, got {','.join(o.values)}")
    for o in line.overrides:
        if o.key.startswith(("hydra.", "hydra/")) and o.key != "hydra.searchpath":
            raise ConfigurationError(f"{o.key}: this composes a config without a Hydra job (no run folder, no "
                                     "launcher), so Hydra's settings would be ignored; only the model's keys and "
                                     "hydra.searchpath may be set here")
    check_policy_selection(line)
    check_search_path(line)


def _allowed_hydra() -> str:
    return ", ".join([*HYDRA_KEYS, *HYDRA_GROUPS, "hydra.launcher.<setting>"])


def check_key(o, key: str, text: str) -> None:
    """One override's key: a project key set without '+'/'~', or one of the Hydra keys a run may set."""
    parts = key.replace("/", ".").split(".")
    if any(part in CODE_KEYS for part in parts):
        raise ConfigurationError(f"{key}: cannot be set from the command line: '{parts[-1]}' makes Hydra run code; "
                                 f"allowed Hydra keys: {_allowed_hydra()}")
    if parts[0] == "hydra":
        check_hydra_key(o, key)
        return
    if parts[0] == "policy" and len(parts) == 2:
        raise ConfigurationError(f"{key}: policies are switched on and off with policy=[...] (e.g. "
                                 f"policy=[{parts[1]}]), and set with their own keys, e.g. {key}.budget=...")
    if o.is_delete():
        raise ConfigurationError(f"{text}: keys cannot be deleted ('~'): every key of the schema is needed; set a "
                                 f"value instead")
    if o.is_add() or o.is_force_add():
        plain = text.lstrip("+")
        parent = key.rpartition(".")[0]
        allowed = schema_keys(parent) if "." in key else None
        if key in PROJECT_GROUPS or _in_schema(key):
            raise ConfigurationError(f"{text}: keys are not added with '+' (the schema holds every key); write {plain}")
        hint = f", allowed keys: {', '.join(allowed)}" if allowed else ""
        raise ConfigurationError(f"{key}: unknown key{hint} (keys cannot be added with '+')")


def _in_schema(key: str) -> bool:
    parent, _, leaf = key.rpartition(".")
    allowed = schema_keys(parent)
    return allowed is not None and leaf in allowed


def check_hydra_key(o, key: str) -> None:
    if not (key in HYDRA_GROUPS or key in HYDRA_KEYS or key.startswith("hydra.launcher.")):
        raise ConfigurationError(f"{key}: cannot be set from the command line; allowed Hydra keys: {_allowed_hydra()}")
    if key == "hydra.searchpath":
        paths = o.value() if isinstance(o.value(), list) else [o.value()]
        for path in paths:
            if not str(path).startswith("file://"):
                raise ConfigurationError(f"hydra.searchpath: only folders (file://DIR) may be searched for config "
                                         f"files, got {path!r} (pkg:// imports a Python module)")
    if o.is_delete() or o.is_add() or o.is_force_add():
        raise ConfigurationError(f"{key}: Hydra keys cannot be added or deleted from the command line; set it without "
                                 f"'+' or '~'")
    # group options are checked in check_options, launcher settings in check_launcher_keys


def _whole(low: int, *, not_zero: bool = False, also: tuple = (), high: int | None = None):
    """A rule for a launcher setting: a whole number in [``low``, ``high``] (and not 0), or one of ``also``."""
    def ok(value) -> bool:
        if value in also:
            return True
        return (isinstance(value, int) and not isinstance(value, bool) and value >= low
                and (high is None or value <= high) and not (not_zero and value == 0))
    words = (f"a whole number >= {low}" if high is None else f"a whole number in [{low}, {high}]") + (
        " other than 0" if not_zero else "")
    return ok, words + (f" or {' or '.join(map(str, also))}" if also else "")


def _positive():
    return (lambda v: v is None or (isinstance(v, (int, float)) and not isinstance(v, bool) and 0 < v < 1e9),
            "a number of seconds above 0, or null")


def _one_of(*options):
    return (lambda v: v in options), "one of " + ", ".join("null" if o is None else str(o) for o in options)


# what each launcher setting may hold: values the launcher would refuse with a traceback once the sweep has
# started (joblib's n_jobs=0, batch_size=-1) are refused before anything runs
LAUNCHER_VALUES = {
    # local worker processes: more than the cores only slow a CPU-bound sweep down (1000 on 2 cores hung loky)
    "n_jobs": _whole(-(os.cpu_count() or 1), not_zero=True, high=os.cpu_count() or 1),
    "batch_size": _whole(1, also=("auto",)),
    "timeout": _positive(), "verbose": _whole(0), "pre_dispatch": _whole(1, also=("all", "n_jobs", "2*n_jobs",
                                                                                     "3*n_jobs")),
    "backend": _one_of("loky", "multiprocessing", "threading", None), "prefer": _one_of("processes", "threads", None),
    "require": _one_of("sharedmem", None), "mmap_mode": _one_of("r+", "r", "w+", "c", None),
    "timeout_min": _whole(1), "cpus_per_task": _whole(1), "gpus_per_node": _whole(0), "tasks_per_node": _whole(1),
    "nodes": _whole(1), "mem_gb": _whole(1), "max_num_timeout": _whole(0), "array_parallelism": _whole(1),
    "signal_delay_s": _whole(0), "ray.init.num_cpus": _whole(1, also=(None,)),
    "ray.init.num_gpus": _whole(0, also=(None,)), "ray.remote.num_cpus": _whole(1), "ray.remote.num_gpus": _whole(0),
    "ray.remote.max_calls": _whole(0), "ray.remote.max_retries": _whole(0),
}


def check_launcher_keys(line: CommandLine, launcher: str) -> str:
    """Settings of the chosen launcher must be among its resource and address settings, with values the launcher
    can use (``LAUNCHER_VALUES``); returns the launcher."""
    allowed = LAUNCHER_KEYS.get(launcher)
    for o in line.overrides:
        if not o.key.startswith("hydra.launcher."):
            continue
        setting = o.key[len("hydra.launcher."):]
        if allowed is None or setting not in allowed:
            what = ", ".join(allowed) if allowed else f"none (choose hydra/launcher={'|'.join(LAUNCHER_KEYS)} first)"
            raise ConfigurationError(f"{o.key}: not a setting of hydra/launcher={launcher} that may be set from the "
                                     f"command line (resources and addresses only: commands, environments and "
                                     f"output folders come from the project's launcher configs); allowed: {what}")
        rule = LAUNCHER_VALUES.get(setting)
        if rule is not None:
            ok, words = rule
            for text in o.values:
                value = _typed(setting, text)
                if not ok(value):
                    raise ConfigurationError(f"{o.key}: must be {words}, got {text!r}")
    return launcher


def split_launcher(overrides: list[str]) -> tuple[str | None, list[str], list[str]]:
    """A study's overrides as (launcher, its settings, the model's overrides): a study composes the model's config
    from the last and hands the first two to the sweeps it runs (``experiments.run -m``), checked here first."""
    launcher = next((o.partition("=")[2] for o in reversed(overrides) if o.startswith("hydra/launcher=")), None)
    settings = [o for o in overrides if o.startswith("hydra.launcher.")]
    model = [o for o in overrides if not o.startswith(("hydra/launcher=", "hydra.launcher."))]
    if settings and launcher is None:
        raise ConfigurationError(f"{settings[0].partition('=')[0]}: a launcher's setting needs its launcher: add "
                                 f"hydra/launcher=<{'|'.join(LAUNCHER_KEYS)}>")
    if launcher is not None:
        check_launcher_keys(CommandLine(list(MULTIRUN_FLAGS[:1]), [parse_one(o) for o in settings]), launcher)
    return launcher, settings, model


def _typed(key: str, text: str):
    """A value as Hydra's grammar reads it (numbers as numbers, null as None)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    try:
        (o,) = OverridesParser.create().parse_overrides([f"k={text}"])
        return o.value()
    except Exception:  # noqa: BLE001 - a malformed value: as text, which no numeric rule accepts
        return text


def check_output_folder(line: CommandLine) -> None:
    """One run writes into ``hydra.run.dir`` and a sweep (``-m``) into ``hydra.sweep.dir``; the other key would be
    ignored (the results landing in the project's ``results/``), so it is refused."""
    if line.info_only:
        return
    wrong, right = ("hydra.run.dir", "hydra.sweep.dir") if line.multirun else ("hydra.sweep.dir", "hydra.run.dir")
    if line.get(wrong) is not None:
        kind = ("a sweep (-m) writes into hydra.sweep.dir" if line.multirun else
                "one run (no -m) writes into hydra.run.dir")
        raise ConfigurationError(f"{wrong}: {kind}, so this folder would be ignored; set {right}=<folder> instead"
                                 + ("" if line.multirun else ", or add -m to run a sweep"))


def check_sweeps(line: CommandLine) -> None:
    """A list of values needs -m; each value once; ``resume`` and Hydra's own keys are not swept; a swept key is
    given once (Hydra keeps the last and drops the others without a word)."""
    for o in line.sweeps():
        twice = [other.text for other in line.overrides if other.key == o.key and other is not o]
        if twice:
            raise ConfigurationError(f"{o.key}: given twice ({o.text} and {twice[0]}); Hydra would sweep only the "
                                     "last; give it once")
    for o in line.sweeps():
        if not line.multirun and not line.info_only:
            raise ConfigurationError(f"{o.key}: a list of values ({','.join(o.values)}) runs a sweep; add -m to run "
                                     f"one job per value")
        if o.key == "resume" or o.key.startswith("hydra"):
            raise ConfigurationError(f"{o.key}: cannot be swept; give one value")
        check_no_duplicates(o.key, o.values)


def comparable(text: str):
    """A swept value as Hydra reads it, numbers as numbers: 1, 01 and 1.0 are one value."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    try:
        (o,) = OverridesParser.create().parse_overrides([f"k={text}"])
        value = o.value()
    except Exception:  # noqa: BLE001
        return text
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return str(value)
    try:
        return float(value)  # "01" is read as text by Hydra, as the integer 1 by the schema
    except ValueError:
        return value


def check_no_duplicates(key: str, values: list[str]) -> None:
    seen = set()
    for text in values:
        value = comparable(text)
        if value in seen:
            raise ConfigurationError(f"{key}: the sweep lists {text} more than once; give each value once "
                                     "(a repeated seed is not a replicate: it reruns the same numbers)")
        seen.add(value)


BOOLEAN_TEXT = ("true", "false", "yes", "no", "on", "off")


def check_options(line: CommandLine) -> None:
    """Options of the groups the project owns must exist (Hydra skips a missing optional ``experiment``);
    true/false keys take true or false (OmegaConf would read 2 as true)."""
    from livelihoods.schema import schema_field

    for o in line.overrides:
        if o.key in ("scenario", "calibration", "policy") and any(v.strip() in ("", "null") for v in o.values):
            hint = "policy=[] for none" if o.key == "policy" else f"one of {', '.join(group_options(o.key))}"
            raise ConfigurationError(f"{o.key}: must be {hint}, got {o.values[0] or 'nothing'}")
        field = schema_field(o.key) if "/" not in o.key and not o.key.startswith("hydra") else None
        if field is not None and field[0] is bool:
            for value in o.values:
                if value.strip().lower() not in BOOLEAN_TEXT:
                    raise ConfigurationError(f"{o.key}: must be true or false, got {value!r}")
        if o.key == "experiment":
            allowed = group_options("experiment")
            for name in o.values if o.sweep else [o.values[0]]:
                if name not in ("", "null") and name not in allowed:
                    raise ConfigurationError(f"experiment: unknown option {name!r}, allowed: {', '.join(allowed)}")
        if o.key in HYDRA_GROUPS:
            value = o.values[0]
            if value not in HYDRA_GROUPS[o.key]:
                raise ConfigurationError(f"{o.key}: unknown option {value!r}, allowed: "
                                         f"{', '.join(HYDRA_GROUPS[o.key])}")


def check_policy_selection(line: CommandLine) -> None:
    """A parameter of a policy that is not switched on is a mistake, not a silent no-op."""
    chosen = line.get("policy")
    selected: set[str] = set()
    params = {o.key.split(".")[1] for o in line.overrides if o.key.startswith("policy.") and o.key.count(".") > 1}
    if chosen is not None and chosen.sweep:  # every arm of a policy sweep must have the policies that are set
        for value in chosen.values:
            arm = {v.strip() for v in value.strip("[]").split(",") if v.strip()}
            for name in sorted(params - arm):
                raise ConfigurationError(f"policy.{name}: is set but not switched on in the arm policy={value}; set "
                                         f"it in every arm "
                                         f"(e.g. policy=[{','.join(sorted(arm | {name}))}] with a zero amount) or "
                                         f"sweep one arm per run")
    if chosen is not None:
        for value in chosen.values:
            names = [v.strip() for v in value.strip("[]").split(",") if v.strip()]
            twice = sorted({name for name in names if names.count(name) > 1})
            if twice:
                raise ConfigurationError(f"policy: lists {', '.join(twice)} more than once; name each policy once")
            selected |= set(names)
    preset = line.get("experiment")
    if preset is not None:  # a study preset may switch policies on itself
        selected |= _preset_policies(preset.values[0])
    for o in line.overrides:
        parts = o.key.split(".")
        if len(parts) > 2 and parts[0] == "policy" and parts[1] not in selected:
            raise ConfigurationError(f"{o.key}: policy {parts[1]!r} is not switched on; select it with "
                                     f"policy=[{','.join(sorted(selected | {parts[1]}))}]")



def _preset_policies(name: str) -> set[str]:
    """Policies a study preset switches on in its defaults (``override /policy: [...]``)."""
    import yaml

    from livelihoods.paths import CONFIG_DIR

    path = CONFIG_DIR / "experiment" / f"{name}.yaml"
    if not path.exists():
        return set()
    for entry in (yaml.safe_load(path.read_text()) or {}).get("defaults", []):
        if isinstance(entry, dict) and "override /policy" in entry:
            return set(entry["override /policy"] or [])
    return set()


# ------------------------------------------------------------------ the config files of hydra.searchpath folders

SEARCH_PATH_PROVIDER = "hydra.searchpath in command-line"  # Hydra's name for the folders of hydra.searchpath
MAX_SEARCH_ENTRIES = 10_000  # files and folders walked in one search-path folder (a folder of configs holds ~50)
WHY_NOT = {  # why a Hydra setting is not taken from a config file, by the second part of its key
    "callbacks": "callbacks run code",
    "job_logging": "logging settings can write files, open connections and call Python; a run uses logging's own "
                   "handlers as the project sets them (hydra/job_logging=default|disabled|none|stdout on the command "
                   "line)",
    "run": "a run's folder comes only from the command line (hydra.run.dir) and the project's defaults",
    "sweep": "a sweep's folders come only from the command line (hydra.sweep.dir) and the project's defaults",
}
WHY_NOT["hydra_logging"] = WHY_NOT["job_logging"]


def search_folders(line: CommandLine) -> list[Path]:
    """The folders of every ``hydra.searchpath`` override (Hydra reads the first; each is checked)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    found = []
    for o in line.overrides:
        if o.key == "hydra.searchpath":
            (parsed,) = OverridesParser.create().parse_overrides([o.text])
            value = parsed.value()
            found += [Path(os.path.abspath(str(url).removeprefix("file://")))
                      for url in (value if isinstance(value, list) else [value])]
    return found


def check_search_path(line: CommandLine) -> None:
    """The config files of every ``hydra.searchpath`` folder, before Hydra reads them (see the module's docstring).

    Every YAML file of the folders is read safely and its defaults list must name plain files (Hydra would follow
    a path anywhere); then every file Hydra reads for the command line (each arm of a swept group) may set only the
    project's own groups and keys. A file Hydra does not read may hold anything (a malformed draft, say).
    """
    folders = search_folders(line)
    if not folders:
        return
    for folder in folders:
        for path in config_files(folder):
            scan_config_file(path, folder)
    first = [o.first for o in line.overrides]
    arms = [first] + [[f"{o.key}={value}" if other is o else other.first for other in line.overrides]
                      for o in line.sweeps() if o.key in PROJECT_GROUPS for value in o.values[1:]]
    for overrides in arms:
        check_files_read(overrides, folders)


def config_files(folder: Path) -> list[Path]:
    """The YAML files of a search-path folder, through links to folders inside it (as Hydra follows them)."""
    if not folder.is_dir():
        raise ConfigurationError(f"hydra.searchpath: {folder} is not a folder (give a folder of config files: "
                                 f"file://DIR with DIR/scenario/<name>.yaml ...)")
    root = os.path.realpath(folder)
    files, todo, seen, entries = [], [folder], set(), 0
    while todo:
        here = todo.pop()
        real = os.path.realpath(here)
        if os.path.commonpath([real, root]) != root:
            raise ConfigurationError(f"hydra.searchpath: {here} is a link to {real}, outside {folder}; the config "
                                     f"files of a search-path folder stay inside it")
        if real in seen:
            continue
        seen.add(real)
        try:
            children = sorted(os.scandir(here), key=lambda e: e.name)
        except OSError as exc:
            raise ConfigurationError(f"hydra.searchpath: {here} cannot be read ({exc.strerror or exc})") from exc
        entries += len(children)
        if entries > MAX_SEARCH_ENTRIES:
            raise ConfigurationError(f"hydra.searchpath: {folder} holds more than {MAX_SEARCH_ENTRIES:,} files and "
                                     f"folders; give a folder that holds only config files")
        for entry in children:
            path = Path(entry.path)
            if entry.name.endswith((".yaml", ".yml")):
                files.append(path)  # whatever it is (a FIFO, a link, a folder): the safe reader says
            elif entry.is_dir(follow_symlinks=True):
                todo.append(path)
    return sorted(files)


def scan_config_file(path: Path, folder: Path) -> None:
    """Any YAML file of a search-path folder: a regular file inside the folder, not too large, no alias bomb, a
    defaults list of plain names. Malformed YAML is left to Hydra, which names the line if it reads the file (a
    parser stops at the error before it builds anything)."""
    import yaml

    from livelihoods.files import load_yaml

    try:
        data = load_yaml(path, within=folder)
    except ConfigurationError as exc:
        if isinstance(exc.__cause__, yaml.YAMLError):
            return
        raise
    if isinstance(data, dict) and "defaults" in data:
        check_defaults(data["defaults"], path, hydra_too=False)


def check_files_read(overrides: list[str], folders: list[Path]) -> None:
    """Every config file Hydra reads from a search-path folder for ``overrides`` (its defaults tree, as Hydra
    computes it) sets nothing of Hydra's: no key, package, group or defaults entry of Hydra's."""
    from hydra._internal.config_loader_impl import ConfigLoaderImpl
    from hydra._internal.defaults_list import create_defaults_list
    from hydra._internal.utils import create_config_search_path
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException
    from yaml import YAMLError

    from livelihoods.errors import as_configuration_error
    from livelihoods.files import load_yaml
    from livelihoods.paths import CONFIG_DIR
    from livelihoods.store import register_configs

    if not folders:
        return
    register_configs()
    try:
        loader = ConfigLoaderImpl(config_search_path=create_config_search_path(f"file://{CONFIG_DIR}"))
        parsed, repo = loader._parse_overrides_and_create_caching_repo("config", overrides)
        read = []
        for result in create_defaults_list(repo, "config", parsed, prepend_hydra=True, skip_missing=False).defaults:
            loaded = repo.load_config(result.config_path) if result.config_path else None
            if loaded is not None and loaded.provider == SEARCH_PATH_PROVIDER:  # not the project's, not Hydra's
                read.append((Path(loaded.path.removeprefix("file://")), result))
    except (HydraException, OmegaConfBaseException, YAMLError) as exc:
        raise as_configuration_error(exc) from exc
    for source, result in read:
        folder = next(f for f in folders if os.path.realpath(f) == os.path.realpath(source))
        path = folder / f"{result.config_path}.yaml"
        data = load_yaml(path, within=folder)
        relative = path.relative_to(folder)
        if relative.parts[0] == "hydra":
            group = "/".join(relative.parent.parts) or "hydra"
            refuse(group, path, f"the file is a config of Hydra's group {group}; a search-path folder holds only the "
                                f"project's groups ({', '.join(PROJECT_GROUPS)})")
        package = [part for part in (result.package or "").split(".") if part]
        if "hydra" in package:
            refuse(from_hydra([*package, *first_leaf(data)]), path)
        if isinstance(data, dict):
            for keys in key_paths(data):
                if "hydra" in keys:
                    refuse(from_hydra(keys), path)
            if "defaults" in data:
                check_defaults(data["defaults"], path)
        own = GROUP_PACKAGES.get(relative.parts[0]) if len(relative.parts) > 1 else None
        if own is not None and package[:1] != [own]:
            raise ConfigurationError(f"{relative.parts[0]}: the config file {path} puts its keys in "
                                     f"{'.'.join(package) or 'the top level (_global_)'}, outside its group's "
                                     f"{own}; a {relative.parts[0]} file sets only {own}.* (its seed, months or "
                                     "max_jobs would change the run unseen)")


def refuse(key: str, path: Path, why: str | None = None) -> None:
    """One line: the Hydra key or group, the file, and why a config file may not set it."""
    if why is None:
        why = WHY_NOT.get((re.split(r"[./]", key) + [""])[1],
                          "Hydra's settings come only from the command line and the project's own configs")
    raise ConfigurationError(f"{key}: set by the config file {path}, which may set only the project's own groups and "
                             f"keys; {why}")


def from_hydra(keys) -> str:
    """The dotted key from its ``hydra`` part on (``scenario.hydra.run.dir`` lands nowhere else than Hydra's)."""
    keys = list(keys)
    return ".".join(keys[keys.index("hydra"):])


def first_leaf(node) -> list[str]:
    """The keys down to the first value of a nested mapping (what the refusal names)."""
    keys = []
    while isinstance(node, dict) and node:
        key, node = next(iter(node.items()))
        keys.append(str(key))
    return keys


def key_paths(node, keys: tuple = ()):
    """The keys (each split at its dots, as OmegaConf could read them) down to every value of a nested mapping;
    a key path that reaches ``hydra`` is followed to its first value."""
    if isinstance(node, dict):
        for key, value in node.items():
            parts = (*keys, *str(key).split("."))
            if "hydra" in parts:
                yield [*parts, *first_leaf(value)]
            else:
                yield from key_paths(value, parts)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from key_paths(value, (*keys, f"[{i}]"))


def check_defaults(defaults, path: Path, hydra_too: bool = True) -> None:
    """A config file's defaults list: plain names (no path, no interpolation); with ``hydra_too``, nothing of
    Hydra's (a group or a package)."""
    if not isinstance(defaults, list):
        raise ConfigurationError(f"defaults: must be a list in the config file {path}, got {defaults!r}")
    for entry in defaults:
        if isinstance(entry, str):
            spec, options = entry, []
        elif isinstance(entry, dict) and len(entry) == 1:
            ((spec, option),) = entry.items()
            options = option if isinstance(option, list) else [option]
        else:
            raise ConfigurationError(f"defaults: {entry!r} in the config file {path} is not a config file or a "
                                     f"group: option")
        words = str(spec).split()
        if len(words) == 2 and words[0] in ("override", "optional"):
            words = words[1:]
        group, _, package = (words[0] if len(words) == 1 else "").partition("@")
        parts = group.removeprefix("/").split("/")
        packages = package.split(".") if package else []
        if hydra_too and ("hydra" in parts or "hydra" in packages):
            key = "/".join(parts[parts.index("hydra"):]) if "hydra" in parts else from_hydra(packages)
            refuse(key, path, f"its defaults list puts a config into Hydra's settings ({entry}); a search-path "
                              f"config file may choose only the project's groups")
        names = [*parts, *packages, *(o for o in options if o is not None)]
        if len(words) != 1 or not all(isinstance(n, str) and NAME.fullmatch(n) for n in names):
            raise ConfigurationError(f"defaults: {entry!r} in the config file {path}: groups, options and packages "
                                     f"are plain names (no folders '..', no interpolations)")
