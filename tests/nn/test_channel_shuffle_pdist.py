"""channel_shuffle / nn.ChannelShuffle and pdist against torch: values, grads, nodes, reprs, errors."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
from tests._compare import check_error, check_op

EXACT = dict(rtol=0, atol=0)
INF = float("inf")


def _t(lib, a):
    return lib.from_numpy(np.ascontiguousarray(a).copy())


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.bool_])
@pytest.mark.parametrize("shape", [(2, 12, 3), (1, 12, 2, 3), (2, 12, 1, 2, 2), (1, 12, 1, 1, 2, 1), (0, 12, 2)])
def test_channel_shuffle(shape, dtype):
    x = np.random.default_rng(0).standard_normal(shape) * 5
    x = x.astype(dtype)
    for groups in (1, 2, 3, 4, 6, 12):
        check_op(lambda lib, x: lib.nn.functional.channel_shuffle(x, groups), [x], **EXACT)
        check_op(lambda lib, x: lib.nn.ChannelShuffle(groups)(x), [x], **EXACT)


def test_channel_shuffle_node_and_repr():
    for lib in (ember, torch):
        x = _t(lib, np.arange(6.0).reshape(1, 6, 1)).requires_grad_()
        y = lib.nn.functional.channel_shuffle(x, 2)
        assert y.grad_fn.name() == "ChannelShuffleBackward0" and len(y.grad_fn.next_functions) == 1
        assert y.is_contiguous()
    assert repr(ember.nn.ChannelShuffle(3)) == repr(torch.nn.ChannelShuffle(3))


def test_channel_shuffle_errors():
    x = np.zeros((2, 6, 3), np.float32)
    for a, g in ((x, 4), (x, 0), (x, -2), (x[0], 2), (x[0, 0], 2), (x[:, :, 0], 0), (x[:, :, 0], 4), (x, 2.0),
                 (x, True), (x, None)):
        check_error(lambda lib: lib.nn.functional.channel_shuffle(_t(lib, a), g))


PDIST_SHAPES = [(6, 5), (9, 17), (30, 40), (5, 8), (4, 1), (2, 3), (1, 3), (4, 0)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("p", [2, 1, 0, INF, 2.0])
@pytest.mark.parametrize("shape", PDIST_SHAPES)
def test_pdist_exact(shape, p, dtype):
    # p in {0, 1, 2, inf}: torch's vector-lane summation order is reproduced, so values and grads are torch's bits
    x = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    if shape == (6, 5):  # equal rows (zero distances) and equal entries (zero differences)
        x[4] = x[2]
        x[1, 1] = x[3, 1]
    check_op(lambda lib, x: lib.nn.functional.pdist(x, p), [x], **EXACT)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("p", [3, 1.5, 0.5, 2.5])
@pytest.mark.parametrize("shape", PDIST_SHAPES[:5])
def test_pdist_general_p(shape, p, dtype):
    # powers: torch's SIMD pow and NumPy's differ in the last ulp, which the grads' cancellations magnify
    x = np.random.default_rng(1).standard_normal(shape).astype(dtype)
    if shape == (6, 5):
        x[4] = x[2]
        x[1, 1] = x[3, 1]
    tol = dict(rtol=5e-6, atol=5e-6, grad_rtol=1e-4, grad_atol=1e-4) if dtype == np.float32 else \
        dict(rtol=1e-13, atol=1e-13, grad_rtol=1e-11, grad_atol=1e-11)
    check_op(lambda lib, x: lib.nn.functional.pdist(x, p), [x], **tol)


def test_pdist_no_rows():
    # torch's backward of a (0, M) input crashes the process (segfault) for p != 0: forward only against torch
    for p in (0, 1, 2, 3, INF):
        check_op(lambda lib, x: lib.nn.functional.pdist(x, p), [np.zeros((0, 3))], grad=False)
        x = ember.zeros(0, 3, requires_grad=True)
        ember.nn.functional.pdist(x, p).sum().backward()
        assert tuple(x.grad.shape) == (0, 3)


def test_pdist_non_contiguous_and_node():
    x = np.random.default_rng(2).standard_normal((5, 7))
    check_op(lambda lib, x: lib.nn.functional.pdist(x.t()), [x], **EXACT)
    for lib in (ember, torch):
        y = lib.nn.functional.pdist(_t(lib, x).requires_grad_())
        assert y.grad_fn.name() == "PdistBackward0" and len(y.grad_fn.next_functions) == 1


def test_pdist_errors():
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    check_error(lambda lib: lib.nn.functional.pdist(_t(lib, x), -1))
    check_error(lambda lib: lib.nn.functional.pdist(_t(lib, x), float("nan")))
    check_error(lambda lib: lib.nn.functional.pdist(_t(lib, x[0])))
    check_error(lambda lib: lib.nn.functional.pdist(_t(lib, x[None])))
    check_error(lambda lib: lib.nn.functional.pdist(_t(lib, x.astype(np.int64))))
    check_error(lambda lib: lib.nn.functional.pdist(_t(lib, x.astype(np.float16))))
