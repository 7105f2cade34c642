"""Config values by dotted key: read one, or set several on a copy and check the copy like any run config."""

from __future__ import annotations

import copy
import dataclasses

from simulation.config import RunConfig, validate


def _child(obj, part: str, key: str):
    """Field ``part`` of a config dataclass, or item ``int(part)`` of a list (e.g. scenario.districts.2)."""
    if isinstance(obj, list) and part.isdigit() and int(part) < len(obj):
        return obj[int(part)]
    if dataclasses.is_dataclass(obj) and hasattr(obj, part):
        return getattr(obj, part)
    raise KeyError(key)


def get_value(cfg, key: str):
    """The value at a dotted key (list items by index: scenario.districts.2.mean_distance_km)."""
    obj = cfg
    for part in key.split("."):
        obj = _child(obj, part, key)
    return obj


def with_values(cfg: RunConfig, values: dict[str, float]) -> RunConfig:
    """A copy of ``cfg`` with dotted keys set (integer keys rounded), checked like any run config."""
    new = copy.deepcopy(cfg)
    for key, value in values.items():
        *path, last = key.split(".")
        obj = new
        for part in path:
            obj = _child(obj, part, key)
        current = _child(obj, last, key)
        setattr(obj, last, int(round(value)) if isinstance(current, int) else float(value))
    validate(new)
    return new
