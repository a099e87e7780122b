"""F.fractional_max_pool2d/3d and nn.FractionalMaxPool2d/3d against torch: with the same seed the same random
samples, windows, values, indices and grads (bit for bit), given _random_samples, ties and NaNs, the generator
left in the same state, module reprs/buffers, and errors."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
from tests._compare import check_error

CASES = [
    (2, (2, 3, 9, 10), 2, {"output_size": 4}),
    (2, (2, 3, 9, 10), 3, {"output_ratio": (0.5, 0.5)}),
    (2, (4, 11, 13), (2, 3), {"output_size": (5, 6)}),
    (2, (2, 3, 9, 10), 2, {"output_size": (8, 9)}),
    (2, (1, 2, 50, 60), 3, {"output_size": (20, 17)}),
    (2, (2, 3, 9, 10), 2, {"output_size": 1}),
    (2, (2, 3, 9, 10), 2, {"output_size": 0}),
    (3, (2, 3, 7, 8, 9), 2, {"output_size": 3}),
    (3, (3, 7, 8, 9), (2, 3, 2), {"output_ratio": 0.5}),
    (3, (2, 2, 10, 11, 12), 3, {"output_size": (4, 5, 6)}),
]


def _pool(L, nd, x0, dt, k, kw, seed, special=None):
    L.manual_seed(seed)
    x = L.tensor(x0, dtype=dt, requires_grad=True)
    f = getattr(L.nn.functional, f"fractional_max_pool{nd}d")
    y, i = f(x, k, return_indices=True, **kw)
    gout = np.random.default_rng(seed).standard_normal(tuple(y.shape))
    y.backward(L.tensor(gout, dtype=dt))
    return (y.detach().numpy(), i.numpy(), x.grad.numpy(), y.grad_fn.name() if y.numel() else None,
            L.rand(4, dtype=dt).numpy())  # the generator is left where torch leaves it


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("nd,shape,k,kw", CASES, ids=str)
def test_fractional_max_pool_same_seed(nd, shape, k, kw, dtype):
    rng = np.random.default_rng(len(shape) * 7 + shape[-1])
    x0 = rng.integers(-3, 4, shape).astype(np.float64)  # many ties: torch's first maximum wins
    x0.flat[rng.integers(0, x0.size, 3)] = np.nan         # and a NaN wins over everything (the last NaN)
    for seed in (0, 123):
        t = _pool(torch, nd, x0, getattr(torch, dtype), k, kw, seed)
        e = _pool(ember, nd, x0, getattr(ember, dtype), k, kw, seed)
        for a, b in zip(t, e):
            if isinstance(a, np.ndarray):
                assert a.dtype == b.dtype and a.shape == b.shape
                assert np.array_equal(a, b, equal_nan=True)
            else:
                assert a == b
    assert t[3] in (None, f"FractionalMaxPool{nd}DBackward0")


@pytest.mark.parametrize("nd", [2, 3])
def test_fractional_max_pool_half(nd):
    """float16: the intervals are computed in half (each op rounded), the samples drawn in half."""
    shape = (2, 3, 9, 10) if nd == 2 else (2, 3, 7, 8, 9)
    x0 = np.random.default_rng(8).standard_normal(shape)
    t = _pool(torch, nd, x0, torch.float16, 2, {"output_size": 3}, 5)
    e = _pool(ember, nd, x0, ember.float16, 2, {"output_size": 3}, 5)
    for a, b in zip(t, e):
        assert np.array_equal(a, b) if isinstance(a, np.ndarray) else a == b


@pytest.mark.parametrize("nd", [2, 3])
def test_fractional_max_pool_given_samples(nd):
    rng = np.random.default_rng(9)
    shape = (2, 3, 12, 13) if nd == 2 else (2, 3, 8, 9, 10)
    x0, s0 = rng.standard_normal(shape), rng.uniform(0, 1, (3, 3, nd))  # more sample rows than batch: allowed
    s0[0, 0] = 0.0
    s0[1, 2] = 0.999999
    res = []
    for L in (torch, ember):
        x = L.tensor(x0, requires_grad=True)
        f = getattr(L.nn.functional, f"fractional_max_pool{nd}d")
        y, i = f(x, 2, output_size=5, return_indices=True, _random_samples=L.tensor(s0))
        y.sum().backward()
        res.append((y.detach().numpy(), i.numpy(), x.grad.numpy()))
    for a, b in zip(*res):
        assert np.array_equal(a, b)


@pytest.mark.parametrize("nd", [2, 3])
def test_fractional_max_pool_modules(nd):
    shape = (2, 3, 9, 10) if nd == 2 else (2, 2, 7, 8, 9)
    x0 = np.random.default_rng(3).standard_normal(shape)
    res = []
    for L in (torch, ember):
        cls = getattr(L.nn, f"FractionalMaxPool{nd}d")
        L.manual_seed(11)
        m1, m2 = cls(2, output_size=3), cls(3, output_ratio=0.5, return_indices=True)
        y1 = m1(L.tensor(x0))
        y2, i2 = m2(L.tensor(x0))
        samples = L.rand(1, shape[1], nd, dtype=L.float64).expand(shape[0], -1, -1).contiguous()
        m3 = cls(2, output_size=4, _random_samples=samples)
        res.append((repr(m1), repr(m2), m2.kernel_size, m2.output_ratio, m1.output_size, list(m1.state_dict()),
                    [n for n, _ in m3.named_buffers()], y1.numpy(), y2.numpy(), i2.numpy(), m3(L.tensor(x0)).numpy()))
    for a, b in zip(*res):
        assert np.array_equal(a, b) if isinstance(a, np.ndarray) else a == b


ERRORS = [
    lambda L: L.nn.functional.fractional_max_pool2d(L.ones(2, 3, 9, 10), 2),
    lambda L: L.nn.functional.fractional_max_pool2d(L.ones(2, 3, 9, 10), 2, output_size=9),
    lambda L: L.nn.functional.fractional_max_pool2d(L.ones(2, 3, 9, 10), 2, output_size=(4, 10)),
    lambda L: L.nn.functional.fractional_max_pool2d(L.ones(2, 3, 9, 10), (2, 2, 2), output_size=4),
    lambda L: L.nn.functional.fractional_max_pool2d(L.ones(2, 3, 9, 10), 2, output_size=(4, 4, 4)),
    lambda L: L.nn.functional.fractional_max_pool2d(L.ones(2, 3, 9, 10), 2, output_size=4,
                                                    _random_samples=L.rand(2, 3, 2).double()),
    lambda L: L.nn.functional.fractional_max_pool2d(L.ones(2, 3, 9, 10), 2, output_size=4,
                                                    _random_samples=L.rand(2, 3, 3)),
    lambda L: L.nn.functional.fractional_max_pool2d(L.ones(2, 3, 9, 10), 2, output_size=4,
                                                    _random_samples=L.rand(1, 3, 2)),
    lambda L: L.nn.functional.fractional_max_pool2d(L.ones(2, 3, 9, 10), 2, output_size=4,
                                                    _random_samples=L.rand(2, 2, 2)),
    lambda L: L.nn.functional.fractional_max_pool2d(L.ones(2, 3, 9, 10), 2, output_size=4,
                                                    _random_samples=L.rand(6)),
    lambda L: L.nn.functional.fractional_max_pool2d(L.ones(9, 10), 2, output_size=4),
    lambda L: L.nn.functional.fractional_max_pool2d(L.ones(2, 3, 9, 10, dtype=L.int64), 2, output_size=4),
    lambda L: L.nn.functional.fractional_max_pool2d(L.ones(2, 0, 9, 10), 2, output_size=4),
    lambda L: L.nn.functional.fractional_max_pool2d(L.ones(2, 3, 9, 10), 2, output_ratio=0.5),
    lambda L: L.nn.functional.fractional_max_pool2d(L.ones(2, 3, 9, 10), 2, output_ratio=(0.5, 0.5, 0.5)),
    lambda L: L.nn.functional.fractional_max_pool3d(L.ones(2, 3, 7, 8, 9), 2),
    lambda L: L.nn.functional.fractional_max_pool3d(L.ones(2, 3, 7, 8, 9), 2, output_size=7),
    lambda L: L.nn.functional.fractional_max_pool3d(L.ones(2, 3, 7, 8, 9), 2, output_size=(6, 3, 3)),
    lambda L: L.nn.functional.fractional_max_pool3d(L.ones(2, 3, 7, 8, 9), 2, output_size=(3, 3, 8)),
    lambda L: L.nn.functional.fractional_max_pool3d(L.ones(2, 3, 7, 8, 9), 2, output_size=(3, 7, 3)),
    lambda L: L.nn.functional.fractional_max_pool3d(L.ones(7, 8, 9), 2, output_size=3),
    lambda L: L.nn.functional.fractional_max_pool3d(L.ones(2, 3, 7, 8, 9), 2, output_size=3,
                                                    _random_samples=L.rand(2, 3, 2)),
    lambda L: L.nn.functional.fractional_max_pool3d(L.ones(2, 3, 7, 8, 9), (2, 2), output_size=3),
    lambda L: L.nn.functional.fractional_max_pool3d(L.ones(7, 8, 9), 2, output_size=3,
                                                    _random_samples=L.rand(1, 7, 3)),
    lambda L: L.nn.functional.fractional_max_pool2d(L.ones(9, 10), 2, output_size=3, _random_samples=L.rand(1, 9, 2)),
    lambda L: L.nn.functional.fractional_max_pool3d(L.ones(2, 0, 7, 8, 9), 2, output_size=3),
    lambda L: L.nn.functional.fractional_max_pool3d(L.ones(2, 3, 7, 8, 9, dtype=L.int64), 2, output_size=3,
                                                    _random_samples=L.rand(2, 3, 3).long()),
    lambda L: L.nn.FractionalMaxPool2d(2),
    lambda L: L.nn.FractionalMaxPool2d(2, output_size=2, output_ratio=0.5),
    lambda L: L.nn.FractionalMaxPool2d(2, output_ratio=1.0),
    lambda L: L.nn.FractionalMaxPool2d(2, output_ratio=(0.5, 1.0)),
    lambda L: L.nn.FractionalMaxPool3d(2),
    lambda L: L.nn.FractionalMaxPool3d(2, output_size=2, output_ratio=0.5),
    lambda L: L.nn.FractionalMaxPool3d(2, output_ratio=(0.5, 0.5, 0.0)),
    lambda L: L.nn.FractionalMaxPool3d(0, output_size=2),
    lambda L: L.nn.FractionalMaxPool3d((2, 0, 2), output_size=2),
]


@pytest.mark.parametrize("fn", ERRORS)
def test_fractional_max_pool_errors(fn):
    check_error(fn)


@pytest.mark.parametrize("nd", [2, 3])
def test_fractional_max_pool_empty_batch(nd):
    shape = (0, 3, 9, 10) if nd == 2 else (0, 3, 7, 8, 9)
    res = []
    for L in (torch, ember):
        x = L.randn(*shape, requires_grad=True)
        y, i = getattr(L.nn.functional, f"fractional_max_pool{nd}d")(x, 2, output_size=3, return_indices=True)
        y.sum().backward()
        res.append((tuple(y.shape), tuple(i.shape), y.grad_fn.name(), tuple(x.grad.shape)))
    assert res[0] == res[1]
