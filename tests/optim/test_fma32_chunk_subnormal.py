"""float32 FMAs with subnormal results in the optimizers' kernels (ember.optim._functional), against an exact
reference and torch: ``fma32_chunk`` and the op-by-op kernels, then whole optimizer steps whose updates land on
ties of float32's subnormal grid (odd multiples of 2**-150), in the chunked and the packed paths."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
import ember.optim as eoptim
from _exact32 import fma_exact, subnormal_tie_operands, tiny_operands
from ember.optim import _functional
from test_optimizer import assert_params_equal, torch_sqrt  # noqa: F401  (fixture)

N = 2 * _functional.CHUNK + 1234


def _same(x: np.ndarray, y: np.ndarray) -> bool:
    return x.dtype == y.dtype and np.array_equal(x.view(np.int32), y.view(np.int32))


def _chunk(out, a, b, c):
    _functional.fma32_chunk(out, a, b, c, _functional.scratch().head(out.size)[0])
    return out


@pytest.mark.parametrize("operands", [subnormal_tie_operands, tiny_operands])
def test_fma32_chunk_exact(operands):
    a, b, c = operands(3000)
    want = fma_exact(a, b, c)
    assert _same(_chunk(np.empty_like(a), a, b, c), want)
    assert _same(_chunk(c.copy(), a, b, c.copy()), want)  # out is c
    t = torch.from_numpy(c.copy()).addcmul_(torch.from_numpy(a), torch.from_numpy(b)).numpy()
    assert _same(t, want)


def test_fma32_chunk_scalar_operands():
    """``b`` and ``c`` as the 0-dim float64 constants the algorithms pass."""
    a, b, c = subnormal_tie_operands(3000, seed=5)
    for b0 in np.unique(b)[:5]:
        bb = _functional.const(b0, np.float64)
        assert _same(_chunk(c.copy(), a, bb, c.copy()), fma_exact(a, b0, c))
    c0 = _functional.const(c[0], np.float64)
    assert _same(_chunk(np.empty_like(a), a, b, c0), fma_exact(a, b, c[0]))


def test_normal_path_leaves_errstate_alone():
    a, b, c = tiny_operands(100)
    before = np.geterr()
    _chunk(np.empty_like(a), a, b, c)
    assert np.geterr() == before
    with np.errstate(under="raise"):
        assert _same(_chunk(np.empty_like(a), a, b, c), fma_exact(a, b, c))


def test_kernels_like_torch_ops():
    """``_k_addcmul_``, ``_k_add_`` and ``_k_lerp_`` (op-by-op paths) on subnormal ties, against torch's ops."""
    a, b, c = subnormal_tie_operands(3000, seed=6)
    x = c.copy()
    eoptim.optimizer._k_addcmul_(x, a, b, 1.0)
    assert _same(x, torch.from_numpy(c.copy()).addcmul_(torch.from_numpy(a), torch.from_numpy(b)).numpy())
    for alpha in np.unique(b)[:4]:
        x = c.copy()
        eoptim.optimizer._k_add_(x, a, float(alpha))
        assert _same(x, torch.from_numpy(c.copy()).add_(torch.from_numpy(a), alpha=float(alpha)).numpy())
    # lerp: x + w*(end - x), with end - x = 2**-126 - i*2**-149 (exact: both ends are tiny) and w = 2**-24 (1 + i*2**-23)
    rng = np.random.default_rng(7)
    x0 = ((rng.integers(1, 1 << 23, 3000) | 1) * 2.0 ** -149).astype(np.float32)
    for i in (1, 5, 1000):  # 1000: i*i*2**-196 is too big for the float64 sum to be a tie
        end = x0 + np.float32(2.0 ** -126 - i * 2.0 ** -149)
        w = 2.0 ** -24 * (1 + i * 2.0 ** -23)
        x = x0.copy()
        eoptim.optimizer._k_lerp_(x, end, w)
        t = torch.from_numpy(x0.copy()).lerp_(torch.from_numpy(end), w).numpy()
        assert _same(x, t) and _same(x, fma_exact(end - x0, np.float32(w), x0))
        plain = (np.float64(w) * (end - x0) + x0).astype(np.float32)
        assert _same(x, plain) == (i == 1000)  # a plain double rounding is off on the ties


def _tie_param(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Params that are odd subnormals and grads g = -(2**-126 - 2**-149): with lr = 2**-24 (1 + 2**-23),
    x - lr*g = x + 2**-150 (1 - 2**-46), just below a tie of the subnormal grid."""
    rng = np.random.default_rng(seed)
    x = ((rng.integers(1, 1 << 23, n) | 1) * 2.0 ** -149).astype(np.float32)
    x[::3] *= -1
    g = np.full(n, -(2.0 ** -126 - 2.0 ** -149), np.float32)
    g[1::5] = rng.standard_normal(g[1::5].size).astype(np.float32)  # ordinary elements between the ties
    return x, g


LR = 2.0 ** -24 * (1 + 2.0 ** -23)


@pytest.mark.parametrize("n", [N, 300], ids=["chunked", "small"])
@pytest.mark.parametrize("kwargs", [dict(), dict(momentum=0.5), dict(momentum=0.5, nesterov=True)], ids=str)
def test_sgd_step_on_subnormal_ties(n, kwargs):
    x, g = _tie_param(n, 8)
    ep, tp = ember.nn.Parameter(ember.from_numpy(x.copy())), torch.nn.Parameter(torch.from_numpy(x.copy()))
    e_opt, t_opt = eoptim.SGD([ep], lr=LR, **kwargs), torch.optim.SGD([tp], lr=LR, **kwargs)
    for k in range(3):
        ep.grad, tp.grad = ember.from_numpy(g.copy()), torch.from_numpy(g.copy())
        e_opt.step()
        t_opt.step()
        assert_params_equal([ep], [tp], f"SGD({kwargs}) step {k + 1}")
    assert not _same(ep._data, ((-np.float64(np.float32(LR))) * g + x).astype(np.float32))


@pytest.mark.parametrize("n", [N, 300], ids=["chunked", "small"])
@pytest.mark.parametrize("name,key", [("Adam", "exp_avg"), ("AdamW", "exp_avg"), ("RMSprop", "grad_avg")])
def test_lerp_state_on_subnormal_ties(name, key, n, torch_sqrt):
    """exp_avg (Adam) / grad_avg (centered RMSprop) = lerp(m, g, w) with m an odd subnormal, g - m exact and
    w = 1 - beta1 = 1 - alpha = 2**-24 (1 + 2**-23): the update lands beside a subnormal tie."""
    w = 2.0 ** -24 * (1 + 2.0 ** -23)
    kwargs = dict(lr=1e-3, betas=(1 - w, 0.999)) if name != "RMSprop" else dict(lr=1e-3, alpha=1 - w, centered=True)
    m0, _ = _tie_param(n, 9)
    g = m0 + np.float32(2.0 ** -126 - 2.0 ** -149)
    x = np.random.default_rng(10).standard_normal(n).astype(np.float32)
    ep, tp = ember.nn.Parameter(ember.from_numpy(x.copy())), torch.nn.Parameter(torch.from_numpy(x.copy()))
    e_opt, t_opt = getattr(eoptim, name)([ep], **kwargs), getattr(torch.optim, name)([tp], **kwargs)
    for opt, p, lib in ((e_opt, ep, ember), (t_opt, tp, torch)):
        p.grad = lib.from_numpy(np.zeros(n, np.float32))
        opt.step()  # makes the state
        opt.state[p][key].copy_(lib.from_numpy(m0.copy()))
        p.grad = lib.from_numpy(g.copy())
        opt.step()
    e_m, t_m = e_opt.state[ep][key]._data, t_opt.state[tp][key].numpy()
    assert _same(e_m, t_m)
    assert_params_equal([ep], [tp], f"{name} subnormal lerp")
