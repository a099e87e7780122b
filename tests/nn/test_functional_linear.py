import numpy as np
import pytest

from _compare import check_error, check_op
from nn._cases import DTYPES, F, randn


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(3,), (2, 3), (2, 5, 3), (2, 2, 2, 3)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear(shape, bias, dtype):
    ins = [randn(*shape, dtype=dtype), randn(4, 3, dtype=dtype, seed=1)] + ([randn(4, dtype=dtype, seed=2)] if bias else [])
    check_op(lambda L, *a: F(L).linear(*a), ins)


def test_linear_noncontiguous():
    check_op(lambda L, x, w, b: F(L).linear(x.transpose(0, 1), w, b), [randn(5, 2, 3), randn(4, 3), randn(4)])


def test_linear_errors():
    check_error(lambda L: F(L).linear(L.randn(2, 7, 3), L.randn(5, 4)))
    check_error(lambda L: F(L).linear(L.randn(2, 7, 3), L.randn(5, 4), L.randn(5)))
    check_error(lambda L: F(L).linear(L.randn(3).double(), L.randn(4, 3), L.randn(4)))
    check_error(lambda L: F(L).linear(L.tensor(1.0), L.randn(4, 3)))


def test_bilinear():
    check_op(lambda L, a, b, w, c: F(L).bilinear(a, b, w, c),
             [randn(3, 4), randn(3, 2, seed=1), randn(5, 4, 2, seed=2), randn(5, seed=3)], check_grad_fn=False)


@pytest.mark.parametrize("rows", [3, 4, 17, 48, 49, 64, 65])
@pytest.mark.parametrize("in_out", [(784, 256), (128, 384), (128, 128)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_few_rows_large_weight(rows, in_out, bias):
    # float32 input of 4..48 rows and a weight of >= 49152 numbers take linalg._product's transposed sgemm
    # (both sides of each bound here); the output must still be torch's values, row-major strides and grads
    k, m = in_out
    ins = [randn(rows, k), randn(m, k, seed=1)] + ([randn(m, seed=2)] if bias else [])
    e, t = check_op(lambda L, *a: F(L).linear(*a), ins, rtol=1e-5, atol=1e-4, grad_rtol=1e-5, grad_atol=1e-4)
    assert e.stride() == t.stride() and e.is_contiguous()


@pytest.mark.parametrize("alpha_beta", [(1, 1), (2, 1), (1, 0.5), (1, 0)])
def test_addmm_few_rows_transposed(alpha_beta):
    alpha, beta = alpha_beta
    check_op(lambda L, c, a, w: L.addmm(c, a, w.t(), beta=beta, alpha=alpha),
             [randn(256), randn(8, 784), randn(256, 784, seed=1)], rtol=1e-5, atol=1e-4, grad_rtol=1e-5,
             grad_atol=1e-4)
    check_op(lambda L, c, a, w: L.addmm(c, a, w.t(), beta=beta, alpha=alpha),
             [randn(8, 256), randn(8, 784), randn(256, 784, seed=1)], rtol=1e-5, atol=1e-4, grad_rtol=1e-5,
             grad_atol=1e-4)
    check_op(lambda L, a, w: L.mm(a, w.t()), [randn(8, 784), randn(256, 784, seed=1)], rtol=1e-5, atol=1e-4,
             grad_rtol=1e-5, grad_atol=1e-4)
