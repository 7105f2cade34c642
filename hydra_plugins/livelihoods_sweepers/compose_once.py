"""A sweep's job configs, composed once per combination of config groups.

Hydra composes every job of a sweep from scratch: it reads and merges the
config files of the defaults list again for each job, twice per job with the
basic sweeper (once to validate the batch, once in the launcher). That took
~0.35 s per job here, more than a 5,000-person run's 36 months. Jobs of a
study differ mostly in plain values (``seed=3``, ``policy.stipend.monthly_amount=45``),
which do not change which files are read, so ``ComposeOnce`` composes with
Hydra the first job of each combination of config groups and derives the
others from it by applying their plain overrides the way Hydra applies them
(``ConfigLoaderImpl._apply_overrides_to_config``), then recording them in
``hydra.overrides`` and ``hydra.job.override_dirname`` as Hydra does.
``tests/test_sweeps.py`` checks that both give the same config, including the
``hydra`` node.

The project's sweepers (``hydra/sweeper=grid``, the default, and ``rows``) hand
it to whichever launcher runs the jobs. Launchers that compose in their workers
(joblib, submitit) pickle it with every job; its templates live in this
module, so a warm worker keeps them from one job to the next.
"""

from __future__ import annotations

import functools
import io
import os
import pickle
from collections import OrderedDict

from hydra.core.config_loader import ConfigLoader
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override, OverrideType
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf, open_dict, read_write

PLAIN = (bool, int, float, str, type(None))  # values applied by plain assignment, whatever came before
# (config name, search path, folder, the overrides but for plain values) -> the first such job's config and its task
# config (without ``hydra``), pickled
TEMPLATES: OrderedDict[tuple, tuple[tuple[bytes, list], tuple[bytes, list]]] = OrderedDict()
MAX_TEMPLATES = 64


class ComposeOnce(ConfigLoader):
    """A ``ConfigLoader`` that composes with ``inner`` once per combination of config groups."""

    def __init__(self, inner: ConfigLoader) -> None:
        self.inner = inner

    def shape(self, master_config: DictConfig, sweep_overrides: list[str]) -> tuple:
        """What decides a job's template: the config, search path, folder, and its overrides but for plain values."""
        parsed, plain = self._parse(master_config, sweep_overrides)
        return self._key(master_config, parsed, plain)

    def _parse(self, master_config, sweep_overrides) -> tuple[list[Override], list[Override]]:
        overrides = [*OmegaConf.to_container(master_config.hydra.overrides.hydra), *sweep_overrides]
        parsed = [parse_one(line) for line in overrides]
        return parsed, [o for o in parsed if self._is_plain(o)]

    def _key(self, master_config, parsed, plain) -> tuple:
        return (master_config.hydra.job.config_name, self._search_path(), os.getcwd(),
                tuple(("plain", o.key_or_group) if o in plain else o.input_line for o in parsed))

    def load_sweep_config(self, master_config: DictConfig, sweep_overrides: list[str]) -> DictConfig:
        return self.load_job_configs(master_config, sweep_overrides)[0]

    def load_job_configs(self, master_config: DictConfig, sweep_overrides: list[str]) -> tuple[DictConfig, DictConfig]:
        """The job's config (with ``hydra``) and its task config (a copy without ``hydra``, as ``run_job`` makes)."""
        parsed, plain = self._parse(master_config, sweep_overrides)
        key = self._key(master_config, parsed, plain)
        if key not in TEMPLATES:
            cfg = self.inner.load_sweep_config(master_config, sweep_overrides)
            task = thawed(frozen(cfg))
            with read_write(task), open_dict(task):
                del task["hydra"]
            TEMPLATES[key] = (frozen(cfg), frozen(task))
            while len(TEMPLATES) > MAX_TEMPLATES:
                TEMPLATES.popitem(last=False)
            return cfg, thawed(TEMPLATES[key][1])
        TEMPLATES.move_to_end(key)
        full, task_only = TEMPLATES[key]
        cfg, task = thawed(full), thawed(task_only)
        apply_plain(cfg, parsed, plain)
        OmegaConf.copy_cache(from_config=master_config, to_config=cfg)
        from hydra._internal.config_loader_impl import ConfigLoaderImpl

        ConfigLoaderImpl._apply_overrides_to_config(plain, task)
        OmegaConf.copy_cache(from_config=master_config, to_config=task)  # e.g. ${now:...}, as run_job's copy has it
        return cfg, task

    def _is_plain(self, o: Override) -> bool:
        """A value override of a config key (not a group, not ``+``/``~``, not a sweep, a scalar value)."""
        if o.type != OverrideType.CHANGE or o.package is not None or o.is_sweep_override():
            return False
        key = o.key_or_group
        if "/" in key or o.is_hydra_override():
            return False
        repo = getattr(self.inner, "repository", None)
        if repo is None or repo.group_exists(key) or repo.group_exists(key.replace(".", "/")):
            return False
        return isinstance(o.value(), PLAIN)

    def _search_path(self) -> tuple[str, ...]:
        return tuple(f"{e.provider}:{e.path}" for e in self.inner.get_search_path().get_path())

    # the rest is the inner loader's
    def load_configuration(self, config_name, overrides, run_mode: RunMode, from_shell: bool = True,
                           validate_sweep_overrides: bool = True) -> DictConfig:
        return self.inner.load_configuration(config_name, overrides, run_mode, from_shell=from_shell,
                                             validate_sweep_overrides=validate_sweep_overrides)

    def get_search_path(self):
        return self.inner.get_search_path()

    def get_sources(self):
        return self.inner.get_sources()

    def list_groups(self, parent_name: str):
        return self.inner.list_groups(parent_name)

    def get_group_options(self, group_name, results_filter=None, config_name=None, overrides=None):
        return self.inner.get_group_options(group_name, results_filter, config_name, overrides)

    def compute_defaults_list(self, config_name, overrides, run_mode):
        return self.inner.compute_defaults_list(config_name, overrides, run_mode)


class _Pickler(pickle.Pickler):
    """Pickles a config but keeps its classes as the objects themselves (``classes``), not by name: a Hydra plugin's
    config class is loaded outside ``sys.modules`` and has no name pickle could look up."""

    def __init__(self, file, classes: list) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.classes = classes

    def persistent_id(self, obj):
        if isinstance(obj, type):
            self.classes.append(obj)
            return len(self.classes) - 1
        return None


class _Unpickler(pickle.Unpickler):
    def __init__(self, file, classes: list) -> None:
        super().__init__(file)
        self.classes = classes

    def persistent_load(self, pid):
        return self.classes[pid]


def frozen(cfg: DictConfig) -> tuple[bytes, list]:
    """``cfg`` pickled, to be copied by ``thawed`` (~2 ms against ~12 ms for ``copy.deepcopy``)."""
    buffer, classes = io.BytesIO(), []
    _Pickler(buffer, classes).dump(cfg)
    return buffer.getvalue(), classes


def thawed(template: tuple[bytes, list]) -> DictConfig:
    data, classes = template
    return _Unpickler(io.BytesIO(data), classes).load()


def to_yaml(cfg) -> str:
    """``OmegaConf.to_yaml(cfg)``, the same text, written by libyaml's emitter (~3x faster) where PyYAML has it."""
    import yaml

    container = OmegaConf.to_container(cfg, resolve=False, enum_to_str=True)
    return yaml.dump(container, default_flow_style=False, allow_unicode=True, sort_keys=False, Dumper=_dumper())


@functools.cache
def _dumper():
    import yaml
    from omegaconf._utils import get_omega_conf_dumper

    python = get_omega_conf_dumper()
    if not yaml.__with_libyaml__:
        return python

    class Dumper(yaml.CDumper):  # OmegaConf's representers (e.g. quoting "1" or "true" strings) on libyaml
        pass

    for tag, represent in python.yaml_representers.items():
        Dumper.add_representer(tag, represent)
    return Dumper


@functools.lru_cache(maxsize=4096)
def parse_one(line: str) -> Override:
    """One override parsed by Hydra's grammar (once per text: a sweep repeats each value in many jobs)."""
    (override,) = OverridesParser.create().parse_overrides([line])
    return override


def apply_plain(cfg: DictConfig, parsed: list[Override], plain: list[Override]) -> None:
    """Set ``plain``'s values in ``cfg`` and record all of ``parsed`` in ``hydra.overrides``, as Hydra does."""
    from hydra._internal.config_loader_impl import ConfigLoaderImpl, get_overrides_dirname

    ConfigLoaderImpl._apply_overrides_to_config(plain, cfg)
    hydra_lines = [o.input_line for o in parsed if o.is_hydra_override()]
    app = [o for o in parsed if not o.is_hydra_override()]
    h = cfg.hydra
    with open_dict(h):
        h.overrides.hydra = hydra_lines
        h.overrides.task = [o.input_line for o in app]
        dirname = h.job.config.override_dirname
        h.job.override_dirname = get_overrides_dirname(overrides=app, kv_sep=dirname.kv_sep,
                                                       item_sep=dirname.item_sep, exclude_keys=dirname.exclude_keys)
