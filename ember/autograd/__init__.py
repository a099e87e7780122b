"""``ember.autograd``: reverse-mode differentiation with torch's API."""
from __future__ import annotations

import warnings

import numpy as np

from . import grad_mode  # noqa: F401  (ember.autograd.grad_mode, as torch.autograd.grad_mode)
from .engine import ones_like, run_backward
from .graph_engine import run_backward_graph
from .function import Function, FunctionCtx, once_differentiable
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .graph import Node
from .variable import Variable
from .gradcheck import gradcheck, gradgradcheck
from . import functional

__all__ = ["backward", "grad", "Function", "FunctionCtx", "once_differentiable", "no_grad", "enable_grad",
           "set_grad_enabled", "inference_mode", "is_grad_enabled", "Node", "set_detect_anomaly", "detect_anomaly",
           "Variable", "gradcheck", "gradgradcheck", "functional"]


def _as_tuple(x) -> tuple:
    if x is None:
        return ()
    from .._tensor import Tensor
    if isinstance(x, Tensor):
        return (x,)
    return tuple(x)


def _make_roots(outputs, grad_outputs, as_tensors: bool = False) -> list:
    """(node or leaf, output_nr, grad) per output; grads as ndarrays, or as Tensors (``as_tensors``, for
    create_graph=True: a grad_output that requires grad stays in the graph)."""
    from .._tensor import Tensor
    roots = []
    if len(grad_outputs) != len(outputs):
        raise RuntimeError("grad can be implicitly created only for scalar outputs" if not grad_outputs else
                           f"Mismatch in number of grad_outputs: {len(grad_outputs)} vs {len(outputs)}")
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if not out._requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
        if g is None:
            if out._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if out._data.dtype.kind not in "fc":
                raise RuntimeError(f"grad can be computed only for real floating point outputs but got {out.dtype}")
            garr = ones_like(out._data)
        else:
            if not isinstance(g, Tensor):
                g = Tensor._make(np.asarray(g, dtype=out._data.dtype))
            if g._data.shape != out._data.shape:
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[{i}] has a shape of torch.Size([{', '.join(map(str, g._data.shape))}]) "
                    f"and output[{i}] has a shape of torch.Size([{', '.join(map(str, out._data.shape))}])."
                )
            garr = g._data
        if as_tensors:
            garr = g if g is not None else Tensor._make(garr)
        if out.grad_fn is None:
            roots.append((out, 0, garr))  # a leaf root: the engine accumulates into it directly
        else:
            roots.append((out.grad_fn, out._output_nr, garr))
    return roots


def backward(tensors, grad_tensors=None, retain_graph: bool | None = None, create_graph: bool = False,
             grad_variables=None, inputs=None) -> None:
    """Accumulate d(tensors)/d(leaf) into each leaf's ``.grad``."""
    outputs = _as_tuple(tensors)
    grads = _as_tuple(grad_tensors) if grad_tensors is not None else (None,) * len(outputs)
    if retain_graph is None:
        retain_graph = create_graph
    roots = _make_roots(outputs, grads, as_tensors=create_graph)
    global _warned_cycle
    if create_graph and not _warned_cycle:
        _warned_cycle = True  # torch warns once per process (TORCH_WARN_ONCE)
        warnings.warn(_CYCLE_WARNING, UserWarning, stacklevel=3)
    if inputs is not None:
        inputs = _as_tuple(inputs)
        if not inputs:
            raise RuntimeError("'inputs' argument to backward() cannot be empty.")
        capture = {_node_of(t): [] for t in inputs}
        _run(roots, retain_graph, create_graph, capture=capture, accumulate=False)
        for t in inputs:
            got = [g for g in capture[_node_of(t)] if g is not None]
            if got:
                total = got[0]
                for g in got[1:]:
                    total = total + g
                if create_graph:
                    _accumulate_graph(t, total)
                else:
                    t._accumulate_grad(total) if t.grad_fn is None else t._accumulate_retained(total)
        return
    _run(roots, retain_graph, create_graph)


_warned_cycle = False
_CYCLE_WARNING = (
    "Using backward() with create_graph=True will create a reference cycle between the parameter and its gradient "
    "which can cause a memory leak. We recommend using autograd.grad when creating the graph to avoid this. If you "
    "have to use this function, make sure to reset the .grad fields of your parameters to None after use to break "
    "the cycle and avoid the leak. (Triggered internally at /__w/pytorch/pytorch/torch/csrc/autograd/engine.cpp:1307.)"
)


def _run(roots: list, retain_graph: bool, create_graph: bool, capture: dict | None = None,
         accumulate: bool = True) -> None:
    if create_graph:
        run_backward_graph(roots, retain_graph, capture=capture, accumulate=accumulate)
    else:
        run_backward(roots, retain_graph, capture=capture, accumulate=accumulate)


def _accumulate_graph(t, total) -> None:
    from .graph_engine import _accumulate
    if t.grad_fn is None:
        _accumulate(t, total)
    else:
        t._grad = total if t._grad is None else t._grad + total


def _node_of(t):
    """The engine's key (vertex id, output) for ``t``'s incoming grad: its grad_fn output, or the leaf itself."""
    if t.grad_fn is not None:
        return (id(t.grad_fn), t._output_nr)
    if not t._requires_grad:
        raise RuntimeError("One of the differentiated Tensors does not require grad")
    return (id(t), 0)


def grad(outputs, inputs, grad_outputs=None, retain_graph: bool | None = None, create_graph: bool = False,
         only_inputs: bool = True, allow_unused: bool | None = None, is_grads_batched: bool = False,
         materialize_grads: bool = False):
    """Return d(outputs)/d(inputs) without touching any ``.grad``."""
    from .._tensor import Tensor
    outputs = _as_tuple(outputs)
    inputs_t = _as_tuple(inputs)
    grads = _as_tuple(grad_outputs) if grad_outputs is not None else (None,) * len(outputs)
    if allow_unused is None:
        allow_unused = materialize_grads
    if retain_graph is None:
        retain_graph = create_graph
    if not inputs_t:
        raise RuntimeError("`inputs` argument to `grad()` cannot be empty.")
    for t in inputs_t:
        if not isinstance(t, Tensor):
            raise TypeError("grad(): inputs must be Tensors")
    keys = [_node_of(t) for t in inputs_t]
    capture = {k: [] for k in keys}
    roots = _make_roots(outputs, grads, as_tensors=create_graph)
    _run(roots, retain_graph, create_graph, capture=capture, accumulate=False)
    result = []
    for i, (t, k) in enumerate(zip(inputs_t, keys)):
        got = [g for g in capture[k] if g is not None]
        if not got:
            if not allow_unused:
                raise RuntimeError(
                    f"The differentiated Tensor at index {i} appears to not have been used in the graph. "
                    "Set allow_unused=True if this is the desired behavior."
                )
            result.append(Tensor._make(np.zeros(t._data.shape, t._data.dtype)) if materialize_grads else None)
            continue
        total = got[0]
        for g in got[1:]:
            total = total + g
        if create_graph:
            result.append(total if total.dtype == t.dtype else total.to(t.dtype))
            continue
        if total.dtype != t._data.dtype:
            total = total.astype(t._data.dtype)
        result.append(Tensor._make(total))
    return tuple(result)


class set_detect_anomaly:
    """Accepted for compatibility; ember's errors already name the failing op."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self.mode = mode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


detect_anomaly = set_detect_anomaly
