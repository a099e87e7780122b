"""Tensor utilities and methods against torch: predicates, typename, fill, empty_permuted, frombuffer, sum_to_size,
resize_/resize_as_, new, apply_/map_/map2_, fill_diagonal_, dim_order, pinned/shared memory answers, the in-place
comparison/swap aliases, cumsum_/cumprod_, cdouble/cfloat, bernoulli/multinomial methods, vdot."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import ember
from _compare import assert_same, check_error, check_op

RNG = np.random.default_rng(51)


def r(*shape, dtype=np.float64):
    return RNG.standard_normal(shape).astype(dtype)


def both(fn):
    return fn(ember), fn(torch)


def test_predicates_and_typename():
    for fn in (lambda lib: lib.is_nonzero(lib.tensor([1.0])), lambda lib: lib.is_nonzero(lib.tensor(0)),
               lambda lib: lib.ones(1, 1).is_nonzero(),
               lambda lib: lib.is_same_size(lib.ones(2, 3), lib.ones(3, 2)),
               lambda lib: lib.ones(2, 3).is_same_size(lib.ones(2, 3)),
               lambda lib: lib.is_signed(lib.ones(1, dtype=lib.uint8)), lambda lib: lib.is_signed(lib.ones(1)),
               lambda lib: lib.is_inference(lib.ones(1)), lambda lib: lib.ones(1).is_inference(),
               lambda lib: lib.typename(lib.ones(1, dtype=lib.float64)), lambda lib: lib.typename(1.0),
               lambda lib: lib.typename(np.zeros(1)), lambda lib: lib.typename(warnings.catch_warnings),
               lambda lib: lib.ones(2).is_pinned(), lambda lib: lib.ones(2).is_shared(),
               lambda lib: lib.ones(2).share_memory_().is_shared(),
               lambda lib: lib.ones(2, 3, 4).dim_order(), lambda lib: lib.ones(2, 3, 4).permute(2, 0, 1).dim_order(),
               lambda lib: lib.ones(2, 1, 4).transpose(0, 1).dim_order(), lambda lib: lib.ones(()).dim_order()):
        e, t = both(fn)
        assert e == t, (e, t)
    for lib in (torch, ember):
        x = lib.ones(2, requires_grad=True) * 3
        assert x.output_nr == 0 and lib.ones(2).output_nr == 0
        assert lib.ones(2, 3, requires_grad=True).max(0)[1].output_nr == 0
        y = lib.ones(4, requires_grad=True).split(2)[1]
        assert y.output_nr == 1


@pytest.mark.parametrize("fn", [
    lambda lib: lib.is_nonzero(lib.tensor([1.0, 2.0])),
    lambda lib: lib.is_nonzero(lib.tensor([])),
    lambda lib: lib.ones(2).pin_memory(),
    lambda lib: lib.ones(2, 3).sum_to_size(2, 2),
    lambda lib: lib.ones(2, 3).sum_to_size(1, 2, 3, 4),
    lambda lib: lib.ones(2, requires_grad=True).resize_(3),
    lambda lib: lib.ones(3).fill_diagonal_(1.0),
    lambda lib: lib.ones(2, 3, 3).fill_diagonal_(1.0),
    lambda lib: lib.ones(2, 2, requires_grad=True).fill_diagonal_(3),
    lambda lib: lib.empty_permuted((2, 3), (0,)),
    lambda lib: lib.empty_permuted((2, 3), (0, 0)),
    lambda lib: lib.empty_permuted((2, 3), (0, 2)),
], ids=range(12))
def test_errors(fn):
    check_error(fn)


def test_fill_and_empty_permuted():
    check_op(lambda lib, x: lib.fill(x, 2.5), [r(2, 3)])
    check_op(lambda lib, x, v: lib.fill(x, v), [r(2, 3), r()])
    for fn in (lambda lib: lib.fill(lib.ones(2, dtype=lib.long), 3),
               lambda lib: lib.fill(lib.ones(2), lib.tensor(4.0))):
        e, t = both(fn)
        assert_same(e, t)
    for lib in (torch, ember):
        x = lib.empty_permuted((2, 3, 4), (0, 2, 1))
        assert x.shape == (2, 3, 4) and x.stride() == (12, 1, 3) and x.dtype == lib.float32
        y = lib.empty_permuted((2, 3), (1, 0), dtype=lib.float64, requires_grad=True)
        assert y.stride() == (1, 2) and y.dtype == lib.float64 and y.requires_grad


def test_frombuffer():
    for args in [dict(dtype="int16"), dict(dtype="int16", count=1, offset=2), dict(dtype="float32"),
                 dict(dtype="uint8", offset=3)]:
        res = []
        for lib in (torch, ember):
            buf = bytearray(np.arange(8, dtype=np.uint8).tobytes())
            kw = dict(args, dtype=getattr(lib, args["dtype"]))
            t = lib.frombuffer(buf, **kw)
            t[0] = 42
            res.append((t, bytes(buf)))
        assert_same(res[1][0], res[0][0])
        assert res[1][1] == res[0][1]  # writes land in the buffer
    check_error(lambda lib: lib.frombuffer(bytearray(3), dtype=lib.int16), match_message=True)
    check_error(lambda lib: lib.frombuffer(bytearray(4), dtype=lib.int16, count=3), match_message=True)
    check_error(lambda lib: lib.frombuffer(bytearray(4), dtype=lib.int16, offset=4), match_message=True)
    check_error(lambda lib: lib.frombuffer(bytearray(0), dtype=lib.int16), match_message=True)


@pytest.mark.parametrize("size", [(1, 3), (2, 1), (3,), (1,), (), (2, 3), (1, 1)])
def test_sum_to_size(size):
    check_op(lambda lib, x: x.sum_to_size(*size) if size else x.sum_to_size(size), [r(2, 3)])
    check_op(lambda lib, x: x.sum_to_size(list(size)), [r(2, 3).astype(np.float32)])


def test_resize():
    for fn in (lambda lib: lib.arange(6.0).resize_(2, 2),
               lambda lib: lib.arange(6.0).resize_(2, 5)[0],
               lambda lib: lib.arange(6.0).view(2, 3).t().resize_(3, 2),
               lambda lib: lib.arange(6.0).view(2, 3)[1].resize_(2),
               lambda lib: lib.arange(6.0).view(2, 3)[0].resize_(4),
               lambda lib: lib.arange(6.0).resize_as_(lib.ones(1, 2)),
               lambda lib: lib.arange(6.0).resize_([0]),
               lambda lib: lib.arange(4).resize_((2, 2))):
        e, t = both(fn)
        assert_same(e, t)
        assert e.stride() == t.stride()
    for lib in (torch, ember):
        x = lib.arange(6.0)
        v = x[:3]
        x.resize_(2, 2)
        x[0, 0] = 9
        assert v[0].item() == 9  # storage kept: earlier views still see it


def test_new():
    for fn in (lambda lib: lib.ones(2, dtype=lib.float64).new(2, 3).shape,
               lambda lib: lib.ones(2, dtype=lib.int32).new([1, 2]).tolist(),
               lambda lib: lib.ones(2, dtype=lib.int32).new([1, 2]).dtype,
               lambda lib: lib.ones(2, dtype=lib.float64).new().shape,
               lambda lib: lib.ones(2, dtype=lib.float64).new(lib.Size([3])).shape):
        e, t = both(fn)
        assert e == t or str(e) == str(t)


def test_apply_map():
    for fn in (lambda lib: lib.arange(6.0).view(2, 3).apply_(lambda v: v * v + 1),
               lambda lib: lib.arange(4).apply_(lambda v: v // 2),
               lambda lib: lib.arange(6.0).view(2, 3).map_(lib.tensor([1.0, 2.0, 3.0]), lambda a, b: a - b),
               lambda lib: lib.ones(3).map2_(lib.arange(3.0), lib.tensor([2.0]), lambda a, b, c: a + b * c)):
        e, t = both(fn)
        assert_same(e, t)
    check_error(lambda lib: lib.ones(2, requires_grad=True).apply_(lambda v: v))


@pytest.mark.parametrize("shape,wrap", [((3, 3), False), ((5, 3), False), ((7, 3), True), ((3, 5), True),
                                        ((3, 3, 3), False), ((8, 2), True)])
def test_fill_diagonal(shape, wrap):
    e, t = both(lambda lib: lib.zeros(shape).fill_diagonal_(2.5, wrap))
    assert_same(e, t)
    check_op(lambda lib, x: (x * 1).fill_diagonal_(-1.0, wrap), [r(*shape)])


def test_inplace_aliases():
    for name, other in (("greater_", 0.0), ("greater_equal_", 0.1), ("less_", 0.0), ("less_equal_", -0.1),
                        ("not_equal_", 0.0)):
        x = r(3, 4)
        e, t = both(lambda lib: getattr(lib.from_numpy(x.copy()), name)(other))
        assert_same(e, t)
    for name in ("swapaxes_", "swapdims_"):
        e, t = both(lambda lib: getattr(lib.arange(6.0).view(2, 3), name)(0, 1))
        assert_same(e, t)
        assert e.stride() == t.stride()


def test_cumulative_inplace_and_casts():
    check_op(lambda lib, x: (x * 1).cumsum_(1), [r(3, 4)])
    check_op(lambda lib, x: (x * 1).cumprod_(0), [r(3, 4)])
    e, t = both(lambda lib: lib.arange(4).cumsum_(0, dtype=lib.int64))
    assert_same(e, t)
    check_error(lambda lib: lib.arange(4).cumsum_(0, dtype=lib.int32))
    check_op(lambda lib, x: x.cdouble(), [r(3)], check_grad_fn=False, grad=False)
    check_op(lambda lib, x: x.cfloat(), [r(3)], check_grad_fn=False, grad=False)
    check_op(lambda lib, a, b: a.vdot(b), [r(4), r(4)])


def test_random_methods():
    p = RNG.random((3, 4))
    for fn in (lambda lib: lib.from_numpy(p.copy()).bernoulli(),
               lambda lib: lib.from_numpy(p.copy()).bernoulli(0.3),
               lambda lib: lib.from_numpy(p.copy()).multinomial(2),
               lambda lib: lib.from_numpy(p.copy()).multinomial(6, True)):
        res = []
        for lib in (torch, ember):
            lib.manual_seed(7)
            res.append(fn(lib))
        assert_same(res[1], res[0])


def test_nonzero_static_and_small_queries():
    for fn in (lambda lib: lib.nonzero_static(lib.tensor([0, 3, 0, 5]), size=3),
               lambda lib: lib.nonzero_static(lib.tensor([0, 3, 0, 5]), size=1, fill_value=7),
               lambda lib: lib.nonzero_static(lib.eye(3), size=5),
               lambda lib: lib.tensor([[0.0, 1.0], [2.0, 0.0]]).nonzero_static(size=0),
               lambda lib: lib.nonzero_static(lib.tensor(2.0), size=2)):
        e, t = both(fn)
        assert_same(e, t)
    check_error(lambda lib: lib.nonzero_static(lib.ones(2), size=-1))
    for fn in (lambda lib: (lambda x: (x.is_set_to(x), x.is_set_to(x.view(4)), x.is_set_to(x[:]), x.is_set_to(x[1:]),
                                       x.is_set_to(x.clone())))(lib.arange(4)),
               lambda lib: lib.get_device(lib.ones(1)),
               lambda lib: [getattr(lib.ones(1), n) for n in ("is_mps", "is_xla", "is_xpu", "is_ipu", "is_mtia",
                                                              "is_maia", "is_vulkan", "is_mkldnn", "is_nested",
                                                              "is_sparse_csr")]):
        e, t = both(fn)
        assert e == t
    x = ember.ones(3)
    assert x.const_data_ptr() == x.data_ptr()
