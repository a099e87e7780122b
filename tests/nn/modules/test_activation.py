"""Activation layers vs torch: reprs, forward/backward on batched inputs, inplace, errors."""
from __future__ import annotations

import inspect

import numpy as np
import pytest
import torch

import ember
from _compare import check_error

from ._module_compare import check_module, make_pair, randn

# (class name, constructor args, constructor kwargs)
CASES = [
    ("ReLU", (), {}),
    ("ReLU6", (), {}),
    ("GELU", (), {}),
    ("GELU", (), dict(approximate="tanh")),
    ("Sigmoid", (), {}),
    ("Tanh", (), {}),
    ("SiLU", (), {}),
    ("Mish", (), {}),
    ("LeakyReLU", (), {}),
    ("LeakyReLU", (0.2,), {}),
    ("ELU", (), {}),
    ("ELU", (), dict(alpha=0.5)),
    ("CELU", (0.7,), {}),
    ("SELU", (), {}),
    ("Softplus", (), {}),
    ("Softplus", (), dict(beta=2.0, threshold=1.0)),
    ("Hardtanh", (), {}),
    ("Hardtanh", (-0.5, 2.0), {}),
    ("Threshold", (0.1, 20.0), {}),
    ("Hardsigmoid", (), {}),
    ("Hardswish", (), {}),
    ("Hardshrink", (), {}),
    ("Softshrink", (0.3,), {}),
    ("LogSigmoid", (), {}),
    ("Softsign", (), {}),
    ("Tanhshrink", (), {}),
    ("Softmax", (), dict(dim=-1)),
    ("Softmax", (1,), {}),
    ("Softmin", (), dict(dim=0)),
    ("LogSoftmax", (), dict(dim=-1)),
    ("GLU", (), {}),
    ("GLU", (1,), {}),
    ("PReLU", (), {}),
    ("PReLU", (3,), dict(init=0.1)),
]
IDS = [f"{n}{a}{k}" for n, a, k in CASES]
FWD_CASES = [pytest.param(*c, id=i) for c, i in zip(CASES, IDS)]


# the nn.functional each layer calls (Sigmoid and Tanh call ember.sigmoid / ember.tanh)
F_NAME = {"ReLU6": "hardtanh", "Softmax2d": "softmax", "Sigmoid": None, "Tanh": None, "LeakyReLU": "leaky_relu",
          "LogSoftmax": "log_softmax"}


def _needs_f(name: str) -> None:
    fn = F_NAME.get(name, name.lower())
    if fn is not None and not hasattr(ember.nn.functional, fn):
        pytest.fail(f"ember.nn.functional.{fn} does not exist")


@pytest.mark.parametrize("name,args,kwargs", FWD_CASES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_forward_backward(name, args, kwargs, dtype):
    _needs_f(name)
    e, t = make_pair(name, *args, **kwargs, dtype=dtype) if name == "PReLU" else make_pair(name, *args, **kwargs)
    channels = args[0] if name == "PReLU" and args else 2  # PReLU(C) needs C channels in dim 1
    x = randn(4, channels, 6, dtype=dtype) * 3
    x.flat[:4] = [0.0, -1.0, 1.0, 0.5]  # kinks of relu/hardtanh/hardshrink/threshold-like layers
    for train in (True, False):
        check_module(e, t, x, train=train)
    if channels != 2:  # torch rejects PReLU(C > 1) on unbatched input (its dim 1 is not the channel dim)
        return
    check_module(e, t, x[0], train=True)
    if name not in ("Softmax", "Softmin", "GLU") or kwargs.get("dim", args[0] if args else -1) in (0, -1):
        check_module(e, t, x[0, 0], train=True)  # 1-D input


@pytest.mark.parametrize("name,args,kwargs", CASES, ids=IDS)
def test_repr(name, args, kwargs):
    make_pair(name, *args, **kwargs)


@pytest.mark.parametrize("name", ["ReLU", "ReLU6", "SiLU", "Mish", "SELU", "ELU", "LeakyReLU", "Hardtanh",
                                  "Hardsigmoid", "Hardswish", "CELU"])
def test_inplace(name):
    _needs_f(name)
    e, t = make_pair(name, inplace=True)
    xs = randn(3, 5)
    te, tt = ember.from_numpy(xs.copy()), torch.from_numpy(xs.copy())
    out_e, out_t = e(te), t(tt)
    assert out_e is te and out_t is tt
    assert np.array_equal(te.numpy(), tt.numpy()) or np.allclose(te.numpy(), tt.numpy(), rtol=2e-6, atol=2e-6)
    # through autograd: an in-place activation on a non-leaf
    check_module(e, t, xs, nonleaf=True)


def test_gelu_chapter_values():
    # the chapter feeds a float64 NumPy range through GELU
    _needs_f("GELU")
    xs = np.arange(-10, 10, 0.01)
    e = ember.nn.GELU()(ember.tensor(xs))
    t = torch.nn.GELU()(torch.tensor(xs))
    assert e.dtype == ember.float64
    np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-15, atol=1e-15)


def test_softmax2d():
    _needs_f("Softmax2d")
    e, t = make_pair("Softmax2d")
    check_module(e, t, randn(2, 3, 4, 5))
    check_module(e, t, randn(3, 4, 5))
    check_error(lambda lib: lib.nn.Softmax2d()(lib.randn(4, 5)))


def test_softmax_implicit_dim_warning():
    _needs_f("Softmax")
    for lib in (torch, ember):
        with pytest.warns(UserWarning, match="Implicit dimension choice for softmax has been deprecated"):
            lib.nn.Softmax()(lib.randn(2, 3))


@pytest.mark.parametrize("fn", [
    lambda lib: lib.nn.GELU(approximate="bad")(lib.randn(3)),
    lambda lib: lib.nn.GELU()(lib.tensor([1, 2])),
    lambda lib: lib.nn.Hardtanh(1.0, 1.0),
    lambda lib: lib.nn.Hardtanh(2.0, -1.0),
    lambda lib: lib.nn.GLU()(lib.randn(2, 3)),
    lambda lib: lib.nn.ReLU(inplace=True)(lib.randn(3, requires_grad=True)),
    lambda lib: lib.nn.PReLU(3)(lib.randn(2, 4)),
])
def test_errors(fn):
    check_error(fn)


def test_relu_int_and_grad_at_zero():
    _needs_f("ReLU")
    out = ember.nn.ReLU()(ember.tensor([-1, 0, 2]))
    assert out.dtype == ember.int64 and out.tolist() == [0, 0, 2]
    x = ember.tensor([0.0, 1.0], requires_grad=True)
    ember.nn.ReLU()(x).sum().backward()
    assert x.grad.tolist() == [0.0, 1.0]


@pytest.mark.parametrize("name,args", [("RReLU", ()), ("RReLU", (0.1, 0.3)), ("RReLU", (0.1, 0.3, True))])
def test_rrelu_repr(name, args):
    make_pair(name, *args)


@pytest.mark.parametrize("train", [True, False])
def test_rrelu(train):
    e, t = make_pair("RReLU", 0.1, 0.3)
    check_module(e, t, randn(4, 5), train=train, seed=11)  # training draws the slopes from the generator


SHARED_INIT = ["ReLU", "SiLU", "Mish", "SELU", "Hardsigmoid", "Hardswish", "ELU", "CELU", "Hardshrink", "Softshrink",
               "Softmin", "Softmax", "LogSoftmax"]


@pytest.mark.parametrize("name", SHARED_INIT)
def test_shared_init_signature(name):
    # these layers take their __init__ and extra_repr from a shared base: the constructor must still be torch's
    def params(cls):
        return [(p.name, p.kind, p.default) for p in inspect.signature(cls).parameters.values()]
    assert params(getattr(ember.nn, name)) == params(getattr(torch.nn, name))


@pytest.mark.parametrize("name", ["Hardshrink", "Softshrink"])
def test_shrink_repr_of_tensor_lambd(name):
    # torch formats Hardshrink's lambd (a 0-dim tensor shows as its number) but str()s Softshrink's
    assert repr(getattr(ember.nn, name)(ember.tensor(0.3))) == repr(getattr(torch.nn, name)(torch.tensor(0.3)))
