"""nn.TransformerEncoderLayer against torch: weights from the same seed bit for bit, repr, outputs and the grads of
the input and every parameter (post-norm and norm_first, relu and gelu, masks, layouts), errors."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
from tests._compare import assert_same, check_error

D, NHEAD, FF, S, N = 8, 2, 16, 4, 2


def _pair(seed=0, **kwargs):
    mods = []
    for lib in (torch, ember):
        kw = dict(kwargs)
        if "dtype" in kw:
            kw["dtype"] = getattr(lib, kw["dtype"])
        lib.manual_seed(seed)
        mods.append(lib.nn.TransformerEncoderLayer(D, NHEAD, dim_feedforward=FF, **kw))
    return mods


def _rand(shape, dtype=np.float32, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def _kpm():
    m = np.zeros((N, S), bool)
    m[0, -1] = m[1, -2:] = True
    return m


@pytest.mark.parametrize("kwargs", [{}, dict(norm_first=True, activation="gelu"), dict(bias=False),
                                    dict(batch_first=True, dtype="float64", layer_norm_eps=1e-6)])
def test_init_repr_state_dict(kwargs):
    t_l, e_l = _pair(1, **kwargs)
    assert repr(e_l) == repr(t_l)
    assert list(e_l.state_dict()) == list(t_l.state_dict())
    for k, v in t_l.state_dict().items():
        assert str(e_l.state_dict()[k].dtype) == str(v.dtype)
        np.testing.assert_array_equal(e_l.state_dict()[k].numpy(), v.numpy(), err_msg=k)
    assert e_l.activation_relu_or_gelu == t_l.activation_relu_or_gelu


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("masks", ["none", "both", "causal"])
def test_forward_backward(norm_first, activation, batch_first, masks):
    t_l, e_l = _pair(2, dropout=0.0, norm_first=norm_first, activation=activation, batch_first=batch_first)
    shape = (N, S, D) if batch_first else (S, N, D)
    x = _rand(shape, seed=3)
    kw_t, kw_e = {}, {}
    if masks in ("both", "causal"):
        causal = np.triu(np.ones((S, S), bool), 1)
        kw_t["src_mask"], kw_e["src_mask"] = torch.tensor(causal), ember.tensor(causal)
    if masks == "both":
        kw_t["src_key_padding_mask"], kw_e["src_key_padding_mask"] = torch.tensor(_kpm()), ember.tensor(_kpm())
    if masks == "causal":
        kw_t["is_causal"] = kw_e["is_causal"] = True
    xt, xe = torch.tensor(x, requires_grad=True), ember.tensor(x, requires_grad=True)
    yt, ye = t_l(xt, **kw_t), e_l(xe, **kw_e)
    tol = dict(rtol=1e-5, atol=1e-5)
    assert_same(ye, yt, **tol)
    go = _rand(shape, seed=4)
    yt.backward(torch.tensor(go))
    ye.backward(ember.tensor(go))
    assert_same(xe.grad, xt.grad, **tol, check_grad_fn=False, what="grad of src")
    for (name, tp), (ename, ep) in zip(t_l.named_parameters(), e_l.named_parameters()):
        assert name == ename
        assert_same(ep.grad, tp.grad, **tol, check_grad_fn=False, what=f"grad of {name}")


def test_float64_unbatched_and_callable_activation():
    t_l, e_l = _pair(3, dropout=0.0, dtype="float64", activation="gelu")
    t_l.activation, e_l.activation = torch.nn.GELU(approximate="tanh"), ember.nn.GELU(approximate="tanh")
    x = _rand((S, D), np.float64, 5)
    assert_same(e_l(ember.tensor(x, requires_grad=True)), t_l(torch.tensor(x, requires_grad=True)))


def test_eval_matches_torch_fused_path():
    # torch runs its fused encoder kernel here (eval, no grad, batch_first); ember composes the layer
    t_l, e_l = _pair(4, batch_first=True)
    t_l.eval()
    e_l.eval()
    x = _rand((N, S, D), seed=6)
    with torch.no_grad(), ember.no_grad():
        yt = t_l(torch.tensor(x), src_key_padding_mask=torch.tensor(_kpm()))
        ye = e_l(ember.tensor(x), src_key_padding_mask=ember.tensor(_kpm()))
    np.testing.assert_allclose(ye.numpy(), yt.numpy(), rtol=1e-5, atol=1e-5)


def test_training_dropout_uses_torch_random_stream():
    t_l, e_l = _pair(5, dropout=0.3)
    x = _rand((S, N, D), seed=7)
    torch.manual_seed(8)
    ember.manual_seed(8)
    yt, ye = t_l(torch.tensor(x)), e_l(ember.tensor(x))
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-5)


def test_errors():
    check_error(lambda lib: lib.nn.TransformerEncoderLayer(D, NHEAD, activation="tanh"))
    check_error(lambda lib: lib.nn.TransformerEncoderLayer(D, 3))
    check_error(lambda lib: lib.nn.TransformerEncoderLayer(D, NHEAD)(lib.zeros(S, N, D), is_causal=True))
