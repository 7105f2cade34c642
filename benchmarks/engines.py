"""Person-months per second of engine=numba and engine=mesa on the same scenario and seed.

    python -m benchmarks.engines [--persons 20000] [--months 24] [--seed 1] [--repeat 3]

Both engines run the same config; the script checks that they end in the same
state (so the speed comparison is of equal work) and prints each engine's
best-of-``repeat`` time (numba after a warm-up run, so compilation is excluded
and reported separately) and their ratio.
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np

from livelihoods.compose import load_config
from simulation.runner import simulate
from simulation.state import PERSON_FIELDS


def timed_run(cfg, engine):
    result = simulate(cfg, engine=engine)
    meta = result.summary["meta"]
    return result.model, meta["runtime_seconds"], meta["person_months"]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--persons", type=int, default=20_000)
    ap.add_argument("--months", type=int, default=24)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    cfg = load_config(f"scenario.n_youth={args.persons}", f"months={args.months}", f"seed={args.seed}",
                      "progress=false")

    start = time.perf_counter()
    timed_run(cfg, "numba")  # warm-up: loads (or compiles) the cached kernels
    warmup = time.perf_counter() - start
    results = {}
    for engine, repeat in (("numba", args.repeat), ("mesa", 1)):
        runs = [timed_run(cfg, engine) for _ in range(repeat)]
        model, seconds, person_months = min(runs, key=lambda r: r[1])
        results[engine] = (model, seconds, person_months)
    same = all(np.array_equal(getattr(results["numba"][0].people, f), getattr(results["mesa"][0].people, f))
               for f in PERSON_FIELDS)

    print(f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, python {platform.python_version()}")
    print(f"scenario baseline, seed {args.seed}: {args.persons:,} persons x {args.months} months; "
          f"numba warm-up (load/compile) {warmup:.2f} s")
    print(f"{'engine':8s} {'seconds':>9s} {'person-months':>14s} {'pm/s':>12s}")
    for engine, (_, seconds, pm) in results.items():
        print(f"{engine:8s} {seconds:9.2f} {pm:14,d} {pm / seconds:12,.0f}")
    ratio = results["mesa"][1] / results["numba"][1]
    print(f"numba / mesa speed ratio: {ratio:.0f}x; identical final state: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
