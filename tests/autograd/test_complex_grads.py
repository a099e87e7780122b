"""Complex autograd follows torch's convention: for a holomorphic op f, the grad of its input is
g * conj(f'(z)) (conjugate Wirtinger calculus), for real losses built from complex intermediates."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember

RNG = np.random.default_rng(0)
A = RNG.standard_normal((3, 3)) + 1j * RNG.standard_normal((3, 3))
B = RNG.standard_normal((3, 3)) + 1j * RNG.standard_normal((3, 3))
C = RNG.standard_normal((3, 3)) + 1j * RNG.standard_normal((3, 3))
R = RNG.uniform(0.5, 1.5, (3, 3))

OPS = {
    "mul": lambda a, b: a * b, "div": lambda a, b: a / b, "add_alpha": lambda a, b: a.add(b, alpha=2 - 1j),
    "sub": lambda a, b: a - 3 * b, "rsub": lambda a, b: 2 - a, "matmul": lambda a, b: a @ b,
    "addmm": lambda a, b: a @ b + a, "bmm": lambda a, b: a[None].bmm(b[None])[0],
    "dot": lambda a, b: a[0].dot(b[0]) * b, "mv": lambda a, b: a.mv(b[0])[None] * b,
    "log": lambda a, b: a.log(), "exp": lambda a, b: a.exp(), "exp2": lambda a, b: a.exp2(),
    "sqrt": lambda a, b: a.sqrt(), "rsqrt": lambda a, b: a.rsqrt(), "reciprocal": lambda a, b: a.reciprocal(),
    "pow_number": lambda a, b: a ** 3.5 + a ** 2, "pow_tensor": lambda a, b: a ** b,
    "pow_base": lambda a, b: 2 ** a, "trig": lambda a, b: a.sin() * a.cos() + a.tan(),
    "inverse_trig": lambda a, b: (a / 4).asin() + (a / 4).acos() + a.atan(),
    "hyperbolic": lambda a, b: a.sinh() + a.cosh() + a.tanh() + a.sigmoid(),
    "log_family": lambda a, b: a.log1p() + a.log2() + a.log10() + a.expm1(),
    "reductions": lambda a, b: a.sum(0) * a.mean(1) * b[0],
    "products": lambda a, b: a.prod(0) * a.cumprod(1) + a.prod() * b,
    "in_place": lambda a, b: (a * 1).mul_(b).div_(a + 2).log_(),
    "mixed_real": lambda a, b: a * torch_or_ember(a).tensor(R) + b / torch_or_ember(a).tensor(R),
}


def torch_or_ember(t):
    return torch if isinstance(t, torch.Tensor) else ember


def _grads(lib, fn):
    a = lib.tensor(A, requires_grad=True)
    b = lib.tensor(B, requires_grad=True)
    y = fn(a, b)
    loss = (y * lib.tensor(C)).real.sum() + (y.abs() ** 2).sum()  # not symmetric under conjugation
    return [None if g is None else g.numpy() for g in lib.autograd.grad(loss, (a, b), allow_unused=True)]


@pytest.mark.parametrize("name", sorted(OPS))
def test_complex_grads_match_torch(name):
    want, got = _grads(torch, OPS[name]), _grads(ember, OPS[name])
    for w, g in zip(want, got):
        assert (w is None) == (g is None)
        if w is not None:
            np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)


def test_real_input_of_a_complex_product_gets_the_real_part():
    out = []
    for lib in (torch, ember):
        r = lib.tensor(R, requires_grad=True)
        y = r * lib.tensor(A)
        (g,) = lib.autograd.grad((y * lib.tensor(C)).real.sum(), r)
        out.append(g.numpy())
    np.testing.assert_allclose(out[1], out[0], rtol=1e-12)


def test_node_names_are_unchanged_for_complex():
    a = ember.tensor(A, requires_grad=True)
    assert (a * a).grad_fn.name() == "MulBackward0"
    assert (a @ a).grad_fn.name() == "MmBackward0"
    assert a.log().grad_fn.name() == "LogBackward0"
