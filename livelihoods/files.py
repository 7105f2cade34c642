"""Reading files the project did not write this minute: the user's config files and its own records read back.

One safe reader for all of them (``read_bytes``, ``read_text``, ``load_yaml``, ``load_json``, ``read_table``):

* **regular files only**: a FIFO, a device or a folder is refused without blocking (opened ``O_NONBLOCK``, then
  checked with ``fstat``), and a symbolic link is followed only when its target stays inside ``within``;
* **a size limit** (``MAX_BYTES`` unless given): a file larger than any record the project writes is refused
  before it is read;
* **YAML aliases bounded**: a document whose aliases would expand to more than ``MAX_YAML_NODES`` nodes (an
  "alias bomb" of a few hundred bytes can expand to billions), holds a recursive alias or is nested more than
  ``MAX_YAML_DEPTH`` deep is refused before anything is built from it; a YAML file may hold at most ``MAX_YAML_BYTES``;
* **numbers finite**: JSON ``NaN``/``Infinity`` literals and numbers too large for a float (``1e999``) are refused;
* **tables from the checked bytes**: ``read_table`` hands pandas the bytes ``read_bytes`` read (CSV or parquet), so
  pandas or pyarrow never open the path themselves.

A refused or unreadable file is a ``ConfigurationError`` (``DamagedRecord`` for the project's own records) with
one line naming the file and what is wrong (``error.why``: the same without the file, for a caller that names
the file in its own words); ``load_checked`` then reads a YAML file into a schema, ``load_omegaconf`` into an
OmegaConf node (a recorded config, read with OmegaConf's own YAML rules).
"""

from __future__ import annotations

import errno
import json
import math
import os
import stat
from pathlib import Path

from livelihoods.errors import ConfigurationError, DamagedRecord, LivelihoodsError, explain

MAX_BYTES = 64 * 2**20  # a summary.json is ~50 KB, a config record ~10 KB, a posterior's CSV ~100 KB
MAX_YAML_BYTES = 2**20  # a YAML file the project reads: a config record ~4 KB, the largest config file ~7 KB
MAX_YAML_DEPTH = 50  # nested lists and mappings (a config: 6)
MAX_YAML_NODES = 100_000  # nodes of a YAML document with every alias expanded (a config: ~1,000; OmegaConf takes
#                           ~4 s to build 100,000)


def refuse(path: Path, why: str, record: bool) -> LivelihoodsError:
    """The refusal of file ``path`` (``DamagedRecord`` for one of the project's records, else
    ``ConfigurationError``): ``<path>: <why>``, with ``why`` kept for a caller that names the file its own way."""
    error = (DamagedRecord if record else ConfigurationError)(f"{path}: {why}")
    error.why = why  # what is wrong, without the file: for a caller naming the file its own way
    return error


def why(error: BaseException) -> str:
    """What is wrong with a refused file, without its name (``str(error)`` for an error not raised here)."""
    return getattr(error, "why", None) or (str(error).strip().splitlines() or [type(error).__name__])[0]


def read_bytes(path: Path, *, limit: int = MAX_BYTES, within: Path | None = None, record: bool = False) -> bytes:
    """The content of regular file ``path`` (at most ``limit`` bytes), read without blocking on a FIFO.

    ``within``: a folder the file (after links) must stay inside. ``record``: the file is one of the project's
    own records (refusals are ``DamagedRecord``), else the user's (``ConfigurationError``).
    """
    path = Path(path)
    if within is not None:
        real, root = os.path.realpath(path), os.path.realpath(within)
        if os.path.commonpath([real, root]) != root:
            raise refuse(path, f"is a link to {real}, outside {within}", record)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            raise refuse(path, "no such file", record) from exc
        raise refuse(path, f"cannot be read ({exc.strerror or exc})", record) from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = ("a folder" if stat.S_ISDIR(info.st_mode) else "a FIFO" if stat.S_ISFIFO(info.st_mode)
                    else "a device or socket")
            raise refuse(path, f"is {kind}, not a regular file", record)
        if info.st_size > limit:
            raise refuse(path, f"is {info.st_size:,} bytes, more than the {limit:,} such a file may hold", record)
        chunks, size = [], 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            size += len(chunk)
            if size > limit:  # grew while being read
                raise refuse(path, f"holds more than the {limit:,} bytes such a file may hold", record)
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError as exc:
        raise refuse(path, f"cannot be read ({exc.strerror or exc})", record) from exc
    finally:
        os.close(fd)


def read_text(path: Path, **kwargs) -> str:
    """``read_bytes`` decoded as UTF-8 (a file that is not text is refused in one line)."""
    data = read_bytes(path, **kwargs)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise refuse(Path(path), "is not UTF-8 text", kwargs.get("record", False)) from exc


def check_yaml_size(text: str, path: Path, record: bool = False, limit: int = MAX_YAML_NODES) -> None:
    """Refuse a YAML document whose aliases would expand to more than ``limit`` nodes, that holds a recursive
    alias (a value inside itself) or is nested more than ``MAX_YAML_DEPTH`` deep.

    Counted from the parser's events, before any node is composed (libyaml's composer recurses in C and crashes
    the process on a document nested some 10,000 deep): the expanded size of each anchored value is remembered, so
    the count never expands anything."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    sizes: dict[str, int] = {}  # anchor -> its value's size, every alias in it expanded
    stack: list[list] = []  # open collections: [anchor, size so far]
    total = 0

    def add(n: int) -> None:
        nonlocal total
        if stack:
            stack[-1][1] = min(stack[-1][1] + n, limit + 1)
        else:
            total = min(total + n, limit + 1)

    try:
        for event in yaml.parse(text, Loader=loader):
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                if len(stack) >= MAX_YAML_DEPTH:
                    raise refuse(path, f"is nested more than {MAX_YAML_DEPTH} deep", record)
                stack.append([event.anchor, 1])
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                anchor, n = stack.pop()
                if anchor is not None:
                    sizes[anchor] = n
                add(n)
            elif isinstance(event, yaml.ScalarEvent):
                if event.anchor is not None:
                    sizes[event.anchor] = 1
                add(1)
            elif isinstance(event, yaml.AliasEvent):
                if any(anchor == event.anchor for anchor, _ in stack):
                    raise refuse(path, f"holds a recursive alias (*{event.anchor} inside its own value)", record)
                if event.anchor not in sizes:
                    line = f" at line {event.start_mark.line + 1}" if event.start_mark is not None else ""
                    raise refuse(path, f"not valid YAML{line}: alias *{event.anchor} names no anchor", record)
                add(sizes[event.anchor])
            if total > limit or (stack and stack[-1][1] > limit):
                raise refuse(path, f"its aliases expand to more than {limit:,} values (a YAML alias bomb?)"
                              if len(text) < limit else f"holds more than {limit:,} values", record)
    except yaml.YAMLError as exc:
        raise refuse(path, _yaml_line(exc), record) from exc


def _yaml_line(exc: BaseException) -> str:
    """PyYAML's error as one line without the ``<unicode string>`` it names for text read from a file."""
    return explain(exc).removeprefix("<unicode string>: ").removeprefix("<file>: ")


def load_yaml(path: Path, *, record: bool = False, within: Path | None = None, limit: int = MAX_YAML_BYTES):
    """A YAML file read safely (``read_text``, ``check_yaml_size``) into Python data (safe types only)."""
    import yaml

    text = read_text(path, record=record, within=within, limit=limit)
    check_yaml_size(text, Path(path), record)
    try:
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        raise refuse(Path(path), _yaml_line(exc), record) from exc


def load_omegaconf(path: Path, *, record: bool = False, within: Path | None = None, limit: int = MAX_YAML_BYTES):
    """A YAML file read safely into an OmegaConf node, by OmegaConf's own YAML rules (as ``OmegaConf.load``)."""
    from omegaconf import OmegaConf

    text = read_text(path, record=record, within=within, limit=limit)
    check_yaml_size(text, Path(path), record)
    try:
        return OmegaConf.create(text)
    except Exception as exc:  # PyYAML's or OmegaConf's error becomes one line
        raise refuse(Path(path), _yaml_line(exc), record) from exc


def load_json(path: Path, *, record: bool = False, within: Path | None = None, limit: int = MAX_BYTES):
    """A JSON file read safely; ``NaN`` and ``Infinity`` literals and numbers beyond a float (``1e999``) are refused
    (the project writes ``null``), and so is a document nested too deeply to be read."""
    text = read_text(path, record=record, within=within, limit=limit)

    def no_constant(name: str):
        raise ValueError(f"holds the non-finite number {name}")

    def finite(digits: str) -> float:
        if not math.isfinite(float(digits)):
            raise ValueError(f"holds the number {digits[:20]}{'...' if len(digits) > 20 else ''}, too large for a float")
        return float(digits)

    def whole(digits: str) -> int:
        finite(digits)
        return int(digits)

    try:
        return json.loads(text, parse_constant=no_constant, parse_float=finite, parse_int=whole)
    except ValueError as exc:
        raise refuse(Path(path), f"is not valid JSON ({str(exc).splitlines()[0]})", record) from exc
    except RecursionError as exc:
        raise refuse(Path(path), "is not valid JSON (nested too deeply to be read)", record) from exc


def read_table(path: Path, *, record: bool = False, within: Path | None = None, limit: int = MAX_BYTES):
    """A CSV or parquet file (by its suffix) read safely into a DataFrame: pandas is handed the bytes
    ``read_bytes`` read, never the path; a file pandas or pyarrow cannot parse is refused in one line."""
    import io

    import pandas as pd

    path = Path(path)
    data = read_bytes(path, record=record, within=within, limit=limit)
    try:
        if path.suffix == ".parquet":
            return pd.read_parquet(io.BytesIO(data))
        return pd.read_csv(io.BytesIO(data))
    except Exception as exc:  # pandas and pyarrow raise their own error types
        text = str(exc).strip().splitlines()
        kind = "parquet" if path.suffix == ".parquet" else "CSV"
        raise refuse(path, f"is not a readable {kind} table ({text[0] if text else type(exc).__name__})",
                      record) from exc


def load_checked(schema, path: Path):
    """A YAML file read safely into the dataclass ``schema``; an unknown key, a missing or mistyped field is
    refused in one line naming the file and the key."""
    data = load_yaml(path)
    if data is not None and not isinstance(data, dict):
        raise ConfigurationError(f"{Path(path).name}: not a YAML file of keys (its top level is a "
                                 f"{type(data).__name__}, not a mapping of {schema.__name__}'s keys)")
    try:
        return to_schema(schema, data or {})
    except ConfigurationError as exc:
        raise ConfigurationError(f"{Path(path).name}: {exc}") from exc


def to_schema(schema, data):
    """``data`` (Python data, e.g. a record read back) as the dataclass ``schema``; an unknown key, a missing or
    mistyped field is one line naming the key (an unknown key with the schema's own keys as the allowed ones)."""
    from omegaconf import OmegaConf

    try:
        return OmegaConf.to_object(OmegaConf.merge(OmegaConf.structured(schema), OmegaConf.create(data)))
    except Exception as exc:  # OmegaConf's errors become one line
        raise ConfigurationError(_schema_line(exc)) from exc


def _schema_line(exc: BaseException) -> str:
    """``explain``'s line; where a key is unknown, with the keys of the schema's dataclass that lacks it (OmegaConf
    names it) as the allowed ones (``explain`` knows the run config's)."""
    import dataclasses

    from omegaconf.errors import ConfigKeyError

    e = exc
    while e is not None and not isinstance(e, ConfigKeyError):
        e = e.__cause__ or e.__context__
    kind = getattr(e, "object_type", None)
    if e is not None and getattr(e, "full_key", None) and dataclasses.is_dataclass(kind):
        return f"{e.full_key}: unknown key, allowed keys: {', '.join(f.name for f in dataclasses.fields(kind))}"
    return explain(exc)
