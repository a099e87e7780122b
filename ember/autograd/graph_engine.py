"""The backward engine for ``create_graph=True``: grads are Tensors, and computing them is itself recorded.

The walk is ``engine.run_backward``'s (same dependency counts, same largest-sequence-first order, same order of
additions into each input buffer), with grad mode on, so each grad that depends on something requiring grad gets a
``grad_fn`` of its own and can be differentiated again (Hessians, gradient penalties, PINN residuals, MAML).

Each built-in op says how to compute its backward with Tensor ops in ``differentiable_backward(ctx, *grads)`` (next
to its ndarray ``backward``); it reads its saved inputs and outputs back as Tensors with ``saved_input`` /
``saved_output``, which give them the autograd identity they had in the forward graph (the input's grad_fn or leaf,
the node's own output), as torch's SavedVariable does when unpacked. An op without one still gives first-order grads
under ``create_graph=True``; differentiating through those grads raises (``_NoDoubleBackward``), never returns a
silently wrong second derivative. Custom ``Function``s run their backward with grad mode on, as in torch.
"""
from __future__ import annotations

import numpy as np

from .function import Function
from .graph import Node, _SAVED_FREED
from .grad_mode import state as _grad_state

__all__ = ["run_backward_graph", "saved_input", "saved_output", "sum_to"]


def _tensor():
    from .._tensor import Tensor
    return Tensor


# --- reading a node's saved values back as graph Tensors -----------------------------------------------------

def saved_input(ctx, i: int, arr: np.ndarray, dtype: np.dtype | None = None):
    """Input ``i`` of ``ctx``'s forward as a Tensor whose data is ``arr`` (what forward saved of it) and whose grads
    flow where that input's did. ``dtype``: the input's own dtype when forward saved it promoted (the cast back is
    exact, and recorded, so the grad reaches the input in its dtype)."""
    Tensor = _tensor()
    if not isinstance(arr, np.ndarray):
        return arr  # a number operand
    src, nr = ctx._next[i] if i < len(ctx._next) else (None, 0)
    if src is None:
        return Tensor._make(arr)
    if dtype is not None and arr.dtype != dtype:
        return saved_input(ctx, i, arr.astype(dtype)).to(_dtype_of(arr.dtype))
    if isinstance(src, Node):
        return Tensor._make(arr, True, src, nr)
    # a leaf: the tensor itself (arr holds its values, possibly promoted or made contiguous)
    return src if arr.dtype == src._data.dtype else src.to(_dtype_of(arr.dtype))


def saved_output(ctx, nr: int, arr: np.ndarray):
    """Output ``nr`` of ``ctx`` (saved by its forward) as a Tensor produced by ``ctx`` itself."""
    return _tensor()._make(arr, True, ctx, nr)


def _dtype_of(np_dtype):
    from .._tensor import _NP_TO_DTYPE
    return _NP_TO_DTYPE[np.dtype(np_dtype)]


def sum_to(g, shape: tuple):
    """``g`` summed down to ``shape`` (undoing a broadcast), with Tensor ops."""
    if tuple(g.shape) == tuple(shape):
        return g
    lead = g.dim() - len(shape)
    if lead:
        g = g.sum(dim=tuple(range(lead)))
    dims = tuple(d for d, n in enumerate(shape) if n == 1 and g.shape[d] != 1)
    if dims:
        g = g.sum(dim=dims, keepdim=True)
    return g


# --- ops that have no differentiable backward ----------------------------------------------------------------

class _NoDoubleBackward(Function):
    """The grad_fn of a grad computed by an op without ``differentiable_backward``: differentiating it raises."""

    @staticmethod
    def forward(ctx, name, value, *inputs):
        ctx.op = name
        return value

    @staticmethod
    def backward(ctx, g):
        raise NotImplementedError(
            f"ember cannot differentiate {ctx.op} twice: its backward is not differentiable yet (double backward, "
            "create_graph=True, works through most elementwise, reduction, shape, matmul and loss ops)")


def _first_order(node, grads: list) -> tuple:
    """The node's ndarray backward on Tensor grads; grads that could depend on something requiring grad carry a
    ``_NoDoubleBackward`` node."""
    Tensor = _tensor()
    arrays = [None if g is None else g._data for g in grads]
    out = node._fn.backward(node, *arrays)
    if type(out) is not tuple:
        out = (out,)
    sources = [g for g in grads if g is not None and g._requires_grad]
    for src, nr in node._next:
        if src is not None and nr >= 0:
            # a stand-in Tensor for each input (only its edge matters: the node raises before any grad flows)
            sources.append(Tensor._make(np.zeros(()), True, src, nr) if isinstance(src, Node) else src)
    result = []
    for a in out:
        if a is None:
            result.append(None)
        elif sources:
            result.append(_NoDoubleBackward.apply(node.name(), Tensor._make(a), *sources))
        else:
            result.append(Tensor._make(a))
    return tuple(result)


# --- running one node --------------------------------------------------------------------------------------

def _hooked(hooks: dict, grad):
    Tensor = _tensor()
    for hook in list(hooks.values()):
        res = hook(grad)
        if res is not None:
            if not isinstance(res, Tensor):
                raise TypeError(f"expected Variable, but hook returned '{type(res).__name__}'")
            grad = res
    return grad


def _hook_result(hook, res, expected: int) -> list:
    from .graph import _hook_grads
    _hook_grads(hook, res, expected)  # torch's checks and messages
    return list(res)


def _custom_backward(node, grads: list) -> tuple:
    """A custom Function's backward, on Tensors, recorded (grad mode stays on)."""
    Tensor = _tensor()
    targs = []
    for g, (shape, np_dtype) in zip(grads, node._out_meta):
        if g is None and node.materialize_grads:
            g = Tensor._make(np.zeros(shape, np_dtype))
        targs.append(g)
    out = node._fn.backward(node, *targs)
    if type(out) is not tuple:
        out = (out,)
    n_in = len(node.needs_input_grad)
    if len(out) < n_in:
        raise RuntimeError(f"function {node.name()} returned an incorrect number of gradients (expected {n_in}, "
                           f"got {len(out)})")
    res = []
    for g, needed in zip(out[:n_in], node.needs_input_grad):
        if g is None or not needed:
            res.append(None)
        elif isinstance(g, Tensor):
            res.append(g)
        else:
            raise TypeError("expected Tensor or None as the gradient of a differentiable input")
    return tuple(res)


def _run_node(node, grads: list) -> tuple:
    if node._released:
        raise RuntimeError(_SAVED_FREED)
    if node._tensor_pre_hooks:
        for nr, hooks in node._tensor_pre_hooks.items():
            if grads[nr] is not None:
                grads[nr] = _hooked(hooks, grads[nr])
    if node._retains:
        for nr, ref in node._retains.items():
            t = ref()
            if t is not None and grads[nr] is not None:
                t._grad = grads[nr] if t._grad is None else t._grad + grads[nr]
    if node._pre_hooks:
        for hook in list(node._pre_hooks.values()):
            res = hook(tuple(grads))
            if res is not None:
                grads = _hook_result(hook, res, len(grads))
    fn = node._fn
    if not fn._ndarray_io:
        out = _custom_backward(node, grads)
    elif getattr(fn, "differentiable_backward", None) is not None:
        node.saved_tensors  # noqa: B018  (the version check of the saved values, as the ndarray backward does)
        out = fn.differentiable_backward(node, *grads)
        if out is NotImplemented:  # a case the formula does not cover: first-order grads only
            out = _first_order(node, grads)
        elif type(out) is not tuple:
            out = (out,)
    else:
        out = _first_order(node, grads)
    if node._post_hooks:
        slots = [i for i, (_, nr) in enumerate(node._next) if nr >= 0]
        for hook in list(node._post_hooks.values()):
            res = hook(tuple(out[i] if i < len(out) else None for i in slots), tuple(grads))
            if res is not None:
                new = list(out) + [None] * (len(node._next) - len(out))
                for i, g in zip(slots, _hook_result(hook, res, len(slots))):
                    new[i] = g
                out = tuple(new)
    return out


# --- leaves ---------------------------------------------------------------------------------------------------

class _CopyGrad(Function):
    """How a leaf's first grad is stored when the graph is kept: a copy (torch: CopyBackwards)."""

    _backward_name = "torch::autograd::CopyBackwards"

    @staticmethod
    def forward(ctx, g):
        return g.clone()

    @staticmethod
    def backward(ctx, g):
        return g


def _accumulate(t, grad) -> None:
    """AccumulateGrad with grad mode on: the first grad is copied (keeping its graph), later ones added."""
    if grad.dtype != t.dtype:
        grad = grad.to(t.dtype)
    if tuple(grad.shape) != tuple(t.shape):
        grad = grad.expand(t.shape)
    cur = t._grad
    if cur is None:
        t._grad = _CopyGrad.apply(grad) if grad._requires_grad else grad.clone()
    else:
        t._grad = cur + grad


def _leaf(t, grad, capture: dict | None, accumulate: bool) -> None:
    if capture is not None:
        slot = capture.get((id(t), 0))
        if slot is not None:
            slot.append(_hooked(t._hooks, grad) if t._hooks and grad is not None else grad)
            return
    if not accumulate or grad is None:
        return
    if t._hooks:
        grad = _hooked(t._hooks, grad)
    _accumulate(t, grad)
    acc = t._acc() if t._acc is not None else None
    if acc is not None and acc._post_hooks:
        for hook in list(acc._post_hooks.values()):
            hook((), (t.grad,))


def _capture(node, grads: list, capture: dict) -> None:
    key = id(node)
    for i, g in enumerate(grads):
        slot = capture.get((key, i))
        if slot is not None:
            hooks = node._tensor_pre_hooks
            if hooks and i in hooks and g is not None:
                g = _hooked(hooks[i], g)
            slot.append(g)


# --- the walk -------------------------------------------------------------------------------------------------

def run_backward_graph(roots: list, retain_graph: bool, capture: dict | None = None, accumulate: bool = True) -> None:
    """``engine.run_backward`` with Tensor grads (``roots``: (node or leaf, output_nr, grad Tensor) triples),
    recording the backward computation: the same walk (engine.walk), with grad mode on and Tensor-level steps."""
    from .engine import walk
    prev = _grad_state.enabled
    _grad_state.enabled = True
    try:
        walk(roots, retain_graph, capture, accumulate, _run_node, _leaf, _capture)
    finally:
        _grad_state.enabled = prev


# --- helpers for the ops' differentiable_backward -------------------------------------------------------------

def reduce_grad(g, meta: tuple):
    """``g`` summed to an input's shape and cast to its dtype (``meta`` = (shape, np dtype)): what a broadcasting
    op's backward does to each operand's grad."""
    shape, dtype = meta
    g = sum_to(g, shape)
    return g if g._data.dtype == dtype else g.to(_dtype_of(dtype))


def expand_back(g, shape: tuple, axes, keepdim: bool):
    """A reduction's grad ``g`` broadcast back over the reduced ``axes`` of an input of ``shape``."""
    if axes is not None and not keepdim and len(shape):
        for d in sorted(a % len(shape) for a in axes):
            g = g.unsqueeze(d)
    return g.expand(shape) if tuple(g.shape) != tuple(shape) else g


class _KnownDerivative(Function):
    """f'(x) as computed by an op's own kernel, as a Tensor whose derivative is ``second(x)`` (Tensor ops): an
    elementwise op's backward ``g * f'(x)`` then keeps its first-order values and is differentiable in x too."""

    @staticmethod
    def forward(ctx, x, values, second):
        ctx.save_for_backward(x)
        ctx.second = second
        return _tensor()._make(values)

    @staticmethod
    def backward(ctx, gg):
        (x,) = ctx.saved_tensors
        return gg * ctx.second(x), None, None


def elementwise_backward(ctx, g, second, n_args: int = 1):
    """``g * f'(x)`` for an elementwise op (input 0 saved first) whose ndarray ``backward(ctx, g)`` computes it:
    f'(x) from that kernel at g = 1, its own derivative from ``second(x)``. Returns one grad per forward argument."""
    x = ctx.saved_tensors[0]
    d = ctx._fn.backward(ctx, np.ones(x.shape, g._data.dtype))
    d = d[0] if type(d) is tuple else d
    grad = g * _KnownDerivative.apply(saved_input(ctx, 0, x), np.asarray(d), second)
    return (grad,) + (None,) * (n_args - 1) if n_args > 1 else grad


def constant_mask(g, mask: np.ndarray):
    """``g`` where ``mask`` holds, else 0 (a piecewise-linear op's backward: its derivative in x is 0). A select,
    not a product: a nan or inf of g outside the mask becomes 0, as torch's zero-fills and where()s give."""
    return _Keep.apply(g, np.asarray(mask, bool))


class _Keep(Function):
    """g where a constant mask holds, else 0; its own grad is the same selection of the incoming grad."""

    @staticmethod
    def forward(ctx, g, mask):
        ctx.mask = mask
        return _tensor()._make(np.where(mask, g._data, g._data.dtype.type(0)))

    @staticmethod
    def backward(ctx, gg):
        return _Keep.apply(gg, ctx.mask), None


def constant(arr: np.ndarray):
    """``arr`` as a Tensor outside any graph (a grad that is the same whatever the inputs, e.g. zeros)."""
    return _tensor()._make(arr)


def cast_grad(g, np_dtype):
    """``g`` cast (recorded) to an input's NumPy dtype, if it differs."""
    return g if g._data.dtype == np_dtype else g.to(_dtype_of(np_dtype))


def masked_backward(ctx, g):
    """The grads of an op whose ndarray backward only selects (or halves) entries of ``g`` per input, with no
    broadcasting: g times the per-input coefficients that backward gives at g = 1 (constants, as the masks of
    clamp/max/min are). ``NotImplemented`` (first-order grads only) when an input was broadcast."""
    coefs = ctx._fn.backward(ctx, np.ones(g.shape, g._data.dtype))
    coefs = coefs if type(coefs) is tuple else (coefs,)
    if any(c is not None and np.shape(c) != tuple(g.shape) for c in coefs):
        return NotImplemented
    return tuple(None if c is None else g * constant(np.asarray(c)) for c in coefs)


def put_back(g, shape: tuple, positions: np.ndarray):
    """The grad of a read of ``positions`` (flat indices into an input of ``shape``, one per element of ``g``):
    zeros with ``g`` added at those places (index_add, whose own grad is the read again)."""
    flat = constant(np.zeros(int(np.prod(shape, dtype=np.int64)), g._data.dtype))
    return flat.index_add(0, constant(np.asarray(positions, np.int64).reshape(-1)), g.reshape(-1)).reshape(shape)


class _LinearGrad(Function):
    """``node``'s ndarray backward for an op linear in its input ``i``: g -> J^T g. Its derivative in g is J itself,
    i.e. the op applied again (``forward``, Tensor ops, recorded) to the incoming grad."""

    @staticmethod
    def forward(ctx, g, node, i, forward):
        ctx.op = forward
        out = node._fn.backward(node, g._data)
        return _tensor()._make(np.asarray(out[i] if type(out) is tuple else out))

    @staticmethod
    def backward(ctx, gg):
        return ctx.op(gg), None, None, None


def linear_backward(ctx, g, forward, i: int = 0, n_args: int = 1):
    """The grads of an op linear in input ``i`` (the others get None): its ndarray backward, made differentiable by
    ``forward(t)``, which applies the op (same parameters) to a Tensor ``t``."""
    grad = _LinearGrad.apply(g, ctx, i, forward)
    return grad if n_args == 1 else tuple(grad if k == i else None for k in range(n_args))
