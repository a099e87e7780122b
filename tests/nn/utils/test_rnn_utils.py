"""nn.utils.rnn vs torch: pad_sequence / unpad_sequence values, dtypes, gradients, errors."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
from _compare import assert_same, check_error


def _seqs(lib, lengths, trailing=(3,), dtype="float64", grad=True, seed=0):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal((n, *trailing)).astype(dtype) for n in lengths]
    mk = torch.from_numpy if lib is torch else ember.from_numpy
    return [mk(a.copy()).requires_grad_(grad) for a in arrays]


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
@pytest.mark.parametrize("trailing", [(3,), (), (2, 2)])
def test_pad_sequence_values_and_grads(batch_first, padding_side, trailing):
    outs, ins = {}, {}
    for lib in (torch, ember):
        ins[lib] = _seqs(lib, [2, 5, 0, 3], trailing)
        outs[lib] = lib.nn.utils.rnn.pad_sequence(ins[lib], batch_first, -1.5, padding_side)
    assert_same(outs[ember], outs[torch], check_grad_fn=False)
    go = np.random.default_rng(1).standard_normal(tuple(outs[torch].shape))
    outs[torch].backward(torch.from_numpy(go.copy()))
    outs[ember].backward(ember.from_numpy(go.copy()))
    for e, t in zip(ins[ember], ins[torch]):
        assert_same(e.grad, t.grad, check_grad_fn=False)


def test_pad_sequence_dtypes_and_broadcast():
    for lib_args in [
        lambda lib: ([lib.ones(2, 3, dtype=lib.int64), lib.ones(4, 3)], dict(padding_value=1.7)),
        lambda lib: ([lib.ones(2, 3), lib.ones(4, 3, dtype=lib.float64)], {}),
        lambda lib: ([lib.ones(2), lib.ones(3)], dict(padding_value=True)),
        lambda lib: ([lib.ones(2, 3), lib.ones(4, 1)], {}),
        lambda lib: (lib.arange(12.).reshape(3, 4), {}),  # a tensor is an iterable of its rows
        lambda lib: ([lib.ones(0, 3), lib.ones(0, 3)], dict(batch_first=True)),
    ]:
        (ea, ek), (ta, tk) = lib_args(ember), lib_args(torch)
        assert_same(ember.nn.utils.rnn.pad_sequence(ea, **ek), torch.nn.utils.rnn.pad_sequence(ta, **tk),
                    check_grad_fn=False)


@pytest.mark.parametrize("fn", [
    lambda lib: lib.nn.utils.rnn.pad_sequence([]),
    lambda lib: lib.nn.utils.rnn.pad_sequence(3),
    lambda lib: lib.nn.utils.rnn.pad_sequence([lib.ones(2)], padding_side="middle"),
    lambda lib: lib.nn.utils.rnn.pad_sequence([lib.ones(2, 3), lib.ones(4, 2)]),
    lambda lib: lib.nn.utils.rnn.pad_sequence([lib.ones(2, 3), lib.ones(4)]),
    lambda lib: lib.nn.utils.rnn.pad_sequence([lib.ones(2, 3), 5]),
])
def test_pad_sequence_errors(fn):
    check_error(fn)


@pytest.mark.parametrize("batch_first", [False, True])
def test_unpad_sequence_round_trip(batch_first):
    res = {}
    for lib in (torch, ember):
        seqs = _seqs(lib, [4, 1, 3], grad=False)
        padded = lib.nn.utils.rnn.pad_sequence(seqs, batch_first)
        res[lib] = lib.nn.utils.rnn.unpad_sequence(padded, lib.tensor([4, 1, 3]), batch_first)
    assert len(res[ember]) == len(res[torch]) == 3
    for e, t in zip(res[ember], res[torch]):
        assert_same(e, t, check_grad_fn=False)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("lengths,enforce_sorted", [([5, 3, 3, 1], True), ([2, 5, 1, 5], False),
                                                    ([4, 4, 4, 4], True)])
def test_pack_pad_round_trip_and_grads(batch_first, lengths, enforce_sorted):
    x = np.random.default_rng(0).standard_normal((4, 5, 2) if batch_first else (5, 4, 2))
    res = {}
    for lib in (torch, ember):
        R = lib.nn.utils.rnn
        leaf = (torch.from_numpy if lib is torch else ember.from_numpy)(x.copy()).requires_grad_(True)
        packed = R.pack_padded_sequence(leaf, lib.tensor(lengths), batch_first, enforce_sorted)
        padded, lens = R.pad_packed_sequence(packed, batch_first, padding_value=-2.0, total_length=6)
        (padded * lib.arange(padded.numel(), dtype=padded.dtype).reshape(padded.shape)).sum().backward()
        res[lib] = packed, padded, lens, leaf.grad
    (ep, epad, elens, egrad), (tp, tpad, tlens, tgrad) = res[ember], res[torch]
    assert_same(ep.data, tp.data, check_grad_fn=False)
    assert_same(ep.batch_sizes, tp.batch_sizes, check_grad_fn=False)
    assert_same(epad, tpad, check_grad_fn=False)
    assert_same(elens, tlens, check_grad_fn=False)
    assert_same(egrad, tgrad, check_grad_fn=False)


def test_pack_sequence_and_unpack():
    res = {}
    for lib in (torch, ember):
        R = lib.nn.utils.rnn
        seqs = _seqs(lib, [2, 4, 1], (), grad=False)
        packed = R.pack_sequence(seqs, enforce_sorted=False)
        res[lib] = packed, R.unpack_sequence(packed), packed.float(), packed.to(lib.float64)
        assert packed.to(lib.float64) is packed and packed.double() is packed
        assert R.invert_permutation(None) is None
        assert R.invert_permutation(lib.tensor([2, 0, 1])).tolist() == [1, 2, 0]
    assert repr(res[ember][0]) == repr(res[torch][0])
    for e, t in zip(res[ember][1], res[torch][1]):
        assert_same(e, t, check_grad_fn=False)
    assert repr(res[ember][2]) == repr(res[torch][2])
    assert ember.nn.utils.rnn.PackedSequence._fields == torch.nn.utils.rnn.PackedSequence._fields


@pytest.mark.parametrize("fn", [
    lambda lib: lib.nn.utils.rnn.pack_padded_sequence(lib.ones(4, 3), [4, 2, 3]),
    lambda lib: lib.nn.utils.rnn.pack_padded_sequence(lib.ones(4, 3), [4, 3, 0]),
    lambda lib: lib.nn.utils.rnn.pack_padded_sequence(lib.ones(4, 3), [4, 3]),
    lambda lib: lib.nn.utils.rnn.pack_padded_sequence(lib.ones(0, 3), [1, 1, 1]),
    lambda lib: lib.nn.utils.rnn.pack_sequence([lib.ones(2, 3), lib.ones(3, 3)]),
    lambda lib: lib.nn.utils.rnn.pad_packed_sequence(
        lib.nn.utils.rnn.pack_sequence([lib.ones(3), lib.ones(2)]), total_length=2),
])
def test_pack_errors(fn):
    check_error(fn)
