"""dropout's fast paths (ember/_ops/nn/dropout.py): the tiny-input mask built on Python ints, and the
MulBackward0 node that keeps only the mask; both must be indistinguishable from torch's dropout."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
from _compare import check_op
from ember._ops.nn import dropout as D
from ember._rng.generator import default_generator
from ember._rng.sampling import dropout_noise
from nn._cases import F, randn


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_tiny_noise_equals_dropout_noise(dtype):
    # same generator state -> the same mask and the same stream position afterwards, for every size the tiny
    # path takes and the first one it does not
    # (randn before: small serial normals may leave prefetched words pending in the engine)
    dt = np.dtype(dtype)
    for n in range(1, D._TINY + 2):
        for p in (0.1, 0.5, 0.9, 1e-9, 1 - 1e-9, 0.3333333333333333):
            for before in (ember.rand, ember.randn):
                seed = 1000 * n + int(p * 100)
                ember.manual_seed(seed)
                before(3)  # start mid-stream
                ref = dropout_noise((n,), p, dt, default_generator)
                after_ref = ember.rand(2).numpy()
                ember.manual_seed(seed)
                before(3)
                got = D._tiny_noise((n,), n, p, dt)
                after = ember.rand(2).numpy()
                assert got.dtype == ref.dtype
                np.testing.assert_array_equal(got, ref)
                np.testing.assert_array_equal(after, after_ref)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(), (1,), (2, 3), (4, 4), (17,), (3, 1, 2)])
def test_tiny_dropout_bit_exact_with_torch(dtype, shape):
    for seed, p in ((0, 0.1), (1, 0.5), (2, 0.75)):
        torch.manual_seed(seed)
        ember.manual_seed(seed)
        check_op(lambda L, a: F(L).dropout(a, p), [np.asarray(randn(*shape, dtype=dtype), dtype)], rtol=0, atol=0,
                 grad_rtol=0, grad_atol=0)
    # the stream continues in step
    np.testing.assert_array_equal(ember.rand(5).numpy(), torch.rand(5).numpy())


def test_tiny_dropout_inplace_and_feature():
    for lib in (torch, ember):
        lib.manual_seed(3)
    check_op(lambda L, a: F(L).dropout(a * 1, 0.4, inplace=True), [randn(2, 3)], rtol=0, atol=0,
             grad_rtol=0, grad_atol=0)
    check_op(lambda L, a: F(L).dropout2d(a, 0.4), [randn(2, 3, 2, 2)], rtol=0, atol=0, grad_rtol=0, grad_atol=0)


def test_node_is_mulbackward0_with_torchs_edges():
    x = {lib: lib.tensor([1.0, 2.0, 3.0], requires_grad=True) for lib in (torch, ember)}
    out = {}
    for lib in (torch, ember):
        lib.manual_seed(0)
        out[lib] = F(lib).dropout(x[lib] * 2, 0.5)
    e, t = out[ember].grad_fn, out[torch].grad_fn
    assert e.name() == t.name() == "MulBackward0"
    assert [None if n is None else n.name() for n, _ in e.next_functions] == \
           [None if n is None else n.name() for n, _ in t.next_functions]


def test_input_modified_in_place_after_dropout():
    # torch's MulBackward0 keeps only the mask (the input needs no saving for its own grad), so changing
    # the input in place afterwards is no error
    grads = []
    for lib in (torch, ember):
        lib.manual_seed(4)
        x = lib.tensor([1.0, -2.0, 3.0, 4.0], requires_grad=True)
        y = x * 1
        z = F(lib).dropout(y, 0.5)
        y.add_(1)
        z.sum().backward()
        grads.append(x.grad.numpy().copy())
    np.testing.assert_array_equal(*grads)


def test_no_grad_and_eval():
    x = ember.randn(2, 3, requires_grad=True)
    with ember.no_grad():
        y = ember.nn.functional.dropout(x, 0.5)
    assert y.grad_fn is None and not y.requires_grad
    assert ember.nn.functional.dropout(x, 0.5, training=False) is x


def test_tiny_dropout_after_randn_matches_torch():
    # a tiny dropout right after small normal draws (prefetched words) still takes torch's next words
    outs = []
    for lib in (torch, ember):
        lib.manual_seed(11)
        a = lib.randn(3)
        b = F(lib).dropout(lib.ones(2, 3), 0.5)
        c = lib.randn(2)
        d = F(lib).dropout(lib.ones(5), 0.3)
        outs.append([t.numpy().copy() for t in (a, b, c, d, lib.rand(3))])
    for e, t in zip(*outs):
        np.testing.assert_array_equal(e, t)
