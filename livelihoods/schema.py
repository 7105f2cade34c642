"""The schema of ``configs/config.yaml``, walked by dotted key: what a key is and what it allows, in words."""

from __future__ import annotations

import dataclasses
import typing

from livelihoods.settings import CommandConfig
from simulation.config import describe


def _unwrap(node):
    """The dataclass inside ``Optional[...]`` or ``list[...]``."""
    for arg in typing.get_args(node):
        if dataclasses.is_dataclass(arg):
            return arg
    return node


def schema_field(path: str):
    """(type, metadata) of the schema node at ``path`` (dotted, with ``[i]`` for list items), or None."""
    node: typing.Any = CommandConfig
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


def schema_keys(path: str) -> list[str] | None:
    """Keys allowed under ``path`` (dotted) in the RunConfig schema, or None if the path is not a schema node."""
    node: typing.Any = CommandConfig
    for part in [p for p in path.split(".") if p]:
        part = part.split("[")[0]
        hints = typing.get_type_hints(node)
        if part not in hints:
            return None
        node = _unwrap(hints[part])
    return [f.name for f in dataclasses.fields(node)] if dataclasses.is_dataclass(node) else None


def in_schema(key: str) -> bool:
    parent, _, leaf = key.rpartition(".")
    allowed = schema_keys(parent)
    return allowed is not None and leaf in allowed


def omegaconf_line(e) -> str:
    """One line for an OmegaConf error at a known key, in the schema's words (no OmegaConf jargon)."""
    from omegaconf.errors import InterpolationResolutionError

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
