"""nn.MultiheadAttention and F.multi_head_attention_forward against torch: initial weights bit for bit, outputs,
attention weights, grads of inputs and parameters, masks, layouts, errors."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import ember
from tests._compare import assert_same, check_error

L, S, N, E, H = 3, 4, 2, 8, 2


def _pair(seed=0, **kwargs):
    """The same module in torch and ember from the same seed (no weights copied)."""
    mods = []
    for lib in (torch, ember):
        kw = dict(kwargs)
        if "dtype" in kw:
            kw["dtype"] = getattr(lib, kw["dtype"])
        lib.manual_seed(seed)
        mods.append(lib.nn.MultiheadAttention(E, H, **kw))
    return mods


def _rand(shape, dtype=np.float32, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def _tensors(arrays, requires_grad=True):
    pairs = []
    for a in arrays:
        if a is None:
            pairs.append((None, None))
        elif a.dtype == np.bool_ or not requires_grad:
            pairs.append((torch.tensor(a), ember.tensor(a)))
        else:
            pairs.append((torch.tensor(a, requires_grad=True), ember.tensor(a, requires_grad=True)))
    return pairs


def _compare_run(t_mha, e_mha, q, k="q", v="k", grad=True, **fwd):
    """Run both modules on the same inputs ("q"/"k" reuse the same tensor object: self-attention paths) and
    compare outputs, weights and the grads of every input and parameter."""
    dt = q.dtype
    masks = {name: fwd.pop(name) for name in ("attn_mask", "key_padding_mask") if name in fwd}
    (tq, eq), = _tensors([q], grad)
    tk, ek = (tq, eq) if isinstance(k, str) else _tensors([k], grad)[0]
    if isinstance(v, str):
        tv, ev = (tq, eq) if v == "q" else (tk, ek)
    else:
        tv, ev = _tensors([v], grad)[0]
    tm = {n: (torch.tensor(m) if m is not None else None) for n, m in masks.items()}
    em = {n: (ember.tensor(m) if m is not None else None) for n, m in masks.items()}
    t_out, t_w = t_mha(tq, tk, tv, **tm, **fwd)
    e_out, e_w = e_mha(eq, ek, ev, **em, **fwd)
    tol = dict(rtol=1e-5, atol=1e-6) if dt == np.float32 else {}
    assert_same(e_out, t_out, **tol, what="attn_output")
    if t_w is None:
        assert e_w is None
    else:
        assert_same(e_w, t_w, **tol, what="attn_weights")
    if not grad:
        return e_out, t_out
    go = _rand(tuple(t_out.shape), dt, 99)
    t_out.backward(torch.tensor(go), retain_graph=t_w is not None)
    e_out.backward(ember.tensor(go), retain_graph=e_w is not None)
    if t_w is not None:
        gw = _rand(tuple(t_w.shape), dt, 98)
        t_w.backward(torch.tensor(gw))
        e_w.backward(ember.tensor(gw))
    for name, (t, e) in {"query": (tq, eq), "key": (tk, ek), "value": (tv, ev)}.items():
        assert_same(e.grad, t.grad, **tol, check_grad_fn=False, what=f"grad of {name}")
    for (name, tp), (ename, ep) in zip(t_mha.named_parameters(), e_mha.named_parameters()):
        assert name == ename
        assert_same(ep.grad, tp.grad, **tol, check_grad_fn=False, what=f"grad of {name}")
    return e_out, t_out


@pytest.mark.parametrize("kwargs", [{}, dict(bias=False), dict(kdim=5, vdim=6), dict(kdim=5),
                                    dict(add_bias_kv=True), dict(add_zero_attn=True, batch_first=True),
                                    dict(dtype="float64")])
def test_init_repr_and_state_dict(kwargs):
    t_mha, e_mha = _pair(3, **kwargs)
    assert repr(e_mha) == repr(t_mha)
    assert [n for n, _ in e_mha.named_parameters()] == [n for n, _ in t_mha.named_parameters()]
    t_sd, e_sd = t_mha.state_dict(), e_mha.state_dict()
    assert list(e_sd) == list(t_sd)
    for k, v in t_sd.items():
        assert str(e_sd[k].dtype) == str(v.dtype)
        np.testing.assert_array_equal(e_sd[k].numpy(), v.numpy(), err_msg=k)  # bit for bit
    for attr in ("embed_dim", "kdim", "vdim", "num_heads", "head_dim", "batch_first", "dropout", "add_zero_attn",
                 "_qkv_same_embed_dim"):
        assert getattr(e_mha, attr) == getattr(t_mha, attr), attr


def _bool_attn_mask():
    m = np.triu(np.ones((L, S), bool), 1)
    return m


def _kpm():
    m = np.zeros((N, S), bool)
    m[0, -1] = m[1, -2:] = True  # no query row loses every key
    return m


MASKS = {
    "none": {},
    "bool_attn": dict(attn_mask=_bool_attn_mask()),
    "float_attn": dict(attn_mask=_rand((L, S), seed=5)),
    "attn_3d": dict(attn_mask=_rand((N * H, L, S), seed=6)),
    "kpm": dict(key_padding_mask=_kpm()),
    "kpm_and_attn": dict(attn_mask=_bool_attn_mask(), key_padding_mask=_kpm()),
    "float_kpm": dict(key_padding_mask=np.where(_kpm(), -np.inf, 0.0).astype(np.float32)),
}


@pytest.mark.parametrize("mask", list(MASKS))
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("need_weights,average", [(True, True), (True, False), (False, True)])
def test_cross_attention_masks_layouts(mask, batch_first, need_weights, average):
    t_mha, e_mha = _pair(1, batch_first=batch_first)
    shape_q, shape_kv = ((N, L, E), (N, S, E)) if batch_first else ((L, N, E), (S, N, E))
    _compare_run(t_mha, e_mha, _rand(shape_q, seed=1), _rand(shape_kv, seed=2), _rand(shape_kv, seed=3),
                 need_weights=need_weights, average_attn_weights=average, **MASKS[mask])


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("mask", ["none", "kpm_and_attn"])
def test_self_attention_and_shared_key_value(batch_first, dtype, mask):
    t_mha, e_mha = _pair(2, batch_first=batch_first, dtype=np.dtype(dtype).name)
    shape = (N, S, E) if batch_first else (S, N, E)
    masks = dict(MASKS[mask])
    if "attn_mask" in masks:
        masks["attn_mask"] = np.triu(np.ones((S, S), bool), 1)
    _compare_run(t_mha, e_mha, _rand(shape, dtype, 1), **masks)  # query is key is value
    t_mha, e_mha = _pair(2, batch_first=batch_first, dtype=np.dtype(dtype).name)
    _compare_run(t_mha, e_mha, _rand(shape, dtype, 1), _rand(shape, dtype, 2), "k", **masks)  # key is value


@pytest.mark.parametrize("kwargs", [dict(kdim=5, vdim=6), dict(bias=False), dict(add_bias_kv=True),
                                    dict(add_zero_attn=True), dict(add_bias_kv=True, add_zero_attn=True)])
@pytest.mark.parametrize("mask", ["none", "kpm_and_attn"])
def test_options(kwargs, mask):
    t_mha, e_mha = _pair(4, **kwargs)
    kd, vd = kwargs.get("kdim", E), kwargs.get("vdim", E)
    _compare_run(t_mha, e_mha, _rand((L, N, E), seed=1), _rand((S, N, kd), seed=2), _rand((S, N, vd), seed=3),
                 **MASKS[mask])


@pytest.mark.filterwarnings("ignore:Support for mismatched")
@pytest.mark.parametrize("need_weights", [True, False])
def test_unbatched(need_weights):
    t_mha, e_mha = _pair(5, batch_first=True)
    _compare_run(t_mha, e_mha, _rand((L, E), seed=1), _rand((S, E), seed=2), _rand((S, E), seed=3),
                 need_weights=need_weights, key_padding_mask=np.array([False, False, True, False]),
                 attn_mask=_rand((H, L, S), seed=4))


@pytest.mark.parametrize("need_weights", [True, False])
def test_is_causal_with_mask(need_weights):
    t_mha, e_mha = _pair(6)
    causal = np.triu(np.ones((S, S), bool), 1)
    _compare_run(t_mha, e_mha, _rand((S, N, E), seed=1), attn_mask=causal, is_causal=True, need_weights=need_weights)


def test_eval_no_grad_matches_torch_fused_path():
    # torch takes its fused inference kernel here; ember the composed path: the same values up to rounding
    t_mha, e_mha = _pair(7, batch_first=True, dropout=0.5)
    t_mha.eval()
    e_mha.eval()
    with torch.no_grad(), ember.no_grad():
        _compare_run(t_mha, e_mha, _rand((N, S, E), seed=1), key_padding_mask=_kpm(), grad=False)


def test_dropout_in_training_uses_torch_random_stream():
    t_mha, e_mha = _pair(8, dropout=0.5)
    torch.manual_seed(11)
    ember.manual_seed(11)
    _compare_run(t_mha, e_mha, _rand((L, N, E), seed=1), _rand((S, N, E), seed=2), _rand((S, N, E), seed=3))


def test_functional_matches():
    q, k, v = _rand((L, N, E), seed=1), _rand((S, N, E), seed=2), _rand((S, N, E), seed=3)
    w_in, w_out = _rand((3 * E, E), seed=4), _rand((E, E), seed=5)
    b_in, b_out = _rand(3 * E, seed=6), _rand(E, seed=7)
    outs = []
    for lib in (torch, ember):
        args = [lib.tensor(a) for a in (q, k, v)]
        outs.append(lib.nn.functional.multi_head_attention_forward(
            *args, E, H, lib.tensor(w_in), lib.tensor(b_in), None, None, False, 0.0, lib.tensor(w_out),
            lib.tensor(b_out), training=False, key_padding_mask=lib.tensor(_kpm())))
    for e, t in zip(outs[1], outs[0]):
        assert_same(e, t, rtol=1e-5, atol=1e-6)


def test_mismatched_mask_types_warn():
    t_mha, e_mha = _pair(9)
    x = _rand((S, N, E), seed=1)
    caught = []
    for lib, mha in ((torch, t_mha), (ember, e_mha)):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            t = lib.tensor(x)
            mha(t, t, t, key_padding_mask=lib.tensor(_kpm()), attn_mask=lib.zeros(S, S))
        caught.append(sorted(str(m.message) for m in w if "mismatched" in str(m.message)))
    assert caught[0] == caught[1] and caught[0]


@pytest.mark.parametrize("fn", [
    lambda lib: lib.nn.MultiheadAttention(6, 4),
    lambda lib: lib.nn.MultiheadAttention(0, 2),
    lambda lib: lib.nn.MultiheadAttention(4, 0),
    lambda lib: lib.nn.MultiheadAttention(4, 2)(lib.zeros(1, 2, 3, 4), lib.zeros(1, 2, 3, 4), lib.zeros(1, 2, 3, 4)),
    lambda lib: lib.nn.MultiheadAttention(4, 2)(lib.zeros(3, 2, 4), lib.zeros(3, 4), lib.zeros(3, 4)),
    lambda lib: lib.nn.MultiheadAttention(4, 2)(lib.zeros(3, 2, 5), lib.zeros(3, 2, 5), lib.zeros(3, 2, 5)),
    lambda lib: lib.nn.MultiheadAttention(4, 2)(lib.zeros(3, 2, 4), lib.zeros(3, 2, 4), lib.zeros(2, 2, 4)),
    lambda lib: lib.nn.MultiheadAttention(4, 2)(lib.zeros(3, 2, 4), lib.zeros(3, 2, 4), lib.zeros(3, 2, 4),
                                                attn_mask=lib.zeros(2, 3)),
    lambda lib: lib.nn.MultiheadAttention(4, 2)(lib.zeros(3, 2, 4), lib.zeros(3, 2, 4), lib.zeros(3, 2, 4),
                                                attn_mask=lib.zeros(2, 3, 3)),
    lambda lib: lib.nn.MultiheadAttention(4, 2)(lib.zeros(3, 2, 4), lib.zeros(3, 2, 4), lib.zeros(3, 2, 4),
                                                attn_mask=lib.zeros(3, 3, dtype=lib.long)),
    lambda lib: lib.nn.MultiheadAttention(4, 2)(lib.zeros(3, 2, 4), lib.zeros(3, 2, 4), lib.zeros(3, 2, 4),
                                                key_padding_mask=lib.zeros(2, 4, dtype=lib.bool)),
    lambda lib: lib.nn.MultiheadAttention(4, 2)(lib.zeros(3, 2, 4), lib.zeros(3, 2, 4), lib.zeros(3, 2, 4),
                                                key_padding_mask=lib.zeros(2, 3, 1, dtype=lib.bool)),
    lambda lib: lib.nn.MultiheadAttention(4, 2)(lib.zeros(3, 2, 4), lib.zeros(3, 2, 4), lib.zeros(3, 2, 4),
                                                is_causal=True),
    lambda lib: lib.nn.MultiheadAttention(4, 2)(lib.zeros(3, 4), lib.zeros(3, 4), lib.zeros(3, 4),
                                                attn_mask=lib.zeros(2, 3, 2)),
])
def test_errors(fn):
    check_error(fn)


@pytest.mark.parametrize("which", ["none", "kpm", "attn2d", "attn3d", "both"])
def test_merge_masks(which):
    t_mha, e_mha = _pair(12, batch_first=True)
    q = _rand((N, S, E), seed=1)
    kpm = np.where(_kpm(), -np.inf, 0.0).astype(np.float32)
    attn = _rand((N * H, S, S), seed=2) if which == "attn3d" else _rand((S, S), seed=2)
    args = {"none": (None, None), "kpm": (None, kpm), "attn2d": (attn, None), "attn3d": (attn, None),
            "both": (attn, kpm)}[which]
    (tm, tt), (em, et) = [mha.merge_masks(*[None if a is None else lib.tensor(a) for a in args], lib.tensor(q))
                          for lib, mha in ((torch, t_mha), (ember, e_mha))]
    assert et == tt
    if tm is None:
        assert em is None
    else:
        assert_same(em, tm, check_grad_fn=False)
