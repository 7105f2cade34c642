"""One clear line for a bad input, naming the key and what is allowed."""

from __future__ import annotations

import dataclasses
import sys
import typing

import yaml
from hydra.errors import MissingConfigException, OverrideParseException
from omegaconf.errors import OmegaConfBaseException

from simulation.config import ConfigError, RunConfig

EXIT_BAD_INPUT = 2


def group_options(group: str) -> list[str]:
    from experiments.configuration import CONFIG_DIR

    return sorted(p.stem for p in (CONFIG_DIR / group).glob("*.yaml"))


def _unwrap(node):
    """The dataclass inside ``Optional[...]`` or ``list[...]``."""
    for arg in typing.get_args(node):
        if dataclasses.is_dataclass(arg):
            return arg
    return node


def _schema_keys(path: str) -> list[str] | None:
    """Keys allowed under ``path`` (dotted) in the RunConfig schema, or None if the path is not a schema node."""
    node: typing.Any = RunConfig
    for part in [p for p in path.split(".") if p]:
        part = part.split("[")[0]
        hints = typing.get_type_hints(node)
        if part not in hints:
            return None
        node = _unwrap(hints[part])
    return [f.name for f in dataclasses.fields(node)] if dataclasses.is_dataclass(node) else None


def explain(exc: BaseException) -> str:
    """Turn a configuration error (ours, Hydra's or OmegaConf's) into one line."""
    if isinstance(exc, ConfigError):
        return str(exc)
    chain, e = [], exc
    while e is not None:
        chain.append(e)
        e = e.__cause__ or e.__context__
    for e in chain:
        if isinstance(e, MissingConfigException) and e.missing_cfg_file:
            group, _, option = e.missing_cfg_file.rpartition("/")
            options = e.options or group_options(group or option)
            allowed = ", ".join(o for o in options if not o.startswith("base_")) or "(none)"
            return f"{group or option}: unknown option {option!r}, allowed: {allowed}"
    for e in chain:
        if isinstance(e, OmegaConfBaseException) and getattr(e, "full_key", None):
            key = str(e.full_key)
            first = str(getattr(e, "msg", "") or e).splitlines()[0]
            if first.startswith("Key '") and "not in" in first:
                parent = key.rpartition(".")[0]
                allowed = _schema_keys(parent)
                hint = f", allowed keys: {', '.join(allowed)}" if allowed else ""
                return f"{key}: unknown key{hint}"
            return f"{key}: {first}"
    for e in chain:
        if isinstance(e, yaml.MarkedYAMLError) and e.problem_mark is not None:
            mark = e.problem_mark
            return (f"{mark.name}: not valid YAML at line {mark.line + 1}, column {mark.column + 1}: "
                    f"{e.context + ', ' if e.context else ''}{e.problem}")
    if isinstance(exc, OverrideParseException):
        return f"malformed override: {str(exc).splitlines()[0]}"
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def fail(message: str) -> typing.NoReturn:
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(EXIT_BAD_INPUT)


def load_checked(schema, path):
    """A YAML file read into the dataclass ``schema``; unknown keys, missing or mistyped fields exit with one line."""
    from omegaconf import OmegaConf

    try:
        return OmegaConf.to_object(OmegaConf.merge(OmegaConf.structured(schema), OmegaConf.load(path)))
    except Exception as exc:  # noqa: BLE001 - OmegaConf's errors become one line
        fail(f"{path.name}: {explain(exc)}")
