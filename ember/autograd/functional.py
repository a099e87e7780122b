"""``ember.autograd.functional``: Jacobians and vector-Jacobian products of a function, built on ``autograd.grad``.

    vjp(f, x, v) = v^T J,  J[j, k] = d f(x)_j / d x_k          (one backward pass)
    jacobian(f, x)[j..., k...] = d f(x)_j / d x_k              (one backward pass per output element)

The function runs on detached copies of the inputs that require grad, so the caller's tensors gain no history.
Hessians, Hessian-vector products and jvp need a differentiable backward (create_graph=True), which ember does not
have: they raise and say so.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

__all__ = ["vjp", "jacobian", "jvp", "hessian", "hvp", "vhp"]


def _as_tuple(name: str, arg: str, x) -> tuple[bool, tuple]:
    from .._tensor import Tensor
    if isinstance(x, Tensor):
        return False, (x,)
    if not isinstance(x, tuple) or not all(isinstance(t, Tensor) for t in x):
        raise TypeError(f"The {arg} given to {name} must be either a Tensor or a tuple of Tensors but the value at "
                        f"index 0 has type {type(x[0] if isinstance(x, (tuple, list)) and x else x).__name__}.")
    return True, x


def _prepared(inputs: tuple) -> tuple:
    return tuple(t.detach().requires_grad_(True) for t in inputs)


def _no_create_graph(name: str, create_graph: bool) -> None:
    if create_graph:
        raise NotImplementedError(f"{name}(create_graph=True) needs double backward, which ember does not support "
                                  "yet")


def vjp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), v^T J)``, each with the tuple-ness of what the caller gave."""
    from .._tensor import Tensor
    from . import grad
    _no_create_graph("vjp", create_graph)
    in_tuple, inputs = _as_tuple("vjp", "inputs", inputs)
    inputs = _prepared(inputs)
    out = func(*inputs)
    out_tuple, outs = _as_tuple("vjp", "outputs of the user-provided function", out)
    if v is None:
        if out_tuple or outs[0].numel() != 1:
            raise RuntimeError("The vector v can only be None if the user-provided function returns a single "
                               "Tensor with a single element.")
        vs = (Tensor._make(np.ones(outs[0]._data.shape, outs[0]._data.dtype)),)
    else:
        _, vs = _as_tuple("vjp", "v", v)
        if len(vs) != len(outs):
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(outs)} but got {len(vs)}.")
        for i, (vi, oi) in enumerate(zip(vs, outs)):
            if vi.shape != oi.shape:
                raise RuntimeError(f"Entry {i} in v has invalid size: should be {oi.shape} but got {vi.shape}.")
    pairs = [(o, g) for o, g in zip(outs, vs) if o.requires_grad]
    grads = grad([o for o, _ in pairs], inputs, [g for _, g in pairs], allow_unused=True) if pairs else \
        (None,) * len(inputs)
    res = tuple(Tensor._make(np.zeros(x._data.shape, x._data.dtype)) if g is None else g
                for x, g in zip(inputs, grads))
    outs = tuple(o.detach() for o in outs)
    return (outs if out_tuple else outs[0]), (res if in_tuple else res[0])


def jacobian(func: Callable, inputs: Any, create_graph: bool = False, strict: bool = False,
             vectorize: bool = False, strategy: str = "reverse-mode"):
    """d func(inputs) / d inputs, shaped output.shape + input.shape per (output, input) pair; nested as torch
    nests it: a Tensor for one input and one output, else tuples (outputs outer, inputs inner)."""
    from .._tensor import Tensor
    from . import grad
    if strategy not in ("forward-mode", "reverse-mode"):
        raise ValueError('Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your '
                         'function has more outputs than inputs, "forward-mode" tends to be more performant. '
                         'Otherwise, prefer to use "reverse-mode".')
    if strategy == "forward-mode":
        raise NotImplementedError("jacobian(strategy='forward-mode') needs forward-mode AD, which ember does not "
                                  "have; the default 'reverse-mode' gives the same Jacobian")
    _no_create_graph("jacobian", create_graph)
    in_tuple, inputs = _as_tuple("jacobian", "inputs", inputs)
    inputs = _prepared(inputs)
    out = func(*inputs)
    out_tuple, outs = _as_tuple("jacobian", "outputs of the user-provided function", out)
    table = []
    for o in outs:
        rows = [np.zeros((o._data.size, x._data.size), x._data.dtype) for x in inputs]
        if o.requires_grad:
            for j in range(o._data.size):
                onehot = np.zeros(o._data.size, o._data.dtype)
                onehot[j] = 1
                gs = grad(o, inputs, Tensor._make(onehot.reshape(o._data.shape)), retain_graph=True,
                          allow_unused=True)
                for r, g in zip(rows, gs):
                    if g is not None:
                        r[j] = g._data.reshape(-1)
        table.append(tuple(Tensor._make(r.reshape(o._data.shape + x._data.shape)) for r, x in zip(rows, inputs)))
    per_out = [row if in_tuple else row[0] for row in table]
    return tuple(per_out) if out_tuple else per_out[0]


def _needs_double_backward(name: str):
    def fn(*args, **kwargs):
        raise NotImplementedError(f"{name} needs a differentiable backward (double backward, create_graph=True), "
                                  "which ember does not support yet")
    fn.__name__ = name
    fn.__doc__ = f"Not available in ember: {name} needs double backward."
    return fn


jvp = _needs_double_backward("jvp")
hessian = _needs_double_backward("hessian")
hvp = _needs_double_backward("hvp")
vhp = _needs_double_backward("vhp")
