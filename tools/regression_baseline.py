"""Write or check the regression baseline of the numba engine: ``tests/data/regression.json``.

    python tools/regression_baseline.py          # check: exit 1 and list the differences
    python tools/regression_baseline.py --write  # record the current results (a deliberate act)

The baseline holds the full monthly time series and end-of-run summary of a few
fixed configurations and seeds. ``tests/test_regression.py`` holds the numba
engine to it, so an optimisation that changes any number fails the tests until
the change is explained and the baseline rewritten with ``--write`` (and the
rewrite committed on its own, with the reason in the message). Only this script
writes the file.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from simulation.policies import all_policies

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BASELINE = ROOT / "tests" / "data" / "regression.json"
ALL_POLICIES = all_policies()  # every registered policy (simulation/policies/)
CASES = {
    "baseline_all_policies": ["scenario=baseline", "scenario.n_youth=4000", "months=24", "seed=3", ALL_POLICIES],
    "mali_returnees_no_policy": ["scenario=mali_returnees", "scenario.n_youth=3000", "months=18", "seed=5"],
}
REL_TOL = 1e-12  # floats may differ in the last bits across CPUs (SIMD exp/log); counts never


def results(overrides: list[str]) -> dict:
    """Monthly time series and end-of-run summary (without run metadata) of one numba run."""
    from livelihoods.compose import load_config
    from simulation.model import LivelihoodsModel

    model = LivelihoodsModel(load_config("progress=false", *overrides), engine="numba")
    for _ in range(model.cfg.months):
        model.step()
    summary = model.summary()
    return json.loads(json.dumps({"timeseries": model.timeseries().to_dict(orient="list"), "summary": summary}))


def differences(expected, actual, path: str = "") -> list[str]:
    """Every place where ``actual`` differs from ``expected`` (ints exactly, floats to REL_TOL, NaN == NaN)."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        out = [f"{path}.{k}: missing" for k in expected.keys() - actual.keys()]
        out += [f"{path}.{k}: new" for k in actual.keys() - expected.keys()]
        for k in expected.keys() & actual.keys():
            out += differences(expected[k], actual[k], f"{path}.{k}")
        return out
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return [f"{path}: length {len(actual)} != {len(expected)}"]
        return [d for i, (e, a) in enumerate(zip(expected, actual)) for d in differences(e, a, f"{path}[{i}]")]
    if isinstance(expected, float) or isinstance(actual, float):
        if expected is None or actual is None:
            return [] if expected is actual else [f"{path}: {actual} != {expected}"]
        e, a = float(expected), float(actual)
        if (math.isnan(e) and math.isnan(a)) or math.isclose(e, a, rel_tol=REL_TOL, abs_tol=1e-300):
            return []
        return [f"{path}: {a!r} != {e!r}"]
    return [] if expected == actual else [f"{path}: {actual!r} != {expected!r}"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help="record the current results as the baseline")
    args = ap.parse_args(argv)
    current = {name: results(overrides) for name, overrides in CASES.items()}
    if args.write:
        BASELINE.parent.mkdir(parents=True, exist_ok=True)
        BASELINE.write_text(json.dumps({"cases": CASES, "results": current}, indent=1) + "\n")
        print(f"wrote {BASELINE.relative_to(ROOT)}")
        return 0
    expected = json.loads(BASELINE.read_text())["results"]
    diffs = differences(expected, current)
    for line in diffs[:40]:
        print(line)
    print(f"{len(diffs)} differences from {BASELINE.relative_to(ROOT)}")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
