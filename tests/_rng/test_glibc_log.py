"""``ember._rng.glibc_log.log_unit`` against glibc's ``log`` (``math.log``), bit for bit.

The inputs are torch's normal_fill u1 = 1 - k * 2**-53 plus the near-1 range that glibc treats
separately. Rounding the long double logarithm alone disagrees with glibc on ~0.1% of these, all
within ``BAND`` ulp of a midpoint (glibc's own error reaches 0.519 ulp); ``test_repair_is_needed``
shows that those exist in the sample, so the midpoint repair is exercised.
"""
from __future__ import annotations

import math
import platform

import numpy as np
import pytest

from ember._rng import glibc_log


def _sample(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.concatenate([1.0 - rng.integers(0, 1 << 53, 300000, dtype=np.int64) * 2.0 ** -53,
                           1.0 - rng.integers(1, 1 << 22, 20000) * 2.0 ** -53, [1.0, 0.5, 0.25, 2.0 ** -53]])


def _ref(x: np.ndarray) -> np.ndarray:
    return np.fromiter(map(math.log, x.tolist()), dtype=np.float64, count=x.size)


def _bits(a: np.ndarray) -> np.ndarray:
    return a.view(np.uint64)


# the premises of the long double path (see glibc_log.available)
needs_long_double_glibc = pytest.mark.skipif(
    platform.libc_ver()[0] != "glibc" or np.finfo(np.longdouble).nmant < 63,
    reason="log_unit is math.log here (not glibc, or no x87 long double)")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_math_log(seed):
    x = _sample(seed)
    assert np.array_equal(_bits(glibc_log.log_unit(x)), _bits(_ref(x)))


@needs_long_double_glibc
@pytest.mark.parametrize("seed", [4, 5])
def test_long_double_path(seed):
    # the vectorised path itself (log_unit would fall back to math.log if its self-check failed)
    x = _sample(seed)
    assert np.array_equal(_bits(glibc_log._log_via_long_double(x)), _bits(_ref(x)))


@needs_long_double_glibc
def test_repair_is_needed():
    x = _sample(0)
    plain = np.log(x.astype(np.longdouble)).astype(np.float64)
    assert np.count_nonzero(_bits(plain) != _bits(_ref(x))) > 0


def test_fallback(monkeypatch):
    monkeypatch.setattr(glibc_log, "_OK", [False])
    x = _sample(3)[:5000]
    assert np.array_equal(_bits(glibc_log.log_unit(x)), _bits(_ref(x)))
