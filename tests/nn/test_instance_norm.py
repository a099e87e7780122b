"""F.instance_norm and nn.InstanceNorm1d/2d/3d against torch: values, grads, running statistics, module state,
unbatched input, warnings and errors."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import ember
from tests._compare import assert_same, check_error, check_op


def _rand(shape, dtype=np.float32, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(2, 3, 4), (3, 2, 2, 3)])
@pytest.mark.parametrize("use_input_stats", [True, False])
@pytest.mark.parametrize("affine", [True, False])
def test_functional(dtype, shape, use_input_stats, affine):
    c = shape[1]
    x = _rand(shape, dtype) * 2 + 1
    w, b = _rand(c, dtype, 1), _rand(c, dtype, 2)
    stats = {}

    def fn(lib, x, w, b):
        rm, rv = lib.tensor(_rand(c, dtype, 3)), lib.tensor(np.abs(_rand(c, dtype, 4)) + 0.5)
        stats[lib.__name__] = (rm, rv)
        return lib.nn.functional.instance_norm(x, rm, rv, w if affine else None, b if affine else None,
                                               use_input_stats=use_input_stats, momentum=0.2)

    check_op(fn, [x, w, b])
    for e, t in zip(stats["ember"], stats["torch"]):
        assert_same(e, t, check_grad_fn=False, what="running stat")


def test_functional_without_running_stats():
    check_op(lambda lib, x: lib.nn.functional.instance_norm(x), [_rand((2, 3, 5))])


@pytest.mark.parametrize("cls,shape", [("InstanceNorm1d", (2, 3, 4)), ("InstanceNorm1d", (3, 4)),
                                       ("InstanceNorm2d", (2, 3, 2, 3)), ("InstanceNorm2d", (3, 2, 3)),
                                       ("InstanceNorm3d", (2, 3, 2, 2, 2))])
@pytest.mark.parametrize("kwargs", [{}, dict(affine=True), dict(track_running_stats=True),
                                    dict(affine=True, track_running_stats=True, momentum=None)])
def test_module(cls, shape, kwargs):
    t_m, e_m = getattr(torch.nn, cls)(3, **kwargs), getattr(ember.nn, cls)(3, **kwargs)
    assert repr(e_m) == repr(t_m)
    assert list(e_m.state_dict()) == list(t_m.state_dict())
    for step in range(2):
        check_op(lambda lib, x: (t_m if lib is torch else e_m)(x), [_rand(shape, seed=step)])
        for k, v in t_m.state_dict().items():
            assert_same(e_m.state_dict()[k], v, check_grad_fn=False, what=k)
    t_m.eval()
    e_m.eval()
    check_op(lambda lib, x: (t_m if lib is torch else e_m)(x), [_rand(shape, seed=5)])


def test_num_features_mismatch_warns_without_affine():
    msgs = []
    for lib in (torch, ember):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            lib.nn.InstanceNorm1d(4)(lib.randn(2, 3, 5))
        msgs.append([str(m.message) for m in w])
    assert msgs[0] == msgs[1] and msgs[0]


def test_old_checkpoint_with_untracked_running_stats():
    errors = []
    for lib in (torch, ember):
        m = lib.nn.InstanceNorm1d(3)
        sd = lib.nn.InstanceNorm1d(3, track_running_stats=True).state_dict()
        sd._metadata[""].pop("version")
        try:
            m.load_state_dict(sd)
        except RuntimeError as e:
            errors.append(str(e))
    assert len(errors) == 2 and errors[0] == errors[1]


@pytest.mark.parametrize("fn", [
    lambda lib: lib.nn.InstanceNorm1d(3)(lib.randn(2, 3, 1)),
    lambda lib: lib.nn.InstanceNorm1d(3)(lib.randn(2, 3, 4, 4)),
    lambda lib: lib.nn.InstanceNorm2d(3)(lib.randn(3, 4)),
    lambda lib: lib.nn.InstanceNorm3d(3)(lib.randn(3, 2, 2)),
    lambda lib: lib.nn.InstanceNorm1d(4, affine=True)(lib.randn(2, 3, 5)),
    lambda lib: lib.nn.functional.instance_norm(lib.randn(2, 3, 4), weight=lib.ones(4)),
    lambda lib: lib.nn.functional.instance_norm(lib.randn(2, 3, 4), use_input_stats=False),
    lambda lib: lib.nn.functional.instance_norm(lib.ones(2, 3, 4, dtype=lib.long)),
    lambda lib: lib.nn.functional.instance_norm(lib.randn(2, 3, 4), lib.zeros(4), lib.ones(3), use_input_stats=False),
    lambda lib: lib.nn.functional.instance_norm(lib.randn(3), lib.zeros(4), lib.ones(3), use_input_stats=False),
])
def test_errors(fn):
    check_error(fn)
