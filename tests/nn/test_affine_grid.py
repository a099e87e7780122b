"""F.affine_grid against torch: the grid bit for bit (both of torch's bmm roundings), theta's grad, node name,
warnings, errors; and the spatial-transformer pair affine_grid -> grid_sample end to end."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import ember
from tests._compare import check_error

SIZES = [(2, 3, 7, 9), (2, 1, 5, 16), (3, 2, 13, 17), (2, 1, 1, 5), (2, 1, 4, 1), (2, 3, 3, 4, 5), (1, 1, 6, 7, 8),
         (2, 1, 1, 1, 1), (1, 2, 2, 9, 11)]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("ac", [False, True])
@pytest.mark.parametrize("size", SIZES, ids=str)
def test_affine_grid_exact(size, ac, dtype):
    rng = np.random.default_rng(sum(size))
    k = len(size) - 2
    theta = rng.standard_normal((size[0], k, k + 1))
    gout = rng.standard_normal((size[0],) + tuple(size[2:]) + (k,))
    out = []
    for L in (torch, ember):
        dt = getattr(L, dtype)
        th = L.tensor(theta, dtype=dt, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            g = L.nn.functional.affine_grid(th, size, align_corners=ac)
        g.backward(L.tensor(gout, dtype=dt))
        out.append((g.detach().numpy(), th.grad.numpy(), g.grad_fn.name()))
    (gt, tt, nt), (ge, te, ne) = out
    assert nt == ne == "AffineGridGeneratorBackward0"
    assert ge.dtype == gt.dtype and np.array_equal(ge, gt)
    assert np.array_equal(te, tt)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_affine_grid_large_backward(dtype):
    """Past 400 multiply-adds torch's backward is a BLAS product whose blocking we do not copy: a few ulps."""
    rng = np.random.default_rng(0)
    theta, gout = rng.standard_normal((3, 2, 3)), rng.standard_normal((3, 32, 32, 2))
    res = []
    for L in (torch, ember):
        th = L.tensor(theta, dtype=getattr(L, dtype), requires_grad=True)
        g = L.nn.functional.affine_grid(th, (3, 2, 32, 32), align_corners=False)
        g.backward(L.tensor(gout, dtype=getattr(L, dtype)))
        res.append((g.detach().numpy(), th.grad.numpy()))
    assert np.array_equal(res[0][0], res[1][0])
    scale = np.abs(res[0][1]).max() * (1e-5 if dtype == "float32" else 1e-14)
    np.testing.assert_allclose(res[1][1], res[0][1], rtol=0, atol=scale)


def test_spatial_transformer_end_to_end():
    """theta -> affine_grid -> grid_sample, the grads reaching theta and the image."""
    rng = np.random.default_rng(4)
    img, theta = rng.standard_normal((2, 3, 8, 10)), rng.standard_normal((2, 2, 3)) * 0.5
    gout = rng.standard_normal((2, 3, 6, 7))
    res = []
    for L in (torch, ember):
        x, th = L.tensor(img, requires_grad=True), L.tensor(theta, requires_grad=True)
        grid = L.nn.functional.affine_grid(th, (2, 3, 6, 7), align_corners=False)
        y = L.nn.functional.grid_sample(x, grid, align_corners=False)
        y.backward(L.tensor(gout))
        res.append((y.detach().numpy(), x.grad.numpy(), th.grad.numpy()))
    for a, b in zip(*res):
        assert np.array_equal(a, b)


def test_affine_grid_warnings():
    for args, kw in (((2, 1, 3, 4), {}), ((2, 1, 1, 4), {"align_corners": True}),
                     ((2, 1, 3, 1, 4), {"align_corners": True}), ((2, 1, 3, 4), {"align_corners": False})):
        k = len(args) - 2
        msgs = []
        for L in (torch, ember):
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter("always")
                L.nn.functional.affine_grid(L.zeros(2, k, k + 1), args, **kw)
            msgs.append([(str(m.message), m.category) for m in w])
        assert msgs[0] == msgs[1]


ERRORS = [
    lambda L: L.nn.functional.affine_grid(L.zeros(2, 3, 3), (2, 3, 4, 5), align_corners=False),
    lambda L: L.nn.functional.affine_grid(L.zeros(2, 2, 3), (3, 3, 4, 5), align_corners=False),
    lambda L: L.nn.functional.affine_grid(L.zeros(2, 2, 3), (2, 3, 4), align_corners=False),
    lambda L: L.nn.functional.affine_grid(L.zeros(2, 2, 3), (2, 3, 4, 5, 6), align_corners=False),
    lambda L: L.nn.functional.affine_grid(L.zeros(2, 3, 4), (2, 3, 4, 5), align_corners=True),
    lambda L: L.nn.functional.affine_grid(L.zeros(2, 2, 3), [2, 3, 0, 5], align_corners=False),
    lambda L: L.nn.functional.affine_grid(L.zeros(2, 2, 3, dtype=L.int64), (2, 3, 4, 5), align_corners=False),
    lambda L: L.nn.functional.affine_grid(L.zeros(2, 2, 3), (2, 3, 4, 5, 6, 7), align_corners=False),
    lambda L: L.nn.functional.affine_grid(L.zeros(6), (2, 3, 4, 5), align_corners=False),
    lambda L: L.nn.functional.affine_grid(L.zeros(2, 2, 3), L.Size([2, 3, 4])),
]


@pytest.mark.parametrize("fn", ERRORS)
def test_affine_grid_errors(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_error(fn)


@pytest.mark.parametrize("ac", [False, True])
@pytest.mark.parametrize("size", [(1, 1, 3, 4), (2, 1, 30, 40), (1, 1, 3, 4, 5), (2, 1, 8, 9, 10)], ids=str)
def test_affine_grid_half(size, ac):
    """float16: the base grid in half, the products summed in float32 and rounded once, as torch's bmm."""
    rng = np.random.default_rng(12)
    k = len(size) - 2
    theta, gout = rng.standard_normal((size[0], k, k + 1)), rng.standard_normal((size[0],) + size[2:] + (k,))
    res = []
    for L in (torch, ember):
        th = L.tensor(theta, dtype=L.float16, requires_grad=True)
        g = L.nn.functional.affine_grid(th, size, align_corners=ac)
        g.backward(L.tensor(gout, dtype=L.float16))
        res.append((g.detach().numpy(), th.grad.numpy()))
    for a, b in zip(*res):
        assert a.dtype == b.dtype == np.float16 and np.array_equal(a, b)
