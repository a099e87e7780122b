"""Differential tests of ember._ops.binary_math against torch: atan2/arctan2 hypot logaddexp logaddexp2 xlogy copysign
nextafter heaviside float_power lerp, and reduction.nanmean; as functions, methods, in place and with out=; values,
dtypes (type promotion, integer inputs), broadcasting, grads, grad_fn names and errors."""
from __future__ import annotations

import numpy as np
import pytest

import ember
from _compare import check_error, check_op

F32, F64, F16, I64, I32, I16, I8, U8, B = (np.float32, np.float64, np.float16, np.int64, np.int32, np.int16, np.int8,
                                           np.uint8, np.bool_)
RNG = np.random.default_rng(47)
pytestmark = [pytest.mark.filterwarnings("error::RuntimeWarning"), pytest.mark.filterwarnings(r"ignore::RuntimeWarning:ember\..*")]


def r(*shape, dt=F64, lo=-3.0, hi=3.0):
    return RNG.uniform(lo, hi, shape).astype(dt)


def pos(*shape, dt=F64):
    return r(*shape, dt=dt, lo=0.2, hi=4.0)


def ri(*shape, dt=I64, lo=-4, hi=5):
    return RNG.integers(lo, hi, shape).astype(dt)


def rb(*shape):
    return RNG.random(shape) < 0.5


SP = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0, 1.0, -1.0, 2.5, np.inf, -np.inf, 0.0, 1e300])
SP2 = np.array([1.0, np.inf, -np.inf, 0.0, -0.0, np.nan, 3.0, -2.5, 1.0, -np.inf, 0.0, 1e300])


def cast(a, dt):
    with np.errstate(over="ignore"):
        return a.astype(dt)  # 1e300 becomes inf in float32


def C(id, fn, *inputs, **kw):
    return pytest.param(fn, inputs, kw, id=id)


CASES = []
# the float functions of two tensors: every combination of forms and dtypes
TWO = {"atan2": (r, r), "arctan2": (r, r), "hypot": (r, r), "logaddexp": (r, r), "logaddexp2": (r, r),
       "xlogy": (r, pos), "copysign": (r, r)}
for name, (gx, gy) in TWO.items():
    for dt in (F32, F64):
        n = np.dtype(dt).name
        CASES += [
            C(f"{name}_{n}", lambda L, x, y, f=name: getattr(L, f)(x, y), gx(3, 4, dt=dt), gy(3, 4, dt=dt)),
            C(f"{name}_bcast_{n}", lambda L, x, y, f=name: getattr(L, f)(x, y), gx(3, 1, dt=dt), gy(4, dt=dt)),
            C(f"{name}_method_{n}", lambda L, x, y, f=name: getattr(x, f)(y), gx(2, 3, dt=dt), gy(2, 3, dt=dt)),
            C(f"{name}_special_{n}", lambda L, x, y, f=name: getattr(L, f)(x, y), cast(SP, dt), cast(SP2, dt),
              grad=False),
        ]
        if name not in ("logaddexp", "logaddexp2"):  # torch has no logaddexp_
            CASES += [C(f"{name}_inplace_{n}", lambda L, x, y, f=name: getattr(x * 1, f + "_")(y), gx(2, 3, dt=dt),
                        gy(3, dt=dt))]
    CASES += [
        C(f"{name}_mixed_f32_f64", lambda L, x, y, f=name: getattr(L, f)(x, y), gx(3, dt=F32), gy(3, dt=F64)),
        C(f"{name}_f16", lambda L, x, y, f=name: getattr(L, f)(x, y), gx(5, dt=F16), gy(5, dt=F16), grad=False),
        C(f"{name}_f16_0dim_f64", lambda L, x, y, f=name: getattr(L, f)(x, y), gx(5, dt=F16), gy(dt=F64),
          grad=False),
        C(f"{name}_float_int", lambda L, x, y, f=name: getattr(L, f)(x, y), gx(2, 3, dt=F32), ri(3, lo=1)),
        C(f"{name}_0dim", lambda L, x, y, f=name: getattr(L, f)(x, y), gx(dt=F64), gy(4, dt=F64)),
        C(f"{name}_empty", lambda L, x, y, f=name: getattr(L, f)(x, y), gx(0, 3, dt=F32), gy(3, dt=F32)),
        C(f"{name}_out", lambda L, x, y, f=name: getattr(L, f)(x, y, out=L.empty(0, dtype=L.float64)),
          gx(2, 2), gy(2, 2), grad=False),
    ]
# integer and bool inputs: atan2, xlogy and copysign compute in the default float dtype, from each operand's value
for name in ("atan2", "xlogy", "copysign"):
    CASES += [
        C(f"{name}_int_int", lambda L, x, y, f=name: getattr(L, f)(x, y), ri(3, 4), ri(4, lo=1)),
        C(f"{name}_bool_bool", lambda L, x, y, f=name: getattr(L, f)(x, y), rb(5), rb(5)),
        C(f"{name}_u8_0dim_neg", lambda L, x, f=name: getattr(L, f)(x, L.tensor(-3, dtype=L.int16)),
          ri(4, dt=U8, lo=0)),
        C(f"{name}_int_f16", lambda L, x, y, f=name: getattr(L, f)(x, y), ri(3, dt=I8, lo=1), pos(3, dt=F16),
          grad=False),
    ]
CASES += [
    # number operands where torch takes them
    C("xlogy_scalar_other", lambda L, x: L.xlogy(x, 2.5), r(3, 2)),
    C("xlogy_scalar_other_int", lambda L, x: L.xlogy(x, 3), ri(4)),
    C("xlogy_scalar_self", lambda L, y: L.xlogy(2, y), pos(3, 2)),
    C("xlogy_zero_self", lambda L, y: L.xlogy(0, y), np.array([0.0, np.inf, np.nan, 2.0])),
    C("xlogy_zero_x_grad", lambda L, x, y: L.xlogy(x, y), np.array([0.0, 0.0, 1.5, -2.0]),
      np.array([0.0, -1.0, 2.0, 0.5])),
    C("xlogy_scalar_method", lambda L, x: x.xlogy(2.0), r(3)),
    C("xlogy_scalar_inplace", lambda L, x: (x * 1).xlogy_(2), r(3)),
    C("copysign_scalar", lambda L, x: L.copysign(x, -2.0), r(3, 2)),
    C("copysign_scalar_negzero", lambda L, x: L.copysign(x, -0.0), r(3)),
    C("copysign_int_scalar", lambda L, x: L.copysign(x, -1), ri(4)),
    C("copysign_scalar_inplace", lambda L, x: (x * 1).copysign_(-1), r(3)),
    C("copysign_zero_grad", lambda L, x, y: L.copysign(x, y), np.array([0.0, -0.0, 1.5, -2.0]),
      np.array([-1.0, 1.0, -2.0, 0.5])),
    # logaddexp: equal infinities, large gaps
    C("logaddexp_large", lambda L, x, y: L.logaddexp(x, y), np.array([1000.0, -1000.0, 50.0, -np.inf]),
      np.array([1000.0, -1000.0, -50.0, -np.inf])),
    C("logaddexp2_large", lambda L, x, y: L.logaddexp2(x, y), np.array([1000.0, -1000.0, 50.0, np.inf]),
      np.array([999.0, -1000.0, -50.0, np.inf])),
    C("hypot_big", lambda L, x, y: L.hypot(x, y), np.array([1e300, 3e-300, 3.0], F64), np.array([1e300, 4e-300, 4.0])),
    # nextafter: float dtypes only; no grad for the direction
    C("nextafter_f32", lambda L, x, y: L.nextafter(x, y), r(3, 4, dt=F32), r(4, dt=F32)),
    C("nextafter_f64", lambda L, x, y: L.nextafter(x, y), r(3, 4), r(3, 1)),
    C("nextafter_special", lambda L, x, y: L.nextafter(x, y), SP, SP2, grad=False),
    C("nextafter_f16", lambda L, x, y: L.nextafter(x, y), r(4, dt=F16), r(4, dt=F16), grad=False),
    C("nextafter_mixed", lambda L, x, y: L.nextafter(x, y), r(3, dt=F32), ri(3), grad=False),
    C("nextafter_0dim_f64", lambda L, x: L.nextafter(x, L.tensor(2.0, dtype=L.float64)), r(3, dt=F32)),
    C("nextafter_method_inplace", lambda L, x, y: (x.nextafter(y), x.clone().nextafter_(y)), r(3), r(3), grad=False),
    # heaviside: one dtype throughout; no derivative (its output still requires grad)
    C("heaviside_f64", lambda L, x, v: L.heaviside(x, v), np.array([-1.0, 0.0, -0.0, 2.0, np.nan, -np.inf]),
      r(6), grad=False),
    C("heaviside_bcast", lambda L, x, v: L.heaviside(x, v), ri(3, 4).astype(F32), r(1, 4, dt=F32), grad=False),
    C("heaviside_int", lambda L, x, v: L.heaviside(x, v), ri(5), ri(5)),
    C("heaviside_bool", lambda L, x, v: L.heaviside(x, v), rb(5), rb(5)),
    C("heaviside_method_inplace", lambda L, x, v: (x.heaviside(v), x.clone().heaviside_(v)), ri(4), ri(1)),
    C("heaviside_grad_fn", lambda L, x, v: L.heaviside(x, v), r(3), r(3), grad=False),
    # float_power: always double, composed (pow's grad_fn)
    C("float_power_f32_scalar", lambda L, x: L.float_power(x, 2), pos(3, 2, dt=F32)),
    C("float_power_f64_tensor", lambda L, x, y: L.float_power(x, y), pos(3, 2), r(2)),
    C("float_power_int_int", lambda L, x, y: L.float_power(x, y), ri(4), ri(4, lo=0)),
    C("float_power_scalar_base", lambda L, y: L.float_power(2, y), r(4, dt=F32)),
    C("float_power_int_scalar_float", lambda L, x: L.float_power(x, 0.5), ri(4, lo=0)),
    C("float_power_bool", lambda L, x, y: L.float_power(x, y), rb(4), rb(4)),
    C("float_power_complex", lambda L, x: L.float_power(x, 1j), pos(3, dt=F32), grad=False),
    C("float_power_method", lambda L, x: x.float_power(3), r(3, dt=F32)),
    C("float_power_inplace_f64", lambda L, x, y: (x * 1).float_power_(y), pos(3), r(3)),
    C("float_power_out", lambda L, x: L.float_power(x, 2, out=L.empty(0, dtype=L.float64)), r(3, dt=F32),
      grad=False),
    # lerp, with a number or a tensor weight
    C("lerp_scalar_f32", lambda L, x, y: L.lerp(x, y, 0.3), r(3, 4, dt=F32), r(3, 4, dt=F32)),
    C("lerp_scalar_f64_high", lambda L, x, y: L.lerp(x, y, 0.75), r(3, 4), r(4)),
    C("lerp_scalar_negative", lambda L, x, y: L.lerp(x, y, -0.7), r(5), r(5)),
    C("lerp_scalar_int_weight", lambda L, x, y: L.lerp(x, y, 1), r(5), r(5)),
    C("lerp_tensor_f32", lambda L, x, y, w: L.lerp(x, y, w), r(3, 4, dt=F32), r(3, 4, dt=F32), r(3, 4, dt=F32)),
    C("lerp_tensor_bcast", lambda L, x, y, w: L.lerp(x, y, w), r(3, 1), r(4), r(2, 1, 1, lo=-1, hi=2)),
    C("lerp_tensor_0dim_f64_weight", lambda L, x, y, w: L.lerp(x, y, w), r(4, dt=F32), r(4, dt=F32), r(dt=F64)),
    C("lerp_tensor_0dim_int_weight", lambda L, x, y: L.lerp(x, y, L.tensor(1)), r(4), r(4)),
    C("lerp_f16", lambda L, x, y: L.lerp(x, y, 0.6), r(4, dt=F16), r(4, dt=F16), grad=False),
    C("lerp_special", lambda L, x, y: L.lerp(x, y, 0.5), SP, SP2, grad=False),
    C("lerp_method", lambda L, x, y: x.lerp(y, 0.25), r(3), r(3)),
    C("lerp_inplace_scalar", lambda L, x, y: (x * 1).lerp_(y, 0.9), r(3), r(3)),
    C("lerp_inplace_tensor", lambda L, x, y, w: (x * 1).lerp_(y, w), r(2, 3), r(3), r(2, 1)),
    C("lerp_out", lambda L, x, y: L.lerp(x, y, 0.5, out=L.empty(0, dtype=L.float64)), r(3), r(3), grad=False),
    C("lerp_empty", lambda L, x, y: L.lerp(x, y, 0.5), r(0, 2), r(2)),
]
# atan2's backward runs torch's formula on the inputs as given: an integer partner is squared (and negated) in its
# own dtype, wrapping as torch's does
CASES += [
    C("atan2_grad_uint8_partner", lambda L, x, y: L.atan2(x, y), np.array([200, 3, 17], U8), r(3, dt=F32)),
    C("atan2_grad_int8_partner", lambda L, x, y: L.atan2(y, x), np.array([-100, 3, 17], I8), r(3)),
    C("atan2_grad_int64_partner", lambda L, x, y: L.atan2(x, y), ri(2, 3), r(3)),
    C("atan2_grad_bool_other", lambda L, x, y: L.atan2(x, y), r(4), rb(4)),
]
CASES += [
    # torch's own formulas at the edges: nextafter's grad is 0 where a == b; xlogy's dx is xlogy(g, y), zeroed
    # only where x == 0 and y <= 0
    C("nextafter_grad_equal", lambda L, x, y: L.nextafter(x, y), np.array([0.0, 1.0, 0.5, np.nan, 2.0]),
      np.array([0.0, 1.0, 0.3, 1.0, np.nan])),
    C("xlogy_grad_x_zero", lambda L, x, y: L.xlogy(x, y), np.array([0.0, 0.0, 0.0, 0.0, 1.0, 0.5]),
      np.array([0.0, 3.0, -1.0, np.nan, 1.0, np.inf])),
    C("xlogy_grad_int_other", lambda L, x, y: L.xlogy(x, y), np.array([0.0, 0.0, 1.5]), np.array([0, 3, 2])),
    C("xlogy_inplace_grad_x_zero", lambda L, x, y: (x * 1).xlogy_(y), np.array([0.0, 0.0, 2.0]),
      np.array([3.0, 0.0, 0.5])),
    C("pow_bool_base_grad", lambda L, x, y: L.pow(x, y), rb(3), r(3)),
]
# nanmean: nansum / count of non-nan, so its grad_fn is a division
NAN = np.array([[np.nan, 1.0, 2.0], [3.0, np.nan, np.nan], [np.nan, np.nan, np.nan]])
CASES += [
    C("nanmean_all", lambda L, x: L.nanmean(x), NAN),
    C("nanmean_dim", lambda L, x: L.nanmean(x, 1), NAN),
    C("nanmean_dim_keepdim", lambda L, x: L.nanmean(x, 0, True), NAN.astype(F32)),
    C("nanmean_dims", lambda L, x: L.nanmean(x, (0, 1)), r(2, 3, 4)),
    C("nanmean_none_keepdim", lambda L, x: L.nanmean(x, None, True), NAN),
    C("nanmean_method", lambda L, x: x.nanmean(dim=-1), NAN),
    C("nanmean_dtype", lambda L, x: L.nanmean(x, dtype=L.float64), NAN.astype(F32)),
    C("nanmean_empty", lambda L, x: L.nanmean(x), r(0)),
    C("nanmean_f16", lambda L, x: L.nanmean(x, 1), NAN.astype(F16), grad=False),
    C("nanmean_0dim", lambda L, x: L.nanmean(x), r()),
    C("nanmean_out", lambda L, x: L.nanmean(x, 1, out=L.empty(0, dtype=L.float64)), NAN, grad=False),
]


@pytest.mark.parametrize("fn, inputs, kw", CASES)
def test_op(fn, inputs, kw):
    check_op(fn, inputs, **kw)


@pytest.mark.parametrize("name", ["atan2", "hypot", "logaddexp", "logaddexp2", "xlogy"])
def test_float32_within_two_ulps(name):
    """float32 results: computed in float64 and rounded once, so within an ulp or two of torch's kernels."""
    import torch
    x, y = r(4000, dt=F32, lo=-20, hi=20), r(4000, dt=F32, lo=0.01, hi=20)
    e = getattr(ember, name)(ember.from_numpy(x), ember.from_numpy(y)).numpy()
    t = getattr(torch, name)(torch.from_numpy(x), torch.from_numpy(y)).numpy()
    ulp = np.spacing(np.abs(t))
    assert np.max(np.abs(e - t) / ulp) <= 2


def test_heaviside_backward_not_implemented():
    check_error(lambda L: L.heaviside(L.tensor([0.5], requires_grad=True), L.tensor([1.0])).sum().backward())


def P(id, fn):
    return pytest.param(fn, id=id)


def _g(L):
    return L.tensor([0.5], requires_grad=True)


ERRORS = []
for name in ("atan2", "arctan2", "hypot", "logaddexp", "logaddexp2", "nextafter", "heaviside"):
    ERRORS += [
        P(f"{name}_scalar_other", lambda L, f=name: getattr(L, f)(L.tensor([1.0]), 2)),
        P(f"{name}_scalar_input", lambda L, f=name: getattr(L, f)(2.0, L.tensor([1.0]))),
        P(f"{name}_method_scalar", lambda L, f=name: getattr(L.tensor([1.0]), f)(2.5)),
        P(f"{name}_inplace_scalar", lambda L, f=name: getattr(L.tensor([1.0]), f + "_")(2.5)),
        P(f"{name}_shape", lambda L, f=name: getattr(L, f)(L.ones(2, 3), L.ones(4))),
    ]
for name in ("hypot", "logaddexp", "logaddexp2", "nextafter"):
    ERRORS += [
        P(f"{name}_int", lambda L, f=name: getattr(L, f)(L.tensor([1, 2]), L.tensor([3, 4]))),
        P(f"{name}_bool", lambda L, f=name: getattr(L, f)(L.tensor([True]), L.tensor([False]))),
        P(f"{name}_int8_int16", lambda L, f=name: getattr(L, f)(L.tensor([1], dtype=L.int8),
                                                               L.tensor([3], dtype=L.int16))),
        P(f"{name}_int_shape_first", lambda L, f=name: getattr(L, f)(L.ones(2, 3, dtype=L.int16),
                                                                    L.ones(2, dtype=L.int16))),
    ]
ERRORS += [
    P("atan2_grad_bool_input", lambda L: L.atan2(L.tensor([True]), _g(L)).sum().backward()),
    P("logaddexp_grad_bool", lambda L: L.logaddexp(_g(L), L.tensor([True])).sum().backward()),
    P("logaddexp2_grad_bool", lambda L: L.logaddexp2(L.tensor([True]), _g(L)).sum().backward()),
    P("pow_grad_bool_exponent", lambda L: L.pow(_g(L), L.tensor([True])).sum().backward()),
    P("atan2_inplace_int", lambda L: L.tensor([1, 2]).atan2_(L.tensor([1, 2]))),
    P("xlogy_two_numbers", lambda L: L.xlogy(2, 3)),
    P("xlogy_inplace_int", lambda L: L.tensor([1, 2]).xlogy_(L.tensor([1.0, 2.0]))),
    P("copysign_inplace_int", lambda L: L.tensor([1, 2]).copysign_(-1)),
    P("heaviside_dtypes", lambda L: L.heaviside(L.tensor([1.0]), L.tensor([1.0], dtype=L.float64))),
    P("heaviside_int_float", lambda L: L.heaviside(L.tensor([1]), L.tensor([1.0]))),
    P("heaviside_0dim_dtype", lambda L: L.heaviside(L.tensor([1.0]), L.tensor(0.5, dtype=L.float64))),
    P("heaviside_out_dtype", lambda L: L.heaviside(L.tensor([1, 0]), L.tensor([1, 2]), out=L.empty(0))),
    P("float_power_inplace_f32", lambda L: L.tensor([1.0, 2.0]).float_power_(2)),
    P("float_power_inplace_int", lambda L: L.tensor([1, 2]).float_power_(L.tensor([1, 2]))),
    P("float_power_out_f32", lambda L: L.float_power(L.tensor([1.0]), 2, out=L.empty(0))),
    P("lerp_int", lambda L: L.lerp(L.tensor([1, 2]), L.tensor([1, 2]), 0.5)),
    P("lerp_int_tensor_weight", lambda L: L.lerp(L.tensor([1, 2]), L.tensor([1, 2]), L.tensor([1, 2]))),
    P("lerp_bool", lambda L: L.lerp(L.tensor([True]), L.tensor([True]), 0.5)),
    P("lerp_end_dtype", lambda L: L.lerp(L.ones(2), L.ones(2, dtype=L.float64), 0.5)),
    P("lerp_end_dtype_f16", lambda L: L.lerp(L.ones(2, dtype=L.float16), L.ones(2), 0.5)),
    P("lerp_end_int", lambda L: L.lerp(L.ones(2), L.ones(2, dtype=L.int64), 0.5)),
    P("lerp_weight_dtype", lambda L: L.lerp(L.ones(3), L.ones(3), L.ones(3, dtype=L.float64))),
    P("lerp_weight_int", lambda L: L.lerp(L.ones(3), L.ones(3), L.tensor([1, 2, 3]))),
    P("lerp_shape", lambda L: L.lerp(L.ones(3), L.ones(4), 0.5)),
    P("lerp_weight_shape", lambda L: L.lerp(L.ones(3), L.ones(3), L.ones(2))),
    P("lerp_inplace_bcast", lambda L: L.ones(3).lerp_(L.ones(2, 1), 0.5)),
    P("lerp_complex_weight", lambda L: L.lerp(L.ones(3), L.ones(3), 1j)),
    P("nanmean_int", lambda L: L.nanmean(L.tensor([1, 2]))),
    P("nanmean_bool", lambda L: L.nanmean(L.tensor([True]), 0)),
    P("nanmean_int_dtype", lambda L: L.nanmean(L.tensor([1, 2]), dtype=L.float32)),
    P("nanmean_bad_dim", lambda L: L.nanmean(L.ones(2), 1)),
]


@pytest.mark.parametrize("fn", ERRORS)
def test_error(fn):
    check_error(fn)
