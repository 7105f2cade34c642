"""Decision core: rules, numba kernels and their NumPy twins.

Numba's on-disk cache checks only the timestamp of the file that holds a
compiled function, not of the functions it inlines from other modules, so an
edited rule could run from a stale cached kernel. Before any kernel is
compiled, the cache is therefore pointed at a folder named by a hash of the
decision-core sources: any edit to them compiles afresh, and unchanged
sources load from the cache. ``NUMBA_CACHE_DIR`` set by the user wins.
"""

from __future__ import annotations

import numba

from simulation.kernel_cache import decision_core_cache_dir

_folder = decision_core_cache_dir()  # None when the user set NUMBA_CACHE_DIR
if _folder is not None:
    numba.config.CACHE_DIR = str(_folder)


# Below this many persons a month takes a few milliseconds, and a second thread saves little when the
# machine is quiet but loses much when other processes want the cores (5,000 persons x 24 runs side by side:
# 1.0-3.3 s with all threads against 0.1 s with one; benchmarks/results.md), so ``threads: 0`` means one.
THREADS_PAY_OFF_PERSONS = 20_000


def use_threads(requested: int, persons: int | None = None) -> int:
    """Run the parallel kernels of this thread on ``requested`` threads.

    0 (automatic): one thread below ``THREADS_PAY_OFF_PERSONS`` persons, all the
    cores numba started with from there on. Results do not depend on it: person
    loops are independent and reductions sum fixed blocks in a fixed order.
    Returns the number of threads set.
    """
    if requested <= 0:
        small = persons is not None and persons < THREADS_PAY_OFF_PERSONS
        n = 1 if small else numba.config.NUMBA_NUM_THREADS
    else:
        n = min(requested, numba.config.NUMBA_NUM_THREADS)
    numba.set_num_threads(n)
    return n
