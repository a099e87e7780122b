"""layer_norm's row-block kernels (_layer_norm_kernels.py) against torch: edge cases of each path, and accuracy
where float32 rounding is all there is."""
import numpy as np
import pytest
import torch

import ember
from _compare import check_op
from nn._cases import DTYPES, F, randn

# 70 rows of 1000 (several blocks of 65 rows, a ragged last one); a tolerance for torch's float32 weight/bias grads
BIG = (70, 1000)
G_TOL = dict(grad_rtol=1e-4, grad_atol=1e-4)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("affine", ["both", "weight", "bias", "none"])
@pytest.mark.parametrize("eps", [1e-5, 0.5])
def test_blocks_affine_and_eps(dtype, affine, eps):
    x = randn(*BIG, dtype=dtype, scale=2.0) + 1
    w = randn(1000, dtype=dtype, seed=1) if affine in ("both", "weight") else None
    b = randn(1000, dtype=dtype, seed=2) if affine in ("both", "bias") else None
    ins = [x] + [a for a in (w, b) if a is not None]

    def fn(L, x, *wb):
        it = iter(wb)
        return F(L).layer_norm(x, (1000,), next(it) if w is not None else None, next(it) if b is not None else None,
                               eps)
    check_op(fn, ins, **G_TOL)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [BIG, (3, 300), (2, 5)])  # row blocks; a few rows; Python floats
def test_constant_rows(dtype, shape):
    # torch's running mean is exact on a row of constants: out = bias exactly (not rounding * 1/sqrt(eps))
    n = shape[1]
    x = randn(*shape, dtype=dtype)
    x[::3] = 0.1
    x[1::7] = -3.0
    e, t = check_op(lambda L, x, w, b: F(L).layer_norm(x, (n,), w, b),
                    [x, randn(n, dtype=dtype, seed=1), randn(n, dtype=dtype, seed=2)], **G_TOL)
    np.testing.assert_array_equal(e.detach().numpy()[::3], t.detach().numpy()[::3])


@pytest.mark.parametrize("dtype", DTYPES)
def test_blocks_two_normalized_dims_and_layouts(dtype):
    w, b = randn(20, 50, dtype=dtype, seed=1), randn(20, 50, dtype=dtype, seed=2)
    check_op(lambda L, x, w, b: F(L).layer_norm(x, (20, 50), w, b), [randn(7, 10, 20, 50, dtype=dtype), w, b],
             **G_TOL)
    # non-contiguous: a transposed input and a strided slice
    check_op(lambda L, x, w: F(L).layer_norm(x.transpose(0, 1), (90,), w),
             [randn(90, 200, dtype=dtype), randn(90, dtype=dtype, seed=3)], **G_TOL)
    check_op(lambda L, x, b: F(L).layer_norm(x[:, ::2], (500,), None, b),
             [randn(100, 1000, dtype=dtype), randn(500, dtype=dtype, seed=4)], **G_TOL)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduce", ["sum", "mean", "row"])
def test_blocks_expanded_upstream_grads(dtype, reduce):
    # .sum()/.mean() hand backward a stride-0 grad; a loss on a broadcast row gives rows of one stride-0 grad
    def fn(L, x, w, b):
        y = F(L).layer_norm(x, (1000,), w, b)
        if reduce == "row":
            return (y * L.arange(1000, dtype=y.dtype)).sum()
        return getattr(y, reduce)()
    check_op(fn, [randn(*BIG, dtype=dtype), randn(1000, dtype=dtype, seed=1), randn(1000, dtype=dtype, seed=2)],
             **G_TOL)


@pytest.mark.parametrize("needs", [(True, False, False), (False, True, False), (False, False, True),
                                   (False, True, True), (True, True, False)])
def test_blocks_grad_subsets(needs):
    x, w, b = randn(*BIG, dtype=np.float64), randn(1000, dtype=np.float64, seed=1), randn(1000, dtype=np.float64,
                                                                                            seed=2)
    check_op(lambda L, x, w, b: F(L).layer_norm(x, (1000,), w, b), [(x, needs[0]), (w, needs[1]), (b, needs[2])])


def _dx(lib, x, g, dtype):
    xt = lib.tensor(x.astype(dtype), requires_grad=True)
    y = lib.nn.functional.layer_norm(xt, (x.shape[-1],))
    (gx,) = lib.autograd.grad(y, xt, lib.tensor(g.astype(dtype)))
    return gx.numpy().astype(np.float64)


@pytest.mark.parametrize("shape", [(3, 40000), (200, 300)])
def test_blocks_dx_cancellation_accuracy(shape):
    # upstream grad = x: the three terms of dx cancel to rounding noise; ember's float32 noise is no larger than
    # torch's, both measured against torch's float64 result
    x = randn(*shape)
    ref = _dx(torch, x, x, np.float64)
    err_e = np.abs(_dx(ember, x, x, np.float32) - ref).max()
    err_t = np.abs(_dx(torch, x, x, np.float32) - ref).max()
    assert err_e <= 1.25 * err_t, (err_e, err_t)


@pytest.mark.parametrize("dtype", DTYPES + [np.float16])
@pytest.mark.parametrize("affine", ["both", "weight", "bias", "none"])
@pytest.mark.parametrize("shape,norm", [((2, 3), (3,)), ((4,), (4,)), ((2, 2, 4), (2, 4)), ((2, 8), (8,)),
                                        ((3, 6), (6,))])  # the last one is just past the Python path
def test_tiny_python_path(dtype, affine, shape, norm):
    # up to 16 elements layer_norm runs in Python floats
    x = randn(*shape, dtype=dtype, scale=2.0) + 1
    w = randn(*norm, dtype=dtype, seed=1) if affine in ("both", "weight") else None
    b = randn(*norm, dtype=dtype, seed=2) if affine in ("both", "bias") else None
    ins = [x] + [a for a in (w, b) if a is not None]

    def fn(L, x, *wb):
        it = iter(wb)
        return F(L).layer_norm(x, norm, next(it) if w is not None else None, next(it) if b is not None else None)
    check_op(fn, ins, grad=dtype != np.float16)


@pytest.mark.parametrize("needs", [(True, False, False), (False, True, False), (False, False, True)])
def test_tiny_grad_subsets_layouts_and_eps(needs):
    x, w, b = randn(3, 5) * 3, randn(5, seed=1), randn(5, seed=2)
    check_op(lambda L, x, w, b: F(L).layer_norm(x, (5,), w, b, 0.3), [(x, needs[0]), (w, needs[1]), (b, needs[2])])
    check_op(lambda L, x, w: F(L).layer_norm(x.t(), (3,), w).sum(), [x, randn(3, seed=3)])
    check_op(lambda L, x: F(L).layer_norm(x, (5,)), [np.zeros((0, 5), np.float32)])
    check_op(lambda L, x, w: F(L).layer_norm(x, (0,), w).sum(), [np.zeros((2, 0), np.float32),
                                                                   np.zeros(0, np.float32)])
