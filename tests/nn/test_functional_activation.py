import numpy as np
import pytest
import torch

import ember
from _compare import check_error, check_op
from nn._cases import DTYPES, F, randn

CASES = {
    "gelu": lambda L, x: F(L).gelu(x),
    "gelu_tanh": lambda L, x: F(L).gelu(x, approximate="tanh"),
    "silu": lambda L, x: F(L).silu(x),
    "relu": lambda L, x: F(L).relu(x),
    "relu6": lambda L, x: F(L).relu6(x * 4),
    "leaky_relu": lambda L, x: F(L).leaky_relu(x, 0.2),
    "elu": lambda L, x: F(L).elu(x, 0.7),
    "celu": lambda L, x: F(L).celu(x, 1.3),
    "selu": lambda L, x: F(L).selu(x),
    "softplus": lambda L, x: F(L).softplus(x, beta=2.0, threshold=3.0),
    "hardtanh": lambda L, x: F(L).hardtanh(x, -0.5, 0.7),
    "hardswish": lambda L, x: F(L).hardswish(x * 4),
    "hardsigmoid": lambda L, x: F(L).hardsigmoid(x * 4),
    "mish": lambda L, x: F(L).mish(x),
    "logsigmoid": lambda L, x: F(L).logsigmoid(x * 3),
    "sigmoid": lambda L, x: F(L).sigmoid(x),
    "tanh": lambda L, x: F(L).tanh(x),
    "softmax": lambda L, x: F(L).softmax(x, dim=-1),
    "log_softmax": lambda L, x: F(L).log_softmax(x, dim=1),
    "softmin": lambda L, x: F(L).softmin(x, dim=0),
    "glu": lambda L, x: F(L).glu(x, dim=-1),
    "threshold": lambda L, x: F(L).threshold(x, 0.1, -2.0),
    "normalize": lambda L, x: F(L).normalize(x, p=2.0, dim=-1),
    "softsign": lambda L, x: F(L).softsign(x),
    "tanhshrink": lambda L, x: F(L).tanhshrink(x),
    "hardshrink": lambda L, x: F(L).hardshrink(x, 0.4),
    "softshrink": lambda L, x: F(L).softshrink(x, 0.4),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(CASES))
def test_activation(name, dtype):
    check_op(CASES[name], [randn(3, 5, 8, dtype=dtype, scale=2.0)])


@pytest.mark.parametrize("approximate", ["none", "tanh"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_gelu_large_and_extreme(approximate, dtype):
    x = randn(64, 1000, dtype=dtype, scale=3.0)
    x[0, :6] = [0.0, -0.0, 30.0, -30.0, 1e-30, -9.0]
    check_op(lambda L, x: F(L).gelu(x, approximate=approximate), [x])


def test_inplace_variants():
    for name in ["relu", "leaky_relu", "elu", "silu", "hardtanh", "relu6", "selu"]:
        check_op(lambda L, x: getattr(F(L), name)(x * 1, inplace=True), [randn(4, 5, dtype=np.float64)])


@pytest.mark.parametrize("name", ["gelu", "silu", "leaky_relu", "elu", "celu", "selu", "softplus", "hardswish",
                                  "hardsigmoid", "mish", "logsigmoid", "glu", "hardshrink", "softshrink"])
def test_int_input_errors(name):
    check_error(lambda L: getattr(F(L), name)(L.tensor([1, -2])))


def test_int_ok():
    check_op(lambda L, x: F(L).relu6(x), [np.array([1, -2, 9])])
    check_op(lambda L, x: F(L).hardtanh(x), [np.array([1, -2, 9])])
    check_op(lambda L, x: F(L).threshold(x, 0, 5), [np.array([1, -2, 9])])


def test_errors():
    check_error(lambda L: F(L).gelu(L.randn(2), approximate="x"))
    check_error(lambda L: F(L).glu(L.randn(3)))
    check_error(lambda L: F(L).glu(L.randn(2, 3), dim=1))
    check_error(lambda L: F(L).glu(L.randn(())))
    check_error(lambda L: F(L).hardtanh(L.randn(2), 1.0, -1.0))
    check_error(lambda L: F(L).leaky_relu(L.randn(2, requires_grad=True), inplace=True))


def test_softmax_implicit_dim_warning():
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        ember.nn.functional.softmax(ember.randn(2, 3))
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmin"):
        ember.nn.functional.softmin(ember.randn(2, 3))


def test_softmax_dtype():
    check_op(lambda L, x: F(L).softmax(x, 1, dtype=L.float64), [randn(2, 3)])
    check_op(lambda L, x: F(L).log_softmax(x, -1, dtype=L.float64), [randn(2, 3)])
