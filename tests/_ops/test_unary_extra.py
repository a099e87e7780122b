"""Differential tests of ember._ops.unary_extra against torch: asinh acosh atanh (and arc* aliases) erfinv sgn signbit
angle deg2rad rad2deg positive nan_to_num, as functions, methods, in place and with out=; values, dtypes
(integer and bool inputs promoted), grads and errors."""
from __future__ import annotations

import numpy as np
import pytest

import ember
from _compare import check_error, check_op

F32, F64, F16, I64, I32, I8, U8, B = (np.float32, np.float64, np.float16, np.int64, np.int32, np.int8, np.uint8,
                                      np.bool_)
RNG = np.random.default_rng(31)
pytestmark = [pytest.mark.filterwarnings("error::RuntimeWarning"), pytest.mark.filterwarnings(r"ignore::RuntimeWarning:ember\..*")]


def r(*shape, dt=F64, lo=-3.0, hi=3.0):
    return RNG.uniform(lo, hi, shape).astype(dt)


def ri(*shape, dt=I64):
    return RNG.integers(-4, 5, shape).astype(dt)


def rb(*shape):
    return RNG.random(shape) < 0.5


SPECIAL = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0, 1.0, -1.0, 0.5, -2.5, 1e-300, 1e300])


def sp(dt):
    with np.errstate(over="ignore", under="ignore"):
        return SPECIAL.astype(dt)  # 1e300 becomes inf in float32


def C(id, fn, *inputs, **kw):
    return pytest.param(fn, inputs, kw, id=id)


# input ranges inside each function's domain (grads stay finite)
DOMAIN = {"asinh": (-5, 5), "acosh": (1.05, 6), "atanh": (-0.95, 0.95), "erfinv": (-0.99, 0.99), "sgn": (-3, 3),
          "angle": (-3, 3), "deg2rad": (-400, 400), "rad2deg": (-7, 7), "nan_to_num": (-3, 3)}
ALIAS = {"arcsinh": "asinh", "arccosh": "acosh", "arctanh": "atanh"}

CASES = []
for name, (lo, hi) in DOMAIN.items():
    g = name != "sgn"  # torch's sgn grad of a real input is a ZeroTensor, which cannot be compared (test_sgn_grad)
    g_ = g and name not in ("asinh", "acosh", "atanh")  # torch has no derivative for these in place (ERRORS)
    for dt in (F32, F64):
        n = np.dtype(dt).name
        CASES += [
            C(f"{name}_{n}", lambda L, x, f=name: getattr(L, f)(x), r(4, 5, dt=dt, lo=lo, hi=hi), grad=g),
            C(f"{name}_method_{n}", lambda L, x, f=name: getattr(x, f)(), r(7, dt=dt, lo=lo, hi=hi), grad=g),
            C(f"{name}_special_{n}", lambda L, x, f=name: getattr(L, f)(x), sp(dt), grad=False),
        ]
        if name != "angle":
            CASES += [C(f"{name}_inplace_{n}", lambda L, x, f=name: getattr(x * 1, f + "_")(),
                        r(3, 2, dt=dt, lo=lo, hi=hi), grad=g_)]
    CASES += [
        C(f"{name}_f16", lambda L, x, f=name: getattr(L, f)(x), r(9, dt=F16, lo=lo, hi=hi), grad=False),
        C(f"{name}_int", lambda L, x, f=name: getattr(L, f)(x), ri(2, 5)),
        C(f"{name}_bool", lambda L, x, f=name: getattr(L, f)(x), rb(6)),
        C(f"{name}_0dim", lambda L, x, f=name: getattr(L, f)(x), r(dt=F64, lo=lo, hi=hi), grad=g),
        C(f"{name}_empty", lambda L, x, f=name: getattr(L, f)(x), r(0, 3, dt=F32, lo=lo, hi=hi), grad=g),
        C(f"{name}_out", lambda L, x, f=name: getattr(L, f)(x, out=L.empty(0, dtype=L.float64)),
          r(2, 3, dt=F64, lo=lo, hi=hi), grad=False),
    ]
for alias, name in ALIAS.items():
    lo, hi = DOMAIN[name]
    CASES += [
        C(f"{alias}", lambda L, x, f=alias: getattr(L, f)(x), r(5, lo=lo, hi=hi)),
        C(f"{alias}_method", lambda L, x, f=alias: getattr(x, f)(), r(5, dt=F32, lo=lo, hi=hi)),
        C(f"{alias}_inplace", lambda L, x, f=alias: getattr(x * 1, f + "_")(), r(5, lo=lo, hi=hi), grad=False),
    ]
CASES += [
    # erfinv across its whole range, the tails included
    C("erfinv_dense_f64", lambda L, x: L.erfinv(x), np.linspace(-1, 1, 2001)),
    C("erfinv_dense_f32", lambda L, x: L.erfinv(x), np.linspace(-1, 1, 2001).astype(F32), grad=False),
    C("erfinv_tail_f64", lambda L, x: L.erfinv(x), 1 - np.logspace(-16, -1, 60), grad=False),
    C("erfinv_tiny", lambda L, x: L.erfinv(x), np.array([1e-300, -1e-200, 5e-324, 1e-20, 0.0, -0.0])),
    C("erfinv_outside", lambda L, x: L.erfinv(x), np.array([1.5, -1.0000001, 1.0, -1.0])),
    # sgn, angle and signbit on the edges; integer dtypes keep theirs
    C("sgn_int", lambda L, x: L.sgn(x), ri(7, dt=I32)),
    C("sgn_u8", lambda L, x: L.sgn(x), ri(7, dt=U8)),
    C("sgn_inplace_int", lambda L, x: x.clone().sgn_(), ri(7)),
    C("sgn_complex", lambda L, x: L.sgn(x), np.array([3 + 4j, 0j, -1j, -2 + 0j])),
    C("angle_complex", lambda L, x: L.angle(x), np.array([3 + 4j, 0j, -1j, -2 + 0j])),
    C("angle_nan_signed_zero", lambda L, x: L.angle(x), np.array([np.nan, -0.0, 0.0, -1.0, np.inf, -np.inf])),
    C("signbit_f64", lambda L, x: L.signbit(x), SPECIAL),
    C("signbit_neg_nan", lambda L, x: L.signbit(x), np.array([-np.nan, np.nan, -0.0], F32)),
    C("signbit_int", lambda L, x: L.signbit(x), ri(9, dt=I8)),
    C("signbit_u8_bool", lambda L, x, y: (L.signbit(x), L.signbit(y)), ri(4, dt=U8), rb(4)),
    C("signbit_method_out", lambda L, x: L.signbit(x, out=L.empty(0, dtype=L.bool)), r(4)),
    C("positive", lambda L, x: L.positive(x), r(3, 4)),
    C("positive_method_int", lambda L, x: x.positive(), ri(4)),
    # nan_to_num's defaults are the dtype's extremes; given values are cast to the dtype
    C("nan_to_num_defaults_f32", lambda L, x: L.nan_to_num(x), sp(F32), grad=False),
    C("nan_to_num_defaults_f16", lambda L, x: L.nan_to_num(x), sp(F16), grad=False),
    C("nan_to_num_values", lambda L, x: L.nan_to_num(x, nan=2.0, posinf=1e39, neginf=-5), sp(F32),
      grad=False),
    C("nan_to_num_method_kw", lambda L, x: x.nan_to_num(posinf=7.0), SPECIAL, grad=False),
    C("nan_to_num_grad", lambda L, x: L.nan_to_num(x * 1) * 2, np.array([np.nan, 1.0, np.inf, -2.0, -np.inf])),
    C("nan_to_num_inplace", lambda L, x: x.clone().nan_to_num_(nan=-1.0), SPECIAL, grad=False),
    C("nan_to_num_int", lambda L, x: L.nan_to_num(x, nan=1.5), ri(5)),
    C("nan_to_num_bool", lambda L, x: L.nan_to_num(x), rb(5)),
    # deg2rad / rad2deg multiply by the constant rounded to the dtype (bit-exact with torch)
    C("deg2rad_exact_f32", lambda L, x: L.deg2rad(x), r(50, dt=F32, lo=-720, hi=720), rtol=0, atol=0),
    C("rad2deg_exact_f32", lambda L, x: L.rad2deg(x), r(50, dt=F32), rtol=0, atol=0),
    C("deg2rad_inplace_f16", lambda L, x: x.clone().deg2rad_(), r(5, dt=F16, lo=-90, hi=90), grad=False),
    # a chain: grads flow through the new ops
    C("chain", lambda L, x: (L.asinh(x) * L.atanh(x / 4) + L.erfinv(x / 4)).sum(), r(3, 3)),
]


@pytest.mark.parametrize("fn, inputs, kw", CASES)
def test_op(fn, inputs, kw):
    check_op(fn, inputs, **kw)


def test_erfinv_float32_ulps():
    """erfinv float32: within one ulp of torch everywhere (computed in float64, rounded once)."""
    import torch
    x = np.linspace(-0.9999, 0.9999, 20001).astype(F32)
    e = ember.erfinv(ember.from_numpy(x)).numpy()
    t = torch.erfinv(torch.from_numpy(x)).numpy()
    ulp = np.spacing(np.abs(t).astype(F32))
    assert np.max(np.abs(e - t) / np.where(ulp == 0, 1, ulp)) <= 1


def test_erfinv_float64_roundtrip():
    x = np.linspace(-0.999999, 0.999999, 10001)
    y = ember.erf(ember.erfinv(ember.from_numpy(x))).numpy()
    np.testing.assert_allclose(y, x, rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("name", ["sgn", "angle"])
def test_real_grad_is_zero(name):
    """sgn and angle are piecewise constant on real input: zero grads, and torch's grad_fn names."""
    x = ember.tensor([0.5, -2.0, 0.0], requires_grad=True)
    y = getattr(ember, name)(x)
    assert y.grad_fn.name() == f"{name.capitalize()}Backward0"
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]


def test_angle_complex_grad():
    import torch
    res = []
    for L in (torch, ember):
        x = L.tensor([1 + 2j, -3 + 0.5j, 0j], requires_grad=True)
        L.angle(x).sum().backward()
        res.append(x.grad.detach().numpy())
    np.testing.assert_allclose(res[1], res[0], rtol=1e-6, atol=1e-7)


def test_positive_is_the_same_tensor():
    x = ember.ones(3)
    assert ember.positive(x) is x and x.positive() is x


def P(id, fn):
    return pytest.param(fn, id=id)


ERRORS = [
    P("positive_bool", lambda L: L.positive(L.tensor([True]))),
    P("asinh_inplace_int", lambda L: L.tensor([1, 2]).asinh_()),
    P("erfinv_inplace_int", lambda L: L.tensor([1, 2]).erfinv_()),
    P("deg2rad_inplace_int", lambda L: L.tensor([1, 2]).deg2rad_()),
    P("deg2rad_complex", lambda L: L.deg2rad(L.tensor([1j]))),
    P("rad2deg_complex", lambda L: L.rad2deg(L.tensor([1j]))),
    P("signbit_complex", lambda L: L.signbit(L.tensor([1j]))),
    P("signbit_out_float", lambda L: L.signbit(L.tensor([1.0]), out=L.empty(0))),
    P("nan_to_num_out_dtype", lambda L: L.nan_to_num(L.tensor([1, 2]), out=L.empty(0))),
    P("acosh_leaf_inplace", lambda L: L.tensor([2.0], requires_grad=True).acosh_()),
    P("asinh_inplace_backward", lambda L: (L.tensor([2.0], requires_grad=True) * 1).asinh_().sum().backward()),
    P("acosh_inplace_backward", lambda L: (L.tensor([2.0], requires_grad=True) * 1).acosh_().sum().backward()),
    P("atanh_inplace_backward", lambda L: (L.tensor([0.2], requires_grad=True) * 1).arctanh_().sum().backward()),
]


@pytest.mark.parametrize("fn", ERRORS)
def test_error(fn):
    check_error(fn)
