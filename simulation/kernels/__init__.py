"""Decision core: rules, numba kernels and their NumPy twins.

Numba's on-disk cache checks only the timestamp of the file that holds a
compiled function, not of the functions it inlines from other modules, so an
edited rule could run from a stale cached kernel. Before any kernel is
compiled, the cache is therefore pointed at a folder named by a hash of the
decision-core sources: any edit to them compiles afresh, and unchanged
sources load from the cache. ``NUMBA_CACHE_DIR`` set by the user wins.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numba


def _decision_core_cache_dir() -> Path:
    here = Path(__file__).resolve().parent
    sources = sorted(here.glob("*.py")) + [here.parent / name for name in ("state.py", "params.py", "rng.py", "phases.py")]
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in sources)).hexdigest()[:16]
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return root / "livelihoods-abm" / "numba" / f"{digest}-numba{numba.__version__}"


if not os.environ.get("NUMBA_CACHE_DIR"):
    numba.config.CACHE_DIR = str(_decision_core_cache_dir())


def use_threads(requested: int) -> int:
    """Run the parallel kernels of this thread on ``requested`` threads (0: all cores numba started with).

    Results do not depend on it: person loops are independent and reductions
    sum fixed blocks in a fixed order. Returns the number of threads set.
    """
    n = numba.config.NUMBA_NUM_THREADS if requested <= 0 else min(requested, numba.config.NUMBA_NUM_THREADS)
    numba.set_num_threads(n)
    return n
