import numpy as np
import pytest

from _compare import check_error, check_op
from nn._cases import DTYPES, F, randn


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("affine", ["both", "weight", "none"])
def test_layer_norm(dtype, affine):
    x = randn(2, 7, 32, dtype=dtype, scale=3.0) + 1
    ins = [x] + ([randn(32, dtype=dtype, seed=1)] if affine != "none" else []) + \
        ([randn(32, dtype=dtype, seed=2)] if affine == "both" else [])
    check_op(lambda L, x, *wb: F(L).layer_norm(x, (32,), *wb), ins)


def test_layer_norm_multi_dim_large():
    check_op(lambda L, x: F(L).layer_norm(x, (7, 300)), [randn(3, 7, 300, dtype=np.float32)])
    check_op(lambda L, x, w, b: F(L).layer_norm(x, [256], w, b, 1e-3),
             [randn(64, 40, 256), randn(256, seed=1), randn(256, seed=2)],
             grad_rtol=1e-4, grad_atol=1e-4)  # torch sums 2560 rows of weight/bias grads in float32


def test_layer_norm_errors():
    check_error(lambda L: F(L).layer_norm(L.randn(2, 3), (4,)))
    check_error(lambda L: F(L).layer_norm(L.randn(2, 4), (4,), L.randn(3)))
    check_error(lambda L: F(L).layer_norm(L.randn(2, 4), (4,), None, L.randn(3)))
    check_error(lambda L: F(L).layer_norm(L.randn(2, 4), ()))
    check_error(lambda L: F(L).layer_norm(L.tensor([[1, 2]]), (2,)))
    check_error(lambda L: F(L).layer_norm(L.randn(2, 4).double(), (4,), L.randn(4)))


@pytest.mark.parametrize("dtype", DTYPES)
def test_rms_norm(dtype):
    check_op(lambda L, x, w: F(L).rms_norm(x, (16,), w), [randn(3, 4, 16, dtype=dtype), randn(16, dtype=dtype, seed=1)])
    check_op(lambda L, x: F(L).rms_norm(x, (4, 16), eps=1e-3), [randn(3, 4, 16, dtype=dtype)])


def test_rms_norm_errors():
    check_error(lambda L: F(L).rms_norm(L.randn(2, 3, 4), (3,)))


@pytest.mark.parametrize("dtype", DTYPES)
def test_layer_norm_blocks_and_layouts(dtype):
    # many row blocks with a ragged last one; rows longer than a block; a non-contiguous input; a dense upstream grad
    w, b = randn(257, dtype=dtype, seed=1), randn(257, dtype=dtype, seed=2)
    check_op(lambda L, x, w, b: F(L).layer_norm(x, (257,), w, b), [randn(300, 257, dtype=dtype) * 2 + 1, w, b],
             grad_rtol=1e-4, grad_atol=1e-4)
    # check_op's upstream grad equals x here (same seed), so dx is rounding noise (|dx| < 5e-5): torch's float32 dx
    # is 2.2e-6 off the float64 result, ember's 0.9e-6 (test_layer_norm_kernels.py compares both to float64)
    check_op(lambda L, x: F(L).layer_norm(x, (40000,)), [randn(3, 40000, dtype=dtype)], grad_atol=3e-6)
    check_op(lambda L, x, w: F(L).layer_norm(x.transpose(0, 1), (64,), w), [randn(64, 300, dtype=dtype),
                                                                           randn(64, dtype=dtype, seed=3)],
             grad_rtol=1e-4, grad_atol=1e-4)  # torch's float32 weight grad is itself ~1e-5 off over 300 rows
    check_op(lambda L, x: F(L).layer_norm(x, (3,)), [randn(2, 3, dtype=dtype)])


def test_layer_norm_float16():
    x = randn(4, 16, dtype=np.float16)
    check_op(lambda L, x: F(L).layer_norm(x, (16,)), [x], grad=False)
