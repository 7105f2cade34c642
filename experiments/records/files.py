"""Result files written so that a reader never sees half of one: a temporary file of this process, then a rename."""

from __future__ import annotations

import json
import math
import os
import secrets
from pathlib import Path

import pandas as pd


def atomic_write(path: Path, write) -> None:
    """Write through a temporary file in the same folder, then rename: never a half-written file.

    The temporary name is unique to this process and call, so concurrent writers
    never share one; the file is created with the user's umask (like any other
    file, e.g. readable by the group on a shared cluster file system), not 0600.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666))
    try:
        write(str(tmp))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda tmp: Path(tmp).write_text(text))


def _jsonable(obj):
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return None  # NaN (empty denominator) -> null
    return obj


def write_json(path: Path, data: dict) -> None:
    write_text(path, json.dumps(_jsonable(data), indent=2, allow_nan=False) + "\n")


def write_parquet(path: Path, frame: pd.DataFrame) -> None:
    atomic_write(path, lambda tmp: frame.to_parquet(tmp, index=False))
