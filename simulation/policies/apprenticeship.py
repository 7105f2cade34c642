"""Apprenticeships with a wage subsidy (seed 000: ~60% of businesses willing to host).

After the month's main matching round, employers willing to host apprentices
open extra places (Poisson, mean ``extra_vacancies_per_host``) and a second
round is held for targeted completers still searching. Each place comes with a
subsidy of ``wage_subsidy_share`` of the wage for ``subsidy_months``: the
employer takes an apprentice whose skill is up to ``subsidised_threshold`` below
the job's threshold, and when the subsidy ends keeps one whose skill does not
cover the wage only if the review lets them stay (``separation_transition``).
The subsidy is committed at hiring for its whole length (share x the wage the
hire is paid x months; a budget holds it back) and paid month by month while the
job lasts (``SubsidisedHires``): spending is the subsidy paid.
"""

from __future__ import annotations

from dataclasses import dataclass

from simulation.policies.base import Lever, Outcome, Policy, SubsidisedHires
from simulation.schema import PolicyConfig, months, nonneg, share
from simulation.state import UNEMPLOYED


@dataclass
class ApprenticeshipConfig(PolicyConfig):
    wage_subsidy_share: float = share()
    subsidy_months: int = months(1)
    extra_vacancies_per_host: float = nonneg(1000)


class Apprenticeship(Policy):
    name = "apprenticeship"
    config = ApprenticeshipConfig
    order = 70
    words = "apprenticeship"
    label = "Apprenticeships with a wage subsidy"
    lever = Lever(None)  # on or off at its configured settings
    outcomes = (Outcome("completers", "wage_employment_rate_12m_after_course", "completers in wage jobs, 12 months after"),)
    # its matching round's hires (phase accept_offer)
    person_fields = ("status", "employer", "earnings", "job_threshold", "tenure_months", "ever_hired",
                     "subsidy_months_left", "wage_subsidy_share", "wage_subsidy_months", "formal_job")

    def __init__(self, cfg, model):
        super().__init__(cfg, model)
        self.hosts = model.inputs["employer_hosts"]  # the employers' own willingness, read each month
        self.subsidised = SubsidisedHires()

    def report(self) -> dict:
        return super().report() | self.subsidised.report(self.model.people, self.model.month)

    def before_migration(self):
        self.pay_subsidies(self.subsidised)

    def after_matching(self, searchers):
        m, P, c = self.model, self.model.people, self.cfg
        extra = m.draw_vacancies(f"policy.{self.name}.places", c.extra_vacancies_per_host) * self.hosts
        if not extra.any() or not self.has_money():
            return
        m.vacancies += extra.astype(m.vacancies.dtype)
        completers = searchers[P.completed[searchers]]
        candidates = self.targeted(completers[P.status[completers] == UNEMPLOYED])
        # the place brings its subsidy to this round (a voucher a candidate holds is set aside and given back)
        held = P.wage_subsidy_share[candidates].copy(), P.wage_subsidy_months[candidates].copy()
        P.wage_subsidy_share[candidates], P.wage_subsidy_months[candidates] = c.wage_subsidy_share, c.subsidy_months
        offered = m.make_offers(candidates, f"policy.{self.name}.choice", f"policy.{self.name}.priority")
        offers = m.scratch["offer"]
        subsidy = c.wage_subsidy_share * self.wages_offered(offered, offers[offered]) * c.subsidy_months
        granted = self.grant(offered, subsidy, commit=True)  # an offer the budget cannot subsidise is not made
        m.consider_offers(granted)
        hired = granted[P.employer[granted] == offers[granted]]
        if c.wage_subsidy_share > 0:
            self.subsidised.add(P, hired, m.month, c.subsidy_months, c.wage_subsidy_share)  # charged by grant
        P.wage_subsidy_share[candidates], P.wage_subsidy_months[candidates] = held
        declined = granted[P.employer[granted] != offers[granted]]
        refund = c.wage_subsidy_share * self.wages_offered(declined, offers[declined]) * c.subsidy_months
        self.committed = max(0.0, self.committed - float(refund.sum()))  # a declined offer promises nothing
