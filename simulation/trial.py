"""The virtual trial: the centres' oversubscribed seat lotteries, read as a randomised offer.

When a centre has more waiting applicants than seats at an intake, its lottery decides who is offered
a place: within that centre and intake (the *stratum*), the offer is random. A person joins the trial at
the first such lottery they enter (later lotteries, which some losers win, are the trial's crossover);
``Trial.enter`` records each new participant, their stratum and whether they were offered a place.
``Trial.observe`` snapshots the outcomes of each participant at each horizon after their lottery
(``trial_horizons`` of the run config: 6, 12, 24, 36 and 48 months by default),
and ``Trial.estimates`` reports, like a published trial, per outcome, horizon and sex:

* ITT (intention to treat): the effect of the offer,
      ITT = sum_s n_s (Ybar_s,offered - Ybar_s,not offered) / sum_s n_s,
  over the strata s with both offered and not offered participants (n_s participants), with
  se(ITT)^2 = sum_s n_s^2 (v_s,o / n_s,o + v_s,n / n_s,n) / (sum_s n_s)^2  (v: the sample variances);
* TOT (treatment on the treated, the Wald / instrumental-variable estimator): the effect of starting a
  course, for those who start one because of the offer,
      TOT = ITT(Y) / ITT(D),  D = started a course by the horizon,  se(TOT) ~= se(ITT(Y)) / ITT(D);
* 95% normal intervals, and the first stage ITT(D) and the number of participants.

Outcomes are those at home: a participant abroad at the horizon counts as not employed, with no
earnings, and as not intending to migrate from home; migration (having left) is an outcome of its own.
"""

from __future__ import annotations

import math

import numpy as np

from simulation.state import ABROAD, SELF_EMPLOYED, WAGE_EMPLOYED, PersonState

OUTCOMES = ("completed", "employed", "wage_employed", "self_employed", "formal_wage_employed", "informal_employed",
            "earnings", "intends_to_migrate", "migrated")
TAKE_UP = "started_course"
Z95 = 1.959963984540054


def outcomes_of(people: PersonState, rows: np.ndarray, intent_threshold: float) -> dict[str, np.ndarray]:
    """Each outcome (and the take-up) of the persons ``rows`` now, as floats."""
    p = people
    status, home = p.status[rows], p.status[rows] != ABROAD
    return {
        TAKE_UP: p.enrolled[rows].astype(float),
        "completed": p.completed[rows].astype(float),
        "employed": ((status == WAGE_EMPLOYED) | (status == SELF_EMPLOYED)).astype(float),
        "wage_employed": (status == WAGE_EMPLOYED).astype(float),
        "self_employed": (status == SELF_EMPLOYED).astype(float),
        "formal_wage_employed": ((status == WAGE_EMPLOYED) & p.formal_job[rows]).astype(float),
        # ILO's informal employment: an informal wage job or own-account work
        "informal_employed": (((status == WAGE_EMPLOYED) & ~p.formal_job[rows])
                              | (status == SELF_EMPLOYED)).astype(float),
        "earnings": np.where(home, p.earnings[rows], 0.0),
        "intends_to_migrate": (home & (p.intent[rows] > intent_threshold)).astype(float),
        "migrated": p.migrated[rows].astype(float),
    }


class Trial:
    """Participants of the oversubscribed lotteries and their outcomes at each horizon."""

    def __init__(self, n_persons: int, horizons):
        self.horizons = tuple(int(h) for h in horizons)  # months after the lottery (the config's trial_horizons)
        self.in_trial = np.zeros(n_persons, dtype=bool)
        self.cohorts: list[dict] = []  # one per lottery month: rows, offered, stratum, female, month
        self.observed: dict[tuple[int, int], dict[str, np.ndarray]] = {}  # (cohort, horizon) -> outcomes

    def enter(self, month: int, waiting: np.ndarray, admitted: np.ndarray, centre: np.ndarray,
              seats: np.ndarray, female: np.ndarray) -> None:
        """Record the new participants of this intake's lotteries (``waiting``: ascending person indices)."""
        c = centre[waiting]
        oversubscribed = (np.bincount(c, minlength=seats.size) > seats) & (seats > 0)  # a lottery with winners
        new = waiting[oversubscribed[c] & ~self.in_trial[waiting]]
        if new.size == 0:
            return
        self.in_trial[new] = True
        self.cohorts.append({"month": month, "rows": new, "offered": np.isin(new, admitted, assume_unique=True),
                             "stratum": centre[new].astype(np.int64), "female": female[new].copy()})

    def observe(self, month: int, people: PersonState, intent_threshold: float) -> None:
        """Snapshot the outcomes of the cohorts whose lottery was a horizon ago."""
        for k, cohort in enumerate(self.cohorts):
            h = month - cohort["month"]
            if h in self.horizons:
                self.observed[(k, h)] = outcomes_of(people, cohort["rows"], intent_threshold)

    def estimates(self) -> dict:
        """ITT and TOT per horizon, group (all, women, men) and outcome; see the module docstring."""
        out = {"participants": int(sum(c["rows"].size for c in self.cohorts)),
               "offered": int(sum(c["offered"].sum() for c in self.cohorts)),
               "lotteries": len(self.cohorts), "horizons": {}}
        for h in self.horizons:
            ks = [k for k in range(len(self.cohorts)) if (k, h) in self.observed]
            if not ks:
                continue
            offered = np.concatenate([self.cohorts[k]["offered"] for k in ks])
            # strata: centre x lottery month (each cohort is one month)
            stratum = np.concatenate([self.cohorts[k]["stratum"] * 10_000 + k for k in ks])
            female = np.concatenate([self.cohorts[k]["female"] for k in ks])
            values = {name: np.concatenate([self.observed[(k, h)][name] for k in ks])
                      for name in (TAKE_UP, *OUTCOMES)}
            groups = {"all": np.ones(offered.size, dtype=bool), "women": female, "men": ~female}
            out["horizons"][str(h)] = {g: effects(values, offered[m], stratum[m], m) for g, m in groups.items()}
        return out


def effects(values: dict[str, np.ndarray], offered: np.ndarray, stratum: np.ndarray, mask: np.ndarray) -> dict:
    """ITT, TOT and their 95% intervals of each outcome among the participants in ``mask``."""
    first = stratified_difference(values[TAKE_UP][mask], offered, stratum)
    result = {"participants": int(mask.sum()), "offered": int(offered.sum()),
              "first_stage": first["estimate"], "first_stage_se": first["se"]}
    for name in OUTCOMES:
        itt = stratified_difference(values[name][mask], offered, stratum)
        tot = wald(itt, first)
        result[name] = {"control_mean": itt["control_mean"],
                        "itt": itt["estimate"], "itt_se": itt["se"], **interval("itt", itt),
                        "tot": tot["estimate"], "tot_se": tot["se"], **interval("tot", tot)}
    return result


def stratified_difference(y: np.ndarray, offered: np.ndarray, stratum: np.ndarray) -> dict:
    """The offer's effect on ``y``: within-stratum differences of means, weighted by stratum size.

    Strata without both offered and not-offered participants carry no comparison and are left out.
    """
    codes, s = np.unique(stratum, return_inverse=True)
    k = codes.size

    def moments(mask):
        n = np.bincount(s[mask], minlength=k).astype(float)
        total = np.bincount(s[mask], weights=y[mask], minlength=k)
        squares = np.bincount(s[mask], weights=y[mask] ** 2, minlength=k)
        mean = np.divide(total, n, out=np.zeros(k), where=n > 0)
        var = np.divide(squares - n * mean**2, n - 1, out=np.zeros(k), where=n > 1)  # sample variance
        return n, total, mean, np.maximum(var, 0.0)

    n_o, _, mean_o, var_o = moments(offered)
    n_n, total_n, mean_n, var_n = moments(~offered)
    both = (n_o > 0) & (n_n > 0)
    if not both.any():
        return {"estimate": math.nan, "se": math.nan, "control_mean": math.nan}
    n = (n_o + n_n)[both]
    weight = n.sum()
    estimate = float((n * (mean_o - mean_n)[both]).sum() / weight)
    variance = float((n**2 * (var_o[both] / n_o[both] + var_n[both] / n_n[both])).sum()) / weight**2
    return {"estimate": estimate, "se": math.sqrt(variance), "control_mean": float(total_n[both].sum() / n_n[both].sum())}


def wald(itt: dict, first: dict) -> dict:
    """TOT = ITT(Y) / ITT(D); undefined when the offer does not move take-up (first stage <= 0)."""
    if not (first["estimate"] > 0):
        return {"estimate": math.nan, "se": math.nan}
    return {"estimate": itt["estimate"] / first["estimate"], "se": itt["se"] / first["estimate"]}


def interval(name: str, e: dict) -> dict:
    return {f"{name}_low": e["estimate"] - Z95 * e["se"], f"{name}_high": e["estimate"] + Z95 * e["se"]}
