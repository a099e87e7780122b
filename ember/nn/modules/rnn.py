"""Recurrent layers (torch/nn/modules/rnn.py): ``RNN``, ``LSTM``, ``GRU`` and their one-step cells.

Everything is built from ember's differentiable ops (``F.linear``, ``sigmoid``, ``tanh``, ``stack``...),
so autograd needs no special backward. The gate equations live in the three ``_*_step`` functions
below and are shared by the multi-layer modules and the cells.
"""
from __future__ import annotations

import math
import numbers
import warnings
from typing import Callable, Optional, overload

from ... import _creation
from ..._ops.nn.rnn_kernels import GruLayer, LstmLayer
from ..._ops.shape import cat, stack
from ..._tensor import Tensor
from .. import functional as F, init
from ..parameter import Parameter
from ..utils.rnn import PackedSequence
from .module import Module

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

State = tuple  # (h,) for RNN and GRU, (h, c) for LSTM


# --- the gate equations ------------------------------------------------------------------------------
# Each step takes gi = x_t W_ihᵀ + b_ih (precomputed for the whole sequence at once, as torch does on CPU)
# and the previous state, and returns the next state. Gate blocks are stacked in W in torch's order.

def _elman_step(act: Callable[[Tensor], Tensor]) -> Callable:
    def step(gi: Tensor, state: State, w_hh: Tensor, b_hh: Optional[Tensor], w_hr: None = None) -> State:
        # h' = act(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)
        return (act(F.linear(state[0], w_hh, b_hh) + gi),)
    return step


def _lstm_step(gi: Tensor, state: State, w_hh: Tensor, b_hh: Optional[Tensor],
               w_hr: Optional[Tensor] = None) -> State:
    """i, f, g, o = σ(·), σ(·), tanh(·), σ(·) of x W_ihᵀ + b_ih + h W_hhᵀ + b_hh (blocks i|f|g|o);
    c' = f ⊙ c + i ⊙ g;  h' = o ⊙ tanh(c'), then h' = h' W_hrᵀ when there is a projection."""
    h, c = state
    i, f, g, o = (F.linear(h, w_hh, b_hh) + gi).chunk(4, 1)
    c = F.sigmoid(f) * c + F.sigmoid(i) * F.tanh(g)
    h = F.sigmoid(o) * F.tanh(c)
    if w_hr is not None:
        h = F.linear(h, w_hr)
    return h, c


def _gru_step(gi: Tensor, state: State, w_hh: Tensor, b_hh: Optional[Tensor], w_hr: None = None) -> State:
    """r = σ(x W_irᵀ + b_ir + h W_hrᵀ + b_hr);  z = σ(x W_izᵀ + b_iz + h W_hzᵀ + b_hz);
    n = tanh(x W_inᵀ + b_in + r ⊙ (h W_hnᵀ + b_hn));  h' = (1 − z) ⊙ n + z ⊙ h  (blocks r|z|n)."""
    h = state[0]
    i_r, i_z, i_n = gi.chunk(3, 1)
    h_r, h_z, h_n = F.linear(h, w_hh, b_hh).chunk(3, 1)
    r = F.sigmoid(i_r + h_r)
    z = F.sigmoid(i_z + h_z)
    n = F.tanh(i_n + r * h_n)
    return (n + z * (h - n),)  # (1 − z) n + z h, written as torch's CPU kernel computes it


_STEPS = {"RNN_TANH": _elman_step(F.tanh), "RNN_RELU": _elman_step(F.relu), "LSTM": _lstm_step, "GRU": _gru_step}
_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _run_direction(step: Callable, data: Tensor, batch_sizes: list[int], state: State, w_ih: Tensor, w_hh: Tensor,
                   b_ih: Optional[Tensor], b_hh: Optional[Tensor], w_hr: Optional[Tensor],
                   reverse: bool) -> tuple[Tensor, State]:
    """One layer, one direction over packed rows (time-major, batch_sizes[t] rows at step t, never growing).

    A padded (L, N, ·) batch is the special case batch_sizes = [N] * L. Returns the outputs, packed the
    same way, and the final state of every sequence (taken at each one's own last step).
    """
    gis = F.linear(data, w_ih, b_ih)  # every step's input projection in one matmul, as torch does on CPU
    if (step is _lstm_step or step is _gru_step) and w_hr is None:
        # an LSTM/GRU layer: one node runs the whole time loop (and its backward) in NumPy
        sizes = tuple(int(b) for b in batch_sizes)
        if step is _lstm_step:
            out, *final = LstmLayer.apply(gis, state[0], state[1], w_hh, b_hh, sizes, reverse)
        else:
            out, *final = GruLayer.apply(gis, state[0], w_hh, b_hh, sizes, reverse)
        return out, tuple(final)
    starts = [0]
    for bs in batch_sizes[:-1]:
        starts.append(starts[-1] + bs)
    outputs: list[Optional[Tensor]] = [None] * len(batch_sizes)
    if not reverse:
        ended: list[State] = []  # final states of the sequences that stop early, shortest last
        for t, bs in enumerate(batch_sizes):
            if bs < state[0].size(0):
                ended.append(tuple(s[bs:] for s in state))
                state = tuple(s[:bs] for s in state)
            state = step(gis[starts[t]:starts[t] + bs], state, w_hh, b_hh, w_hr)
            outputs[t] = state[0]
        final = tuple(cat([s, *(e[k] for e in reversed(ended))]) for k, s in enumerate(state))
    else:
        # backwards in time a sequence joins at its last step, starting from its own initial state
        initial, state = state, tuple(s[:batch_sizes[-1]] for s in state)
        for t in reversed(range(len(batch_sizes))):
            bs, running = batch_sizes[t], state[0].size(0)
            if bs > running:
                state = tuple(cat([s, s0[running:bs]]) for s, s0 in zip(state, initial))
            state = step(gis[starts[t]:starts[t] + bs], state, w_hh, b_hh, w_hr)
            outputs[t] = state[0]
        final = state
    return cat(outputs), final


def _mini_batch(rnn: "RNNBase", input: Tensor, batch_sizes: Optional[Tensor]) -> int:
    if batch_sizes is not None:
        return int(batch_sizes[0])
    return input.size(0) if rnn.batch_first else input.size(1)


class RNNBase(Module):
    """Shared constructor, parameters, checks and the layer/direction loop of ``RNN``, ``LSTM`` and ``GRU``.

    Layer l, direction d (0 forward, 1 reverse) reads its initial state from ``hx[l * D + d]``; layer l > 0
    reads the concatenated outputs of both directions of layer l − 1, passed through dropout in training.
    """

    mode: str
    input_size: int
    hidden_size: int
    num_layers: int
    bias: bool
    batch_first: bool
    dropout: float
    bidirectional: bool
    proj_size: int

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device=None, dtype=None) -> None:
        factory_kwargs = {"device": device, "dtype": dtype}
        super().__init__()
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size

        # the same checks, in the same order, as torch
        if not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1 or isinstance(dropout, bool):
            raise ValueError("dropout should be a number in range [0, 1] representing the probability of an "
                             "element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                          f"expects num_layers greater than 1, but got dropout={dropout} and "
                          f"num_layers={num_layers}", stacklevel=2)
        if not isinstance(bias, bool):
            raise TypeError(f"bias should be of type bool, got: {type(bias).__name__}")
        if not isinstance(batch_first, bool):
            raise TypeError(f"batch_first should be of type bool, got: {type(batch_first).__name__}")
        if not isinstance(input_size, int):
            raise TypeError(f"input_size should be of type int, got: {type(input_size).__name__}")
        if input_size <= 0:
            raise ValueError("input_size must be greater than zero")
        if not isinstance(hidden_size, int):
            raise TypeError(f"hidden_size should be of type int, got: {type(hidden_size).__name__}")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if mode not in _GATES:
            raise ValueError("Unrecognized RNN mode: " + mode)

        gate_size = _GATES[mode] * hidden_size
        real_hidden_size = proj_size if proj_size > 0 else hidden_size
        num_directions = 2 if bidirectional else 1
        self._flat_weights_names: list[str] = []
        self._all_weights: list[list[str]] = []
        for layer in range(num_layers):
            layer_input_size = input_size if layer == 0 else real_hidden_size * num_directions
            for direction in range(num_directions):
                suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
                shapes = {"weight_ih": (gate_size, layer_input_size), "weight_hh": (gate_size, real_hidden_size)}
                if bias:
                    shapes.update(bias_ih=(gate_size,), bias_hh=(gate_size,))
                if proj_size > 0:
                    shapes["weight_hr"] = (proj_size, hidden_size)
                names = [name + suffix for name in shapes]
                for name, shape in zip(names, shapes.values()):
                    setattr(self, name, Parameter(_creation.empty(shape, **factory_kwargs)))
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        # every parameter ~ U(−1/√hidden_size, 1/√hidden_size), drawn in registration order as torch does
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def flatten_parameters(self) -> None:
        """A no-op: there is no cuDNN weight buffer to compact on ember's CPU."""

    @property
    def _flat_weights(self) -> list[Optional[Tensor]]:
        # looked up on each access so assigned or reloaded parameters are always the ones used
        return [getattr(self, name, None) for name in self._flat_weights_names]

    @property
    def all_weights(self) -> list[list[Parameter]]:
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    # --- checks (torch's messages) ---

    def check_input(self, input: Tensor, batch_sizes: Optional[Tensor]) -> None:
        w_dtype = self._flat_weights[0].dtype
        if input.dtype != w_dtype:
            raise ValueError(f"RNN input dtype ({input.dtype}) does not match weight dtype ({w_dtype}). "
                             f"Convert input: input.to({w_dtype}), or convert model: model.to({input.dtype})")
        expected_input_dim = 2 if batch_sizes is not None else 3
        if input.dim() != expected_input_dim:
            raise RuntimeError(f"input must have {expected_input_dim} dimensions, got {input.dim()}")
        if self.input_size != input.size(-1):
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, "
                               f"got {input.size(-1)}")

    def get_expected_hidden_size(self, input: Tensor, batch_sizes: Optional[Tensor]) -> tuple[int, int, int]:
        mini_batch = _mini_batch(self, input, batch_sizes)
        num_directions = 2 if self.bidirectional else 1
        size = self.proj_size if self.proj_size > 0 else self.hidden_size
        return self.num_layers * num_directions, mini_batch, size

    def check_hidden_size(self, hx: Tensor, expected_hidden_size: tuple[int, int, int],
                          msg: str = "Expected hidden size {}, got {}") -> None:
        if tuple(hx.size()) != tuple(expected_hidden_size):
            raise RuntimeError(msg.format(expected_hidden_size, list(hx.size())))

    def check_forward_args(self, input: Tensor, hidden: Tensor, batch_sizes: Optional[Tensor]) -> None:
        self.check_input(input, batch_sizes)
        self.check_hidden_size(hidden, self.get_expected_hidden_size(input, batch_sizes))

    def permute_hidden(self, hx: Tensor, permutation: Optional[Tensor]):
        return hx if permutation is None else hx.index_select(1, permutation)

    # --- the computation ---

    def _run(self, data: Tensor, batch_sizes: list[int], hx: State) -> tuple[Tensor, State]:
        """Every layer and direction over packed rows; hx holds (num_layers·D, N, ·) initial states."""
        step = _STEPS[self.mode]
        num_directions = 2 if self.bidirectional else 1
        layer_input = data
        finals: list[list[Tensor]] = [[] for _ in hx]
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(num_directions):
                k = layer * num_directions + direction
                names = self._all_weights[k]
                w_ih, w_hh = getattr(self, names[0]), getattr(self, names[1])
                b_ih, b_hh = (getattr(self, names[2]), getattr(self, names[3])) if self.bias else (None, None)
                w_hr = getattr(self, names[-1]) if self.proj_size > 0 else None
                out, state = _run_direction(step, layer_input, batch_sizes, tuple(s[k] for s in hx), w_ih, w_hh,
                                            b_ih, b_hh, w_hr, reverse=direction == 1)
                outputs.append(out)
                for final, s in zip(finals, state):
                    final.append(s)
            layer_input = outputs[0] if num_directions == 1 else cat(outputs, 1)
            if self.dropout > 0 and self.training and layer < self.num_layers - 1:
                # torch's CPU kernel draws this mask exactly as F.dropout does, over the time-major rows
                layer_input = F.dropout(layer_input, self.dropout, True)
        return layer_input, tuple(stack(final) for final in finals)

    def _run_padded(self, input: Tensor, hx: State) -> tuple[Tensor, State]:
        """A batched (L, N, H_in) — (N, L, H_in) with batch_first — input as packed rows, and back."""
        if self.batch_first:
            input = input.transpose(0, 1)  # torch computes seq-first too
        seq_len, batch = input.size(0), input.size(1)
        if seq_len == 0:
            raise RuntimeError("Expected sequence length to be larger than 0 in RNN")
        output, hidden = self._run(input.reshape(seq_len * batch, input.size(2)), [batch] * seq_len, hx)
        output = output.view(seq_len, batch, output.size(-1))
        return (output.transpose(0, 1) if self.batch_first else output), hidden

    def _zeros(self, batch: int, size: int, like: Tensor) -> Tensor:
        num_directions = 2 if self.bidirectional else 1
        return _creation.zeros(self.num_layers * num_directions, batch, size, dtype=like.dtype, device=like.device)

    def _forward_single_state(self, input, hx: Optional[Tensor]):
        """RNN and GRU: check dims, add the batch dim to unbatched input and hx, make zero hx, run."""
        if isinstance(input, PackedSequence):
            data, batch_sizes, sorted_indices, unsorted_indices = input
            hx = self._zeros(int(batch_sizes[0]), self.hidden_size, data) if hx is None else \
                self.permute_hidden(hx, sorted_indices)
            self.check_forward_args(data, hx, batch_sizes)
            output, (hidden,) = self._run(data, batch_sizes.tolist(), (hx,))
            return (PackedSequence(output, batch_sizes, sorted_indices, unsorted_indices),
                    self.permute_hidden(hidden, unsorted_indices))
        name = "RNN" if self.mode.startswith("RNN") else self.mode
        if input.dim() not in (2, 3):
            tail = " tensor instead" if name == "RNN" else " instead"  # torch's RNN and GRU word this apart
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.dim()}D{tail}")
        is_batched = input.dim() == 3
        batch_dim = 0 if self.batch_first else 1
        if not is_batched:
            input = input.unsqueeze(batch_dim)
            if hx is not None:
                if hx.dim() != 2:
                    raise RuntimeError(f"For unbatched 2-D input, hx should also be 2-D but got {hx.dim()}-D tensor")
                hx = hx.unsqueeze(1)
        elif hx is not None and hx.dim() != 3:
            raise RuntimeError(f"For batched 3-D input, hx should also be 3-D but got {hx.dim()}-D tensor")
        if hx is None:
            hx = self._zeros(input.size(batch_dim), self.hidden_size, input)
        self.check_forward_args(input, hx, None)
        output, (hidden,) = self._run_padded(input, (hx,))
        if not is_batched:
            output, hidden = output.squeeze(batch_dim), hidden.squeeze(1)
        return output, hidden

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s


def _no_proj_size(kwargs: dict) -> None:
    if "proj_size" in kwargs:
        raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")


class RNN(RNNBase):
    """Multi-layer Elman RNN: h_t = tanh(x_t W_ihᵀ + b_ih + h_{t−1} W_hhᵀ + b_hh) (or ReLU).

    Input (L, N, H_in) — (N, L, H_in) with batch_first — or unbatched (L, H_in); hx (D·num_layers, N, H_out).
    Returns (output, h_n): output (L, N, D·H_out) holds the last layer's h_t for every t.
    """

    nonlinearity: str

    # torch takes (*args, **kwargs) and hands them to RNNBase, so argument errors name RNNBase.__init__;
    # the overload documents the real signature
    @overload
    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh",
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device=None, dtype=None) -> None: ...

    @overload
    def __init__(self, *args, **kwargs) -> None: ...

    def __init__(self, *args, **kwargs):
        _no_proj_size(kwargs)
        if len(args) > 3:  # nonlinearity is the 4th positional argument, which RNNBase does not have
            nonlinearity, args = args[3], args[:3] + args[4:]
        else:
            nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__(mode, *args, **kwargs)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx: Optional[Tensor] = None):
        return self._forward_single_state(input, hx)


class GRU(RNNBase):
    """Multi-layer gated recurrent unit, for each t (blocks of W ordered r|z|n)::

        r_t = σ(W_ir x_t + b_ir + W_hr h_{t−1} + b_hr)
        z_t = σ(W_iz x_t + b_iz + W_hz h_{t−1} + b_hz)
        n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t−1} + b_hn))
        h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t−1}

    Shapes as ``RNN``; returns (output, h_n).
    """

    @overload
    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, device=None,
                 dtype=None) -> None: ...

    @overload
    def __init__(self, *args, **kwargs) -> None: ...

    def __init__(self, *args, **kwargs):
        _no_proj_size(kwargs)
        super().__init__("GRU", *args, **kwargs)

    def forward(self, input, hx: Optional[Tensor] = None):
        return self._forward_single_state(input, hx)


class LSTM(RNNBase):
    """Multi-layer long short-term memory, for each t (blocks of W ordered i|f|g|o)::

        i_t = σ(W_ii x_t + b_ii + W_hi h_{t−1} + b_hi)
        f_t = σ(W_if x_t + b_if + W_hf h_{t−1} + b_hf)
        g_t = tanh(W_ig x_t + b_ig + W_hg h_{t−1} + b_hg)
        o_t = σ(W_io x_t + b_io + W_ho h_{t−1} + b_ho)
        c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t
        h_t = o_t ⊙ tanh(c_t)            (then h_t = W_hr h_t when proj_size > 0)

    hx = (h_0, c_0), h_0 of size proj_size (or hidden_size), c_0 of size hidden_size.
    Returns (output, (h_n, c_n)).
    """

    @overload
    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device=None, dtype=None) -> None: ...

    @overload
    def __init__(self, *args, **kwargs) -> None: ...

    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)

    def get_expected_cell_size(self, input: Tensor, batch_sizes: Optional[Tensor]) -> tuple[int, int, int]:
        mini_batch = _mini_batch(self, input, batch_sizes)
        num_directions = 2 if self.bidirectional else 1
        return self.num_layers * num_directions, mini_batch, self.hidden_size

    def check_forward_args(self, input: Tensor, hidden: tuple[Tensor, Tensor],  # type: ignore[override]
                           batch_sizes: Optional[Tensor]) -> None:
        self.check_input(input, batch_sizes)
        self.check_hidden_size(hidden[0], self.get_expected_hidden_size(input, batch_sizes),
                               "Expected hidden[0] size {}, got {}")
        self.check_hidden_size(hidden[1], self.get_expected_cell_size(input, batch_sizes),
                               "Expected hidden[1] size {}, got {}")

    def permute_hidden(self, hx: tuple[Tensor, Tensor], permutation: Optional[Tensor]):  # type: ignore[override]
        if permutation is None:
            return hx
        return hx[0].index_select(1, permutation), hx[1].index_select(1, permutation)

    def forward(self, input, hx: Optional[tuple[Tensor, Tensor]] = None):
        real_hidden_size = self.proj_size if self.proj_size > 0 else self.hidden_size
        if isinstance(input, PackedSequence):
            data, batch_sizes, sorted_indices, unsorted_indices = input
            batch = int(batch_sizes[0])
            hx = (self._zeros(batch, real_hidden_size, data), self._zeros(batch, self.hidden_size, data)) \
                if hx is None else self.permute_hidden(hx, sorted_indices)
            self.check_forward_args(data, hx, batch_sizes)
            output, hidden = self._run(data, batch_sizes.tolist(), tuple(hx))
            return (PackedSequence(output, batch_sizes, sorted_indices, unsorted_indices),
                    self.permute_hidden(hidden, unsorted_indices))
        if input.dim() not in (2, 3):
            raise ValueError(f"LSTM: Expected input to be 2D or 3D, got {input.dim()}D instead")
        is_batched = input.dim() == 3
        batch_dim = 0 if self.batch_first else 1
        if not is_batched:
            input = input.unsqueeze(batch_dim)
        if hx is None:
            batch = input.size(batch_dim)
            hx = (self._zeros(batch, real_hidden_size, input), self._zeros(batch, self.hidden_size, input))
        else:
            # hx[1] is only looked at when hx[0] passes, as in torch (so a lone tensor fails on indexing)
            want = 3 if is_batched else 2
            if hx[0].dim() != want or hx[1].dim() != want:
                kind = "batched 3-D" if is_batched else "unbatched 2-D"
                raise RuntimeError(f"For {kind} input, hx and cx should also be {want}-D but got "
                                   f"({hx[0].dim()}-D, {hx[1].dim()}-D) tensors")
            if not is_batched:
                hx = (hx[0].unsqueeze(1), hx[1].unsqueeze(1))
        self.check_forward_args(input, hx, None)
        output, (h, c) = self._run_padded(input, tuple(hx))
        if not is_batched:
            output, h, c = output.squeeze(batch_dim), h.squeeze(1), c.squeeze(1)
        return output, (h, c)


# --- cells: one time step, no layers or directions ----------------------------------------------------

class RNNCellBase(Module):
    """Parameters weight_ih (G·H, H_in), weight_hh (G·H, H), bias_ih, bias_hh (G·H) for G gate blocks."""

    input_size: int
    hidden_size: int
    bias: bool
    weight_ih: Tensor
    weight_hh: Tensor

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int, device=None,
                 dtype=None) -> None:
        factory_kwargs = {"device": device, "dtype": dtype}
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = Parameter(_creation.empty((num_chunks * hidden_size, input_size), **factory_kwargs))
        self.weight_hh = Parameter(_creation.empty((num_chunks * hidden_size, hidden_size), **factory_kwargs))
        if bias:
            self.bias_ih = Parameter(_creation.empty(num_chunks * hidden_size, **factory_kwargs))
            self.bias_hh = Parameter(_creation.empty(num_chunks * hidden_size, **factory_kwargs))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        nonlinearity = getattr(self, "nonlinearity", "tanh")
        if nonlinearity != "tanh":
            s += f", nonlinearity={nonlinearity}"
        return s

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def _check_step(self, input: Tensor, hiddens: tuple[Tensor, ...]) -> None:
        # the checks torch's C++ cell kernels make on the (batched) operands
        if input.size(1) != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.size(1)} expected {self.input_size}")
        for k, h in enumerate(hiddens):
            if input.size(0) != h.size(0):
                raise RuntimeError(f"Input batch size {input.size(0)} doesn't match hidden{k} batch size "
                                   f"{h.size(0)}")
            if h.size(1) != self.hidden_size:
                raise RuntimeError(f"hidden{k} has inconsistent hidden_size: got {h.size(1)}, "
                                   f"expected {self.hidden_size}")

    def _step(self, step: Callable, input: Tensor, state: State) -> State:
        self._check_step(input, state)
        return step(F.linear(input, self.weight_ih, self.bias_ih), state, self.weight_hh, self.bias_hh)

    def _single_state(self, step: Callable, input: Tensor, hx: Optional[Tensor]) -> Tensor:
        """RNNCell and GRUCell: one step from hx (zeros if None); unbatched (1-D) input and hx as a batch of 1."""
        is_batched = input.dim() == 2
        if not is_batched:
            input = input.unsqueeze(0)
        if hx is None:
            hx = _creation.zeros(input.size(0), self.hidden_size, dtype=input.dtype, device=input.device)
        elif not is_batched:
            hx = hx.unsqueeze(0)
        (h,) = self._step(step, input, (hx,))
        return h if is_batched else h.squeeze(0)


def _cell_input(name: str, input: Tensor, hx: Optional[Tensor]) -> None:
    if input.dim() not in (1, 2):
        raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D instead")
    if hx is not None and hx.dim() not in (1, 2):
        raise ValueError(f"{name}: Expected hidden to be 1D or 2D, got {hx.dim()}D instead")


class RNNCell(RNNCellBase):
    """One Elman step: h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh) (or ReLU). Input (N, H_in) or (H_in)."""

    nonlinearity: str

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Optional[Tensor] = None) -> Tensor:
        _cell_input("RNNCell", input, hx)
        if self.nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        return self._single_state(_STEPS["RNN_" + self.nonlinearity.upper()], input, hx)


class GRUCell(RNNCellBase):
    """One GRU step (blocks r|z|n)::

        r = σ(W_ir x + b_ir + W_hr h + b_hr);  z = σ(W_iz x + b_iz + W_hz h + b_hz)
        n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn));  h' = (1 − z) ⊙ n + z ⊙ h
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: Optional[Tensor] = None) -> Tensor:
        _cell_input("GRUCell", input, hx)
        return self._single_state(_gru_step, input, hx)


class LSTMCell(RNNCellBase):
    """One LSTM step (blocks i|f|g|o): i, f, g, o = σ, σ, tanh, σ of x W_ihᵀ + b_ih + h W_hhᵀ + b_hh;
    c' = f ⊙ c + i ⊙ g;  h' = o ⊙ tanh(c'). Returns (h', c')."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: Optional[tuple[Tensor, Tensor]] = None) -> tuple[Tensor, Tensor]:
        if input.dim() not in (1, 2):
            raise ValueError(f"LSTMCell: Expected input to be 1D or 2D, got {input.dim()}D instead")
        if hx is not None:
            for idx, value in enumerate(hx):
                if value.dim() not in (1, 2):
                    raise ValueError(f"LSTMCell: Expected hx[{idx}] to be 1D or 2D, got {value.dim()}D instead")
        is_batched = input.dim() == 2
        if not is_batched:
            input = input.unsqueeze(0)
        if hx is None:
            zeros = _creation.zeros(input.size(0), self.hidden_size, dtype=input.dtype, device=input.device)
            hx = (zeros, zeros)
        elif not is_batched:
            hx = (hx[0].unsqueeze(0), hx[1].unsqueeze(0))
        elif isinstance(hx, Tensor):
            raise TypeError("lstm_cell(): argument 'hx' (position 2) must be tuple of Tensors, not Tensor")
        if len(hx) != 2:
            raise RuntimeError("lstm_cell expects two hidden states")
        h, c = self._step(_lstm_step, input, tuple(hx))
        return (h, c) if is_batched else (h.squeeze(0), c.squeeze(0))
