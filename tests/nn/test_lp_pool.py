"""lp_pool1d/2d/3d and nn.LPPool1d/2d/3d against torch: values, grads and nodes of torch's composition
(pow -> avg_pool -> sign * relu(abs) -> mul -> pow; max_pool of |x| for p = +-inf), reprs, errors."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
from tests._compare import check_error, check_op

INF = float("inf")


def _x(shape, dtype, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


CASES = [
    (1, (2, 3, 9), (3,), {}),
    (1, (2, 3, 9), (2,), dict(stride=1)),
    (1, (3, 10), (3,), dict(stride=2, ceil_mode=True)),                 # unbatched
    (2, (2, 3, 6, 7), (2,), {}),
    (2, (2, 2, 7, 7), ((2, 3),), dict(stride=(1, 2))),
    (2, (2, 2, 7, 6), (3,), dict(stride=2, ceil_mode=True)),
    (2, (3, 5, 5), (2,), dict(stride=1)),                               # unbatched
    (3, (1, 2, 4, 6, 4), (2,), {}),
    (3, (2, 1, 5, 5, 4), ((2, 3, 2),), dict(stride=(1, 2, 1), ceil_mode=True)),
    (3, (2, 4, 5, 3), (2,), dict(stride=1)),                            # unbatched
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("norm_type", [2, 1, 3, 1.5, 2.5, INF, -INF])
@pytest.mark.parametrize("nd,shape,args,kw", CASES)
def test_lp_pool(nd, shape, args, kw, norm_type, dtype):
    x = _x(shape, dtype)
    # torch's own ops round a few ulps differently from ember's along the chain (pow, avg_pool's scatter)
    tol = dict(rtol=2e-5, atol=2e-5) if dtype == np.float32 else dict(rtol=1e-11, atol=1e-11)
    check_op(lambda lib, x: getattr(lib.nn.functional, f"lp_pool{nd}d")(x, norm_type, *args, **kw), [x], **tol)


def test_lp_pool_zero_windows():
    # a window of zeros: 0 ** (1/p) and its grad (torch's pow backward gives inf * 0 = nan there)
    x = np.zeros((1, 2, 4, 4))
    x[0, 0, :2, :2] = [[1.0, -2.0], [0.5, 3.0]]
    for p in (2, 1.5, 1):
        check_op(lambda lib, x: lib.nn.functional.lp_pool2d(x, p, 2), [x])
        check_op(lambda lib, x: lib.nn.functional.lp_pool1d(x[0], p, 2), [x])


def test_lp_pool_nodes():
    x = _x((1, 2, 4, 4), np.float64)
    for lib in (ember, torch):
        t = lib.from_numpy(x.copy()).requires_grad_()
        out = lib.nn.functional.lp_pool2d(t, 2, 2)
        mul = out.grad_fn.next_functions[0][0]
        prod = mul.next_functions[0][0]
        assert (out.grad_fn.name(), mul.name(), prod.name()) == ("PowBackward0", "MulBackward0", "MulBackward0")
        assert [f.name() for f, _ in prod.next_functions] == ["SignBackward0", "ReluBackward0"]
        assert lib.nn.functional.lp_pool2d(t, INF, 2).grad_fn.name() == "MaxPool2DWithIndicesBackward0"
        assert lib.nn.functional.lp_pool2d(t, -INF, 2).grad_fn.name() == "NegBackward0"


def test_lp_pool_modules():
    for name, args, kw in (("LPPool1d", (2, 3), {}), ("LPPool2d", (1.5, (2, 3)), dict(stride=1, ceil_mode=True)),
                           ("LPPool3d", (2, 2), {}), ("LPPool2d", (INF, 2), dict(stride=(1, 2)))):
        e, t = getattr(ember.nn, name)(*args, **kw), getattr(torch.nn, name)(*args, **kw)
        assert repr(e) == repr(t)
    check_op(lambda lib, x: lib.nn.LPPool1d(2, 3, stride=2)(x), [_x((2, 3, 8), np.float64)])
    check_op(lambda lib, x: lib.nn.LPPool2d(3, (2, 2), ceil_mode=True)(x), [_x((2, 3, 5, 5), np.float64)])
    check_op(lambda lib, x: lib.nn.LPPool3d(1, 2)(x), [_x((1, 2, 4, 4, 4), np.float64)])


def test_lp_pool_errors():
    x = _x((1, 2, 4, 4), np.float32)
    check_error(lambda lib: lib.nn.functional.lp_pool2d(lib.from_numpy(x), 2, (2, 2, 2)))   # kernel not a pair
    check_error(lambda lib: lib.nn.functional.lp_pool2d(lib.from_numpy(x), 2, 5))           # window too large
    check_error(lambda lib: lib.nn.functional.lp_pool1d(lib.from_numpy(x[0, 0, 0]), 2, 2))  # 1-D input
