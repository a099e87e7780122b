"""The size- and layout-dependent kernel paths of layer_norm, softmax/log_softmax and nll_loss, against torch.

Each kernel switches path on size (a few rows, one block, many blocks) or on what backward will need; every path must
give torch's values and grads, and the same errors."""
import numpy as np
import pytest

import ember
from _compare import check_error, check_op
from nn._cases import F, randn

RED = ["mean", "sum", "none"]


@pytest.mark.parametrize("n", [3, 64, 65, 300])  # up to _FEW (64) targets: Python indexing; above: the general path
@pytest.mark.parametrize("reduction", RED)
def test_nll_loss_few_and_many_rows(n, reduction):
    t = np.random.default_rng(n).integers(0, 7, n)
    check_op(lambda L, x, t: F(L).nll_loss(F(L).log_softmax(x, 1), t, reduction=reduction), [randn(n, 7), t])
    check_op(lambda L, x, t: F(L).cross_entropy(x, t, reduction=reduction), [randn(n, 7, dtype=np.float64), t])


def test_nll_loss_few_rows_fallbacks():
    # an ignored target, a uint8 target, an empty batch and a non-contiguous input leave or pass the few-rows path
    check_op(lambda L, x, t: F(L).nll_loss(x, t), [randn(3, 4), np.array([1, -100, 3])])
    check_op(lambda L, x, t: F(L).nll_loss(x, t, ignore_index=1), [randn(3, 4), np.array([1, 0, 3])])
    check_op(lambda L, x, t: F(L).nll_loss(x, t, reduction="sum"), [randn(3, 4), np.array([0, 3, 3], np.uint8)])
    check_op(lambda L, x, t: F(L).nll_loss(x, t), [randn(0, 4), np.zeros(0, np.int64)])
    check_op(lambda L, x, t: F(L).nll_loss(x.t(), t, reduction="none"), [randn(4, 3), np.array([1, 0, 3])])
    check_error(lambda L: F(L).nll_loss(L.randn(3, 4), L.tensor([1, 4, 0])))
    check_error(lambda L: F(L).nll_loss(L.randn(3, 4), L.tensor([1, -1, 0])))


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("shape", [(3, 5), (301, 257)])  # one block, many row blocks
def test_softmax_rows_with_nan(name, shape):
    # the row max is fmax's (skips nan): a nan must still turn its whole row into nan, as torch's max does
    x = randn(*shape, dtype=np.float32)
    x[1, 2] = np.nan
    x[2, :] = np.nan
    x[0, 0] = np.inf
    check_op(lambda L, x: getattr(F(L), name)(x, -1), [x], grad=False)


@pytest.mark.parametrize("affine", ["both", "weight", "bias", "none"])
def test_layer_norm_large_affine_variants(affine):
    # the blocked path writes the output in one pass whichever of weight/bias is given
    ins = [randn(80, 300) * 2 + 1]
    if affine in ("both", "weight"):
        ins.append(randn(300, seed=1))
    if affine in ("both", "bias"):
        ins.append(randn(300, seed=2))

    def fn(L, x, *wb):
        w = wb[0] if affine in ("both", "weight") else None
        b = wb[-1] if affine in ("both", "bias") else None
        return F(L).layer_norm(x, (300,), w, b)
    check_op(fn, ins, grad_rtol=1e-4, grad_atol=1e-4)


def test_layer_norm_large_grad_subsets_and_no_grad():
    # xhat is kept only when backward may need it: no grad mode, and grads of some inputs only
    x, w, b = randn(80, 300), randn(300, seed=1), randn(300, seed=2)
    check_op(lambda L, x, w, b: F(L).layer_norm(x, (300,), w, b), [(x, False), w, b], grad_rtol=1e-4, grad_atol=1e-4)
    check_op(lambda L, x, w, b: F(L).layer_norm(x, (300,), w, b), [x, (w, False), (b, False)])
    with ember.no_grad():
        e = F(ember).layer_norm(ember.from_numpy(x), (300,), ember.from_numpy(w), ember.from_numpy(b))
    import torch
    t = torch.nn.functional.layer_norm(torch.from_numpy(x), (300,), torch.from_numpy(w), torch.from_numpy(b))
    np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=2e-6, atol=2e-6)
    assert e.grad_fn is None


def test_layer_norm_large_uniform_grad():
    # the stride-0 upstream grad of .sum(): column sums and row dots without BLAS
    check_op(lambda L, x, w, b: F(L).layer_norm(x, (256,), w, b).sum(),
             [randn(40, 256), randn(256, seed=1), randn(256, seed=2)], grad_rtol=1e-4, grad_atol=1e-4)
