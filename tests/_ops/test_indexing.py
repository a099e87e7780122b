"""Indexing vs torch: __getitem__/__setitem__ with every index kind, gather/scatter/masked ops, grads, views."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
from _compare import check_error, check_op

_rng = np.random.default_rng(2)


def r(*shape, dtype=np.float64):
    return _rng.standard_normal(shape).astype(dtype)


def nc(*shape, dtype=np.float64):
    return np.ascontiguousarray(r(*shape[::-1], dtype=dtype)).T


def L(lib, data, dtype="int64"):
    """An index tensor in lib."""
    return lib.tensor(data, dtype=getattr(lib, dtype))


# __getitem__: index builders take lib so tensor indices are made in the right library
GET = {
    "int": lambda lib: 1,
    "neg_int": lambda lib: -1,
    "int_int": lambda lib: (1, -2),
    "slice": lambda lib: slice(1, None),
    "slice_step": lambda lib: slice(None, None, 2),
    "slice_neg": lambda lib: slice(-2, None),
    "slice_full": lambda lib: slice(None),
    "slice_over": lambda lib: slice(1, 10),
    "slice_empty": lambda lib: slice(2, 1),
    "slice2": lambda lib: (slice(None), slice(1, 3)),
    "slice_step2": lambda lib: (slice(None, None, 2), slice(1, None, 3)),
    "none": lambda lib: None,
    "none_mid": lambda lib: (slice(None), None),
    "ellipsis": lambda lib: Ellipsis,
    "ellipsis_int": lambda lib: (Ellipsis, 0),
    "ellipsis_none_int": lambda lib: (Ellipsis, None, 0),
    "int_slice": lambda lib: (0, slice(1, None)),
    "list": lambda lib: [0, 2],
    "list_rep": lambda lib: [0, 0, 2, 0],
    "list_neg": lambda lib: [-1, 0],
    "cols_list": lambda lib: (slice(None), [0, 2]),
    "two_lists": lambda lib: ([0, 1], [1, 2]),
    "two_lists_bcast": lambda lib: ([[0], [1]], [1, 2]),
    "tensor_1d": lambda lib: L(lib, [2, 0, 2]),
    "tensor_2d": lambda lib: L(lib, [[0, 1], [2, 2]]),
    "tensor_int32": lambda lib: L(lib, [1, 0], "int32"),
    "tensor_0d": lambda lib: L(lib, 1),
    "tensor_cols": lambda lib: (slice(None), L(lib, [3, 1])),
    "int_adv": lambda lib: (L(lib, [0, 2]), 1),
    "mask_rows": lambda lib: L(lib, [True, False, True], "bool"),
    "mask_full": lambda lib: None,  # replaced below: x > 0
    "mask_cols": lambda lib: (slice(None), L(lib, [True, False, True, False], "bool")),
    "mask_0d_true": lambda lib: L(lib, True, "bool"),
    "mask_0d_false": lambda lib: L(lib, False, "bool"),
    "py_bool": lambda lib: True,
    "mask_and_list": lambda lib: (L(lib, [True, False, True], "bool"), [1, 2]),
    "ellipsis_list": lambda lib: (Ellipsis, [0, 1]),
    "none_list": lambda lib: (None, [0, 1]),
    "empty_list": lambda lib: [],
    "empty_tensor_idx": lambda lib: L(lib, [], "int64"),
}


def _get(name):
    if name == "mask_full":
        return lambda lib, x: x[x > 0]
    return lambda lib, x: x[GET[name](lib)]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", list(GET))
def test_getitem(name, dtype):
    check_op(_get(name), [r(3, 4, dtype=dtype)])


@pytest.mark.parametrize("name", ["int", "slice_step", "list_rep", "tensor_2d", "mask_full", "ellipsis_none_int", "two_lists"])
def test_getitem_noncontiguous(name):
    check_op(_get(name), [nc(3, 4)])


@pytest.mark.parametrize("name", ["slice", "empty_list", "ellipsis", "none", "mask_rows"])
def test_getitem_empty(name):
    check_op(lambda lib, x: x[:0][GET[name](lib)] if name != "mask_rows" else x[:0][L(lib, [], "bool")], [r(3, 4)])


def test_getitem_3d_mixed():
    check_op(lambda lib, x: x[1, ..., None, [0, 2]], [r(2, 3, 4)])
    check_op(lambda lib, x: x[:, [0, 1], 1:, None], [r(2, 3, 4)])
    check_op(lambda lib, x: x[[0, 1], :, [2, 3]], [r(2, 3, 4)])
    check_op(lambda lib, x: x[x.sum(-1) > 0], [r(2, 3, 4)])
    check_op(lambda lib, x: x[0][1][2], [r(2, 3, 4)])
    check_op(lambda lib, x: x[L(lib, [0, 1]), :, L(lib, [1, 0])], [r(2, 3, 4)])
    check_op(lambda lib, x: x[0, :, [1, 0]], [r(2, 3, 4)])
    check_op(lambda lib, x: x[..., ...], [r(2, 3)])


def test_getitem_int_tensor_input():
    check_op(lambda lib, x: x[[1, 1, 0]], [np.arange(12).reshape(3, 4)])
    check_op(lambda lib, x: x[x > 4], [np.arange(12).reshape(3, 4)])


GET_ERRORS = {
    "out_of_range": lambda lib: lib.zeros(3)[5],
    "out_of_range_neg": lambda lib: lib.zeros(3, 2)[:, -3],
    "list_out_of_range": lambda lib: lib.zeros(3)[[0, 5]],
    "tensor_out_of_range": lambda lib: lib.zeros(3, 2)[lib.tensor([0, 3])],
    "too_many": lambda lib: lib.zeros(3, 2)[0, 0, 0],
    "too_many_0d": lambda lib: lib.tensor(1.0)[0],
    "empty_dim_list": lambda lib: lib.zeros(0, 4)[[0, 2]],
    "float_index": lambda lib: lib.zeros(3)[lib.tensor([0.0])],
    "mask_shape": lambda lib: lib.zeros(3, 2)[lib.tensor([True, False])],
    "neg_step": lambda lib: lib.zeros(3)[::-1],
    "adv_broadcast": lambda lib: lib.zeros(3, 3)[[0, 1], [0, 1, 2]],
}


@pytest.mark.parametrize("name", list(GET_ERRORS))
def test_getitem_error(name):
    check_error(GET_ERRORS[name])


GET_NAMES = {
    "int": lambda x: x[0], "slice": lambda x: x[1:], "slice_full": lambda x: x[:], "none": lambda x: x[None],
    "ellipsis": lambda x: x[...], "int_slice": lambda x: x[0, 1:], "list": lambda x: x[[0, 1]],
    "mask": lambda x: x[x > 0], "cols": lambda x: x[:, [0, 2]], "ell_none_int": lambda x: x[..., None, 0],
    "slice_cols_full": lambda x: x[:, :],
}


@pytest.mark.parametrize("name", list(GET_NAMES))
def test_getitem_grad_fn(name):
    arr = r(3, 4)
    t = GET_NAMES[name](torch.from_numpy(arr.copy()).requires_grad_())
    e = GET_NAMES[name](ember.from_numpy(arr.copy()).requires_grad_())
    assert e.grad_fn.name() == t.grad_fn.name()
    assert (e._base is not None) == (t._base is not None)


@pytest.mark.parametrize("name", ["int", "slice", "slice_full", "none", "ellipsis", "int_slice", "ell_none_int",
                                  "list", "mask", "cols"])
def test_getitem_view_semantics(name):
    """Basic indexing returns views (writes reach the base); advanced indexing copies."""
    out = []
    for lib in (torch, ember):
        x = lib.from_numpy(np.arange(12.0).reshape(3, 4) + 1)
        v = GET_NAMES[name](x)
        v.fill_(-1) if v.dim() or True else None
        out.append(x.numpy().copy())
    np.testing.assert_array_equal(out[1], out[0])


# __setitem__ ---------------------------------------------------------------------

SET = {
    "int_scalar": (lambda lib: 1, 5.0),
    "neg_int": (lambda lib: -1, 2),
    "slice_scalar": (lambda lib: slice(1, None), -1.0),
    "slice_step_tensor": (lambda lib: (slice(None), slice(None, None, 2)), "t:3,2"),
    "row_bcast": (lambda lib: slice(None), "t:4"),
    "col_bcast": (lambda lib: (slice(None), slice(0, 2)), "t:3,1"),
    "none": (lambda lib: (None, 0), "t:4"),
    "ellipsis": (lambda lib: Ellipsis, 0.5),
    "ellipsis_int": (lambda lib: (Ellipsis, 1), "t:3"),
    "list": (lambda lib: [0, 2], "t:2,4"),
    "list_rep": (lambda lib: [0, 0], 1.0),
    "two_lists": (lambda lib: ([0, 1], [1, 3]), "t:2"),
    "tensor_idx": (lambda lib: L(lib, [2, 1]), "t:4"),
    "tensor_2d_idx": (lambda lib: (slice(None), L(lib, [[0], [3]])), 9.0),
    "mask_scalar": (lambda lib: "mask", 0.0),
    "mask_rows": (lambda lib: L(lib, [True, False, True], "bool"), "t:4"),
    "mask_values": (lambda lib: "mask", "t:mask"),
    "mask_0d": (lambda lib: L(lib, True, "bool"), 1.5),
    "int_tensor_0d_value": (lambda lib: 0, "t:"),
    "cols_list": (lambda lib: (slice(None), [1, 2]), "t:3,2"),
}


def _value(lib, spec, x):
    if not isinstance(spec, str):
        return spec
    if spec == "t:mask":
        n = int((x > 0).sum())
        return lib.from_numpy(np.arange(n, dtype=np.float64) * 10).to(x.dtype)
    shape = tuple(int(s) for s in spec[2:].split(",")) if spec[2:] else ()
    return lib.from_numpy(np.asarray(np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape) + 100.0)).to(x.dtype)


def _index(lib, name, x):
    idx = SET[name][0](lib)
    return x > 0 if isinstance(idx, str) else idx


@pytest.mark.parametrize("name", list(SET))
def test_setitem_plain(name):
    """No autograd: in-place write, same values as torch, the version counter moves."""
    arr = r(3, 4)
    out = []
    for lib in (torch, ember):
        x = lib.from_numpy(arr.copy())
        x[_index(lib, name, x)] = _value(lib, SET[name][1], x)
        out.append((x.numpy().copy(), x._version))
    np.testing.assert_array_equal(out[1][0], out[0][0])
    assert out[1][1] == out[0][1]


# when the index selects all of x, torch writes x itself with copy_/fill_; those nodes live in ember/_tensor.py
def _set_params():
    # a value that needs a grad only exists for tensor values (a Python scalar has none)
    return [pytest.param(name, vg, id=f"{name}-{vg}") for name in SET for vg in (False, True)
            if not vg or isinstance(SET[name][1], str)]


@pytest.mark.parametrize("name,value_grad", _set_params())
def test_setitem_autograd(name, value_grad):
    """x = a * 1 (non-leaf); x[idx] = v; grads of a (and v) match, grad_fn name too."""
    spec = SET[name][1]

    def fn(lib, a, *vs):
        x = a * 1
        v = vs[0] if vs else _value(lib, spec, x)
        x[_index(lib, name, x)] = v
        return x

    arr = r(3, 4)
    if value_grad:
        t = torch.from_numpy(arr.copy())
        v = np.array(_value(torch, spec, t).numpy())
        check_op(fn, [arr, v])
    else:
        check_op(fn, [arr])


def test_setitem_int_dtype_value_cast():
    check_op(lambda lib, a: _set(a * 1, 0, lib.tensor([1, 2, 3, 4])), [r(3, 4)])
    check_op(lambda lib, a: _set(a * 1, [0], 7), [r(3, 4, dtype=np.float32)])


def _set(x, idx, v):
    x[idx] = v
    return x


def test_setitem_view_of_nonleaf():
    """Writing into a view of a non-leaf (x[0][1:] = v) goes through CopySlices on the base."""
    def fn(lib, a, v):
        x = a * 2
        row = x[0]
        row[1:] = v
        return x
    check_op(fn, [r(3, 4), r(3)])


SET_ERRORS = {
    "leaf_requires_grad": lambda lib: _set(lib.zeros(3, requires_grad=True), 0, 1.0),
    "shape_mismatch": lambda lib: _set(lib.zeros(3, 4), slice(None), lib.ones(3)),
    "shape_mismatch_adv": lambda lib: _set(lib.zeros(3, 4), [0, 1], lib.ones(3, 4)),
    "out_of_range": lambda lib: _set(lib.zeros(3), 5, 1.0),
    "list_out_of_range": lambda lib: _set(lib.zeros(3), [0, 3], 1.0),
    "too_many": lambda lib: _set(lib.zeros(3), (0, 0), 1.0),
    "mask_count": lambda lib: _set(lib.zeros(3), lib.tensor([True, False, True]), lib.ones(3)),
}


@pytest.mark.parametrize("name", list(SET_ERRORS))
def test_setitem_error(name):
    check_error(SET_ERRORS[name])


@pytest.mark.parametrize("name,idx", [("basic", 0), ("slice", slice(1, None)), ("adv", [0, 1]), ("mask", "mask")])
def test_setitem_grad_fn_name(name, idx):
    names = []
    for lib in (torch, ember):
        x = lib.from_numpy(r(3, 4)).requires_grad_() * 1
        x[x > 0 if idx == "mask" else idx] = 0.0
        names.append(x.grad_fn.name())
    assert names[1] == names[0]


# gather / scatter / masked ops ----------------------------------------------------

IDX = np.array([[0, 2, 1, 0], [2, 2, 0, 1]])
IDX1 = np.array([[1, 0], [0, 0], [2, 1]])

OPS = {
    "gather0": (lambda lib, x, i: lib.gather(x, 0, i), [r(3, 4), IDX]),
    "gather1": (lambda lib, x, i: x.gather(1, i), [r(3, 4), IDX1]),
    "gather_i32": (lambda lib, x, i: x.gather(1, i), [r(3, 4), IDX1.astype(np.int32)]),
    "gather_neg": (lambda lib, x, i: x.gather(-1, i), [r(3, 4, dtype=np.float32), IDX1]),
    "scatter": (lambda lib, x, i, s: x.scatter(1, i, s), [r(3, 4), np.array([[1, 0], [3, 2], [2, 1]]), r(3, 2)]),
    # src larger than index: torch's own ScatterBackward0 returns a wrongly shaped src grad, so src needs no grad
    "scatter_big_src": (lambda lib, x, i, s: lib.scatter(x, 0, i, s), [r(3, 4), np.array([[0, 1, 2, 0]]), (r(2, 5), False)]),
    "scatter_value": (lambda lib, x, i: x.scatter(1, i, 2.5), [r(3, 4), np.array([[1, 0], [3, 2], [2, 1]])]),
    "scatter_value_kw": (lambda lib, x, i: lib.scatter(x, 0, i, value=-1.0), [r(3, 4), np.array([[0, 1, 2, 0]])]),
    "scatter_add": (lambda lib, x, i, s: x.scatter_add(0, i, s), [r(3, 4), IDX, r(2, 4)]),
    "scatter_add_dup": (lambda lib, x, i, s: lib.scatter_add(x, 1, i, s), [r(3, 4), IDX1, r(3, 2)]),
    # index shorter than input on the non-gathered dims: torch reads input's leading block only
    "gather_short_index": (lambda lib, x, i: x.gather(1, i), [r(3, 4), np.array([[3, 0]])]),
    "gather_short_index0": (lambda lib, x, i: x.gather(0, i), [r(3, 4), np.array([[2], [0], [1], [1]])]),
    "gather_empty_index": (lambda lib, x, i: x.gather(1, i), [r(3, 4), np.zeros((5, 0), np.int64)]),
    "gather_empty_index_ndim": (lambda lib, x, i: x.gather(1, i), [r(3, 4), np.zeros((4, 0, 3), np.int64)]),
    "gather_empty_input": (lambda lib, x, i: x.gather(-1, i), [r(4, 0, 1), np.zeros((2, 0, 1), np.int64)]),
    "gather_0d_input": (lambda lib, x, i: x.gather(0, i), [r(), np.array([0, 0])]),
    "scatter_short_index": (lambda lib, x, i, s: x.scatter(1, i, s), [r(3, 4), np.array([[3, 0], [1, 2]]), (r(2, 3), False)]),
    "scatter_short_index_grad": (lambda lib, x, i, s: x.scatter(1, i, s), [r(3, 4), np.array([[3, 0], [1, 2]]), r(2, 2)]),
    "scatter_i32_index": (lambda lib, x, i, s: x.scatter(1, i, s), [r(3, 4), np.array([[1, 0]], np.int32), r(1, 2)]),
    "scatter_empty_index": (lambda lib, x, i: x.scatter(1, i, 1.0), [r(3, 4), np.zeros((5, 0), np.int64)]),
    "scatter_add_short_index": (lambda lib, x, i, s: x.scatter_add(0, i, s), [r(3, 4), np.array([[2, 2]]), (r(2, 3), False)]),
    "scatter_add_short_index_grad": (lambda lib, x, i, s: x.scatter_add(0, i, s), [r(3, 4), np.array([[2, 2]]), r(1, 2)]),
    "scatter_add_i32_index": (lambda lib, x, i, s: x.scatter_add(1, i, s), [r(3, 4), np.array([[1, 1]], np.int32),
                                                                           r(1, 2)]),
    "index_select": (lambda lib, x, i: x.index_select(0, i), [r(3, 4), np.array([2, 0, 2])]),
    "index_select1": (lambda lib, x, i: lib.index_select(x, 1, i), [nc(3, 4), np.array([3, 1])]),
    "index_select_i32": (lambda lib, x, i: x.index_select(1, i), [r(3, 4), np.array([0, 0], dtype=np.int32)]),
    "masked_fill": (lambda lib, x: x.masked_fill(x > 0, 0.0), [r(3, 4)]),
    "masked_fill_bcast": (lambda lib, x, m: x.masked_fill(m, -1), [r(3, 4), np.array([True, False, True, False])]),
    "masked_fill_0d_tensor": (lambda lib, x: lib.masked_fill(x, x < 0, lib.tensor(3.0)), [r(3, 4)]),
    "masked_fill_0d_tensor_grad": (lambda lib, x, v: x.masked_fill(x < 0, v), [r(3, 4), r()]),
    "masked_fill_int": (lambda lib, x: x.masked_fill(x > 5, 0), [np.arange(12).reshape(3, 4)]),
    "masked_fill_f32": (lambda lib, x: x.masked_fill(x > 0, 1.5), [r(3, 4, dtype=np.float32)]),
    "masked_select": (lambda lib, x: x.masked_select(x > 0), [r(3, 4)]),
    "masked_select_bcast": (lambda lib, x, m: lib.masked_select(x, m), [r(3, 4), np.array([True, False, True, False])]),
    "take": (lambda lib, x, i: x.take(i), [r(3, 4), np.array([[0, 11], [5, 5]])]),
    "take_neg": (lambda lib, x, i: lib.take(x, i), [nc(3, 4), np.array([-1, 3])]),
    "nonzero": (lambda lib, x: x.nonzero(), [np.array([[0, 1, 0], [2, 0, 3]])]),
    "nonzero_tuple": (lambda lib, x: lib.nonzero(x, as_tuple=True), [np.array([[0, 1, 0], [2, 0, 3]])]),
    "nonzero_1d": (lambda lib, x: lib.nonzero(x), [np.array([0.0, 1.5, 0.0, -2.0])]),
    "nonzero_0d": (lambda lib, x: x.nonzero(), [np.array(3.0)]),
    "nonzero_0d_tuple": (lambda lib, x: x.nonzero(as_tuple=True), [np.array(0.0)]),
    "argwhere": (lambda lib, x: lib.argwhere(x), [np.array([[0, 1, 0], [2, 0, 3]])]),
    "where_cond": (lambda lib, x: lib.where(x > 0), [r(3, 4)]),
    "index_add": (lambda lib, x, i, s: x.index_add(0, i, s), [r(3, 4), np.array([0, 2, 0]), r(3, 4)]),
    "index_add_alpha": (lambda lib, x, i, s: lib.index_add(x, 1, i, s, alpha=2.0), [r(3, 4), np.array([1, 1]), r(3, 2)]),
    "index_fill": (lambda lib, x, i: x.index_fill(1, i, -2.0), [r(3, 4), np.array([0, 3])]),
    "index_fill_0d_tensor": (lambda lib, x, i: lib.index_fill(x, 0, i, lib.tensor(7.0)), [r(3, 4), np.array([1])]),
}


@pytest.mark.parametrize("name", list(OPS))
def test_op(name):
    fn, inputs = OPS[name]
    check_op(fn, inputs)


OP_ERRORS = {
    "masked_fill_nonbool": lambda lib: lib.zeros(3).masked_fill(lib.tensor([1, 0, 1]), 1.0),
    "masked_fill_1d_value": lambda lib: lib.zeros(3).masked_fill(lib.tensor([True, False, True]), lib.ones(2)),
    "masked_fill_shape": lambda lib: lib.zeros(3).masked_fill(lib.tensor([True, False]), 1.0),
    "gather_dims": lambda lib: lib.zeros(3, 4).gather(0, lib.tensor([0, 1])),
    "gather_range": lambda lib: lib.zeros(3, 4).gather(0, lib.tensor([[0, 3]])),
    "scatter_dtype": lambda lib: lib.zeros(3, 4).scatter(0, lib.tensor([[0, 1]]), lib.ones(1, 2, dtype=lib.float64)),
    # negative indices are out of bounds for gather/scatter (unlike take); the first bad one in element order
    "gather_negative": lambda lib: lib.zeros(3, 4).gather(1, lib.tensor([[1, 0], [0, -1]])),
    "gather_first_bad": lambda lib: lib.zeros(3, 4).gather(1, lib.tensor([[1, -5], [7, 1]])),
    "gather_index_larger": lambda lib: lib.zeros(3, 4).gather(1, lib.tensor([[0], [0], [0], [0]])),
    "gather_index_larger0": lambda lib: lib.zeros(3, 4).gather(0, lib.tensor([[0, 0, 0, 0, 0]])),
    "gather_int16_index": lambda lib: lib.zeros(3, 4).gather(0, lib.tensor([[0]], dtype=lib.int16)),
    "scatter_negative": lambda lib: lib.zeros(3, 4).scatter(1, lib.tensor([[-1, 0]]), 1.5),
    "scatter_add_negative": lambda lib: lib.zeros(3, 4).scatter_add(1, lib.tensor([[-1, 0]]), lib.ones(1, 2)),
    "scatter_index_larger": lambda lib: lib.zeros(3, 4).scatter(1, lib.tensor([[1], [1], [1], [0]]), 1.0),
    "scatter_src_smaller": lambda lib: lib.zeros(3, 4).scatter(1, lib.tensor([[1, 0]]), lib.ones(1, 1)),
    "scatter_add_src_smaller": lambda lib: lib.zeros(3, 4).scatter_add(1, lib.tensor([[1, 0]]), lib.ones(1, 1)),
    "scatter_src_ndim": lambda lib: lib.zeros(3, 4).scatter(1, lib.tensor([[1, 0]]), lib.ones(1, 2, 1)),
    "scatter_src_1d": lambda lib: lib.zeros(3, 4).scatter(1, lib.tensor([[1, 0]]), lib.ones(2)),
    "scatter_index_ndim": lambda lib: lib.zeros(3, 4).scatter(1, lib.tensor([1, 0]), 1.0),
    "scatter_float_index": lambda lib: lib.zeros(3, 4).scatter(1, lib.tensor([[1.0]]), 1.0),
    "index_select_2d": lambda lib: lib.zeros(3, 4).index_select(0, lib.tensor([[0, 1]])),
    "index_select_range": lambda lib: lib.zeros(3, 4).index_select(0, lib.tensor([3])),
    # torch's dim-1 kernel checks indices itself, with another exception type and text (first bad index named)
    "index_select_range_dim1": lambda lib: lib.zeros(3, 4).index_select(1, lib.tensor([1, -2, 9])),
    "index_select_negative": lambda lib: lib.zeros(2, 3, 4).index_select(2, lib.tensor([-1])),
    "index_select_negative_dim1": lambda lib: lib.zeros(2, 3, 4).index_select(1, lib.tensor([-1])),
    "index_select_float": lambda lib: lib.zeros(3, 4).index_select(0, lib.tensor([0.0])),
    "take_range": lambda lib: lib.zeros(3, 4).take(lib.tensor([12])),
    "masked_select_nonbool": lambda lib: lib.zeros(3).masked_select(lib.tensor([1, 0, 1])),
}


@pytest.mark.parametrize("name", list(OP_ERRORS))
def test_op_error(name):
    check_error(OP_ERRORS[name])


def test_repeated_index_grad_accumulates():
    check_op(lambda lib, x: x[[0, 0, 0, 1]] * 2, [r(3)])
    check_op(lambda lib, x: x[lib.tensor([[1, 1], [1, 1]])], [r(3, 2)])
    check_op(lambda lib, x: x.index_select(0, lib.tensor([1, 1, 1])), [r(3, 2)])


# hypothesis: random basic index expressions --------------------------------------

try:
    from hypothesis import given, settings, strategies as st
except ImportError:  # pragma: no cover
    given = None

if given is not None:
    def _component(size):
        return st.one_of(
            st.integers(-size, size - 1),
            st.builds(slice, st.none() | st.integers(-size - 1, size + 1), st.none() | st.integers(-size - 1, size + 1),
                      st.none() | st.integers(1, 3)),
            st.just(None),
            st.lists(st.integers(-size, size - 1), min_size=1, max_size=3),
        )

    @settings(max_examples=60, deadline=None)
    @given(data=st.data())
    def test_property_getitem(data):
        shape = (3, 4, 2)
        k = data.draw(st.integers(1, 4))
        idx, d = [], 0
        for _ in range(k):
            if d == len(shape):
                break
            c = data.draw(_component(shape[d]))
            idx.append(c)
            d += c is not None  # None adds a dim without consuming one
        idx = tuple(idx)
        if sum(isinstance(c, list) for c in idx) > 1:
            return  # several index lists must broadcast; covered by the table
        check_op(lambda lib, x: x[idx], [r(*shape)])


# the layout of advanced-indexing results: torch's TensorIterator order, C order for C-contiguous input ------------

def _perm3(lib):
    return lib.arange(24.0).reshape(2, 3, 4).permute(2, 0, 1)


LAYOUTS = {
    "t_rows": lambda L: L.arange(12.0).reshape(3, 4).t()[[0, 1]],
    "t_cols": lambda L: L.arange(12.0).reshape(3, 4).t()[:, [0, 1]],
    "cols_mask": lambda L: L.arange(9.0).reshape(3, 3)[:, L.tensor([True, True, True])],
    "cols": lambda L: L.arange(12.0).reshape(3, 4)[:, [0, 2]],
    "middle": lambda L: L.arange(24.0).reshape(2, 3, 4)[:, [0, 2], :],
    "last": lambda L: L.arange(24.0).reshape(2, 3, 4)[:, :, [0, 2]],
    "split_indices": lambda L: L.arange(24.0).reshape(2, 3, 4)[[0, 1], :, [0, 2]],
    "perm_first": lambda L: _perm3(L)[[0, 1]],
    "perm_middle": lambda L: _perm3(L)[:, [0, 1]],
    "perm_last": lambda L: _perm3(L)[..., [0, 1]],
    "none_then_list": lambda L: L.arange(12.0).reshape(1, 4, 1, 3)[None, [-1, 0]],
    "index_2d": lambda L: L.arange(12.0).reshape(4, 3)[L.tensor([[0, 1], [2, 3]])],
    "index_2d_t_input": lambda L: L.arange(12.0).reshape(4, 3).t()[:, L.tensor([[0, 1], [2, 3]])],
    "index_2d_transposed": lambda L: L.arange(12.0).reshape(4, 3)[L.tensor([[0, 1], [2, 3]]).t()],
    "mask_2d": lambda L: L.arange(24.0).reshape(2, 3, 4)[L.tensor([[True, False, True], [True, True, False]])],
    "mask_2d_perm": lambda L: _perm3(L)[:, L.tensor([[True, False, True], [True, True, False]])],
    "broadcast_split": lambda L: L.arange(24.0).reshape(2, 3, 4)[L.tensor([[0], [1]]), :, L.tensor([0, 2, 3])],
    "broadcast_adjacent": lambda L: L.arange(24.0).reshape(2, 3, 4)[:, L.tensor([[0], [1]]), L.tensor([0, 2, 3])],
    "bool_scalar": lambda L: L.arange(6.0).reshape(2, 3)[True, :, [0, 1]],
    "4d_mixed": lambda L: L.arange(120.0).reshape(2, 3, 4, 5).permute(3, 1, 0, 2)[:, [0, 2], :, [1, 1]],
    "4d_adjacent": lambda L: L.arange(120.0).reshape(2, 3, 4, 5).transpose(0, 3)[:, [0, 2], [1, 1]],
    # size-1 result dims: the index reshaped around them still has a say in the order
    "size1_dims": lambda L: L.arange(2.0).reshape(1, 1, 2, 1).permute(0, 3, 2, 1)[:, :, [0, 0]],
}


@pytest.mark.parametrize("name", list(LAYOUTS))
def test_advanced_index_layout(name):
    t, e = LAYOUTS[name](torch), LAYOUTS[name](ember)
    assert e.stride() == t.stride() and e.is_contiguous() == t.is_contiguous()
    assert e.tolist() == t.tolist()


def test_advanced_index_result_views_like_torch():
    # x[:, idx] of a C-contiguous x is contiguous in torch, so .view works on it
    check_op(lambda L, x: x[:, [0, 2]].view(-1), [r(3, 4)])
    check_op(lambda L, x: x[:, L.tensor([True, False, True, True])].view(-1), [r(3, 4)])


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(1, 3), min_size=2, max_size=4), st.data())
def test_property_advanced_index_layout(shape, data):
    perm = data.draw(st.permutations(range(len(shape))))
    chosen = data.draw(st.lists(st.integers(0, len(shape) - 1), min_size=1, max_size=len(shape), unique=True))
    lists = {d: data.draw(st.lists(st.integers(0, shape[perm[d]] - 1), min_size=1, max_size=3)) for d in chosen}
    length = min(len(v) for v in lists.values())
    index = tuple(lists[d][:length] if d in lists else slice(None) for d in range(len(shape)))

    def f(L):
        x = L.arange(float(np.prod(shape))).reshape(shape).permute(*perm)
        return x[index]
    t, e = f(torch), f(ember)
    assert e.stride() == t.stride() and e.tolist() == t.tolist()


def test_gather_saved_input_modified_in_place():
    # torch saves gather's input (though its backward needs only the shape): changing it in place is an error
    def f(L):
        x = L.tensor([0.5, -1.5, 2.0], requires_grad=True) * 1
        y = x.gather(0, L.tensor([1, 0]))
        x.mul_(2)
        y.sum().backward()
    check_error(f)


TAKE_ALONG = {
    "rows": (lambda L, x, i: L.take_along_dim(x, i, 1), [r(3, 4), np.array([[0, 3]])]),
    "method_broadcast": (lambda L, x, i: x.take_along_dim(i, dim=-1), [r(3, 4), np.array([[1], [2], [0]])]),
    "flat": (lambda L, x, i: L.take_along_dim(x, i), [r(3, 4), np.array([5, 0, 11])]),
    "dim0": (lambda L, x, i: L.take_along_dim(x, i, 0), [r(3, 4), np.array([[2, 0, 1, 1]])]),
}


@pytest.mark.parametrize("name", list(TAKE_ALONG))
def test_take_along_dim(name):
    fn, inputs = TAKE_ALONG[name]
    check_op(fn, inputs)


@pytest.mark.parametrize("case", [
    lambda L: L.take_along_dim(L.ones(3, 4), L.tensor([[0]]).float(), 1),
    lambda L: L.take_along_dim(L.ones(3, 4), L.tensor([0, 1]), 1),
    lambda L: L.take_along_dim(L.ones(3, 4), L.tensor([[0]] * 4), 1),
    lambda L: L.take_along_dim(L.ones(3, 4), L.tensor([[0]]), 2),
])
def test_take_along_dim_errors(case):
    check_error(case)


@pytest.mark.parametrize("index", [
    (2, slice(None), [1, 0]), (2, Ellipsis, "mask"), ((slice(1, 3), 0, [1, 1, 0])), (Ellipsis, 1, [0]),
    (-1, None, [1, 0], slice(None)), ([0, 1], 1, [1, 0]),
], ids=["int-slice-array", "int-ellipsis-mask", "slice-int-array", "ellipsis-int-array", "int-none-array-slice",
        "array-int-array"])
@pytest.mark.parametrize("requires_grad", [False, True])
def test_setitem_ints_with_index_arrays(index, requires_grad):
    # torch selects the ints first, so they never separate the index arrays (NumPy's rule would move the indexed
    # dims to the front: x[2, :, [1, 0]] = v wrote v transposed); found by fuzz_idx
    x0 = np.arange(16.0).reshape(4, 2, 2)
    res = []
    for L in (torch, ember):
        x = L.tensor(x0, requires_grad=requires_grad)
        y = x.clone()
        ix = tuple(L.tensor([True, True]) if i == "mask" else i for i in index)
        target = y[ix]
        y[ix] = L.arange(float(target.numel()), dtype=L.float64).reshape(target.shape) + 100
        out = [y.tolist()]
        if requires_grad:
            out.append(L.autograd.grad((y * L.arange(16.0, dtype=L.float64).reshape(4, 2, 2)).sum(), x)[0].tolist())
        res.append(out)
    assert res[0] == res[1]

