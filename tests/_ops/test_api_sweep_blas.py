"""addmv, addr, addbmm, chain_matmul and the in-place add*_ methods against torch: values, grads, nodes, errors."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import ember
from _compare import assert_same, check_error, check_op

RNG = np.random.default_rng(21)


def r(*shape, dtype=np.float64):
    return RNG.standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("beta,alpha", [(1, 1), (0.5, 2.0), (0, -1.5)])
def test_addmv(dtype, beta, alpha):
    check_op(lambda lib, c, m, v: lib.addmv(c, m, v, beta=beta, alpha=alpha), [r(3, dtype=dtype), r(3, 4, dtype=dtype),
                                                                            r(4, dtype=dtype)])
    check_op(lambda lib, c, m, v: c.addmv(m, v, beta=beta, alpha=alpha), [r(1, dtype=dtype), r(3, 4, dtype=dtype),
                                                                       r(4, dtype=dtype)])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("beta,alpha", [(1, 1), (0.5, 2.0), (0, 3)])
def test_addr(dtype, beta, alpha):
    check_op(lambda lib, c, u, v: lib.addr(c, u, v, beta=beta, alpha=alpha), [r(3, 4, dtype=dtype), r(3, dtype=dtype),
                                                                           r(4, dtype=dtype)])
    check_op(lambda lib, c, u, v: c.addr(u, v, alpha=alpha), [r(4, dtype=dtype), r(3, dtype=dtype), r(4, dtype=dtype)])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("beta,alpha", [(1, 1), (0.5, 2.0), (0, 1)])
def test_addbmm(dtype, beta, alpha):
    check_op(lambda lib, c, a, b: lib.addbmm(c, a, b, beta=beta, alpha=alpha),
             [r(3, 4, dtype=dtype), r(5, 3, 2, dtype=dtype), r(5, 2, 4, dtype=dtype)], rtol=1e-5 if dtype == np.float32
             else None, atol=1e-5 if dtype == np.float32 else None)
    check_op(lambda lib, c, a, b: c.addbmm(a, b), [r(4, dtype=dtype), r(2, 3, 2, dtype=dtype),
                                                    r(2, 2, 4, dtype=dtype)])


def test_integer_and_bool():
    for fn in (lambda lib: lib.addmv(lib.ones(3, dtype=lib.long), lib.arange(12).view(3, 4), lib.arange(4), beta=2,
                                     alpha=3),
               lambda lib: lib.addr(lib.ones(3, 4, dtype=lib.long), lib.arange(3), lib.arange(4), alpha=2),
               lambda lib: lib.addr(lib.ones(2, 2, dtype=lib.bool), lib.tensor([True, False]),
                                    lib.tensor([False, True])),
               lambda lib: lib.addr(lib.zeros(3, 4), lib.arange(3), lib.ones(4)),
               # (integer addmv/addbmm truncate a float alpha instead of refusing it as addr does)
               lambda lib: lib.addmv(lib.ones(3, dtype=lib.long), lib.ones(3, 4, dtype=lib.long),
                                     lib.ones(4, dtype=lib.long), alpha=1.5, beta=0.5),
               lambda lib: lib.addbmm(lib.ones(2, 2, dtype=lib.long), lib.ones(3, 2, 2, dtype=lib.long),
                                      lib.ones(3, 2, 2, dtype=lib.long))):
        assert_same(fn(ember), fn(torch))


def test_beta_zero_ignores_nan():
    for fn in (lambda lib: lib.addmv(lib.full((2,), float("nan")), lib.ones(2, 3), lib.ones(3), beta=0),
               lambda lib: lib.addr(lib.full((2, 3), float("nan")), lib.ones(2), lib.ones(3), beta=0),
               lambda lib: lib.addbmm(lib.full((2, 2), float("nan")), lib.ones(1, 2, 2), lib.ones(1, 2, 2), beta=0)):
        assert_same(fn(ember), fn(torch))


@pytest.mark.parametrize("fn", [
    lambda lib: lib.addmv(lib.ones(3), lib.ones(3, 4), lib.ones(3, 4)),
    lambda lib: lib.addmv(lib.ones(2), lib.ones(3, 4), lib.ones(4)),
    lambda lib: lib.addmv(lib.ones(3), lib.ones(4), lib.ones(4)),
    lambda lib: lib.addmv(lib.ones(3, dtype=lib.float64), lib.ones(3, 4), lib.ones(4)),
    lambda lib: lib.addmv(lib.ones(3), lib.ones(3, 4), lib.ones(5)),
    lambda lib: lib.addr(lib.ones(3), lib.ones(3), lib.ones(3, 4)),
    lambda lib: lib.addr(lib.ones(2, 2), lib.ones(3), lib.ones(4)),
    lambda lib: lib.addr(lib.ones(3, 4, dtype=lib.long), lib.ones(3, dtype=lib.long), lib.ones(4, dtype=lib.long),
                         alpha=2.5),
    lambda lib: lib.addbmm(lib.ones(3, 4), lib.ones(2, 3, 5), lib.ones(3, 5, 4)),
    lambda lib: lib.addbmm(lib.ones(3, 4), lib.ones(2, 3, 5), lib.ones(2, 6, 4)),
    lambda lib: lib.addbmm(lib.ones(3, 3), lib.ones(2, 3, 5), lib.ones(2, 5, 4)),
    lambda lib: lib.addbmm(lib.ones(3, 4, dtype=lib.float64), lib.ones(2, 3, 5), lib.ones(2, 5, 4)),
    lambda lib: lib.ones(1).addmv_(lib.ones(3, 4), lib.ones(4)),
    lambda lib: lib.ones(3, requires_grad=True).addmv_(lib.ones(3, 4), lib.ones(4)),
], ids=range(14))
def test_errors(fn):
    check_error(fn)


@pytest.mark.parametrize("name,inputs,args", [
    ("addmv_", [r(3), r(3, 4), r(4)], {"beta": 0.5}),
    ("addr_", [r(3, 4), r(3), r(4)], {"alpha": 2.0}),
    ("addbmm_", [r(3, 4), r(2, 3, 5), r(2, 5, 4)], {}),
    ("addmm_", [r(3, 4), r(3, 5), r(5, 4)], {"beta": 2.0}),
    ("baddbmm_", [r(2, 3, 4), r(2, 3, 5), r(2, 5, 4)], {"alpha": 0.5}),
])
def test_inplace_methods(name, inputs, args):
    def fn(lib, c, a, b):
        c2 = c * 1  # a non-leaf to write into
        out = getattr(c2, name)(a, b, **args)
        assert out is c2
        return out
    check_op(fn, inputs)


def test_chain_matmul():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        check_op(lambda lib, a, b, c: lib.chain_matmul(a, b, c), [r(2, 3), r(3, 4), r(4, 2)])
        check_op(lambda lib, a, b: lib.chain_matmul(a, b), [r(2, 3), r(3, 4)])
        check_op(lambda lib, a: lib.chain_matmul(a), [r(2, 3)])
        check_error(lambda lib: lib.chain_matmul())
        check_error(lambda lib: lib.chain_matmul(lib.ones(3), lib.ones(3, 3)))
    with pytest.warns(UserWarning, match="chain_matmul is deprecated"):
        ember.chain_matmul(ember.ones(2, 2), ember.ones(2, 2))


def test_vdot():
    check_op(lambda lib, a, b: lib.vdot(a, b), [r(4), r(4)])
    check_op(lambda lib, a, b: a.vdot(b), [r(4, dtype=np.float32), r(4, dtype=np.float32)])
    res = []
    for lib in (torch, ember):
        a = lib.tensor([1 + 2j, 3j], requires_grad=True)
        b = lib.tensor([2 - 1j, 1 + 1j], requires_grad=True)
        y = lib.vdot(a, b)
        y.backward(lib.tensor(1 - 1j))
        res.append((y, a.grad, b.grad))
    for e, t in zip(res[1], res[0]):
        assert_same(e, t, check_grad_fn=False)
    assert res[1][0].grad_fn.name() == "VdotBackward0"
    for fn in (lambda lib: lib.vdot(lib.ones(2, 2), lib.ones(2, 2)),
               lambda lib: lib.vdot(lib.ones(2), lib.ones(2, dtype=lib.float64)),
               lambda lib: lib.vdot(lib.ones(2), lib.ones(3))):
        check_error(fn)
