"""The common base of interventions: the declaration, lifecycle, targeting, own random stream, budget and ledger.

**A policy is declared once**, in its own module ``simulation/policies/<name>.py`` (with its config file
``configs/policy/<name>.yaml``): a ``Policy`` subclass whose class attributes say everything the rest of
the project needs to know about it, read from the registry (``simulation.policies.POLICIES``) by Hydra's
schema (``PolicyConfigs``), the public API, the report, the labels, the dashboard, the optimiser, the
intervention comparison and the tools:

==================  ==========================================================
``name``            its key: ``policy=[<name>]``, ``policy.<name>.*``, ``cost.<name>``
``config``          its config schema (a ``PolicyConfig`` dataclass; values in ``configs/policy/<name>.yaml``)
``order``           its place among the policies acting at the same point of the step (lower first)
``words``           its name in a sentence ("start-up kit")
``label``           its name on a control ("Start-up kit for completers")
``lever``           the number a programme chooses (``Lever``: config field, unit, range), or ``Lever(None)``
``settings``        on/off settings shown beside the lever: (config field, label)
``outcomes``        the outcomes it exists for (``Outcome``: group, indicator, words)
``person_fields``   the person fields its hooks set (directly or through the phases it applies)
==================  ==========================================================

Lifecycle: the model calls every selected policy at fixed points of the
monthly step (``docs/ODD.md``, schedule):

==================  ==========================================================
``start_of_month``  after returnee arrivals, before enrolment
``before_attendance`` after enrolment, before the dropout decision (given this month's trainees)
``after_training``  after course progress and completion (given the same trainees)
``after_matching``  after the month's main job-matching round (given who searched: ascending indices)
``before_migration`` after intent update, before the migration decision
==================  ==========================================================

A policy changes person state or decision inputs there, never the kernels.
Its random draws come from its own counter-based streams (``policy.<name>.<purpose>``), so
switching it on leaves every other process's draws unchanged (common random
numbers), and a policy that reaches nobody or pays nothing leaves the run
bit-identical to the run without it.

**Services people choose to use.** A policy whose config is a ``TakeUpConfig`` offers a service that the
person offered uses or not (``take_up``): coverage (offered) and use differ, and its ledger reports both.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from simulation.metrics import is_far
from simulation.schema import PolicyConfig, logit, slope, usd
from simulation.state import ABROAD


@dataclass
class TakeUpConfig(PolicyConfig):
    """The drivers of using a service one is offered (``take_up_probability``): trust in it (``take_up_logit``,
    the log-odds of using it at no distance and no fee), the distance to it (the centre where it is delivered)
    and what the user pays for each unit the programme pays for (``user_fee``, USD; the programme pays the rest)."""
    take_up_logit: float = logit()
    take_up_logit_per_10km: float = slope()
    user_fee: float = usd()
    take_up_logit_per_fee_share: float = slope()


def take_up_probability(distance_km, household_income, cfg: TakeUpConfig, units=1.0):
    """P(use | offered):  logit P = a_0 - a_d d / 10 - a_f n f / max(y, 1)

    (a_0 = ``take_up_logit``: trust; d the distance to the centre in km, a_d = ``take_up_logit_per_10km``; f the
    ``user_fee`` for each of the n ``units`` the person would pay for (a mother's children), against the
    household's income per capita y, a_f = ``take_up_logit_per_fee_share``)."""
    x = (cfg.take_up_logit - cfg.take_up_logit_per_10km * np.asarray(distance_km) / 10.0
         - cfg.take_up_logit_per_fee_share * cfg.user_fee * np.asarray(units) / np.maximum(household_income, 1.0))
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # the logistic, without overflow for a huge fee or logit


@dataclass(frozen=True)
class Lever:
    """The number a programme chooses for a policy: config field ``policy.<name>.<field>`` (None: the policy is
    on or off at its configured settings), shown with ``unit``; the values a programme would consider are
    0, step, 2 step, ..., high, where 0 leaves the policy out (the dashboard's slider, the optimiser's grid).
    A unit starting with "share" is a share in [0, 1], shown as a percentage."""

    field: str | None
    unit: str = ""
    high: float = 1.0
    step: float = 1.0

    def key(self, policy: str) -> str | None:
        """The dotted config key: ``policy.<policy>.<field>``."""
        return None if self.field is None else f"policy.{policy}.{self.field}"


@dataclass(frozen=True)
class Outcome:
    """An outcome a policy exists for: ``indicator`` of ``group`` (``all``, a group of summary.json's
    ``by_group``, or the people reached: ``completers``, ``enrolees``), named ``words`` in a report."""

    group: str
    indicator: str
    words: str


class Policy:
    """Base class; a subclass declares itself (see the module docstring) and overrides the hooks it needs."""

    name: ClassVar[str] = "policy"
    config: ClassVar[type[PolicyConfig]] = PolicyConfig
    order: ClassVar[int] = 0
    words: ClassVar[str] = ""
    label: ClassVar[str] = ""
    lever: ClassVar[Lever] = Lever(None)
    settings: ClassVar[tuple[tuple[str, str], ...]] = ()
    outcomes: ClassVar[tuple[Outcome, ...]] = ()
    person_fields: ClassVar[tuple[str, ...]] = ()

    def __init__(self, cfg: PolicyConfig, model):
        self.cfg = cfg
        self.model = model
        self.spent = 0.0  # USD paid out so far (the ledger; ``monthly_spending`` by month)
        self.committed = 0.0  # USD promised and not yet paid (wage subsidies running): the budget holds it back
        self.grants = 0
        self.exhausted_month: int | None = None
        self.monthly_spending: dict[int, float] = {}
        self.supported = np.zeros(0, dtype=np.int64)  # who holds this month's support (``support``)
        self.ever_offered = self.ever_used = None  # coverage and use of a service (``take_up``)

    # --- lifecycle hooks (no-ops unless overridden) ---------------------------
    def start_of_month(self) -> None: ...

    def before_attendance(self, trainees: np.ndarray) -> None: ...

    def after_training(self, trainees: np.ndarray) -> None: ...

    def after_matching(self, searchers: np.ndarray) -> None: ...

    def before_migration(self) -> None: ...

    # --- helpers ----------------------------------------------------------------
    def targeted(self, rows: np.ndarray) -> np.ndarray:
        """The persons of ``rows`` (ascending indices) present, at home and in the policy's target group.

        Policies first narrow the population to the few it concerns (trainees,
        completers, returnees) and ask here about those only: a month at a million
        persons then pays for no whole-population mask per policy.
        """
        m, P = self.model, self.model.people
        keep = (P.arrival_month[rows] <= m.month) & (P.status[rows] != ABROAD)
        target = self.cfg.target
        if target == "women":
            keep &= P.female[rows]
        elif target == "mothers":
            keep &= P.female[rows] & (P.dependents[rows] > 0)
        elif target == "returnees":
            keep &= P.is_returnee[rows]
        elif target == "far":
            keep &= self._far()[rows]
        elif target != "all":
            district = [d.name for d in m.cfg.scenario.districts].index(target.split(":", 1)[1])
            keep &= P.district[rows] == district
        return rows[keep]

    def _far(self) -> np.ndarray:
        """The "far" group of this month (median distance of the persons present), computed once a month."""
        m, P = self.model, self.model.people
        if getattr(self, "_far_month", None) != m.month:
            self._far_mask, self._far_month = is_far(P, P.arrival_month <= m.month), m.month
        return self._far_mask

    def support(self, field: str, granted: np.ndarray, value, none) -> None:
        """This month's support: person ``field`` is ``value`` for ``granted`` and ``none`` again for last month's
        recipients. Only this policy sets ``field``, so only the persons it gave it to need resetting, not the
        population."""
        values = getattr(self.model.people, field)
        values[self.supported] = none
        self.supported = granted
        values[granted] = value

    def take_up(self, offered: np.ndarray, draws: np.ndarray, units=1.0) -> np.ndarray:
        """Of the persons ``offered`` (ascending), those who choose to use the service: u < ``take_up_probability``
        (u: the persons' ``draws``, a month's or one fixed for the run; ``units``: what each would pay the fee for).
        Records who was ever offered it; ``served`` records who used it."""
        P = self.model.people
        if self.ever_offered is None:
            self.ever_offered, self.ever_used = np.zeros(P.n, dtype=bool), np.zeros(P.n, dtype=bool)
        self.ever_offered[offered] = True
        return offered[draws < take_up_probability(P.distance_km[offered], P.household_income[offered], self.cfg,
                                                   units)]

    def served(self, users: np.ndarray) -> np.ndarray:
        """Record ``users`` as having used the service (those the budget paid for); returns them."""
        self.ever_used[users] = True
        return users

    def wages_offered(self, rows: np.ndarray, employers: np.ndarray) -> np.ndarray:
        """The wage each person of ``rows`` would be paid by the matching employer of ``employers`` (the rule
        ``offered_wage``: a subsidy is a share of the wage actually paid, not of the wage posted)."""
        from simulation.kernels.rules import offered_wage, perceived_skill

        m, P = self.model, self.model.people
        wage, threshold, formal = m.inputs["employer_wage"], m.inputs["employer_threshold"], m.inputs["employer_formal"]
        return np.array([offered_wage(wage[e], threshold[e], perceived_skill(P.skill[i], P.claimed_skill[i],
                                                                            P.is_returnee[i], P.certified[i]),
                                      P.certified[i], P.recognised[i], P.work_skill[i], formal[e], m.rules.labour)
                         for i, e in zip(rows, employers)], dtype=np.float64)

    def net_of_fee(self, unit_cost):
        """What the programme pays for a unit the user pays ``user_fee`` towards (never below 0)."""
        return np.maximum(np.asarray(unit_cost, dtype=np.float64) - self.cfg.user_fee, 0.0)

    def draws(self, purpose: str, rows: np.ndarray) -> np.ndarray:
        """This month's draw of each person in ``rows`` from this policy's own stream for ``purpose``."""
        return self.model.streams.uniform(f"policy.{self.name}.{purpose}", self.model.month, self.model.people.uid[rows])

    def setup_draws(self, purpose: str) -> np.ndarray:
        """Per-person draws fixed for the whole run (e.g. who is offered a place), one per person row."""
        return self.model.streams.uniform(f"policy.{self.name}.{purpose}", -1, self.model.people.uid)

    def left(self) -> float:
        """What the budget still allows (USD): budget - spent - committed (infinite without a budget)."""
        return math.inf if self.cfg.budget is None else max(0.0, self.cfg.budget - self.spent - self.committed)

    def grant(self, candidates: np.ndarray, unit_cost, commit: bool = False) -> np.ndarray:
        """Indices of ``candidates`` (indices) the budget can pay for, charged to the ledger (``commit``: promised,
        to be paid month by month, ``SubsidisedHires``).

        Without a budget everyone is granted. When the remaining budget cannot
        pay for all, candidates are served in the order of a lottery draw
        (``policy.<name>.budget`` stream) while the money lasts; the month is
        recorded as the one the budget ran out. Spending never exceeds the budget.
        """
        candidates = np.asarray(candidates)
        cost = np.broadcast_to(np.asarray(unit_cost, dtype=np.float64), candidates.shape)
        if self.cfg.budget is not None and candidates.size:
            remaining = self.left()
            if cost.sum() > remaining:
                order = np.argsort(self.draws("budget", candidates), kind="stable")
                affordable = np.cumsum(cost[order]) <= remaining + 1e-9
                keep = np.sort(order[affordable])
                candidates, cost = candidates[keep], cost[keep]
                if self.exhausted_month is None:
                    self.exhausted_month = self.model.record_month
        if commit:
            self.committed += float(cost.sum())
            self.grants += candidates.size
        else:
            self.charge(float(cost.sum()), candidates.size)
        return candidates

    def can_pay(self, amount: float) -> bool:
        """Whether the budget (if any) still covers ``amount``; a policy that cannot pay does nothing."""
        return self.left() + 1e-9 >= amount

    def has_money(self) -> bool:
        return self.left() > 0

    def pay_subsidies(self, hires: "SubsidisedHires") -> None:
        """Once a month, after jobs end: pay the month's subsidies of ``hires`` still in their jobs, and release
        what was promised to jobs that ended before their subsidy did."""
        paid, released = hires.settle(self.model.people)
        self.charge(paid)
        self.committed = max(0.0, self.committed - paid - released)

    def charge(self, amount: float, grants: int = 0) -> None:
        if amount:
            self.spent += amount
            month = self.model.record_month
            self.monthly_spending[month] = self.monthly_spending.get(month, 0.0) + amount
        self.grants += grants  # one per person per month granted

    def report(self) -> dict:
        out = {
            "spent": self.spent,
            "budget": self.cfg.budget,
            "budget_exhausted_month": self.exhausted_month,
            "grants": self.grants,
        }
        if isinstance(self.cfg, TakeUpConfig):  # coverage and use: persons ever offered the service, ever using it
            out |= {"offered": int(self.ever_offered.sum()) if self.ever_offered is not None else 0,
                    "used": int(self.ever_used.sum()) if self.ever_used is not None else 0}
        return out


class SubsidisedHires:
    """The hires a wage-subsidy policy paid for: what was committed, what was paid, and the effect while paid
    and after.

    ``add(people, ids, month, months, share)`` records this month's subsidised hires (person rows; the hire is
    paid the month it is made, if the job lasts the month) and returns the commitment, share x wage x months,
    which the policy commits at hiring. ``settle(people)``, once a month after jobs end (``before_migration``),
    pays a month for each hire still in its job (share x wage, up to the subsidy's months) and returns
    (paid, released): what it paid this month, and the promise released of the months that will not be paid,
    share x wage x (months - months paid) for each hire whose job ended before its subsidy did (dismissal,
    separation, emigration). So a policy spends the subsidy on the wages actually paid, in the months they are
    paid. ``report(people, month)`` counts the hires: ``hires``; ``subsidised_now`` (in
    the same job, still paid); ``subsidy_ended`` (hires whose subsidy's last month has passed, month
    h + M - 1 for a hire in month h) and, of those, ``employed_after`` (in work at home now: wage or own
    business) and ``same_job_after`` (still in the subsidised job)."""

    def __init__(self):
        int_, float_ = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        self.ids, self.last, self.employers, self.months, self.paid = int_, int_, int_, int_, int_
        self.monthly, self.open = float_, np.zeros(0, dtype=bool)  # subsidy a month (share x wage); not settled

    def add(self, people, ids: np.ndarray, month: int, subsidy_months: int, share) -> float:
        if not ids.size:
            return 0.0
        n = ids.size
        self.ids = np.concatenate([self.ids, ids])
        self.last = np.concatenate([self.last, np.full(n, month + subsidy_months - 1, dtype=np.int64)])
        self.employers = np.concatenate([self.employers, people.employer[ids].astype(np.int64)])
        self.months = np.concatenate([self.months, np.full(n, subsidy_months, dtype=np.int64)])
        self.paid = np.concatenate([self.paid, np.zeros(n, dtype=np.int64)])
        monthly = share * people.earnings[ids].astype(np.float64)
        self.monthly = np.concatenate([self.monthly, monthly])
        self.open = np.concatenate([self.open, np.ones(n, dtype=bool)])
        return float(monthly.sum() * subsidy_months)

    def settle(self, people) -> tuple[float, float]:
        from simulation.state import WAGE_EMPLOYED

        rows = np.flatnonzero(self.open)
        if not rows.size:
            return 0.0, 0.0
        ids = self.ids[rows]
        same = (people.status[ids] == WAGE_EMPLOYED) & (people.employer[ids] == self.employers[rows])
        self.paid[rows[same]] += 1
        done = rows[~same | (self.paid[rows] >= self.months[rows])]
        self.open[done] = False
        return (float(self.monthly[rows[same]].sum()),
                float((self.monthly[done] * (self.months[done] - self.paid[done])).sum()))

    def report(self, people, month: int) -> dict:
        from simulation.state import SELF_EMPLOYED, WAGE_EMPLOYED

        if not self.ids.size:
            return {"hires": 0, "subsidised_now": 0, "subsidy_ended": 0, "employed_after": 0, "same_job_after": 0,
                    "committed_unpaid": 0.0}
        ids, ends, employers = self.ids, self.last, self.employers
        status, employer = people.status[ids], people.employer[ids]
        same = (status == WAGE_EMPLOYED) & (employer == employers)
        ended = ends <= month
        working = (status == WAGE_EMPLOYED) | (status == SELF_EMPLOYED)
        return {"hires": int(ids.size), "subsidised_now": int((same & ~ended).sum()),
                "subsidy_ended": int(ended.sum()), "employed_after": int((working & ended).sum()),
                "same_job_after": int((same & ended).sum()),
                "committed_unpaid": float((self.open * self.monthly * (self.months - self.paid)).sum())}
