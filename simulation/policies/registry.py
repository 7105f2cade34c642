"""The registry of policies: every ``Policy`` subclass declared in a module of ``simulation/policies/``.

Adding a policy is one module here (its ``Policy`` subclass, with its config schema and declaration:
``base.py``) and one config file ``configs/policy/<name>.yaml``; nothing else is edited. The modules are
found by listing the package, and the policies ordered by their ``order`` (the order in which they act at
the same point of the step), then by name.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from simulation.policies.base import Policy

NOT_POLICIES = {"base", "registry"}  # the package's modules that declare no policy


def discover() -> dict[str, type[Policy]]:
    """name -> class of every policy declared in the package's modules, in their order."""
    found: dict[str, type[Policy]] = {}
    for info in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if info.name in NOT_POLICIES:
            continue
        module = importlib.import_module(f"{__package__}.{info.name}")
        declared = [obj for obj in vars(module).values() if isinstance(obj, type) and issubclass(obj, Policy)
                    and obj is not Policy and obj.__module__ == module.__name__]
        if len(declared) != 1:
            raise TypeError(f"simulation/policies/{info.name}.py: must declare exactly one Policy subclass, "
                            f"found {len(declared)}")
        policy = declared[0]
        check(policy, info.name)
        found[policy.name] = policy
    return dict(sorted(found.items(), key=lambda item: (item[1].order, item[0])))


def check(policy: type[Policy], module: str) -> None:
    """A declaration the rest of the project can read: its name is its module's, its lever a field of its config."""
    import dataclasses

    from simulation.state import PERSON_FIELDS

    where = f"simulation/policies/{module}.py: {policy.__name__}"
    if policy.name != module:
        raise TypeError(f"{where}: name must be the module's name {module!r}, got {policy.name!r}")
    fields = {f.name for f in dataclasses.fields(policy.config)}
    for field in [policy.lever.field, *(f for f, _ in policy.settings)]:
        if field is not None and field not in fields:
            raise TypeError(f"{where}: {field!r} is not a field of {policy.config.__name__}")
    unknown = [f for f in policy.person_fields if f not in PERSON_FIELDS]
    if unknown:
        raise TypeError(f"{where}: person_fields {unknown} are not person fields (simulation/state.py)")
    if not policy.words or not policy.label:
        raise TypeError(f"{where}: needs its words and its label")


POLICIES: dict[str, type[Policy]] = discover()
