"""arange's float values bit for bit against torch: its kernel writes whole SIMD vectors from their first value
(see ember/_range_factories.arange_values), per thread range when the size passes at::parallel_for's grain."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import ember

DTYPES = ["float32", "float64", "float16"]


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(DTYPES), st.sampled_from([-3, 0, 2.5, 1, 0.5, -7.25, 1e-3, 100.3]),
       st.sampled_from([0.3, 0.7, 0.1, 0.013, 1.1, 0.25, -0.3, -1.7]), st.integers(0, 300), st.floats(0, 0.99))
def test_arange_float_bits(dtype, start, step, count, frac):
    end = start + step * (count + frac)
    t = torch.arange(start, end, step, dtype=getattr(torch, dtype))
    e = ember.arange(start, end, step, dtype=getattr(ember, dtype))
    assert np.array_equal(t.numpy(), e.numpy(), equal_nan=True)


def test_arange_default_dtype_bits():
    for args in ((-3, 10, 0.3), (0.5, 3.7, 0.1), (10, -5, -0.7)):
        assert np.array_equal(torch.arange(*args).numpy(), ember.arange(*args).numpy())


@pytest.mark.parametrize("threads", [1, 2, 3])
@pytest.mark.parametrize("n", [32784, 65537, 100003])
def test_arange_thread_ranges(threads, n):
    before_t, before_e = torch.get_num_threads(), ember.get_num_threads()
    torch.set_num_threads(threads)
    ember.set_num_threads(threads)
    try:
        for dtype in ("float32", "float64"):
            t = torch.arange(0, n * 0.37, 0.37, dtype=getattr(torch, dtype))
            e = ember.arange(0, n * 0.37, 0.37, dtype=getattr(ember, dtype))
            assert np.array_equal(t.numpy(), e.numpy())
    finally:
        torch.set_num_threads(before_t)
        ember.set_num_threads(before_e)


def _same(f):
    out = []
    for lib in (torch, ember):
        try:
            out.append(("ok", str(f(lib))))
        except Exception as exc:  # noqa: BLE001
            out.append((type(exc).__name__, str(exc)))
    assert out[0] == out[1]


@pytest.mark.parametrize("case", [
    lambda L: L.linspace(3, 0, 1, dtype=L.bool),  # one step is a fill with start: allowed for bool
    lambda L: L.linspace(0, 3, 0, dtype=L.bool),
    lambda L: L.logspace(0, 2, 1, dtype=L.bool),
    lambda L: L.linspace(0, 3, 2, dtype=L.bool),  # a real kernel call: torch has none for bool
    lambda L: L.arange(0, 3, dtype=L.complex64),
    lambda L: L.arange(3, dtype=L.complex128),
])
def test_range_factories_dtype_edges(case):
    _same(case)
