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


# Resident memory per person, measured at 1M persons (``python -m benchmarks``): the numba engine's
# peak is the person state (194 B) + two draw buffers (16 B) + a month's temporaries; Mesa agents add
# a Python object per person. Rounded up; the process itself (Python, numba, Mesa, Hydra) needs ~300 MB.
BYTES_PER_PERSON = {"numba": 300, "numpy": 400, "mesa": 900}
PROCESS_BYTES = 400 * 2**20


def persons_expected(cfg) -> int:
    """Persons at start plus the returnees expected to arrive over the run."""
    s = cfg.scenario
    return int(s.n_youth * (1.0 + s.returnees.arrivals_per_1000_per_month / 1000.0 * cfg.months))


def available_bytes() -> int | None:
    """Memory this process may still use: MemAvailable, capped by a cgroup limit; None if unknown."""
    limits = []
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemAvailable:"):
                limits.append(int(line.split()[1]) * 1024)
    except OSError:
        pass
    try:
        text = open("/sys/fs/cgroup/memory.max").read().strip()
        if text != "max":
            used = int(open("/sys/fs/cgroup/memory.current").read())
            limits.append(int(text) - used)
    except (OSError, ValueError):
        pass
    return min(limits) if limits else None


def check_fits_in_memory(cfg, engine: str) -> None:
    """Refuse, before building anything, a run whose population would not fit in the memory available."""
    from simulation.config import ConfigError

    persons = persons_expected(cfg)
    need = persons * BYTES_PER_PERSON.get(engine, BYTES_PER_PERSON["mesa"]) + PROCESS_BYTES
    free = available_bytes()
    if free is not None and need > free:
        raise ConfigError("scenario.n_youth", f"small enough to fit in memory: {persons:,} persons x {cfg.months} "
                          f"months with engine={engine} need about {need / 2**30:.1f} GiB, "
                          f"{free / 2**30:.1f} GiB available", cfg.scenario.n_youth)
