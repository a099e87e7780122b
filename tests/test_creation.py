"""Differential tests of ember._creation (and ember._range_factories) against torch."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import ember
from _compare import assert_same, check_error


def same(f, **kw):
    """f(lib) gives the same tensor (values, dtype, shape) in ember and torch."""
    e, t = f(ember), f(torch)
    assert_same(e, t, check_grad_fn=False, **kw)
    assert e.requires_grad == t.requires_grad
    return e, t


# --- tensor() ---------------------------------------------------------------------

DATA = {
    "int": 3, "float": 2.5, "bool": True, "complex": 1 + 2j, "neg_zero": -0.0, "big_int": 2 ** 40,
    "list_int": [1, 2, 3], "list_float": [1.0, 2.5], "list_bool": [True, False], "mixed_int_float": [1, 2.5],
    "mixed_bool_int": [True, 2], "mixed_bool_float": [False, 1.5], "nested": [[1, 2], [3, 4]],
    "nested3": [[[1.5]], [[2.5]]], "empty": [], "empty_nested": [[], []], "tuple": (1, 2), "nested_tuple": ((1,), (2,)),
    "inf_nan": [float("inf"), float("nan"), -float("inf")], "complex_list": [1, 2j],
    "np_scalar_list": [np.float64(1.5), np.int32(2)], "np_bool_list": [np.bool_(True)],
}


@pytest.mark.parametrize("name", sorted(DATA))
def test_tensor_from_python_data(name):
    same(lambda L: L.tensor(DATA[name]))


@pytest.mark.parametrize("name", ["int", "float", "bool", "list_int", "list_float", "nested", "mixed_bool_float"])
@pytest.mark.parametrize("dtype", ["float64", "float16", "int32", "uint8", "bool", "complex64", "int64"])
def test_tensor_dtype_argument(name, dtype):
    same(lambda L: L.tensor(DATA[name], dtype=getattr(L, dtype)))


NP_DTYPES = [np.float64, np.float32, np.float16, np.int64, np.int32, np.int16, np.int8, np.uint8, np.bool_,
             np.complex64, np.complex128]


@pytest.mark.parametrize("npd", NP_DTYPES, ids=lambda d: d.__name__)
def test_tensor_from_numpy_keeps_dtype_and_copies(npd):
    a = np.arange(6).reshape(2, 3).astype(npd)
    e, t = same(lambda L: L.tensor(a))
    a[0, 0] = 1
    assert e[0, 0].item() == t[0, 0].item()  # copied: neither sees the write


@pytest.mark.parametrize("npd", NP_DTYPES, ids=lambda d: d.__name__)
def test_tensor_from_numpy_scalar(npd):
    same(lambda L: L.tensor(npd(1)))


def test_tensor_from_noncontiguous_and_0d_arrays():
    a = np.arange(12.0).reshape(3, 4)
    same(lambda L: L.tensor(a.T))
    same(lambda L: L.tensor(a[::2, 1::2]))
    same(lambda L: L.tensor(np.array(3.5)))
    check_error(lambda L: L.tensor(a[::2, ::-1]))


def _same_first_sentence(e_exc, t_exc):
    # ember lists the types it supports, which lack torch's uint16/32/64: compare up to the list
    assert str(e_exc).split(". The only")[0] == str(t_exc).split(". The only")[0]


@pytest.mark.parametrize("npd", [np.uint16, np.uint32, np.uint64], ids=str)
def test_tensor_from_numpy_wide_unsigned_is_a_clear_error(npd):
    # deliberate difference: torch >= 2.3 has uint16/32/64 tensors (with almost no kernels); ember has no such dtypes
    a = np.array([1, 2], dtype=npd)
    assert str(torch.tensor(a).dtype) == f"torch.{np.dtype(npd).name}"
    for f in (ember.tensor, ember.from_numpy, ember.as_tensor):
        with pytest.raises(TypeError, match=f"can't convert np.ndarray of type numpy.{np.dtype(npd).name}"):
            f(a)


@pytest.mark.parametrize("npd", [object, "U1", "S1", "datetime64[s]"], ids=str)
@pytest.mark.parametrize("fn", ["tensor", "from_numpy", "as_tensor"])
def test_tensor_from_unsupported_numpy(npd, fn):
    a = np.array([1, 2]).astype(npd)
    _same_first_sentence(*check_error(lambda L: getattr(L, fn)(a), match_message=False))


@pytest.mark.parametrize("fn", ["tensor", "from_numpy", "as_tensor", "asarray"])
def test_negative_strides_are_rejected(fn):
    a = np.arange(12.0).reshape(3, 4)
    check_error(lambda L: getattr(L, fn)(a[:, ::-1]))
    check_error(lambda L: getattr(L, fn)(a[::-2]))


def test_tensor_from_tensor_warns_and_copies():
    for L in (ember, torch):
        src = L.tensor([1.0, 2.0], requires_grad=True)
        with pytest.warns(UserWarning, match="To copy construct from a tensor"):
            c = L.tensor(src)
        assert not c.requires_grad and c.is_leaf
        with torch.no_grad(), ember.no_grad():
            src[0] = 5.0
        assert c[0].item() == 1.0


def test_tensor_from_list_of_tensors():
    same(lambda L: L.tensor([L.tensor(1.5), L.tensor(2.5)]))
    same(lambda L: L.tensor([L.tensor(1), 2]))


def test_tensor_from_list_of_multielement_tensors():
    check_error(lambda L: L.tensor([L.tensor([1.0, 2.0]), L.tensor([3.0, 4.0])]))
    check_error(lambda L: L.tensor([L.tensor([])]))
    check_error(lambda L: L.tensor([[L.tensor([1.0, 2.0])]], dtype=L.int64))


@pytest.mark.parametrize("case", range(6))
def test_tensor_elements_are_converted_in_order(case):
    # torch converts element by element while walking: the first bad element decides the error,
    # and a tensor where a sequence is expected is iterated
    def f(L):
        return [
            lambda: L.tensor([[False], L.tensor([1 + 1j])], dtype=L.float32),
            lambda: L.tensor([[False], L.tensor([1.0, 2.0])]),
            lambda: L.tensor([False, [], L.tensor([1.5, 2.5])]),
            lambda: L.tensor([False, [], L.tensor(1.5)], dtype=L.int64),
            lambda: L.tensor([256, L.tensor(1.5)], dtype=L.uint8),
            lambda: L.tensor([300, 2 ** 64], dtype=L.uint8),
        ][case]()
    check_error(f)


def test_tensor_iterates_tensors_at_sequence_levels():
    same(lambda L: L.tensor([[1.0, 2.0], L.tensor([3.0, 4.0])]))
    same(lambda L: L.tensor([L.tensor([1, 2]).tolist(), L.tensor([3, 4])]))


def test_tensor_from_mixed_elements():
    # element tensors are scalars (one element each); dtypes promote as torch.promote_types
    same(lambda L: L.tensor([L.tensor([1.0]), L.tensor([3.0])]))
    same(lambda L: L.tensor([L.tensor(1, dtype=L.int32), L.tensor(2, dtype=L.int32)]))
    same(lambda L: L.tensor([L.tensor(1, dtype=L.int32), 2.5]))
    same(lambda L: L.tensor([[L.tensor(1.0)], [2]]))
    same(lambda L: L.tensor([np.int32(2)]))
    same(lambda L: L.tensor([np.uint8(2), np.int8(1)]))
    same(lambda L: L.tensor([np.float16(2), 1]))
    same(lambda L: L.tensor([np.float32(2), 1.5]))
    same(lambda L: L.tensor([np.complex64(1), 2]))
    same(lambda L: L.tensor([np.bool_(True), 1.5]))
    same(lambda L: L.tensor([np.bool_(True), True]))
    same(lambda L: L.tensor(range(3)))
    same(lambda L: L.tensor([[], []], dtype=L.int64))
    same(lambda L: L.tensor([[[]]]))
    same(lambda L: L.tensor([[], [1]]))
    same(lambda L: L.tensor([1, 2], dtype=L.complex128))
    same(lambda L: L.tensor([1.5, 2 ** 64]))
    same(lambda L: L.tensor([1j, 2 ** 70]))
    same(lambda L: L.tensor([2 ** 64], dtype=L.float32))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch: creating a tensor from a list of ndarrays is slow
        same(lambda L: L.tensor([np.array([2, 3], dtype=np.int16)]))


@pytest.mark.parametrize("data,dtype", [
    ([np.bool_(True), 1], None), ([np.array(2)], None), ([1, "a"], "float32"), ([1, "a"], "complex64"),
    ([1, "a"], "bool"), ([1, "a"], "int64"), ([1, None], "int64"), ([1, None], "float32"), ([np.float32(1.5)], "int64"),
    ([1j], "float32"), (1 + 2j, "int64"), ([1, [2]], "float32"), ([1, [2]], "int32"), ([True, [2]], None),
    ([1j, [2]], None), ([[1, 2], "ab"], None), ([True, 2 ** 70], None), ([10 ** 400], "float32"), ([b"x"], None),
    ({1: 2}, None), ({1, 2}, None), ((x for x in [1]), None), ([[1], [None]], None), ([[1], None], None),
    ([object()], None), ([[1], []], None), (["a"], "float32"),
], ids=repr)
def test_tensor_element_errors(data, dtype):
    check_error(lambda L: L.tensor(data, dtype=None if dtype is None else getattr(L, dtype)))


@pytest.mark.parametrize("data", [[[1, 2], [3]], [1, [2]], [[1], 2], [[1, 2], [3, 4, 5]], [[[1, 2]], [[3]]]],
                         ids=str)
def test_tensor_ragged_lists(data):
    check_error(lambda L: L.tensor(data))


@pytest.mark.parametrize("data", ["abc", ["a", "b"], [1, "a"], None, [None], b"x", object()], ids=repr)
def test_tensor_invalid_data(data):
    check_error(lambda L: L.tensor(data))


@pytest.mark.parametrize("data,dtype", [
    (300, "uint8"), (2 ** 63, "int64"), (-1, "uint8"), ([1e300], "float32"), (128, "int8"), (1e10, "int32"),
    (70000.0, "float16"), (-2 ** 63 - 1, "int64"), (2 ** 64, None), ([2 ** 63], None), (-255, "uint8"),
    (-256, "uint8"), (-129, "int8"), (float("nan"), "int64"), (float("inf"), "int32"), (1e20, "int64"),
    (2 ** 31, "int32"), (1.5, "int64"), (2.5, "uint8"), (-1.5, "uint8"), (-0.5, "uint8"), (300.0, "uint8"),
    (1.5, "bool"), (2 ** 70, "bool"), (0.0, "bool"), (2 ** 70, "float32"), (2 ** 70, "int64"), (3, "complex64"),
    (1e300, "complex64"), ([-1, 255, -255], "uint8"), ([[1.5, -2.7]], "int16"),
], ids=str)
def test_tensor_overflow(data, dtype):
    def f(L):
        return L.tensor(data, dtype=None if dtype is None else getattr(L, dtype))
    try:
        t = f(torch)
    except Exception:
        check_error(f)
        return
    e = f(ember)
    assert_same(e, t, check_grad_fn=False)


def test_tensor_requires_grad():
    same(lambda L: L.tensor([1.0, 2.0], requires_grad=True))
    e = ember.tensor([1.0], requires_grad=True)
    assert e.is_leaf and e.grad_fn is None
    check_error(lambda L: L.tensor([1, 2], requires_grad=True))
    check_error(lambda L: L.tensor([True], requires_grad=True))


@settings(max_examples=60, deadline=None)
@given(st.recursive(st.one_of(st.booleans(), st.integers(-2 ** 31, 2 ** 31), st.floats(width=32)),
                    lambda c: st.lists(c, min_size=1, max_size=3), max_leaves=12))
def test_tensor_property_nested_lists(data):
    try:
        t = torch.tensor(data)
    except Exception:
        check_error(lambda L: L.tensor(data), match_message=False)
        return
    assert_same(ember.tensor(data), t, check_grad_fn=False)


# --- as_tensor / asarray / from_numpy ----------------------------------------------------

@pytest.mark.parametrize("fn", ["as_tensor", "asarray"])
def test_as_tensor_shares_numpy_memory(fn):
    for L in (ember, torch):
        a = np.arange(4.0)
        t = getattr(L, fn)(a)
        a[0] = 10.0
        assert t[0].item() == 10.0
        t[1] = 20.0
        assert a[1] == 20.0


@pytest.mark.parametrize("fn", ["as_tensor", "asarray"])
def test_as_tensor_copies_when_converting(fn):
    for L in (ember, torch):
        a = np.arange(4.0)
        t = getattr(L, fn)(a, dtype=L.float32)
        a[0] = 10.0
        assert t[0].item() == 0.0 and t.dtype is L.float32


@pytest.mark.parametrize("fn", ["as_tensor", "asarray"])
def test_as_tensor_of_tensor_is_same_object(fn):
    for L in (ember, torch):
        x = L.ones(3)
        assert getattr(L, fn)(x) is x
        y = getattr(L, fn)(x, dtype=L.float64)
        assert y is not x and y.dtype is L.float64


@pytest.mark.parametrize("data", [[1, 2], 3.5, [[True]], (1.5, 2)], ids=str)
def test_as_tensor_python_data(data):
    same(lambda L: L.as_tensor(data))
    same(lambda L: L.asarray(data))
    same(lambda L: L.as_tensor(data, dtype=L.float64))


def test_asarray_copy_and_requires_grad():
    for L in (ember, torch):
        a = np.arange(3.0)
        t = L.asarray(a, copy=True)
        a[0] = 9.0
        assert t[0].item() == 0.0
        r = L.asarray(a, requires_grad=True)
        assert r.requires_grad and r.is_leaf


@pytest.mark.parametrize("npd", NP_DTYPES, ids=lambda d: d.__name__)
def test_from_numpy_shares_memory_both_ways(npd):
    a = np.zeros(3, dtype=npd)
    e, t = ember.from_numpy(a), torch.from_numpy(a)
    assert repr(e.dtype) == repr(t.dtype)
    a[0] = 1
    assert e[0].item() == t[0].item() == a[0]
    e[1] = 1
    assert a[1] == 1


def test_from_numpy_noncontiguous_and_0d():
    a = np.arange(12.0).reshape(3, 4)[:, ::2]
    same(lambda L: L.from_numpy(a))
    e = ember.from_numpy(a)
    assert e.stride() == torch.from_numpy(a).stride()
    same(lambda L: L.from_numpy(np.array(2.0)))


def test_from_numpy_non_writeable_warns():
    a = np.arange(3.0)
    a.flags.writeable = False
    with pytest.warns(UserWarning, match="not writable"):
        torch.from_numpy(a)
    with pytest.warns(UserWarning, match="not writable"):
        e = ember.from_numpy(a)
    assert e.tolist() == [0.0, 1.0, 2.0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ember.tensor(a), ember.as_tensor(a), torch.tensor(a), torch.as_tensor(a)  # copies or not: no warning


def test_from_numpy_not_an_array():
    check_error(lambda L: L.from_numpy([1, 2]))


# --- zeros / ones / empty / full -----------------------------------------------------------

SIZES = {"varargs": (2, 3), "tuple": ((2, 3),), "list": ([2, 3],), "empty_tuple": ((),), "empty_list": ([],),
         "zero": (0,), "one": (4,), "zero_dim": (2, 0), "np_int": (np.int64(2),), "size_obj": (torch.Size([1, 2]),)}


@pytest.mark.parametrize("fn", ["zeros", "ones", "empty"])
@pytest.mark.parametrize("sizes", sorted(SIZES))
def test_basic_factories_sizes(fn, sizes):
    args = SIZES[sizes]
    eargs = tuple(ember.Size(a) if isinstance(a, torch.Size) else a for a in args)
    e, t = getattr(ember, fn)(*eargs), getattr(torch, fn)(*args)
    assert repr(e.shape) == repr(t.shape) and repr(e.dtype) == repr(t.dtype)
    if fn != "empty":
        assert_same(e, t, check_grad_fn=False)


@pytest.mark.parametrize("fn", ["zeros", "ones", "empty"])
def test_basic_factories_size_object_dtype_requires_grad(fn):
    e = getattr(ember, fn)(ember.Size([2, 1]), dtype=ember.float64, requires_grad=True)
    t = getattr(torch, fn)(torch.Size([2, 1]), dtype=torch.float64, requires_grad=True)
    assert repr(e.shape) == repr(t.shape) and repr(e.dtype) == repr(t.dtype)
    assert e.requires_grad and e.is_leaf
    for d in ["int32", "bool", "uint8", "complex128", "float16"]:
        x, y = getattr(ember, fn)(3, dtype=getattr(ember, d)), getattr(torch, fn)(3, dtype=getattr(torch, d))
        assert repr(x.dtype) == repr(y.dtype)


@pytest.mark.parametrize("fn", ["zeros", "ones", "empty"])
@pytest.mark.parametrize("args", [(), (-1,), (2, -3), ((2, -1),), (1.5,), ("a",), ((2, 1.0),), (2, None), ((-1, -2),)],
                         ids=str)
def test_basic_factories_bad_sizes(fn, args):
    # only zeros has its own negative-size message; ones/empty report torch's generic one
    check_error(lambda L: getattr(L, fn)(*args))


@pytest.mark.parametrize("fn", ["zeros", "ones", "empty"])
def test_basic_factories_int_requires_grad_error(fn):
    check_error(lambda L: getattr(L, fn)(2, dtype=L.int64, requires_grad=True))


@pytest.mark.parametrize("fn", ["zeros", "ones"])
def test_out_argument(fn):
    for L in (ember, torch):
        out = L.empty(2, 3)
        r = getattr(L, fn)(2, 3, out=out)
        assert r is out and out.sum().item() == (0 if fn == "zeros" else 6)
    e, t = ember.empty(0), torch.empty(0)
    ember.ones(2, 2, out=e)
    torch.ones(2, 2, out=t)
    assert_same(e, t, check_grad_fn=False)


@pytest.mark.parametrize("fill", [1, 2.5, True, False, -3, 1 + 1j, np.float64(1.5), np.int32(4)], ids=repr)
def test_full_infers_dtype_from_fill(fill):
    same(lambda L: L.full((2, 2), fill))
    same(lambda L: L.full([3], fill))


def test_full_dtype_and_tensor_fill():
    same(lambda L: L.full((2,), 7, dtype=L.float64))
    same(lambda L: L.full((2,), 1.7, dtype=L.int32))
    same(lambda L: L.full((2,), L.tensor(3.5)))
    same(lambda L: L.full((), 2))
    same(lambda L: L.full((2,), 1.0, requires_grad=True))
    check_error(lambda L: L.full((2,), 1, requires_grad=True))
    check_error(lambda L: L.full((-1,), 1))
    check_error(lambda L: L.full((2, -1), 1.5))


@pytest.mark.parametrize("fill,dtype", [
    (-2.0, "uint8"), (-1, "uint8"), (-255, "uint8"), (300, "uint8"), (1e10, "float16"), (1e300, "float32"),
    (1 + 1j, "float32"), (2 + 0j, "float32"), (1 + 1j, "int64"), (1.5, "bool"), (2 ** 63, "int64"),
    (float("nan"), "int32"), (float("inf"), "float32"), (1e300, "complex64"), (128, "int8"), (True, "float32"),
    (-129.5, "int8"), (1.7, "int32"), (float("nan"), "float16"), (1 + 1j, "bool"),
], ids=str)
@pytest.mark.parametrize("fn", ["full", "full_like", "new_full"])
def test_full_fill_value_conversion(fill, dtype, fn):
    def f(L):
        d = getattr(L, dtype)
        if fn == "full":
            return L.full((2,), fill, dtype=d)
        if fn == "full_like":
            return L.full_like(L.ones(2, dtype=d), fill)
        return L.ones(2, dtype=d).new_full((2,), fill)
    try:
        t = f(torch)
    except Exception:
        check_error(f)
        return
    assert_same(f(ember), t, check_grad_fn=False)


def test_full_default_dtype():
    ember.set_default_dtype(ember.float64)
    torch.set_default_dtype(torch.float64)
    same(lambda L: L.full((2,), 1.5))
    same(lambda L: L.full((2,), 1))


@pytest.mark.parametrize("src", ["float32", "int64", "bool", "float64"])
@pytest.mark.parametrize("dtype", [None, "float64", "int32", "bool"])
@pytest.mark.parametrize("fn", ["zeros_like", "ones_like", "empty_like", "full_like"])
def test_like_factories(src, dtype, fn):
    def f(L):
        x = L.ones(2, 3, dtype=getattr(L, src))
        kw = {} if dtype is None else {"dtype": getattr(L, dtype)}
        return getattr(L, fn)(x, 5, **kw) if fn == "full_like" else getattr(L, fn)(x, **kw)
    e, t = f(ember), f(torch)
    assert repr(e.dtype) == repr(t.dtype) and e.shape == t.shape
    if fn != "empty_like":
        assert_same(e, t, check_grad_fn=False)


def test_like_factories_do_not_keep_grad_or_graph():
    for L in (ember, torch):
        x = L.ones(2, requires_grad=True) * 2
        for fn in ["zeros_like", "ones_like", "empty_like"]:
            r = getattr(L, fn)(x)
            assert not r.requires_grad and r.is_leaf
        assert L.zeros_like(x, requires_grad=True).requires_grad


def test_like_factories_non_tensor():
    check_error(lambda L: L.zeros_like([1, 2]))
    check_error(lambda L: L.ones_like(3))


def test_full_like_fill_dtype_and_overflow():
    same(lambda L: L.full_like(L.ones(2, dtype=L.int64), 2.7))
    same(lambda L: L.full_like(L.ones(2), True))


# --- arange / range ------------------------------------------------------------------------

ARANGE = [(5,), (0, 5), (1, 10, 3), (10, 0, -3), (0.5,), (0, 1, 0.1), (1, 2.5, 0.5), (0, 1, 0.3), (-1, 1, 0.25),
          (0, 10, 2.5), (2.5,), (0, 0), (5, 5, -1), (0, 3, 0.7), (-3.2, 1), (1e3, 1e3 + 5), (0, 0.95, 0.1)]


@pytest.mark.parametrize("args", ARANGE, ids=str)
def test_arange_default_dtype(args):
    same(lambda L: L.arange(*args), rtol=0, atol=0)


@pytest.mark.parametrize("args", ARANGE, ids=str)
@pytest.mark.parametrize("dtype", ["float64", "float32", "int64", "int32", "int16", "float16", "uint8"])
def test_arange_dtype(args, dtype):
    try:
        t = torch.arange(*args, dtype=getattr(torch, dtype))
    except Exception:
        check_error(lambda L: L.arange(*args, dtype=getattr(L, dtype)))
        return
    assert_same(ember.arange(*args, dtype=getattr(ember, dtype)), t, check_grad_fn=False, rtol=0, atol=0)


@pytest.mark.parametrize("args", [(0, 10, 0.1), (5, 100, 0.3), (-1, 1, 0.01), (0, 1000, 1.5)], ids=str)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_arange_long_float_ranges(args, dtype):
    # past the first SIMD vectors torch's kernel rounds differently (see _range_factories.arange_values)
    same(lambda L: L.arange(*args, dtype=getattr(L, dtype)))


def test_arange_tensor_bounds_and_keywords():
    same(lambda L: L.arange(L.tensor(4)))
    same(lambda L: L.arange(L.tensor(4.0)))
    same(lambda L: L.arange(start=1, end=4, step=2))
    same(lambda L: L.arange(3, requires_grad=False))
    same(lambda L: L.arange(3.0, requires_grad=True))
    e, t = ember.empty(0, dtype=ember.int64), torch.empty(0, dtype=torch.int64)
    ember.arange(4, out=e)
    torch.arange(4, out=t)
    assert_same(e, t, check_grad_fn=False)


@pytest.mark.parametrize("args,kw", [
    ((0, 1, 0), {}), ((0, 1, 0.0), {}), ((5, 1), {}), ((1, 5, -1), {}), ((0, float("inf")), {}),
    ((float("nan"),), {}), ((0, 3, 0.5), {"dtype": "int64"}), ((5,), {"dtype": "bool"}),
    ((0, 1, 0.1), {"dtype": "int64"}), ((3,), {"requires_grad": True}),
], ids=str)
def test_arange_errors(args, kw):
    kw = dict(kw)
    check_error(lambda L: L.arange(*args, **{k: (getattr(L, v) if k == "dtype" else v) for k, v in kw.items()}))


def test_range_needs_an_end():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_error(lambda L: L.range(4))
        check_error(lambda L: L.range(0, 4, 0))
        check_error(lambda L: L.range(4, 0))


@pytest.mark.parametrize("args", [(0, 4), (1, 2, 0.5), (0, 1, 0.1), (4, 0, -1), (0, 0)], ids=str)
def test_range_deprecated(args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        same(lambda L: L.range(*args), rtol=0, atol=0)
    with pytest.warns(UserWarning, match="torch.range is deprecated"):
        ember.range(0, 3)


@settings(max_examples=80, deadline=None)
@given(st.integers(-50, 50), st.integers(-50, 50), st.integers(-7, 7).filter(lambda s: s != 0))
def test_arange_property_ints(a, b, s):
    try:
        t = torch.arange(a, b, s)
    except Exception:
        check_error(lambda L: L.arange(a, b, s))
        return
    assert_same(ember.arange(a, b, s), t, check_grad_fn=False)


# --- linspace / logspace ---------------------------------------------------------------------

LIN = [(0, 1, 5), (0, 1, 0), (0, 1, 1), (0, 1, 2), (5, -3, 7), (0, 10, 4), (-1, 1, 6), (0.1, 0.7, 11), (3, 3, 4),
       (1, 0, 9), (-2.5, 7.3, 16), (0, 1, 100), (-129, 1e4, 33), (0, 1, 1001), (2, 1, 2), (1e-3, 1e3, 17)]
LIN_DTYPES = ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8"]


@pytest.mark.parametrize("args", LIN, ids=str)
@pytest.mark.parametrize("dtype", [None] + LIN_DTYPES)
def test_linspace_exact(args, dtype):
    def f(L):
        return L.linspace(*args) if dtype is None else L.linspace(*args, dtype=getattr(L, dtype))
    try:
        t = f(torch)
    except Exception:
        check_error(f)
        return
    assert_same(f(ember), t, check_grad_fn=False, rtol=0, atol=0)


def test_linspace_options_and_errors():
    same(lambda L: L.linspace(L.tensor(0.0), L.tensor(1.0), 5))
    same(lambda L: L.linspace(0, 1, 3, requires_grad=True))
    same(lambda L: L.linspace(0, 1j, 3))
    check_error(lambda L: L.linspace(0, 1, -1))
    check_error(lambda L: L.linspace(0, 1, 2.5), match_message=False)
    check_error(lambda L: L.linspace(0, 1, 3, dtype=L.bool))
    e, t = ember.empty(0), torch.empty(0)
    ember.linspace(0, 1, 4, out=e)
    torch.linspace(0, 1, 4, out=t)
    assert_same(e, t, check_grad_fn=False)


@settings(max_examples=80, deadline=None)
@given(st.floats(-1e4, 1e4), st.floats(-1e4, 1e4), st.integers(0, 70), st.sampled_from(["float32", "float64", "int64"]))
def test_linspace_property_exact(a, b, n, dtype):
    t = torch.linspace(a, b, n, dtype=getattr(torch, dtype))
    assert_same(ember.linspace(a, b, n, dtype=getattr(ember, dtype)), t, check_grad_fn=False, rtol=0, atol=0)


@pytest.mark.parametrize("args", [(0, 1, 5), (0, 2, 3), (-1, 1, 1), (0, 3, 0), (1, -2, 7), (0.1, 0.7, 11),
                                  (0, 10, 33), (0, -0.03, 17)], ids=str)
@pytest.mark.parametrize("base", [10.0, 2.0, 0.5])
@pytest.mark.parametrize("dtype", [None, "float64", "int64", "float16"])
def test_logspace(args, base, dtype):
    def f(L):
        kw = {} if dtype is None else {"dtype": getattr(L, dtype)}
        return L.logspace(*args, base=base, **kw)
    same(f, rtol=0, atol=0)


# --- eye / empty_strided / scalar_tensor ----------------------------------------------------------

@pytest.mark.parametrize("args", [(0,), (1,), (3,), (2, 4), (4, 2), (3, 0), (0, 3)], ids=str)
@pytest.mark.parametrize("dtype", [None, "float64", "int64", "bool", "complex64"])
def test_eye(args, dtype):
    same(lambda L: L.eye(*args) if dtype is None else L.eye(*args, dtype=getattr(L, dtype)))


def test_eye_errors_and_options():
    check_error(lambda L: L.eye(-1))
    check_error(lambda L: L.eye(2, -1))
    same(lambda L: L.eye(2, requires_grad=True))
    same(lambda L: L.eye(m=3, n=2))


@pytest.mark.parametrize("size,stride", [((2, 3), (3, 1)), ((2, 3), (1, 2)), ((3,), (2,)), ((2, 2), (0, 1)), ((), ())],
                         ids=str)
def test_empty_strided(size, stride):
    e, t = ember.empty_strided(size, stride), torch.empty_strided(size, stride)
    assert repr(e.shape) == repr(t.shape) and repr(e.dtype) == repr(t.dtype)
    assert e.stride() == t.stride()


@pytest.mark.parametrize("s", [1, 2.5, True, -3, 1 + 2j, 2 + 0j, 1e300, -1, 300, float("nan"), 2 ** 70, np.float64(2.5)],
                         ids=repr)
@pytest.mark.parametrize("dtype", [None, "float64", "int32", "bool", "float16", "uint8", "int64", "complex64"])
def test_scalar_tensor(s, dtype):
    def f(L):
        return L.scalar_tensor(s) if dtype is None else L.scalar_tensor(s, dtype=getattr(L, dtype))
    try:
        t = f(torch)
    except Exception:
        check_error(f)
        return
    assert_same(f(ember), t, check_grad_fn=False)


# --- legacy constructor and new_* ------------------------------------------------------------------

@pytest.mark.parametrize("args", [([1, 2],), ([[1.5, 2]],), (2, 3), (0,), (), (ember.Size([2]),), ((2, 3),),
                                  ([True, False],)], ids=str)
def test_legacy_tensor_constructor(args):
    targs = tuple(torch.Size(a) if isinstance(a, ember.Size) else a for a in args)
    e, t = ember.Tensor(*args), torch.Tensor(*targs)
    assert repr(e.shape) == repr(t.shape) and repr(e.dtype) == repr(t.dtype)
    if len(args) == 1 and isinstance(args[0], list):
        assert_same(e, t, check_grad_fn=False)
    assert type(e) is ember.Tensor and not e.requires_grad


@pytest.mark.parametrize("args", [(2.5,), ("a",), (None,), ([[1], [1, 2]],), ([1j],), (2, 2.5), (-1,), ([1, None],)],
                         ids=str)
def test_legacy_tensor_constructor_errors(args):
    check_error(lambda L: L.Tensor(*args))


def test_legacy_tensor_constructor_data():
    same(lambda L: L.Tensor(np.array([1, 2])))
    same(lambda L: L.Tensor(range(3)))
    same(lambda L: L.Tensor([2 ** 70]))
    check_error(lambda L: L.Tensor(np.arange(3.0)[::-1]))
    e, t = check_error(lambda L: L.Tensor([1.0], requires_grad=True), match_message=False)
    assert str(e).split("\n")[0] == str(t).split("\n")[0]


def test_legacy_tensor_constructor_follows_default_dtype():
    ember.set_default_dtype(ember.float64)
    torch.set_default_dtype(torch.float64)
    assert repr(ember.Tensor([1, 2]).dtype) == repr(torch.Tensor([1, 2]).dtype)
    assert repr(ember.Tensor(2).dtype) == repr(torch.Tensor(2).dtype)


@pytest.mark.parametrize("src", ["float32", "int32", "float64", "bool"])
@pytest.mark.parametrize("method,args", [("new_zeros", ((2, 3),)), ("new_ones", (2, 3)), ("new_empty", ([2],)),
                                         ("new_full", ((2,), 3)), ("new_tensor", ([1, 2.5],)),
                                         ("new_zeros", ((),)), ("new_ones", (ember.Size([1, 2]),))], ids=str)
@pytest.mark.parametrize("dtype", [None, "float64", "int64"])
def test_new_methods(src, method, args, dtype):
    targs = tuple(torch.Size(a) if isinstance(a, ember.Size) else a for a in args)

    def f(L, a):
        x = L.ones(2, dtype=getattr(L, src))
        kw = {} if dtype is None else {"dtype": getattr(L, dtype)}
        return getattr(x, method)(*a, **kw)
    t = f(torch, targs)
    e = f(ember, args)
    assert repr(e.dtype) == repr(t.dtype) and repr(e.shape) == repr(t.shape)
    if method != "new_empty":
        assert_same(e, t, check_grad_fn=False)


@pytest.mark.parametrize("method,args", [("new_zeros", ()), ("new_ones", ()), ("new_empty", ()), ("new_zeros", (-1,)),
                                         ("new_ones", (2, -1)), ("new_full", ((-1,), 2)), ("new_empty", (1.5,)),
                                         ("new_full", ((2,), 1.5, 3))], ids=str)
def test_new_methods_errors(method, args):
    check_error(lambda L: getattr(L.ones(2), method)(*args))


def test_new_methods_requires_grad():
    for L in (ember, torch):
        x = L.ones(2)
        assert x.new_zeros(2, requires_grad=True).requires_grad
        assert x.new_tensor([1.0], requires_grad=True).is_leaf


def test_new_tensor_from_tensor_warns():
    for L in (ember, torch):
        with pytest.warns(UserWarning, match="To copy construct from a tensor"):
            L.ones(2).new_tensor(L.ones(2))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 4), max_size=4), st.sampled_from(["zeros", "ones", "full"]))
def test_factories_property_shapes(shape, fn):
    def f(L):
        return L.full(shape, 1.5) if fn == "full" else getattr(L, fn)(shape)
    same(f)
    if shape:
        same(lambda L: getattr(L, "zeros")(*shape))
