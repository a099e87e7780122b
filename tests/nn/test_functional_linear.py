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
