"""F.grid_sample against torch: values, input and grid grads bit for bit (every mode, padding mode and align_corners,
2-D and 3-D, float32/float64/half), node names and edges, scatter order (many points per pixel, non-contiguous
grids), far-off / NaN points, empty shapes, warnings and errors."""
from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
import torch

import ember
from tests._compare import check_error

_DT = {"float32": (torch.float32, ember.float32), "float64": (torch.float64, ember.float64),
       "float16": (torch.float16, ember.float16)}


def _run(L, dt, x, g, gout, mode, pad, ac, grads=(True, True)):
    xt = L.tensor(x, dtype=dt, requires_grad=grads[0])
    gt = L.tensor(g, dtype=dt, requires_grad=grads[1])
    y = L.nn.functional.grid_sample(xt, gt, mode=mode, padding_mode=pad, align_corners=ac)
    y.backward(L.tensor(gout, dtype=dt))
    return (y.detach().numpy(), None if xt.grad is None else xt.grad.numpy(),
            None if gt.grad is None else gt.grad.numpy(), y.grad_fn.name())


def _same(*args, **kwargs):
    t = _run(torch, _DT[args[0]][0], *args[1:], **kwargs)
    e = _run(ember, _DT[args[0]][1], *args[1:], **kwargs)
    assert t[3] == e[3]
    for a, b, what in zip(t[:3], e[:3], ("output", "input grad", "grid grad")):
        assert (a is None) == (b is None), what
        if a is not None:
            assert a.dtype == b.dtype and a.shape == b.shape, what
            assert np.array_equal(a, b, equal_nan=True), f"{what}: {np.abs(a - b).max()}"


def _points(rng, shape):
    """Grid values inside and past [-1, 1], with some exactly on pixel centres/edges and the borders."""
    g = rng.uniform(-1.7, 1.7, shape)
    special = np.array([-1.0, 1.0, 0.0, -0.5, 0.5, 1.25, -2.0, 3.5])
    g.flat[::5] = rng.choice(special, g.flat[::5].shape)
    return g


MODES_2D = list(itertools.product(("bilinear", "nearest", "bicubic"), ("zeros", "border", "reflection"),
                                  (False, True)))
MODES_3D = list(itertools.product(("bilinear", "nearest"), ("zeros", "border", "reflection"), (False, True)))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("mode,pad,ac", MODES_2D, ids=str)
def test_grid_sample_2d_exact(mode, pad, ac, dtype):
    rng = np.random.default_rng(hash((mode, pad, ac)) % 2**32)
    x, g = rng.standard_normal((2, 3, 5, 7)), _points(rng, (2, 6, 9, 2))
    _same(dtype, x, g, rng.standard_normal((2, 3, 6, 9)), mode, pad, ac)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("mode,pad,ac", MODES_3D, ids=str)
def test_grid_sample_3d_exact(mode, pad, ac, dtype):
    rng = np.random.default_rng(hash((mode, pad, ac, 3)) % 2**32)
    x, g = rng.standard_normal((2, 2, 4, 5, 3)), _points(rng, (2, 3, 2, 5, 3))
    _same(dtype, x, g, rng.standard_normal((2, 2, 3, 2, 5)), mode, pad, ac)


@pytest.mark.parametrize("mode,pad", [("bilinear", "zeros"), ("bicubic", "reflection"), ("nearest", "border")])
@pytest.mark.parametrize("nd", [2, 3])
def test_grid_sample_half(nd, mode, pad):
    if nd == 3 and mode == "bicubic":
        mode = "bilinear"
    rng = np.random.default_rng(5)
    shape, gshape = ((2, 3, 5, 6), (2, 4, 5, 2)) if nd == 2 else ((1, 2, 3, 4, 5), (1, 2, 3, 4, 3))
    gout = rng.standard_normal(shape[:2] + gshape[1:-1])
    _same("float16", rng.standard_normal(shape), _points(rng, gshape), gout, mode, pad, True)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("mode", ["bilinear", "nearest", "bicubic"])
def test_grid_sample_crowded_scatter(mode, dtype):
    """Many points read the same few pixels: the input grad's sums must be added in torch's order."""
    rng = np.random.default_rng(1)
    x, g = rng.standard_normal((2, 2, 3, 4)), rng.uniform(-1.1, 1.1, (2, 13, 21, 2))
    _same(dtype, x, g, rng.standard_normal((2, 2, 13, 21)), mode, "zeros", False)


@pytest.mark.parametrize("layout", ["permuted", "hw_swapped", "strided_rows"])
def test_grid_sample_non_contiguous_grid(layout):
    """torch walks a non-contiguous grid row by row, which changes where its vectors start."""
    rng = np.random.default_rng(2)
    x0, g0 = rng.standard_normal((2, 3, 4, 5)), rng.uniform(-1.2, 1.2, (2, 2, 9, 11))
    gout = {"permuted": (2, 3, 9, 11), "hw_swapped": (2, 3, 11, 9), "strided_rows": (2, 3, 9, 6)}[layout]
    gout = rng.standard_normal(gout)
    out = []
    for L, dt in ((torch, torch.float32), (ember, ember.float32)):
        x, graw = L.tensor(x0, dtype=dt, requires_grad=True), L.tensor(g0, dtype=dt, requires_grad=True)
        g = {"permuted": lambda: graw.permute(0, 2, 3, 1), "hw_swapped": lambda: graw.permute(0, 3, 2, 1),
             "strided_rows": lambda: graw.permute(0, 2, 3, 1)[:, :, ::2]}[layout]()
        y = L.nn.functional.grid_sample(x, g, align_corners=False)
        y.backward(L.tensor(gout, dtype=dt))
        out.append((y.detach().numpy(), x.grad.numpy(), graw.grad.numpy()))
    for a, b in zip(*out):
        assert np.array_equal(a, b)


@pytest.mark.parametrize("pad", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("mode", ["bilinear", "nearest", "bicubic"])
def test_grid_sample_non_finite_points(mode, pad):
    g = [[[[float("nan"), 0.2], [0.1, float("inf")], [-float("inf"), 5e20], [1e10, -1e10], [0.3, -0.9]]]]
    out = [L.nn.functional.grid_sample(L.arange(12.).reshape(1, 3, 2, 2), L.tensor(g), mode=mode, padding_mode=pad,
                                       align_corners=False).numpy() for L in (torch, ember)]
    assert np.array_equal(out[0], out[1], equal_nan=True)
    for dt in (ember.float16, ember.float32):  # torch's backward reads outside the input here; ours must not crash
        x = ember.arange(12.).reshape(1, 3, 2, 2).to(dt).requires_grad_()
        gt = ember.tensor(g, dtype=dt, requires_grad=True)
        ember.nn.functional.grid_sample(x, gt, mode=mode, padding_mode=pad, align_corners=True).sum().backward()


@pytest.mark.parametrize("which", [(True, False), (False, True)])
def test_grid_sample_one_input_requires_grad(which):
    rng = np.random.default_rng(3)
    x, g = rng.standard_normal((1, 2, 4, 4)), rng.uniform(-1, 1, (1, 3, 3, 2))
    _same("float64", x, g, np.ones((1, 2, 3, 3)), "bilinear", "zeros", True, grads=which)
    t = torch.nn.functional.grid_sample(torch.tensor(x, requires_grad=which[0]),
                                        torch.tensor(g, requires_grad=which[1]), align_corners=True)
    e = ember.nn.functional.grid_sample(ember.tensor(x, requires_grad=which[0]),
                                        ember.tensor(g, requires_grad=which[1]), align_corners=True)
    assert [f is None for f, _ in t.grad_fn.next_functions] == [f is None for f, _ in e.grad_fn.next_functions]
    assert e.grad_fn.name() == "GridSampler2DBackward0"


def test_grid_sample_node_names():
    for shape, gshape, name in (((1, 1, 3, 3), (1, 2, 2, 2), "GridSampler2DBackward0"),
                                ((1, 1, 2, 3, 3), (1, 2, 2, 2, 3), "GridSampler3DBackward0")):
        y = ember.nn.functional.grid_sample(ember.ones(shape, requires_grad=True), ember.zeros(gshape),
                                            align_corners=False)
        assert y.grad_fn.name() == name


@pytest.mark.parametrize("shape,gshape", [((0, 3, 4, 5), (0, 2, 2, 2)), ((2, 0, 4, 5), (2, 2, 2, 2)),
                                          ((2, 3, 4, 5), (2, 0, 2, 2)), ((2, 3, 4, 5, 2), (2, 0, 2, 2, 3))], ids=str)
def test_grid_sample_empty(shape, gshape):
    out = []
    for L in (torch, ember):
        x, g = L.ones(shape, requires_grad=True), L.zeros(gshape, requires_grad=True)
        y = L.nn.functional.grid_sample(x, g, align_corners=False)
        y.sum().backward()
        out.append((tuple(y.shape), x.grad.numpy(), g.grad.numpy()))
    assert out[0][0] == out[1][0]
    assert np.array_equal(out[0][1], out[1][1]) and np.array_equal(out[0][2], out[1][2])


def test_grid_sample_align_corners_warning():
    x, g = np.ones((1, 1, 2, 2)), np.zeros((1, 1, 1, 2))
    msgs = []
    for L in (torch, ember):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            L.nn.functional.grid_sample(L.tensor(x), L.tensor(g))
        msgs.append([(str(m.message), m.category) for m in w])
    assert msgs[0] == msgs[1] and len(msgs[0]) == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ember.nn.functional.grid_sample(ember.tensor(x), ember.tensor(g), align_corners=False)


ERRORS = [
    lambda L: L.nn.functional.grid_sample(L.ones(2, 3, 4, 5), L.zeros(2, 3, 3, 2), mode="foo", align_corners=False),
    lambda L: L.nn.functional.grid_sample(L.ones(2, 3, 4, 5), L.zeros(2, 3, 3, 2), padding_mode="x",
                                          align_corners=False),
    lambda L: L.nn.functional.grid_sample(L.ones(2, 3, 4, 5), L.zeros(3, 3, 3, 2), align_corners=False),
    lambda L: L.nn.functional.grid_sample(L.ones(2, 3, 4, 5), L.zeros(2, 3, 3, 3), align_corners=False),
    lambda L: L.nn.functional.grid_sample(L.ones(2, 3, 4, 5), L.zeros(2, 3, 3), align_corners=False),
    lambda L: L.nn.functional.grid_sample(L.ones(3, 4, 5), L.zeros(2, 3, 3, 2), align_corners=False),
    lambda L: L.nn.functional.grid_sample(L.ones(2, 3, 0, 5), L.zeros(2, 3, 3, 2), align_corners=False),
    lambda L: L.nn.functional.grid_sample(L.ones(1, 1, 2, 2), L.zeros(1, 1, 2, 2, 2), align_corners=False),
    lambda L: L.nn.functional.grid_sample(L.ones(1, 1, 2, 2, 2), L.zeros(1, 1, 2, 3), align_corners=False),
    lambda L: L.nn.functional.grid_sample(L.ones(1, 1, 2), L.zeros(1, 1, 1), align_corners=False),
    lambda L: L.nn.functional.grid_sample(L.ones(2, 3, 4, 5, 6), L.zeros(2, 3, 3, 3, 3), mode="bicubic",
                                          align_corners=False),
    lambda L: L.nn.functional.grid_sample(L.ones(1, 1, 2, 2), L.zeros(1, 1, 2, 2).double(), align_corners=False),
    lambda L: L.nn.functional.grid_sample(L.ones(1, 1, 2, 2).double(), L.zeros(1, 1, 2, 2), align_corners=False),
    lambda L: L.nn.functional.grid_sample(L.ones(1, 1, 2, 2).long(), L.zeros(1, 1, 2, 2), align_corners=False),
    lambda L: L.nn.functional.grid_sample(L.ones(1, 1, 2, 2, 2).long(), L.zeros(1, 1, 2, 2, 3), align_corners=False),
]


@pytest.mark.parametrize("fn", ERRORS)
def test_grid_sample_errors(fn):
    check_error(fn)


def _changed_in_place(L, which):
    x, g = L.randn(1, 1, 3, 3, requires_grad=True) * 1, L.zeros(1, 2, 2, 2, requires_grad=True) * 1
    y = L.nn.functional.grid_sample(x, g, align_corners=False)
    (x if which == "input" else g).add_(1)
    y.sum().backward()


@pytest.mark.parametrize("which", ["input", "grid"])
def test_grid_sample_saved_tensors_changed_in_place(which):
    check_error(lambda L: _changed_in_place(L, which))


@pytest.mark.parametrize("mode", ["bilinear", "nearest", "bicubic"])
@pytest.mark.parametrize("nd", [2, 3])
def test_grid_sample_input_grad_only(nd, mode):
    if nd == 3 and mode == "bicubic":
        return
    rng = np.random.default_rng(6)
    shape, gshape = ((2, 3, 5, 6), (2, 4, 5, 2)) if nd == 2 else ((1, 2, 3, 4, 5), (1, 2, 3, 4, 3))
    gout = rng.standard_normal(shape[:2] + gshape[1:-1])
    _same("float32", rng.standard_normal(shape), _points(rng, gshape), gout, mode, "border", False, grads=(True, False))
