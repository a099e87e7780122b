"""Regressions found by tools/fuzz/fuzz_ops2.py: each case runs in torch and ember and must agree on values,
dtype, shape, strides, grads or the error's type and text."""
import numpy as np
import pytest

from _diff_check import check, grads

A = np.array([[1.5, -2.0, 0.5], [3.0, 0.25, -1.0]])
C = np.array([1 + 2j, 3 - 1j, 0.5j], dtype=np.complex64)

CASES = {
    # shape utilities: 0-dim inputs, repeated dims, strides of expand's new dims
    "expand_new_leading_one": lambda L: L.ones(2, 3).expand(1, 1, 2, 3),
    "expand_new_dim_of_transpose": lambda L: L.ones(2, 3).t().expand(1, 3, 2),
    "expand_0dim": lambda L: L.ones(()).expand(1, 2),
    "unflatten_bad_sizes": lambda L: L.ones(3).unflatten(0, (2, -1)),
    "unflatten_two_infers": lambda L: L.ones(3).unflatten(0, (-1, -1)),
    "unflatten_0dim": lambda L: L.tensor(1.).unflatten(0, (1,)),
    "squeeze_repeated": lambda L: L.ones(2, 2).squeeze((1, -1)),
    "movedim_lengths": lambda L: L.ones(2).movedim((0,), (0, 1)),
    "movedim_repeated": lambda L: L.ones(2, 3).movedim((0, 1), (1, 1)),
    "split_0dim": lambda L: L.tensor(1.).split(1),
    "chunk_0dim": lambda L: L.tensor(1.).chunk(2),
    "narrow_0dim": lambda L: L.tensor(1.).narrow(0, 0, 1),
    "unbind_0dim": lambda L: L.tensor(1.).unbind(0),
    "roll_0dim_dim": lambda L: L.tensor(1.).roll(1, 0),
    "tensor_split_0dim": lambda L: L.tensor(1.).tensor_split(2),
    "tensor_split_sections_tensor": lambda L: L.arange(4).tensor_split(L.tensor(2)),
    "tensor_split_indices_tensor": lambda L: L.arange(5).tensor_split(L.tensor([1, 3])),
    "tensor_split_float_tensor": lambda L: L.arange(4).tensor_split(L.tensor([2.])),
    "tensor_split_zero": lambda L: L.arange(4).tensor_split(0),
    "repeat_no_sizes": lambda L: L.ones(2).repeat(),
    "hstack_0dim": lambda L: L.hstack([L.tensor(1.), L.tensor(2, dtype=L.int16)]),
    "vstack_0dim": lambda L: L.vstack([L.tensor(1.), L.tensor(2.)]),
    "vstack_1d_empty": lambda L: L.vstack([L.ones(0), L.ones(0)]),
    "cat_zero_dim_position": lambda L: L.cat([L.tensor([]), L.tensor(1.)]),
    # reductions: complex var/std/norm are real, mean's dtype= must be floating, norm's dtype= checks
    "var_complex": lambda L: L.tensor(C).var(),
    "std_complex_dim": lambda L: L.tensor(C).reshape(1, 3).std(1),
    "var_mean_complex": lambda L: L.var_mean(L.tensor(C)),
    "norm_complex": lambda L: [L.tensor(C).norm(), L.tensor(C).norm(0), L.tensor(C).norm(3)],
    "mean_int_dtype": lambda L: L.ones(2).mean(dtype=L.int64),
    "mean_dim_int_dtype": lambda L: L.ones(2).mean(0, dtype=L.int32),
    "norm_dtype_of_int": lambda L: L.ones(2, dtype=L.int64).norm(dtype=L.float64),
    "norm_dtype_int": lambda L: L.ones(2).norm(dtype=L.int64),
    "norm_dtype_complex_to_real": lambda L: L.tensor(C).norm(dtype=L.float64),
    # index-writing ops: torch's argument checks
    "index_add_source_dtype": lambda L: L.zeros(2, 3).index_add(0, L.tensor([0]), L.ones(1, 3, dtype=L.float64)),
    "index_add_float_index": lambda L: L.zeros(2, 3).index_add(0, L.tensor([0.]), L.ones(1, 3)),
    "index_add_negative": lambda L: L.zeros(2, 3).index_add(0, L.tensor([-1]), L.ones(1, 3)),
    "index_add_count": lambda L: L.zeros(2, 3).index_add(0, L.tensor([0]), L.ones(2, 3)),
    "index_add_slice_shape": lambda L: L.zeros(2, 3).index_add(0, L.tensor([0]), L.ones(1, 2)),
    "index_add_2d_index": lambda L: L.zeros(2, 3).index_add(0, L.tensor([[0]]), L.ones(1, 3)),
    "index_add_empty_dim": lambda L: L.zeros(2, 0, 1, dtype=L.int64).index_add_(1, L.tensor([], dtype=L.int64),
                                                                               L.zeros(2, 0, 1, dtype=L.float16)),
    "index_fill_negative": lambda L: L.zeros(2, 3).index_fill(1, L.tensor([-1]), 1),
    "index_fill_out_of_range": lambda L: L.zeros(2, 3).index_fill(0, L.tensor([2]), 1),
    "index_fill_float_index": lambda L: L.zeros(2, 3).index_fill(0, L.tensor([0.]), 1),
    "index_fill_vector_value": lambda L: L.zeros(2, 3).index_fill(0, L.tensor([0]), L.tensor([1.])),
    "index_fill_2d_index": lambda L: L.zeros(2, 3).index_fill(0, L.tensor([[0]]), 1),
    "scatter_add_src_dtype": lambda L: L.zeros(2, 3).scatter_add(0, L.tensor([[0]]), L.ones(1, 1, dtype=L.float64)),
    # nonzero's column-major result, and where(cond) on 0-dim
    "nonzero_strides": lambda L: L.tensor([[1, 0], [1, 1]]).nonzero(),
    "nonzero_0dim": lambda L: [L.tensor(1.).nonzero(), L.tensor(0.).nonzero()],
    "argwhere_strides": lambda L: L.argwhere(L.ones(2, 2, 2)),
    "where_cond_0dim": lambda L: L.where(L.tensor(True)),
    "nonzero_tuple": lambda L: L.ones(2, 2).nonzero(as_tuple=True),
}


@pytest.mark.parametrize("name", CASES)
def test_case(name):
    check(CASES[name])


def test_var_complex_grad_free_paths_stay_float():
    check(grads(lambda L, x: x.var(0, correction=0), A))


X = np.array([[1.5, -2.0, 0.5, 4.0], [3.0, 0.25, -1.0, 2.0], [0.5, 0.5, 6.0, -3.0]])
# no source value equals the self value it lands on: there torch's amax/amin grads count an excluded self
# (include_self=False) as sharing the max, which is wrong and not copied
SRC = np.array([[10.0, 20.0, 30.0, 40.0], [-5.0, 7.0, 0.75, 2.5]])
IDX = np.array([[0, 0, 2, 1], [2, 0, 1, 1]])


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_values_and_grads(reduce, include_self):
    check(grads(lambda L, a, b: a.scatter_reduce(0, L.tensor(IDX), b, reduce, include_self=include_self), X, SRC))
    for dt in ("int64", "bool", "float32"):
        if dt == "bool" and reduce == "mean":
            continue
        check(lambda L: L.tensor(X * 3).to(getattr(L, dt)).scatter_reduce(
            1, L.tensor(IDX), L.tensor(SRC).to(getattr(L, dt)), reduce, include_self=include_self))


@pytest.mark.parametrize("reduce", ["prod", "mean", "amax", "amin"])
def test_index_reduce(reduce):
    check(lambda L: L.arange(8).reshape(2, 4).index_reduce(1, L.tensor([0, 0, 3]), L.tensor([[5, 6, 7]] * 2), reduce))
    check(grads(lambda L, a, b: a.index_reduce(0, L.tensor([2, 0]), b, reduce, include_self=False), X, SRC))


SCATTER_CASES = {
    "scatter_reduce_bad_name": lambda L: L.ones(2).scatter_reduce(0, L.tensor([0]), L.ones(1), "bad"),
    "scatter_reduce_max_alias": lambda L: L.ones(2).scatter_reduce(0, L.tensor([0]), L.ones(1) * 3, "max"),
    "scatter_reduce_dtype": lambda L: L.ones(2).scatter_reduce(0, L.tensor([0]), L.ones(1, dtype=L.float64), "sum"),
    "scatter_reduce_bool_mean": lambda L: L.ones(2, dtype=L.bool).scatter_reduce(0, L.tensor([0]),
                                                                                L.ones(1, dtype=L.bool), "mean"),
    "scatter_add_value": lambda L: L.tensor(X).scatter(0, L.tensor(IDX), 2.0, reduce="add"),
    "scatter_multiply_src": lambda L: L.tensor(X).scatter(0, L.tensor(IDX), L.tensor(SRC), reduce="multiply"),
    "scatter_int_times_float_value": lambda L: L.arange(4).scatter(0, L.tensor([1, 1]), -1.5, reduce="multiply"),
    "scatter_bad_reduce": lambda L: L.tensor(X).scatter(0, L.tensor(IDX), 2.0, reduce="mean"),
    "index_reduce_sum": lambda L: L.ones(2).index_reduce(0, L.tensor([0]), L.ones(1), "sum"),
    "index_reduce_out_of_range": lambda L: L.ones(2, 3).index_reduce(0, L.tensor([-1]), L.ones(1, 3), "prod"),
    "index_copy": lambda L: L.tensor(X).index_copy(1, L.tensor([3, 0]), L.tensor(X[:, :2] * 2)),
    "index_copy_dtype": lambda L: L.ones(2, 3).index_copy(0, L.tensor([1]), L.ones(1, 3, dtype=L.float64)),
    "index_copy_int_index": lambda L: L.ones(2, 3).index_copy(0, L.tensor([1], dtype=L.int32), L.ones(1, 3)),
    "index_copy_out_of_range": lambda L: L.ones(2, 3).index_copy(0, L.tensor([-1]), L.ones(1, 3)),
    "index_copy_count": lambda L: L.ones(2, 3).index_copy(0, L.tensor([1, 0]), L.ones(1, 3)),
    "index_copy_slices": lambda L: L.ones(2, 3).index_copy(0, L.tensor([1]), L.ones(1, 2)),
    "index_copy_empty_": lambda L: L.zeros(1, 4, 0, dtype=L.float16).index_copy_(1, L.tensor([0, 3]),
                                                                                L.zeros(1, 2, 0, dtype=L.float16)),
    "masked_scatter": lambda L: L.tensor(X).masked_scatter(L.tensor([True, False, True, True]), L.arange(20.)),
    "masked_scatter_broadcast_self": lambda L: L.ones(3).masked_scatter(L.ones(2, 3, dtype=L.bool), L.arange(6.)),
    "masked_scatter_short_source": lambda L: L.ones(3).masked_scatter(L.ones(3, dtype=L.bool), L.arange(2.)),
    "masked_scatter_long_mask": lambda L: L.ones(3).masked_scatter(L.ones(3, dtype=L.int64), L.arange(3.)),
    "masked_scatter_dtype": lambda L: L.ones(3).masked_scatter(L.ones(3, dtype=L.bool), L.arange(3)),
    "put_": lambda L: L.tensor(X).put_(L.tensor([0, 5, -1]), L.tensor([7., 8, 9])),
    "put_accumulate": lambda L: L.tensor(X).put_(L.tensor([0, 0]), L.tensor([7., 8]), accumulate=True),
    "put_out_of_range": lambda L: L.tensor(X).put_(L.tensor([12]), L.tensor([7.])),
    "put_count": lambda L: L.tensor(X).put_(L.tensor([1]), L.tensor([7., 8])),
    "put_dtype": lambda L: L.tensor(X).put_(L.tensor([1]), L.tensor([7.], dtype=L.float32)),
    "put_float_index": lambda L: L.tensor(X).put(L.tensor([1.]), L.tensor([7.])),
    "index_add_1d_out_of_range": lambda L: L.zeros(3).index_add(0, L.tensor([-1]), L.ones(1)),
    "index_add_middle_dim": lambda L: L.zeros(3, 3, 1).index_add(1, L.tensor([3]), L.ones(3, 1, 1)),
    "index_add_last_dim": lambda L: L.zeros(2, 3).index_add(1, L.tensor([3]), L.ones(2, 1)),
    "masked_fill_overflow": lambda L: L.ones(3, dtype=L.uint8).masked_fill(L.ones(3, dtype=L.bool), -1.5),
    "masked_fill_wrap": lambda L: L.ones(3, dtype=L.uint8).masked_fill(L.ones(3, dtype=L.bool), -1),
    "masked_fill_half_overflow": lambda L: L.ones(3, dtype=L.float16).masked_fill(L.ones(3, dtype=L.bool), 1e10),
    "index_fill_wrap": lambda L: L.ones(3, dtype=L.uint8).index_fill(0, L.tensor([0]), -1),
    "index_fill_overflow": lambda L: L.ones(3, dtype=L.int8).index_fill(0, L.tensor([0]), 300),
}


@pytest.mark.parametrize("name", SCATTER_CASES)
def test_scatter_family(name):
    check(SCATTER_CASES[name])


def test_scatter_family_grads():
    m = np.array([[True, False, True, True], [False, False, True, False], [True, True, False, False]])
    check(grads(lambda L, a, b: a.masked_scatter(L.tensor(m), b), X, np.arange(12.0)))
    check(grads(lambda L, a, b: a.index_copy(1, L.tensor([3, 0]), b), X, X[:, :2] * 2))
    check(grads(lambda L, a, b: a.put(L.tensor([3, -1, 5]), b), X, np.array([1.0, 2.0, 3.0])))
    check(grads(lambda L, a, b: a.put(L.tensor([3, 3, 5]), b, accumulate=True), X, np.array([1.0, 2.0, 3.0])))


def _with_out(make_out, op):
    """op(L, out) and out itself after the call (out= must be written and returned)."""
    return lambda L: (lambda o: [op(L, o), o])(make_out(L))


PRODUCT_CASES = {
    "meshgrid_xy": lambda L: list(L.meshgrid(L.arange(3.), L.arange(4.), indexing="xy")),
    "meshgrid_xy_3": lambda L: list(L.meshgrid(L.arange(3.), L.arange(4.), L.arange(2.), indexing="xy")),
    "tensor_split_negative": lambda L: L.arange(3).tensor_split((0, -1)),
    "tensor_split_beyond": lambda L: L.arange(5).tensor_split([-7, 2, 10]),
    "argmax_out_dtype": lambda L: L.argmax(L.ones(3), out=L.zeros(2, dtype=L.int16)),
    "argmax_out": _with_out(lambda L: L.zeros(2, dtype=L.int64), lambda L, o: L.argmax(L.arange(3.), out=o)),
    "dist_int": lambda L: L.dist(L.ones(2, dtype=L.int64), L.ones(2, dtype=L.int64)),
    "cat_out_resized": _with_out(lambda L: L.zeros(7), lambda L, o: L.cat([L.ones(2, dtype=L.int16)] * 2, out=o)),
    "stack_out_resized": _with_out(lambda L: L.zeros(0), lambda L, o: L.stack([L.ones(2, dtype=L.int16)] * 2, out=o)),
    "stack_out_float_to_int": lambda L: L.stack([L.ones(2)], out=L.zeros(1, dtype=L.int64)),
    "cat_out_to_bool": lambda L: L.cat([L.ones(2, dtype=L.uint8)], out=L.zeros(1, dtype=L.bool)),
    "mv_sizes": lambda L: L.mv(L.ones(2, 3), L.ones(2)),
    "mv_1d_matrix": lambda L: L.mv(L.ones(3), L.ones(3)),
    "mv_0d_matrix": lambda L: L.mv(L.ones(()), L.ones(3)),
    "mv_dtypes": lambda L: L.mv(L.ones(2, 3), L.ones(3, dtype=L.float64)),
    "mv_0d_vector": lambda L: L.mv(L.ones(2, 3), L.ones(())),
    "mv_out_dtype": lambda L: L.mv(L.ones(2, 3), L.ones(3), out=L.zeros(1, dtype=L.float64)),
    "mm_out_dtype": lambda L: L.mm(L.ones(2, 3), L.ones(3, 2), out=L.zeros(1, dtype=L.float64)),
    "mm_out": _with_out(lambda L: L.zeros(7), lambda L, o: L.mm(L.ones(2, 3), L.ones(3, 2), out=o)),
    "matmul_1d_out_dtype": lambda L: L.matmul(L.ones(3), L.ones(3), out=L.zeros(1, dtype=L.float64)),
    "matmul_3d_out": _with_out(lambda L: L.zeros(7), lambda L, o: L.matmul(L.ones(2, 2, 3), L.ones(3, 2), out=o)),
    "matmul_out_dtype": lambda L: L.matmul(L.ones(2, 2, 3), L.ones(3, 2), out=L.zeros(1, dtype=L.int64)),
    "dot_out_dtype": lambda L: L.dot(L.ones(3), L.ones(3), out=L.zeros(1, dtype=L.float64)),
    "inner_out_dtype": lambda L: L.inner(L.ones(3), L.ones(3), out=L.zeros(1, dtype=L.float64)),
    "inner_nd": lambda L: L.inner(L.arange(6.).reshape(2, 3), L.arange(12.).reshape(2, 2, 3)),
    "inner_0d": lambda L: L.inner(L.tensor(2.), L.arange(12.).reshape(2, 2, 3)),
    "inner_mismatch": lambda L: L.inner(L.ones(2, 3), L.ones(2)),
    "bmm_out_dtype": lambda L: L.bmm(L.ones(1, 2, 3), L.ones(1, 3, 2), out=L.zeros(1, dtype=L.float64)),
    "addmm_out_dtype": lambda L: L.addmm(L.ones(2, 2), L.ones(2, 3), L.ones(3, 2), out=L.zeros(1, dtype=L.float64)),
}
for _b1 in [(), (2,), (1, 2), (1, 2, 3)]:
    for _b2 in [(), (3,), (3, 2), (1, 3, 2), (1, 2, 2)]:
        PRODUCT_CASES[f"baddbmm_{len(_b1)}d_{len(_b2)}d_{_b2}"] = (
            lambda b1, b2: lambda L: L.baddbmm(L.ones(1), L.ones(b1), L.ones(b2)))(_b1, _b2)


@pytest.mark.parametrize("name", PRODUCT_CASES)
def test_products_and_out(name):
    check(PRODUCT_CASES[name])


def _ior(L):
    x = L.tensor([True, False])
    x |= L.tensor([False, True])
    y = L.tensor([1, 2])
    y &= 3
    z = L.tensor([5, 6])
    z ^= L.tensor(1)
    return [x, y, z]


def _ior_float(L):
    z = L.tensor([1.])
    z |= 1
    return z


def _ior_leaf(L):
    z = L.ones(2, requires_grad=True)
    z |= 1
    return z


CZ = [1 + 2j, 3 - 1j]
INPLACE_CASES = {
    "fmod_complex": lambda L: L.fmod(L.tensor(CZ), 2),
    "remainder_complex": lambda L: L.remainder(L.tensor(CZ), L.tensor(CZ)),
    "floor_divide_complex": lambda L: L.floor_divide(L.tensor(CZ), 2),
    "div_floor_complex": lambda L: L.div(L.tensor(CZ), 2, rounding_mode="floor"),
    "div_trunc_complex": lambda L: L.div(L.tensor(CZ), 2, rounding_mode="trunc"),
    "atan2_complex": lambda L: L.atan2(L.ones(2), L.tensor(CZ)),
    "mod_operator_complex": lambda L: L.tensor(CZ) % 2,
    "fill_complex_tensor_into_int": lambda L: L.ones(3, dtype=L.int8).fill_(L.tensor(-5 + 1j)),
    "fill_tensor_wraps": lambda L: L.ones(3, dtype=L.uint8).fill_(L.tensor(-5, dtype=L.int8)),
    "clamp_number_c_name": lambda L: L.ones(3, dtype=L.uint8).clamp_(0.5),
    "clamp_tensor_scalar_name": lambda L: L.ones(3, dtype=L.uint8).clamp_(L.tensor(0.5)),
    "clamp_min_tensor_name": lambda L: L.ones(3, dtype=L.uint8).clamp_min_(L.tensor(0.5)),
    "clamp_bool_name": lambda L: L.ones(3, dtype=L.bool).clamp_(L.tensor(1, dtype=L.int8)),
    "ior_iand_ixor": _ior,
    "ior_float": _ior_float,
    "ior_leaf_first": _ior_leaf,
    "bitwise_or_view_of_leaf": lambda L: L.ones(2, requires_grad=True)[...].bitwise_or_(L.ones(2)),
}


@pytest.mark.parametrize("name", INPLACE_CASES)
def test_inplace_and_kernels(name):
    check(INPLACE_CASES[name])


_C = [1j, 2]
COMPLEX_REFUSALS = {
    "max": lambda L: L.tensor(_C).max(), "min": lambda L: L.tensor(_C).min(),
    "amax": lambda L: L.tensor(_C).amax(), "amin": lambda L: L.tensor(_C).amin(0),
    "argmax": lambda L: L.tensor(_C).argmax(), "argmin_dim": lambda L: L.tensor(_C).argmin(0),
    "max_dim": lambda L: L.tensor(_C).max(0), "min_dim": lambda L: L.tensor(_C).min(0),
    "aminmax": lambda L: L.aminmax(L.tensor(_C)), "cummax": lambda L: L.tensor(_C).cummax(0),
    "cummin": lambda L: L.tensor(_C).cummin(0), "maximum": lambda L: L.maximum(L.tensor(_C), L.tensor(_C)),
    "minimum": lambda L: L.minimum(L.tensor(_C), L.ones(2)), "fmax": lambda L: L.fmax(L.tensor(_C), L.tensor(_C)),
    "fmin": lambda L: L.fmin(L.tensor(_C), L.tensor(_C)), "clamp": lambda L: L.tensor(_C).clamp(0),
    "clamp_tensor": lambda L: L.tensor(_C).clamp(L.tensor(0j)), "clamp_min": lambda L: L.tensor(_C).clamp_min(0),
    "clamp_max": lambda L: L.tensor(_C).clamp_max(0), "lt": lambda L: L.tensor(_C) < 1,
    "le": lambda L: L.tensor(_C) <= L.tensor(_C), "gt": lambda L: L.gt(L.tensor(_C), 1),
    "ge_method": lambda L: L.tensor(_C).ge(1), "ge_": lambda L: L.tensor(_C).ge_(1),
    "lt_reflected": lambda L: 1 < L.tensor(_C), "lt_real_vs_complex_scalar": lambda L: L.ones(2) < 1j,
    "searchsorted_bool": lambda L: L.searchsorted(L.tensor([True]), L.tensor([True])),
    "bucketize_bool": lambda L: L.bucketize(L.tensor([True]), L.tensor([True])),
    "searchsorted_complex": lambda L: L.searchsorted(L.tensor(_C), L.tensor(_C)),
    "median": lambda L: L.tensor(_C).median(), "mode": lambda L: L.tensor(_C).mode(),
    "kthvalue": lambda L: L.tensor(_C).kthvalue(1), "unique": lambda L: L.unique(L.tensor(_C)),
    "sign": lambda L: L.tensor(_C).sign(), "floor": lambda L: L.tensor(_C).floor(),
    "round": lambda L: L.tensor(_C).round(), "round_decimals": lambda L: L.tensor(_C).round(decimals=1),
    "trunc": lambda L: L.tensor(_C).trunc(), "frac": lambda L: L.tensor(_C).frac(),
    "ceil": lambda L: L.tensor(_C).ceil(), "erf": lambda L: L.tensor(_C).erf(), "erfc": lambda L: L.tensor(_C).erfc(),
    "copysign": lambda L: L.copysign(L.ones(2), L.tensor(_C)), "hypot": lambda L: L.hypot(L.tensor(_C), L.ones(2)),
    "xlogy": lambda L: L.xlogy(L.tensor(_C), L.tensor(_C)), "xlogy_number": lambda L: L.xlogy(L.tensor(_C), 2),
    "nextafter": lambda L: L.nextafter(L.tensor(_C), L.tensor(_C)),
    "nansum": lambda L: L.tensor(_C).nansum(), "nanmean": lambda L: L.tensor(_C).nanmean(),
}


@pytest.mark.parametrize("name", COMPLEX_REFUSALS)
def test_complex_refusals(name):
    check(COMPLEX_REFUSALS[name])


REDUCE_CASES = {
    "sum_dtype_int32": lambda L: [L.ones(3, dtype=L.int16).sum(0, dtype=L.int32), L.ones(3, dtype=L.int16).sum(dtype=L.int32)],
    "sum_dtype_uint8_of_complex": lambda L: L.tensor([1 + 2j, 3]).sum(dtype=L.uint8),
    "prod_dtype_int32": lambda L: L.arange(1, 5, dtype=L.uint8).prod(0, dtype=L.int32),
    "cumsum_dtype_int32": lambda L: L.ones(3, dtype=L.int16).cumsum(0, dtype=L.int32),
    "nansum_dtype_int": lambda L: [L.nansum(L.ones(3, dtype=L.int16), 0, dtype=L.int32), L.nansum(L.ones(2), dtype=L.int16)],
    "nansum_out_int": lambda L: L.nansum(L.ones(2, 2), 0, out=L.empty(0, dtype=L.int64)),
}


@pytest.mark.parametrize("name", REDUCE_CASES)
def test_reduce_dtypes(name):
    check(REDUCE_CASES[name])


@pytest.mark.parametrize("dt", ["bool", "uint8", "int8", "int64", "float16", "float32", "float64", "complex64"])
def test_isclose_dtypes(dt):
    rng = np.random.default_rng(0)
    for rtol, atol, equal_nan in [(0, 1, False), (1e-3, 1e-5, False), (0, 0, False), (1e-5, 1e-8, True), (0.5, 0, False)]:
        a = rng.standard_normal((3, 4)) * 3
        b = a + rng.standard_normal((3, 4)) * 0.01
        if dt == "bool":
            a, b = a > 0, b > 0.5
        elif dt.startswith(("int", "uint")):
            a, b = np.abs(a).astype(dt), np.abs(b * 1.2).astype(dt)
        else:
            a, b = a.astype(dt), b.astype(dt)
            a.flat[0] = b.flat[0] = np.nan
            b.flat[1] = np.inf
        check(lambda L: [L.isclose(L.tensor(a), L.tensor(b), rtol=rtol, atol=atol, equal_nan=equal_nan),
                         L.tensor(a).allclose(L.tensor(b), rtol, atol, equal_nan)])


_X3 = np.random.default_rng(0).integers(0, 2, (3, 2, 4))
SEARCH_CASES = {
    **{f"unique_dim{d}": (lambda d: lambda L: L.unique(L.tensor(_X3), dim=d, return_inverse=True))(d) for d in range(3)},
    **{f"unique_consecutive_dim{d}": (lambda d: lambda L: L.unique_consecutive(L.tensor(_X3), dim=d,
                                                                                return_counts=True))(d)
       for d in range(3)},
    "unique_dim_size1_stride": lambda L: L.unique(L.zeros(3, 2), dim=1),
    "unique_empty_selected": lambda L: L.unique(L.zeros(0, 2, 2), dim=0, return_inverse=True, return_counts=True),
    "unique_empty_other_dim": lambda L: L.unique(L.zeros(0, 2, 2), dim=1),
    "unique_consecutive_empty": lambda L: L.unique_consecutive(L.zeros(2, 0, 2), dim=1, return_counts=True),
    "unique_0dim_dim": lambda L: L.unique(L.tensor(1.), dim=0),
    "searchsorted_empty_boundaries": lambda L: L.searchsorted(L.zeros(1, 2, 0), L.ones(1, 2, 1)),
    "searchsorted_empty_values": lambda L: L.searchsorted(L.arange(6.).reshape(2, 3), L.ones(2, 0)),
    "searchsorted_empty_rows": lambda L: L.searchsorted(L.zeros(3, 0, 3), L.ones(3, 0, 1), right=True),
    "searchsorted_1d_empty": lambda L: L.searchsorted(L.zeros(0), L.ones(3)),
    "cartesian_prod": lambda L: L.cartesian_prod(L.arange(2), L.arange(3), L.arange(2)),
    "cartesian_prod_one": lambda L: L.cartesian_prod(L.ones(2)),
    "cartesian_prod_2d": lambda L: L.cartesian_prod(L.ones(2, 2)),
    "cartesian_prod_dtypes": lambda L: L.cartesian_prod(L.ones(2), L.ones(3, dtype=L.int64)),
    "tril_indices": lambda L: L.tril_indices(3, 4, 1), "triu_indices": lambda L: L.triu_indices(3, 4, -1),
    "tril_indices_negative_row": lambda L: L.tril_indices(-1, 2),
    "triu_indices_float": lambda L: L.triu_indices(3, 3, dtype=L.float32),
    "tril_indices_empty": lambda L: L.tril_indices(0, 3),
    "sort_out": _with_out(lambda L: (L.zeros(7), L.zeros(0, dtype=L.int64)),
                          lambda L, o: L.sort(L.tensor([[3., 1, 2], [0, 5, 4]]), 1, out=o)),
    "sort_out_values_dtype": lambda L: L.sort(L.ones(3, dtype=L.int64), out=(L.zeros(1, dtype=L.bool),
                                                                                L.zeros(1, dtype=L.int64))),
    "sort_out_indices_dtype": lambda L: L.sort(L.ones(3), out=(L.zeros(1), L.zeros(1, dtype=L.int32))),
    "msort_out": _with_out(lambda L: L.zeros(1), lambda L, o: L.msort(L.tensor([[3., 1], [0, 5]]), out=o)),
    "msort_out_dtype": lambda L: L.msort(L.tensor([[3., 1], [0, 5]]), out=L.zeros(1, dtype=L.int64)),
}
for _x in ("float32", "int64"):
    for _o in ("int32", "bool", "float64"):
        SEARCH_CASES[f"mean_out_{_x}_{_o}"] = (lambda x, o: _with_out(
            lambda L: L.zeros((), dtype=getattr(L, o)), lambda L, out: L.mean(L.ones(2, dtype=getattr(L, x)), out=out)))(_x, _o)
        SEARCH_CASES[f"mean_dim_out_{_x}_{_o}"] = (lambda x, o: _with_out(
            lambda L: L.zeros((), dtype=getattr(L, o)), lambda L, out: L.mean(L.ones(2, dtype=getattr(L, x)), 0, out=out)))(_x, _o)


@pytest.mark.parametrize("name", SEARCH_CASES)
def test_search_unique_out(name):
    check(SEARCH_CASES[name])


def test_std_of_constant_float32_keeps_torch_rounding():
    # torch's var/std divide a float32 sum first: 3 equal values can get a tiny nonzero std and grads
    v = np.array([3.11960847] * 3, dtype=np.float32)
    check(lambda L: [L.tensor(v).var(0), L.tensor(v).var(), L.var_mean(L.tensor(v))[0], L.std_mean(L.tensor(v), 0)[0]])
    check(grads(lambda L, x: x.float().std(0).double(), v.astype(np.float64)))


_A = np.random.default_rng(0).standard_normal((3, 4))
_A3 = np.random.default_rng(1).standard_normal((3, 2, 4))
_B3 = np.random.default_rng(2).standard_normal((2, 4, 3))
NEW_OPS = {
    "unfold": lambda L: L.ones(2, 4).unfold(1, 2, 1), "unfold_too_big": lambda L: L.ones(2, 4).unfold(1, 5, 1),
    "unfold_step0": lambda L: L.ones(2, 4).unfold(1, 2, 0), "unfold_negative": lambda L: L.ones(2, 4).unfold(1, -1, 1),
    "unfold_0dim": lambda L: [L.tensor(1.).unfold(0, 1, 1), L.tensor(1.).unfold(0, 0, 1)],
    "unfold_empty_windows": lambda L: L.ones(2, 4).unfold(0, 0, 2),
    "unfold_grad": grads(lambda L, x: x.unfold(1, 3, 2), _A),
    "unfold_grad_overlap": grads(lambda L, x: x.unfold(0, 2, 1), _A),
    "hsplit": lambda L: L.hsplit(L.ones(2, 4), 2), "hsplit_indivisible": lambda L: L.hsplit(L.ones(2, 4), 3),
    "hsplit_0dim": lambda L: L.hsplit(L.tensor(1.), 1), "hsplit_1d": lambda L: L.hsplit(L.ones(4), [1, 2]),
    "vsplit_1d": lambda L: L.vsplit(L.ones(4), 2), "dsplit_2d": lambda L: L.dsplit(L.ones(2, 4), 2),
    "vsplit_list": lambda L: L.vsplit(L.ones(2, 4), [1]), "vsplit_zero": lambda L: L.vsplit(L.ones(2, 4), 0),
    "dsplit_method": lambda L: L.ones(2, 2, 4).dsplit([1, 3]),
    "diag_embed_0dim": lambda L: L.diag_embed(L.ones(())),
    "diag_embed_same_dims": lambda L: L.diag_embed(L.ones(3), 1, 0, 0),
    "diag_embed": lambda L: L.diag_embed(L.arange(6.).reshape(2, 3), -1, 0, 2),
    "diag_embed_reversed": lambda L: L.diag_embed(L.arange(6.).reshape(2, 3), 2, 2, 0),
    "multi_dot_one": lambda L: L.linalg.multi_dot([L.ones(2, 3)]),
    "multi_dot_shapes": lambda L: L.linalg.multi_dot([L.ones(2, 3), L.ones(4, 5)]),
    "multi_dot_vectors_shapes": lambda L: L.linalg.multi_dot([L.ones(1), L.ones(2)]),
    "multi_dot_dtypes": lambda L: L.linalg.multi_dot([L.ones(2, 3), L.ones(3, 5, dtype=L.float64)]),
    "multi_dot_vv": lambda L: L.linalg.multi_dot([L.ones(3), L.ones(3)]),
    "multi_dot_middle_3d": lambda L: L.linalg.multi_dot([L.ones(3), L.ones(3, 2, 2), L.ones(2)]),
    "multi_dot_grad": grads(lambda L, x: L.linalg.multi_dot([x[0], x.t(), x]), _A),
    "matrix_norm_1d": lambda L: L.linalg.matrix_norm(L.ones(3)),
    "matrix_norm_int": lambda L: L.linalg.matrix_norm(L.ones(3, 3, dtype=L.int64)),
    "matrix_norm_ord3": lambda L: L.linalg.matrix_norm(L.ones(3, 3), 3),
    "matrix_norm_same_dims": lambda L: L.linalg.matrix_norm(L.ones(3, 3), dim=(0, 0)),
    "vector_norm_str": lambda L: L.linalg.vector_norm(L.ones(3, 3), "fro"),
    "vector_norm_grad": grads(lambda L, x: L.linalg.vector_norm(x, 3, (0, 1)), _A),
    "linalg_norm": grads(lambda L, x: [L.linalg.norm(x), L.linalg.norm(x, 1), L.linalg.norm(x[0], 1)][0], _A),
    "vecdot": grads(lambda L, x: L.linalg.vecdot(x, x), _A),
    "linalg_cross": grads(lambda L, x: L.linalg.cross(x[:, :3], x[:, 1:]), _A),
    "renorm": lambda L: L.tensor(_A3).float().renorm(3, 1, 2.),
    "renorm_inf": lambda L: L.tensor(_A3).renorm(float("inf"), -1, 1.),
    "renorm_": lambda L: L.tensor(_A3).clone().renorm_(1, 2, 2.),
    "renorm_grad": grads(lambda L, x: x.renorm(2, 0, 1.5), _A3),
    "renorm_p0": lambda L: L.ones(2, 3).renorm(0, 0, 1.), "renorm_maxnorm": lambda L: L.ones(2, 3).renorm(2, 0, -1.),
    "renorm_int": lambda L: L.ones(2, 3).long().renorm(2, 0, 1), "renorm_1d": lambda L: L.ones(3).renorm(2, 0, 1.),
    "swapaxes_0dim": lambda L: L.tensor(1.).swapaxes(0, -1), "transpose_0dim_bad": lambda L: L.tensor(1.).transpose(0, 1),
    "unbind_0dim_negative": lambda L: L.tensor(1).unbind(-1),
    "unflatten_negative_dim_message": lambda L: L.ones(3).unflatten(-1, (2, 2)),
    "trace_bool_1d": lambda L: L.trace(L.ones(1, dtype=L.bool)),
    "view_dtype_0dim": lambda L: L.ones(()).view(L.int32),
    "view_dtype_divisible": lambda L: L.ones(3, dtype=L.bool).view(L.int64),
    "view_dtype_stride": lambda L: L.ones(3, 2).t().view(L.int16),
    "view_dtype_wider": lambda L: L.ones(3, 4, dtype=L.int8).view(L.int32),
    "cross_0dim": lambda L: L.cross(L.tensor(1), L.tensor(2), dim=-1),
    "cdist_half": lambda L: L.cdist(L.ones(2, 3, dtype=L.float16), L.ones(2, 3, dtype=L.float16)),
    "tensordot_int_dims_message": lambda L: L.tensordot(L.ones(1, 1, 3, 3), L.ones(2, 3, 3, 2), 2),
    "tensordot_0dim": lambda L: L.tensordot(L.ones(()), L.ones(3), ([-1], [0])),
    "tensordot_size1_dims": lambda L: L.tensordot(L.ones(1, 1), L.ones(2, 1), 2),
}


@pytest.mark.parametrize("name", NEW_OPS)
def test_new_ops(name):
    check(NEW_OPS[name])


def test_grads_with_size1_and_transposed_layouts():
    # (grads compared without strides: torch's grad layouts for size-1 dims are its own)
    check(grads(lambda L, x: L.diag_embed(x, 1, -1, 0), _A), strides=False)
    check(grads(lambda L, a, b: L.tensordot(a, b, ([2], [1])), _A3[:, :1], _B3), strides=False)
    check(grads(lambda L, a, b: L.tensordot(a, b, 1), _B3, _A3.reshape(3, 8)[:, :1].reshape(3, 1)), strides=False)
    for o in ("fro", 1, -1, float("inf"), -float("inf")):
        for k in (True, False):
            check(grads(lambda L, x: L.linalg.matrix_norm(x, o, keepdim=k), _A))


def test_import_ember_linalg():
    import ember
    import ember.linalg
    from ember.linalg import vector_norm
    assert ember.linalg.vector_norm is vector_norm


def _write_through_real(L):
    x = L.tensor([1 + 2j, 3 - 1j])
    r = x.real
    r[0] = 5
    return [x, x.real, x.imag, x.imag.is_contiguous()]


PARTS_CASES = {
    "real_view_writes": _write_through_real,
    "real_of_real": lambda L: L.ones(2).real,
    "imag_of_real": lambda L: L.ones(2).imag,
    "clamp_complex_number_c_name": lambda L: L.ones(3, dtype=L.int16).clamp_(1 - 2j),
    "floor_divide_complex_into_int": lambda L: L.ones(3, dtype=L.int64).floor_divide_(1 - 2j),
    "add_complex_tensor_into_float": lambda L: L.ones(3).add_(L.tensor(1j)),
    "mul_complex_into_double": lambda L: L.ones(3, dtype=L.float64).mul_(1j),
    "add_complex_into_complex": lambda L: L.ones(3, dtype=L.complex64).add_(1j),
    "cummax_0dim_complex": lambda L: L.tensor(1 + 1j).cummax(0),
    "where_complex_real_cond": lambda L: L.where(L.tensor([1 + 1j, -1j]).real > 0, 1.0, 0.0),
}


@pytest.mark.parametrize("name", PARTS_CASES)
def test_complex_parts(name):
    check(PARTS_CASES[name])


_M = np.random.default_rng(3).standard_normal((3, 4))
MORE_CASES = {
    "addcmul_int_tensors_into_float": lambda L: L.ones(3).addcmul(L.ones(3, dtype=L.int32), L.ones(3, dtype=L.int32), value=2),
    "addcmul_int_input": lambda L: L.ones(3, dtype=L.int32).addcmul(L.ones(3), L.ones(3)),
    "addcmul_int_value_truncated": lambda L: L.ones(3, dtype=L.int32).addcmul(L.ones(3, dtype=L.int32) * 3,
                                                                             L.ones(3, dtype=L.int32), value=1.5),
    "addcdiv_ints": lambda L: L.ones(3).addcdiv(L.ones(3, dtype=L.int32), L.ones(3, dtype=L.int32)),
    "addcdiv_mixed": lambda L: L.ones(3).addcdiv(L.ones(3), L.ones(3, dtype=L.int32), value=2),
    "addcmul_broadcast": lambda L: L.ones(3).addcmul(L.ones(2, 3), L.ones(3)),
    "addcmul_inplace_shape": lambda L: L.ones(3).addcmul_(L.ones(2, 3), L.ones(3)),
    "addcmul_bool": lambda L: L.ones(3, dtype=L.bool).addcmul(L.ones(3, dtype=L.bool), L.ones(3, dtype=L.bool)),
    "addcdiv_": lambda L: L.ones(3).addcdiv_(L.arange(3.), L.arange(1., 4.), value=-0.5),
    "addcmul_int_": lambda L: L.ones(3, dtype=L.int64).addcmul_(L.ones(3, dtype=L.int8), L.ones(3, dtype=L.int8), value=7),
    "addcmul_out": _with_out(lambda L: L.zeros(1), lambda L, o: L.addcmul(L.ones(3), L.ones(3), L.ones(3), out=o)),
    "addcmul_grad": grads(lambda L, x: L.addcmul(x, x, x.t().t(), value=0.5), _M),
    "addcdiv_grad": grads(lambda L, x: L.addcdiv(x[0], x, x.exp(), value=-2), _M),
    "inplace_shape_before_kernel": lambda L: L.ones(4, dtype=L.int32).remainder_(L.zeros(4, 1, dtype=L.int8)),
    "inplace_shape_before_cast": lambda L: L.ones((), dtype=L.int64).mul_(L.ones(1, 2, 4, dtype=L.float16)),
    "logical_and_shape_first": lambda L: L.ones(1, dtype=L.uint8).logical_and_(L.ones(3, dtype=L.complex64)),
    "logical_and_complex_ok": lambda L: L.ones((), dtype=L.int64).logical_and_(L.ones((), dtype=L.complex64)),
    "overlap_before_cast": lambda L: L.ones(1, 1, 2, dtype=L.int64).expand(2, 1, 2).bitwise_and_(1 - 2j),
    "overlap_before_shape": lambda L: L.ones(4, dtype=L.int16).expand(2, 4).hypot_(L.ones(2, 4, 2, dtype=L.int64)),
    "leaf_before_shape": lambda L: L.ones(4, requires_grad=True).add_(L.ones(2, 4)),
    "add_alpha_mixed": lambda L: L.ones(4).add_(L.ones(4, dtype=L.float64), alpha=2),
    "masked_fill_tensor_overflow": lambda L: L.ones(2, dtype=L.uint8).masked_fill(L.ones(2, dtype=L.bool), L.tensor(300)),
    "masked_fill_complex_tensor": lambda L: L.ones(3).masked_fill_(L.ones(3, dtype=L.bool), L.tensor(1 + 1j)),
    "index_fill_complex_tensor": lambda L: L.ones(2, dtype=L.uint8).index_fill(0, L.tensor([0]), L.tensor(1 + 0j)),
    "index_fill_tensor_wrap": lambda L: L.ones(2, dtype=L.uint8).index_fill(0, L.tensor([0]), L.tensor(-1)),
    "flip_0dim": lambda L: [L.tensor(1.).flip(0), L.tensor(1.).flip(-1)],
    "flip_0dim_bad": lambda L: L.tensor(1.).flip(1),
    "cdist_half_empty": lambda L: L.cdist(L.ones(0, 3, dtype=L.float16), L.ones(2, 3, dtype=L.float16)),
    "searchsorted_bool_no_values": lambda L: L.searchsorted(L.tensor([[True, False]] * 4), L.ones(4, 0, dtype=L.bool)),
    "scatter_reduce_complex_empty": lambda L: L.zeros(2, 2, 0, dtype=L.complex64).scatter_reduce(
        1, L.zeros(1, 1, 0, dtype=L.int64), L.zeros(1, 1, 0, dtype=L.complex64), "amax", include_self=False),
}


@pytest.mark.parametrize("name", MORE_CASES)
def test_more_cases(name):
    check(MORE_CASES[name])


LAST_CASES = {
    "cumsum_out_bool": lambda L: L.cumsum(L.ones(2), 0, out=L.zeros(0, dtype=L.bool)),
    "cumprod_out_bool": lambda L: L.cumprod(L.ones(2), 0, out=L.zeros(0, dtype=L.bool)),
    "cumsum_dtype_bool": lambda L: L.cumsum(L.ones(2), 0, dtype=L.bool),
    "cumsum_of_bool": lambda L: L.cumsum(L.ones(2, dtype=L.bool), 0),
    "out_overlapping": lambda L: L.maximum(L.ones(1, 3, 1, dtype=L.uint8).expand(1, 3, 4), L.tensor(2, dtype=L.uint8),
                                           out=L.ones(1, 3, 1, dtype=L.uint8).expand(1, 3, 4)),
    "index_reduce_bool_empty_index": lambda L: L.ones(4, 1, 4, dtype=L.bool).index_reduce(
        0, L.tensor([], dtype=L.int64), L.ones(0, 1, 4, dtype=L.bool), "mean"),
    "scatter_reduce_complex_empty_index": lambda L: L.ones(2, 3, dtype=L.complex64).scatter_reduce(
        0, L.zeros(0, 3, dtype=L.int64), L.ones(0, 3, dtype=L.complex64), "amin", include_self=False),
    "lerp_complex_end_into_int": lambda L: L.ones(2, dtype=L.int32).lerp_(L.tensor([1j, 2]), 0.5),
}


@pytest.mark.parametrize("name", LAST_CASES)
def test_last_cases(name):
    check(LAST_CASES[name])


FINAL_CASES = {
    "pow_shape_first": lambda L: L.ones((), dtype=L.uint8).pow_(L.ones(1, 3, 1)),
    "copy_broadcast_message": lambda L: L.ones(0, 2).copy_(L.ones(3, 2, 3, dtype=L.int32)),
    "copy_into_0dim": lambda L: L.ones(()).copy_(L.ones(3, dtype=L.float16)),
    "fill_leaf_first": lambda L: L.ones(0, 1, requires_grad=True).fill_(1 - 2j),
    "cumsum_to_half": lambda L: (L.arange(40.) * 1.37).cumsum(0, dtype=L.float16),
    "cumsum_half": lambda L: (L.arange(40., dtype=L.float16) * 1.37).cumsum(0),
    "aminmax_complex_dim": lambda L: [L.aminmax(L.tensor(1j), dim=0)],
    "aminmax_complex_1d_dim": lambda L: L.aminmax(L.tensor([1j]), dim=-1),
    "inner_empty": lambda L: L.inner(L.ones(3, 2, 2, 0), L.ones(0)),
    "tensordot_empty": lambda L: L.tensordot(L.ones(2, 0), L.ones(0, 3), 1),
    "addmm_int_scalars": lambda L: L.addmm(L.full((2, 2), 3), L.ones(2, 2, dtype=L.int64), L.ones(2, 2, dtype=L.int64),
                                           beta=0.5, alpha=2),
    "baddbmm_int_scalars": lambda L: L.baddbmm(L.full((1, 2, 2), 3), L.ones(1, 2, 2, dtype=L.int64),
                                               L.ones(1, 2, 2, dtype=L.int64), beta=1.5, alpha=1.5),
}
for _o in ("fro", 1, -1, float("inf"), -float("inf")):
    for _s in [(3, 0, 3), (0, 3), (3, 0)]:
        FINAL_CASES[f"matrix_norm_empty_{_o}_{_s}"] = (lambda o, s: lambda L: L.linalg.matrix_norm(L.ones(s), o))(_o, _s)
    FINAL_CASES[f"matrix_norm_dims_{_o}"] = (lambda o: grads(
        lambda L, x: L.linalg.matrix_norm(x, o, (2, 0), True), _A3))(_o)


@pytest.mark.parametrize("name", FINAL_CASES)
def test_final_cases(name):
    check(FINAL_CASES[name])


ORDER_CASES = {
    "sub_bool_before_overlap": lambda L: L.ones(4, 1, 2).expand(4, 4, 2).sub_(L.tensor(True)),
    "sub_bool_before_cast": lambda L: L.ones(1, 3, dtype=L.bool).sub_(L.ones(1, 3, dtype=L.complex64)),
    "sub_bool_0dim_other": lambda L: L.ones(4, dtype=L.bool).sub_(L.tensor(1, dtype=L.int8)),
    "fmod_bool_by_number_cast_first": lambda L: L.ones(2, 3, dtype=L.bool).fmod_(0),
    "int_inplace_numbers": lambda L: [L.ones(2, dtype=L.int32).add_(1), L.ones(2, dtype=L.int32).pow_(2)],
    "int_mul_float_number": lambda L: L.ones(2, dtype=L.int32).mul_(2.5),
    "int_div_number": lambda L: L.ones(2, dtype=L.int32).div_(2),
    "int_pow_negative": lambda L: L.ones(2, dtype=L.int32).pow_(-1),
    "bool_add_true": lambda L: L.ones(2, dtype=L.bool).add_(True),
    "copy_view_of_leaf_first": lambda L: L.ones((), requires_grad=True)[...].copy_(L.ones(1, 1, 4, dtype=L.float64)),
    "copy_leaf_first": lambda L: L.ones(1, 3, 1, dtype=L.float16, requires_grad=True).copy_(L.ones(4, 1, 2, dtype=L.bool)),
    "split_sizes_message_dim": lambda L: L.ones(4, 4, dtype=L.int32).split([1, 2], -1),
    "cumsum_0dim_into_bool": lambda L: L.cumsum(L.tensor(3, dtype=L.int8), -1, out=L.zeros((), dtype=L.bool)),
    "matmul_fold_sizes_before_dtypes": lambda L: L.matmul(L.ones(2, 2, 1, dtype=L.float16), L.ones(2, dtype=L.int64)),
    "inner_1d_mismatch": lambda L: L.inner(L.ones(2, dtype=L.int64), L.ones(1, dtype=L.int64)),
    "scatter_reduce_bool_mean": lambda L: L.ones(4, 3, 1, dtype=L.bool).scatter_reduce(
        2, L.zeros(4, 3, 1, dtype=L.int64), L.ones(4, 3, 1, dtype=L.bool), "mean", include_self=False),
    "addcmul_half_factors_in_double": lambda L: L.tensor(1.5, dtype=L.float64).addcmul_(
        L.tensor(1.3, dtype=L.float16), L.tensor(-2.1, dtype=L.float16)),
}


@pytest.mark.parametrize("name", ORDER_CASES)
def test_check_order(name):
    check(ORDER_CASES[name])


TAIL_CASES = {
    "sum_bool_dtype_needs_grad": lambda L: L.ones(2, requires_grad=True, dtype=L.float64).sum(-1, dtype=L.bool),
    "sum_uint8_dtype_needs_grad": lambda L: L.ones(2, requires_grad=True).sum(dtype=L.uint8),
    "prod_long_dtype_needs_grad": lambda L: L.ones(2, requires_grad=True).prod(dtype=L.int64),
    "cumprod_long_dtype_needs_grad": lambda L: L.ones(2, requires_grad=True).cumprod(0, dtype=L.int64),
    "sum_float_dtype_with_grad": lambda L: L.ones(2, requires_grad=True).sum(dtype=L.float64),
    "cat_only_legacy_empty": lambda L: [L.cat([L.ones(0, dtype=L.float64)], -2), L.cat([L.ones(0), L.ones(0, dtype=L.int64)], 3)],
    "scatter_reduce_bool_mean_kernel": lambda L: L.ones(4, dtype=L.bool).scatter_reduce(0, L.tensor([3, 0]),
                                                                                        L.ones(2, dtype=L.bool), "mean"),
    "scatter_reduce_bool_mean_nothing": lambda L: L.ones(4, dtype=L.bool).scatter_reduce(
        0, L.zeros(0, dtype=L.int64), L.ones(0, dtype=L.bool), "mean"),
    "index_copy_empty_source_unchecked": lambda L: L.zeros(2, 1, 0, dtype=L.int16).index_copy_(
        0, L.tensor([-2, -1, -2, 0]), L.zeros(4, 1, 0, dtype=L.int16)),
}


@pytest.mark.parametrize("name", TAIL_CASES)
def test_tail_cases(name):
    check(TAIL_CASES[name])


LATE_CASES = {
    "clamp_complex_bound_float": lambda L: L.ones(3, 1, 4).clamp_(1 - 2j),
    "clamp_complex_bound_int": lambda L: L.ones(3, dtype=L.int16).clamp_(1 - 2j),
    "clamp_real_complex_bound": lambda L: [L.ones(3).clamp_(1.5 + 0j), L.ones(3).clamp(1.5 + 0j)],
    "clamp_max_complex_bound": lambda L: L.ones(3).clamp(max=1 - 2j),
    "eq_half_complex_tensor": lambda L: L.eq(L.ones(2, 2, 1, dtype=L.float16), L.tensor(1 - 2j, dtype=L.complex128)),
    "eq_half_complex_number": lambda L: [L.ones(4, dtype=L.float16) == (1 - 2j), (1 - 2j) == L.ones(4, dtype=L.float16)],
    "ne_complex_half": lambda L: L.ne(L.tensor(1j), L.ones(3, dtype=L.float16)),
    "vector_norm_empty_dim_as_written": lambda L: L.linalg.vector_norm(L.ones(3, 0), float("inf"), (0, -1), True),
    "norm_empty_before_dtype": lambda L: L.norm(L.ones(1, 0, dtype=L.complex64), float("inf"), (0, -1), dtype=L.float64),
    "norm_empty_negative_dim": lambda L: L.norm(L.ones(1, 0), float("-inf"), -1),
    "norm_empty_all": lambda L: L.norm(L.ones(2, 0), float("inf")),
}


@pytest.mark.parametrize("name", LATE_CASES)
def test_late_cases(name):
    check(LATE_CASES[name])


def test_inplace_shape_before_cast_and_inner_dtypes():
    check(lambda L: L.ones(2, 1, dtype=L.int8).addcmul_(L.ones(2, 3), L.ones(2, 3, dtype=L.float64), value=0))
    check(lambda L: L.ones((), dtype=L.int32).addcmul_(L.ones(1, 3), L.ones(1, 3)))
    check(lambda L: L.inner(L.ones(3, dtype=L.int64), L.ones(3, dtype=L.float64)))
    check(lambda L: L.inner(L.ones(2, 3, dtype=L.int64), L.ones(3, dtype=L.float64)))


def test_inner_shape_before_dtype_and_empty_index_fill():
    check(lambda L: L.inner(L.ones(2, 0, 3), L.ones(2, 2, 2, 1, dtype=L.int64)))
    check(lambda L: L.zeros(3, 0, 4, dtype=L.int64).index_fill_(-1, L.tensor([4, 0, 2]), 0))
    check(lambda L: L.zeros(3, 1, 4).index_fill_(-1, L.tensor([4]), 0))


def test_cdist_without_coordinates():
    for p in (0, 1, 2, float("inf")):
        check(lambda L: L.cdist(L.ones(2, 3, 0), L.ones(2, 2, 0), p=p))
