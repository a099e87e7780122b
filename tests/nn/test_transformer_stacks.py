"""nn.TransformerDecoderLayer, TransformerEncoder/Decoder and Transformer against torch: weights from the same seed
bit for bit, reprs, outputs and grads of inputs and every parameter, causal-mask detection, torch's zeros at padded
positions on its nested-tensor inference path, warnings and errors."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import ember
from tests._compare import assert_same, check_error

D, NHEAD, FF, S, T, N = 8, 2, 16, 4, 3, 2
TOL = dict(rtol=2e-5, atol=2e-5)


def _rand(shape, dtype=np.float32, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def _both(build, seed=0):
    """build(lib) in torch and in ember from the same seed."""
    out = []
    for lib in (torch, ember):
        lib.manual_seed(seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out.append(build(lib))
    return out


def _same_state(e_mod, t_mod):
    assert repr(e_mod) == repr(t_mod)
    t_sd, e_sd = t_mod.state_dict(), e_mod.state_dict()
    assert list(e_sd) == list(t_sd)
    for k, v in t_sd.items():
        np.testing.assert_array_equal(e_sd[k].numpy(), v.numpy(), err_msg=k)


def _run(t_mod, e_mod, arrays, kwargs_t=None, kwargs_e=None, grad=True):
    """Outputs and the grads of every float input and parameter."""
    ts = [torch.tensor(a, requires_grad=grad) for a in arrays]
    es = [ember.tensor(a, requires_grad=grad) for a in arrays]
    yt, ye = t_mod(*ts, **(kwargs_t or {})), e_mod(*es, **(kwargs_e or {}))
    assert_same(ye, yt, **TOL)
    if not grad:
        return
    go = _rand(tuple(yt.shape), seed=50)
    yt.backward(torch.tensor(go))
    ye.backward(ember.tensor(go))
    for i, (e, t) in enumerate(zip(es, ts)):
        assert_same(e.grad, t.grad, **TOL, check_grad_fn=False, what=f"grad of input {i}")
    for (name, tp), (ename, ep) in zip(t_mod.named_parameters(), e_mod.named_parameters()):
        assert name == ename
        assert_same(ep.grad, tp.grad, **TOL, check_grad_fn=False, what=f"grad of {name}")


def _masks(lib, batch_first):
    causal = lib.nn.Transformer.generate_square_subsequent_mask(T)
    kpm = lib.tensor([[False, False, False, True], [False, False, True, True]])
    return causal, kpm


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
def test_decoder_layer(norm_first, batch_first, activation):
    t_l, e_l = _both(lambda lib: lib.nn.TransformerDecoderLayer(D, NHEAD, FF, dropout=0.0, norm_first=norm_first,
                                                                batch_first=batch_first, activation=activation), 1)
    _same_state(e_l, t_l)
    tgt = _rand((N, T, D) if batch_first else (T, N, D), seed=2)
    mem = _rand((N, S, D) if batch_first else (S, N, D), seed=3)
    kws = []
    for lib in (torch, ember):
        causal, kpm = _masks(lib, batch_first)
        kws.append(dict(tgt_mask=causal, memory_key_padding_mask=kpm, tgt_is_causal=True))
    _run(t_l, e_l, [tgt, mem], *kws)


def test_decoder_layer_unbatched_float64_no_bias():
    t_l, e_l = _both(lambda lib: lib.nn.TransformerDecoderLayer(D, NHEAD, FF, dropout=0.0, bias=False,
                                                                dtype=lib.float64), 2)
    _same_state(e_l, t_l)
    _run(t_l, e_l, [_rand((T, D), np.float64, 1), _rand((S, D), np.float64, 2)])


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("with_norm", [False, True])
def test_encoder_stack(batch_first, with_norm):
    def build(lib):
        layer = lib.nn.TransformerEncoderLayer(D, NHEAD, FF, dropout=0.0, batch_first=batch_first)
        return lib.nn.TransformerEncoder(layer, 2, norm=lib.nn.LayerNorm(D) if with_norm else None)
    t_enc, e_enc = _both(build, 3)
    _same_state(e_enc, t_enc)
    assert e_enc.use_nested_tensor == t_enc.use_nested_tensor
    src = _rand((N, S, D) if batch_first else (S, N, D), seed=4)
    kws = []
    for lib in (torch, ember):
        kws.append(dict(mask=lib.nn.Transformer.generate_square_subsequent_mask(S),
                        src_key_padding_mask=lib.tensor([[0.0] * S, [0.0, 0.0, 0.0, float("-inf")]])))
    _run(t_enc, e_enc, [src], *kws)


@pytest.mark.filterwarnings("ignore:The PyTorch API of nested tensors")
@pytest.mark.parametrize("kpm_rows", [[[0, 0, 0, 1], [0, 0, 1, 1]], [[0, 1, 0, 0], [0, 0, 0, 0]]])
@pytest.mark.parametrize("with_norm", [False, True])
def test_encoder_eval_nested_tensor_path(kpm_rows, with_norm):
    # torch runs a left-aligned padded batch as nested tensors here, which leaves 0 at padded positions
    def build(lib):
        layer = lib.nn.TransformerEncoderLayer(D, NHEAD, FF, batch_first=True)
        return lib.nn.TransformerEncoder(layer, 2, norm=lib.nn.LayerNorm(D) if with_norm else None).eval()
    t_enc, e_enc = _both(build, 5)
    src = _rand((N, S, D), seed=6)
    kpm = np.array(kpm_rows, bool)
    with torch.no_grad(), ember.no_grad():
        yt = t_enc(torch.tensor(src), src_key_padding_mask=torch.tensor(kpm))
        ye = e_enc(ember.tensor(src), src_key_padding_mask=ember.tensor(kpm))
    np.testing.assert_allclose(ye.numpy(), yt.numpy(), **TOL)
    left_aligned = kpm_rows[0][1] == 0
    assert bool((yt[1, 2:] == 0).all()) == left_aligned  # the case this test is about (norm(0) = its zero bias)
    # with grad enabled torch takes the ordinary path: padded positions computed
    t_enc.train(False)
    yt = t_enc(torch.tensor(src), src_key_padding_mask=torch.tensor(kpm))
    ye = e_enc(ember.tensor(src), src_key_padding_mask=ember.tensor(kpm))
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), **TOL)


def test_nested_tensor_warning():
    msgs = []
    for lib in (torch, ember):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            lib.nn.TransformerEncoder(lib.nn.TransformerEncoderLayer(D, NHEAD, FF), 1)
            lib.nn.TransformerEncoder(lib.nn.TransformerEncoderLayer(D, NHEAD, FF, batch_first=True,
                                                                     norm_first=True), 1)
        msgs.append([str(m.message) for m in w if "nested" in str(m.message)])
    assert msgs[0] == msgs[1] and len(msgs[0]) == 2


@pytest.mark.parametrize("batch_first", [False, True])
def test_transformer(batch_first):
    t_m, e_m = _both(lambda lib: lib.nn.Transformer(D, NHEAD, 2, 1, FF, dropout=0.0, batch_first=batch_first), 7)
    _same_state(e_m, t_m)
    src = _rand((N, S, D) if batch_first else (S, N, D), seed=8)
    tgt = _rand((N, T, D) if batch_first else (T, N, D), seed=9)
    kws = []
    for lib in (torch, ember):
        kws.append(dict(tgt_mask=lib.nn.Transformer.generate_square_subsequent_mask(T),
                        src_key_padding_mask=lib.tensor([[False] * S, [False, False, True, True]]),
                        memory_key_padding_mask=lib.tensor([[False] * S, [False, False, True, True]])))
    _run(t_m, e_m, [src, tgt], *kws)


def test_transformer_dropout_stream_and_float64():
    t_m, e_m = _both(lambda lib: lib.nn.Transformer(D, NHEAD, 1, 1, FF, dropout=0.2, dtype=lib.float64,
                                                    norm_first=True, activation="gelu"), 10)
    _same_state(e_m, t_m)
    torch.manual_seed(3)
    ember.manual_seed(3)
    _run(t_m, e_m, [_rand((S, N, D), np.float64, 1), _rand((T, N, D), np.float64, 2)])


def test_generate_square_subsequent_mask():
    for dt in ("float32", "float64"):
        e = ember.nn.Transformer.generate_square_subsequent_mask(4, dtype=getattr(ember, dt))
        t = torch.nn.Transformer.generate_square_subsequent_mask(4, dtype=getattr(torch, dt))
        assert_same(e, t)


@pytest.mark.filterwarnings("ignore:enable_nested_tensor is True")
@pytest.mark.parametrize("fn", [
    lambda lib: lib.nn.Transformer(D, NHEAD, 1, 1, FF)(lib.zeros(S, N, D), lib.zeros(T, N + 1, D)),
    lambda lib: lib.nn.Transformer(D, NHEAD, 1, 1, FF, batch_first=True)(lib.zeros(N, S, D), lib.zeros(N + 1, T, D)),
    lambda lib: lib.nn.Transformer(D, NHEAD, 1, 1, FF)(lib.zeros(S, N, D), lib.zeros(T, N, D + 2)),
    lambda lib: lib.nn.TransformerDecoderLayer(D, NHEAD, FF, activation="tanh"),
])
def test_errors(fn):
    check_error(fn)
