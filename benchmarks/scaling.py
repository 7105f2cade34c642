"""One measured run of engine=numba in this process, printed as one JSON line.

    python -m benchmarks.scaling --persons 1000000 [--months 36] [--seed 1]

Run by ``python -m benchmarks`` in a fresh process per size, so that the peak
resident memory (``ru_maxrss``) and the start-up costs belong to that run alone.
All standard policies are on. A 200-person model runs two months first, so that
every kernel is compiled (empty numba cache) or loaded (warm cache) before the
measured model is built. Reported: seconds to import the package, to compose the
config, to load the kernels, to build the model (population, agents, policies),
for its first month and the rest, person-months per second of the rest, the
process's peak resident memory, and its resident memory with the kernels loaded
just before the model is built and at the end of the run.
"""

from __future__ import annotations

import time

_T0 = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402

from simulation.policies import all_policies

ALL_POLICIES = all_policies()  # every registered policy (simulation/policies/)


def resident_bytes() -> int:
    """Current resident set size of this process (Linux /proc; 0 elsewhere)."""
    try:
        import os

        return int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--persons", type=int, required=True)
    ap.add_argument("--months", type=int, default=36)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)

    from livelihoods.compose import load_config
    from simulation.model import LivelihoodsModel

    imported = time.perf_counter()
    cfg = load_config(f"scenario.n_youth={args.persons}", f"months={args.months}", f"seed={args.seed}",
                      "progress=false", "figures=false", ALL_POLICIES)
    configured = time.perf_counter()
    # load every compiled kernel (from numba's cache, or compiling it) with a tiny model first, so that
    # the memory measured below is the model's and not the compiled code's
    warm = LivelihoodsModel(load_config("scenario.n_youth=200", "months=2", "progress=false", ALL_POLICIES))
    for _ in range(2):
        warm.step()
    del warm
    kernels_loaded = time.perf_counter()
    rss_before = resident_bytes()
    start = time.perf_counter()
    model = LivelihoodsModel(cfg)
    built = time.perf_counter()
    model.step()
    first = time.perf_counter()
    for _ in range(args.months - 1):
        model.step()
    end = time.perf_counter()
    rss_end = resident_bytes()
    persons = int((model.people.arrival_month <= model.month).sum())
    person_months = int(model.timeseries()["population"].iloc[2:].sum())
    print(json.dumps({
        "persons_start": args.persons, "persons": persons, "months": args.months,
        "import_seconds": imported - _T0, "config_seconds": configured - imported,
        "kernel_load_seconds": kernels_loaded - configured,  # compile (cold cache) or load (warm) every kernel
        "build_seconds": built - start,
        "first_month_seconds": first - built, "run_seconds": end - first,
        "person_months_per_second": person_months / (end - first) if args.months > 1 else None,
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "rss_before_bytes": rss_before,  # the process with every kernel loaded, before building the model
        # resident memory the model added, at the end of the run (below zero when it reuses the warm-up's pages)
        "model_rss_bytes": max(0, rss_end - rss_before),
    }))


if __name__ == "__main__":
    main()
