"""RNN, LSTM, GRU vs torch: init bits, reprs, state_dict keys, outputs and every gradient, dropout masks, errors."""
from __future__ import annotations

import copy
import pickle
import warnings

import numpy as np
import pytest
import torch

import ember
from _compare import assert_same, check_error

from ._module_compare import make_pair

TOL64 = dict(rtol=1e-10, atol=1e-10)
TOL32 = dict(rtol=1e-5, atol=1e-5)


def _tensor(lib, x: np.ndarray, requires_grad: bool = True):
    return (torch.from_numpy if lib is torch else ember.from_numpy)(x.copy()).requires_grad_(requires_grad)


def run_pair(name: str, args: tuple, kwargs: dict, x_shape: tuple, *, dtype: str = "float64", h0: bool = True,
             train: bool = False, seed: int = 0, tol: dict | None = None, grad: bool = True):
    """Same module in both libraries; same x (and h0/c0); compare output, final states and all gradients."""
    e_mod, t_mod = make_pair(name, *args, seed=seed, dtype=dtype, **kwargs)
    e_mod.train(train)
    t_mod.train(train)
    tol = tol or (TOL64 if dtype == "float64" else TOL32)
    rng = np.random.default_rng(seed + 1)
    x = rng.standard_normal(x_shape).astype(dtype)
    states = []
    if h0:
        d = 2 if t_mod.bidirectional else 1
        batch = () if len(x_shape) == 2 else (x_shape[0] if t_mod.batch_first else x_shape[1],)
        h_size = t_mod.proj_size or t_mod.hidden_size
        states.append(rng.standard_normal((d * t_mod.num_layers, *batch, h_size)).astype(dtype))
        if name == "LSTM":
            states.append(rng.standard_normal((d * t_mod.num_layers, *batch, t_mod.hidden_size)).astype(dtype))

    def call(lib, mod):
        xs = [_tensor(lib, a, grad) for a in [x, *states]]
        hx = None if not h0 else (tuple(xs[1:]) if name == "LSTM" else xs[1])
        lib.manual_seed(seed + 2)  # dropout draws
        out, hn = mod(xs[0], hx) if h0 else mod(xs[0])
        return xs, [out, *(hn if name == "LSTM" else (hn,))]

    e_in, e_out = call(ember, e_mod)
    t_in, t_out = call(torch, t_mod)
    for i, (e, t) in enumerate(zip(e_out, t_out)):
        assert_same(e, t, check_grad_fn=False, what=f"output {i}", **tol)
    if not grad:
        return e_mod, t_mod, e_out, t_out
    # one scalar loss over every output, so each output's gradient path is exercised
    gos = [rng.standard_normal(tuple(t.shape)).astype(dtype) for t in t_out]
    sum((o * torch.from_numpy(g)).sum() for o, g in zip(t_out, gos)).backward()
    sum((o * ember.from_numpy(g)).sum() for o, g in zip(e_out, gos)).backward()
    for i, (e, t) in enumerate(zip(e_in, t_in)):
        assert_same(e.grad, t.grad, check_grad_fn=False, what=f"grad of input {i}", **tol)
    for (n, e), (_, t) in zip(e_mod.named_parameters(), t_mod.named_parameters()):
        assert_same(e.grad, t.grad, check_grad_fn=False, what=f"grad of {n}", **tol)
    return e_mod, t_mod, e_out, t_out


CONFIGS = [
    ("RNN", (3, 5), {}),
    ("RNN", (3, 5, 2, "relu"), {}),
    ("RNN", (3, 5), dict(nonlinearity="relu", bidirectional=True, bias=False)),
    ("GRU", (3, 5), {}),
    ("GRU", (3, 5), dict(num_layers=2, bidirectional=True, batch_first=True)),
    ("GRU", (3, 5), dict(bias=False)),
    ("LSTM", (3, 5), {}),
    ("LSTM", (3, 5), dict(num_layers=2, batch_first=True)),
    ("LSTM", (3, 5), dict(num_layers=2, bidirectional=True, bias=False)),
    ("LSTM", (3, 5), dict(proj_size=2, num_layers=2, bidirectional=True)),
]


def _ids(cfgs):
    return [f"{n}-{a}-{k}" for n, a, k in cfgs]


@pytest.mark.parametrize("name,args,kwargs", CONFIGS, ids=_ids(CONFIGS))
@pytest.mark.parametrize("h0", [True, False])
def test_rnn_float64_forward_backward(name, args, kwargs, h0):
    shape = (2, 4, 3) if kwargs.get("batch_first") else (4, 2, 3)
    run_pair(name, args, kwargs, shape, h0=h0)


@pytest.mark.parametrize("name,args,kwargs", CONFIGS, ids=_ids(CONFIGS))
def test_rnn_float32_forward_backward(name, args, kwargs):
    run_pair(name, args, kwargs, (5, 3, 3), dtype="float32", seed=3)


@pytest.mark.parametrize("name,args,kwargs", CONFIGS, ids=_ids(CONFIGS))
@pytest.mark.parametrize("h0", [True, False])
def test_rnn_unbatched(name, args, kwargs, h0):
    run_pair(name, args, kwargs, (4, 3), h0=h0)


def test_rnn_init_bit_exact_and_names():
    for seed in range(3):
        for dtype in ("float32", "float64"):
            for name, args, kwargs in CONFIGS:
                make_pair(name, *args, seed=seed, dtype=dtype, **kwargs)
    e, t = make_pair("LSTM", 10, 20, num_layers=2, bidirectional=True, proj_size=4)
    assert e._flat_weights_names == t._flat_weights_names
    assert [[p.shape for p in ps] for ps in e.all_weights] == [[tuple(p.shape) for p in ps] for ps in t.all_weights]
    assert [n for n, _ in e.named_parameters()][:5] == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
                                                        "weight_hr_l0"]
    # a model seeded in ember gives torch's numbers after the module too (the generator advanced identically)
    ember.manual_seed(0)
    ember.nn.GRU(4, 8)
    torch.manual_seed(0)
    torch.nn.GRU(4, 8)
    assert np.array_equal(ember.rand(5).numpy(), torch.rand(5).numpy())


@pytest.mark.parametrize("args,kwargs", [
    ((10, 20), dict(num_layers=2, batch_first=True)),
    ((10, 20, 2, False, True, 0.5, True, 3), {}),
    ((10, 20), dict(dropout=0)),
    ((10, 20), dict(dropout=1)),
])
def test_lstm_repr(args, kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert repr(ember.nn.LSTM(*args, **kwargs)) == repr(torch.nn.LSTM(*args, **kwargs))


def test_rnn_gru_repr():
    for lib_args in [((3, 4), dict(nonlinearity="relu")), ((3, 4), dict(bias=False, bidirectional=True))]:
        assert repr(ember.nn.RNN(*lib_args[0], **lib_args[1])) == repr(torch.nn.RNN(*lib_args[0], **lib_args[1]))
        assert repr(ember.nn.GRU(*lib_args[0], **{k: v for k, v in lib_args[1].items() if k != "nonlinearity"})) \
            == repr(torch.nn.GRU(*lib_args[0], **{k: v for k, v in lib_args[1].items() if k != "nonlinearity"}))
    assert ember.nn.RNN(3, 4, nonlinearity="relu").nonlinearity == "relu"
    assert ember.nn.RNN(3, 4, 1, "relu").mode == "RNN_RELU"


@pytest.mark.parametrize("name,kwargs", [
    ("LSTM", dict(num_layers=3, dropout=0.4)),
    ("LSTM", dict(num_layers=2, dropout=0.5, bidirectional=True, batch_first=True)),
    ("LSTM", dict(num_layers=2, dropout=0.3, proj_size=2)),
    ("GRU", dict(num_layers=3, dropout=0.4, bidirectional=True)),
    ("RNN", dict(num_layers=2, dropout=0.6, nonlinearity="relu")),
])
def test_rnn_dropout_masks_bit_exact(name, kwargs):
    # torch's CPU kernel drops between layers with the same bernoulli draw as F.dropout, so with the same seed
    # the masks agree and the float64 results agree to rounding
    shape = (2, 4, 3) if kwargs.get("batch_first") else (4, 2, 3)
    run_pair(name, (3, 5), kwargs, shape, train=True, seed=5)
    run_pair(name, (3, 5), kwargs, shape[1:], train=True, seed=6, h0=False)  # unbatched
    run_pair(name, (3, 5), kwargs, shape, train=True, seed=7, dtype="float32")  # same masks in float32 too


def test_rnn_dropout_one_drops_everything_between_layers():
    run_pair("LSTM", (3, 5), dict(num_layers=2, dropout=1.0), (4, 2, 3), train=True)


def test_rnn_dropout_eval_is_deterministic():
    e = ember.nn.GRU(3, 4, num_layers=2, dropout=0.5).eval()
    x = ember.randn(5, 2, 3)
    assert ember.equal(e(x)[0], e(x)[0])
    e.train()
    assert not ember.equal(e(x)[0], e(x)[0])


def test_rnn_dropout_warning():
    for lib in (torch, ember):
        with pytest.warns(UserWarning, match=r"non-zero dropout expects num_layers greater than 1, but got "
                                             r"dropout=0.5 and num_layers=1"):
            lib.nn.LSTM(3, 4, dropout=0.5)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            lib.nn.LSTM(3, 4, num_layers=2, dropout=0.5)
            lib.nn.LSTM(3, 4, dropout=0)


def test_rnn_output_layout_and_no_grad():
    for name in ("LSTM", "GRU"):
        e, t = make_pair(name, 3, 4, batch_first=True)
        xe, xt = ember.randn(2, 5, 3), torch.randn(2, 5, 3)
        assert e(xe)[0].stride() == t(xt)[0].stride()  # a transposed view of the seq-first result, as in torch
        with ember.no_grad():
            assert not e(xe)[0].requires_grad
    # empty batch works, empty sequence does not
    run_pair("LSTM", (3, 4), {}, (3, 0, 3), grad=False)
    run_pair("GRU", (3, 4), {}, (3, 0, 3), grad=False, h0=False)


def test_rnn_weights_reassigned_and_loaded():
    e, t = make_pair("LSTM", 3, 4, num_layers=2)
    e.flatten_parameters()
    t.flatten_parameters()
    x = np.random.default_rng(0).standard_normal((4, 2, 3)).astype("float32")
    new = np.random.default_rng(1).standard_normal((16, 4)).astype("float32")
    e.weight_hh_l1 = ember.nn.Parameter(ember.from_numpy(new.copy()))
    t.weight_hh_l1 = torch.nn.Parameter(torch.from_numpy(new.copy()))
    assert_same(e(ember.from_numpy(x))[0], t(torch.from_numpy(x))[0], check_grad_fn=False)
    e2 = ember.nn.LSTM(3, 4, num_layers=2)
    e2.load_state_dict({k: ember.from_numpy(v.detach().numpy().copy()) for k, v in t.state_dict().items()})
    assert_same(e2(ember.from_numpy(x))[1][1], t(torch.from_numpy(x))[1][1], check_grad_fn=False)
    # double() converts every weight, deepcopy and pickle keep working modules
    assert e2.double()(ember.from_numpy(x.astype("float64")))[0].dtype == ember.float64
    for clone in (copy.deepcopy(e2), pickle.loads(pickle.dumps(e2))):
        assert ember.equal(clone(ember.from_numpy(x.astype("float64")))[0],
                           e2(ember.from_numpy(x.astype("float64")))[0])


def test_rnn_learns():
    # a few Adam steps on a tiny GRU lower the loss (the whole graph is differentiable end to end)
    ember.manual_seed(0)
    model = ember.nn.GRU(2, 8, batch_first=True)
    head = ember.nn.Linear(8, 1)
    opt = ember.optim.Adam(list(model.parameters()) + list(head.parameters()), lr=0.05)
    x = ember.randn(8, 6, 2)
    y = x.sum(dim=(1, 2)).unsqueeze(1)
    losses = []
    for _ in range(15):
        opt.zero_grad()
        loss = ember.nn.functional.mse_loss(head(model(x)[1][0]), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]


CTOR_ERRORS = [
    ("RNN", (4, 6), dict(nonlinearity="sigmoid")),
    ("RNN", (4, 6), dict(proj_size=2)),
    ("GRU", (4, 6), dict(proj_size=0)),
    ("RNN", (4, 0), {}),
    ("GRU", (0, 4), {}),
    ("LSTM", (4, 6, 0), {}),
    ("LSTM", (4.0, 6), {}),
    ("LSTM", (4, 6.0), {}),
    ("GRU", (4, 6), dict(dropout=1.5)),
    ("GRU", (4, 6), dict(dropout=-0.1)),
    ("GRU", (4, 6), dict(dropout=True)),
    ("GRU", (4, 6), dict(dropout="a")),
    ("RNN", (4, 6), dict(bias=1)),
    ("LSTM", (4, 6), dict(batch_first=1)),
    ("LSTM", (4, 6), dict(proj_size=6)),
    ("LSTM", (4, 6), dict(proj_size=-1)),
    # torch's layers take (*args, **kwargs) and hand them to RNNBase: the errors name RNNBase.__init__
    ("GRU", (), {}),
    ("GRU", (4, 6), dict(foo=1)),
    ("RNN", tuple(range(1, 14)), {}),
    ("LSTM", (4, 6), dict(input_size=3)),
    ("RNN", (4, 6, 1, "relu"), dict(nonlinearity="tanh")),
    ("LSTM", tuple(range(1, 13)), {}),
]


@pytest.mark.parametrize("name,args,kwargs", CTOR_ERRORS, ids=_ids(CTOR_ERRORS))
def test_rnn_constructor_errors(name, args, kwargs):
    check_error(lambda lib: getattr(lib.nn, name)(*args, **kwargs))


def test_rnn_signatures():
    import inspect
    for name in ("RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"):
        # names, kinds and defaults (ember's annotations are strings under postponed evaluation)
        e, t = (inspect.signature(getattr(lib.nn, name)).parameters.values() for lib in (ember, torch))
        assert [(p.name, p.kind, p.default) for p in e] == [(p.name, p.kind, p.default) for p in t]


def _forward_errors():
    z = lambda lib, *s, dtype="float32": lib.zeros(*s, dtype=getattr(lib, dtype))  # noqa: E731
    return [
        ("LSTM", lambda lib, m: m(z(lib, 5, 3, 5))),
        ("LSTM", lambda lib, m: m(z(lib, 5, 3, 4, 1))),
        ("LSTM", lambda lib, m: m(z(lib, 5))),
        ("LSTM", lambda lib, m: m(z(lib, 5, 3, 4), (z(lib, 1, 2, 6), z(lib, 1, 3, 6)))),
        ("LSTM", lambda lib, m: m(z(lib, 5, 3, 4), (z(lib, 1, 3, 6), z(lib, 1, 3, 5)))),
        ("LSTM", lambda lib, m: m(z(lib, 5, 3, 4), (z(lib, 3, 6), z(lib, 1, 3, 6)))),
        ("LSTM", lambda lib, m: m(z(lib, 5, 4), (z(lib, 1, 1, 6), z(lib, 1, 6)))),
        ("LSTM", lambda lib, m: m(z(lib, 5, 3, 4), z(lib, 1, 3, 6))),
        ("LSTM", lambda lib, m: m(z(lib, 5, 3, 4, dtype="float64"))),
        ("LSTM", lambda lib, m: m(z(lib, 0, 3, 4))),
        ("RNN", lambda lib, m: m(z(lib, 5, 3, 5))),
        ("RNN", lambda lib, m: m(z(lib, 5))),
        ("RNN", lambda lib, m: m(z(lib, 5, 3, 4), z(lib, 2, 3, 6))),
        ("RNN", lambda lib, m: m(z(lib, 5, 3, 4), z(lib, 3, 6))),
        ("RNN", lambda lib, m: m(z(lib, 5, 4), z(lib, 1, 1, 6))),
        ("RNN", lambda lib, m: m(z(lib, 5, 4), z(lib, 1, 5))),
        ("RNN", lambda lib, m: m(z(lib, 5, 3, 4, dtype="int32"))),
        ("RNN", lambda lib, m: m(z(lib, 0, 3, 4))),
        ("GRU", lambda lib, m: m(z(lib, 5))),
        ("GRU", lambda lib, m: m(z(lib, 5, 3, 4), z(lib, 1, 3, 7))),
        ("GRU", lambda lib, m: m(z(lib, 5, 4, 4, 4))),
    ]


@pytest.mark.parametrize("case", range(len(_forward_errors())))
def test_rnn_forward_errors(case):
    name, fn = _forward_errors()[case]
    check_error(lambda lib: fn(lib, getattr(lib.nn, name)(4, 6)))


PACKED = [
    ("RNN", dict(nonlinearity="relu")),
    ("GRU", dict(num_layers=2, bidirectional=True)),
    ("LSTM", dict(num_layers=2, bidirectional=True)),
    ("LSTM", dict(proj_size=2, bidirectional=True, batch_first=True)),
    ("GRU", dict(num_layers=3, dropout=0.5, bidirectional=True)),
]


@pytest.mark.parametrize("name,kwargs", PACKED, ids=[f"{n}-{k}" for n, k in PACKED])
@pytest.mark.parametrize("enforce_sorted", [True, False])
@pytest.mark.parametrize("h0", [True, False])
def test_rnn_packed_sequence(name, kwargs, enforce_sorted, h0):
    # sequences of different lengths: each one's final state is taken at its own last step, both directions
    lengths = [5, 3, 3, 1] if enforce_sorted else [3, 5, 1, 3]
    e_mod, t_mod = make_pair(name, 3, 4, dtype="float64", **kwargs)
    batch_first = kwargs.get("batch_first", False)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 5, 3) if batch_first else (5, 4, 3))
    d = (2 if t_mod.bidirectional else 1) * t_mod.num_layers
    states = [rng.standard_normal((d, 4, t_mod.proj_size or 4))]
    if name == "LSTM":
        states.append(rng.standard_normal((d, 4, 4)))
    res = {}
    for lib, mod in ((ember, e_mod), (torch, t_mod)):
        leaves = [_tensor(lib, a) for a in [x, *states]]
        packed = lib.nn.utils.rnn.pack_padded_sequence(leaves[0], lengths, batch_first, enforce_sorted)
        hx = (tuple(leaves[1:]) if name == "LSTM" else leaves[1]) if h0 else None
        lib.manual_seed(3)
        out, hn = mod(packed, hx)
        assert type(out).__name__ == "PackedSequence"
        padded, lens = lib.nn.utils.rnn.pad_packed_sequence(out, batch_first)
        res[lib] = (leaves, [out.data, padded, *(hn if name == "LSTM" else (hn,))], out, lens)
    (e_leaves, e_outs, e_packed, e_lens), (t_leaves, t_outs, t_packed, t_lens) = res[ember], res[torch]
    assert e_lens.tolist() == t_lens.tolist() == lengths
    assert e_packed.batch_sizes.tolist() == t_packed.batch_sizes.tolist()
    for e_idx, t_idx in zip(e_packed[2:], t_packed[2:]):
        assert (e_idx is None and t_idx is None) or e_idx.tolist() == t_idx.tolist()
    for i, (e, t) in enumerate(zip(e_outs, t_outs)):
        assert_same(e, t, check_grad_fn=False, what=f"output {i}", **TOL64)
    gos = [rng.standard_normal(tuple(t.shape)) for t in t_outs[1:]]
    sum((o * torch.from_numpy(g)).sum() for o, g in zip(t_outs[1:], gos)).backward()
    sum((o * ember.from_numpy(g)).sum() for o, g in zip(e_outs[1:], gos)).backward()
    for i, (e, t) in enumerate(zip(e_leaves, t_leaves)):
        if t.grad is not None or e.grad is not None:
            assert_same(e.grad, t.grad, check_grad_fn=False, what=f"grad of leaf {i}", **TOL64)
    for (n, e), (_, t) in zip(e_mod.named_parameters(), t_mod.named_parameters()):
        assert_same(e.grad, t.grad, check_grad_fn=False, what=f"grad of {n}", **TOL64)


def test_rnn_packed_errors():
    def packed(lib, trailing=3):
        return lib.nn.utils.rnn.pack_sequence([lib.ones(3, trailing), lib.ones(2, trailing)])
    check_error(lambda lib: lib.nn.GRU(3, 4)(packed(lib, 5)))
    check_error(lambda lib: lib.nn.GRU(3, 4)(packed(lib), lib.zeros(1, 3, 4)))
    # (torch's packed LSTM path skips the Python hidden-size checks; ember checks as for padded input)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_gru_fused_layer_matches_torch_with_state_grads(dtype, bidirectional):
    # padded GRU layers run as one node too (GruLayer): values and every grad, h0 included
    rng = np.random.default_rng(6)
    x0 = rng.standard_normal((6, 3, 4)).astype(dtype)
    d = 2 if bidirectional else 1
    h0 = rng.standard_normal((2 * d, 3, 5)).astype(dtype)
    res = []
    for L in (ember, torch):
        L.manual_seed(0)
        m = L.nn.GRU(4, 5, num_layers=2, bidirectional=bidirectional, batch_first=False,
                     dtype=getattr(L, np.dtype(dtype).name))
        x, h = L.tensor(x0, requires_grad=True), L.tensor(h0, requires_grad=True)
        y, hn = m(x, h)
        (y.sum() + (hn * 2).sum()).backward()
        res.append([y, hn, x.grad, h.grad] + [p.grad for p in m.parameters()])
    tol = 1e-10 if dtype == np.float64 else 1e-5
    for e, t in zip(*res):
        np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_lstm_fused_layer_matches_torch_with_state_grads(dtype, bidirectional):
    # padded LSTM layers run as one node (ember/_ops/nn/rnn_kernels.py): values and every grad, h0/c0 included
    rng = np.random.default_rng(5)
    x0 = rng.standard_normal((7, 3, 4)).astype(dtype)
    d = 2 if bidirectional else 1
    h0, c0 = (rng.standard_normal((2 * d, 3, 5)).astype(dtype) for _ in range(2))
    res = []
    for L in (ember, torch):
        L.manual_seed(0)
        m = L.nn.LSTM(4, 5, num_layers=2, bidirectional=bidirectional, dtype=getattr(L, np.dtype(dtype).name))
        x, h, c = (L.tensor(a, requires_grad=True) for a in (x0, h0, c0))
        y, (hn, cn) = m(x, (h, c))
        (y.sum() + (hn * 2).sum() + (cn * 3).sum()).backward()
        res.append([y, hn, cn, x.grad, h.grad, c.grad] + [p.grad for p in m.parameters()])
        if L is ember and not bidirectional:
            assert "MkldnnRnnLayerBackward0" in repr(y.grad_fn.next_functions)
    tol = 1e-10 if dtype == np.float64 else 1e-5
    for e, t in zip(*res):
        np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=tol, atol=tol)
