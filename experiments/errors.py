"""One clear line for a bad input, naming the key and what is allowed."""

from __future__ import annotations

import dataclasses
import sys
import typing

import yaml
from hydra.errors import MissingConfigException, OverrideParseException
from omegaconf.errors import InterpolationResolutionError, OmegaConfBaseException

from simulation.config import ConfigError, RunConfig

EXIT_BAD_INPUT = 2  # a key, value, folder or option that cannot be used; nothing was run
EXIT_NOT_WRITTEN = 3  # the run could not write its results (disk full, I/O error): no summary.json


def group_options(group: str) -> list[str]:
    from experiments.configuration import CONFIG_DIR

    return sorted(p.stem for p in (CONFIG_DIR / group).glob("*.yaml"))


def _unwrap(node):
    """The dataclass inside ``Optional[...]`` or ``list[...]``."""
    for arg in typing.get_args(node):
        if dataclasses.is_dataclass(arg):
            return arg
    return node


def schema_field(path: str):
    """(type, metadata) of the schema node at ``path`` (dotted, with ``[i]`` for list items), or None."""
    node: typing.Any = RunConfig
    meta: dict = {}
    for part in [p for p in path.replace("[", ".[").split(".") if p]:
        if part.startswith("[") or part.isdigit():  # an item of a list
            args = typing.get_args(node)
            if not args:
                return None
            node, meta = args[0], {}
            continue
        if not dataclasses.is_dataclass(node):
            return None
        fields = {f.name: f for f in dataclasses.fields(node)}
        if part not in fields:
            return None
        node, meta = typing.get_type_hints(node)[part], dict(fields[part].metadata)
        inner = [a for a in typing.get_args(node) if a is not type(None)]
        if typing.get_origin(node) is typing.Union and len(inner) == 1:  # Optional[X]
            node = inner[0]
    return node, meta


def describe_field(path: str) -> str | None:
    """What the schema allows at ``path``, in words, or None if unknown."""
    from simulation.config import describe

    found = schema_field(path)
    if found is None:
        return None
    node, meta = found
    if "choices" in meta or "lo" in meta:
        return describe(meta)
    if node is bool:
        return "true or false"
    if node is str:
        return "a text"
    if dataclasses.is_dataclass(node):
        keys = [f.name for f in dataclasses.fields(node)]
        return f"a group of keys ({', '.join(keys)}): set them one by one, e.g. {path}.{keys[0]}=..."
    if typing.get_origin(node) is list:
        (item,) = typing.get_args(node)
        if dataclasses.is_dataclass(item):
            return f"a list of {item.__name__.removesuffix('Config').lower()}s, each with every key of the schema"
        return "a list of names, e.g. [a,b]"
    return None


def _omegaconf_line(e: OmegaConfBaseException) -> str:
    """One line for an OmegaConf error at a known key, in the schema's words (no OmegaConf jargon)."""
    key = str(e.full_key)
    first = str(getattr(e, "msg", "") or e).splitlines()[0]
    if first.startswith("Key '") and "not in" in first:
        parent = key.rpartition(".")[0]
        allowed = schema_keys(parent)
        hint = f", allowed keys: {', '.join(allowed)}" if allowed else ""
        return f"{key}: unknown key{hint}"
    if isinstance(e, InterpolationResolutionError) or "interpolation" in first:
        reason = first.split("while resolving interpolation: ", 1)[-1].strip('"')
        return f"{key}: cannot be resolved: {reason}"
    allowed = describe_field(key)
    if allowed is None:
        return f"{key}: {first}"
    value = getattr(e, "value", None)
    if "has missing mandatory value" in first:
        return f"{key}: must be set ({allowed})"
    if value == {} and key.endswith("]"):
        return f"{key}: no such item: list items are numbered from 0 in the order of the config file"
    got = "null" if value is None else repr(value)
    return f"{key}: must be {allowed}, got {got}"


def schema_keys(path: str) -> list[str] | None:
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
            return _omegaconf_line(e)
    for e in chain:
        if isinstance(e, yaml.MarkedYAMLError) and e.problem_mark is not None:
            mark = e.problem_mark
            return (f"{mark.name}: not valid YAML at line {mark.line + 1}, column {mark.column + 1}: "
                    f"{e.context + ', ' if e.context else ''}{e.problem}")
    if isinstance(exc, OverrideParseException):
        return f"malformed override: {str(exc).splitlines()[0]}"
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def fail(message: str, code: int = EXIT_BAD_INPUT) -> typing.NoReturn:
    """One line on stderr, ``error: <key>: <what is wrong and what is allowed>``, and exit ``code``."""
    print(f"error: {message}", file=sys.stderr, flush=True)
    raise SystemExit(code)


def require(module: str, extra: str, what: str) -> None:
    """One line naming the extra to install when an optional dependency is missing."""
    import importlib.util

    if importlib.util.find_spec(module) is None:
        fail(f"{what}: needs the [{extra}] extra, which is not installed; install it with "
             f"`make setup` (everything) or `pip install -e '.[{extra}]'`")


def load_checked(schema, path):
    """A YAML file read into the dataclass ``schema``; unknown keys, missing or mistyped fields exit with one line."""
    from omegaconf import OmegaConf

    try:
        return OmegaConf.to_object(OmegaConf.merge(OmegaConf.structured(schema), OmegaConf.load(path)))
    except Exception as exc:  # noqa: BLE001 - OmegaConf's errors become one line
        fail(f"{path.name}: {explain(exc)}")
