"""bitwise_left_shift / bitwise_right_shift and the << >> operators, against torch."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
from _compare import assert_same, check_error

INT_DTYPES = ["uint8", "int8", "int16", "int32", "int64"]


def _pair(lib, arr):
    return lib.from_numpy(np.array(arr, copy=True))


def _values(dtype: str) -> np.ndarray:
    info = np.iinfo(dtype)
    vals = [0, 1, 3, 100, info.max, info.min, info.max // 3]
    if info.min < 0:
        vals += [-1, -7, info.min // 5]
    return np.array(vals, dtype)


@pytest.mark.parametrize("dtype", INT_DTYPES)
@pytest.mark.parametrize("name", ["bitwise_left_shift", "bitwise_right_shift"])
def test_shift_counts_in_and_out_of_range(dtype, name):
    a = _values(dtype)
    bits = np.dtype(dtype).itemsize * 8
    counts = np.array([0, 1, 2, bits - 1, bits, bits + 1, 100] + ([-1, -3] if np.dtype(dtype).kind == "i" else []),
                      dtype)
    counts = counts[counts.astype(np.int64) == np.array([0, 1, 2, bits - 1, bits, bits + 1, 100]
                                                       + ([-1, -3] if np.dtype(dtype).kind == "i" else []))]
    aa, cc = np.meshgrid(a, counts, indexing="ij")
    e = getattr(ember, name)(_pair(ember, aa), _pair(ember, cc))
    t = getattr(torch, name)(_pair(torch, aa), _pair(torch, cc))
    assert_same(e, t)


@pytest.mark.parametrize("op", ["<<", ">>"])
@pytest.mark.parametrize("left,right", [
    ("int8", "int64"), ("uint8", "int8"), ("bool", "int32"), ("int16", "bool"), ("int32", 3), ("int8", 300),
    ("int8", -1), ("uint8", -1), ("bool", 1), (2, "int8"), (300, "int8"), ("int64", 64), ("int64", 63),
])
def test_operator_promotion(op, left, right):
    def side(lib, s):
        if isinstance(s, str):
            arr = np.array([0, 1, 5, 100], dtype=s) if s != "bool" else np.array([True, False, True, True])
            return _pair(lib, arr)
        return s
    e = eval(f"a {op} b", {"a": side(ember, left), "b": side(ember, right)})
    t = eval(f"a {op} b", {"a": side(torch, left), "b": side(torch, right)})
    assert_same(e, t)


def test_broadcast_and_scalar_self_and_out():
    a = np.arange(6, dtype=np.int32).reshape(2, 3)
    b = np.array([[1], [2]], dtype=np.int64)
    assert_same(ember.bitwise_left_shift(_pair(ember, a), _pair(ember, b)),
                torch.bitwise_left_shift(_pair(torch, a), _pair(torch, b)))
    assert_same(ember.bitwise_right_shift(5, _pair(ember, b)), torch.bitwise_right_shift(5, _pair(torch, b)))
    eo, to = ember.empty(2, 3, dtype=ember.int32), torch.empty(2, 3, dtype=torch.int32)
    ember.bitwise_left_shift(_pair(ember, a), 2, out=eo)
    torch.bitwise_left_shift(_pair(torch, a), 2, out=to)
    assert_same(eo, to)


def test_methods_and_inplace():
    a = np.array([1, -2, 7, 64], np.int8)
    for name in ["bitwise_left_shift", "bitwise_right_shift"]:
        assert_same(getattr(_pair(ember, a), name)(2), getattr(_pair(torch, a), name)(2))
        e, t = _pair(ember, a), _pair(torch, a)
        re = getattr(e, name + "_")(ember.tensor([1, 2, 3, 9]))
        rt = getattr(t, name + "_")(torch.tensor([1, 2, 3, 9]))
        assert re is e and rt is t
        assert_same(e, t)
        assert e._version == t._version
    e, t = _pair(ember, a), _pair(torch, a)
    e <<= 1
    t <<= 1
    assert_same(e, t)
    e >>= ember.tensor(2)
    t >>= torch.tensor(2)
    assert_same(e, t)
    # reflected operators
    assert_same(ember.tensor([5]).__rrshift__(100), torch.tensor([5]).__rrshift__(100))
    assert_same(3 << ember.tensor([1, 2]), 3 << torch.tensor([1, 2]))


def test_view_inplace_shares_memory():
    e = ember.arange(8, dtype=ember.int16)
    t = torch.arange(8, dtype=torch.int16)
    e[2:5].bitwise_left_shift_(3)
    t[2:5].bitwise_left_shift_(3)
    assert_same(e, t)


@pytest.mark.parametrize("fn", [
    lambda lib: lib.tensor([1.5]) << 1,
    lambda lib: lib.tensor([1]) << 2.5,
    lambda lib: 2.5 << lib.tensor([1]),
    lambda lib: lib.tensor([1.0]) >> lib.tensor([1]),
    lambda lib: lib.tensor([True]) << lib.tensor([True]),
    lambda lib: lib.tensor([1], dtype=lib.uint16) << 1,
    lambda lib: lib.tensor([1], dtype=lib.uint32) >> 1,
    lambda lib: lib.tensor([1], dtype=lib.uint64) >> 1,
    lambda lib: lib.bitwise_left_shift(lib.tensor([1]), 1.0),
    lambda lib: lib.tensor([1, 2]) << lib.tensor([1, 2, 3]),
    lambda lib: lib.tensor([1, 2]).bitwise_left_shift_(lib.tensor([[1], [2]])),
    lambda lib: lib.tensor([1, 2], dtype=lib.int8).__ilshift__(1.5),
    lambda lib: lib.tensor([1.5]).__rlshift__(2),
])
def test_errors(fn):
    check_error(fn)


def test_unsupported_operand_defers():
    assert ember.tensor([1]).__lshift__("a") is NotImplemented
    with pytest.raises(TypeError):
        ember.tensor([1]) << "a"
