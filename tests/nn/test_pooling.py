"""max/avg/adaptive pooling (functional and modules) against torch: values, indices, grads, nodes, reprs, errors."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
from ember._ops.nn import pooling as P
from tests._compare import check_error, check_op


def _F(lib):
    return P if lib is ember else lib.nn.functional


def _x(shape, dtype=np.float64, seed=0, ties=False):
    rng = np.random.default_rng(seed)
    if ties:  # few distinct values: many equal maxima in a window
        return rng.integers(0, 3, shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


MAX2D = [
    ((2, 3, 7, 6), dict(kernel_size=2)),
    ((2, 3, 7, 6), dict(kernel_size=3, stride=2, padding=1)),
    ((1, 2, 8, 9), dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 0), dilation=(2, 1))),
    ((2, 2, 7, 7), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ((2, 2, 6, 5), dict(kernel_size=2, ceil_mode=True)),
    ((3, 5, 5), dict(kernel_size=2, stride=1)),                               # unbatched
    ((1, 2, 9, 9), dict(kernel_size=3, dilation=2, padding=1, stride=3, ceil_mode=True)),
]

MAX1D = [
    ((2, 3, 9), dict(kernel_size=2)),
    ((2, 3, 9), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ((3, 10), dict(kernel_size=2, dilation=3, padding=1)),
    ((1, 2, 8), dict(kernel_size=4, stride=(3,), padding=[2], dilation=1)),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("name,shape,kw", [("max_pool2d",) + c for c in MAX2D] + [("max_pool1d",) + c for c in MAX1D])
def test_max_pool(name, shape, kw, dtype, ties):
    x = _x(shape, dtype, ties=ties)
    check_op(lambda lib, x: getattr(_F(lib), name)(x, **kw), [x])
    check_op(lambda lib, x: getattr(_F(lib), name)(x, return_indices=True, **kw), [x])


def test_max_pool_special_values():
    nan, inf = float("nan"), float("inf")
    x = np.array([[[1.0, nan, nan, 2.0, -inf, -inf, -inf, 0.5]]])
    for kw in (dict(kernel_size=(1, 4)), dict(kernel_size=(1, 2), padding=(0, 1)),
               dict(kernel_size=(1, 3), stride=2, padding=(0, 1), dilation=(1, 2))):
        check_op(lambda lib, x: _F(lib).max_pool2d(x, return_indices=True, **kw), [x])
    check_op(lambda lib, x: _F(lib).max_pool2d(x, 2, return_indices=True),
             [np.array([[[3, -9, 3], [3, 2, 1], [5, 5, 5]]], np.int64)])


AVG2D = [
    ((2, 3, 7, 6), dict(kernel_size=2)),
    ((2, 3, 7, 6), dict(kernel_size=3, stride=2, padding=1)),
    ((2, 3, 7, 6), dict(kernel_size=3, stride=2, padding=1, count_include_pad=False)),
    ((1, 2, 5, 5), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ((1, 2, 6, 6), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)),
    ((1, 2, 6, 6), dict(kernel_size=(2, 3), stride=(3, 1), padding=(1, 0), ceil_mode=True, divisor_override=3)),
    ((3, 6, 4), dict(kernel_size=2)),                                        # unbatched
]

AVG1D = [
    ((2, 3, 9), dict(kernel_size=2)),
    ((2, 3, 9), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)),
    ((3, 10), dict(kernel_size=4, stride=3, padding=2, ceil_mode=True)),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,shape,kw", [("avg_pool2d",) + c for c in AVG2D] + [("avg_pool1d",) + c for c in AVG1D])
def test_avg_pool(name, shape, kw, dtype):
    check_op(lambda lib, x: getattr(_F(lib), name)(x, **kw), [_x(shape, dtype)])


def test_avg_pool_integer():
    x = np.array([[[-7, 5, 3, -1, 4], [2, 2, -3, 0, 9]]], np.int64)
    check_op(lambda lib, x: _F(lib).avg_pool2d(x, 2, stride=1), [x])
    check_op(lambda lib, x: _F(lib).avg_pool1d(x, 3, padding=1, count_include_pad=False), [x])


ADAPTIVE = [
    ("adaptive_avg_pool2d", (2, 3, 7, 6), 3),
    ("adaptive_avg_pool2d", (2, 3, 7, 6), (4, 5)),
    ("adaptive_avg_pool2d", (2, 3, 5, 6), (None, 4)),
    ("adaptive_avg_pool2d", (2, 3, 5, 6), 1),                                 # MeanBackward1
    ("adaptive_avg_pool2d", (3, 4, 4), (6, 2)),                               # upsampling, unbatched
    ("adaptive_avg_pool2d", (1, 2, 4, 4), (0, 2)),
    ("adaptive_avg_pool1d", (2, 3, 10), 4),
    ("adaptive_avg_pool1d", (3, 7), (1,)),
    ("adaptive_avg_pool1d", (2, 3, 5), 7),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,shape,size", ADAPTIVE)
def test_adaptive_avg_pool(name, shape, size, dtype):
    empty = isinstance(size, tuple) and 0 in size  # torch's backward refuses an empty output
    check_op(lambda lib, x: getattr(_F(lib), name)(x, size), [_x(shape, dtype)], grad=not empty)


ERRORS = [
    ("max_pool2d", (2, 3, 7, 6), (2,), dict(padding=2)),
    ("max_pool2d", (2, 3, 7, 6), (9,), {}),
    ("max_pool2d", (1, 2, 9, 9), (3,), dict(dilation=2, padding=2)),
    ("max_pool2d", (2, 3, 7, 6), (3,), dict(stride=0)),
    ("max_pool2d", (2, 3, 7, 6), (0,), {}),
    ("max_pool2d", (2, 3, 7, 6), (2,), dict(dilation=0)),
    ("max_pool2d", (2, 3, 7, 6), ((2, 2, 2),), {}),
    ("max_pool2d", (2, 3, 7), (2,), dict(stride=(1, 1, 1))),
    ("max_pool2d", (2, 3, 7), (2,), dict(padding=(1, 1, 1))),
    ("max_pool2d", (2, 3, 7), (2,), dict(padding=-1)),
    ("max_pool2d", (7, 6), (2,), {}),
    ("max_pool2d", (1, 2, 3, 7, 6), (2,), {}),
    ("max_pool2d", (2, 3, 0, 6), (2,), {}),
    ("max_pool1d", (2, 3, 7, 6), (2,), {}),
    ("max_pool1d", (2, 3, 7), (9,), {}),
    ("max_pool1d", (2, 3, 7), (3,), dict(padding=2)),
    ("max_pool1d", (2, 3, 7), (0,), {}),
    ("max_pool1d", (2, 3, 7), (2,), dict(stride=0)),
    ("max_pool1d", (2, 3, 7), (2,), dict(dilation=0)),
    ("max_pool1d", (2, 3, 7), (2,), dict(padding=-1)),
    ("max_pool1d", (2, 3, 7), ((2, 2),), {}),
    ("max_pool1d", (7,), (2,), {}),
    ("max_pool1d", (2, 3, 0), (2,), {}),
    ("max_pool1d", (2, 3, 7), (9,), dict(return_indices=True)),
    ("max_pool1d", (2, 3, 7), (3,), dict(padding=2, return_indices=True)),
    ("max_pool1d", (7,), (2,), dict(return_indices=True)),
    ("avg_pool2d", (2, 3, 7, 6), (2,), dict(padding=2)),
    ("avg_pool2d", (2, 3, 7, 6), (9,), {}),
    ("avg_pool2d", (2, 3, 7, 6), (0,), {}),
    ("avg_pool2d", (2, 3, 7, 6), (2,), dict(stride=0)),
    ("avg_pool2d", (2, 3, 7, 6), (2,), dict(divisor_override=0)),
    ("avg_pool2d", (7, 6), (2,), {}),
    ("avg_pool2d", (1, 1, 2, 3, 7), (2,), {}),
    ("avg_pool2d", (2, 3, 7), ((1, 2, 3),), {}),
    ("avg_pool2d", (2, 3, 7), (2,), dict(padding=-1)),
    ("avg_pool1d", (2, 3, 7), (9,), {}),
    ("avg_pool1d", (2, 3, 7), (2,), dict(padding=2)),
    ("avg_pool1d", (2, 3, 7), (0,), {}),
    ("avg_pool1d", (7,), (2,), {}),
    ("avg_pool1d", (2, 3, 7, 6), (2,), {}),
    ("avg_pool1d", (2, 3, 7), ((1, 2),), {}),
    ("avg_pool1d", (2, 3, 7), (2,), dict(stride=(1, 2))),
    ("adaptive_avg_pool2d", (2, 3, 7, 6), ((1, 2, 3),), {}),
    ("adaptive_avg_pool2d", (7, 6), (2,), {}),
    ("adaptive_avg_pool2d", (1, 1, 2, 3, 7), (2,), {}),
    ("adaptive_avg_pool2d", (2, 3, 7, 6), (-1,), {}),
    ("adaptive_avg_pool2d", (2, 3, 0, 6), (2,), {}),
    ("adaptive_avg_pool2d", (7,), ((1, 1),), {}),
    ("adaptive_avg_pool1d", (2, 3, 7), ((1, 2),), {}),
    ("adaptive_avg_pool1d", (7,), (2,), {}),
]


@pytest.mark.parametrize("name,shape,args,kw", ERRORS)
def test_pool_errors(name, shape, args, kw):
    check_error(lambda lib: getattr(_F(lib), name)(lib.zeros(shape), *args, **kw))


def test_pool_dtype_errors():
    check_error(lambda lib: _F(lib).max_pool2d(lib.ones(1, 2, 2, dtype=lib.bool), 2))
    check_error(lambda lib: _F(lib).avg_pool2d(lib.ones(1, 2, 2, dtype=lib.bool), 2))
    check_error(lambda lib: _F(lib).adaptive_avg_pool2d(lib.ones(1, 3, 3, dtype=lib.int64), 2))


# --- modules ---------------------------------------------------------------------------------------

MODULES = [
    ("MaxPool2d", (2,), {}, (2, 3, 6, 6)),
    ("MaxPool2d", ((2, 3),), dict(stride=1, padding=1, dilation=2, ceil_mode=True), (1, 2, 7, 7)),
    ("MaxPool2d", (3,), dict(stride=2, padding=1, return_indices=True), (2, 5, 5)),
    ("MaxPool1d", (3,), {}, (2, 3, 9)),
    ("MaxPool1d", (2,), dict(stride=1, padding=1, return_indices=True, ceil_mode=True), (3, 6)),
    ("AvgPool1d", (3,), {}, (2, 3, 9)),
    ("AvgPool1d", (3,), dict(stride=2, padding=1, ceil_mode=True, count_include_pad=False), (3, 8)),
    ("AvgPool2d", (3,), {}, (2, 3, 6, 6)),
    ("AvgPool2d", ((2, 3), 1, 1, True, False, 3), {}, (1, 2, 5, 6)),
    ("AdaptiveAvgPool2d", ((None, 3),), {}, (2, 3, 5, 7)),
    ("AdaptiveAvgPool2d", (1,), {}, (2, 3, 5, 7)),
    ("AdaptiveAvgPool1d", (2,), {}, (2, 3, 7)),
]


@pytest.mark.parametrize("cls,args,kw,shape", MODULES)
def test_pool_module(cls, args, kw, shape):
    m_t, m_e = getattr(torch.nn, cls)(*args, **kw), getattr(ember.nn, cls)(*args, **kw)
    assert repr(m_e) == repr(m_t)
    assert list(m_e.state_dict()) == [] and list(m_e.parameters()) == []
    for k in ("kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices", "count_include_pad",
              "divisor_override", "output_size"):
        assert getattr(m_e, k, None) == getattr(m_t, k, None), k
    check_op(lambda lib, x: (m_t if lib is torch else m_e)(x), [_x(shape, np.float32)])


def test_pool_registered():
    assert ember.nn.functional.max_pool2d is P.max_pool2d and "adaptive_avg_pool1d" in ember.nn.functional.__all__
    assert "AdaptiveAvgPool2d" in ember.nn.modules.__all__


def test_small_cnn_training_matches_torch():
    """An MNIST-style CNN, same seed, a few SGD steps on random data: the same losses as torch."""
    losses = {}
    for lib in (torch, ember):
        nn = lib.nn
        lib.manual_seed(0)
        model = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(8, 16, 3),
                              nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 10))
        x = lib.randn(8, 1, 12, 12)
        y = lib.randint(0, 10, (8,))
        opt = lib.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        losses[lib] = []
        for _ in range(5):
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            losses[lib].append(loss.item())
    np.testing.assert_allclose(losses[ember], losses[torch], rtol=1e-5)


def test_max_pool_window_of_padding_only():
    # torch reports such a window's index one past the input (and its backward adds the grad into the next
    # channel's first element, reading past its row); ember matches the forward and gives no grad there
    import torch as _torch
    import ember as _ember
    outs = []
    for lib in (_torch, _ember):
        x = lib.zeros(2, 2, 1, requires_grad=True)
        y, i = lib.nn.functional.max_pool1d(x, 2, 1, 1, 2, return_indices=True)
        outs.append((y.tolist(), i.tolist()))
        if lib is _ember:
            y.sum().backward()
            assert x.grad.tolist() == [[[0.0], [0.0]], [[0.0], [0.0]]]
    assert outs[0] == outs[1]


@pytest.mark.parametrize("kernel", [(2, 2), (3, 1), (1, 3), (3, 3)])
@pytest.mark.parametrize("special", ["ties", "nan", "all_neg_inf"])
def test_max_pool_tiling_windows(kernel, special):
    # stride = kernel, no padding: the windows tile the input (the fast path); ties, NaNs and -inf as torch
    import numpy as np
    import torch as _torch
    import ember as _ember
    rng = np.random.default_rng(3)
    x = rng.integers(-2, 3, (2, 3, kernel[0] * 3, kernel[1] * 4)).astype(np.float32)
    if special == "nan":
        x.flat[rng.integers(0, x.size, 6)] = np.nan
    elif special == "all_neg_inf":
        x[0] = -np.inf
    outs = []
    for lib in (_torch, _ember):
        t = lib.tensor(x, requires_grad=True)
        y, i = lib.nn.functional.max_pool2d(t, kernel, return_indices=True)
        (y * lib.arange(float(y.numel())).reshape(y.shape)).sum().backward()
        outs.append((y.detach().numpy(), i.numpy(), t.grad.numpy()))
    for a, b in zip(*outs):
        assert np.array_equal(a, b, equal_nan=True)


@pytest.mark.parametrize("upstream", ["negative", "inf", "nan", "unbatched"])
def test_max_pool_tiling_backward_bits(upstream):
    # the tiled path's backward multiplies the grad by each offset's 0/1 mask: zeros must come out +0.0 (as torch's
    # zero-filled sum), and a non-finite grad must not spread nan over the window
    rng = np.random.default_rng(5)
    x = rng.integers(-2, 3, (2, 3, 6, 8)).astype(np.float32)
    g = -rng.random((2, 3, 3, 4)).astype(np.float32)
    if upstream == "inf":
        g[0, 1, 2, 3] = np.inf
    elif upstream == "nan":
        g[1, 0, 0, 0] = np.nan
    if upstream == "unbatched":
        x, g = x[0], g[0]
    grads = []
    for lib in (torch, ember):
        t = lib.tensor(x, requires_grad=True)
        lib.nn.functional.max_pool2d(t, 2).backward(lib.tensor(g))
        grads.append(t.grad.numpy())
    assert np.array_equal(grads[0], grads[1], equal_nan=True)
    assert np.array_equal(np.signbit(grads[0]), np.signbit(grads[1]))


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
@pytest.mark.parametrize("kernel,divisor", [((2, 2), None), ((3, 2), None), ((2, 2), 3)])
@pytest.mark.parametrize("batched", [True, False])
def test_avg_pool_tiling_windows_exact(dtype, kernel, divisor, batched):
    # stride = kernel, no padding: the windows' sums added offset by offset in torch's row-major order, so the
    # forward is torch's to the bit; the backward writes each window's grad into its own tile
    rng = np.random.default_rng(7)
    shape = (2, 3, kernel[0] * 4, kernel[1] * 5) if batched else (3, kernel[0] * 4, kernel[1] * 5)
    x = (rng.standard_normal(shape) * 3).astype(dtype)
    g = rng.standard_normal(shape[:-2] + (4, 5)).astype(dtype)
    res = []
    for lib in (torch, ember):
        t = lib.tensor(x, requires_grad=True)
        y = lib.nn.functional.avg_pool2d(t, kernel, divisor_override=divisor)
        y.backward(lib.tensor(g))
        res.append((y.detach().numpy(), t.grad.numpy()))
    assert np.array_equal(res[0][0], res[1][0])
    np.testing.assert_allclose(res[1][1], res[0][1], rtol=1e-3 if dtype == np.float16 else 1e-6)


def test_max_pool_2x2_rows_first_matches_torch():
    # 2x2 windows compare row pairs first, then column pairs, and must still report torch's row-major first
    # maximum on ties; NaN windows take the general scan; without return_indices no index array is built
    rng = np.random.default_rng(1)
    for it in range(60):
        shape = tuple(int(v) for v in (rng.integers(1, 3), rng.integers(1, 4), 2 * rng.integers(1, 5),
                                       2 * rng.integers(1, 5)))
        x = rng.integers(-2, 3, shape).astype(np.float32)
        if it % 3 == 0:
            x.flat[rng.integers(0, x.size, 3)] = np.nan
        if it % 5 == 0:
            x.flat[rng.integers(0, x.size, 3)] = -np.inf
        if it % 7 == 0:
            x = x[0]
        outs = []
        for lib in (torch, ember):
            t = lib.tensor(x, requires_grad=True)
            y, i = lib.nn.functional.max_pool2d(t, 2, return_indices=True)
            y2 = lib.nn.functional.max_pool2d(t, 2)
            (y2 * lib.arange(float(y2.numel())).reshape(y2.shape)).sum().backward()
            outs.append((y.detach().numpy(), i.numpy(), y2.detach().numpy(), t.grad.numpy()))
        for a, b in zip(*outs):
            assert np.array_equal(a, b, equal_nan=True), (it, shape)
