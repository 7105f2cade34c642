"""Configuration schemas and their range checks.

The schemas hold no numbers: every value comes from ``configs/`` (with its
unit and source). Hydra composes the YAML files onto these dataclasses in
struct mode, so a misspelt key is an error; :func:`validate` then checks
every range once, at the entry point, and reports the first violation as
one line naming the key and what is allowed.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, Optional

from omegaconf import MISSING

ENGINES = ("numba", "mesa")


class ConfigError(ValueError):
    """A configuration value outside what the model allows."""

    def __init__(self, key: str, allowed: str, got: Any):
        self.key, self.allowed, self.got = key, allowed, got
        super().__init__(f"{key}: must be {allowed}, got {got!r}")


def _num(lo=None, hi=None, *, lo_open=False, hi_open=False, integer=False):
    """A required numeric field with an allowed range (checked by ``validate``)."""
    return field(default=MISSING, metadata=dict(lo=lo, hi=hi, lo_open=lo_open, hi_open=hi_open, integer=integer))


def count(lo=0):
    return _num(lo, integer=True)


def positive():
    return _num(0, lo_open=True)


def nonneg():
    return _num(0)


def share():
    return _num(0, 1)


def real():
    return _num()


def choice(*options):
    return field(default=MISSING, metadata=dict(choices=options))


def _describe(meta) -> str:
    if "choices" in meta:
        return "one of " + ", ".join(meta["choices"])
    if meta.get("optional"):
        return _describe({**meta, "optional": False}) + " or null"
    kind = "an integer" if meta["integer"] else "a finite number"
    lo, hi = meta["lo"], meta["hi"]
    if lo is not None and hi is not None:
        return f"{kind} in {'(' if meta['lo_open'] else '['}{lo}, {hi}{')' if meta['hi_open'] else ']'}"
    if lo is not None:
        return f"{kind} {'>' if meta['lo_open'] else '>='} {lo}"
    if hi is not None:
        return f"{kind} {'<' if meta['hi_open'] else '<='} {hi}"
    return kind


def _check_value(key: str, value, meta) -> None:
    if not meta or (meta.get("optional") and value is None):
        return
    if "choices" in meta:
        if value not in meta["choices"]:
            raise ConfigError(key, _describe(meta), value)
        return
    bad = isinstance(value, bool) or not isinstance(value, (int, float))
    bad = bad or not math.isfinite(value) or (meta["integer"] and float(value) != int(value))
    lo, hi = meta["lo"], meta["hi"]
    if not bad and lo is not None:
        bad = value <= lo if meta["lo_open"] else value < lo
    if not bad and hi is not None:
        bad = value >= hi if meta["hi_open"] else value > hi
    if bad:
        raise ConfigError(key, _describe(meta), value)


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


def _shares_sum_to_one(path: str, name: str, values) -> None:
    total = sum(values)
    _require(abs(total - 1.0) < 1e-6, f"{path}.{name}" if path else name, "shares summing to 1", round(total, 6))


# --------------------------------------------------------------------------- scenario


@dataclass
class DistrictConfig:
    name: str = MISSING
    urban: bool = MISSING
    population_share: float = _num(0, 1, lo_open=True)
    wage_level: float = positive()
    mean_distance_km: float = positive()
    centres: int = count(1)
    employers_per_1000_youth: float = nonneg()


@dataclass
class PopulationConfig:
    age_min: float = _num(10, 60)
    age_max: float = _num(10, 60)
    female_share: float = share()
    education_mean_years: float = nonneg()
    education_sd_years: float = nonneg()
    education_max_years: float = positive()
    skill_base: float = share()
    skill_per_education_year: float = nonneg()
    skill_sd: float = nonneg()
    mother_share: float = share()
    father_share: float = share()
    extra_dependents_mean: float = nonneg()
    household_income_ratio: float = positive()
    household_income_sigma: float = nonneg()
    savings_median: float = nonneg()
    savings_sigma: float = nonneg()
    distance_sigma: float = nonneg()
    share_idle: float = share()
    share_unemployed: float = share()
    share_wage_employed: float = share()
    share_self_employed: float = share()
    intent_alpha: float = positive()
    intent_beta: float = positive()
    peer_alpha: float = positive()
    peer_beta: float = positive()

    def check(self, path: str) -> None:
        _require(self.age_min < self.age_max, f"{path}.age_max", f"greater than age_min ({self.age_min})", self.age_max)
        _shares_sum_to_one(path, "share_*", [self.share_idle, self.share_unemployed,
                                            self.share_wage_employed, self.share_self_employed])


@dataclass
class ReturneeConfig:
    initial_share: float = share()
    arrivals_per_1000_per_month: float = nonneg()
    months_abroad_min: int = count(0)
    months_abroad_max: int = count(0)
    overclaim_mean: float = share()
    overclaim_sd: float = nonneg()
    savings_median: float = nonneg()
    savings_sigma: float = nonneg()

    def check(self, path: str) -> None:
        _require(self.months_abroad_min <= self.months_abroad_max, f"{path}.months_abroad_max",
                 f">= months_abroad_min ({self.months_abroad_min})", self.months_abroad_max)


@dataclass
class TrainingConfig:
    trades: list[str] = field(default=MISSING, metadata=dict(non_empty=True))
    seats_per_1000_youth: float = positive()
    intake_interval_months: int = count(1)
    course_hours: float = positive()
    hours_per_month: float = positive()
    certification_rate: float = share()
    recognised_share: float = share()
    childcare_on_site: bool = MISSING
    cost_per_trainee_month: float = nonneg()
    skill_gain: float = share()


@dataclass
class EmployerConfig:
    sectors: list[str] = field(default=MISSING, metadata=dict(non_empty=True))
    vacancies_per_month: float = nonneg()
    skill_threshold_min: float = share()
    skill_threshold_max: float = share()
    wage_offer_sigma: float = nonneg()
    apprentice_host_share: float = share()
    probation_months: int = count(1)

    def check(self, path: str) -> None:
        _require(self.skill_threshold_min <= self.skill_threshold_max, f"{path}.skill_threshold_max",
                 f">= skill_threshold_min ({self.skill_threshold_min})", self.skill_threshold_max)


@dataclass
class DestinationConfig:
    name: str = MISSING
    expected_wage: float = positive()
    migration_cost: float = nonneg()


@dataclass
class ScenarioConfig:
    name: str = MISSING
    n_youth: int = count(1)
    minimum_wage: float = positive()
    transport_cost_per_km: float = nonneg()
    districts: list[DistrictConfig] = field(default=MISSING, metadata=dict(non_empty=True))
    population: PopulationConfig = MISSING
    returnees: ReturneeConfig = MISSING
    training: TrainingConfig = MISSING
    employers: EmployerConfig = MISSING
    destination: DestinationConfig = MISSING

    def check(self, path: str) -> None:
        _shares_sum_to_one(path, "districts[*].population_share", [d.population_share for d in self.districts])


# --------------------------------------------------------------------------- behaviour


@dataclass
class EnrolmentParams:
    apply_probability: float = share()
    distance_decay_km: float = positive()
    returnee_apply_factor: float = nonneg()


@dataclass
class DropoutParams:
    base_logit: float = real()
    early_logit: float = real()
    early_decay_months: float = positive()
    opportunity_cost_share: float = nonneg()
    opportunity_logit_per_wage: float = nonneg()
    affordable_transport_share: float = nonneg()
    transport_barrier_hazard: float = share()
    care_barrier_hazard: float = share()


@dataclass
class LabourParams:
    join_probability: float = share()
    discourage_probability: float = share()
    search_probability: float = share()
    reservation_ratio: float = nonneg()
    certified_bonus: float = nonneg()
    recognised_bonus: float = nonneg()
    priority_noise: float = nonneg()
    separation_rate: float = share()
    dismissal_probability: float = share()


@dataclass
class SelfEmploymentParams:
    entry_logit: float = real()
    capital_logit_per_wage: float = nonneg()
    trained_logit: float = real()
    failure_logit: float = real()
    failure_skill_logit: float = nonneg()
    capital_failure_logit_per_wage: float = nonneg()
    income_factor: float = nonneg()


@dataclass
class IncomeParams:
    saving_rate: float = share()
    savings_drawdown_rate: float = share()


@dataclass
class IntentParams:
    base_logit: float = real()
    gap_logit: float = real()
    peers_logit: float = real()
    not_working_logit: float = real()
    age_logit_per_decade: float = real()
    adjustment_rate: float = share()
    threshold: float = share()


@dataclass
class MigrationParams:
    move_probability: float = share()


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
    return field(default=MISSING, metadata=dict(lo=0, hi=None, lo_open=False, hi_open=False, integer=False,
                                                optional=True))


@dataclass
class PolicyConfig:
    """Common to every intervention: who it reaches and how much it may spend."""
    target: str = MISSING
    budget: Optional[float] = _optional_nonneg()


@dataclass
class StipendConfig(PolicyConfig):
    monthly_amount: float = nonneg()
    conditional_on_attendance: bool = MISSING
    max_months: int = count(1)


@dataclass
class ChildcareConfig(PolicyConfig):
    coverage_share: float = share()
    cost_per_child_month: float = nonneg()


@dataclass
class TransportConfig(PolicyConfig):
    covered_share: float = share()
    community_delivery: bool = MISSING
    community_cost_per_trainee_month: float = nonneg()


@dataclass
class MobilitySchemeConfig(PolicyConfig):
    slots_per_1000_youth_per_year: float = _num(0, 1000)  # no more slots a year than people
    min_age: float = _num(10, 60)
    max_age: float = _num(10, 60)
    requires_completed_training: bool = MISSING
    pre_departure_months: int = count(0)
    placement_probability: float = share()
    contract_months: int = count(1)
    saved_share_of_wage_abroad: float = share()
    cost_per_participant: float = nonneg()

    def check(self, path: str) -> None:
        _require(self.min_age <= self.max_age, f"{path}.max_age", f">= min_age ({self.min_age})", self.max_age)


@dataclass
class StartupKitConfig(PolicyConfig):
    kit_value: float = nonneg()
    certified_only: bool = MISSING


@dataclass
class CertificationConfig(PolicyConfig):
    pass_threshold: float = share()
    route_to_training: bool = MISSING
    cost_per_assessment: float = nonneg()


@dataclass
class ApprenticeshipConfig(PolicyConfig):
    wage_subsidy_share: float = share()
    subsidy_months: int = count(1)
    extra_vacancies_per_host: float = nonneg()


@dataclass
class JobReferralConfig(PolicyConfig):
    extra_applications: int = count(1)
    cost_per_referral: float = nonneg()


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
    target: ReportTargets = MISSING


@dataclass
class RunConfig:
    seed: int = count(0)
    months: int = count(1)
    engine: str = choice(*ENGINES)
    threads: int = count(0)
    progress: bool = MISSING
    figures: bool = MISSING
    resume: bool = MISSING
    report: ReportConfig = MISSING
    scenario: ScenarioConfig = MISSING
    behaviour: BehaviourConfig = MISSING
    policy: PolicyConfigs = field(default_factory=PolicyConfigs)

    def check(self, path: str) -> None:
        districts = [d.name for d in self.scenario.districts]
        allowed = ", ".join([*TARGETS, *(f"district:{name}" for name in districts)])
        for name, policy in self.policy.selected().items():
            target = policy.target
            ok = target in TARGETS or (target.startswith("district:") and target[9:] in districts)
            _require(ok, f"policy.{name}.target", f"one of {allowed}", target)


def register_configs() -> None:
    """Store the schemas in Hydra's ConfigStore (``base_*`` names, extended by the YAML files)."""
    from hydra.core.config_store import ConfigStore

    from simulation.memory import register_resolvers

    register_resolvers()
    cs = ConfigStore.instance()
    cs.store(name="base_config", node=RunConfig)
    cs.store(group="scenario", name="base_scenario", node=ScenarioConfig)
    cs.store(group="calibration", name="base_behaviour", node=BehaviourConfig, package="behaviour")


def to_run_config(cfg) -> RunConfig:
    """Convert a composed OmegaConf config to typed dataclasses and check every range."""
    from omegaconf import OmegaConf

    obj = OmegaConf.to_object(cfg)
    validate(obj)
    return obj
