"""Record the mean end-of-run indicators of an engine over many seeds: ``tests/data/engine_distribution.json``.

    python tools/engine_distribution.py --write   # record this commit's engine (a deliberate act)

When the random-number generator changes, every run's numbers change once. This
file holds the indicators of the engine *before* such a change, over
``SEEDS``, so that ``tests/test_rng.py`` can show that the new engine agrees
with the old one in distribution (each indicator's mean over the seeds within
the two samples' confidence interval), not number for number. It was written
by commit ``recorded_at`` (the counter-based generator replaced NumPy's PCG64
streams right after it) and is never rewritten by the test.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OUT = ROOT / "tests" / "data" / "engine_distribution.json"
# the policies of the recording ("all policies" then; the wage-subsidy voucher and the information campaign came
# with issue 33)
RECORDED_POLICIES = ("policy=[stipend,childcare,transport,mobility_scheme,startup_kit,certification,apprenticeship,"
                     "job_referral]")
CASE = ["scenario=baseline", "scenario.n_youth=5000", "months=24", RECORDED_POLICIES]
SEEDS = list(range(1, 31))


ISSUE_33_OFF = [
    "scenario.employers.informal_share=0", "behaviour.labour.wage_return_per_skill=0",
    "behaviour.labour.certificate_wage_premium=0", "behaviour.labour.recognised_wage_premium=0",
    "behaviour.labour.learning_rate=0", "behaviour.labour.skill_depreciation_rate=0",
    "behaviour.self_employment.capital_needed_wages=100", "behaviour.self_employment.capital_depreciation_rate=0",
    "behaviour.self_employment.capital_loss_on_failure=0", "policy.apprenticeship.wage_subsidy_share=0",
    "policy.childcare.take_up_logit=100", "policy.job_referral.take_up_logit=100",
    "policy.mobility_scheme.take_up_logit=100",
]


# The model as it was when the old engine was recorded, as far as settings restore it: the default
# calibration of then (`evidence`); issue 16 added a burn-in and families paying part of the journey. Its
# ages cycling within the age range, which only the intent rule reads, and emigrants ageing out of the
# cohort abroad (rare within 24 months without a burn-in) cannot be switched off.
AS_RECORDED = ["calibration=evidence", "burn_in_months=0", "behaviour.migration.family_share=0",
               # issue 33's mechanisms switched off: every employer formal, wages the posted ones, no skill
               # learned at work or lost out of use, capital that neither caps entry nor wears nor is lost, an
               # apprenticeship place without a subsidy (its review at probation, as then), every service used
               *ISSUE_33_OFF]


def indicators(seed: int) -> dict[str, float]:
    """End-of-run indicators (overall) and training outcomes of one numba run."""
    from livelihoods.compose import load_config
    from simulation.model import LivelihoodsModel

    model = LivelihoodsModel(load_config("progress=false", *CASE, *AS_RECORDED, f"seed={seed}"), engine="numba")
    for _ in range(model.cfg.months):
        model.step()
    s = model.summary()
    return {**s["indicators"], **{f"training.{k}": v for k, v in s["training"].items()
                                 if isinstance(v, (int, float))}}


def sample() -> dict[str, list[float]]:
    runs = [indicators(seed) for seed in SEEDS]
    return {key: [r[key] for r in runs] for key in runs[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="record this commit's engine")
    args = parser.parse_args()
    if not args.write:
        parser.error("only --write is offered: the comparison lives in tests/test_rng.py")
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    OUT.write_text(json.dumps({"recorded_at": commit, "case": CASE, "seeds": SEEDS, "indicators": sample()},
                              indent=1) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
