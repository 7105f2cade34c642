"""The one schema of person state: a struct of arrays, one array per field.

Every person (youth and returnee, including returnees who have not yet arrived)
is one row index ``i`` shared by all arrays. Kernels, NumPy twins, Mesa agent
views, allocation functions and metrics all read and write these arrays; no
other copy of person state exists.

Dtype policy (one for the whole code base): real quantities are ``FLOAT``
(float64), counts, codes and indices are ``INT`` (int32), flags are ``FLAG``
(bool). Money is in US dollars, time in months unless a field says otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FLOAT = np.float64
INT = np.int32
FLAG = np.bool_

# Status codes: each person present holds exactly one each month.
IDLE = 0  # out of the labour force / inactive
TRAINING = 1  # enrolled in a course this month
UNEMPLOYED = 2  # searching for work
WAGE_EMPLOYED = 3
SELF_EMPLOYED = 4
ABROAD = 5  # emigrated during the run (irregular unless abroad_regular)
STATUS_NAMES = ("idle", "training", "unemployed", "wage_employed", "self_employed", "abroad")
NO_INDEX = -1  # "none" for index fields (centre, employer)


@dataclass(frozen=True)
class Field:
    dtype: type
    unit: str
    meaning: str


PERSON_FIELDS: dict[str, Field] = {
    # --- who the person is ---------------------------------------------------
    "uid": Field(INT, "id", "the person's own id, which keys their random draws (simulation/rng.py): 0, 1, ... "
                 "for persons present at start, -1, -2, ... for returnees arriving during the run"),
    "female": Field(FLAG, "-", "woman (True) or man (False)"),
    "age": Field(FLOAT, "years", "age; 15-40 at start (seed 003)"),
    "education_years": Field(FLOAT, "years", "completed years of schooling"),
    "skill": Field(FLOAT, "index 0-1", "actual trade skill"),
    "trained_skill": Field(FLOAT, "index 0-1", "the part of skill a course added and the person still holds: it fades "
                           "while unused (out of work and training)"),
    "work_skill": Field(FLOAT, "index 0-1", "the part of skill learned at work and still held: it grows while working "
                        "towards work_skill_max and fades while unused"),
    "formal_job": Field(FLAG, "-", "the wage job held is with a formal employer (read while wage-employed)"),
    "claimed_skill": Field(FLOAT, "index 0-1", "skill the person claims; above actual for returnees (seed 002)"),
    "dependents": Field(INT, "persons", "young children in the person's care"),
    "household_income": Field(FLOAT, "USD/month", "household income per capita, excluding own earnings"),
    "district": Field(INT, "index", "home district"),
    "centre": Field(INT, "index", "nearest training centre"),
    "distance_km": Field(FLOAT, "km", "distance from home to the nearest training centre"),
    "transport_cost": Field(FLOAT, "USD/month", "cost of travelling to the centre for a month of sessions"),
    "peer_base": Field(FLOAT, "share 0-1", "share of the person's own network abroad at start"),
    # --- returnees ----------------------------------------------------------
    "is_returnee": Field(FLAG, "-", "came back from abroad (initial returnee or arrival)"),
    "arrival_month": Field(INT, "month", "month the person joins the population (0: present at start)"),
    "months_abroad": Field(INT, "months", "time spent abroad before return"),
    # --- dynamic state -------------------------------------------------------
    "status": Field(INT, "code", "one of IDLE, TRAINING, UNEMPLOYED, WAGE_EMPLOYED, SELF_EMPLOYED, ABROAD"),
    "savings": Field(FLOAT, "USD", "liquid savings"),
    "earnings": Field(FLOAT, "USD/month", "own earnings this month (wage or business income)"),
    "intent": Field(FLOAT, "score 0-1", "migration aspiration"),
    "peers_abroad": Field(FLOAT, "share 0-1", "share of peers abroad (own network + district emigration)"),
    "applied": Field(FLAG, "-", "has applied for a training course"),
    "enrolled": Field(FLAG, "-", "has ever started a course"),
    "enrol_month": Field(INT, "month", "month the course started (-1: never)"),
    "course_months": Field(INT, "months", "length of the person's course"),
    "months_in_course": Field(INT, "months", "months of the course attended so far"),
    "dropped_out": Field(FLAG, "-", "left the course before completing it"),
    "dropout_course_month": Field(INT, "month of course", "course month in which the person dropped out (0: never)"),
    "completed": Field(FLAG, "-", "completed a course"),
    "certified": Field(FLAG, "-", "holds a certificate of the course"),
    "recognised": Field(FLAG, "-", "certificate officially recognised"),
    "employer": Field(INT, "index", "current employer (-1: none)"),
    "job_threshold": Field(FLOAT, "index 0-1", "skill threshold of the current job"),
    "tenure_months": Field(INT, "months", "months in the current wage job"),
    "subsidy_months_left": Field(INT, "months", "months the current wage job is still subsidised (0: not subsidised)"),
    "ever_hired": Field(FLAG, "-", "has been hired into a wage job during the run"),
    "dismissed": Field(FLAG, "-", "has been dismissed after probation for lack of skill"),
    "business_months": Field(INT, "months", "months the current business has survived"),
    "business_capital": Field(FLOAT, "USD", "capital invested in the current business (a kit spent on equipment and "
                              "stock): it depreciates while the business runs and is lost in part when it fails"),
    "migrated": Field(FLAG, "-", "emigrated during the run"),
    "abroad_regular": Field(FLAG, "-", "emigrated through a regular pathway"),
    # --- decision inputs set by policies (zero / False without interventions) -
    "stipend": Field(FLOAT, "USD/month", "allowance paid while in training"),
    "transport_covered_share": Field(FLOAT, "share 0-1", "share of the transport cost paid by the programme"),
    "childcare_access": Field(FLAG, "-", "has a childcare place while training"),
    "startup_capital": Field(FLOAT, "USD", "grant or kit value not yet invested: spent on a business when one starts"),
    "wage_subsidy_share": Field(FLOAT, "share 0-1", "share of the wage a subsidy pays to the employer of the person's "
                                "next hire (a voucher, an apprenticeship place); used up by the hire"),
    "wage_subsidy_months": Field(INT, "months", "months that subsidy pays"),
    "migration_info": Field(FLOAT, "logit", "shift of the migration aspiration by information received (an awareness "
                            "campaign's perceived earnings abroad and risk of the irregular route); 0: none; it fades"),
    "awaiting_regular_route": Field(FLAG, "-", "registered with a regular mobility scheme: does not leave irregularly meanwhile"),
}


# Fields whose initial value is not 0 / False
INITIAL = {"centre": NO_INDEX, "employer": NO_INDEX, "enrol_month": -1}


class PersonState:
    """Struct of arrays holding every field of ``PERSON_FIELDS`` for ``n`` persons."""

    __slots__ = ("n", *PERSON_FIELDS)

    def __init__(self, n: int):
        self.n = n
        for name, spec in PERSON_FIELDS.items():
            setattr(self, name, np.zeros(n, dtype=spec.dtype))
        for name, value in INITIAL.items():
            getattr(self, name)[:] = value
