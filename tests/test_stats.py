"""The one t interval of the studies (experiments/studies/stats.py) against SciPy's own."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from experiments.studies.stats import t_half_width, t_interval, welch


@pytest.mark.parametrize("n,confidence", [(2, 0.95), (5, 0.9), (30, 0.95), (7, 0.99)])
def test_t_interval_is_scipys(n, confidence):
    x = np.random.default_rng(n).normal(3.0, 2.0, n)
    mean, low, high = t_interval(x, confidence)
    expected = stats.t.interval(confidence, n - 1, loc=x.mean(), scale=stats.sem(x))
    assert mean == pytest.approx(x.mean()) and (low, high) == pytest.approx(expected, rel=1e-12)
    assert t_half_width(x.std(ddof=1), n, confidence) == pytest.approx(high - mean, rel=1e-12)


def test_no_interval_below_two_values():
    assert t_interval([4.0], 0.95)[0] == 4.0 and all(math.isnan(v) for v in t_interval([4.0], 0.95)[1:])
    assert all(math.isnan(v) for v in t_interval([], 0.95))
    half = t_half_width(np.array([1.0, 1.0]), np.array([1, 4]), 0.95)
    assert math.isnan(half[0]) and half[1] == pytest.approx(stats.t.ppf(0.975, 3) / 2)


def test_welch_interval_is_scipys():
    g = np.random.default_rng(3)
    a, b = g.normal(10, 2, 5), g.normal(9, 4, 7)
    d, lo, hi = welch(a.mean(), a.std(ddof=1), 5, b.mean(), b.std(ddof=1), 7, 0.95)
    ci = stats.ttest_ind(a, b, equal_var=False).confidence_interval(0.95)
    assert d == pytest.approx(a.mean() - b.mean()) and (lo, hi) == pytest.approx((ci.low, ci.high), rel=1e-9)
    assert welch(3.0, 0.0, 5, 3.0, 0.0, 5, 0.95) == (0.0, 0.0, 0.0)  # no spread: the point itself
