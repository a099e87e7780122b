"""Differential tests of ember.Size against torch.Size."""
from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest
import torch

import ember

SHAPES = [(), (0,), (3,), (2, 3), (1, 2, 3, 4)]


@pytest.mark.parametrize("shape", SHAPES)
def test_repr_str_and_tuple_behaviour(shape):
    e, t = ember.Size(shape), torch.Size(shape)
    assert repr(e) == repr(t)
    assert str(e) == str(t)
    assert isinstance(e, tuple)
    assert e == shape and e == t and tuple(e) == tuple(t)
    assert len(e) == len(t)
    assert e.numel() == t.numel()
    assert hash(e) == hash(tuple(shape))
    assert list(e) == list(t)


@pytest.mark.parametrize("item", [slice(None), slice(1, None), slice(None, -1), slice(None, None, -1), slice(5, 9)])
def test_slicing_returns_size(item):
    e, t = ember.Size((1, 2, 3, 4))[item], torch.Size((1, 2, 3, 4))[item]
    assert type(e) is ember.Size and type(t) is torch.Size
    assert repr(e) == repr(t)


def test_indexing_returns_int():
    assert ember.Size((2, 3))[1] == 3 and type(ember.Size((2, 3))[-1]) is int
    with pytest.raises(IndexError):
        ember.Size((2, 3))[2]


@pytest.mark.parametrize("other", [(4,), ()])
def test_concatenation(other):
    for a, b in [(lambda L: L.Size((2, 3)), lambda L: other), (lambda L: other, lambda L: L.Size((2, 3))),
                 (lambda L: L.Size((2, 3)), lambda L: L.Size(other))]:
        e, t = a(ember) + b(ember), a(torch) + b(torch)
        assert type(e).__name__ == type(t).__name__
        assert repr(e) == repr(t)


def test_repeat():
    assert repr(ember.Size((2, 3)) * 2) == repr(torch.Size((2, 3)) * 2)
    assert repr(2 * ember.Size((2,))) == repr(2 * torch.Size((2,)))


def test_pickle_and_copy():
    s = ember.Size((2, 3))
    for r in [pickle.loads(pickle.dumps(s)), copy.copy(s), copy.deepcopy(s)]:
        assert type(r) is ember.Size and r == s


def test_from_list_and_generator():
    assert repr(ember.Size([2, 3])) == repr(torch.Size([2, 3]))
    assert repr(ember.Size(x for x in (4, 5))) == repr(torch.Size(x for x in (4, 5)))


def test_invalid_elements():
    for bad in [(1.5,), ("a",)]:
        with pytest.raises(TypeError):
            torch.Size(bad)
        with pytest.raises(TypeError):
            ember.Size(bad)


def test_tensor_shape_is_size():
    e, t = ember.zeros(2, 3).shape, torch.zeros(2, 3).shape
    assert type(e) is ember.Size and repr(e) == repr(t)
    assert repr(ember.zeros(2, 3).size()) == repr(torch.zeros(2, 3).size())


def test_count_and_index():
    e, t = ember.Size((2, 3, 2)), torch.Size((2, 3, 2))
    assert e.count(2) == t.count(2) and e.index(3) == t.index(3)


def test_errors_match_torch():
    from _compare import check_error
    check_error(lambda L: L.Size([2]) + [3])
    check_error(lambda L: L.Size([L.tensor(2.0)]))
    check_error(lambda L: L.Size([L.tensor([1, 2])]))
    check_error(lambda L: L.Size(3))
    assert repr(ember.Size([ember.tensor(2), np.int64(3), True])) == repr(torch.Size([torch.tensor(2), np.int64(3), True]))
