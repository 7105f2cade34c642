"""The intervals of the studies, in one place: Student's t over seeds and Welch's for two independent means.

Every "mean [95% CI]" over seeds in the reports, the validation, the optimiser and the documentation's
numbers comes from here:

    mean +- t_{n-1, (1 + c)/2} s / sqrt(n),        s the standard deviation with n - 1,

with no interval for fewer than two values. The t quantile is SciPy's ``stdtrit`` (what ``scipy.stats.t.ppf``
calls), without importing ``scipy.stats`` (about a second).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import stdtrit


def t_quantile(df, confidence: float):
    """t_{df, (1 + c)/2}: the two-sided quantile of Student's t with ``df`` degrees of freedom (array or number)."""
    return stdtrit(df, (1.0 + confidence) / 2.0)


def t_half_width(std, n, confidence: float):
    """t_{n-1} s / sqrt(n), element-wise; NaN where n < 2."""
    std, n = np.asarray(std, dtype=float), np.asarray(n, dtype=float)
    several = n > 1
    half = np.full(np.broadcast(std, n).shape, np.nan)
    half[several] = t_quantile(n[several] - 1, confidence) * np.broadcast_to(std, half.shape)[several] / np.sqrt(
        n[several])
    return half if half.shape else float(half)


def t_interval(values, confidence: float) -> tuple[float, float, float]:
    """(mean, low, high) of ``values`` over seeds; NaN bounds for fewer than two values, NaN for none."""
    x = np.asarray(values, dtype=float)
    if x.size == 0:
        return math.nan, math.nan, math.nan
    m = float(x.mean())
    if x.size < 2:
        return m, math.nan, math.nan
    half = float(t_quantile(x.size - 1, confidence)) * float(x.std(ddof=1)) / math.sqrt(x.size)
    return m, m - half, m + half


def welch(m1: float, s1: float, n1: int, m2: float, s2: float, n2: int, confidence: float) -> tuple[float, float, float]:
    """Difference of two independent means, m1 - m2, with Welch's t interval:
    (m1 - m2) +- t_nu sqrt(s1^2/n1 + s2^2/n2), nu by Welch-Satterthwaite. Zero spread: the point itself."""
    a, b = s1 ** 2 / n1, s2 ** 2 / n2
    d = m1 - m2
    if a + b == 0:
        return d, d, d
    nu = (a + b) ** 2 / (a ** 2 / (n1 - 1) + b ** 2 / (n2 - 1))
    half = float(t_quantile(nu, confidence)) * math.sqrt(a + b)
    return d, d - half, d + half
