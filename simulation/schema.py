"""The language of the config schemas: typed fields with an allowed range, and the check of every range.

A schema field holds no number of the model: ``usd()``, ``share()``, ``months(1)`` ... say what a key
allows (its unit and bounds the code can hold); the value comes from ``configs/``. :func:`validate`
checks every range once and reports the first violation as one line naming the key and what is allowed.
The schemas themselves are in ``simulation/config.py`` (scenario, behaviour, run) and in each policy's
module (``simulation/policies/<name>.py``), which extends ``PolicyConfig``.
"""

from __future__ import annotations

import dataclasses
import math
import re
import typing
from dataclasses import dataclass, field
from typing import Any, Optional

# OmegaConf's mark of a mandatory value ("???"): Hydra composes the YAML onto these schemas, and a key no
# file sets is reported as missing. Written out so that the library does not import OmegaConf.
MISSING = "???"

ENGINES = ("numba", "mesa")


class ConfigError(ValueError):
    """A configuration value outside what the model allows."""

    def __init__(self, key: str, allowed: str, got: Any):
        self.key, self.allowed, self.got = key, allowed, got
        shown = repr(got)
        shown = shown if len(shown) <= 80 else f"{shown[:60]}... ({len(shown)} characters)"
        super().__init__(f"{key}: must be {allowed}, got {shown}")


# Upper bounds of every numeric key: values the code holds exactly (person indices and months are
# int32, logits go through exp) and far beyond any setting the model is meant for.
MAX_PERSONS = 1_000_000_000  # persons: indices are int32 (< 2.1e9), with room for arriving returnees
MAX_MONTHS = 1200  # months (100 years): any horizon, course, contract or time abroad
MAX_USD = 1e9  # USD: any one amount of money (a wage, fee, kit, stipend, savings)
MAX_BUDGET_USD = 1e12  # USD: a policy's budget for the whole run
MAX_PER_1000 = 1000.0  # per 1,000 youth: capacities and flows of at most one per person
MAX_LOGIT = 100.0  # logits and logit slopes: exp(100) is already certainty in float64
MAX_SIGMA = 5.0  # log-sd of a lognormal draw
MAX_KM = 10_000.0  # km
MAX_FACTOR = 100.0  # ratios and multipliers
SEED_MAX = 2**32 - 1


def bounded(lo=None, hi=None, *, lo_open=False, hi_open=False, integer=False):
    """A required numeric field with an allowed range (checked by ``validate``); ``hi`` is always finite."""
    assert hi is not None and math.isfinite(hi), "every numeric key needs an upper bound the code can hold"
    return field(default=MISSING, metadata=dict(lo=lo, hi=hi, lo_open=lo_open, hi_open=hi_open, integer=integer))


def count(lo=0, hi=MAX_PERSONS):
    return bounded(lo, hi, integer=True)


def months(lo=0, hi=MAX_MONTHS):
    return bounded(lo, hi, integer=True)


def positive(hi):
    return bounded(0, hi, lo_open=True)


def nonneg(hi):
    return bounded(0, hi)


def share():
    return bounded(0, 1)


def usd():
    return nonneg(MAX_USD)


def logit():
    return bounded(-MAX_LOGIT, MAX_LOGIT)


def slope():
    return nonneg(MAX_LOGIT)


def sigma():
    return nonneg(MAX_SIGMA)


def per_1000():
    return nonneg(MAX_PER_1000)


MAX_LABEL = 200  # characters of a name shown in reports, consoles and file records


def label():
    """A required name shown to readers (a scenario's, a district's): a non-empty line of printable characters."""
    return field(default=MISSING, metadata={"label": True})


def _check_label(key: str, value: str) -> None:
    import unicodedata

    printable = all(unicodedata.category(ch)[0] != "C" for ch in value)  # no control, format or unassigned
    if not value.strip() or len(value) > MAX_LABEL or not printable:
        raise ConfigError(key, f"a name of 1 to {MAX_LABEL} printable characters on one line (no tab, line break "
                               "or control character)", value)


def choice(*options):
    return field(default=MISSING, metadata=dict(choices=options))


def describe(meta) -> str:
    """What a field's metadata allows, in words: 'an integer in [1, 1200]', 'one of numba, mesa'."""
    if "choices" in meta:
        return "one of " + ", ".join(meta["choices"])
    if meta.get("optional"):
        return describe({**meta, "optional": False}) + " or null"
    kind = "an integer" if meta["integer"] else "a finite number"
    lo, hi = (None if v is None else str(int(v)) if meta["integer"] else f"{v:g}" for v in (meta["lo"], meta["hi"]))
    if lo is not None:
        return f"{kind} in {'(' if meta['lo_open'] else '['}{lo}, {hi}{')' if meta['hi_open'] else ']'}"
    return f"{kind} {'<' if meta['hi_open'] else '<='} {hi}"


def _check_value(key: str, value, meta) -> None:
    if not meta or meta.get("label") or (meta.get("optional") and value is None):
        return
    if "choices" in meta:
        if value not in meta["choices"]:
            raise ConfigError(key, describe(meta), value)
        return
    bad = isinstance(value, bool) or not isinstance(value, (int, float))
    if not bad and isinstance(value, float):  # (an int of any size compares exactly with the bounds)
        bad = not math.isfinite(value) or (meta["integer"] and value != int(value))
    lo, hi = meta["lo"], meta["hi"]
    if not bad and lo is not None:
        bad = value <= lo if meta["lo_open"] else value < lo
    if not bad and hi is not None:
        bad = value >= hi if meta["hi_open"] else value > hi
    if bad:
        raise ConfigError(key, describe(meta), value)


def _expected(hint) -> tuple[type | None, bool]:
    """The type a field holds (a dataclass, list, bool, str, int or float; None: not checked here) and whether
    it may be None."""
    args = typing.get_args(hint)
    optional = typing.get_origin(hint) is typing.Union and type(None) in args
    if optional:
        hint = next(a for a in args if a is not type(None))
    origin = typing.get_origin(hint)
    if origin is list:
        return list, optional
    if dataclasses.is_dataclass(hint) or hint in (bool, str, int, float):
        return hint, optional
    return None, optional


def _hints(cls) -> dict:
    cached = _HINTS.get(cls)
    if cached is None:
        cached = _HINTS[cls] = {name: _expected(h) for name, h in typing.get_type_hints(cls).items()}
    return cached


_HINTS: dict = {}


def validate(obj, path: str = "") -> None:
    """Check every field of a (nested) config dataclass: its type (a config altered by hand, e.g. a group set to
    a number or a flag to a text, is refused like a bad override) and its range; raise ``ConfigError`` on the
    first bad value."""
    hints = _hints(type(obj))
    for f in dataclasses.fields(obj):
        key = f"{path}.{f.name}" if path else f.name
        value = getattr(obj, f.name)
        kind, optional = hints.get(f.name, (None, False))
        if value is None and optional:
            continue
        if kind is not None and dataclasses.is_dataclass(kind) and not isinstance(value, kind):
            raise ConfigError(key, f"a group of keys ({kind.__name__})", value)
        if kind is list and not isinstance(value, list):
            raise ConfigError(key, "a list", value)
        if kind is bool and not isinstance(value, bool):
            raise ConfigError(key, "true or false", value)
        if kind is str and not isinstance(value, str) and "choices" not in f.metadata:
            raise ConfigError(key, "a text", value)
        if f.metadata.get("label"):
            _check_label(key, value)
        if dataclasses.is_dataclass(value):
            validate(value, key)
        elif isinstance(value, list):
            if f.metadata.get("non_empty") and not value:
                raise ConfigError(key, "a non-empty list", value)
            for i, item in enumerate(value):
                if dataclasses.is_dataclass(item):
                    validate(item, f"{key}[{i}]")
        else:
            _check_value(key, value, f.metadata)
    check = getattr(obj, "check", None)
    if check is not None:
        check(path)


def require(cond: bool, key: str, allowed: str, got) -> None:
    if not cond:
        raise ConfigError(key, allowed, got)


def names(path: str, name: str, values) -> None:
    """A list of distinct names: words of letters, digits, '_', '-' or spaces."""
    for value in values:
        require(isinstance(value, str) and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_ -]*", value) is not None,
                 f"{path}.{name}",
                 "a list of distinct names (letters, digits, '_', '-', spaces)", value)
    twice = sorted({v for v in values if values.count(v) > 1})
    require(not twice, f"{path}.{name}", "a list of distinct names", ", ".join(twice))


def shares_sum_to_one(path: str, name: str, values) -> None:
    total = sum(values)
    require(abs(total - 1.0) < 1e-6, f"{path}.{name}" if path else name, "shares summing to 1", round(total, 6))


# --------------------------------------------------------------------------- policies (common part)

TARGETS = ("all", "women", "mothers", "returnees", "far")  # or "district:<name>"


def optional_months(lo=0):
    """An optional number of months (null: none): a whole number in [lo, MAX_MONTHS] or null."""
    return field(default=MISSING, metadata={"lo": lo, "hi": MAX_MONTHS, "lo_open": False, "hi_open": False,
                                            "integer": True, "optional": True})


def _optional_nonneg():
    return field(default=MISSING, metadata=dict(lo=0, hi=MAX_BUDGET_USD, lo_open=False, hi_open=False, integer=False,
                                                optional=True))


@dataclass
class PolicyConfig:
    """Common to every intervention: who it reaches and how much it may spend."""
    target: str = MISSING
    budget: Optional[float] = _optional_nonneg()
