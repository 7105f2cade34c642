"""A search's preset (``configs/optimise/<NAME>.yaml``): its schema, loading, checks and the levers it searches.

The levers are the registry's (``simulation.policies.POLICIES``): every registered policy is searched with its
declared ``Lever`` (0, step, ..., high; on/off for a policy without one) unless the preset names the
``policies`` to search or changes a lever's range under ``levers``. A policy added to the registry is
searched with no edit here or in the preset.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path

from livelihoods.errors import ConfigurationError
from livelihoods.paths import ROOT
from simulation.policies import POLICIES, Lever

PRESETS = ROOT / "configs" / "optimise"
DEFAULT_PRESET = "budget_500k"


@dataclass
class Objective:
    key: str = "counts.completed"
    direction: str = "maximize"  # maximize | minimize


@dataclass
class Range:
    """A preset's change to a policy's declared lever: its upper end and step (None: as declared)."""
    high: float | None = None
    step: float | None = None


@dataclass
class Preset:
    budget_usd: float = 500000.0
    budget_n_youth: int = 20000  # the population (scenario.n_youth) the budget is for; it scales with the population
    budget_key: str = "cost.policies"
    objectives: list[Objective] = field(default_factory=list)
    seeds: list[int] = field(default_factory=lambda: [1, 2, 3, 4, 5])
    verify_seeds: list[int] = field(default_factory=lambda: [1001, 1002, 1003, 1004, 1005])
    population: int = 24
    trials: int = 192  # candidates in all: NSGA-II's and the local search's
    sampler_seed: int = 1
    confidence: float = 0.95
    polish_rounds: int = 0  # after NSGA-II: rounds of local search around the best packages within budget
    polish_starts: int = 1  # ... around this many of the best within budget per objective (one local optimum
    #                         is not a search)
    polish_share: float = 0.5  # the share of ``trials`` kept for the local search (when polish_rounds > 0)
    policies: list[str] | None = None  # the policies searched (None: every registered policy)
    levers: dict[str, Range] = field(default_factory=dict)  # a searched policy's lever with another range


def searched_levers(preset: Preset) -> dict[str, Lever]:
    """Each searched policy's lever, in the order of the registry: as declared, with the preset's range."""
    names = list(POLICIES) if preset.policies is None else preset.policies
    out = {}
    for name in POLICIES:
        if name in names:
            lever, given = POLICIES[name].lever, preset.levers.get(name, Range())
            out[name] = replace(lever, high=lever.high if given.high is None else float(given.high),
                                step=lever.step if given.step is None else float(given.step))
    return out


def top(lever: Lever) -> float:
    """The largest value searched: the last step at or below ``high`` (1 for an on/off policy)."""
    return math.floor(lever.high / lever.step + 1e-9) * lever.step if lever.field is not None else 1.0


def pin(preset: Preset) -> None:
    """Write the searched policies and every lever's range into the preset, so that what is stored for
    ``--resume`` searches the same levers even after the registry has changed."""
    levers = searched_levers(preset)
    preset.policies = list(levers)
    preset.levers = {name: Range(lever.high, lever.step) for name, lever in levers.items() if lever.field is not None}


def load_preset(name_or_path: str) -> Preset:
    """A preset by name (``configs/optimise/<name>.yaml``) or path, checked: one line per mistake."""
    from livelihoods.files import load_checked

    path = Path(name_or_path)
    if path.suffix not in (".yaml", ".yml"):
        path = PRESETS / f"{name_or_path}.yaml"
    if not path.exists():
        names = ", ".join(sorted(p.stem for p in PRESETS.glob("*.yaml")))
        raise ConfigurationError(f"--preset: no preset {name_or_path!r}; allowed: {names}, or the path of a YAML file")
    preset: Preset = load_checked(Preset, path)
    check_preset(preset, f"--preset {path.stem}")
    return preset


def preset_from(stored: dict, where: str = "preset") -> Preset:
    """The preset stored in ``optimise.json`` (pinned: ``pin``), read into the schema as a preset file is: an
    unknown key, a missing or mistyped field is one line (``ConfigurationError``) naming ``where`` and the key;
    its ranges are ``check_preset``'s."""
    from livelihoods.files import to_schema

    p = dict(stored)
    levers = p.get("levers")
    if isinstance(levers, dict) and all(isinstance(lever, dict) for lever in levers.values()) \
            and any("key" in lever for lever in levers.values()):  # a search stored before the registry's levers
        p["policies"] = list(levers)
        p["levers"] = {n: {"high": lever.get("high"), "step": lever.get("step")} for n, lever in levers.items()
                       if lever.get("key") is not None}
    try:
        return to_schema(Preset, p)
    except ConfigurationError as exc:
        raise ConfigurationError(f"{where}: {exc}") from exc


def check_preset(p: Preset, where: str) -> None:
    names = list(POLICIES) if p.policies is None else p.policies
    for name in names:
        if name not in POLICIES:
            raise ConfigurationError(f"{where}: policies: {name} is not a registered policy; allowed: "
                                     f"{', '.join(POLICIES)}")
    if not names or len(set(names)) != len(names):
        raise ConfigurationError(f"{where}: policies: must name at least one policy, each once ({', '.join(POLICIES)}),"
                                 f" or be left out for all of them; got {names}")
    for name, given in p.levers.items():
        if name not in names:
            raise ConfigurationError(f"{where}: levers.{name}: not a searched policy; allowed: {', '.join(names)}")
        if POLICIES[name].lever.field is None and (given.high, given.step) != (None, None):
            raise ConfigurationError(f"{where}: levers.{name}: {name} is on or off (its declaration has no lever), "
                                     "so it has no range; allowed: levers of "
                                     f"{', '.join(n for n in names if POLICIES[n].lever.field is not None)}")
    for name, lever in searched_levers(p).items():
        if lever.field is not None and not (lever.step > 0 and lever.high >= lever.step):
            raise ConfigurationError(f"{where}: levers.{name}: needs step > 0 and high >= step, got step "
                                     f"{lever.step}, high {lever.high}")
    if not 2 <= len(p.objectives) <= 3:
        raise ConfigurationError(f"{where}: objectives: must list 2 or 3 objectives (the first the cost), got "
                                 f"{len(p.objectives)}")
    for i, o in enumerate(p.objectives):
        if o.direction not in ("maximize", "minimize"):
            raise ConfigurationError(f"{where}: objectives[{i}].direction: must be maximize or minimize, got "
                                     f"{o.direction!r}")
    if p.objectives[0].key != p.budget_key or p.objectives[0].direction != "minimize":
        raise ConfigurationError(f"{where}: objectives[0]: must be {{key: {p.budget_key}, direction: minimize}} (the "
                                 f"cost the budget caps)")
    if not (p.budget_usd > 0 and math.isfinite(p.budget_usd)):
        raise ConfigurationError(f"{where}: budget_usd: must be a positive number of USD, got {p.budget_usd}")
    if p.budget_n_youth < 1:
        raise ConfigurationError(f"{where}: budget_n_youth: must be the population the budget is for (>= 1), got "
                                 f"{p.budget_n_youth}")
    for name, seeds in (("seeds", p.seeds), ("verify_seeds", p.verify_seeds)):
        if len(seeds) < 2 or len(set(seeds)) != len(seeds) or min(seeds) < 0:
            raise ConfigurationError(f"{where}: {name}: must list at least 2 different seeds >= 0 (intervals need 2), "
                                     f"got {seeds}")
    if set(p.seeds) & set(p.verify_seeds):
        raise ConfigurationError(f"{where}: verify_seeds: must be fresh, not among seeds; both list "
                                 f"{sorted(set(p.seeds) & set(p.verify_seeds))}")
    if p.population < 2:
        raise ConfigurationError(f"{where}: population: must be an integer >= 2, got {p.population}")
    if p.polish_rounds < 0:
        raise ConfigurationError(f"{where}: polish_rounds: must be an integer >= 0, got {p.polish_rounds}")
    if p.polish_starts < 1:
        raise ConfigurationError(f"{where}: polish_starts: must be an integer >= 1, got {p.polish_starts}")
    if not 0 <= p.polish_share < 1:
        raise ConfigurationError(f"{where}: polish_share: must be in [0, 1) (NSGA-II needs candidates), got "
                                 f"{p.polish_share}")
    if p.trials < 1:
        raise ConfigurationError(f"{where}: trials: must be an integer >= 1, got {p.trials}")
    if not (0.5 <= p.confidence < 1 and f"{100 * p.confidence:g}" != "100"):
        raise ConfigurationError(f"{where}: confidence: must be in [0.5, 1) and print as less than 100% (the "
                                 f"intervals are labelled with it), got {p.confidence!r}")


def scale_budget(preset: Preset, n_youth: int, given: float | None = None) -> str:
    """Set the budget for a search of ``n_youth`` youth and say in one line which budget and why.

    Policy costs grow in proportion to the population (per trainee, per completer, places per 1,000 youth),
    so the preset's ``budget_usd`` for ``budget_n_youth`` youth is scaled to ``n_youth``: a smaller sample
    is held to the same budget per person, not a looser one. A budget ``given`` on the command line is
    taken as it is, for ``n_youth``."""
    from experiments.studies.labels import money

    stated, for_whom = preset.budget_usd, preset.budget_n_youth
    preset.budget_n_youth = n_youth
    if given is not None:
        preset.budget_usd = float(given)
        return (f"budget: {money(given)} USD as given by --budget, for the runs' {n_youth:,} youth (not scaled; the "
                f"preset's is {money(stated)} USD for {for_whom:,} youth)")
    if n_youth == for_whom:
        return f"budget: {money(stated)} USD for {n_youth:,} youth, the population the preset's budget is for"
    preset.budget_usd = stated * n_youth / for_whom
    return (f"budget: {money(preset.budget_usd)} USD, the preset's {money(stated)} USD for {for_whom:,} youth scaled to "
            f"the runs' {n_youth:,} youth (policy costs grow in proportion to the population; --budget USD sets "
            f"it as it is)")
