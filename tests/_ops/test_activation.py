"""Differential tests of ember._ops.activation against torch: relu, sigmoid, tanh, softmax, log_softmax."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import ember
from _compare import check_error, check_op

F32, F64, F16 = np.float32, np.float64, np.float16
RNG = np.random.default_rng(11)
# NumPy RuntimeWarnings must not reach the user: error on them, except the ones ember itself filters out at import
pytestmark = [pytest.mark.filterwarnings("error::RuntimeWarning"), pytest.mark.filterwarnings(r"ignore::RuntimeWarning:ember\..*")]


def r(*shape, dt=F64, lo=-3.0, hi=3.0):
    return RNG.uniform(lo, hi, shape).astype(dt)


def special(dt):
    return np.array([np.nan, np.inf, -np.inf, -0.0, 0.0, 1.0, -1.0, 20.0, -20.0, 100.0, -100.0], dt)


def C(id, fn, *inputs, marks=(), **kw):
    return pytest.param(fn, inputs, kw, id=id, marks=marks)


CASES = []
for dt in (F32, F64):
    n = np.dtype(dt).name
    CASES += [
        C(f"relu_fn_{n}", lambda L, x: L.relu(x), r(3, 4, dt=dt)),
        C(f"relu_method_{n}", lambda L, x: x.relu(), r(3, 4, dt=dt)),
        C(f"relu_inplace_{n}", lambda L, x: (x * 1).relu_(), r(3, 4, dt=dt)),
        C(f"relu_boundary_{n}", lambda L, x: L.relu(x), np.array([0.0, -0.0, 1e-30, -1e-30, 1.0], dt)),
        C(f"relu_special_{n}", lambda L, x: L.relu(x), special(dt)),
        C(f"relu_0dim_{n}", lambda L, x: L.relu(x), r(dt=dt)),
        C(f"relu_0size_{n}", lambda L, x: L.relu(x), r(0, 2, dt=dt)),
        C(f"sigmoid_fn_{n}", lambda L, x: L.sigmoid(x), r(3, 4, dt=dt, lo=-10, hi=10)),
        C(f"sigmoid_method_{n}", lambda L, x: x.sigmoid(), r(3, 4, dt=dt)),
        C(f"sigmoid_inplace_{n}", lambda L, x: (x * 1).sigmoid_(), r(3, 4, dt=dt)),
        C(f"sigmoid_special_{n}", lambda L, x: L.sigmoid(x), special(dt)),
        C(f"sigmoid_wide_{n}", lambda L, x: L.sigmoid(x), r(200, dt=dt, lo=-40, hi=40)),
        C(f"tanh_fn_{n}", lambda L, x: L.tanh(x), r(3, 4, dt=dt)),
        C(f"tanh_method_{n}", lambda L, x: x.tanh(), r(3, 4, dt=dt)),
        C(f"tanh_inplace_{n}", lambda L, x: (x * 1).tanh_(), r(3, 4, dt=dt)),
        C(f"tanh_special_{n}", lambda L, x: L.tanh(x), special(dt)),
        C(f"softmax_last_{n}", lambda L, x: L.softmax(x, dim=-1), r(3, 5, dt=dt)),
        C(f"softmax_dim0_{n}", lambda L, x: L.softmax(x, 0), r(3, 5, dt=dt)),
        C(f"softmax_method_{n}", lambda L, x: x.softmax(1), r(2, 3, 4, dt=dt)),
        C(f"softmax_wide_{n}", lambda L, x: L.softmax(x, -1), r(4, 300, dt=dt, lo=-20, hi=20)),
        C(f"softmax_1d_{n}", lambda L, x: L.softmax(x, 0), r(7, dt=dt)),
        C(f"softmax_0dim_{n}", lambda L, x: L.softmax(x, 0), r(dt=dt)),
        C(f"softmax_0size_{n}", lambda L, x: L.softmax(x, 1), r(0, 4, dt=dt)),
        C(f"softmax_noncontig_{n}", lambda L, x: L.softmax(x.t(), -1), r(5, 3, dt=dt)),
        C(f"softmax_inf_{n}", lambda L, x: L.softmax(x, -1), np.array([[1.0, -np.inf, 2.0], [-np.inf, -np.inf, 0.0]], dt)),
        C(f"softmax_big_{n}", lambda L, x: L.softmax(x, -1), np.array([[1000.0, 1001.0, 999.0]], dt)),
        C(f"log_softmax_last_{n}", lambda L, x: L.log_softmax(x, dim=-1), r(3, 5, dt=dt)),
        C(f"log_softmax_dim0_{n}", lambda L, x: L.log_softmax(x, 0), r(3, 5, dt=dt)),
        C(f"log_softmax_method_{n}", lambda L, x: x.log_softmax(-2), r(2, 3, 4, dt=dt)),
        C(f"log_softmax_wide_{n}", lambda L, x: L.log_softmax(x, -1), r(4, 300, dt=dt, lo=-20, hi=20)),
        C(f"log_softmax_0dim_{n}", lambda L, x: L.log_softmax(x, 0), r(dt=dt)),
        C(f"log_softmax_0size_{n}", lambda L, x: L.log_softmax(x, 0), r(0, 4, dt=dt)),
        C(f"log_softmax_noncontig_{n}", lambda L, x: L.log_softmax(x[:, ::2], 1), r(3, 8, dt=dt)),
        C(f"log_softmax_inf_{n}", lambda L, x: L.log_softmax(x, -1), np.array([[1.0, -np.inf, 2.0]], dt)),
        C(f"log_softmax_big_{n}", lambda L, x: L.log_softmax(x, -1), np.array([[1000.0, 1001.0, -999.0]], dt)),
    ]

CASES += [
    C("softmax_dtype", lambda L, x: L.softmax(x, -1, dtype=L.float64), r(3, 4, dt=F32)),
    C("log_softmax_dtype", lambda L, x: L.log_softmax(x, -1, dtype=L.float64), r(3, 4, dt=F32)),
    C("softmax_dtype_int", lambda L, x: L.softmax(x, -1, dtype=L.float32), RNG.integers(-3, 3, (3, 4))),
    C("softmax_f16", lambda L, x: L.softmax(x, -1), r(3, 4, dt=F16)),
    C("sigmoid_f16", lambda L, x: L.sigmoid(x), r(3, 4, dt=F16)),
    C("relu_int", lambda L, x: L.relu(x), RNG.integers(-3, 3, (5,))),
    C("relu_int_inplace", lambda L, x: x.relu_(), RNG.integers(-3, 3, (5,))),
    C("sigmoid_int", lambda L, x: L.sigmoid(x), RNG.integers(-3, 3, (5,))),
    C("tanh_int", lambda L, x: L.tanh(x), RNG.integers(-3, 3, (5,))),
    C("sigmoid_bool", lambda L, x: L.sigmoid(x), np.array([True, False])),
    C("sigmoid_out", lambda L, x: L.sigmoid(x, out=L.empty(0, dtype=L.float64)), r(4), grad=False),
    C("tanh_out", lambda L, x: L.tanh(x, out=L.empty(4, dtype=L.float64)), r(4), grad=False),
    C("chain", lambda L, x: L.log_softmax(L.relu(x) * L.sigmoid(x) + L.tanh(x), 1), r(4, 6)),
]
# row-blocked paths (more than _BLOCK = 32768 elements, reduced along the last contiguous axis): many rows per block
# with a ragged last block, one row longer than a block, a non-last dim and a non-contiguous input of the same size,
# and a dense upstream grad (times the output, so that it is not the ones of .sum())
for dt in (F32, F64):
    n = np.dtype(dt).name
    for name in ("softmax", "log_softmax"):
        CASES += [
            C(f"{name}_blocked_rows_{n}", lambda L, x, name=name: getattr(L, name)(x, -1), r(301, 257, dt=dt)),
            C(f"{name}_blocked_wide_{n}", lambda L, x, name=name: getattr(L, name)(x, 1), r(3, 40000, dt=dt, lo=-9, hi=9)),
            C(f"{name}_blocked_dim0_{n}", lambda L, x, name=name: getattr(L, name)(x, 0), r(301, 257, dt=dt)),
            C(f"{name}_blocked_noncontig_{n}", lambda L, x, name=name: getattr(L, name)(x.t(), -1), r(257, 301, dt=dt)),
            C(f"{name}_blocked_dense_grad_{n}", lambda L, x, name=name: getattr(L, name)(x, -1) * x, r(2, 150, 257, dt=dt)),
        ]


@pytest.mark.parametrize("fn,inputs,kw", CASES)
def test_op(fn, inputs, kw):
    check_op(fn, list(inputs), **kw)


@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
@pytest.mark.parametrize("ndim", [0, 1, 2, 3, 4])
def test_implicit_dim_warning(fn, ndim):
    arr = r(*([2] * ndim))
    res = []
    for L in (ember, torch):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            out = getattr(L.nn.functional if hasattr(L, "nn") else L, fn)(L.from_numpy(arr.copy())) if False else \
                getattr(L, fn)(L.from_numpy(arr.copy()), None) if L is ember else \
                getattr(torch.nn.functional, fn)(torch.from_numpy(arr.copy()))
        res.append(([(x.category, str(x.message)) for x in w], out.numpy()))
    assert res[0][0] == res[1][0]
    np.testing.assert_allclose(res[0][1], res[1][1], rtol=1e-12)


# measured when written (AVX512 torch): the share of float32 outputs equal to torch's bit for bit is sigmoid 0.96,
# tanh 0.99, softmax 0.54, log_softmax 0.91; what is left is mostly the summation order of torch's vectorized sum.
EXACT_SHARE = {"sigmoid": 0.9, "tanh": 0.95, "softmax": 0.45, "log_softmax": 0.85}


@pytest.mark.parametrize("name", sorted(EXACT_SHARE))
def test_float32_bits(name):
    """float32 results follow torch's order of operations: few ulps apart, often identical."""
    x = RNG.normal(0, 4, (64, 64)).astype(F32)
    kw = {"dim": -1} if "softmax" in name else {}
    e = getattr(ember, name)(ember.from_numpy(x.copy()), **kw).numpy()
    t = getattr(torch, name)(torch.from_numpy(x.copy()), **kw).numpy()
    assert np.all(np.abs(e - t) <= 8 * np.spacing(np.maximum(np.abs(t), F32(1) if name == "log_softmax" else t)))
    assert (e == t).mean() >= EXACT_SHARE[name], (name, (e == t).mean())


def test_inplace_version_no_grad():
    res = []
    for L in (ember, torch):
        x = L.tensor([-1.0, 0.0, 2.0], requires_grad=True)
        with L.no_grad():
            x.relu_()
            x.sigmoid_()
            x.tanh_()
        res.append((x._version, x.grad_fn is None, x.detach().numpy().copy()))
    assert res[0][:2] == res[1][:2]
    np.testing.assert_allclose(res[0][2], res[1][2], rtol=2e-6)


ERRORS = [
    ("relu_bool", lambda L: L.relu(L.tensor([True]))),
    ("softmax_int", lambda L: L.softmax(L.tensor([1, 2]), 0)),
    ("softmax_int_dim0", lambda L: L.softmax(L.ones(2, 3, dtype=L.int64), 0)),
    ("log_softmax_int_dim0", lambda L: L.log_softmax(L.ones(2, 3, dtype=L.int32), 0)),
    ("softmax_bool", lambda L: L.softmax(L.ones(2, 3, dtype=L.bool), 1)),
    ("relu__bool", lambda L: L.tensor([True]).relu_()),
    ("log_softmax_int", lambda L: L.log_softmax(L.tensor([1, 2]), 0)),
    ("softmax_dim_out_of_range", lambda L: L.softmax(L.ones(2, 3), 2)),
    ("log_softmax_dim_out_of_range", lambda L: L.log_softmax(L.ones(2, 3), -3)),
    ("leaf_relu_", lambda L: L.ones(2, requires_grad=True).relu_()),
    ("int_sigmoid_", lambda L: L.tensor([1, 2]).sigmoid_()),
]


@pytest.mark.parametrize("fn", [e[1] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_error(fn):
    check_error(fn)


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(["softmax", "log_softmax"]), st.sampled_from([F32, F64]),
       hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=5), st.data())
def test_softmax_property(name, dt, shape, data):
    x = data.draw(hnp.arrays(F64, shape, elements=st.floats(-30, 30))).astype(dt)
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    check_op(lambda L, x: getattr(L, name)(x, dim), [x])


@pytest.mark.parametrize("value", [np.array(0.3), np.array(0.3, np.float32), np.array(2), np.array(True)])
def test_sigmoid_0dim(value):
    # a 0-dim input made NumPy hand back a scalar, which the in-place steps could not write into
    check_op(lambda L, x: L.sigmoid(x), [value])


def test_sigmoid_float16_rounds_once():
    x = np.linspace(-12, 12, 4001).astype(np.float16)
    t = torch.sigmoid(torch.from_numpy(x)).numpy()
    e = ember.sigmoid(ember.from_numpy(x)).numpy()
    assert np.array_equal(t, e)


def test_complex_inputs_refused_as_torch():
    from _compare import check_error
    for f in (lambda L: L.tensor([1 + 1j]).relu(), lambda L: L.nn.functional.relu(L.tensor([1 + 1j])),
              lambda L: L.softmax(L.tensor([1 + 1j]), 0), lambda L: L.log_softmax(L.tensor([1 + 1j]), 0),
              lambda L: L.softmax(L.tensor([[1 + 1j, 2]]), 0), lambda L: L.softmax(L.tensor(1 + 1j), 0)):
        check_error(f)
