"""Reading files the project did not write this minute: the user's config files and its own records read back.

One safe reader for all of them (``read_bytes``, ``read_text``, ``load_yaml``, ``load_json``):

* **regular files only**: a FIFO, a device or a folder is refused without blocking (opened ``O_NONBLOCK``, then
  checked with ``fstat``), and a symbolic link is followed only when its target stays inside ``within``;
* **a size limit** (``MAX_BYTES`` unless given): a file larger than any record the project writes is refused
  before it is read;
* **YAML aliases bounded**: a document whose aliases would expand to more than ``MAX_YAML_NODES`` nodes (an
  "alias bomb" of a few hundred bytes can expand to billions) is refused before anything is built from it.

A refused or unreadable file is a ``ConfigurationError`` (``DamagedRecord`` for the project's own records) with
one line naming the file and what is wrong; ``load_checked`` then reads a YAML file into a schema.
"""

from __future__ import annotations

import errno
import json
import os
import stat
from pathlib import Path

from livelihoods.errors import ConfigurationError, DamagedRecord, LivelihoodsError, explain

MAX_BYTES = 64 * 2**20  # a summary.json is ~50 KB, a config record ~10 KB, a posterior's CSV ~100 KB
MAX_YAML_NODES = 1_000_000  # nodes of a YAML document with every alias expanded (a config: ~1,000)


def _refuse(path: Path, why: str, record: bool) -> LivelihoodsError:
    return (DamagedRecord if record else ConfigurationError)(f"{path}: {why}")


def read_bytes(path: Path, *, limit: int = MAX_BYTES, within: Path | None = None, record: bool = False) -> bytes:
    """The content of regular file ``path`` (at most ``limit`` bytes), read without blocking on a FIFO.

    ``within``: a folder the file (after links) must stay inside. ``record``: the file is one of the project's
    own records (refusals are ``DamagedRecord``), else the user's (``ConfigurationError``).
    """
    path = Path(path)
    if within is not None:
        real, root = os.path.realpath(path), os.path.realpath(within)
        if os.path.commonpath([real, root]) != root:
            raise _refuse(path, f"is a link to {real}, outside {within}", record)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            raise _refuse(path, "no such file", record) from exc
        raise _refuse(path, f"cannot be read ({exc.strerror or exc})", record) from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = ("a folder" if stat.S_ISDIR(info.st_mode) else "a FIFO" if stat.S_ISFIFO(info.st_mode)
                    else "a device or socket")
            raise _refuse(path, f"is {kind}, not a regular file", record)
        if info.st_size > limit:
            raise _refuse(path, f"is {info.st_size:,} bytes, more than the {limit:,} such a file may hold", record)
        chunks, size = [], 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            size += len(chunk)
            if size > limit:  # grew while being read
                raise _refuse(path, f"holds more than the {limit:,} bytes such a file may hold", record)
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError as exc:
        raise _refuse(path, f"cannot be read ({exc.strerror or exc})", record) from exc
    finally:
        os.close(fd)


def read_text(path: Path, **kwargs) -> str:
    """``read_bytes`` decoded as UTF-8 (a file that is not text is refused in one line)."""
    data = read_bytes(path, **kwargs)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _refuse(Path(path), "is not UTF-8 text", kwargs.get("record", False)) from exc


def check_yaml_size(text: str, path: Path, record: bool = False, limit: int = MAX_YAML_NODES) -> None:
    """Refuse a YAML document whose aliases would expand to more than ``limit`` nodes (composed, not built:
    each node is counted once per reference, memoised, so the check itself never expands anything)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        nodes = list(yaml.compose_all(text, Loader=loader))
    except yaml.YAMLError as exc:
        raise _refuse(path, explain(exc).removeprefix(f"{path.name}: ").removeprefix("<unicode string>: "),
                      record) from exc
    expanded: dict[int, int] = {}

    def size(node) -> int:
        known = expanded.get(id(node))
        if known is not None:
            return known
        expanded[id(node)] = 1  # a node that contains itself (a recursive alias) counts once
        if isinstance(node, yaml.MappingNode):
            total = 1 + sum(size(k) + size(v) for k, v in node.value)
        elif isinstance(node, yaml.SequenceNode):
            total = 1 + sum(size(v) for v in node.value)
        else:
            total = 1
        expanded[id(node)] = min(total, limit + 1)
        return expanded[id(node)]

    if sum(size(node) for node in nodes if node is not None) > limit:
        raise _refuse(path, f"its aliases expand to more than {limit:,} values (a YAML alias bomb?)", record)


def load_yaml(path: Path, *, record: bool = False, within: Path | None = None, limit: int = MAX_BYTES):
    """A YAML file read safely (``read_text``, ``check_yaml_size``) into Python data (safe types only)."""
    import yaml

    text = read_text(path, record=record, within=within, limit=limit)
    check_yaml_size(text, Path(path), record)
    try:
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        raise _refuse(Path(path), explain(exc), record) from exc


def load_json(path: Path, *, record: bool = False, within: Path | None = None, limit: int = MAX_BYTES):
    """A JSON file read safely; ``NaN`` and ``Infinity`` literals are refused (the project writes ``null``)."""
    text = read_text(path, record=record, within=within, limit=limit)

    def no_constant(name: str):
        raise ValueError(f"holds the non-finite number {name}")

    try:
        return json.loads(text, parse_constant=no_constant)
    except ValueError as exc:
        raise _refuse(Path(path), f"is not valid JSON ({str(exc).splitlines()[0]})", record) from exc


def load_checked(schema, path: Path):
    """A YAML file read safely into the dataclass ``schema``; an unknown key, a missing or mistyped field is
    refused in one line naming the file and the key."""
    from omegaconf import OmegaConf

    data = load_yaml(path)
    try:
        return OmegaConf.to_object(OmegaConf.merge(OmegaConf.structured(schema), OmegaConf.create(data or {})))
    except Exception as exc:  # noqa: BLE001 - OmegaConf's errors become one line
        raise ConfigurationError(f"{Path(path).name}: {explain(exc)}") from exc
