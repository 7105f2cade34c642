"""The memory a run needs (refused up front when it does not fit) and the build's temporaries given back.

Building the population allocates and frees many person-sized temporaries (one
per attribute's draws). glibc keeps freed heap pages resident for reuse;
``malloc_trim(0)`` returns them once the model is built, as Dask's workers do for
unmanaged memory. The monthly step no longer needs it: draws are computed inside
the loops and no person-sized array of draws exists (peak at 1M persons: 270
B/person the model added, ``benchmarks/compare.md``). Elsewhere than glibc it
does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from pathlib import Path


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
# peak is the person state (198 B) + the month's scratch arrays (17 B: a matching round's applications and scores
# among them) + the policies' temporaries; Mesa agents add
# a Python object per person. Rounded up; the process itself (Python, numba, Mesa, Hydra) needs ~300 MB.
BYTES_PER_PERSON = {"numba": 300, "numpy": 400, "mesa": 900}
PROCESS_BYTES = 400 * 2**20


def persons_expected(n_youth: int, months: int, arrivals_per_1000_per_month: float) -> int:
    """Persons at start plus the returnees expected to arrive over the run."""
    return int(n_youth * (1.0 + arrivals_per_1000_per_month / 1000.0 * months))


def bytes_needed(persons: int, engine: str) -> int:
    """Resident memory a run of ``persons`` needs with ``engine``, the process included."""
    return persons * BYTES_PER_PERSON.get(engine, BYTES_PER_PERSON["mesa"]) + PROCESS_BYTES


def available_bytes() -> int | None:
    """Memory this process may still use: MemAvailable, capped by a cgroup limit; None if unknown."""
    limits = []
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                limits.append(int(line.split()[1]) * 1024)
    except OSError:
        pass
    try:
        cgroup = Path("/sys/fs/cgroup")
        limit = (cgroup / "memory.max").read_text().strip()
        if limit != "max":
            limits.append(int(limit) - int((cgroup / "memory.current").read_text()))
    except (OSError, ValueError):
        pass
    return min(limits) if limits else None


def check_fits_in_memory(cfg, engine: str) -> None:
    """Refuse, before building anything, a run whose population would not fit in the memory available."""
    from simulation.config import ConfigError

    s = cfg.scenario
    persons = persons_expected(s.n_youth, cfg.burn_in_months + cfg.months, s.returnees.arrivals_per_1000_per_month)
    need = bytes_needed(persons, engine)
    free = available_bytes()
    if free is not None and need > free:
        # name the key that makes the population large: the youth, or the returnees arriving over the run
        arriving = persons - s.n_youth
        key, got = (("scenario.n_youth", s.n_youth) if s.n_youth >= arriving else
                    ("scenario.returnees.arrivals_per_1000_per_month", s.returnees.arrivals_per_1000_per_month))
        raise ConfigError(key, f"small enough to fit in memory: {s.n_youth:,} youth + {arriving:,} arriving "
                          f"returnees = {persons:,} persons (arrivals over {cfg.burn_in_months} burn-in + {cfg.months} months) with engine={engine} need about "
                          f"{need / 2**30:.1f} GiB, {free / 2**30:.1f} GiB available", got)
