"""The one loop that runs many configs on this machine's cores: in order, with a progress bar.

Used by the public API (``run_study``) and by the studies (``experiments.evidence.outcomes.run_many``).
Results never depend on the number of worker processes: every run owns its random streams.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Sequence
from typing import TypeVar

from simulation.config import RunConfig

T = TypeVar("T")


def default_jobs() -> int:
    """Worker processes for 'all local cores': the cores this process may run on."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def run_parallel(function: Callable[[RunConfig], T], cfgs: Sequence[RunConfig], jobs: int | None = None,
                 progress: bool = False, desc: str = "runs") -> list[T]:
    """``[function(cfg) for cfg in cfgs]`` on ``jobs`` worker processes (joblib; None: all cores, 1: here).

    Side by side, each worker runs its kernels on one thread unless a config asks for more (``threads: 0``
    means 1 there): the workers already use the cores, and the numbers do not depend on it.
    """
    from tqdm import tqdm

    jobs = default_jobs() if jobs is None else max(1, int(jobs))
    jobs = min(jobs, max(1, len(cfgs)))
    bar = tqdm(total=len(cfgs), desc=desc, unit="run", disable=not progress, leave=False)
    results: list[T] = []
    try:
        if jobs == 1:
            for cfg in cfgs:
                results.append(function(cfg))
                bar.update()
            return results
        from joblib import Parallel, delayed

        cfgs = [dataclasses.replace(c, threads=1) if c.threads == 0 else c for c in cfgs]
        for value in Parallel(n_jobs=jobs, return_as="generator")(delayed(function)(c) for c in cfgs):
            results.append(value)
            bar.update()
        return results
    finally:
        bar.close()
