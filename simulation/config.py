"""The config schemas of a run: scenario, behaviour, the policies switched on, and the run itself.

The schemas hold no numbers: every value comes from ``configs/`` (with its
unit and source). Hydra composes the YAML files onto these dataclasses in
struct mode (``livelihoods/compose.py``), so a misspelt key is an error; :func:`validate` then checks
every range once, at the entry point, and reports the first violation as
one line naming the key and what is allowed. The field types and the check
are ``simulation/schema.py``; each policy's schema is declared in its own
module (``simulation/policies/<name>.py``), and ``PolicyConfigs`` holds one
optional field per registered policy.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Optional

from simulation.schema import (  # noqa: F401 - the schema's language, re-exported for the config's readers
    ENGINES,
    MAX_BUDGET_USD,
    MAX_FACTOR,
    MAX_KM,
    MAX_LOGIT,
    MAX_MONTHS,
    MAX_PER_1000,
    MAX_PERSONS,
    MAX_SIGMA,
    MAX_USD,
    MISSING,
    SEED_MAX,
    TARGETS,
    ConfigError,
    PolicyConfig,
    bounded,
    choice,
    count,
    describe,
    label,
    logit,
    months,
    names,
    nonneg,
    optional_months,
    per_1000,
    positive,
    require,
    share,
    shares_sum_to_one,
    sigma,
    slope,
    usd,
    validate,
)

# --------------------------------------------------------------------------- scenario


@dataclass
class DistrictConfig:
    name: str = label()
    urban: bool = MISSING
    population_share: float = bounded(0, 1, lo_open=True)
    wage_level: float = positive(MAX_USD)
    mean_distance_km: float = positive(MAX_KM)
    centres: int = count(1, 100_000)
    employers_per_1000_youth: float = per_1000()


@dataclass
class PopulationConfig:
    age_min: float = bounded(10, 60)
    age_max: float = bounded(10, 60)
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
        require(self.age_min < self.age_max, f"{path}.age_max", f"greater than age_min ({self.age_min})", self.age_max)
        shares_sum_to_one(path, "share_*", [self.share_idle, self.share_unemployed,
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
        require(self.months_abroad_min <= self.months_abroad_max, f"{path}.months_abroad_max",
                 f">= months_abroad_min ({self.months_abroad_min})", self.months_abroad_max)


@dataclass
class TrainingConfig:
    trades: list[str] = field(default=MISSING, metadata=dict(non_empty=True))
    seats_per_1000_youth: float = nonneg(MAX_PER_1000)  # 0: no programme (nobody is admitted)
    intake_interval_months: int = months(1)
    last_intake_month: int | None = optional_months(1)  # the last intake (record month, >= 1); null: no end
    course_hours: float = positive(MAX_MONTHS * 744)
    hours_per_month: float = positive(744)  # hours in a month
    certification_rate: float = share()
    recognised_share: float = share()
    childcare_on_site: bool = MISSING
    cost_per_trainee_month: float = usd()
    skill_gain: float = share()

    def check(self, path: str) -> None:
        names(path, "trades", self.trades)
        months = self.course_hours / self.hours_per_month
        require(months <= MAX_MONTHS, f"{path}.course_hours", f"at most {MAX_MONTHS} months of sessions "
                 f"(hours_per_month = {self.hours_per_month:g})", self.course_hours)


@dataclass
class EmployerConfig:
    vacancies_per_month: float = nonneg(1000)  # per employer
    skill_threshold_min: float = share()
    skill_threshold_max: float = share()
    wage_offer_sigma: float = sigma()
    apprentice_host_share: float = share()
    probation_months: int = months(1)
    informal_share: float = share()  # share of employers that are informal
    informal_wage_ratio: float = positive(MAX_FACTOR)  # informal employers' posted wage / formal ones'

    def check(self, path: str) -> None:
        require(self.skill_threshold_min <= self.skill_threshold_max, f"{path}.skill_threshold_max",
                 f">= skill_threshold_min ({self.skill_threshold_min})", self.skill_threshold_max)


@dataclass
class DestinationConfig:
    name: str = label()
    expected_wage: float = positive(MAX_USD)
    migration_cost: float = usd()


@dataclass
class ScenarioConfig:
    name: str = label()
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
        shares_sum_to_one(path, "districts[*].population_share", [d.population_share for d in self.districts])
        names = [d.name for d in self.districts]
        twice = sorted({name for name in names if names.count(name) > 1})
        require(not twice, f"{path}.districts[*].name", "a different name for each district (policies target "
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
    subsidy_skill_per_share: float = nonneg(1.0)
    skill_depreciation_rate: float = share()
    learning_rate: float = share()
    work_skill_max: float = nonneg(1.0)
    informal_separation_rate: float = share()
    wage_return_per_skill: float = nonneg(MAX_FACTOR)
    wage_reference_skill: float = share()
    certificate_wage_premium: float = nonneg(1.0)
    recognised_wage_premium: float = nonneg(1.0)


@dataclass
class SelfEmploymentParams:
    entry_logit: float = logit()
    capital_logit_per_wage: float = slope()
    capital_needed_wages: float = nonneg(MAX_FACTOR)
    trained_logit: float = logit()
    failure_logit: float = logit()
    failure_skill_logit: float = slope()
    capital_failure_logit_per_wage: float = slope()
    capital_depreciation_rate: float = share()
    capital_loss_on_failure: float = share()
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
    family_share: float = bounded(0, 1, hi_open=True)


@dataclass
class BehaviourConfig:
    name: str = label()
    enrolment: EnrolmentParams = MISSING
    dropout: DropoutParams = MISSING
    labour: LabourParams = MISSING
    self_employment: SelfEmploymentParams = MISSING
    income: IncomeParams = MISSING
    intent: IntentParams = MISSING
    migration: MigrationParams = MISSING


# --------------------------------------------------------------------------- policies


def _policy_configs() -> type:
    """``PolicyConfigs``: one optional field per registered policy (``simulation.policies.POLICIES``), in the
    policies' order; a policy switched on (``policy=[stipend,childcare]``) holds its config, the others None."""
    from simulation.policies.registry import POLICIES

    def selected(self) -> dict[str, PolicyConfig]:
        """The policies switched on, in the registry's order: name -> config."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if getattr(self, f.name) is not None}

    fields = [(name, Optional[policy.config], field(default=None)) for name, policy in POLICIES.items()]
    return dataclasses.make_dataclass("PolicyConfigs", fields, module=__name__, namespace={
        "selected": selected, "__doc__": "The interventions switched on (``policy=[stipend,childcare]``); None = off."})


PolicyConfigs = _policy_configs()


# --------------------------------------------------------------------------- run


@dataclass
class RunConfig:
    """One run of the model: what it simulates and with which numbers (how it is shown is the entry points')."""

    seed: int = count(0, SEED_MAX)
    posterior: str | None = None  # name of a stored posterior (configs/calibration/<name>/): run its draw `draw`
    draw: int = count(0, MAX_PERSONS)
    burn_in_months: int = months(0)  # (before `months`, which shadows the helper below it)
    months: int = months(1)
    trial_horizons: list[int] = field(default=MISSING, metadata={"non_empty": True})  # months after a lottery
    engine: str = choice(*ENGINES)
    threads: int = count(0, 1024)
    scenario: ScenarioConfig = MISSING
    behaviour: BehaviourConfig = MISSING
    policy: PolicyConfigs = field(default_factory=PolicyConfigs)

    def check(self, path: str) -> None:
        h = self.trial_horizons
        require(all(isinstance(x, int) and not isinstance(x, bool) and 1 <= x <= MAX_MONTHS for x in h)
                and list(h) == sorted(set(h)), "trial_horizons",
                f"a list of distinct whole months in [1, {MAX_MONTHS}], ascending", h)
        require(self.posterior is not None or self.draw == 0, "draw", "0 without a posterior (posterior=<name> "
                "chooses the stored posterior whose draws are numbered)", self.draw)
        s = self.scenario
        youth = s.n_youth
        arrivals = s.n_youth * s.returnees.arrivals_per_1000_per_month / 1000.0 * (self.burn_in_months + self.months)
        if youth + arrivals > MAX_PERSONS:  # person indices are int32
            key = "scenario.n_youth" if youth >= arrivals else "scenario.returnees.arrivals_per_1000_per_month"
            require(False, key, f"small enough that the youth ({youth:,}) and the returnees arriving over "
                     f"{self.burn_in_months + self.months} months ({arrivals:,.0f}) stay below {MAX_PERSONS:,} persons", getattr(
                         s if key == "scenario.n_youth" else s.returnees, key.rpartition(".")[2]))
        districts = [d.name for d in s.districts]
        allowed = ", ".join([*TARGETS, *(f"district:{name}" for name in districts)])
        for name, policy in self.policy.selected().items():
            target = policy.target
            ok = target in TARGETS or (target.startswith("district:") and target[9:] in districts)
            require(ok, f"policy.{name}.target", f"one of {allowed}", target)
