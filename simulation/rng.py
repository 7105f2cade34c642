"""Counter-based random numbers: every draw is a pure function of (seed, stream, month, person, slot).

The generator is Philox4x32-10 (Salmon et al. 2011, "Parallel random numbers:
as easy as 1, 2, 3", the ``Random123`` library), written as ``@njit``
functions so that kernels compute each person's draw where they use it::

    key     = (seed, crc32(stream name))
    counter = (person id, month + 1, slot, 0)
    (w0, w1, w2, w3) = Philox4x32-10(counter, key)
    u  = ((w0 >> 5) * 2**26 + (w1 >> 6)) / 2**53        # U[0, 1), 53 bits, as NumPy's doubles
    u' = ((w2 >> 5) * 2**26 + (w3 >> 6)) / 2**53        # a second, independent one (normal draws)

Consequences, each tested (``tests/test_rng.py``):

* **common random numbers per person**: a person's draws depend on nothing but
  their own id, so adding persons, a policy or another stream changes no one
  else's draws (stronger than one generator per stream, where adding a person
  shifts every later person's draw);
* **no shared state**: parallel kernels draw without a generator to share, so
  results do not depend on the thread count or the order persons are visited;
* **draw only when needed**: a rule draws only for persons it applies to, and
  the result is the same as drawing for everyone.

A person's id is ``uid``: ``0..n-1`` for the persons present at the start and
``-1, -2, ...`` for returnees arriving during the run (as unsigned 32-bit
words), so adding youth does not move the arrivals' draws. Model-level draws
(an employer's vacancies) use the employer's index as the id. Set-up draws use
month ``-1``. ``slot`` numbers the draws of one (stream, month, person) beyond
the first (a rejection sampler's retries).
"""

from __future__ import annotations

import math
import zlib

import numpy as np
from numba import njit, prange

MASK32 = np.uint64(0xFFFFFFFF)
PHILOX_M0 = np.uint64(0xD2511F53)  # Random123 philox4x32 multipliers
PHILOX_M1 = np.uint64(0xCD9E8D57)
PHILOX_W0 = np.uint64(0x9E3779B9)  # Weyl key increments (golden ratio, sqrt(3) - 1)
PHILOX_W1 = np.uint64(0xBB67AE85)
PHILOX_ROUNDS = 10
TWO_POW_M53 = 1.0 / 9007199254740992.0

rng_jit = njit(cache=True, nogil=True, inline="always")


def stream_key(name: str) -> int:
    """Stable 32-bit key of a stream name (CRC32; independent of PYTHONHASHSEED)."""
    return zlib.crc32(name.encode("utf-8"))


@rng_jit
def philox4x32(c0, c1, c2, c3, k0, k1):
    """Philox4x32-10 of counter (c0, c1, c2, c3) and key (k0, k1), all 32-bit words; returns 4 words.

    Round:  (c0, c1, c2, c3) <- (hi(M1 c2) ^ c1 ^ k0, lo(M1 c2), hi(M0 c0) ^ c3 ^ k1, lo(M0 c0)),
    and the key is bumped by the Weyl constants between rounds.
    """
    c0 = np.uint64(c0) & MASK32
    c1 = np.uint64(c1) & MASK32
    c2 = np.uint64(c2) & MASK32
    c3 = np.uint64(c3) & MASK32
    k0 = np.uint64(k0) & MASK32
    k1 = np.uint64(k1) & MASK32
    for r in range(PHILOX_ROUNDS):
        if r > 0:
            k0 = (k0 + PHILOX_W0) & MASK32
            k1 = (k1 + PHILOX_W1) & MASK32
        p0 = PHILOX_M0 * c0
        p1 = PHILOX_M1 * c2
        c0, c1, c2, c3 = (p1 >> np.uint64(32)) ^ c1 ^ k0, p1 & MASK32, (p0 >> np.uint64(32)) ^ c3 ^ k1, p0 & MASK32
    return c0, c1, c2, c3


@rng_jit
def _double(hi, lo):
    """53-bit U[0, 1) from two 32-bit words, as NumPy's ``random()`` from a 32-bit generator."""
    return ((hi >> np.uint64(5)) * 67108864.0 + (lo >> np.uint64(6))) * TWO_POW_M53


@rng_jit
def uniform(seed, stream, month, uid, slot=0):
    """The U[0, 1) draw of person ``uid`` from ``stream`` (a ``stream_key``) in ``month`` (-1: set-up)."""
    w0, w1, _, _ = philox4x32(uid, month + 1, slot, 0, seed, stream)
    return _double(w0, w1)


@rng_jit
def uniform_pair(seed, stream, month, uid, slot=0):
    """Two independent U[0, 1) draws from one Philox block (both halves of the output)."""
    w0, w1, w2, w3 = philox4x32(uid, month + 1, slot, 0, seed, stream)
    return _double(w0, w1), _double(w2, w3)


@rng_jit
def normal(seed, stream, month, uid, slot=0):
    """A standard normal draw (Box-Muller):  z = sqrt(-2 ln(1 - u1)) cos(2 pi u2)."""
    u1, u2 = uniform_pair(seed, stream, month, uid, slot)
    return math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(2.0 * math.pi * u2)


@rng_jit
def poisson(mean, seed, stream, month, uid):
    """A Poisson(mean) draw: inversion below mean 10, Hormann's PTRS transformed rejection above.

    Each try of the rejection uses the next ``slot``, so the draw stays a pure
    function of its counter. Hormann (1993), "The transformed rejection method
    for generating Poisson random variables", the algorithm NumPy uses.
    """
    if mean <= 0.0:
        return 0
    if mean < 10.0:
        u = uniform(seed, stream, month, uid, 0)
        k, p = 0, math.exp(-mean)
        cdf = p
        while u > cdf and k < 1000:
            k += 1
            p *= mean / k
            cdf += p
        return k
    slq, loglam = math.sqrt(mean), math.log(mean)
    b = 0.931 + 2.53 * slq
    a = -0.059 + 0.02483 * b
    invalpha = 1.1239 + 1.1328 / (b - 3.4)
    vr = 0.9277 - 3.6224 / (b - 2.0)
    slot = 0
    while True:
        u, v = uniform_pair(seed, stream, month, uid, slot)
        slot += 1
        u -= 0.5
        us = 0.5 - abs(u)
        k = math.floor((2.0 * a / us + b) * u + mean + 0.43)
        if us >= 0.07 and v <= vr:
            return int(k)
        if k < 0 or (us < 0.013 and v > us):
            continue
        if (math.log(v) + math.log(invalpha) - math.log(a / (us * us) + b)
                <= -mean + k * loglam - math.lgamma(k + 1.0)):
            return int(k)


@rng_jit
def gamma(shape, seed, stream, month, uid, first_slot=0):
    """A Gamma(shape, 1) draw (Marsaglia & Tsang 2000); shape < 1 via Gamma(shape + 1) u^(1/shape).

    Each try uses two slots from ``first_slot`` on (a normal and a uniform); a
    shape below 1 takes its extra uniform from the first slot.
    """
    boost, slot = 1.0, first_slot
    if shape < 1.0:
        boost = uniform(seed, stream, month, uid, slot) ** (1.0 / shape)
        shape += 1.0
        slot += 1
    d = shape - 1.0 / 3.0
    c = 1.0 / math.sqrt(9.0 * d)
    while True:
        z = normal(seed, stream, month, uid, slot)
        u = uniform(seed, stream, month, uid, slot + 1)
        slot += 2
        v = (1.0 + c * z) ** 3
        if v > 0.0 and math.log(u) < 0.5 * z * z + d - d * v + d * math.log(v):
            return d * v * boost


@rng_jit
def log_gamma_below_one(shape, seed, stream, month, uid, first_slot):
    """log of a Gamma(shape < 1, 1) draw, the draws of ``gamma``:  log Gamma(shape + 1) + log(u) / shape.

    For a small shape, u^(1/shape) underflows to 0 (shape 1e-300: every draw), and X / (X + Y) would be 0/0;
    in logs the draw stays finite."""
    u = uniform(seed, stream, month, uid, first_slot)
    return math.log(gamma(shape + 1.0, seed, stream, month, uid, first_slot + 1)) + math.log(u) / shape


@rng_jit
def beta(a, b, seed, stream, month, uid):
    """A Beta(a, b) draw:  X / (X + Y) with X ~ Gamma(a) (slots from 0), Y ~ Gamma(b) (slots from 2**16).

    With a shape below 1 the same draws are combined in logs, 1 / (1 + exp(log Y - log X)), which stays in
    [0, 1] however small the shapes (X and Y may both underflow as numbers, never as logarithms)."""
    if a >= 1.0 and b >= 1.0:
        x = gamma(a, seed, stream, month, uid, 0)
        y = gamma(b, seed, stream, month, uid, 65536)
        return x / (x + y)
    lx = math.log(gamma(a, seed, stream, month, uid, 0)) if a >= 1.0 else log_gamma_below_one(a, seed, stream, month,
                                                                                                uid, 0)
    ly = math.log(gamma(b, seed, stream, month, uid, 65536)) if b >= 1.0 else log_gamma_below_one(
        b, seed, stream, month, uid, 65536)
    if lx == ly:  # both -inf (a uniform draw of exactly 0, probability 2**-53): no information, the middle
        return 0.5
    d = ly - lx
    return 1.0 / (1.0 + math.exp(d)) if d < 700.0 else 0.0


@njit(cache=True, nogil=True, parallel=True)
def _fill_uniform(seed, stream, month, ids, out):
    for j in prange(ids.size):
        out[j] = uniform(seed, stream, month, ids[j], 0)


@njit(cache=True, nogil=True, parallel=True)
def _fill_normal(seed, stream, month, ids, out):
    for j in prange(ids.size):
        out[j] = normal(seed, stream, month, ids[j], 0)


@njit(cache=True, nogil=True, parallel=True)
def _fill_beta(a, b, seed, stream, month, ids, out):
    for j in prange(ids.size):
        out[j] = beta(a, b, seed, stream, month, ids[j])


@njit(cache=True, nogil=True)
def _fill_poisson(mean, seed, stream, month, ids, out):
    for j in range(ids.size):
        out[j] = poisson(mean, seed, stream, month, ids[j])


class Streams:
    """The run's named streams: arrays of draws for model-level code (policies, set-up, vacancies).

    Kernels call ``uniform`` themselves; this is the same function for code
    outside them, e.g. a policy's lottery over the persons it considers.
    """

    def __init__(self, seed: int):
        if seed < 0:
            raise ValueError("seed must be >= 0")
        self.seed = int(seed)

    def uniform(self, name: str, month: int, ids: np.ndarray) -> np.ndarray:
        """U[0, 1) draws of the persons (or employers) ``ids`` from stream ``name`` in ``month``."""
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        out = np.empty(ids.size, dtype=np.float64)
        _fill_uniform(self.seed, stream_key(name), month, ids, out)
        return out

    def normal(self, name: str, month: int, ids: np.ndarray) -> np.ndarray:
        """Standard normal draws of ``ids`` from stream ``name`` in ``month``."""
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        out = np.empty(ids.size, dtype=np.float64)
        _fill_normal(self.seed, stream_key(name), month, ids, out)
        return out

    def beta(self, name: str, month: int, a: float, b: float, ids: np.ndarray) -> np.ndarray:
        """Beta(``a``, ``b``) draws of ``ids`` from stream ``name`` in ``month``."""
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        out = np.empty(ids.size, dtype=np.float64)
        _fill_beta(float(a), float(b), self.seed, stream_key(name), month, ids, out)
        return out

    def poisson(self, name: str, month: int, mean: float, ids: np.ndarray) -> np.ndarray:
        """Poisson(``mean``) draws of ``ids`` from stream ``name`` in ``month``."""
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        out = np.empty(ids.size, dtype=np.int64)
        _fill_poisson(float(mean), self.seed, stream_key(name), month, ids, out)
        return out
