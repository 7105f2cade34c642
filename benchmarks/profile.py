"""Where a month goes at scale: seconds per phase of ``model.step()`` and in the named-stream draws.

    python -m benchmarks.profile [--persons 1000000] [--months 12]

Wraps each phase of the schedule (and each policy hook) with a timer, plus
``RandomStreams.uniform`` (the per-person draws, counted inside the phases
too), runs ``--months`` months after a first one, and prints one JSON line:
milliseconds per month by phase, draws per month, and two machine bounds
measured alongside (a 1M-double draw of one stream; memory copy bandwidth).
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter

import numpy as np

PHASES = ("arrive_returnees", "enrol", "attend", "progress_training", "search_and_match", "run_businesses",
          "separate", "earn_and_save", "update_intent", "migrate", "collect")
HOOKS = ("start_of_month", "before_attendance", "after_training", "after_matching", "before_migration")


def _timed(owner, name: str, label: str, totals: Counter, calls: Counter) -> None:
    inner = getattr(owner, name)

    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            totals[label] += time.perf_counter() - start
            calls[label] += 1

    setattr(owner, name, wrapper)


def machine_bounds() -> dict:
    """One stream's 1M uniform doubles (numpy PCG64) and memory copy bandwidth (80 MB, numpy, one thread)."""
    from simulation.rng import RandomStreams

    streams, buf = RandomStreams(1), np.empty(1_000_000)
    a, b = np.ones(10_000_000), np.empty(10_000_000)
    draw, copy = [], []
    for month in range(20):
        start = time.perf_counter()
        streams.uniform("bench", month, buf.size, out=buf)
        draw.append(time.perf_counter() - start)
        start = time.perf_counter()
        np.copyto(b, a)
        copy.append(time.perf_counter() - start)
    return {"draw_1m_ms": 1000 * float(np.median(draw)), "copy_gb_per_s": 2 * a.nbytes / float(np.median(copy)) / 1e9}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--persons", type=int, default=1_000_000)
    ap.add_argument("--months", type=int, default=12)
    args = ap.parse_args(argv)

    from benchmarks.scaling import ALL_POLICIES
    from experiments.configuration import load_config
    from simulation.model import LivelihoodsModel
    from simulation.rng import RandomStreams

    model = LivelihoodsModel(load_config(f"scenario.n_youth={args.persons}", f"months={args.months + 1}",
                                         "seed=1", "progress=false", ALL_POLICIES))
    model.step()  # loads the kernels
    totals, calls = Counter(), Counter()
    for phase in PHASES:
        _timed(model, phase, phase, totals, calls)
    for hook in HOOKS:
        _timed(model.policies, hook, f"policies.{hook}", totals, calls)
    uniform = RandomStreams.uniform
    _timed(RandomStreams, "uniform", "(draws, inside the phases)", totals, calls)
    try:
        start = time.perf_counter()
        for _ in range(args.months):
            model.step()
        wall = time.perf_counter() - start
    finally:
        RandomStreams.uniform = uniform
    per_month = {k: 1000 * v / args.months for k, v in totals.most_common()}
    print(json.dumps({"persons": model.people.n, "months": args.months, "month_ms": 1000 * wall / args.months,
                      "phase_ms": per_month, "draws_per_month": calls["(draws, inside the phases)"] / args.months,
                      "threads": getattr(model, "threads", 1), **machine_bounds()}))


if __name__ == "__main__":
    main()
