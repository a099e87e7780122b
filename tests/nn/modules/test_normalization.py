"""LayerNorm and RMSNorm vs torch: params, reprs, forward/backward, errors."""
from __future__ import annotations

import pytest
import torch

import ember
from _compare import check_error

from ._module_compare import check_module, make_pair, randn, set_weights

DTYPES = ["float32", "float64"]


@pytest.mark.parametrize("shape,kwargs", [
    (4, {}), ([4], {}), ((3, 4), {}), (torch.Size([4]), {}), (4, dict(eps=1e-3)),
    (4, dict(elementwise_affine=False)), (4, dict(bias=False)), ((3, 4), dict(elementwise_affine=False, bias=False)),
])
def test_layer_norm_repr_params(shape, kwargs):
    if isinstance(shape, torch.Size):
        e_shape = ember.Size(shape)
        t = torch.nn.LayerNorm(shape, **kwargs)
        e = ember.nn.LayerNorm(e_shape, **kwargs)
        assert repr(e) == repr(t)
        return
    e, t = make_pair("LayerNorm", shape, **kwargs)
    assert e.normalized_shape == t.normalized_shape and type(e.normalized_shape) is tuple


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("normalized,in_shape", [(4, (4,)), (4, (2, 4)), (4, (3, 2, 4)), ((2, 4), (3, 2, 4)),
                                                 (256, (2, 256))])
@pytest.mark.parametrize("kwargs", [{}, dict(bias=False), dict(elementwise_affine=False)])
def test_layer_norm_forward_backward(dtype, normalized, in_shape, kwargs):
    e, t = make_pair("LayerNorm", normalized, dtype=dtype, **kwargs)
    check_module(e, t, randn(*in_shape, dtype=dtype), train=True)
    check_module(e, t, randn(*in_shape, dtype=dtype, seed=1), train=False)
    if kwargs.get("elementwise_affine", True):
        set_weights(t, e, seed=2)
        e.zero_grad()
        t.zero_grad()
        check_module(e, t, randn(*in_shape, dtype=dtype, seed=3))


@pytest.mark.parametrize("fn", [
    lambda lib: lib.nn.LayerNorm(4)(lib.randn(2, 3)),
    lambda lib: lib.nn.LayerNorm((2, 4))(lib.randn(2, 4, 2)),
    lambda lib: lib.nn.LayerNorm(3)(lib.ones(2, 3, dtype=lib.int64)),
    lambda lib: lib.nn.LayerNorm(3)(lib.randn(2, 3, dtype=lib.float64)),
])
def test_layer_norm_errors(fn):
    check_error(fn)


@pytest.mark.parametrize("shape,kwargs", [(4, {}), ((3, 4), dict(eps=1e-6)), (4, dict(elementwise_affine=False))])
def test_rms_norm_repr_params(shape, kwargs):
    make_pair("RMSNorm", shape, **kwargs)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("eps", [None, 1e-5])
@pytest.mark.parametrize("normalized,in_shape", [(4, (2, 4)), ((2, 4), (3, 2, 4)), (4, (4,))])
def test_rms_norm_forward_backward(dtype, eps, normalized, in_shape):
    e, t = make_pair("RMSNorm", normalized, eps=eps, dtype=dtype)
    check_module(e, t, randn(*in_shape, dtype=dtype))
    set_weights(t, e, seed=2)
    e.zero_grad()
    t.zero_grad()
    check_module(e, t, randn(*in_shape, dtype=dtype, seed=3), train=False)


def test_rms_norm_errors():
    check_error(lambda lib: lib.nn.RMSNorm(4)(lib.randn(2, 3)))
