"""nn.Parameter and nn.Buffer against torch."""
from __future__ import annotations

import copy
import pickle

import numpy as np
import torch
import torch.nn

import ember
import ember.nn
from _compare import assert_same, check_error

LIBS = (ember, torch)


def test_parameter_basics_and_repr():
    for lib in LIBS:
        p = lib.nn.Parameter(lib.ones(2))
        assert isinstance(p, lib.Tensor) and isinstance(p, lib.nn.Parameter)
        assert p.requires_grad and p.is_leaf and p.grad_fn is None
    reprs = [repr(lib.nn.Parameter(lib.arange(4.0).reshape(2, 2) / 3)) for lib in LIBS]
    assert reprs[0] == reprs[1]
    assert reprs[0].startswith("Parameter containing:\ntensor(")
    assert [repr(lib.nn.Parameter()) for lib in LIBS] == ["Parameter containing:\ntensor([], requires_grad=True)"] * 2
    assert [str(lib.nn.Parameter(lib.ones(2), requires_grad=False)) for lib in LIBS][0] == \
        str(torch.nn.Parameter(torch.ones(2), requires_grad=False))
    ints = [repr(lib.nn.Parameter(lib.tensor([1, 2]), requires_grad=False)) for lib in LIBS]
    assert ints[0] == ints[1]
    dbl = [repr(lib.nn.Parameter(lib.ones(2, dtype=lib.float64))) for lib in LIBS]
    assert dbl[0] == dbl[1]


def test_parameter_shares_memory_and_detaches():
    for lib in LIBS:
        x = lib.ones(3, requires_grad=True)
        y = x * 2
        p = lib.nn.Parameter(y)
        assert p.is_leaf and p.grad_fn is None and p.requires_grad
        with lib.no_grad():
            p.add_(1)
        assert y.tolist() == [3.0, 3.0, 3.0]  # same storage as the tensor it wraps
        q = lib.nn.Parameter(p)
        assert type(q) is lib.nn.Parameter


def test_parameter_errors():
    check_error(lambda lib: lib.nn.Parameter(lib.tensor([1, 2])))
    check_error(lambda lib: lib.nn.Parameter([1.0, 2.0]))


def test_parameter_ops_give_plain_tensors_and_grads():
    outs = []
    for lib in LIBS:
        p = lib.nn.Parameter(lib.arange(3.0))
        y = (p * p).sum()
        y.backward()
        outs.append((type(p * 2).__name__, y.grad_fn.name(), p.grad))
    assert outs[0][:2] == outs[1][:2] == ("Tensor", "SumBackward0")
    assert_same(outs[0][2], outs[1][2], check_grad_fn=False)


def test_parameter_deepcopy_and_pickle():
    res = []
    for lib in LIBS:
        p = lib.nn.Parameter(lib.arange(3.0))
        (p * 2).sum().backward()
        c = copy.deepcopy(p)
        memo_same = copy.deepcopy([p, p])
        f = lib.nn.Parameter(lib.ones(2), requires_grad=False)
        cf = copy.deepcopy(f)
        r = pickle.loads(pickle.dumps(p)) if lib is ember else None
        res.append((type(c).__name__, c.requires_grad, c.grad is None, c.tolist(), memo_same[0] is memo_same[1],
                    cf.requires_grad, c.data_ptr() != p.data_ptr()))
        if r is not None:
            assert type(r) is ember.nn.Parameter and r.requires_grad and r.tolist() == [0.0, 1.0, 2.0]
            assert r.grad is None
    assert res[0] == res[1]


def test_buffer():
    out = []
    for lib in LIBS:
        x = lib.ones(2)
        b = lib.nn.Buffer(x)
        nb = lib.nn.Buffer(x, persistent=False)
        e = lib.nn.Buffer()
        with lib.no_grad():
            x.add_(1)
        out.append((type(b).__name__, isinstance(b, lib.nn.Buffer), isinstance(x, lib.nn.Buffer),
                    isinstance(lib.nn.Parameter(lib.ones(1)), lib.nn.Buffer), b.persistent, nb.persistent,
                    b.tolist(), b is x, tuple(e.shape), str(e.dtype), repr(b),
                    lib.nn.Buffer(lib.ones(1, requires_grad=True)).requires_grad))
    assert out[0] == out[1]
    check_error(lambda lib: lib.nn.Buffer([1.0]))


def test_parameter_in_module_state_dict_roundtrip_dtype():
    for lib in LIBS:
        m = lib.nn.Module()
        m.p = lib.nn.Parameter(lib.ones(2, dtype=lib.float64))
        sd = m.state_dict()
        assert type(sd["p"]) is lib.Tensor and str(sd["p"].dtype) == "torch.float64"
        np.testing.assert_array_equal(sd["p"].numpy(), [1.0, 1.0])


def test_parameter_requires_grad_must_be_a_real_bool():
    # torch passes the flag to Tensor._make_subclass, whose argument parser rejects ints and None
    check_error(lambda lib: lib.nn.Parameter(lib.ones(1), 1))
    check_error(lambda lib: lib.nn.Parameter(lib.arange(2), requires_grad=0))
    check_error(lambda lib: lib.nn.Parameter(None, None))
    for lib in LIBS:
        p = lib.nn.Parameter(lib.ones(1), requires_grad=False)
        assert copy.deepcopy(p).requires_grad is False and pickle.loads(pickle.dumps(p)).requires_grad is False


def test_parameter_pickle_keeps_user_attributes_not_grad():
    out = []
    for lib in LIBS:
        p = lib.nn.Parameter(lib.ones(2), requires_grad=False)
        p.tag, p.grad = "w", lib.ones(2)
        q = pickle.loads(pickle.dumps(p))
        # deepcopy, unlike pickle, drops them in torch
        out.append((type(q).__name__, q.requires_grad, q.grad, dict(q.__dict__),
                    getattr(copy.deepcopy(p), "tag", None)))
    assert out[0] == out[1]
