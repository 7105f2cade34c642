"""Words for what the tables and figures show: arms, indicators with their units, money and shares.

A setting is a job's swept overrides (``policy.stipend.monthly_amount=45 scenario=mali_returnees``); a
reader of a report sees "stipend 45 USD/month, mali_returnees". Indicators carry their denominator and
unit; levels of shares print as percentages and differences of shares as percentage points.
"""

from __future__ import annotations

import math
import re

from simulation.policies import POLICIES

# dotted keys that are no policy's lever -> (words, unit); a policy's lever is worded by its declaration
OTHER_KEYS = {
    "policy.apprenticeship.wage_subsidy_share": ("apprenticeship wage subsidy", "share of the wage"),
    "policy.job_referral.extra_applications": ("referral applications", "per month"),
    "policy.certification.pass_threshold": ("certification threshold", "skill index"),
    "scenario.n_youth": ("youth", "persons"),
}


def policy_words(name: str) -> str:
    """A policy's name in a sentence ("start-up kit"), from its declaration."""
    policy = POLICIES.get(name)
    return policy.words if policy is not None else name.replace("_", " ")


def levers() -> dict[str, tuple[str, str]]:
    """Dotted key of each policy's lever -> (the policy's words, the lever's unit)."""
    return {policy.lever.key(name): (policy.words, policy.lever.unit)
            for name, policy in POLICIES.items() if policy.lever.field is not None}


def lever_value(words: str, unit: str, value: float | str) -> str:
    """A lever at a value: "stipend 45 USD/month", "childcare 25% (of trainee mothers)" for a share."""
    if unit.startswith("share"):
        try:
            return f"{words} {100 * float(value):.0f}% ({unit.removeprefix('share ')})"
        except ValueError:
            return f"{words} {value}"
    return f"{words} {_number(value)} {_singular(unit) if _is_one(value) else unit}"


def _is_one(value) -> bool:
    try:
        return float(value) == 1.0
    except ValueError:
        return False


def _singular(unit: str) -> str:
    """"places per 1,000 youth a year" at 1: "place per 1,000 youth a year" (the first word's plural s)."""
    first, _, rest = unit.partition(" ")
    if first.endswith("s") and not first.endswith("ss") and len(first) > 3:
        first = first[:-1]
    return f"{first} {rest}".strip()


# indicator -> (words, unit); shares are 0-1 in the data
INDICATORS = {
    "dropout_rate": ("dropout", "share of enrolees"),
    "completion_rate": ("completion", "share of enrolees"),
    "certification_rate": ("certification", "share of completers"),
    "employment_rate": ("employment", "share of persons at home"),
    "wage_employment_rate": ("wage employment", "share of persons at home"),
    "self_employment_rate": ("self-employment", "share of persons at home"),
    "informal_employment_share": ("informal employment", "share of the employed"),
    "dismissal_rate": ("dismissals", "share of those hired"),
    "mean_monthly_income": ("earnings", "USD/month per person at home"),
    "migration_intent_rate": ("migration intent", "share of persons at home"),
    "migration_rate": ("migration", "share of the population"),
    "regular_migration_rate": ("regular migration", "share of the population"),
    "irregular_migration_rate": ("irregular migration", "share of the population"),
    "enrolled": ("enrolees", "persons"),
    "cost_total": ("programme cost", "USD"),
    "cost_average_per_enrolee": ("average cost per enrolee", "USD"),
    "cost_average_per_completer": ("average cost per completer", "USD"),
    "cost_average_per_employed_completer": ("average cost per employed completer", "USD"),
}


def arm(setting: str) -> str:
    """Human words for a setting: ``policy=[]`` -> "no package", all policies -> "full package",
    ``policy=[stipend,childcare]`` -> "stipend + childcare", ``policy.stipend.monthly_amount=45`` ->
    "stipend 45 USD/month"; several swept keys joined by ", "; an empty setting -> "all runs"."""
    parts = [p for p in re.split(r" +(?=[\w.@/+~-]+=)", setting.strip()) if p]  # a value may hold spaces
    return ", ".join(_part(p) for p in parts) or "all runs"


def _part(part: str) -> str:
    key, _, value = part.partition("=")
    if key == "policy":
        chosen = [v.strip() for v in value.strip("[]").split(",") if v.strip()]
        if not chosen:
            return "no package"
        if sorted(chosen) == sorted(POLICIES):
            return "full package"
        return " + ".join(policy_words(c) for c in chosen)
    if key == "scenario":
        return value
    named = levers() | OTHER_KEYS
    if key in named:
        return lever_value(*named[key], value)
    return f"{key.rsplit('.', 1)[-1].replace('_', ' ')} {value}"


def _number(value: str) -> str:
    try:
        x = float(value)
    except ValueError:
        return value
    return f"{x:,.0f}" if x == int(x) else f"{x:g}"


def indicator(name: str) -> tuple[str, str]:
    """(words, unit) of an indicator, including the outcomes of people reached and the trial's."""
    if name in INDICATORS:
        return INDICATORS[name]
    for suffix in ("_6m_after_course", "_12m_after_course"):
        if name.endswith(suffix):
            words, unit = indicator(name[: -len(suffix)])
            h = suffix.split("_")[1]
            return f"{words}, {h} after the course", unit.replace("persons at home", "the group")
    if name == "mean_monthly_earnings":
        return "earnings", "USD/month"
    if name == "abroad_rate":
        return "abroad", "share of the group"
    if name.startswith("persons_"):
        return "persons observed", "persons"
    if name.startswith("trial_"):
        words = name[len("trial_"):].replace("_", " ")
        words = words.replace("control ", "lottery losers: ").replace("itt ", "ITT ").replace("tot ", "TOT ")
        return words, "USD/month" if "earnings" in name else "share of participants"
    if name.startswith("incremental_cost_per_"):
        return f"cost per extra {name[len('incremental_cost_per_'):].replace('_', ' ')}", "USD"
    if name.startswith("count_"):
        return name[len("count_"):].replace("_", " "), "persons"
    if name.startswith("take_up_"):
        policy, kind = name[len("take_up_"):].rsplit("_", 1) if not name.endswith("_use_share") else (
            name[len("take_up_"):-len("_use_share")], "share")
        words = policy_words(policy) if policy in POLICIES else policy.replace("_", " ")
        return {"offered": (f"{words}: offered", "persons"), "used": (f"{words}: used", "persons"),
                "share": (f"{words}: use", "share of those offered")}[kind]
    return name.replace("_", " "), ""


def share_range(name: str, difference: bool = False) -> tuple[float, float] | None:
    """The range an indicator's value can take, for the shares (None for counts, money and ratio estimates):
    [0, 1] for a share, [-1, 1] for a difference of two shares (a trial's ITT and first stage are one); and
    [0, inf) for a count of persons (None for a difference of counts)."""
    unit = indicator(name)[1]
    if unit == "persons":
        return None if difference else (0.0, math.inf)
    if not unit.startswith("share"):
        return None
    if name.startswith("trial_"):
        if difference or "_tot_" in name:
            return None  # a difference of ITTs spans [-2, 2]; TOT is ITT / first stage, unbounded
        return (0.0, 1.0) if name.startswith("trial_control_") else (-1.0, 1.0)
    return (-1.0, 1.0) if difference else (0.0, 1.0)


def money(x: float) -> str:
    """USD rounded to whole dollars with thousands separators (3 significant figures above 10,000)."""
    if x is None or not math.isfinite(x):
        return "–"
    if abs(x) >= 10_000:
        digits = int(math.floor(math.log10(abs(x)))) - 2
        x = round(x, -digits)
    return f"{x:,.0f}"


def value(name: str, x: float, difference: bool = False) -> str:
    """One number as a reader wants it: shares as % (levels) or percentage points (differences), money
    rounded, counts whole."""
    if x is None or not math.isfinite(x):
        return "–"
    unit = indicator(name)[1]
    if unit.startswith("share"):
        return _signed(f"{100 * x:+.1f}") if difference else f"{100 * x:.1f}%"
    if unit == "USD":
        return _signed(("+" if difference and x > 0 else "") + money(x))
    if unit == "persons":
        return _signed(f"{x:+,.0f}") if difference else f"{x:,.0f}"
    return _signed(f"{x:+,.1f}") if difference else f"{x:,.1f}"


def _signed(text: str) -> str:
    """A difference that rounds to zero has no sign: "0" and "0.0", not "-0" or "+0.0"."""
    return text.lstrip("+-") if not text.strip("+-0.,") else text


def setting_order(setting: str):
    """Settings in numeric order of each swept value (stipend 15 before 105); lists of policies by their
    length (no package, each policy alone, pairs ..., the full package last), then alphabetically; other
    text values alphabetically, the baseline first."""
    key = []
    for part in setting.split(" "):
        value = part.split("=", 1)[-1]
        try:
            key.append((0, float(value), ""))
        except ValueError:
            if value.startswith("["):
                key.append((1, float(len([v for v in value.strip("[]").split(",") if v.strip()])), value))
            else:
                key.append((1 if value != "baseline" else -1, 0.0, value))
    return tuple(key)
