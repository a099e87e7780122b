"""Differential tests of ember._ops.reduction against torch: sum mean var std var_mean std_mean prod max/min
amax amin argmax argmin logsumexp cumsum cumprod norm count_nonzero nansum."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import ember
from _compare import check_error, check_op

F32, F64, F16, I64, I32, U8, B = np.float32, np.float64, np.float16, np.int64, np.int32, np.uint8, np.bool_
RNG = np.random.default_rng(9)
# NumPy RuntimeWarnings must not reach the user: error on them, except the ones ember itself filters out at import
pytestmark = [pytest.mark.filterwarnings("error::RuntimeWarning"), pytest.mark.filterwarnings(r"ignore::RuntimeWarning:ember\..*")]


def r(*shape, dt=F64, lo=-3.0, hi=3.0):
    return RNG.uniform(lo, hi, shape).astype(dt)


def ri(*shape, dt=I64, lo=-4, hi=5):
    return RNG.integers(lo, hi, shape).astype(dt)


def C(id, fn, *inputs, marks=(), **kw):
    return pytest.param(fn, inputs, kw, id=id, marks=marks)


TIES = np.array([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, 2.0, 2.0], [-1.0, 5.0, 4.0, 5.0]])
WITH_NAN = np.array([[1.0, np.nan, 3.0], [2.0, 0.5, -1.0]])
WITH_ZEROS = np.array([[1.0, 0.0, 3.0, 2.0], [0.0, 0.0, 2.0, 1.5], [1.0, 2.0, 3.0, 4.0]])

CASES = []
for dt in (F32, F64):
    n = np.dtype(dt).name
    CASES += [
        # sum
        C(f"sum_{n}", lambda L, x: L.sum(x), r(3, 4, dt=dt)),
        C(f"sum_method_{n}", lambda L, x: x.sum(), r(3, 4, dt=dt)),
        C(f"sum_dim_{n}", lambda L, x: L.sum(x, 1), r(3, 4, dt=dt)),
        C(f"sum_dim_neg_keepdim_{n}", lambda L, x: x.sum(-1, keepdim=True), r(3, 4, dt=dt)),
        C(f"sum_dim_tuple_{n}", lambda L, x: x.sum((0, 2)), r(2, 3, 4, dt=dt)),
        C(f"sum_dim_list_neg_{n}", lambda L, x: x.sum(dim=[-1, 0], keepdim=True), r(2, 3, 4, dt=dt)),
        C(f"sum_dim_empty_list_{n}", lambda L, x: x.sum(dim=[]), r(2, 3, dt=dt)),
        C(f"sum_dtype_{n}", lambda L, x: x.sum(dtype=L.float64), r(3, 4, dt=dt)),
        C(f"sum_dim_dtype_{n}", lambda L, x: x.sum(0, dtype=L.float32), r(3, 4, dt=dt)),
        C(f"sum_0dim_{n}", lambda L, x: x.sum(), r(dt=dt)),
        C(f"sum_0dim_dim_{n}", lambda L, x: x.sum(0), r(dt=dt)),
        C(f"sum_0dim_dim_keepdim_{n}", lambda L, x: x.sum(-1, keepdim=True), r(dt=dt)),
        C(f"sum_0size_{n}", lambda L, x: x.sum(), r(0, 3, dt=dt)),
        C(f"sum_0size_dim_{n}", lambda L, x: x.sum(0), r(0, 3, dt=dt)),
        C(f"sum_noncontig_{n}", lambda L, x: x.t()[::2].sum(1), r(3, 4, dt=dt)),
        C(f"sum_special_{n}", lambda L, x: x.sum(1), np.array([[1, np.inf, -np.inf], [np.nan, 1, 2], [1e30, -1e30, 1]], dt)),
        C(f"sum_large_{n}", lambda L, x: x.sum(), r(1000, dt=dt)),
        C(f"nansum_{n}", lambda L, x: L.nansum(x), WITH_NAN.astype(dt)),
        C(f"nansum_dim_{n}", lambda L, x: x.nansum(1), WITH_NAN.astype(dt)),
        # mean
        C(f"mean_{n}", lambda L, x: L.mean(x), r(3, 4, dt=dt)),
        C(f"mean_method_{n}", lambda L, x: x.mean(), r(3, 4, dt=dt)),
        C(f"mean_dim_{n}", lambda L, x: x.mean(0), r(3, 4, dt=dt)),
        C(f"mean_dim_keepdim_{n}", lambda L, x: L.mean(x, -1, keepdim=True), r(3, 4, dt=dt)),
        C(f"mean_dim_tuple_{n}", lambda L, x: x.mean((1, 2)), r(2, 3, 4, dt=dt)),
        C(f"mean_dtype_{n}", lambda L, x: x.mean(dtype=L.float64), r(3, 4, dt=dt)),
        C(f"mean_0dim_{n}", lambda L, x: x.mean(), r(dt=dt)),
        C(f"mean_0size_{n}", lambda L, x: x.mean(), r(0, 3, dt=dt)),
        C(f"mean_0size_dim_{n}", lambda L, x: x.mean(0), r(0, 3, dt=dt)),
        C(f"mean_0size_other_dim_{n}", lambda L, x: x.mean(1), r(0, 3, dt=dt)),
        C(f"mean_noncontig_{n}", lambda L, x: x.t().mean(0), r(3, 4, dt=dt)),
        C(f"mean_large_{n}", lambda L, x: x.mean(), r(1000, dt=dt, lo=0, hi=10)),
        # var / std
        C(f"var_{n}", lambda L, x: L.var(x), r(3, 4, dt=dt)),
        C(f"var_method_dim_{n}", lambda L, x: x.var(1), r(3, 4, dt=dt)),
        C(f"var_unbiased_false_{n}", lambda L, x: x.var(unbiased=False), r(3, 4, dt=dt)),
        C(f"var_positional_unbiased_{n}", lambda L, x: x.var(False), r(3, 4, dt=dt)),
        C(f"var_dim_unbiased_keepdim_{n}", lambda L, x: L.var(x, 0, False, True), r(3, 4, dt=dt)),
        C(f"var_correction_{n}", lambda L, x: L.var(x, dim=1, correction=2), r(3, 5, dt=dt)),
        C(f"var_correction_0_{n}", lambda L, x: x.var(dim=(0, 1), correction=0, keepdim=True), r(3, 5, 2, dt=dt)),
        C(f"var_correction_float_{n}", lambda L, x: x.var(correction=0.5), r(3, 5, dt=dt)),
        C(f"var_neg_dim_{n}", lambda L, x: x.var(-2), r(3, 5, dt=dt)),
        C(f"var_offset_{n}", lambda L, x: x.var(1), r(4, 50, dt=dt, lo=1000, hi=1001)),
        C(f"var_0size_dim_{n}", lambda L, x: x.var(1), r(3, 0, dt=dt)),
        C(f"std_{n}", lambda L, x: L.std(x), r(3, 4, dt=dt)),
        C(f"std_dim_{n}", lambda L, x: x.std(0), r(3, 4, dt=dt)),
        C(f"std_unbiased_false_{n}", lambda L, x: x.std(1, unbiased=False, keepdim=True), r(3, 4, dt=dt)),
        C(f"std_correction_{n}", lambda L, x: L.std(x, (0, 1), correction=0), r(3, 4, 2, dt=dt)),
        C(f"std_constant_{n}", lambda L, x: x.std(1), np.ones((2, 4), dt)),
        C(f"var_mean_{n}", lambda L, x: L.var_mean(x), r(3, 4, dt=dt)),
        C(f"var_mean_dim_{n}", lambda L, x: L.var_mean(x, 1, keepdim=True), r(3, 4, dt=dt)),
        C(f"var_mean_correction_{n}", lambda L, x: L.var_mean(x, (0,), correction=0), r(3, 4, dt=dt)),
        C(f"std_mean_{n}", lambda L, x: L.std_mean(x, 0), r(3, 4, dt=dt)),
        C(f"std_mean_unbiased_{n}", lambda L, x: L.std_mean(x, unbiased=False), r(3, 4, dt=dt)),
        # prod
        C(f"prod_{n}", lambda L, x: L.prod(x), r(3, 4, dt=dt, lo=0.5, hi=1.5)),
        C(f"prod_method_dim_{n}", lambda L, x: x.prod(1), r(3, 4, dt=dt)),
        C(f"prod_dim_keepdim_{n}", lambda L, x: x.prod(-2, keepdim=True), r(3, 4, dt=dt)),
        C(f"prod_dtype_{n}", lambda L, x: x.prod(dtype=L.float64), r(3, 2, dt=dt)),
        C(f"prod_zeros_{n}", lambda L, x: x.prod(), WITH_ZEROS[2:].astype(dt) * np.array([1, 0, 1, 1], dt)),
        C(f"prod_two_zeros_{n}", lambda L, x: x.prod(), np.array([1.0, 0.0, 3.0, 0.0], dt)),
        C(f"prod_zeros_dim_{n}", lambda L, x: x.prod(1), WITH_ZEROS.astype(dt)),
        C(f"prod_zeros_dim0_{n}", lambda L, x: x.prod(0), WITH_ZEROS.astype(dt)),
        C(f"prod_0dim_{n}", lambda L, x: x.prod(), r(dt=dt)),
        C(f"prod_0size_{n}", lambda L, x: x.prod(), r(0, 3, dt=dt)),
        C(f"prod_0size_dim_{n}", lambda L, x: x.prod(0), r(0, 3, dt=dt)),
        C(f"prod_noncontig_{n}", lambda L, x: x.t().prod(0), r(3, 4, dt=dt)),
        # max / min
        C(f"max_{n}", lambda L, x: L.max(x), r(3, 4, dt=dt)),
        C(f"max_method_{n}", lambda L, x: x.max(), r(3, 4, dt=dt)),
        C(f"max_ties_{n}", lambda L, x: x.max(), TIES.astype(dt)),
        C(f"min_ties_{n}", lambda L, x: L.min(x), TIES.astype(dt)),
        C(f"max_nan_{n}", lambda L, x: x.max(), WITH_NAN.astype(dt)),
        C(f"max_dim_{n}", lambda L, x: L.max(x, 1), r(3, 4, dt=dt)),
        C(f"max_dim_keepdim_{n}", lambda L, x: x.max(0, keepdim=True), r(3, 4, dt=dt)),
        C(f"max_dim_kw_{n}", lambda L, x: x.max(dim=-1), r(2, 3, 4, dt=dt)),
        C(f"max_dim_ties_{n}", lambda L, x: x.max(1), TIES.astype(dt)),
        C(f"min_dim_ties_{n}", lambda L, x: x.min(1), TIES.astype(dt)),
        C(f"max_dim_nan_{n}", lambda L, x: x.max(1), WITH_NAN.astype(dt)),
        C(f"min_dim_nan_{n}", lambda L, x: x.min(1), WITH_NAN.astype(dt)),
        C(f"min_dim_{n}", lambda L, x: L.min(x, 0), r(3, 4, dt=dt)),
        C(f"max_0dim_{n}", lambda L, x: x.max(), r(dt=dt)),
        C(f"max_0dim_dim_{n}", lambda L, x: x.max(0), r(dt=dt)),
        C(f"max_0size_other_dim_{n}", lambda L, x: x.max(1), r(0, 3, dt=dt)),
        C(f"max_noncontig_{n}", lambda L, x: x.t().max(0), r(3, 4, dt=dt)),
        C(f"max_values_{n}", lambda L, x: x.max(1).values, r(3, 4, dt=dt)),
        C(f"max_indices_{n}", lambda L, x: x.max(1).indices, r(3, 4, dt=dt)),
        C(f"amax_{n}", lambda L, x: L.amax(x), TIES.astype(dt)),
        C(f"amax_dim_{n}", lambda L, x: x.amax(1), TIES.astype(dt)),
        C(f"amax_dims_keepdim_{n}", lambda L, x: L.amax(x, (0, 1), keepdim=True), TIES.astype(dt)),
        C(f"amin_dim_{n}", lambda L, x: x.amin(-1), TIES.astype(dt)),
        C(f"amin_nan_{n}", lambda L, x: x.amin(1), WITH_NAN.astype(dt)),
        C(f"amax_0size_{n}", lambda L, x: x.amax(1), r(0, 3, dt=dt)),
        C(f"argmax_{n}", lambda L, x: L.argmax(x), TIES.astype(dt)),
        C(f"argmax_dim_{n}", lambda L, x: x.argmax(1), TIES.astype(dt)),
        C(f"argmax_dim_keepdim_{n}", lambda L, x: x.argmax(0, keepdim=True), TIES.astype(dt)),
        C(f"argmin_dim_{n}", lambda L, x: L.argmin(x, 1), TIES.astype(dt)),
        C(f"argmax_nan_{n}", lambda L, x: x.argmax(1), WITH_NAN.astype(dt)),
        C(f"argmin_nan_{n}", lambda L, x: x.argmin(), WITH_NAN.astype(dt)),
        C(f"argmax_keepdim_nodim_{n}", lambda L, x: x.argmax(keepdim=True), r(3, 4, dt=dt)),
        C(f"argmax_0dim_{n}", lambda L, x: x.argmax(), r(dt=dt)),
        # logsumexp
        C(f"logsumexp_{n}", lambda L, x: L.logsumexp(x, 1), r(3, 4, dt=dt)),
        C(f"logsumexp_keepdim_{n}", lambda L, x: x.logsumexp(0, keepdim=True), r(3, 4, dt=dt)),
        C(f"logsumexp_dims_{n}", lambda L, x: x.logsumexp((0, 2)), r(2, 3, 4, dt=dt)),
        C(f"logsumexp_big_{n}", lambda L, x: x.logsumexp(1), np.array([[1000.0, 1000.0], [-1000.0, -1001.0]], dt)),
        C(f"logsumexp_inf_{n}", lambda L, x: x.logsumexp(1), np.array([[-np.inf, -np.inf], [np.inf, 1.0], [np.inf, np.inf], [np.nan, 1.0]], dt)),
        C(f"logsumexp_0dim_{n}", lambda L, x: x.logsumexp(0), r(dt=dt)),
        C(f"logsumexp_0size_{n}", lambda L, x: x.logsumexp(0), r(0, 3, dt=dt)),
        # cumsum / cumprod
        C(f"cumsum_{n}", lambda L, x: L.cumsum(x, 1), r(3, 4, dt=dt)),
        C(f"cumsum_method_{n}", lambda L, x: x.cumsum(0), r(3, 4, dt=dt)),
        C(f"cumsum_neg_{n}", lambda L, x: x.cumsum(dim=-1), r(2, 3, 4, dt=dt)),
        C(f"cumsum_dtype_{n}", lambda L, x: x.cumsum(0, dtype=L.float64), r(3, 4, dt=dt)),
        C(f"cumsum_0dim_{n}", lambda L, x: x.cumsum(0), r(dt=dt)),
        C(f"cumsum_0size_{n}", lambda L, x: x.cumsum(0), r(0, 3, dt=dt)),
        C(f"cumprod_{n}", lambda L, x: L.cumprod(x, 1), r(3, 4, dt=dt)),
        C(f"cumprod_zeros_{n}", lambda L, x: x.cumprod(1), WITH_ZEROS.astype(dt)),
        C(f"cumprod_dtype_{n}", lambda L, x: x.cumprod(0, dtype=L.float64), r(3, 4, dt=dt)),
        C(f"cumprod_0dim_{n}", lambda L, x: x.cumprod(0), r(dt=dt)),
        # norm
        C(f"norm_{n}", lambda L, x: L.norm(x), r(3, 4, dt=dt)),
        C(f"norm_method_{n}", lambda L, x: x.norm(), r(3, 4, dt=dt)),
        C(f"norm_p1_{n}", lambda L, x: x.norm(1), r(3, 4, dt=dt)),
        C(f"norm_p3_{n}", lambda L, x: x.norm(3), r(3, 4, dt=dt)),
        C(f"norm_pinf_{n}", lambda L, x: x.norm(float("inf")), TIES.astype(dt)),
        C(f"norm_pneginf_{n}", lambda L, x: x.norm(float("-inf")), TIES.astype(dt) + 1),
        C(f"norm_p0_{n}", lambda L, x: x.norm(0), WITH_ZEROS.astype(dt)),
        C(f"norm_fro_{n}", lambda L, x: x.norm("fro"), r(3, 4, dt=dt)),
        C(f"norm_dim_{n}", lambda L, x: x.norm(dim=1), r(3, 4, dt=dt)),
        C(f"norm_p_dim_keepdim_{n}", lambda L, x: L.norm(x, 1, 0, True), r(3, 4, dt=dt)),
        C(f"norm_fro_dims_{n}", lambda L, x: x.norm("fro", dim=(0, 1)), r(3, 4, 2, dt=dt)),
        C(f"norm_zero_{n}", lambda L, x: x.norm(), np.zeros((3,), dt)),
        C(f"norm_zero_row_{n}", lambda L, x: x.norm(dim=1), np.array([[0.0, 0.0], [3.0, 4.0]], dt)),
        C(f"norm_p3_zero_{n}", lambda L, x: x.norm(3, dim=1), np.array([[0.0, 0.0], [3.0, 4.0]], dt)),
        C(f"norm_0dim_{n}", lambda L, x: x.norm(), r(dt=dt)),
        C(f"norm_0size_{n}", lambda L, x: x.norm(), r(0, 3, dt=dt)),
        C(f"norm_dtype_{n}", lambda L, x: x.norm(dtype=L.float64), r(3, dt=dt)),
        C(f"count_nonzero_{n}", lambda L, x: L.count_nonzero(x), WITH_ZEROS.astype(dt)),
        C(f"count_nonzero_dim_{n}", lambda L, x: x.count_nonzero(1), WITH_ZEROS.astype(dt)),
        C(f"count_nonzero_dims_{n}", lambda L, x: x.count_nonzero((0, 1)), WITH_ZEROS.astype(dt)),
    ]

CASES += [
    # integer and bool inputs
    C("sum_int", lambda L, x: x.sum(), ri(3, 4)),
    C("sum_int32", lambda L, x: x.sum(1), ri(3, 4, dt=I32)),
    C("sum_uint8", lambda L, x: x.sum(), ri(3, 4, dt=U8, lo=0, hi=200)),
    C("sum_bool", lambda L, x: x.sum(0), ri(3, 4, dt=B, lo=0, hi=2)),
    C("sum_int_dtype_float", lambda L, x: x.sum(dtype=L.float32), ri(3, 4)),
    C("sum_f16", lambda L, x: x.sum(1), r(3, 4, dt=F16)),
    C("mean_f16", lambda L, x: x.mean(), r(3, 4, dt=F16)),
    C("mean_int_dtype", lambda L, x: x.mean(dtype=L.float64), ri(3, 4)),
    C("prod_int", lambda L, x: x.prod(), ri(3, 4)),
    C("prod_int_dim", lambda L, x: x.prod(1), ri(3, 4)),
    C("prod_bool", lambda L, x: x.prod(), ri(3, dt=B, lo=0, hi=2)),
    C("prod_int32", lambda L, x: x.prod(0), ri(3, 4, dt=I32)),
    C("max_int", lambda L, x: x.max(), ri(3, 4)),
    C("max_int_dim", lambda L, x: x.max(1), ri(3, 4)),
    C("max_bool", lambda L, x: x.max(), ri(3, 4, dt=B, lo=0, hi=2)),
    C("amin_int", lambda L, x: x.amin(0), ri(3, 4)),
    C("argmin_int", lambda L, x: x.argmin(1), ri(3, 4)),
    C("cumsum_int", lambda L, x: x.cumsum(1), ri(3, 4)),
    C("cumsum_int32", lambda L, x: x.cumsum(1), ri(3, 4, dt=I32)),
    C("cumsum_bool", lambda L, x: x.cumsum(0), ri(3, dt=B, lo=0, hi=2)),
    C("cumprod_int", lambda L, x: x.cumprod(1), ri(3, 4)),
    C("logsumexp_int", lambda L, x: x.logsumexp(1), ri(3, 4)),
    C("count_nonzero_int", lambda L, x: x.count_nonzero(0), ri(3, 4)),
    C("count_nonzero_bool", lambda L, x: L.count_nonzero(x), ri(3, 4, dt=B, lo=0, hi=2)),
    C("nansum_int", lambda L, x: x.nansum(), ri(3, 4)),
    C("all_reductions_chain", lambda L, x: x.sum(0).mean() * x.var(1).sum() + x.max() - x.logsumexp(0).prod(), r(3, 4)),
]


@pytest.mark.parametrize("fn,inputs,kw", CASES)
def test_op(fn, inputs, kw):
    check_op(fn, list(inputs), **kw)


@pytest.mark.parametrize("name", ["max", "min"])
def test_return_type_repr(name):
    x = np.array([[1.0, 5.0, 2.0], [7.0, 0.0, 7.0]], F32)
    e = getattr(ember.from_numpy(x.copy()), name)(1)
    t = getattr(torch.from_numpy(x.copy()), name)(1)
    assert repr(e) == repr(t)
    assert type(e).__name__ == type(t).__name__ and type(e).__module__ == type(t).__module__
    values, indices = e
    assert values is e.values and indices is e.indices and e[0] is e.values
    assert isinstance(e, tuple) and len(e) == 2


def test_return_type_repr_grad():
    x = np.array([[1.0, 5.0, 2.0], [7.0, 0.0, 7.0]], F64)
    e = ember.from_numpy(x.copy()).requires_grad_().max(1, keepdim=True)
    t = torch.from_numpy(x.copy()).requires_grad_().max(1, keepdim=True)
    assert repr(e) == repr(t)


def test_var_mean_types():
    x = np.arange(6.0).reshape(2, 3)
    e = ember.var_mean(ember.from_numpy(x.copy()), 1)
    t = torch.var_mean(torch.from_numpy(x.copy()), 1)
    assert type(e) is tuple and type(t) is tuple and len(e) == len(t) == 2


@pytest.mark.parametrize("fn", [
    lambda L, x: x.var(1, correction=3),
    lambda L, x: x.std(correction=12),
    lambda L, x: x.var(0),
    lambda L, x: L.var_mean(x, 0),
    lambda L, x: L.std_mean(x, dim=0),
    lambda L, x: L.std(x, 0),
], ids=["var_dof0", "std_dof_negative", "var_one_row", "var_mean", "std_mean", "std_fn"])
def test_dof_warning(fn):
    x = r(1, 3)
    res = []
    for L in (ember, torch):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            out = fn(L, L.from_numpy(x.copy()))
        out = out[0] if isinstance(out, tuple) else out
        res.append(([(type(m.message).__name__, str(m.message).split(" (Triggered")[0], m.filename) for m in w],
                    out.numpy()))
    assert res[0][0] == res[1][0]
    np.testing.assert_allclose(res[0][1], res[1][1], rtol=1e-12, equal_nan=True)


ERRORS = [
    ("mean_int", lambda L: L.tensor([1, 2]).mean()),
    ("mean_bool", lambda L: L.tensor([True]).mean(0)),
    ("sum_dim_out_of_range", lambda L: L.ones(2, 3).sum(2)),
    ("sum_dim_out_of_range_neg", lambda L: L.ones(2, 3).sum(-3)),
    ("mean_dim_out_of_range", lambda L: L.ones(2, 3).mean((0, 5))),
    ("sum_0dim_dim_out_of_range", lambda L: L.tensor(1.0).sum(1)),
    ("sum_duplicate_dims", lambda L: L.ones(2, 3).sum((0, 0))),
    ("sum_duplicate_dims_neg", lambda L: L.ones(2, 3).sum((1, -1))),
    ("var_duplicate_dims", lambda L: L.ones(2, 3).var((1, -1))),
    ("max_empty", lambda L: L.ones(0).max()),
    ("min_empty", lambda L: L.ones(0, 3).min()),
    ("max_empty_dim", lambda L: L.ones(0, 3).max(0)),
    ("amax_empty_dim", lambda L: L.ones(0, 3).amax(0)),
    ("amin_empty", lambda L: L.ones(0, 3).amin()),
    ("argmax_empty", lambda L: L.ones(0).argmax()),
    ("argmax_empty_dim", lambda L: L.ones(2, 0).argmax(1)),
    ("max_dim_out_of_range", lambda L: L.ones(2, 3).max(2)),
    ("norm_fro_3_dims", lambda L: L.ones(2, 3, 4).norm(dim=(0, 1, 2))),
    ("var_int", lambda L: L.tensor([1, 2]).var()),
    ("std_int", lambda L: L.tensor([1, 2]).std(0)),
    ("norm_int", lambda L: L.tensor([1, 2]).norm()),
    ("logsumexp_dim_out_of_range", lambda L: L.ones(2).logsumexp(1)),
    ("cumsum_dim_out_of_range", lambda L: L.ones(2).cumsum(1)),
    ("prod_dim_out_of_range", lambda L: L.ones(2).prod(1)),
    ("argmax_dim_out_of_range", lambda L: L.ones(2).argmax(1)),
    ("max_empty_int", lambda L: L.tensor([], dtype=L.int64).max()),
]


@pytest.mark.parametrize("fn", [e[1] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_error(fn):
    check_error(fn)


# --- property-based: shapes, dims, keepdim, dtypes -----------------------------------------------------------------

_RED = {
    "sum": lambda L, x, d, k: x.sum(d, keepdim=k),
    "mean": lambda L, x, d, k: x.mean(d, keepdim=k),
    "var": lambda L, x, d, k: x.var(d, keepdim=k, correction=0),
    "std": lambda L, x, d, k: x.std(d, keepdim=k, correction=0),
    "amax": lambda L, x, d, k: x.amax(d, keepdim=k),
    "logsumexp": lambda L, x, d, k: x.logsumexp(d, keepdim=k),
    "norm": lambda L, x, d, k: x.norm(dim=d[:2], keepdim=k),
    "prod": lambda L, x, d, k: x.prod(d[0], keepdim=k),
}


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(sorted(_RED)), st.sampled_from([F32, F64]),
       hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4), st.booleans(), st.data())
def test_reduction_property(name, dt, shape, keepdim, data):
    x = data.draw(hnp.arrays(F64, shape, elements=st.floats(-10, 10).filter(lambda v: abs(v) > 0.1))).astype(dt)
    nd = len(shape)
    dims = data.draw(st.lists(st.integers(-nd, nd - 1), min_size=1, max_size=nd, unique_by=lambda d: d % nd))
    tol = {"rtol": 1e-4, "atol": 1e-5} if dt == F32 and name in ("var", "std", "prod") else {}
    check_op(lambda L, x: _RED[name](L, x, tuple(dims), keepdim), [x], **tol)


@pytest.mark.parametrize("shape", [(), (1,), (2, 3), (70, 70)])  # (70, 70): past the small inlined backward
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16, np.int64, np.bool_])
def test_sum_all_fast_path(shape, dtype):
    rng = np.random.default_rng(0)
    x = np.asarray(rng.standard_normal(shape) * 3).astype(dtype)
    check_op(lambda L, a: a.sum(), [x])


def test_mean_backward_without_errstate_is_still_silent():
    x = np.array([np.inf, -np.inf, 1.0, np.nan], np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_op(lambda L, a: a.mean(), [x])
        check_op(lambda L, a: a.mean(dim=0), [np.zeros((0, 3), np.float32)])
