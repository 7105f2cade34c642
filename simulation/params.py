"""Parameter bundles handed to the rules and kernels.

Each bundle is a ``NamedTuple`` of floats (numba passes them to compiled code
as typed tuples). They are built once per run from the validated config, so
the rules read ``p.base_logit`` and the config stays the one place a value
is set.
"""

from __future__ import annotations

import typing
from typing import NamedTuple

from simulation.config import RunConfig


class EnrolmentRule(NamedTuple):
    apply_probability: float
    distance_decay_km: float
    returnee_apply_factor: float


class DropoutRule(NamedTuple):
    base_logit: float
    early_logit: float
    early_decay_months: float
    opportunity_cost_share: float
    opportunity_logit_per_wage: float
    affordable_transport_share: float
    transport_barrier_hazard: float
    care_barrier_hazard: float
    minimum_wage: float


class TrainingRule(NamedTuple):
    skill_gain: float
    skill_depreciation_rate: float
    learning_rate: float
    work_skill_max: float


class LabourRule(NamedTuple):
    join_probability: float
    discourage_probability: float
    search_probability: float
    reservation_ratio: float
    separation_rate: float
    dismissal_probability: float
    informal_separation_rate: float
    wage_return_per_skill: float
    wage_reference_skill: float
    certificate_wage_premium: float
    recognised_wage_premium: float
    work_skill_max: float


class HiringRule(NamedTuple):
    certified_bonus: float
    recognised_bonus: float
    priority_noise: float
    subsidy_skill_per_share: float
    work_skill_max: float


class LivelihoodRule(NamedTuple):
    entry_logit: float
    capital_logit_per_wage: float
    capital_needed_wages: float
    trained_logit: float
    skill_gain: float
    failure_logit: float
    failure_skill_logit: float
    capital_failure_logit_per_wage: float
    capital_depreciation_rate: float
    capital_loss_on_failure: float
    income_factor: float
    saving_rate: float
    savings_drawdown_rate: float
    minimum_wage: float


class IntentRule(NamedTuple):
    base_logit: float
    gap_logit: float
    peers_logit: float
    not_working_logit: float
    age_logit_per_decade: float
    adjustment_rate: float
    expected_wage: float


class AgeingRule(NamedTuple):
    age_min: float
    age_max: float


class MigrationRule(NamedTuple):
    threshold: float
    migration_cost: float
    move_probability: float
    family_share: float


class Rules(NamedTuple):
    enrolment: EnrolmentRule
    dropout: DropoutRule
    training: TrainingRule
    labour: LabourRule
    hiring: HiringRule
    livelihood: LivelihoodRule
    intent: IntentRule
    ageing: AgeingRule
    migration: MigrationRule


def _pick(cls, *sources, **extra):
    """Fill the fields of bundle ``cls`` from config sections (first match wins) and ``extra``."""
    types = typing.get_type_hints(cls)
    values = dict(extra)
    for src in sources:
        for name in cls._fields:
            if name not in values and hasattr(src, name):
                values[name] = getattr(src, name)
    return cls(**{name: types[name](value) for name, value in values.items()})


def build_rules(cfg: RunConfig) -> Rules:
    """Bundle the behavioural and scenario parameters the rules need."""
    b, s = cfg.behaviour, cfg.scenario
    return Rules(
        enrolment=_pick(EnrolmentRule, b.enrolment),
        dropout=_pick(DropoutRule, b.dropout, minimum_wage=s.minimum_wage),
        training=_pick(TrainingRule, s.training, b.labour),
        labour=_pick(LabourRule, b.labour),
        hiring=_pick(HiringRule, b.labour),
        livelihood=_pick(LivelihoodRule, b.self_employment, b.income, minimum_wage=s.minimum_wage,
                         skill_gain=s.training.skill_gain),
        intent=_pick(IntentRule, b.intent, expected_wage=s.destination.expected_wage),
        ageing=_pick(AgeingRule, s.population),
        migration=_pick(MigrationRule, b.migration, threshold=b.intent.threshold,
                        migration_cost=s.destination.migration_cost),
    )
