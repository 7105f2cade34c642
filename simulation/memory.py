"""Give the memory that a month's temporary arrays used back to the operating system.

The monthly step allocates and frees many person-sized temporaries (masks,
index lists). glibc keeps freed heap pages resident for reuse, so without
trimming a large run's resident memory creeps ~50% above its live arrays (at
1M persons: ~300 B/person resident against ~205 B/person live, measured in
``benchmarks/``). ``malloc_trim(0)`` returns the free pages, as Dask's workers
do for unmanaged memory; it costs ~0.4 ms plus re-faulting pages next month
(~5% of a month's time at 1M persons). Elsewhere than glibc it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys


def _malloc_trim():
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc (e.g. musl)
        return None


_TRIM = _malloc_trim()


def release_free_memory() -> bool:
    """Return freed heap pages to the operating system; True if anything was released."""
    return bool(_TRIM(0)) if _TRIM is not None else False
