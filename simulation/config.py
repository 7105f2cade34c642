"""Configuration schemas and their range checks.

The schemas hold no numbers: every value comes from ``configs/`` (with its
unit and source). Hydra composes the YAML files onto these dataclasses in
struct mode (``experiments/configuration.py``), so a misspelt key is an error; :func:`validate` then checks
every range once, at the entry point, and reports the first violation as
one line naming the key and what is allowed.
"""

from __future__ import annotations

import dataclasses
import math
import re
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
        super().__init__(f"{key}: must be {allowed}, got {got!r}")


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


def _num(lo=None, hi=None, *, lo_open=False, hi_open=False, integer=False):
    """A required numeric field with an allowed range (checked by ``validate``); ``hi`` is always finite."""
    assert hi is not None and math.isfinite(hi), "every numeric key needs an upper bound the code can hold"
    return field(default=MISSING, metadata=dict(lo=lo, hi=hi, lo_open=lo_open, hi_open=hi_open, integer=integer))


def count(lo=0, hi=MAX_PERSONS):
    return _num(lo, hi, integer=True)


def months(lo=0, hi=MAX_MONTHS):
    return _num(lo, hi, integer=True)


def positive(hi):
    return _num(0, hi, lo_open=True)


def nonneg(hi):
    return _num(0, hi)


def share():
    return _num(0, 1)


def usd():
    return nonneg(MAX_USD)


def logit():
    return _num(-MAX_LOGIT, MAX_LOGIT)


def slope():
    return nonneg(MAX_LOGIT)


def sigma():
    return nonneg(MAX_SIGMA)


def per_1000():
    return nonneg(MAX_PER_1000)


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
    if not meta or (meta.get("optional") and value is None):
        return
    if "choices" in meta:
        if value not in meta["choices"]:
            raise ConfigError(key, describe(meta), value)
        return
    bad = isinstance(value, bool) or not isinstance(value, (int, float))
    bad = bad or not math.isfinite(value) or (meta["integer"] and float(value) != int(value))
    lo, hi = meta["lo"], meta["hi"]
    if not bad and lo is not None:
        bad = value <= lo if meta["lo_open"] else value < lo
    if not bad and hi is not None:
        bad = value >= hi if meta["hi_open"] else value > hi
    if bad:
        raise ConfigError(key, describe(meta), value)


def validate(obj, path: str = "") -> None:
    """Check every field of a (nested) config dataclass; raise ``ConfigError`` on the first bad value."""
    for f in dataclasses.fields(obj):
        key = f"{path}.{f.name}" if path else f.name
        value = getattr(obj, f.name)
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


def _require(cond: bool, key: str, allowed: str, got) -> None:
    if not cond:
        raise ConfigError(key, allowed, got)


def _names(path: str, name: str, values) -> None:
    """A list of distinct names: words of letters, digits, '_', '-' or spaces."""
    for value in values:
        _require(isinstance(value, str) and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_ -]*", value) is not None,
                 f"{path}.{name}",
                 "a list of distinct names (letters, digits, '_', '-', spaces)", value)
    twice = sorted({v for v in values if values.count(v) > 1})
    _require(not twice, f"{path}.{name}", "a list of distinct names", ", ".join(twice))


def _shares_sum_to_one(path: str, name: str, values) -> None:
    total = sum(values)
    _require(abs(total - 1.0) < 1e-6, f"{path}.{name}" if path else name, "shares summing to 1", round(total, 6))


# --------------------------------------------------------------------------- scenario


@dataclass
class DistrictConfig:
    name: str = MISSING
    urban: bool = MISSING
    population_share: float = _num(0, 1, lo_open=True)
    wage_level: float = positive(MAX_USD)
    mean_distance_km: float = positive(MAX_KM)
    centres: int = count(1, 100_000)
    employers_per_1000_youth: float = per_1000()


@dataclass
class PopulationConfig:
    age_min: float = _num(10, 60)
    age_max: float = _num(10, 60)
    female_share: float = share()
    education_mean_years: float = nonneg(30)
    education_sd_years: float = nonneg(30)
    education_max_years: float = positive(30)
    skill_base: float = share()
    skill_per_education_year: float = nonneg(1)
    skill_sd: float = nonneg(1)
    mother_share: float = share()
    father_share: float = share()
    extra_dependents_mean: float = nonneg(20)  # Poisson mean
    household_income_ratio: float = positive(MAX_FACTOR)
    household_income_sigma: float = sigma()
    savings_median: float = usd()
    savings_sigma: float = sigma()
    distance_sigma: float = sigma()
    share_idle: float = share()
    share_unemployed: float = share()
    share_wage_employed: float = share()
    share_self_employed: float = share()
    intent_alpha: float = positive(1000)  # Beta distribution shapes
    intent_beta: float = positive(1000)
    peer_alpha: float = positive(1000)
    peer_beta: float = positive(1000)

    def check(self, path: str) -> None:
        _require(self.age_min < self.age_max, f"{path}.age_max", f"greater than age_min ({self.age_min})", self.age_max)
        _shares_sum_to_one(path, "share_*", [self.share_idle, self.share_unemployed,
                                            self.share_wage_employed, self.share_self_employed])


@dataclass
class ReturneeConfig:
    initial_share: float = share()
    arrivals_per_1000_per_month: float = per_1000()
    months_abroad_min: int = months()
    months_abroad_max: int = months()
    overclaim_mean: float = share()
    overclaim_sd: float = nonneg(1)
    savings_median: float = usd()
    savings_sigma: float = sigma()

    def check(self, path: str) -> None:
        _require(self.months_abroad_min <= self.months_abroad_max, f"{path}.months_abroad_max",
                 f">= months_abroad_min ({self.months_abroad_min})", self.months_abroad_max)


@dataclass
class TrainingConfig:
    trades: list[str] = field(default=MISSING, metadata=dict(non_empty=True))
    seats_per_1000_youth: float = nonneg(MAX_PER_1000)  # 0: no programme (nobody is admitted)
    intake_interval_months: int = months(1)
    course_hours: float = positive(MAX_MONTHS * 744)
    hours_per_month: float = positive(744)  # hours in a month
    certification_rate: float = share()
    recognised_share: float = share()
    childcare_on_site: bool = MISSING
    cost_per_trainee_month: float = usd()
    skill_gain: float = share()

    def check(self, path: str) -> None:
        _names(path, "trades", self.trades)
        months = self.course_hours / self.hours_per_month
        _require(months <= MAX_MONTHS, f"{path}.course_hours", f"at most {MAX_MONTHS} months of sessions "
                 f"(hours_per_month = {self.hours_per_month:g})", self.course_hours)


@dataclass
class EmployerConfig:
    vacancies_per_month: float = nonneg(1000)  # per employer
    skill_threshold_min: float = share()
    skill_threshold_max: float = share()
    wage_offer_sigma: float = sigma()
    apprentice_host_share: float = share()
    probation_months: int = months(1)

    def check(self, path: str) -> None:
        _require(self.skill_threshold_min <= self.skill_threshold_max, f"{path}.skill_threshold_max",
                 f">= skill_threshold_min ({self.skill_threshold_min})", self.skill_threshold_max)


@dataclass
class DestinationConfig:
    name: str = MISSING
    expected_wage: float = positive(MAX_USD)
    migration_cost: float = usd()


@dataclass
class ScenarioConfig:
    name: str = MISSING
    n_youth: int = count(1)
    minimum_wage: float = positive(MAX_USD)
    transport_cost_per_km: float = nonneg(MAX_USD / MAX_KM)
    districts: list[DistrictConfig] = field(default=MISSING, metadata=dict(non_empty=True))
    population: PopulationConfig = MISSING
    returnees: ReturneeConfig = MISSING
    training: TrainingConfig = MISSING
    employers: EmployerConfig = MISSING
    destination: DestinationConfig = MISSING

    def check(self, path: str) -> None:
        _shares_sum_to_one(path, "districts[*].population_share", [d.population_share for d in self.districts])
        names = [d.name for d in self.districts]
        twice = sorted({name for name in names if names.count(name) > 1})
        _require(not twice, f"{path}.districts[*].name", "a different name for each district (policies target "
                 "districts by name)", ", ".join(twice))


# --------------------------------------------------------------------------- behaviour


@dataclass
class EnrolmentParams:
    apply_probability: float = share()
    distance_decay_km: float = positive(MAX_KM)
    returnee_apply_factor: float = nonneg(MAX_FACTOR)


@dataclass
class DropoutParams:
    base_logit: float = logit()
    early_logit: float = logit()
    early_decay_months: float = positive(MAX_MONTHS)
    opportunity_cost_share: float = nonneg(MAX_FACTOR)
    opportunity_logit_per_wage: float = slope()
    affordable_transport_share: float = nonneg(MAX_FACTOR)
    transport_barrier_hazard: float = share()
    care_barrier_hazard: float = share()


@dataclass
class LabourParams:
    join_probability: float = share()
    discourage_probability: float = share()
    search_probability: float = share()
    reservation_ratio: float = nonneg(MAX_FACTOR)
    certified_bonus: float = nonneg(MAX_FACTOR)
    recognised_bonus: float = nonneg(MAX_FACTOR)
    priority_noise: float = nonneg(MAX_FACTOR)
    separation_rate: float = share()
    dismissal_probability: float = share()


@dataclass
class SelfEmploymentParams:
    entry_logit: float = logit()
    capital_logit_per_wage: float = slope()
    trained_logit: float = logit()
    failure_logit: float = logit()
    failure_skill_logit: float = slope()
    capital_failure_logit_per_wage: float = slope()
    income_factor: float = nonneg(MAX_FACTOR)


@dataclass
class IncomeParams:
    saving_rate: float = share()
    savings_drawdown_rate: float = share()


@dataclass
class IntentParams:
    base_logit: float = logit()
    gap_logit: float = logit()
    peers_logit: float = logit()
    not_working_logit: float = logit()
    age_logit_per_decade: float = logit()
    adjustment_rate: float = share()
    threshold: float = share()


@dataclass
class MigrationParams:
    move_probability: float = share()
    family_share: float = _num(0, 1, hi_open=True)


@dataclass
class BehaviourConfig:
    name: str = MISSING
    enrolment: EnrolmentParams = MISSING
    dropout: DropoutParams = MISSING
    labour: LabourParams = MISSING
    self_employment: SelfEmploymentParams = MISSING
    income: IncomeParams = MISSING
    intent: IntentParams = MISSING
    migration: MigrationParams = MISSING


# --------------------------------------------------------------------------- policies

TARGETS = ("all", "women", "mothers", "returnees", "far")  # or "district:<name>"


def _optional_nonneg():
    return field(default=MISSING, metadata=dict(lo=0, hi=MAX_BUDGET_USD, lo_open=False, hi_open=False, integer=False,
                                                optional=True))


@dataclass
class PolicyConfig:
    """Common to every intervention: who it reaches and how much it may spend."""
    target: str = MISSING
    budget: Optional[float] = _optional_nonneg()


@dataclass
class StipendConfig(PolicyConfig):
    monthly_amount: float = usd()
    conditional_on_attendance: bool = MISSING
    max_months: int = months(1)


@dataclass
class ChildcareConfig(PolicyConfig):
    coverage_share: float = share()
    cost_per_child_month: float = usd()


@dataclass
class TransportConfig(PolicyConfig):
    covered_share: float = share()
    community_delivery: bool = MISSING
    community_cost_per_trainee_month: float = usd()


@dataclass
class MobilitySchemeConfig(PolicyConfig):
    slots_per_1000_youth_per_year: float = _num(0, 1000)  # no more slots a year than people
    min_age: float = _num(10, 60)
    max_age: float = _num(10, 60)
    requires_completed_training: bool = MISSING
    pre_departure_months: int = months(0)
    placement_probability: float = share()
    contract_months: int = months(1)
    saved_share_of_wage_abroad: float = share()
    cost_per_participant: float = usd()

    def check(self, path: str) -> None:
        _require(self.min_age <= self.max_age, f"{path}.max_age", f">= min_age ({self.min_age})", self.max_age)


@dataclass
class StartupKitConfig(PolicyConfig):
    kit_value: float = usd()
    certified_only: bool = MISSING


@dataclass
class CertificationConfig(PolicyConfig):
    pass_threshold: float = share()
    route_to_training: bool = MISSING
    cost_per_assessment: float = usd()


@dataclass
class ApprenticeshipConfig(PolicyConfig):
    wage_subsidy_share: float = share()
    subsidy_months: int = months(1)
    extra_vacancies_per_host: float = nonneg(1000)


@dataclass
class JobReferralConfig(PolicyConfig):
    extra_applications: int = count(1, 20)  # each is a matching round
    cost_per_referral: float = usd()


@dataclass
class PolicyConfigs:
    """The interventions switched on (``policy=[stipend,childcare]``); None = off."""
    stipend: Optional[StipendConfig] = None
    childcare: Optional[ChildcareConfig] = None
    transport: Optional[TransportConfig] = None
    mobility_scheme: Optional[MobilitySchemeConfig] = None
    startup_kit: Optional[StartupKitConfig] = None
    certification: Optional[CertificationConfig] = None
    apprenticeship: Optional[ApprenticeshipConfig] = None
    job_referral: Optional[JobReferralConfig] = None

    def selected(self) -> dict[str, PolicyConfig]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if getattr(self, f.name) is not None}


# --------------------------------------------------------------------------- run


@dataclass
class ReportTargets:
    dropout_rate: float = share()


@dataclass
class ReportConfig:
    confidence: float = _num(0, 1, lo_open=True, hi_open=True)
    credible: float = _num(0, 1, lo_open=True, hi_open=True)
    probability: float = _num(0, 1, lo_open=True, hi_open=True)
    target: ReportTargets = MISSING


@dataclass
class RunConfig:
    seed: int = count(0, SEED_MAX)
    posterior: str | None = None  # name of a stored posterior (configs/calibration/<name>/): run its draw `draw`
    draw: int = count(0, MAX_PERSONS)
    burn_in_months: int = months(0)  # (before `months`, which shadows the helper below it)
    months: int = months(1)
    engine: str = choice(*ENGINES)
    threads: int = count(0, 1024)
    progress: bool = MISSING
    figures: bool = MISSING
    resume: bool = MISSING
    report: ReportConfig = MISSING
    scenario: ScenarioConfig = MISSING
    behaviour: BehaviourConfig = MISSING
    policy: PolicyConfigs = field(default_factory=PolicyConfigs)

    def check(self, path: str) -> None:
        s = self.scenario
        youth = s.n_youth
        arrivals = s.n_youth * s.returnees.arrivals_per_1000_per_month / 1000.0 * (self.burn_in_months + self.months)
        if youth + arrivals > MAX_PERSONS:  # person indices are int32
            key = "scenario.n_youth" if youth >= arrivals else "scenario.returnees.arrivals_per_1000_per_month"
            _require(False, key, f"small enough that the youth ({youth:,}) and the returnees arriving over "
                     f"{self.burn_in_months + self.months} months ({arrivals:,.0f}) stay below {MAX_PERSONS:,} persons", getattr(
                         s if key == "scenario.n_youth" else s.returnees, key.rpartition(".")[2]))
        districts = [d.name for d in s.districts]
        allowed = ", ".join([*TARGETS, *(f"district:{name}" for name in districts)])
        for name, policy in self.policy.selected().items():
            target = policy.target
            ok = target in TARGETS or (target.startswith("district:") and target[9:] in districts)
            _require(ok, f"policy.{name}.target", f"one of {allowed}", target)
