"""Differential tests of ember._ops.comparison against torch: eq ne lt le gt ge (functions, methods, operators),
logical and bitwise ops, isnan isinf isfinite, all any, isclose allclose equal, where."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import ember
from _compare import check_error, check_op

F32, F64, I64, I32, U8, B = np.float32, np.float64, np.int64, np.int32, np.uint8, np.bool_
RNG = np.random.default_rng(5)
# NumPy RuntimeWarnings must not reach the user: error on them, except the ones ember itself filters out at import
pytestmark = [pytest.mark.filterwarnings("error::RuntimeWarning"), pytest.mark.filterwarnings(r"ignore::RuntimeWarning:ember\..*")]


def r(*shape, dt=F64):
    return RNG.integers(-2, 3, shape).astype(dt)  # small integers: plenty of equal pairs


def rb(*shape):
    return RNG.random(shape) < 0.5


SPEC = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0, 1.0, np.nan])
SPEC2 = np.array([np.nan, np.inf, np.inf, 0.0, -0.0, 2.0, 1.0])


def C(id, fn, *inputs, marks=(), **kw):
    return pytest.param(fn, inputs, kw, id=id, marks=marks)


CMP = {"eq": "__eq__", "ne": "__ne__", "lt": "__lt__", "le": "__le__", "gt": "__gt__", "ge": "__ge__"}
ALIASES = {"not_equal": "ne", "less": "lt", "less_equal": "le", "greater": "gt", "greater_equal": "ge"}

CASES = []
for name, dunder in CMP.items():
    CASES += [
        C(f"{name}_fn", lambda L, x, y, n=name: getattr(L, n)(x, y), r(3, 4), r(3, 4)),
        C(f"{name}_method", lambda L, x, y, n=name: getattr(x, n)(y), r(3, 4), r(4)),
        C(f"{name}_op", lambda L, x, y, d=dunder: getattr(x, d)(y), r(3, 4), r(3, 1)),
        C(f"{name}_scalar", lambda L, x, n=name: getattr(L, n)(x, 1), r(3, 4)),
        C(f"{name}_float_scalar", lambda L, x, n=name: getattr(x, n)(0.5), r(3, 4, dt=I64)),
        C(f"{name}_special", lambda L, x, y, n=name: getattr(L, n)(x, y), SPEC, SPEC2),
        C(f"{name}_f32_f64", lambda L, x, y, n=name: getattr(L, n)(x, y), r(4, dt=F32), r(4)),
        C(f"{name}_int_float", lambda L, x, y, n=name: getattr(L, n)(x, y), r(4, dt=I64), r(4, dt=F32) + 0.5),
        C(f"{name}_bool", lambda L, x, y, n=name: getattr(L, n)(x, y), rb(5), rb(5)),
        C(f"{name}_0dim", lambda L, x, y, n=name: getattr(L, n)(x, y), r(), r(3)),
        C(f"{name}_0size", lambda L, x, y, n=name: getattr(L, n)(x, y), r(0, 3), r(3)),
        C(f"{name}_noncontig", lambda L, x, y, n=name: getattr(L, n)(x.t(), y), r(4, 3), r(3, 4)),
        C(f"{name}_inplace", lambda L, x, y, n=name: getattr(x.detach().clone(), n + "_")(y), r(3, 4), r(4), grad=False),
        C(f"{name}_inplace_int_float", lambda L, x, y, n=name: getattr(x, n + "_")(y), r(3, 4, dt=I64), r(4) + 0.5, grad=False),
        C(f"{name}_inplace_bool_scalar", lambda L, x, n=name: getattr(x, n + "_")(0.5), rb(5)),
        C(f"{name}_reflected", lambda L, x, d=dunder: getattr(x, d)(1), r(3, 4)),
        C(f"{name}_uint8_neg_scalar", lambda L, x, n=name: getattr(L, n)(x, -1), r(4, dt=U8) + 1),
    ]
for alias, name in ALIASES.items():
    CASES.append(C(f"{alias}", lambda L, x, y, a=alias: getattr(L, a)(x, y), r(3, 4), r(3, 4)))
    CASES.append(C(f"{alias}_method", lambda L, x, y, a=alias: getattr(x, a)(y), r(3, 4), r(3, 4)))

CASES += [
    # in place on a tensor that records grad: torch records <Op>Backward1 (tensor other) / 0 (scalar), zero grads
    *[C(f"{n}_inplace_records_grad", lambda L, x, y, n=n: getattr(x * 1, n + "_")(y), r(3, 4), r(4))
      for n in ("eq", "ne", "lt", "le", "gt", "ge")],
    *[C(f"{n}_inplace_scalar_records_grad", lambda L, x, n=n: getattr(x * 1, n + "_")(0.25), r(3, 4))
      for n in ("eq", "ne", "lt", "le", "gt", "ge")],
    C("reversed_scalar_lt", lambda L, x: 1 < x, r(5)),
    C("reversed_scalar_eq", lambda L, x: 1 == x, r(5)),
    # logical
    C("logical_and", lambda L, x, y: L.logical_and(x, y), r(3, 4), r(4)),
    C("logical_or", lambda L, x, y: x.logical_or(y), r(3, 4), rb(4)),
    C("logical_xor", lambda L, x, y: L.logical_xor(x, y), rb(3, 4), r(3, 4, dt=I64)),
    C("logical_not", lambda L, x: L.logical_not(x), r(3, 4)),
    C("logical_not_method", lambda L, x: x.logical_not(), rb(3, 4)),
    C("logical_not_inplace", lambda L, x: x.logical_not_(), r(5, dt=I64)),
    C("logical_nan", lambda L, x, y: L.logical_and(x, y), SPEC, SPEC2),
    C("logical_0dim", lambda L, x, y: L.logical_or(x, y), r(), r(0)),
    # bitwise
    C("bitwise_and", lambda L, x, y: L.bitwise_and(x, y), r(3, 4, dt=I64), r(4, dt=I64)),
    C("bitwise_or_op", lambda L, x, y: x | y, r(3, 4, dt=I64), r(4, dt=I64)),
    C("bitwise_xor_op", lambda L, x, y: x ^ y, r(3, 4, dt=I32), r(4, dt=I64)),
    C("bitwise_and_op_bool", lambda L, x, y: x & y, rb(5), rb(5)),
    C("bitwise_or_bool_int", lambda L, x, y: x | y, rb(5), r(5, dt=I64)),
    C("bitwise_and_scalar", lambda L, x: x & 3, r(5, dt=I64)),
    C("bitwise_rand_scalar", lambda L, x: 3 & x, r(5, dt=I64)),
    C("bitwise_xor_bool_scalar", lambda L, x: x ^ True, rb(5)),
    C("bitwise_not_op", lambda L, x: ~x, r(5, dt=I64)),
    C("bitwise_not_bool", lambda L, x: ~x, rb(5)),
    C("bitwise_not_fn", lambda L, x: L.bitwise_not(x), r(5, dt=U8)),
    C("bitwise_not_uint8", lambda L, x: ~x, np.array([0, 1, 255], U8)),
    # tests on values
    C("isnan", lambda L, x: L.isnan(x), SPEC),
    C("isinf", lambda L, x: x.isinf(), SPEC),
    C("isfinite", lambda L, x: L.isfinite(x), SPEC),
    C("isposinf", lambda L, x: L.isposinf(x), SPEC),
    C("isneginf", lambda L, x: x.isneginf(), SPEC),
    C("isnan_int", lambda L, x: L.isnan(x), r(3, dt=I64)),
    C("isfinite_int", lambda L, x: L.isfinite(x), r(3, dt=I64)),
    C("isinf_f32", lambda L, x: L.isinf(x), SPEC.astype(F32)),
    # all / any
    C("all", lambda L, x: L.all(x), r(3, 4)),
    C("any", lambda L, x: x.any(), r(3, 4)),
    C("all_dim", lambda L, x: L.all(x, 1), r(3, 4)),
    C("any_dim_keepdim", lambda L, x: x.any(0, keepdim=True), r(3, 4)),
    C("all_dim_neg", lambda L, x: x.all(dim=-1), rb(3, 4)),
    C("any_dim_tuple", lambda L, x: L.any(x, (0, 2)), r(2, 3, 4)),
    C("all_empty", lambda L, x: L.all(x), r(0, 3)),
    C("any_empty", lambda L, x: L.any(x), r(0, 3)),
    C("all_empty_dim", lambda L, x: L.all(x, 0), r(0, 3)),
    C("all_uint8", lambda L, x: L.all(x), r(3, dt=U8)),
    C("any_uint8_dim", lambda L, x: L.any(x, 0), r(3, 2, dt=U8)),
    C("all_nan", lambda L, x: L.all(x), SPEC),
    C("all_0dim", lambda L, x: L.all(x, 0), r()),
    # isclose
    C("isclose", lambda L, x, y: L.isclose(x, y), r(5) + RNG.uniform(-1e-6, 1e-6, 5), r(5)),
    C("isclose_tol", lambda L, x, y: x.isclose(y, rtol=0.1, atol=0.5), r(3, 4), r(3, 4)),
    C("isclose_nan", lambda L, x, y: L.isclose(x, y), SPEC, SPEC),
    C("isclose_equal_nan", lambda L, x, y: L.isclose(x, y, equal_nan=True), SPEC, SPEC2),
    C("isclose_inf", lambda L, x, y: L.isclose(x, y), np.array([np.inf, -np.inf, np.inf]), np.array([np.inf, np.inf, 1e308])),
    C("isclose_int", lambda L, x, y: L.isclose(x, y), r(5, dt=I64), r(5, dt=I64)),
    C("isclose_bool", lambda L, x, y: L.isclose(x, y), rb(5), rb(5)),
    C("isclose_bcast", lambda L, x, y: L.isclose(x, y), r(3, 4), r(4)),
    # where
    C("where_tensors", lambda L, c, x, y: L.where(c, x, y), rb(3, 4), r(3, 4), r(3, 4)),
    C("where_bcast", lambda L, c, x, y: L.where(c, x, y), rb(3, 1), r(4), r(3, 4)),
    C("where_method", lambda L, c, x, y: x.where(c, y), rb(3, 4), r(3, 4), r(4)),
    C("where_scalar_other", lambda L, c, x: L.where(c, x, 0.0), rb(3, 4), r(3, 4)),
    C("where_scalar_input", lambda L, c, x: L.where(c, 2, x), rb(3, 4), r(3, 4, dt=F32)),
    C("where_int_scalar_float", lambda L, c, x: L.where(c, x, 0.5), rb(4), r(4, dt=I64)),
    C("where_mixed_dtypes", lambda L, c, x, y: L.where(c, x, y), rb(4), r(4, dt=F32), r(4)),
    C("where_0dim_f64_f32", lambda L, c, x, y: L.where(c, x, y), rb(4), r(), r(4, dt=F32)),
    C("where_nan", lambda L, c, x, y: L.where(c, x, y), rb(7), SPEC, SPEC2),
    C("where_uint8_cond", lambda L, c, x, y: L.where(c, x, y), np.array([1, 0, 1], U8), r(3), r(3)),
    C("where_one_arg", lambda L, c: L.where(c), r(3, 4)),
    C("where_scalars", lambda L, c: L.where(c, 1.0, 0.0), rb(4)),
    C("where_f32", lambda L, c, x, y: L.where(c > 0, x, y), r(3, 4, dt=F32), r(3, 4, dt=F32), r(3, 4, dt=F32)),
    C("where_0size", lambda L, c, x, y: L.where(c, x, y), rb(0, 3), r(0, 3), r(3)),
]


@pytest.mark.parametrize("fn,inputs,kw", CASES)
def test_op(fn, inputs, kw):
    check_op(fn, list(inputs), **kw)


@pytest.mark.parametrize("kw", [{}, {"rtol": 0.1}, {"atol": 1.0}, {"equal_nan": True}])
@pytest.mark.parametrize("pair", ["close", "far", "nan", "shapes"])
def test_allclose(pair, kw):
    a = {"close": [1.0, 2.0], "far": [1.0, 2.5], "nan": [float("nan"), 1.0], "shapes": [[1.0, 2.0]]}[pair]
    b = {"close": [1.0 + 1e-7, 2.0], "far": [1.0, 2.0], "nan": [float("nan"), 1.0], "shapes": [1.0, 2.0]}[pair]
    e = ember.allclose(ember.tensor(a), ember.tensor(b), **kw)
    t = torch.allclose(torch.tensor(a), torch.tensor(b), **kw)
    assert type(e) is type(t) and e == t


@pytest.mark.parametrize("a,b", [([1, 2], [1, 2]), ([1, 2], [1, 3]), ([1, 2], [[1, 2]]), ([1.0, 2.0], [1, 2]),
                                 ([float("nan")], [float("nan")]), ([], []), ([True], [1])])
def test_equal(a, b):
    e = ember.equal(ember.tensor(a), ember.tensor(b))
    t = torch.equal(torch.tensor(a), torch.tensor(b))
    assert type(e) is type(t) and e == t


def test_comparison_inplace_version():
    res = []
    for L in (ember, torch):
        x = L.tensor([1.0, 2.0, 3.0])
        x.gt_(1.5)
        y = L.tensor([1, 0, 2])
        y.logical_not_()
        res.append((x._version, x.dtype, x.tolist(), y._version, y.dtype, y.tolist()))
    assert str(res[0]) == str(res[1])


def test_bool_of_tensor():
    for L in (ember, torch):
        assert bool(L.tensor([1.0]) == 1.0) is True
        assert (L.tensor(2) > 1) is not True  # a tensor, not a Python bool


ERRORS = [
    ("eq_bcast", lambda L: L.eq(L.ones(2, 3), L.ones(2))),
    ("lt_bcast", lambda L: L.ones(2, 3) < L.ones(4, 1, 2)),
    ("bitwise_and_float", lambda L: L.ones(2) & L.ones(2)),
    ("bitwise_or_double", lambda L: L.ones(2, dtype=L.float64) | L.ones(2, dtype=L.float64)),
    ("bitwise_not_float", lambda L: L.bitwise_not(L.ones(2))),
    ("invert_float", lambda L: ~L.ones(2)),
    ("bitwise_and_int_0dim_double", lambda L: L.bitwise_and(L.tensor([1, 2]), L.tensor(1.5, dtype=L.float64))),
    ("bitwise_xor_int_float_scalar", lambda L: L.tensor([1, 2]) ^ 1.5),
    ("isclose_dtype_mismatch", lambda L: L.isclose(L.ones(2), L.ones(2, dtype=L.float64))),
    ("where_int_cond", lambda L: L.where(L.tensor([1, 0]), L.ones(2), L.zeros(2))),
    ("where_float_cond", lambda L: L.where(L.tensor([1.0, 0.0]), L.ones(2), L.zeros(2))),
    ("where_bcast", lambda L: L.where(L.tensor([True, False]), L.ones(3), L.zeros(2))),
    ("all_dim_out_of_range", lambda L: L.all(L.ones(2, 3), 2)),
    ("any_dim_out_of_range", lambda L: L.ones(2, 3).any(-3)),
    ("all_0dim_dim_out_of_range", lambda L: L.all(L.tensor(1.0), 1)),
    ("eq__grow", lambda L: L.ones(3).eq_(L.ones(2, 3))),
]


def _err(e):
    if hasattr(e, "marks"):  # a pytest.param(name, fn, marks=...) row
        return pytest.param(e.values[1], id=e.values[0], marks=e.marks)
    return pytest.param(e[1], id=e[0])


@pytest.mark.parametrize("fn", [_err(e) for e in ERRORS])
def test_error(fn):
    check_error(fn)


@settings(max_examples=40, deadline=None)
@given(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
       st.sampled_from(list(CMP) + ["logical_and", "logical_xor"]),
       st.sampled_from([F32, F64, I64, B]), st.sampled_from([F32, F64, I64, B]), st.data())
def test_compare_property(shapes, name, d1, d2, data):
    arrs = [data.draw(hnp.arrays(d, s, elements=st.integers(-2, 2).map(lambda v, d=d: np.dtype(d).type(v))))
            for d, s in zip((d1, d2), shapes.input_shapes)]
    check_op(lambda L, x, y: getattr(L, name)(x, y), arrs)
