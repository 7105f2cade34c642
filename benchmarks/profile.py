"""Where a month goes: milliseconds per part of ``model.step()``, per generated loop and per model-level kernel.

    python -m benchmarks.profile [--persons 1000000] [--months 12]

Wraps the parts of the schedule (``model.step()``'s own methods, each policy
hook), every loop the engine runs (``loop:<name>``: a phase or a fused run of
phases, inside the parts) and every model-level step (``level:<name>``, ``simulation.phases.STEPS``:
admissions, a matching round's offers, vacancies, reductions) with a timer, runs
``--months`` months after a first one, and prints one JSON line: milliseconds
per month of each, and two machine bounds measured alongside (a million
counter-based draws; memory copy bandwidth).
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter

import numpy as np

PARTS = ("arrive_returnees", "enrol", "search_and_match", "make_a_living", "collect")
HOOKS = ("start_of_month", "before_attendance", "after_training", "after_matching", "before_migration")


def _timed(owner, name: str, label, totals: Counter, calls: Counter) -> None:
    inner = getattr(owner, name)

    def wrapper(*args, **kwargs):
        key = label(*args) if callable(label) else label
        start = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            totals[key] += time.perf_counter() - start
            calls[key] += 1

    setattr(owner, name, wrapper)


def machine_bounds() -> dict:
    """A million counter-based draws (Philox4x32-10, all threads) and memory copy bandwidth (80 MB, one thread)."""
    from simulation.rng import Streams

    streams, ids = Streams(1), np.arange(1_000_000)
    a, b = np.ones(10_000_000), np.empty(10_000_000)
    draw, copy = [], []
    for month in range(20):
        start = time.perf_counter()
        streams.uniform("bench", month, ids)
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
    from livelihoods.compose import load_config
    from simulation.model import LivelihoodsModel

    model = LivelihoodsModel(load_config(f"scenario.n_youth={args.persons}", f"months={args.months + 1}",
                                         "seed=1", "progress=false", ALL_POLICIES))
    model.step()  # loads the kernels
    totals, calls = Counter(), Counter()
    for part in PARTS:
        _timed(model, part, part, totals, calls)
    for hook in HOOKS:
        _timed(model.policies, hook, f"policies.{hook}", totals, calls)
    _timed(model.engine, "run", lambda name, *rest: f"loop:{name}", totals, calls)
    _timed(model.engine, "step", lambda name, *rest: f"level:{name}", totals, calls)  # the steps of phases.STEPS
    start = time.perf_counter()
    for _ in range(args.months):
        model.step()
    wall = time.perf_counter() - start
    per_month = {k: 1000 * v / args.months for k, v in totals.most_common()}
    print(json.dumps({"persons": model.people.n, "months": args.months, "month_ms": 1000 * wall / args.months,
                      "ms": per_month, "threads": getattr(model, "threads", 1), **machine_bounds()}))


if __name__ == "__main__":
    main()
