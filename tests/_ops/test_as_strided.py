"""as_strided / as_strided_ / new_empty_strided: views of the storage, grads, errors, against torch."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
from _compare import assert_same, check_error, check_op

RNG = np.random.default_rng(1)


@pytest.mark.parametrize("size,stride,offset", [
    ((2, 2), (1, 2), 1), ((3,), (2,), None), ((2, 3), (3, 1), 0), ((4, 2), (1, 1), 0),  # overlapping windows
    ((2, 2), (0, 1), 2), ((0, 3), (1, 1), 0), ((), (), 5), ((6,), (1,), 0),
])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_as_strided_values_and_grads(size, stride, offset, dtype):
    x = RNG.standard_normal((2, 3)).astype(dtype)
    check_op(lambda lib, a: lib.as_strided(a, size, stride, offset), [x])
    check_op(lambda lib, a: a.as_strided(size, stride) if offset is None else a.as_strided(size, stride, offset), [x])


@pytest.mark.parametrize("make", [
    lambda lib, a: a[1],                   # a view with an offset: the default offset is its own
    lambda lib, a: a.t(),                  # transposed input
    lambda lib, a: a.expand(2, 2, 3)[0],   # an expanded input: repeated positions share the grad
    lambda lib, a: a.expand(2, 2, 3),
    lambda lib, a: a[:, 1:],
])
def test_as_strided_of_views(make):
    x = RNG.standard_normal((2, 3))
    check_op(lambda lib, a: make(lib, a).as_strided((2, 2), (1, 1)), [x])
    check_op(lambda lib, a: make(lib, a).as_strided((2,), (2,), 1), [x])


def test_memory_sharing_and_metadata():
    for lib in (ember, torch):
        x = lib.arange(12.0)
        y = x[2:].as_strided((2, 3), (3, 1))
        assert y.storage_offset() == 2 and y.stride() == (3, 1) and y._base is x
        z = x.as_strided((3,), (4,), 1)
        assert z.stride() == (4,) and z.storage_offset() == 1 and not z.is_contiguous()
        y[0, 0] = 100.0
        assert x[2].item() == 100.0
        assert y._version == x._version
    e = ember.arange(12.0).as_strided((2, 3), (1, 2), 3)
    t = torch.arange(12.0).as_strided((2, 3), (1, 2), 3)
    assert_same(e, t)


def test_integer_dtype_and_inplace_write_through():
    e, t = ember.arange(10), torch.arange(10)
    ev, tv = e.as_strided((3, 2), (2, 1), 1), t.as_strided((3, 2), (2, 1), 1)
    ev.mul_(10)
    tv.mul_(10)
    assert_same(e, t)
    assert_same(ev, tv)


def test_as_strided_inplace():
    res = {}
    for lib in (ember, torch):
        a = lib.from_numpy(np.arange(6.0)).requires_grad_()
        c = a * 1.5
        v0 = c._version
        r = c.as_strided_((2, 2), (1, 2), 1)
        assert r is c and c._version == v0 + 1 and c.storage_offset() == 1
        assert c.grad_fn.name() == "AsStridedBackward1"
        (c * c).sum().backward()
        res[lib] = (c, a.grad)
    for e, t in zip(res[ember], res[torch]):
        assert_same(e, t, check_grad_fn=False)
    e, t = ember.arange(6.0), torch.arange(6.0)
    e.as_strided_((2, 2), (2, 1))
    t.as_strided_((2, 2), (2, 1))
    assert_same(e, t)
    assert e._version == t._version


def test_new_empty_strided():
    for lib in (ember, torch):
        y = lib.ones(2, dtype=lib.float64).new_empty_strided((2, 3), (1, 2))
        assert y.stride() == (1, 2) and y.dtype == lib.float64 and tuple(y.shape) == (2, 3)
        z = lib.ones(2).new_empty_strided((2, 3), (3, 1), dtype=lib.int32, requires_grad=False)
        assert z.dtype == lib.int32 and z.stride() == (3, 1)
        assert lib.empty_strided((2, 3), (1, 2)).stride() == (1, 2)


@pytest.mark.parametrize("fn", [
    lambda lib: lib.arange(6.0).as_strided((10,), (1,), 0),
    lambda lib: lib.arange(6.0).as_strided((2, 2), (1, 2), 5),
    lambda lib: lib.arange(6.0).as_strided((2, 2), (-1, 2)),
    lambda lib: lib.arange(6.0).as_strided((2, -2), (1, 2)),
    lambda lib: lib.arange(6.0).as_strided((2, 2), (1,)),
    lambda lib: lib.arange(6.0).as_strided((2, 2), (1, 2), -1),
    lambda lib: lib.arange(6.0).as_strided([3], [2], 1.5),
    lambda lib: lib.arange(6.0).as_strided(3, 2),
    lambda lib: lib.as_strided(lib.arange(6.0), 3, 2),
    lambda lib: lib.arange(6, dtype=lib.int16)[2:].as_strided((5,), (1,)),
    lambda lib: lib.arange(6.0).expand(2, 6).as_strided((2, 2), (1, 1), 5),
    lambda lib: lib.ones(6, requires_grad=True).as_strided_((2, 3), (1, 2)),
])
def test_errors(fn):
    check_error(fn)


@pytest.mark.parametrize("size,stride,offset", [((2, 2), (1, 2), 1), ((3,), (2,), None), ((2, 2), (0, 1), 2)])
def test_as_strided_copy(size, stride, offset):
    x = RNG.standard_normal((2, 3))
    e, t = check_op(lambda lib, a: lib.as_strided_copy(a, size, stride, offset), [x])
    assert e.is_contiguous() and e._base is None


@pytest.mark.parametrize("size,stride,offset", [((2, 2), (1, 2), 1), ((2,), (1,), 0), ((2,), (2,), 1),
                                                ((2, 2), (1, 1), 1), ((3,), (2,), 0)])
def test_as_strided_scatter(size, stride, offset):
    x, src = RNG.standard_normal(6), RNG.standard_normal(size)
    # values, node and src's grad as torch; input's grad against the math: torch 2.13 returns it inverted (g at
    # the written positions, 0 elsewhere; torch.autograd.gradcheck fails on it), so it is checked here by hand
    res = {}
    for lib in (ember, torch):
        a, s = lib.from_numpy(x.copy()).requires_grad_(), lib.from_numpy(src.copy()).requires_grad_()
        out = lib.as_strided_scatter(a, s, size, stride, offset)
        g = lib.arange(6, dtype=lib.float64) + 10
        res[lib] = (out,) + lib.autograd.grad(out, (a, s), g)
    assert_same(res[ember][0], res[torch][0])
    assert_same(res[ember][2], res[torch][2])
    expected = np.arange(6.0) + 10
    pos = [offset + sum(i * st for i, st in zip(idx, stride)) for idx in np.ndindex(*size)]
    expected[pos] = 0
    np.testing.assert_array_equal(res[ember][1].numpy(), expected)


def test_as_strided_scatter_layout_and_methods():
    e = ember.arange(6.0).reshape(2, 3).t()
    t = torch.arange(6.0).reshape(2, 3).t()
    re, rt = ember.as_strided_scatter(e, ember.zeros(2), (2,), (1,), 0), torch.as_strided_scatter(t, torch.zeros(2),
                                                                                                  (2,), (1,), 0)
    assert_same(re, rt)
    assert re.stride() == rt.stride()
    assert_same(e.as_strided_scatter(ember.ones(2, 2), (2, 2), (1, 2)), t.as_strided_scatter(torch.ones(2, 2), (2, 2),
                                                                                             (1, 2)))
    # the in-place forms torch has at its top level
    for lib in (ember, torch):
        b = lib.zeros(3)
        assert lib.index_put_(b, (lib.tensor([0]),), lib.tensor(1.0)) is b and b.tolist() == [1.0, 0.0, 0.0]
        c = lib.arange(6.0)
        assert lib.as_strided_(c, (2,), (2,)) is c and c.tolist() == [0.0, 2.0]
        d = lib.tensor([0.25, 0.5])
        assert lib.logit_(d) is d and lib.sinc_(d) is d and lib.i0_(d) is d
    assert_same(ember.i0_(ember.tensor([0.25, 0.5])), torch.i0_(torch.tensor([0.25, 0.5])))


@pytest.mark.parametrize("fn", [
    lambda lib: lib.as_strided_scatter(lib.arange(6.0), lib.ones(2, 2), (2, 2), (1, 2), 5),
    lambda lib: lib.as_strided_scatter(lib.arange(6.0), lib.ones(3), (2, 2), (1, 2), 1),
    lambda lib: lib.as_strided_copy(lib.arange(6.0), (10,), (1,)),
    lambda lib: lib.as_strided_copy(lib.arange(6.0), (2,), (-1,)),
])
def test_copy_scatter_errors(fn):
    check_error(fn)
