"""RNNCell, LSTMCell, GRUCell vs torch: init bits, reprs, one step and unrolled loops with gradients, errors."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import ember
from _compare import assert_same, check_error

from ._module_compare import make_pair

CELLS = [
    ("RNNCell", (3, 5), {}),
    ("RNNCell", (3, 5), dict(nonlinearity="relu")),
    ("RNNCell", (3, 5, False, "relu"), {}),
    ("GRUCell", (3, 5), {}),
    ("GRUCell", (3, 5, False), {}),
    ("LSTMCell", (3, 5), {}),
    ("LSTMCell", (3, 5), dict(bias=False)),
]
IDS = [f"{n}-{a}-{k}" for n, a, k in CELLS]


def _tensor(lib, x: np.ndarray):
    return (torch.from_numpy if lib is torch else ember.from_numpy)(x.copy()).requires_grad_(True)


def run_cell(name, args, kwargs, batch: tuple, *, dtype="float64", hx=True, steps=1, seed=0):
    """Unroll the cell for ``steps`` steps in both libraries; compare every state and every gradient."""
    e_mod, t_mod = make_pair(name, *args, seed=seed, dtype=dtype, **kwargs)
    tol = dict(rtol=1e-10, atol=1e-10) if dtype == "float64" else dict(rtol=1e-5, atol=1e-5)
    rng = np.random.default_rng(seed)
    xs = [rng.standard_normal((*batch, t_mod.input_size)).astype(dtype) for _ in range(steps)]
    n_states = 2 if name == "LSTMCell" else 1
    h0 = [rng.standard_normal((*batch, t_mod.hidden_size)).astype(dtype) for _ in range(n_states)] if hx else []

    def unroll(lib, mod):
        leaves = [_tensor(lib, a) for a in xs + h0]
        state = None if not hx else (tuple(leaves[steps:]) if n_states == 2 else leaves[steps])
        outs = []
        for x in leaves[:steps]:
            state = mod(x, state) if state is not None else mod(x)
            outs.extend(state if n_states == 2 else [state])
        return leaves, outs

    e_in, e_out = unroll(ember, e_mod)
    t_in, t_out = unroll(torch, t_mod)
    for i, (e, t) in enumerate(zip(e_out, t_out)):
        assert_same(e, t, what=f"state {i}", **tol)  # grad_fn names too: the cells end in torch's ops
    gos = [rng.standard_normal(tuple(t.shape)).astype(dtype) for t in t_out]
    sum((o * torch.from_numpy(g)).sum() for o, g in zip(t_out, gos)).backward()
    sum((o * ember.from_numpy(g)).sum() for o, g in zip(e_out, gos)).backward()
    for i, (e, t) in enumerate(zip(e_in, t_in)):
        assert_same(e.grad, t.grad, check_grad_fn=False, what=f"grad of leaf {i}", **tol)
    for (n, e), (_, t) in zip(e_mod.named_parameters(), t_mod.named_parameters()):
        assert_same(e.grad, t.grad, check_grad_fn=False, what=f"grad of {n}", **tol)


@pytest.mark.parametrize("name,args,kwargs", CELLS, ids=IDS)
@pytest.mark.parametrize("batch", [(4,), ()], ids=["batched", "unbatched"])
@pytest.mark.parametrize("hx", [True, False])
def test_cell_float64(name, args, kwargs, batch, hx):
    run_cell(name, args, kwargs, batch, hx=hx)


@pytest.mark.parametrize("name,args,kwargs", CELLS, ids=IDS)
def test_cell_float32_unrolled(name, args, kwargs):
    run_cell(name, args, kwargs, (3,), dtype="float32", steps=4, seed=2)
    run_cell(name, args, kwargs, (3,), dtype="float64", steps=4, seed=3)


def test_cell_init_repr_and_names():
    for seed in range(3):
        for dtype in ("float32", "float64"):
            for name, args, kwargs in CELLS:
                make_pair(name, *args, seed=seed, dtype=dtype, **kwargs)
    make_pair("RNNCell", 4, 6, nonlinearity="foo", bias=False)  # repr of a bad nonlinearity too
    assert [n for n, _ in ember.nn.LSTMCell(2, 3).named_parameters()] == ["weight_ih", "weight_hh", "bias_ih",
                                                                          "bias_hh"]
    cell = ember.nn.GRUCell(2, 3, bias=False)
    assert cell.bias_ih is None and cell.bias_hh is None and list(cell.state_dict()) == ["weight_ih", "weight_hh"]
    assert isinstance(cell, ember.nn.RNNCellBase) and isinstance(ember.nn.LSTM(2, 3), ember.nn.RNNBase)


def test_cell_empty_batch():
    for name in ("RNNCell", "GRUCell", "LSTMCell"):
        e, t = make_pair(name, 4, 6)
        eo, to = e(ember.zeros(0, 4)), t(torch.zeros(0, 4))
        eo, to = (eo, to) if name != "LSTMCell" else (eo[1], to[1])
        assert tuple(eo.shape) == tuple(to.shape) == (0, 6)


def _z(lib, *s, dtype="float32"):
    return lib.zeros(*s, dtype=getattr(lib, dtype))


SINGLE_STATE_ERRORS = [
    lambda lib, c: c(_z(lib, 3, 5)),
    lambda lib, c: c(_z(lib, 3, 4), _z(lib, 2, 6)),
    lambda lib, c: c(_z(lib, 3, 4), _z(lib, 3, 5)),
    lambda lib, c: c(_z(lib, 3, 4, 1)),
    lambda lib, c: c(_z(lib, 3, 4), _z(lib, 3, 6, 1)),
    lambda lib, c: c(_z(lib, 4), _z(lib, 1, 6)),
    lambda lib, c: c(_z(lib, 3, 4), _z(lib, 6)),
    lambda lib, c: c(_z(lib, 4), _z(lib, 5)),
    lambda lib, c: c(_z(lib, 3, 4), _z(lib, 3, 6, dtype="float64")),
]


@pytest.mark.parametrize("name", ["RNNCell", "GRUCell"])
@pytest.mark.parametrize("case", range(len(SINGLE_STATE_ERRORS)))
def test_cell_errors(name, case):
    check_error(lambda lib: SINGLE_STATE_ERRORS[case](lib, getattr(lib.nn, name)(4, 6)))


LSTM_CELL_ERRORS = [
    lambda lib: (_z(lib, 3, 5),),
    lambda lib: (_z(lib, 3, 4), (_z(lib, 2, 6), _z(lib, 3, 6))),
    lambda lib: (_z(lib, 3, 4), (_z(lib, 3, 6), _z(lib, 2, 6))),
    lambda lib: (_z(lib, 3, 4), (_z(lib, 3, 5), _z(lib, 3, 6))),
    lambda lib: (_z(lib, 3, 4), (_z(lib, 3, 6), _z(lib, 3, 5))),
    lambda lib: (_z(lib, 3, 4), (_z(lib, 3, 6), _z(lib, 3, 6, 1))),
    lambda lib: (_z(lib, 3, 4, 2),),
    lambda lib: (_z(lib, 3, 4), _z(lib, 3, 6)),
    lambda lib: (_z(lib, 3, 4), (_z(lib, 3, 6),)),
]


@pytest.mark.parametrize("case", range(len(LSTM_CELL_ERRORS)))
def test_lstm_cell_errors(case):
    check_error(lambda lib: lib.nn.LSTMCell(4, 6)(*LSTM_CELL_ERRORS[case](lib)))


def test_rnn_cell_unknown_nonlinearity():
    check_error(lambda lib: lib.nn.RNNCell(4, 6, nonlinearity="foo")(_z(lib, 3, 4)))
