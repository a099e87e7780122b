"""Differences from torch found by the random differential fuzzer, one table per kind, each checked against torch:
tensor-only arguments (logical_*, fmax/fmin, maximum/minimum, also as methods and in place), bool inputs of
argmax/argmin and of the integer division kernels, the order of the shape and dtype checks of bitwise ops,
full reductions with keepdim=True, 0-dim operands whose value does not fit the promoted integer dtype, and
clamp's overflow check of integer bounds."""
from __future__ import annotations

import numpy as np
import pytest

from _compare import check_error, check_op

RNG = np.random.default_rng(11)
pytestmark = [pytest.mark.filterwarnings("error::RuntimeWarning"), pytest.mark.filterwarnings(r"ignore::RuntimeWarning:ember\..*")]


def r(*shape, dt=np.float64):
    return RNG.standard_normal(shape).astype(dt)


def ri(*shape, dt=np.int64):
    return RNG.integers(-3, 4, shape).astype(dt)


def rb(*shape):
    return RNG.random(shape) < 0.5


def P(id, fn):
    return pytest.param(fn, id=id)


ERRORS = []
for name in ("logical_and", "logical_or", "logical_xor", "fmax", "fmin", "maximum", "minimum"):
    ERRORS += [
        P(f"{name}_int", lambda L, n=name: getattr(L, n)(L.tensor([1, 0, 2]), 2)),
        P(f"{name}_float", lambda L, n=name: getattr(L, n)(L.tensor([1.0, 0.0]), -2.5)),
        P(f"{name}_bool", lambda L, n=name: getattr(L, n)(L.tensor([True]), True)),
        P(f"{name}_list", lambda L, n=name: getattr(L, n)(L.tensor([1, 2]), [1, 2])),
        P(f"{name}_input_number", lambda L, n=name: getattr(L, n)(2, L.tensor([1, 2]))),
        P(f"{name}_method", lambda L, n=name: getattr(L.tensor([1.0, 0.0]), n)(2.0)),
        P(f"{name}_method_int", lambda L, n=name: getattr(L.tensor([1, 0]), n)(2)),
    ]
for name in ("logical_and", "logical_or", "logical_xor"):
    ERRORS += [P(f"{name}_inplace_number", lambda L, n=name: getattr(L.tensor([1, 0]), n + "_")(2))]
for name in ("argmax", "argmin"):
    ERRORS += [
        P(f"{name}_bool", lambda L, n=name: getattr(L, n)(L.tensor([True, False]))),
        P(f"{name}_bool_dim", lambda L, n=name: getattr(L, n)(L.tensor([[True, False]]), 1, True)),
        P(f"{name}_bool_empty", lambda L, n=name: getattr(L, n)(L.zeros(0, dtype=L.bool))),
        P(f"{name}_bool_0dim", lambda L, n=name: getattr(L, n)(L.tensor(True))),
        P(f"{name}_bool_method", lambda L, n=name: getattr(L.tensor([True]), n)()),
    ]
B2 = lambda L: (L.tensor([True, False]), L.tensor([True, True]))  # noqa: E731
ERRORS += [
    P("remainder_bool_bool", lambda L: L.remainder(*B2(L))),
    P("remainder_bool_true", lambda L: L.remainder(B2(L)[0], True)),
    P("remainder_true_bool", lambda L: L.remainder(True, B2(L)[0])),
    P("remainder_bool_0dim_bool", lambda L: L.remainder(B2(L)[0], L.tensor(True))),
    P("mod_op_bool", lambda L: B2(L)[0] % B2(L)[1]),
    P("fmod_bool_bool", lambda L: L.fmod(*B2(L))),
    P("fmod_bool_true", lambda L: L.fmod(B2(L)[0], True)),
    P("floor_divide_bool_bool", lambda L: L.floor_divide(*B2(L))),
    P("floordiv_op_bool", lambda L: B2(L)[0] // B2(L)[1]),
    P("div_floor_bool", lambda L: L.div(*B2(L), rounding_mode="floor")),
    P("div_trunc_bool", lambda L: L.div(*B2(L), rounding_mode="trunc")),
    P("remainder_bool_inplace", lambda L: B2(L)[0].remainder_(B2(L)[1])),
]
for name in ("bitwise_and", "bitwise_or", "bitwise_xor"):
    ERRORS += [
        P(f"{name}_shape_before_dtype", lambda L, n=name: getattr(L, n)(L.ones(4, 2), L.ones(4, 3))),
        P(f"{name}_shape_int_float", lambda L, n=name: getattr(L, n)(L.ones(2, 2, dtype=L.int64), L.ones(3))),
        P(f"{name}_float", lambda L, n=name: getattr(L, n)(L.ones(2), L.ones(2))),
    ]
for dt, bound in (("int8", 128), ("int8", -129), ("uint8", 256), ("uint8", -256), ("int16", 40000)):
    ERRORS += [
        P(f"clamp_max_{dt}_{bound}", lambda L, d=dt, b=bound: L.clamp(L.tensor([1, 2], dtype=getattr(L, d)), max=b)),
        P(f"clamp_min_{dt}_{bound}", lambda L, d=dt, b=bound: L.clamp_min(L.tensor([1, 2], dtype=getattr(L, d)), b)),
    ]
ERRORS += [
    P("norm_inf_empty", lambda L: L.norm(L.zeros(0), p=float("inf"))),
    P("norm_neg_inf_empty_dim", lambda L: L.norm(L.zeros(0, 3), p=-float("inf"), dim=0)),
    P("norm_neg_p_empty_dims", lambda L: L.norm(L.zeros(0, 3), p=-1, dim=(0, 1))),
    P("add_bool_alpha", lambda L: L.add(L.ones(2), L.ones(2), alpha=True)),
    P("sub_bool_alpha_int", lambda L: L.sub(L.ones(2, dtype=L.int64), 1, alpha=False)),
    P("clamp_bool_bool_bound", lambda L: L.clamp(L.tensor([True]), max=True)),
    P("amax_empty_keepdim", lambda L: L.amax(L.zeros(0), keepdim=True)),
    P("amin_empty_dim_none_keepdim", lambda L: L.amin(L.zeros(4, 0, 3), dim=None, keepdim=True)),
]
ERRORS += [P("logsumexp_dim_none", lambda L: L.logsumexp(L.ones(2, 3), dim=None))]


@pytest.mark.parametrize("fn", ERRORS)
def test_error(fn):
    check_error(fn)


def C(id, fn, *inputs, **kw):
    return pytest.param(fn, inputs, kw, id=id)


U8 = np.array([0, 1, 3, 255], np.uint8)
I8 = np.array([1, -3, 5, 100], np.int8)
CASES = [
    # logical ops still take tensors of any dtypes, compared in the promoted dtype (256 wraps to 0 in uint8)
    C("logical_and_mixed", lambda L, x, y: L.logical_and(x, y), ri(3, 4), r(4)),
    C("logical_or_method", lambda L, x, y: x.logical_or(y), rb(3, 1), ri(4, dt=np.int8)),
    C("logical_xor_0dim", lambda L, x: L.logical_xor(x, L.tensor(0.5)), ri(3)),
    C("logical_and_wraps", lambda L, x: L.logical_and(x, L.tensor(256)), U8),
    C("logical_and_inplace", lambda L, x, y: x.clone().logical_and_(y), r(3, 4), ri(4)),
    C("logical_xor_inplace_int", lambda L, x, y: x.clone().logical_xor_(y), ri(5), rb(5)),
    C("logical_or_out", lambda L, x, y: L.logical_or(x, y, out=L.empty(0)), ri(3), rb(3)),
    C("fmax_method", lambda L, x, y: x.fmax(y), r(3, 4), r(4)),
    C("fmin_mixed", lambda L, x, y: L.fmin(x, y), ri(3, 4), r(3, 1, dt=np.float32)),
    C("maximum_out", lambda L, x, y: L.maximum(x, y, out=L.empty(0, dtype=L.float64)), r(3), r(3), grad=False),
    C("bitwise_and_inplace", lambda L, x, y: x.clone().bitwise_and_(y), ri(4), ri(4)),
    C("bitwise_not_inplace", lambda L, x: x.clone().bitwise_not_(), ri(4)),
    C("remainder_bool_int", lambda L, x: L.remainder(x, 1), rb(4)),
    C("remainder_int_bool", lambda L, x: L.remainder(x, L.tensor(True)), ri(4)),
    C("pow_bool_true", lambda L, x: L.pow(x, True), rb(4)),
    C("pow_bool_false", lambda L, x: x ** False, rb(4)),
    C("pow_bool_int", lambda L, x: x ** 2, rb(4)),
    # a 0-dim operand whose value the promoted integer dtype cannot hold: true division goes to float from the
    # operands' own dtypes
    C("div_u8_by_neg_0dim", lambda L, x: L.div(x, L.tensor(-2, dtype=L.int16)), U8),
    C("div_u8_by_300", lambda L, x: x / L.tensor(300, dtype=L.int16), U8),
    C("div_0dim_by_u8", lambda L, x: L.div(L.tensor(-2, dtype=L.int16), x + 1), U8),
    C("div_i8_by_1000", lambda L, x: L.true_divide(x, L.tensor(1000)), I8),
    C("div_u8_by_neg_int", lambda L, x: L.div(x, -2), U8),
    C("div_u8_by_big_int", lambda L, x: x / 300, U8),
    C("div_bool_by_true", lambda L, x: L.div(x, True), rb(3)),
    C("div_int_by_0dim_float", lambda L, x: L.div(x, L.tensor(-2.5, dtype=L.float64)), U8),
    C("pow_u8_0dim_int16", lambda L, x: L.pow(x, L.tensor(300, dtype=L.int16)), U8),
    C("remainder_u8_neg_0dim", lambda L, x: L.remainder(x, L.tensor(-3, dtype=L.int16)), U8),
    C("clamp_u8_negative_wraps", lambda L, x: L.clamp(x, min=-255), U8),
    C("clamp_i8_in_range", lambda L, x: L.clamp(x, -128, 127), I8),
    C("clamp_i8_float_bound", lambda L, x: L.clamp(x, max=1000.5), I8),
]
# a full reduction with keepdim=True keeps every dim (as 1)
for name in ("sum", "mean", "nansum", "std", "var", "amax", "amin", "norm", "all", "any"):
    CASES += [
        C(f"{name}_dim_none_keepdim", lambda L, x, n=name: getattr(L, n)(x, dim=None, keepdim=True), r(2, 3, 1)),
        C(f"{name}_dim_none_keepdim_0dim", lambda L, x, n=name: getattr(L, n)(x, dim=None, keepdim=True), r()),
        C(f"{name}_method_dim_none_keepdim", lambda L, x, n=name: getattr(x, n)(dim=None, keepdim=True), r(4, 2)),
    ]
CASES += [
    # prod along dim 0 of a 0-dim tensor; a bool tensor clamped by numbers; norm and atan2 grads at zeros
    C("prod_0dim_dim", lambda L, x: L.prod(x, 0, keepdim=True), r()),
    C("prod_0dim_int", lambda L, x: L.prod(x, -1), np.array(3, np.uint8)),
    C("clamp_bool_int_bounds", lambda L, x: L.clamp(x, -1, 2), rb(5)),
    C("clamp_bool_float_bound", lambda L, x: L.clamp(x, min=0.5), rb(5)),
    C("norm_p_half_zeros", lambda L, x: L.norm(x, p=0.5), np.array([0.0, 1.0, 0.0, -2.0])),
    C("norm_p_1_5_zeros", lambda L, x: L.norm(x, p=1.5, dim=0), np.array([[0.0, 1.0], [0.0, -2.0]])),
    C("atan2_grad_at_origin", lambda L, x, y: L.atan2(x, y), np.array([0.0, 1e-200, 0.0, 1.0]),
      np.array([0.0, 1e-200, 1e-200, 0.0])),
    C("norm_inf_empty_kept_dim", lambda L, x: L.norm(x, p=float("inf"), dim=1), r(0, 3)),
    C("norm_p0_no_grad", lambda L, x: L.norm(x, p=0), r(3), grad=False),
    C("round_decimals_f16", lambda L, x: L.round(x, decimals=2), r(200, dt=np.float16) * 5),
    C("var_dof_zero_0dim", lambda L, x: L.var(x, correction=2), r()),
]
for name in ("var_mean", "std_mean", "aminmax"):
    CASES += [C(f"{name}_dim_none_keepdim", lambda L, x, n=name: tuple(getattr(L, n)(x, dim=None, keepdim=True)),
                r(2, 3), grad=name != "aminmax")]
CASES += [
    C("norm_p1_keepdim", lambda L, x: L.norm(x, p=1, keepdim=True), r(2, 3)),
    C("sum_empty_list_keepdim", lambda L, x: L.sum(x, dim=[], keepdim=True), r(2, 3)),
    C("amax_default_keepdim", lambda L, x: L.amax(x, keepdim=True), r(2, 3)),
    C("all_keepdim_u8", lambda L, x: L.all(x, dim=None, keepdim=True), U8.reshape(2, 2)),
    C("argmax_keepdim", lambda L, x: L.argmax(x, keepdim=True), ri(2, 3)),
]


@pytest.mark.parametrize("fn, inputs, kw", CASES)
def test_op(fn, inputs, kw):
    check_op(fn, inputs, **kw)


# out=: reductions that used to ignore it, the dtype it decides, and the ops whose out must match exactly
F2 = np.array([[3.3, 7.1], [1.1, 2.2]], np.float32)
I2 = np.array([[3, 7], [1, 2]], np.int32)


def O(dt):
    return lambda L: L.empty(0, dtype=getattr(L, dt))


OUT_CASES = []
for name in ("sum", "nansum", "prod", "cumsum", "cumprod"):
    for dt in ("float64", "float16") + (("int64",) if name != "nansum" else ()):
        OUT_CASES += [C(f"{name}_out_{dt}", lambda L, x, n=name, d=dt: getattr(L, n)(x, 0, out=O(d)(L)), F2)]
    OUT_CASES += [C(f"{name}_int_out_float32", lambda L, x, n=name: getattr(L, n)(x, 0, out=O("float32")(L)), I2)]
for name in ("mean", "var", "std", "nanmean"):
    for dt in ("float64", "float16"):
        OUT_CASES += [C(f"{name}_out_{dt}", lambda L, x, n=name, d=dt: getattr(L, n)(x, 0, out=O(d)(L)), F2)]
OUT_CASES += [
    C("sum_all_out", lambda L, x: L.sum(x, dim=None, out=O("float64")(L)), F2),
    C("sum_out_bool", lambda L, x: L.sum(x, 0, out=O("bool")(L)), F2),
    C("logsumexp_out", lambda L, x: L.logsumexp(x, 0, out=O("float32")(L)), F2),
    C("logsumexp_int_out", lambda L, x: L.logsumexp(x, 1, out=O("float32")(L)), I2),
    C("amax_out", lambda L, x: L.amax(x, 0, out=O("float32")(L)), F2),
    C("amin_out_int", lambda L, x: L.amin(x, 1, out=O("int32")(L)), I2),
    C("norm_out", lambda L, x: L.norm(x, dim=0, out=O("float32")(L)), F2),
    C("max_dim_out", lambda L, x: tuple(L.max(x, 0, out=(O("float32")(L), O("int64")(L)))), F2),
    C("min_dim_out", lambda L, x: tuple(L.min(x, 1, True, out=(O("int32")(L), O("int64")(L)))), I2),
    C("max_all_out", lambda L, x: L.max(x, out=O("float32")(L)), F2),
    C("all_out", lambda L, x: L.all(x, 0, out=O("bool")(L)), F2),
    C("any_out", lambda L, x: L.any(x, out=O("bool")(L)), I2),
    C("where_out", lambda L, x, y: L.where(x > 3, x, y, out=O("float32")(L)), F2, F2),
    C("bitwise_not_out", lambda L, x: L.bitwise_not(x, out=O("int32")(L)), I2),
]
for name in ("abs", "neg", "sign", "sgn", "floor", "ceil", "round", "trunc", "frac"):
    OUT_CASES += [C(f"{name}_out_same", lambda L, x, n=name: getattr(L, n)(x, out=O("float32")(L)), F2)]
OUT_CASES += [C("clamp_out_same", lambda L, x: L.clamp(x, 1.5, 5.0, out=O("float32")(L)), F2)]


@pytest.mark.parametrize("fn, inputs, kw", OUT_CASES)
def test_out(fn, inputs, kw):
    check_op(fn, inputs, grad=False, **kw)


OUT_ERRORS = []
for name in ("abs", "neg", "sign", "sgn", "floor", "ceil", "round", "trunc", "frac"):
    OUT_ERRORS += [P(f"{name}_out_f64", lambda L, n=name: getattr(L, n)(L.ones(2), out=L.empty(0, dtype=L.float64)))]
OUT_ERRORS += [
    P("frac_int_out_bool", lambda L: L.frac(L.ones(2, dtype=L.int32), out=L.empty(0, dtype=L.bool))),
    P("trunc_bool_out_float", lambda L: L.trunc(L.ones(2, dtype=L.bool), out=L.empty(0))),
    P("round_decimals_int_out_float", lambda L: L.round(L.ones(2, dtype=L.int32), decimals=2, out=L.empty(0))),
    P("abs_bool_out_bool", lambda L: L.abs(L.ones(2, dtype=L.bool), out=L.empty(0, dtype=L.bool))),
    P("ceil_int_out_float", lambda L: L.ceil(L.ones(2, dtype=L.int32), out=L.empty(0))),
    P("neg_int_out_long", lambda L: L.neg(L.ones(2, dtype=L.int32), out=L.empty(0, dtype=L.int64))),
    P("clamp_out_f64", lambda L: L.clamp(L.ones(2), 0, 1, out=L.empty(0, dtype=L.float64))),
    P("bitwise_not_out_long", lambda L: L.bitwise_not(L.ones(2, dtype=L.int32), out=L.empty(0, dtype=L.int64))),
    P("mean_out_long", lambda L: L.mean(L.ones(2, 2), 0, out=L.empty(0, dtype=L.int64))),
    P("var_out_bool", lambda L: L.var(L.ones(2, 2), 0, out=L.empty(0, dtype=L.bool))),
    P("amax_out_dtype", lambda L: L.amax(L.ones(2, 2), 0, out=L.empty(0, dtype=L.float64))),
    P("amin_out_dtype_int", lambda L: L.amin(L.ones(2, 2, dtype=L.int32), 0, out=L.empty(0))),
    P("logsumexp_out_int", lambda L: L.logsumexp(L.ones(2, 2), 0, out=L.empty(0, dtype=L.int64))),
    P("norm_out_dtype", lambda L: L.norm(L.ones(2, 2), dim=0, out=L.empty(0, dtype=L.float64))),
    P("max_out_values_dtype", lambda L: L.max(L.ones(2, 2), 0, out=(L.empty(0, dtype=L.float64),
                                                                    L.empty(0, dtype=L.int64)))),
    P("max_out_indices_dtype", lambda L: L.max(L.ones(2, 2), 0, out=(L.empty(0), L.empty(0, dtype=L.int32)))),
    P("all_out_float", lambda L: L.all(L.ones(2, 2), 0, out=L.empty(0))),
    P("any_out_int", lambda L: L.any(L.ones(2, 2), out=L.empty(0, dtype=L.int64))),
    P("where_out_dtype", lambda L: L.where(L.ones(2) > 0, L.ones(2), L.zeros(2), out=L.empty(0, dtype=L.float64))),
    P("nansum_out_long", lambda L: L.nansum(L.ones(2, 2), 0, out=L.empty(0, dtype=L.int64))),
    P("prod_all_out", lambda L: L.prod(L.ones(2), out=L.empty(0))),
]


@pytest.mark.parametrize("fn", OUT_ERRORS)
def test_out_error(fn):
    check_error(fn)


# integer scalars: the overflow checks torch makes (pow's exponent, add's alpha), wrapping where it does not, and
# zero divisors in empty results
SCALAR_ERRORS = [
    P("pow_i8_300", lambda L: L.pow(L.tensor([1, 2], dtype=L.int8), 300)),
    P("pow_u8_256", lambda L: L.tensor([1, 2], dtype=L.uint8) ** 256),
    P("pow_i8_255", lambda L: L.pow(L.tensor([1, 2], dtype=L.int8), 255)),
    P("pow_i8_neg_big", lambda L: L.pow(L.tensor([1, 2], dtype=L.int8), -300)),
    P("pow_u8_neg", lambda L: L.pow(L.tensor([1, 2], dtype=L.uint8), -1)),
    P("pow_i64_neg", lambda L: L.pow(L.tensor([1, 2]), -2)),
    P("add_alpha_i8", lambda L: L.add(L.tensor([1], dtype=L.int8), L.tensor([1], dtype=L.int8), alpha=300)),
    P("remainder_zero", lambda L: L.remainder(L.tensor([1, 2]), 0)),
]


@pytest.mark.parametrize("fn", SCALAR_ERRORS)
def test_scalar_error(fn):
    check_error(fn)


I8b = np.array([1, -3, 2, 0], np.int8)
SCALAR_CASES = [
    C("pow_i8_127", lambda L, x: L.pow(x, 127), I8b),
    C("pow_u8_neg_base_wraps", lambda L, x: L.pow(300, x), I8b),
    C("pow_int_base_neg_exp", lambda L, x: L.pow(2, x), np.array([-2, -1, 0, 3])),
    C("pow_bool_base_int", lambda L, x: L.pow(3, x), np.array([True, False])),
    C("remainder_empty_by_zero", lambda L, x: L.remainder(x, 0), np.zeros(0, np.int64)),
    C("fmod_empty_by_zero", lambda L, x: L.fmod(x, 0), np.zeros((0, 2), np.int32)),
    C("floor_divide_empty_by_zero", lambda L, x, y: L.floor_divide(x, y), np.zeros((0, 2), np.int64),
      np.zeros(2, np.int64)),
    C("add_int8_wraps", lambda L, x: x + 300, I8b),
    C("mul_u8_neg_wraps", lambda L, x: x * -1, I8b.astype(np.uint8)),
]


@pytest.mark.parametrize("fn, inputs, kw", SCALAR_CASES)
def test_scalar(fn, inputs, kw):
    check_op(fn, inputs, **kw)


def _bits_equal(fn, *arrays, min_rate=1.0, ulps=1):
    """fn(lib, *tensors) gives torch's bits (or at least ``min_rate`` of them; the rest within ``ulps``)."""
    import torch
    import ember
    t = fn(torch, *[torch.from_numpy(a) for a in arrays]).numpy()
    e = fn(ember, *[ember.from_numpy(a) for a in arrays]).numpy()
    same = (t == e) | (np.isnan(t) & np.isnan(e))
    assert same.mean() >= min_rate, same.mean()
    assert np.all(same | (np.abs(t.astype(np.float64) - e) <= ulps * np.spacing(np.abs(t)))), "too many ulps off"


@pytest.mark.parametrize("dt", [np.float32, np.float16])
@pytest.mark.parametrize("e", [3, -2, -0.5, 2.2, 1.5, -0.7])
def test_pow_scalar_exponent_bits(dt, e):
    """torch's pow with a number exponent: x*x*x for 3, 1/(x*x) for -2, 1/sqrt for -0.5, else powf with the
    exponent rounded to the dtype (float16 through float32)."""
    x = RNG.uniform(0.01, 10, 20000).astype(dt)
    _bits_equal(lambda L, t: L.pow(t, e), x, min_rate=0.97)


@pytest.mark.parametrize("dt", [np.float32, np.float16])
def test_lerp_and_xlogy_bits(dt):
    """lerp: one fused multiply-add on d = end - start; xlogy: ln y rounded to the dtype, then the product."""
    a, b, w = (RNG.uniform(-5, 5, 20000).astype(dt) for _ in range(3))
    _bits_equal(lambda L, x, y: L.lerp(x, y, 0.3), a, b)
    _bits_equal(lambda L, x, y: L.lerp(x, y, 0.7), a, b)
    _bits_equal(lambda L, x, y, z: L.lerp(x, y, z), a, b, w)
    # (torch's logf is not always correctly rounded; the product can carry that ulp to two)
    _bits_equal(lambda L, x, y: L.xlogy(x, y), a, np.abs(b), min_rate=0.99, ulps=2)


def test_norm_p0_has_no_grad():
    import ember
    x = ember.tensor([1.0, 0.0, 2.0], requires_grad=True)
    assert ember.autograd.grad(ember.norm(x, p=0), [x], allow_unused=True) == (None,)


INPLACE_ERRORS = [
    # torch's in-place checks come before the kernel's: the broadcast shape, then the cast of the result type
    P("bitwise_xor_inplace_shape", lambda L: L.ones(1).bitwise_xor_(L.ones(3, 3))),
    P("bitwise_xor_inplace_float_scalar", lambda L: L.ones(3, 1, 1, dtype=L.int8).bitwise_xor_(0.0)),
    P("bitwise_and_inplace_bool_long", lambda L: L.tensor(True).bitwise_and_(L.tensor(5))),
    P("bitwise_or_inplace_bcast", lambda L: L.ones(2, dtype=L.int16).bitwise_or_(L.ones(3, 2, dtype=L.float64))),
    P("hypot_inplace_shape", lambda L: L.ones(2, dtype=L.int32).hypot_(L.ones(3, 2, dtype=L.int32))),
    P("hypot_inplace_int", lambda L: L.ones(2, dtype=L.int32).hypot_(L.ones(2, dtype=L.int32))),
    P("atan2_inplace_int_result", lambda L: L.ones(2, dtype=L.int32).atan2_(L.ones(2, dtype=L.int32))),
    P("nextafter_inplace_clash", lambda L: L.ones(2, dtype=L.uint8).nextafter_(L.ones(2, 4, dtype=L.int64))),
    P("nextafter_inplace_shape", lambda L: L.ones(2, 1).nextafter_(L.ones(4))),
]


@pytest.mark.parametrize("fn", INPLACE_ERRORS)
def test_inplace_error(fn):
    check_error(fn)


def _rg(L):
    return L.ones(2, 2, requires_grad=True)


# out= with an input that requires grad: torch's refusal names the op
OUT_GRAD_ERRORS = [
    P("div_out_grad", lambda L: L.true_divide(_rg(L), 2, out=L.empty(0))),
    P("square_out_grad", lambda L: L.square(_rg(L), out=L.empty(0))),
    P("sub_out_grad", lambda L: L.subtract(_rg(L), _rg(L), out=L.empty(0))),
    P("sign_out_grad_before_dtype", lambda L: L.sign(_rg(L), out=L.empty(0, dtype=L.bool))),
    P("fmin_out_grad", lambda L: L.fmin(_rg(L), L.ones(2), out=L.empty(0))),
    P("nan_to_num_out_grad", lambda L: L.nan_to_num(_rg(L), out=L.empty(0))),
    P("deg2rad_out_grad", lambda L: L.deg2rad(_rg(L), out=L.empty(0))),
    P("atan2_out_grad", lambda L: L.atan2(_rg(L), _rg(L), out=L.empty(0))),
    P("clamp_out_grad", lambda L: L.clamp(_rg(L), 0, 1, out=L.empty(0))),
    P("sum_out_grad", lambda L: L.sum(_rg(L), 0, out=L.empty(0))),
    P("norm_out_grad", lambda L: L.norm(_rg(L), dim=0, out=L.empty(0))),
    P("max_out_grad", lambda L: L.max(_rg(L), 0, out=(L.empty(0), L.empty(0, dtype=L.int64)))),
    P("nanmean_out_grad", lambda L: L.nanmean(_rg(L), 0, out=L.empty(0))),
    P("where_out_grad", lambda L: L.where(_rg(L) > 0, _rg(L), 0.0 * _rg(L), out=L.empty(0))),
    P("lerp_out_grad", lambda L: L.lerp(_rg(L), _rg(L), 0.5, out=L.empty(0))),
    P("var_mean_int", lambda L: L.var_mean(L.ones(3, dtype=L.int8))),
    P("std_mean_bool", lambda L: L.std_mean(L.ones(3, dtype=L.bool), 0)),
    P("add_bool_alpha_shape_first", lambda L: L.add(L.ones(3, 3, 1, dtype=L.int32), L.ones(2, 2, dtype=L.int16),
                                                     alpha=True)),
]


@pytest.mark.parametrize("fn", OUT_GRAD_ERRORS)
def test_out_grad_error(fn):
    check_error(fn)


ORDER_ERRORS = [
    # torch's order of checks: out='s autograd refusal before shapes; lerp's dtypes before shapes; aminmax's own
    P("remainder_out_grad_before_shape", lambda L: L.remainder(_rg(L), L.ones(4), out=L.empty(0))),
    P("pow_out_grad_before_shape", lambda L: L.pow(_rg(L), L.ones(2, 4, 1), out=L.empty(0))),
    P("sub_out_grad_before_bool", lambda L: L.sub(L.ones(1, 3, dtype=L.bool), L.ones(2, requires_grad=True),
                                                  out=L.empty(0))),
    P("hypot_out_grad_before_shape", lambda L: L.hypot(_rg(L), L.ones(3), out=L.empty(0))),
    P("heaviside_out_scalar", lambda L: L.heaviside(L.ones(2, dtype=L.int8), True, out=L.empty(0))),
    P("lerp_dtype_before_shape", lambda L: L.lerp(L.ones(3, 2, dtype=L.uint8), L.ones(4, dtype=L.int8), 0.5)),
    P("lerp_end_long_before_shape", lambda L: L.lerp(L.ones(2, 1, 2), L.ones(1, 0, dtype=L.int64), 0.5)),
    P("add_float_alpha_int_shape_first", lambda L: L.add(L.ones(4, 3, dtype=L.bool), L.ones(2, 3, dtype=L.bool),
                                                          alpha=-1.5)),
    P("add_float_alpha_int", lambda L: L.add(L.ones(2, dtype=L.int64), 1, alpha=0.5)),
    P("aminmax_empty_dim", lambda L: L.aminmax(L.zeros(0, 1), dim=0)),
    P("aminmax_empty_all", lambda L: L.aminmax(L.zeros(0, 1))),
    P("aminmax_empty_keepdim", lambda L: L.aminmax(L.zeros(2, 0), dim=1, keepdim=True)),
]


@pytest.mark.parametrize("fn", ORDER_ERRORS)
def test_check_order(fn):
    check_error(fn)


OUT_CAST_ERRORS = [
    # out=: the result type must cast to out's dtype, checked before the kernel's own dtype errors
    P("nextafter_out_int", lambda L: L.nextafter(L.ones(2, dtype=L.int16), L.ones(2, dtype=L.int16),
                                                 out=L.empty(0, dtype=L.bool))),
    P("bitwise_not_out_before_kernel", lambda L: L.bitwise_not(L.ones(2, dtype=L.float16),
                                                               out=L.empty(0, dtype=L.bool))),
    P("bitwise_and_out_float", lambda L: L.bitwise_and(L.ones(2), -3, out=L.empty(0, dtype=L.bool))),
    P("bitwise_or_out_double", lambda L: L.bitwise_or(L.ones(1, 1, dtype=L.float64), L.ones(1, 2, 4, dtype=L.int32),
                                                      out=L.empty(0, dtype=L.int64))),
    P("logaddexp_out_short", lambda L: L.logaddexp(L.ones(2, dtype=L.int8), L.ones(2, dtype=L.int16),
                                                   out=L.empty(0, dtype=L.bool))),
    P("atan2_out_long", lambda L: L.atan2(L.ones(2), L.ones(2), out=L.empty(0, dtype=L.int64))),
]


@pytest.mark.parametrize("fn", OUT_CAST_ERRORS)
def test_out_cast_error(fn):
    check_error(fn)


MORE_ERRORS = [
    P("floor_divide_out_grad_allowed_cast", lambda L: L.floor_divide(L.ones((), requires_grad=True), -3,
                                                                      out=L.empty(0, dtype=L.int64))),
    P("fmod_out_cast_before_zero", lambda L: L.fmod(L.ones(2, dtype=L.bool), 0, out=L.empty(0, dtype=L.bool))),
    P("fmin_out_grad_before_shape", lambda L: L.fmin(L.ones(3, requires_grad=True), L.ones(2), out=L.empty(0))),
    P("clamp_three_shapes", lambda L: L.clamp(L.ones(4, 3, dtype=L.int16), L.ones(1, dtype=L.int16),
                                              L.ones(4, dtype=L.int16))),
    P("clamp_bool_both_tensor_bounds", lambda L: L.clamp(L.ones(3, dtype=L.bool), L.tensor(False), L.tensor(True))),
    P("pow_true_bool_tensor", lambda L: True ** L.ones(2, dtype=L.bool)),
    P("bitwise_and_out_shape_first", lambda L: L.bitwise_and(L.ones(3, 3), L.ones(1, 4),
                                                              out=L.empty(0, dtype=L.int64))),
    P("mul_out_cast", lambda L: L.mul(L.ones(2), 1.5, out=L.empty(0, dtype=L.int64))),
    P("div_out_int", lambda L: L.div(L.ones(2, dtype=L.int64), 2, out=L.empty(0, dtype=L.int64))),
]


@pytest.mark.parametrize("fn", MORE_ERRORS)
def test_more_errors(fn):
    check_error(fn)


MORE_CASES = [
    C("floor_divide_out_with_grad_input", lambda L, x: L.floor_divide(x, 2, out=L.empty(0)), r(3), grad=False),
    C("clamp_bool_min_tensor", lambda L, x: L.clamp(x, L.tensor(True)), rb(4)),
    C("clamp_bool_max_tensor", lambda L, x: L.clamp(x, max=L.tensor(False)), rb(4)),
    C("div_floor_out_int", lambda L, x: L.div(x, 2, rounding_mode="floor", out=L.empty(0, dtype=L.int64)), ri(4)),
]


@pytest.mark.parametrize("fn, inputs, kw", MORE_CASES)
def test_more_cases(fn, inputs, kw):
    check_op(fn, inputs, **kw)


LAST_ERRORS = [
    P("heaviside_dtypes_before_out", lambda L: L.heaviside(L.ones(3, 1), L.tensor(True), out=L.empty(0))),
    P("heaviside_dtypes_before_out_cast", lambda L: L.heaviside(L.ones(1, dtype=L.bool), L.ones(1, dtype=L.uint8),
                                                                out=L.empty(0, dtype=L.bool))),
    P("heaviside_inplace_backward", lambda L: (L.ones(3, requires_grad=True) * 1).heaviside_(L.ones(1)).sum()
      .backward()),
    P("norm_int_empty_dtype_first", lambda L: L.norm(L.ones(0, 4, dtype=L.int16), p=float("inf"), dim=0)),
    P("nan_to_num_out_grad_first", lambda L: L.nan_to_num(L.ones(2, requires_grad=True),
                                                          out=L.empty(0, dtype=L.bool))),
    P("copysign_inplace_shape_first", lambda L: L.tensor(3, dtype=L.uint8).copysign_(L.ones(2, dtype=L.uint8))),
    P("xlogy_inplace_shape", lambda L: L.ones(1).xlogy_(L.ones(2, 2))),
    P("xlogy_inplace_int_result", lambda L: L.ones(2, dtype=L.int64).xlogy_(2)),
]


@pytest.mark.parametrize("fn", LAST_ERRORS)
def test_last_errors(fn):
    check_error(fn)


# numbers converted to the computing type with torch's overflow check (names as c10 spells them)
FIT_ERRORS = []
for dt, v in (("int8", 255), ("int8", -129), ("uint8", 256), ("int16", 2**31), ("int32", 2**31), ("int64", 1e39),
              ("float32", 1e39), ("float16", 2**31), ("float16", 1e39), ("bool", 1e39)):
    FIT_ERRORS += [
        P(f"clamp_min_{dt}_{v}", lambda L, d=dt, v=v: L.clamp(L.ones(2, dtype=getattr(L, d)), min=v)),
        P(f"clamp_max_{dt}_{v}", lambda L, d=dt, v=v: L.clamp_max(L.ones(2, dtype=getattr(L, d)), v)),
    ]
for dt, v in (("int8", 255), ("int8", -129), ("uint8", 256), ("int16", 2**31), ("int32", 2**31), ("int64", 1e39),
              ("float32", 1e39)):
    FIT_ERRORS += [P(f"where_{dt}_{v}", lambda L, d=dt, v=v: L.where(L.ones(2) > 0, L.ones(2, dtype=getattr(L, d)), v))]
FIT_ERRORS += [
    P("pow_f16_big_exponent", lambda L: L.pow(L.ones(2, dtype=L.float16), 2**31)),
    P("pow_bool_negative", lambda L: L.pow(L.ones(2, dtype=L.bool), -1)),
    P("lerp_big_weight", lambda L: L.lerp(L.ones(2), L.ones(2), 1e39)),
    P("lerp_big_weight_f16", lambda L: L.lerp(L.ones(2, dtype=L.float16), L.ones(2, dtype=L.float16), 1e39)),
]


@pytest.mark.parametrize("fn", FIT_ERRORS)
def test_fit_error(fn):
    check_error(fn)


FIT_CASES = [
    C("pow_f32_big_exponent", lambda L, x: L.pow(x, 1e39), np.array([0.5, 1.0, 0.0, 2.0], np.float32), grad=False),
    C("where_f16_big_number", lambda L, x: L.where(x > 0, x, 1e39), r(4, dt=np.float16), grad=False),
    C("mul_f16_big_int", lambda L, x: x * 2**31, np.array([0.0, 1.0, -1.0], np.float16), grad=False),
    C("mul_f16_big_float_inplace", lambda L, x: x.clone().mul_(1e10), np.array([0.0, 1.0], np.float16), grad=False),
    C("rfloordiv_big_f64", lambda L, x: 1e39 // x, np.array([-3.0, 1.0, 0.0, 5.0]), grad=False),
    C("rdiv_number_f64", lambda L, x: L.div(1e39, x), np.array([-3.0, 1.0, 5.0])),
    C("rfloordiv_int", lambda L, x: 7 // x, np.array([-3, 1, 5])),
    C("clamp_uint8_neg_wrap", lambda L, x: L.clamp(x, min=-255), np.array([0, 3, 200], np.uint8)),
    C("where_int8_in_range", lambda L, x: L.where(x > 0, x, -128), np.array([-3, 1, 5], np.int8)),
]


@pytest.mark.parametrize("fn, inputs, kw", FIT_CASES)
def test_fit(fn, inputs, kw):
    check_op(fn, inputs, **kw)


RED_ERRORS = [
    # a dtype error before a dim error; names and dims as torch reports them
    P("mean_int_bad_dims", lambda L: L.mean(L.tensor(3), (0, 1))),
    P("norm_int_repeated_dims", lambda L: L.norm(L.tensor(3), dim=(-1, 0))),
    P("var_int_bad_dims", lambda L: L.var(L.tensor([1, 2]), (0, 1))),
    P("std_mean_int_bad_dim", lambda L: L.std_mean(L.tensor([1, 2]), 3)),
    P("any_0dim_repeated_dims", lambda L: L.any(L.tensor(1.0), (-1, 0))),
    P("all_0dim_bad_dim", lambda L: L.all(L.tensor(1.0), 2)),
    P("amax_empty_negative_dim", lambda L: L.amax(L.zeros(0), -1)),
    P("amin_empty_dims_in_order", lambda L: L.amin(L.zeros(0), (0, 1))),
    P("aminmax_tuple_dim", lambda L: L.aminmax(L.ones(2, 3), dim=(0, 1))),
    P("aminmax_list_dim", lambda L: L.aminmax(L.ones(2, 3), dim=[])),
]


@pytest.mark.parametrize("fn", RED_ERRORS)
def test_reduction_error(fn):
    check_error(fn)


RED_CASES = [
    C("any_empty_dims_no_reduction", lambda L, x: L.any(x, dim=[]), r(0)),
    C("all_empty_dims_no_reduction", lambda L, x: L.all(x, dim=(), keepdim=True), r(2, 3)),
    C("any_empty_dims_uint8", lambda L, x: L.any(x, dim=[]), np.array([0, 3, 1], np.uint8)),
]


@pytest.mark.parametrize("fn, inputs, kw", RED_CASES)
def test_reduction(fn, inputs, kw):
    check_op(fn, inputs, **kw)


F16_CASES = [
    # float16 by a number or 0-dim second operand beyond its range: torch computes in float32 (its "cpu scalar"
    # path); a 0-dim first operand is cast to float16 like any other
    C("f16_mul_0dim_big", lambda L, x: x * L.tensor(70000.0), np.array([0.0, 1.0, -2.0], np.float16), grad=False),
    C("f16_0dim_big_mul", lambda L, x: L.tensor(70000.0) * x, np.array([0.0, 1.0, -2.0], np.float16), grad=False),
    C("f16_div_0dim_big", lambda L, x: x / L.tensor(1e5, dtype=L.float64), np.array([0.0, 1.0, -2.0], np.float16),
      grad=False),
    C("f16_0dim_big_div", lambda L, x: L.tensor(70000.0) / x, np.array([0.5, 1.0, -2.0], np.float16), grad=False),
    C("f16_rdiv_number", lambda L, x: 70000.0 / x, np.array([0.0, 1.0, -2.0], np.float16), grad=False),
    C("f16_div_number", lambda L, x: x / 70000.0, np.array([0.0, 1.0, -2.0], np.float16), grad=False),
    C("f16_mul_int_0dim", lambda L, x: x * L.tensor(100000), np.array([0.0, 1e-3, -2.0], np.float16), grad=False),
]


@pytest.mark.parametrize("fn, inputs, kw", F16_CASES)
def test_float16_opmath(fn, inputs, kw):
    check_op(fn, inputs, **kw)


LATE_ERRORS = [
    P("heaviside_inplace_dtypes_first", lambda L: L.tensor(True).heaviside_(L.tensor(1.0, dtype=L.float16))),
    P("heaviside_inplace_dtypes_before_shape", lambda L: L.ones(2, 3, dtype=L.uint8).heaviside_(
        L.ones(3, 1, 4, dtype=L.float16))),
    P("heaviside_inplace_shape", lambda L: L.ones(2, 3).heaviside_(L.ones(3, 1, 4))),
    P("sub_bool_before_float_alpha", lambda L: L.sub(L.tensor(1, dtype=L.int32), L.tensor(True), alpha=-1.5)),
]


@pytest.mark.parametrize("fn", LATE_ERRORS)
def test_late_errors(fn):
    check_error(fn)
