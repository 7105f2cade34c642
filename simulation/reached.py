"""Outcomes of the people the programme reached, at fixed horizons after their course.

Population rates dilute a programme over everyone it never reached (≈2,850 enrolees among ≈21,000 persons
at home in the baseline). A programme team asks what became of its trainees. For every enrolee, the
*course end* is the month their course was scheduled to end, ``enrol_month + course_months``, whether they
completed it or dropped out. ``h`` months later (``HORIZONS``), ``Reached.observe`` snapshots:

* employed = wage- or self-employed at home, wage_employed, self_employed;
* earnings = monthly earnings at home (USD/month; 0 abroad or without work);
* abroad = has left the country.

``Reached.summary`` reports, per horizon, for enrolees, completers and dropouts, and for completers and
enrolees in each policy's target group (women, men, mothers, returnees, far: ``metrics.group_masks``):

    n                     = persons whose course ended at least h months before the end of the run
    employment_rate       = employed / n          (abroad counts as not employed at home)
    wage_employment_rate  = wage_employed / n
    self_employment_rate  = self_employed / n
    mean_monthly_earnings = sum(earnings) / n     (USD/month)
    abroad_rate           = abroad / n

Only courses that ended h months or more before the last month are observed at horizon h, so the counts
are those of the early cohorts; the run's length (``months``) sets how many.
"""

from __future__ import annotations

import numpy as np

from simulation.metrics import group_masks, ratio
from simulation.state import ABROAD, SELF_EMPLOYED, WAGE_EMPLOYED, PersonState

HORIZONS = (6, 12)  # months after the end of the course
OUTCOMES = ("employed", "wage_employed", "self_employed", "earnings", "abroad")
RATES = {"employment_rate": "employed", "wage_employment_rate": "wage_employed",
         "self_employment_rate": "self_employed", "mean_monthly_earnings": "earnings", "abroad_rate": "abroad"}
SUBGROUPS = ("women", "men", "mothers", "returnees", "far")  # the target groups of the policies


class Reached:
    """Snapshots of enrolees ``h`` months after their course ended, for each horizon ``h``."""

    def __init__(self):
        self.rows: dict[int, list[np.ndarray]] = {h: [] for h in HORIZONS}
        self.values: dict[int, list[np.ndarray]] = {h: [] for h in HORIZONS}  # (persons, OUTCOMES) per snapshot

    def observe(self, month: int, people: PersonState) -> None:
        """Snapshot the enrolees whose course ended ``h`` months before ``month`` (model months)."""
        p = people
        for h in HORIZONS:
            rows = np.flatnonzero(p.enrolled & (p.enrol_month + p.course_months + h == month))
            if rows.size == 0:
                continue
            status = p.status[rows]
            home = status != ABROAD
            wage, own = status == WAGE_EMPLOYED, status == SELF_EMPLOYED
            self.rows[h].append(rows)
            self.values[h].append(np.column_stack([wage | own, wage, own, np.where(home, p.earnings[rows], 0.0),
                                                   ~home]).astype(float))

    def summary(self, people: PersonState, population: np.ndarray) -> dict:
        """Per horizon (``"6"``, ``"12"``), per group: n and the rates of the module docstring."""
        p = people
        masks = group_masks(people, population)
        out = {}
        for h in HORIZONS:
            rows = np.concatenate(self.rows[h]) if self.rows[h] else np.zeros(0, dtype=np.int64)
            values = np.concatenate(self.values[h]) if self.values[h] else np.zeros((0, len(OUTCOMES)))
            base = {"enrolees": np.ones(rows.size, dtype=bool), "completers": p.completed[rows],
                    "dropouts": p.dropped_out[rows]}
            groups = dict(base)
            for kind in ("enrolees", "completers"):
                groups |= {f"{kind}_{g}": base[kind] & masks[g][rows] for g in SUBGROUPS}
            out[str(h)] = {name: _rates(values[m]) for name, m in groups.items()}
        return out


def _rates(values: np.ndarray) -> dict:
    n = values.shape[0]
    totals = dict(zip(OUTCOMES, values.sum(axis=0)))
    return {"n": int(n), **{rate: ratio(totals[outcome], n) for rate, outcome in RATES.items()}}
