"""F.group_norm and nn.GroupNorm against torch: values, grads of every input, module state, errors."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
from tests._compare import assert_same, check_error, check_op


def _rand(shape, dtype, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,groups", [((2, 4), 2), ((3, 6, 5), 3), ((2, 4, 3, 2), 1), ((2, 4, 2, 2), 4)])
@pytest.mark.parametrize("affine", ["both", "weight", "none"])
def test_functional(dtype, shape, groups, affine):
    c = shape[1]
    x = _rand(shape, dtype) * 3 - 1
    w, b = _rand(c, dtype, 1), _rand(c, dtype, 2)

    def fn(lib, x, w, b):
        return lib.nn.functional.group_norm(x, groups, w if affine != "none" else None,
                                            b if affine == "both" else None, eps=1e-4)

    e, t = check_op(fn, [x, w, b])
    assert [f is None for f, _ in e.grad_fn.next_functions] == [f is None for f, _ in t.grad_fn.next_functions]


@pytest.mark.parametrize("kwargs", [{}, dict(affine=False), dict(bias=False), dict(eps=1e-3)])
def test_module(kwargs):
    t_gn, e_gn = torch.nn.GroupNorm(2, 6, **kwargs), ember.nn.GroupNorm(2, 6, **kwargs)
    assert repr(e_gn) == repr(t_gn)
    assert list(e_gn.state_dict()) == list(t_gn.state_dict())
    for k, v in t_gn.state_dict().items():
        assert_same(e_gn.state_dict()[k], v, check_grad_fn=False, what=k)
    with torch.no_grad():
        for p in t_gn.parameters():
            p.normal_()
    e_gn.load_state_dict({k: ember.tensor(v.numpy()) for k, v in t_gn.state_dict().items()})
    x = _rand((2, 6, 3), np.float32)
    xt, xe = torch.tensor(x, requires_grad=True), ember.tensor(x, requires_grad=True)
    yt, ye = t_gn(xt), e_gn(xe)
    assert_same(ye, yt)
    go = _rand((2, 6, 3), np.float32, 5)
    yt.backward(torch.tensor(go))
    ye.backward(ember.tensor(go))
    assert_same(xe.grad, xt.grad, check_grad_fn=False)
    for (n, pe), (_, pt) in zip(e_gn.named_parameters(), t_gn.named_parameters()):
        assert_same(pe.grad, pt.grad, check_grad_fn=False, what=n)
    # train and eval behave the same (no running statistics)
    e_gn.eval()
    assert_same(e_gn(xe), yt)


def test_module_float64():
    t_gn, e_gn = torch.nn.GroupNorm(3, 3, dtype=torch.float64), ember.nn.GroupNorm(3, 3, dtype=ember.float64)
    check_op(lambda lib, x: (t_gn if lib is torch else e_gn)(x), [_rand((2, 3, 4), np.float64)])


@pytest.mark.parametrize("fn", [
    lambda lib: lib.nn.GroupNorm(3, 4),
    lambda lib: lib.nn.GroupNorm(0, 4),
    lambda lib: lib.nn.functional.group_norm(lib.randn(2, 5, 3), 2),
    lambda lib: lib.nn.functional.group_norm(lib.randn(5), 2),
    lambda lib: lib.nn.functional.group_norm(lib.randn(1, 2, 1), 2),
    lambda lib: lib.nn.functional.group_norm(lib.randn(2, 4), -2),
    lambda lib: lib.nn.functional.group_norm(lib.randn(2, 4), 2, lib.ones(3)),
    lambda lib: lib.nn.functional.group_norm(lib.randn(2, 4), 2, lib.ones(2, 2)),
    lambda lib: lib.nn.functional.group_norm(lib.randn(2, 4), 2, None, lib.ones(3)),
    lambda lib: lib.nn.functional.group_norm(lib.randn(2, 4), 2, lib.ones(4), lib.ones(3)),
    lambda lib: lib.nn.functional.group_norm(lib.ones(2, 4, dtype=lib.long), 2),
    lambda lib: lib.nn.functional.group_norm(lib.ones(2, 4, dtype=lib.long), 2, lib.ones(4)),
    lambda lib: lib.nn.functional.group_norm(lib.randn(2, 4), 2, lib.ones(4, dtype=lib.float64)),
    lambda lib: lib.nn.functional.group_norm(lib.randn(2, 4, dtype=lib.float64), 2, lib.ones(4)),
    lambda lib: lib.nn.functional.group_norm(lib.randn(2, 4), 2, lib.ones(4), lib.ones(4, dtype=lib.float64)),
])
def test_errors(fn):
    check_error(fn)


def test_float16_input_with_float32_parameters():
    check_op(lambda lib, x, w, b: lib.nn.functional.group_norm(x, 2, w, b),
             [_rand((2, 4, 3), np.float16), _rand(4, np.float32, 1), _rand(4, np.float32, 2)], rtol=2e-3, atol=2e-3)


def test_empty_batch():
    check_op(lambda lib, x, w: lib.nn.functional.group_norm(x, 2, w), [np.zeros((0, 4, 3), np.float32),
                                                                      np.ones(4, np.float32)])
