"""Validation against the evidence: ``python -m experiments.validate [--targets FILE] [--seeds N] [overrides]``.

Runs every arm of the targets file (``configs/targets/evidence.yaml``) over its
seeds, computes each target's statistic — a level of an arm, or an arm minus its
reference arm paired seed by seed — with a 95% t interval over seeds, and prints
and saves the table: pattern | target | simulated mean [95% CI] | pass/fail. A
target passes when the mean lies in its range. Exit code 1 if any target fails.
Extra overrides (e.g. ``calibration=literature``) apply to every arm.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
from omegaconf import MISSING

from experiments.evidence.outcomes import run_many
from experiments.records.files import atomic_write
from experiments.records.folders import claim_new, make_folder
from experiments.studies.stats import t_interval
from livelihoods.errors import CommandParser, ConfigurationError, entry_point
from livelihoods.files import load_checked
from livelihoods.parallel import default_jobs
from livelihoods.paths import ROOT
from livelihoods.values import with_values
from simulation.config import RunConfig

CONFIDENCE = 0.95  # level of the targets' intervals (the evidence states ranges, not intervals)
DEFAULT_TARGETS = ROOT / "configs" / "targets" / "evidence.yaml"


@dataclass
class Target:
    name: str = MISSING
    pattern: int = MISSING
    arm: str = MISSING
    reference: str | None = None
    per: list[str] | None = None    # [arm, reference]: the effect divided by this other effect, seed by seed
    indicator: str = MISSING
    group: str = MISSING
    range: list[float] = MISSING
    value: float | None = None      # the evidence's point figure, where it gives one (calibration aims at it)
    source: str = MISSING


@dataclass
class TargetsFile:
    seeds: int = MISSING
    n_youth: int = MISSING
    months: int = MISSING
    arms: dict[str, list[str]] = MISSING
    targets: list[Target] = field(default_factory=list)


def load_targets(path: Path) -> TargetsFile:
    """The targets file checked against its schema: unknown keys, missing fields and bad ranges are errors."""
    spec = load_checked(TargetsFile, path)
    for i, t in enumerate(spec.targets):
        key = f"targets[{i}] ({t.name})"
        if len(t.range) != 2 or t.range[0] > t.range[1]:
            raise ConfigurationError(f"{key}.range: must be [low, high] with low <= high, got {t.range}")
        if t.value is not None and not t.range[0] <= t.value <= t.range[1]:
            raise ConfigurationError(f"{key}.value: must lie in the target's range {t.range}, got {t.value}")
        if t.per is not None and (len(t.per) != 2 or t.reference is None):
            raise ConfigurationError(f"{key}.per: must be [arm, reference] of the effect to divide by, on a target "
                                     f"with a reference, got {t.per}")
        for arm in (t.arm, t.reference, *(t.per or [])):
            if arm is not None and arm not in spec.arms:
                raise ConfigurationError(f"{key}: arm {arm!r} is not in arms ({', '.join(spec.arms)})")
    if spec.seeds < 2:
        raise ConfigurationError(f"seeds: must be an integer >= 2 (a confidence interval needs two seeds), got "
                                 f"{spec.seeds}")
    return spec


def arm_configs(spec: TargetsFile, overrides: list[str]) -> dict[str, RunConfig]:
    """Each arm's config composed once (seed set per run); overrides apply to every arm."""
    from livelihoods.compose import load_config

    return {arm: load_config(*spec.arms[arm], *overrides, f"scenario.n_youth={spec.n_youth}",
                             f"months={spec.months}", "progress=false", "figures=false")
            for arm in spec.arms}


def run_arms(spec: TargetsFile, overrides: list[str] | None = None, values: dict[str, float] | None = None,
             jobs: int = 1, progress: bool = True, configs: dict[str, RunConfig] | None = None,
             first_seed: int = 1) -> dict[str, list[dict]]:
    """For each arm, one {(group, indicator): value} per seed first_seed, ..., first_seed + spec.seeds - 1.

    ``values`` set config keys in every run.
    """
    configs = configs or arm_configs(spec, overrides or [])
    jobs_list = [(arm, seed) for arm in spec.arms for seed in range(first_seed, first_seed + spec.seeds)]
    cfgs = [with_values(configs[arm], {**(values or {}), "seed": seed}) for arm, seed in jobs_list]
    results: dict[str, list[dict]] = {arm: [] for arm in spec.arms}
    for (arm, _), out in zip(jobs_list, run_many(cfgs, jobs=jobs, desc="validation runs", progress=progress)):
        results[arm].append(out)
    return results


def mean_ci(values) -> tuple[float, float, float, int]:
    """Mean and 95% t interval over seeds (NaN values left out)."""
    x = np.asarray([v for v in values if v is not None and np.isfinite(v)], dtype=float)
    return (*t_interval(x, CONFIDENCE), x.size)


def evaluate(spec: TargetsFile, results: dict[str, list[dict]]) -> list[dict]:
    """One row per target: the statistic over seeds and whether its mean lies in the target range."""
    rows = []
    for t in spec.targets:
        key = (t.group, t.indicator)
        arm = [r.get(key) for r in results[t.arm]]
        if t.reference is None:
            values = arm
        else:  # paired by seed: the i-th run of each arm has the same seed
            values = _effect(results, t.arm, t.reference, key)
            if t.per is not None:
                values = [a / b if a is not None and b not in (None, 0) else None
                          for a, b in zip(values, _effect(results, *t.per, key))]
        mean, low, high, n = mean_ci(values)
        statistic = f"{t.indicator} [{t.group}] of {t.arm}" + (f" - {t.reference}" if t.reference else "")
        if t.per is not None:
            statistic = f"({statistic}) / ({t.per[0]} - {t.per[1]})"
        rows.append({
            "pattern": t.pattern, "target": t.name, "statistic": statistic,
            "range": f"[{t.range[0]:g}, {t.range[1]:g}]", "decimals": decimals(t.range), "value": t.value,
            "mean": mean, "ci_low": low, "ci_high": high, "n": n,
            "passed": bool(np.isfinite(mean) and t.range[0] <= mean <= t.range[1]), "source": t.source,
        })
    return rows


def _effect(results, arm: str, reference: str, key) -> list:
    """arm minus reference, seed by seed (None where either is undefined)."""
    return [a - b if a is not None and b is not None else None
            for a, b in zip([r.get(key) for r in results[arm]], [r.get(key) for r in results[reference]])]


def decimals(bounds) -> int:
    """Decimals that show a target's numbers at the precision of its range: at least 3, and two significant
    digits of its smallest non-zero bound (a monthly departure rate of at least 0.0002 shows as 0.00024)."""
    small = min((abs(b) for b in bounds if b != 0 and math.isfinite(b)), default=1.0)
    return max(3, 1 - math.floor(math.log10(small)))


def format_table(rows: list[dict]) -> str:
    lines = ["| pattern | target | statistic | target range | simulated mean [95% CI] | result |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        d = r.get("decimals", 3)
        lines.append(f"| {r['pattern']} | {r['target']} | {r['statistic']} | {r['range']} | "
                     f"{r['mean']:.{d}f} [{r['ci_low']:.{d}f}, {r['ci_high']:.{d}f}] | "
                     f"{'pass' if r['passed'] else 'FAIL'} |")
    return "\n".join(lines)


@entry_point
def main(argv: list[str] | None = None) -> int:
    import pandas as pd

    ap = CommandParser(description=__doc__.splitlines()[0])
    ap.add_argument("--targets", type=Path, default=DEFAULT_TARGETS)
    ap.add_argument("--seeds", type=int, help="replicate seeds per arm (default: the targets file's)")
    ap.add_argument("--out", type=Path, default=ROOT / "results" / "validation")
    ap.add_argument("--jobs", type=int, default=default_jobs(), help="worker processes (default: all cores)")
    ap.add_argument("overrides", nargs="*", help="config overrides applied to every arm")
    args = ap.parse_args(argv if argv is not None else sys.argv[1:])
    spec = load_targets(args.targets)
    if args.seeds is not None:
        if args.seeds < 2:
            raise ConfigurationError(f"--seeds: must be an integer >= 2, got {args.seeds}")
        spec.seeds = args.seeds
    if args.jobs is not None and args.jobs < 1:
        raise ConfigurationError(f"--jobs: must be an integer >= 1, got {args.jobs}")
    make_folder(args.out, "--out")  # a file there is refused before the runs, not after them
    rows = evaluate(spec, run_arms(spec, args.overrides, jobs=args.jobs))
    table = format_table(rows)
    out = claim_new(args.out / datetime.now().strftime("%Y-%m-%d_%H-%M-%S"), "--out")
    atomic_write(out / "validation.csv", lambda tmp: pd.DataFrame(rows).to_csv(tmp, index=False))
    atomic_write(out / "validation.md", lambda tmp: Path(tmp).write_text(table + "\n"))
    failed = [r["target"] for r in rows if not r["passed"]]
    print(table)
    print(f"{len(rows) - len(failed)} passed, {len(failed)} failed ({spec.seeds} seeds per arm); table: {out}")
    return 1 if failed else 0

