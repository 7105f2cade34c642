"""Named random streams derived from one seed.

Every random decision has its own stream, keyed by a stable hash of its name
(and, for monthly draws, by the month). Adding a stream, a policy or a phase
never shifts anyone else's draws, and two runs that differ only in an
intervention see the same draws person by person (common random numbers).
Kernels never draw: the model draws whole arrays here and passes them in.
"""

from __future__ import annotations

import zlib

import numpy as np

from simulation.state import FLOAT


def stream_key(name: str) -> int:
    """Stable 32-bit key of a stream name (CRC32; independent of PYTHONHASHSEED)."""
    return zlib.crc32(name.encode("utf-8"))


class RandomStreams:
    """Factory of ``numpy.random.Generator`` objects, one per (name, month)."""

    def __init__(self, seed: int):
        if seed < 0:
            raise ValueError("seed must be >= 0")
        self.seed = int(seed)

    def generator(self, name: str, month: int = -1) -> np.random.Generator:
        """The generator of stream ``name`` for ``month`` (-1: set-up draws)."""
        seq = np.random.SeedSequence(self.seed, spawn_key=(stream_key(name), month + 1))
        return np.random.Generator(np.random.PCG64(seq))

    def uniform(self, name: str, month: int, n: int, out: np.ndarray | None = None) -> np.ndarray:
        """``n`` U[0, 1) draws, element ``i`` belonging to person (or employer) ``i`` (into ``out`` if given)."""
        return self.generator(name, month).random(n, dtype=FLOAT, out=out)
