"""A package: the value of each searched lever (0 leaves the policy out), as overrides and in words."""

from __future__ import annotations

from experiments.studies.labels import lever_value, policy_words
from simulation.policies import POLICIES, Lever

Package = dict[str, float]  # policy -> its lever's value (on/off policies: 0 or 1)


def number(x: float) -> str:
    """A lever's value as typed on a command line: 45, 0.25 (never 45.0 or 0.25000000000000006)."""
    x = round(float(x), 10)
    return str(int(x)) if x == int(x) else repr(x)


def active(package: Package) -> list[str]:
    """The policies the package funds, in the order of ``POLICIES``."""
    return [name for name in POLICIES if package.get(name, 0) > 0]


def package_overrides(package: Package, levers: dict[str, Lever]) -> list[str]:
    """``policy=[a,b]`` then each funded lever's ``key=value``: what ``experiments.run`` is given."""
    names = active(package)
    out = [f"policy=[{','.join(names)}]"]
    out += [f"{levers[n].key(n)}={number(package[n])}" for n in names if levers[n].field is not None]
    return out


def package_words(package: Package, levers: dict[str, Lever]) -> str:
    """"stipend 45 USD/month + childcare 50% (of trainee mothers offered a place) + certification"; "no package"."""
    names = active(package)
    if not names:
        return "no package"
    return " + ".join(policy_words(n) if levers[n].field is None else lever_value(policy_words(n), levers[n].unit,
                                                                                   package[n]) for n in names)


def package_key(package: Package) -> tuple:
    return tuple(sorted((name, round(float(value), 10)) for name, value in package.items()))
