"""Differential tests of ember._ops.minmax against torch: clamp/clip (numbers, tensors, one-sided, min > max),
maximum minimum fmax fmin (ties share the gradient, nan propagation), in place and with mixed dtypes."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
from _compare import check_error, check_op

F32, F64, I64 = np.float32, np.float64, np.int64
RNG = np.random.default_rng(3)
# NumPy RuntimeWarnings must not reach the user: error on them, except the ones ember itself filters out at import
pytestmark = [pytest.mark.filterwarnings("error::RuntimeWarning"), pytest.mark.filterwarnings(r"ignore::RuntimeWarning:ember\..*")]


def r(*shape, dt=F64, lo=-3.0, hi=3.0):
    return RNG.uniform(lo, hi, shape).astype(dt)


def C(id, fn, *inputs, marks=(), **kw):
    return pytest.param(fn, inputs, kw, id=id, marks=marks)


EDGE = np.array([-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, np.nan, np.inf, -np.inf])
TIES_A = np.array([1.0, 2.0, 3.0, np.nan, 0.0, -0.0, np.nan])
TIES_B = np.array([1.0, 1.0, 4.0, 1.0, -0.0, 0.0, np.nan])

CASES = []
for dt in (F32, F64):
    n = np.dtype(dt).name
    CASES += [
        C(f"clamp_both_{n}", lambda L, x: L.clamp(x, -1, 1), r(3, 4, dt=dt)),
        C(f"clamp_float_{n}", lambda L, x: L.clamp(x, -0.5, 0.75), r(3, 4, dt=dt)),
        C(f"clamp_min_only_{n}", lambda L, x: L.clamp(x, min=0), r(3, 4, dt=dt)),
        C(f"clamp_max_only_{n}", lambda L, x: L.clamp(x, max=0.5), r(3, 4, dt=dt)),
        C(f"clamp_method_{n}", lambda L, x: x.clamp(-1, 1), r(3, 4, dt=dt)),
        C(f"clip_{n}", lambda L, x: L.clip(x, -1, 1), r(3, 4, dt=dt)),
        C(f"clip_method_{n}", lambda L, x: x.clip(max=1), r(3, 4, dt=dt)),
        C(f"clamp_min_fn_{n}", lambda L, x: L.clamp_min(x, 0.5), r(3, 4, dt=dt)),
        C(f"clamp_max_method_{n}", lambda L, x: x.clamp_max(0.5), r(3, 4, dt=dt)),
        C(f"clamp_boundary_{n}", lambda L, x: L.clamp(x, -1, 1), EDGE.astype(dt)),
        C(f"clamp_min_gt_max_{n}", lambda L, x: L.clamp(x, 1, -1), EDGE.astype(dt)),
        C(f"clamp_equal_bounds_{n}", lambda L, x: L.clamp(x, 0.5, 0.5), EDGE.astype(dt)),
        C(f"clamp_nan_bound_{n}", lambda L, x: L.clamp(x, min=float("nan")), EDGE.astype(dt)),
        C(f"clamp_inf_bounds_{n}", lambda L, x: L.clamp(x, -float("inf"), float("inf")), EDGE.astype(dt)),
        C(f"clamp_0dim_{n}", lambda L, x: L.clamp(x, -1, 1), r(dt=dt)),
        C(f"clamp_0size_{n}", lambda L, x: L.clamp(x, -1, 1), r(0, 2, dt=dt)),
        C(f"clamp_noncontig_{n}", lambda L, x: L.clamp(x.t(), -1, 1), r(3, 4, dt=dt)),
        C(f"clamp_inplace_{n}", lambda L, x: (x * 1).clamp_(-1, 1), r(3, 4, dt=dt)),
        C(f"clamp_min_inplace_{n}", lambda L, x: (x * 1).clamp_min_(0), r(3, 4, dt=dt)),
        C(f"clamp_max_inplace_{n}", lambda L, x: (x * 1).clamp_max_(0), r(3, 4, dt=dt)),
        C(f"clip_inplace_{n}", lambda L, x: (x * 1).clip_(max=0), r(3, 4, dt=dt)),
        # tensor bounds
        C(f"clamp_tensor_{n}", lambda L, x, lo, hi: L.clamp(x, lo, hi), r(3, 4, dt=dt), r(4, dt=dt, hi=0), r(3, 1, dt=dt, lo=0)),
        C(f"clamp_tensor_min_only_{n}", lambda L, x, lo: L.clamp(x, min=lo), r(3, 4, dt=dt), r(4, dt=dt)),
        C(f"clamp_tensor_max_only_{n}", lambda L, x, hi: x.clamp(max=hi), r(3, 4, dt=dt), r(4, dt=dt)),
        C(f"clamp_tensor_min_gt_max_{n}", lambda L, x, lo, hi: L.clamp(x, lo, hi), r(6, dt=dt), r(6, dt=dt, lo=0), r(6, dt=dt, hi=0)),
        C(f"clamp_tensor_ties_{n}", lambda L, x, lo, hi: L.clamp(x, lo, hi), np.array([0.0, 1.0, 2.0, -1.0], dt), np.array([0.0, 0.0, 0.0, 0.0], dt), np.array([1.0, 1.0, 1.0, 1.0], dt)),
        C(f"clamp_tensor_bcast_{n}", lambda L, x, lo: L.clamp(x, lo), r(4, dt=dt), r(3, 1, dt=dt)),
        C(f"clamp_min_tensor_{n}", lambda L, x, lo: L.clamp_min(x, lo), r(3, 4, dt=dt), r(4, dt=dt)),
        C(f"clamp_max_tensor_{n}", lambda L, x, hi: x.clamp_max(hi), r(3, 4, dt=dt), r(4, dt=dt)),
        C(f"clamp_tensor_nan_{n}", lambda L, x, lo, hi: L.clamp(x, lo, hi), EDGE.astype(dt), np.full(10, -1.0, dt), np.array([1, 1, 1, 1, 1, 1, 1, 1, np.nan, 1], dt)),
        # maximum / minimum / fmax / fmin
        C(f"maximum_{n}", lambda L, x, y: L.maximum(x, y), r(3, 4, dt=dt), r(3, 4, dt=dt)),
        C(f"maximum_method_{n}", lambda L, x, y: x.maximum(y), r(3, 4, dt=dt), r(4, dt=dt)),
        C(f"minimum_{n}", lambda L, x, y: L.minimum(x, y), r(3, 4, dt=dt), r(3, 1, dt=dt)),
        C(f"minimum_method_{n}", lambda L, x, y: x.minimum(y), r(3, 4, dt=dt), r(4, dt=dt)),
        C(f"maximum_ties_{n}", lambda L, x, y: L.maximum(x, y), TIES_A.astype(dt), TIES_B.astype(dt)),
        C(f"minimum_ties_{n}", lambda L, x, y: L.minimum(x, y), TIES_A.astype(dt), TIES_B.astype(dt)),
        C(f"fmax_ties_{n}", lambda L, x, y: L.fmax(x, y), TIES_A.astype(dt), TIES_B.astype(dt)),
        C(f"fmin_ties_{n}", lambda L, x, y: L.fmin(x, y), TIES_A.astype(dt), TIES_B.astype(dt)),
        C(f"fmax_{n}", lambda L, x, y: x.fmax(y), r(3, 4, dt=dt), r(4, dt=dt)),
        C(f"fmin_{n}", lambda L, x, y: L.fmin(x, y), r(3, 4, dt=dt), r(3, 1, dt=dt)),
        C(f"maximum_bcast_tie_{n}", lambda L, x, y: L.maximum(x, y), np.array([[1.0, 2.0], [3.0, 1.0]], dt), np.array([1.0], dt)),
        C(f"maximum_0dim_{n}", lambda L, x, y: L.maximum(x, y), r(dt=dt), r(3, dt=dt)),
        C(f"maximum_0size_{n}", lambda L, x, y: L.maximum(x, y), r(0, 3, dt=dt), r(3, dt=dt)),
        C(f"maximum_noncontig_{n}", lambda L, x, y: L.maximum(x.t(), y[::2]), r(3, 4, dt=dt), r(8, 3, dt=dt)),
        C(f"max_two_tensors_{n}", lambda L, x, y: L.max(x, y), r(3, 4, dt=dt), r(4, dt=dt)),
        C(f"min_two_tensors_{n}", lambda L, x, y: x.min(y), r(3, 4, dt=dt), r(4, dt=dt)),
    ]

CASES += [
    C("clamp_int", lambda L, x: L.clamp(x, -2, 2), RNG.integers(-5, 5, (6,))),
    C("clamp_int_float_bounds", lambda L, x: L.clamp(x, -1.5, 2.5), RNG.integers(-5, 5, (6,))),
    C("clamp_int_inplace", lambda L, x: x.clamp_(-2, 2), RNG.integers(-5, 5, (6,))),
    C("clamp_f32_with_f64_tensor_bound", lambda L, x, lo: L.clamp(x, lo), r(4, dt=F32), r(4)),
    C("clamp_int_with_float_tensor_bound", lambda L, x, lo: L.clamp(x, lo), RNG.integers(-5, 5, (4,)), r(4, dt=F32)),
    C("clamp_bool_tensor", lambda L, x, y: L.clamp(x, y), np.array([True, False]), np.array([False, True])),
    C("clamp_int_tensor_0dim_f64", lambda L, x, lo: L.clamp(x, lo), r(4, dt=F32), r()),
    C("maximum_int", lambda L, x, y: L.maximum(x, y), RNG.integers(-5, 5, (6,)), RNG.integers(-5, 5, (6,))),
    C("maximum_f32_f64", lambda L, x, y: L.maximum(x, y), r(4, dt=F32), r(4)),
    C("minimum_int_f32", lambda L, x, y: L.minimum(x, y), RNG.integers(-5, 5, (4,)), r(4, dt=F32)),
    C("maximum_0dim_f64_f32", lambda L, x, y: L.maximum(x, y), r(), r(4, dt=F32)),
    C("maximum_bool", lambda L, x, y: L.maximum(x, y), np.array([True, False]), np.array([False, False])),
    C("clamp_default_f64", lambda L, x: (L.set_default_dtype(L.float64), L.clamp(x, 0.5))[1], RNG.integers(-5, 5, (4,))),
]


@pytest.mark.parametrize("fn,inputs,kw", CASES)
def test_op(fn, inputs, kw):
    check_op(fn, list(inputs), **kw)


def test_clamp_inplace_no_grad_version():
    res = []
    for L in (ember, torch):
        x = L.tensor([-2.0, 0.0, 2.0], requires_grad=True)
        with L.no_grad():
            x.clamp_(-1, 1)
            x.clamp_min_(0)
            x.clip_(max=0.5)
        res.append((x._version, x.grad_fn is None, x.detach().numpy().copy()))
    assert res[0][:2] == res[1][:2]
    np.testing.assert_array_equal(res[0][2], res[1][2])


ERRORS = [
    ("clamp_no_bounds", lambda L: L.clamp(L.ones(2))),
    ("clamp_tensor_scalar_mix", lambda L: L.clamp(L.ones(2), L.zeros(2), 1.0)),
    ("clamp_scalar_tensor_mix", lambda L: L.clamp(L.ones(2), 0, L.zeros(2))),
    ("clamp_bool_min", lambda L: L.clamp(L.tensor([True]), min=True)),
    ("clamp_bool_max", lambda L: L.clamp(L.tensor([True]), max=True)),
    ("clamp_bool_both", lambda L: L.clamp(L.tensor([True]), True, True)),
    ("clamp_min_bool", lambda L: L.clamp_min(L.tensor([True]), True)),
    ("clamp_int_float_inplace", lambda L: L.tensor([1, 2]).clamp_(0.5)),
    ("maximum_scalar", lambda L: L.maximum(L.ones(2), 1)),
    ("minimum_scalar", lambda L: L.minimum(L.ones(2), 1.0)),
    ("maximum_bcast", lambda L: L.maximum(L.ones(2, 3), L.ones(2))),
    ("fmax_bcast", lambda L: L.fmax(L.ones(2, 3), L.ones(2))),
    ("clamp_tensor_bcast", lambda L: L.clamp(L.ones(2, 3), L.ones(2))),
    ("leaf_clamp_", lambda L: L.ones(2, requires_grad=True).clamp_(0)),
]


def _err(e):
    if hasattr(e, "marks"):  # a pytest.param(name, fn, marks=...) row
        return pytest.param(e.values[1], id=e.values[0], marks=e.marks)
    return pytest.param(e[1], id=e[0])


@pytest.mark.parametrize("fn", [_err(e) for e in ERRORS])
def test_error(fn):
    check_error(fn)
