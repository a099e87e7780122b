"""Differences from torch.nn.utils.clip_grad found by tools/fuzz/fuzz_optim.py, each checked against torch."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import ember
from _compare import check_error


def _with_grads(lib, grads):
    params = []
    for g in grads:
        p = lib.nn.Parameter(lib.zeros(*g.shape, dtype=getattr(lib, g.dtype.name)))
        p.grad = lib.from_numpy(g.copy())
        params.append(p)
    return params


@pytest.mark.parametrize("foreach", [None, True, False])
@pytest.mark.parametrize("norm_type", [float("inf"), float("-inf"), -1.0, -0.5])
def test_empty_grad_norm_errors(foreach, norm_type):
    """On CPU foreach=None also runs _foreach_norm, whose inf-norm error has its own words; orders print as C++
    prints doubles (-1, not -1.0)."""
    grads = [np.zeros((2, 0), np.float32), np.ones(3, np.float32)]
    check_error(lambda lib: lib.nn.utils.clip_grad_norm_(_with_grads(lib, grads), 1.0, norm_type, foreach=foreach))


@pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf")])
def test_nonfinite_grads_do_not_warn(norm_type):
    grads = [np.array([1.0, np.inf, -np.inf, np.nan], np.float32), np.ones((2, 2), np.float32)]
    results = []
    for lib in (torch, ember):
        params = _with_grads(lib, grads)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            norm = lib.nn.utils.clip_grad_norm_(params, 1.0, norm_type)
        results.append((norm.item(), [p.grad.numpy().tolist() for p in params]))
    assert str(results[0]) == str(results[1])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_two_norm_of_a_transposed_grad_sums_in_memory_order(dtype):
    """torch's full reduction of a transposed (dense) grad visits its storage in order: bit-identical norms."""
    g = (np.random.default_rng(3).standard_normal((30, 40)) * 0.1).astype(dtype)
    norms = []
    for lib in (torch, ember):
        p = lib.nn.Parameter(lib.zeros(40, 30, dtype=getattr(lib, np.dtype(dtype).name)))
        p.grad = lib.from_numpy(g.copy()).t()
        norms.append(lib.nn.utils.clip_grad_norm_([p], 1e-3).numpy())
        norms.append(p.grad.numpy().copy())
    assert np.array_equal(norms[0], norms[2]) and np.array_equal(norms[1], norms[3])


def test_two_norm_tail_on_a_float32_midpoint():
    """1 + 2**-24 is a float32 midpoint: the tail FMA's repair must not crash (it did, on 0-dim arrays)."""
    for x in ([1.0, 2.0 ** -12], [3.0] + [1.0] * 8 + [2.0 ** -12]):
        t = torch.nn.utils.get_total_norm([torch.tensor(x)])
        e = ember.nn.utils.get_total_norm([ember.tensor(x)])
        assert e.item() == t.item()


@pytest.mark.parametrize("norm_type", [2.0, float("inf"), 0.0])
@pytest.mark.parametrize("dtypes", [["float64", "float32"], ["float32", "float64", "float32"],
                                    ["float16", "float32", "float64", "float16"], ["float16"]], ids=str)
def test_total_norm_of_mixed_dtypes(dtypes, norm_type):
    """torch takes the per-dtype groups in reverse order of first appearance, and half norms accumulate in
    float32: the summation order of the total, so its bits, follow from that."""
    rng = np.random.default_rng(len(dtypes))
    arrays = [(rng.standard_normal(n) * 10.0 ** rng.integers(-2, 3)).astype(d) for n, d in zip((7, 13, 3, 40), dtypes)]
    t = torch.nn.utils.get_total_norm([torch.from_numpy(a) for a in arrays], norm_type)
    e = ember.nn.utils.get_total_norm([ember.from_numpy(a) for a in arrays], norm_type)
    assert str(e.dtype) == str(t.dtype) and e.numpy() == t.numpy()


def test_two_norm_with_inf_in_the_tail_is_inf():
    """The emulated FMA of the scalar tail turned inf*inf into NaN: the total norm must be inf, as torch's."""
    grads = [np.array([0.4], np.float32), np.array([0.0, 140.7, np.inf]), np.array([1.8], np.float32)]
    out = []
    for lib in (torch, ember):
        params = _with_grads(lib, grads)
        out.append((lib.nn.utils.clip_grad_norm_(params, 1.0).item(), [p.grad.numpy().tolist() for p in params]))
    assert str(out[0]) == str(out[1]) and out[0][0] == float("inf")


@pytest.mark.parametrize("norm_type", [2.0, float("inf")])
@pytest.mark.parametrize("max_norm", [0.1, 1.0, 0.37])
def test_half_grads_clip_in_float32(norm_type, max_norm):
    """Half norms and the clip coefficient compute in float32 and round once per op; the grads are scaled in
    float32 too."""
    rng = np.random.default_rng(7)
    grads = [(rng.standard_normal(s) * 3).astype(np.float16) for s in ((3, 1), (50,), (7,))]
    out = []
    for lib in (torch, ember):
        params = _with_grads(lib, grads)
        norm = lib.nn.utils.clip_grad_norm_(params, max_norm, norm_type)
        out.append([norm.numpy()] + [p.grad.numpy() for p in params])
    for a, b in zip(*out):
        assert a.dtype == b.dtype and np.array_equal(a, b)


@pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf"), 0.0])
def test_complex_grads_have_a_real_norm(norm_type):
    """The norm of complex grads is real (of the moduli); ember's was complex. Values within rounding: torch's
    complex reduction order is not reproduced."""
    rng = np.random.default_rng(4)
    grads = [(rng.standard_normal(n) + 1j * rng.standard_normal(n)).astype(np.complex64) for n in (5, 40)]
    grads.append(np.array([np.inf, 1.0], np.float32))  # a clip coefficient of 0 (inf norm) or 1: both multiply
    out = []
    for lib in (torch, ember):
        params = _with_grads(lib, grads[:2] if norm_type != 0.0 else grads)
        norm = lib.nn.utils.clip_grad_norm_(params, 1.0 if norm_type else 5.0, norm_type)
        out.append((str(norm.dtype), norm.item(), [p.grad.numpy() for p in params]))
    assert out[0][0] == out[1][0] and out[0][1] == pytest.approx(out[1][1], rel=1e-6)
    for a, b in zip(out[0][2], out[1][2]):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_clip_grad_value_refuses_complex_grads_after_clamping_earlier_groups():
    grads = [np.array([3.0, -3.0], np.float32), np.array([1 + 1j], np.complex64), np.array([5.0])]
    for lib in (torch, ember):
        params = _with_grads(lib, grads)
        with pytest.raises(NotImplementedError, match="clamp is not supported for complex types"):
            lib.nn.utils.clip_grad_value_(params, 1.0)
        # the float64 group comes first in torch's order, so only it was clamped
        assert [p.grad.numpy().tolist() for p in params] == [[3.0, -3.0], [1 + 1j], [1.0]], lib.__name__
