"""``Function``: the one way to define a differentiable operation.

A subclass gives ``forward(ctx, *args)`` and ``backward(ctx, *grad_outputs)``.
``apply`` runs forward with recording off, wraps the outputs and, when grad mode
is on and an input requires grad, makes ``ctx`` (an instance of the generated
``<Name>Backward`` node class) the outputs' ``grad_fn``.

ember's built-in ops subclass ``_NumpyFunction``: their forward and backward see
``np.ndarray``s instead of Tensors, which keeps them short and fast (and, as with
torch's ``@once_differentiable``, rules out double backward).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .graph import Node, _SAVED_FREED, _apply_tensor_hooks, _hook_grads, _sequence
from .grad_mode import state as _grad_state

__all__ = ["Function", "FunctionCtx", "once_differentiable"]

_next_seq = _sequence.__next__


class FunctionCtx:
    """Marker base for ``ctx`` objects (torch.autograd.function.FunctionCtx)."""


class BackwardNode(Node, FunctionCtx):
    """A Function's node: its ctx during forward and its grad_fn afterwards."""

    _fn: type  # the Function subclass this node belongs to
    _dirty = ()
    _non_differentiable = ()
    materialize_grads = True

    # --- the ctx API seen by forward/backward -----------------------------
    def save_for_backward(self, *tensors) -> None:
        self._saved = tensors

    @property
    def saved_tensors(self) -> tuple:
        if self._released:
            raise RuntimeError(_SAVED_FREED)
        for box, version, _, _ in self._versions:
            if box[0] != version:
                self._check_saved()  # raises, with the message (the loop is inlined: every backward reads this)
        saved = self._saved
        return saved if saved is not None else ()

    def mark_dirty(self, *tensors) -> None:
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors) -> None:
        self._non_differentiable = tensors

    def set_materialize_grads(self, value: bool) -> None:
        self.materialize_grads = value

    # --- engine side --------------------------------------------------------
    def apply(self, *grads):
        """Call backward directly (torch's ``grad_fn.apply``)."""
        return self._fn.backward(self, *grads)

    def _run(self, grads: list) -> tuple:
        if self._released:
            raise RuntimeError(_SAVED_FREED)
        fn = self._fn
        if self._fast:
            out = fn.backward(self, *grads)
            return out if type(out) is tuple else (out,)
        if self._tensor_pre_hooks:
            for nr, hooks in self._tensor_pre_hooks.items():
                if grads[nr] is not None:
                    grads[nr] = _apply_tensor_hooks(hooks, grads[nr])
        if self._retains:
            for nr, ref in self._retains.items():
                t = ref()
                if t is not None and grads[nr] is not None:
                    t._accumulate_retained(grads[nr])
        if self._pre_hooks:
            for hook in list(self._pre_hooks.values()):
                res = hook(tuple(_to_tensor_or_none(g) for g in grads))
                if res is not None:
                    grads = _hook_grads(hook, res, len(grads))
        if fn._ndarray_io:
            out = fn.backward(self, *grads)
        else:
            out = _run_tensor_backward(self, grads)
        if type(out) is not tuple:
            out = (out,)
        if self._post_hooks:
            # the hook sees one grad per input slot of torch's node (next_functions), not per forward argument
            slots = [i for i, (_, nr) in enumerate(self._next) if nr >= 0]
            for hook in list(self._post_hooks.values()):
                res = hook(tuple(_to_tensor_or_none(out[i]) if i < len(out) else None for i in slots),
                           tuple(_to_tensor_or_none(g) for g in grads))
                if res is not None:
                    new = list(out) + [None] * (len(self._next) - len(out))
                    for i, g in zip(slots, _hook_grads(hook, res, len(slots))):
                        new[i] = g
                    out = tuple(new)
        return out


def _to_tensor_or_none(a):
    return None if a is None else Tensor._make(a)


def _run_tensor_backward(node: BackwardNode, grads: list) -> tuple:
    shapes = node._out_meta
    targs = []
    for g, (shape, np_dtype) in zip(grads, shapes):
        if g is None and node.materialize_grads:
            g = np.zeros(shape, np_dtype)
        targs.append(None if g is None else Tensor._make(g))
    prev = _grad_state.enabled
    _grad_state.enabled = False
    try:
        out = node._fn.backward(node, *targs)
    finally:
        _grad_state.enabled = prev
    if type(out) is not tuple:
        out = (out,)
    n_in = len(node.needs_input_grad)
    if len(out) < n_in:
        raise RuntimeError(f"function {node.name()} returned an incorrect number of gradients (expected {n_in}, got {len(out)})")
    res = []
    for g, needed in zip(out[:n_in], node.needs_input_grad):
        if g is None or not needed:
            res.append(None)
        elif isinstance(g, Tensor):
            res.append(g._data)
        else:
            raise TypeError("expected Tensor or None as the gradient of a differentiable input")
    return tuple(res)


class Function:
    """Base class for differentiable operations, with torch's API (see module doc)."""

    _ndarray_io = False
    _node_cls: type
    _is_view = False  # output 0 aliases input 0 (shares its memory and version counter)

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if "_backward_name" in cls.__dict__:
            name = cls._backward_name
        elif cls._ndarray_io:
            name = f"{cls.__name__}Backward0"
        else:
            name = f"{cls.__name__}Backward"
        # _fast: the engine may call backward directly (ndarray io, no hooks yet)
        cls._node_cls = type(name, (BackwardNode,), {"_fn": cls, "_fast": cls._ndarray_io})
        if getattr(cls, "_holomorphic", False) and "_conj_variant" not in cls.__dict__:
            cls._conj_node_cls = _conjugate_variant(cls)._node_cls

    # An op whose ndarray backward is written as for real numbers, g * f'(z) (mul, log, matmul, ...), sets
    # _holomorphic: for complex outputs it is recorded with a node whose backward conjugates around it, giving
    # torch's convention g * conj(f'(z)) (= conj(f'(z) * conj(g))) without a conj in every formula.
    _holomorphic = False

    @staticmethod
    def forward(ctx: Any, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx: Any, *grad_outputs: Any) -> Any:
        raise NotImplementedError("You must implement either the backward or vjp method for your custom autograd.Function to use it with backward mode AD.")

    vjp = backward

    @classmethod
    def apply(cls, *args, **kwargs):
        ctx = _new(cls._node_cls)
        return _apply_tensor(cls, ctx, args, kwargs)


def _conjugate_variant(cls):
    """``cls`` with backward(g) = conj(cls.backward(conj(g))), recorded under the same node name."""
    forward_backward = cls.backward

    def conj(a):
        return np.conj(a) if isinstance(a, (np.ndarray, np.generic)) and a.dtype.kind == "c" else a

    def backward(ctx, *grads):
        out = forward_backward(ctx, *[conj(g) for g in grads])
        return tuple(conj(o) for o in out) if type(out) is tuple else conj(out)

    return type(cls.__name__, (cls,), {"backward": staticmethod(backward), "_conj_variant": True,
                                       "_backward_name": cls._node_cls.__name__,
                                       "differentiable_backward": None})  # complex double backward: not yet


def _edges_and_needs(args) -> tuple[tuple, tuple, bool]:
    edges = []
    needs = []
    record = False
    for a in args:
        if isinstance(a, Tensor):
            if a._base is not None and a._vc[0] != a._gf_version:
                _refresh_view(a)
            if a._requires_grad:
                fn = a._grad_fn
                edges.append((fn, a._output_nr) if fn is not None else (a, 0))
                needs.append(True)
                record = True
            else:
                edges.append((None, 0))
                needs.append(False)
        else:
            needs.append(False)
            edges.append((None, -1))
    return tuple(edges), tuple(needs), record


def _record_versions(ctx: BackwardNode, args, outputs) -> None:
    """Remember the version of every input/output tensor whose data forward saved.

    Each entry is (version counter, version now, saved array, source): the input Tensor itself,
    or ``_SELF`` for an output of ``ctx``; the error message is only built from these if a check
    ever fails, and names the input's grad_fn *then*, as torch does (a view changed through its
    base reads "AsStrided"). Holding the input is no leak: a cycle through it needs an in-place
    change of a saved input, after which backward raises anyway (and the engine drops _versions).
    """
    saved = ctx._saved
    if len(saved) == 2 and len(args) == 2:
        # the common binary op that saves both of its inputs: no searching
        a, b = args
        if isinstance(a, Tensor) and isinstance(b, Tensor) and saved[0] is a._data and saved[1] is b._data:
            ctx._versions = [(a._vc, a._vc[0], saved[0], a), (b._vc, b._vc[0], saved[1], b)]
            return
    versions = []
    tensors = [t for t in args if isinstance(t, Tensor)]  # once, not once per saved array
    for i, arr in enumerate(saved):
        if isinstance(arr, Tensor):
            arr = arr._data
        if arr is None:
            continue
        for t in tensors:
            if t._data is arr:
                vc = t._vc
                versions.append((vc, vc[0], arr, t))
                break
        else:
            for t in outputs:
                if t._data is arr:
                    versions.append((t._vc, t._vc[0], arr, _SELF))
                    break
            else:
                if isinstance(arr, np.generic):
                    _adopt_scalar_output(ctx, i, arr, outputs, versions)
    ctx._versions = versions


def _adopt_scalar_output(ctx: BackwardNode, i: int, value, outputs, versions: list) -> None:
    """A forward that returns (and saves) a NumPy scalar gets a 0-dim array in its output Tensor, so the saved
    value is no longer that output's memory: save the output's array instead, so that its version is checked
    (torch raises if a saved 0-dim result is changed in place) and backward reads the live values."""
    for t in outputs:
        data = t._data
        if data.ndim == 0 and data.dtype == value.dtype and (data == value or value != value):
            saved = list(ctx._saved)
            saved[i] = data
            ctx._saved = tuple(saved) if isinstance(ctx._saved, tuple) else saved
            versions.append((t._vc, t._vc[0], data, _SELF))
            return


_SELF = object()  # marks "the node itself produced this saved output" without a reference cycle


def _refresh_view(view: Tensor) -> None:
    """Give a view whose memory was changed in place through another alias (its base or a sibling view) the
    base's new history, as torch regenerates a view's grad_fn when the shared version moved on (checked where
    edges are built, so a stale view never feeds an op)."""
    from .._ops._inplace import refresh_view
    refresh_view(view)


def _apply_ndarray(cls, args, kwargs):
    """The built-in ops' path: unwrap, run forward on ndarrays, wrap (kept lean: it runs for every op)."""
    arrays = []
    needs = []
    edges = []
    record = False
    for a in args:
        if isinstance(a, Tensor):
            if a._base is not None and a._vc[0] != a._gf_version:
                _refresh_view(a)
            arrays.append(a._data)
            if a._requires_grad:
                needs.append(True)
                fn = a._grad_fn
                # a leaf's edge names the tensor itself (no AccumulateGrad object per op; see engine.py)
                edges.append((fn, a._output_nr) if fn is not None else (a, 0))
                record = True
            else:
                needs.append(False)
                edges.append(_NO_EDGE)
        else:
            arrays.append(a)
            needs.append(False)
            edges.append(_NON_TENSOR)
    if cls._edge_rules is not None:
        edges = _ruled_edges(cls._edge_rules, args, edges)
    ctx = _new(cls._node_cls)
    ctx.needs_input_grad = tuple(needs)
    # forward sees only ndarrays, so it cannot record anything: no need to switch grad mode off
    out = cls.forward(ctx, *arrays, **kwargs)
    record = record and _grad_state.enabled
    if type(out) is tuple:
        return _wrap_outputs(cls, ctx, args, out, record, edges)
    if record and (type(out) is not np.ndarray or out.dtype.kind in "fc"):
        if cls._holomorphic and type(out) is np.ndarray and out.dtype.kind == "c":
            ctx.__class__ = cls._conj_node_cls
        ctx._next = tuple(edges)
        ctx._seq = _next_seq()
        t = _make(out, True, ctx, 0)
        if ctx._saved:
            _record_versions(ctx, args, (t,))
    else:
        t = _make(out)
    if cls._is_view:
        base = args[0]
        t._vc = base._vc
        t._base = base if base._base is None else base._base
        t._gf_version = base._vc[0]
    return t


_NO_EDGE = (None, 0)
# one edge per forward argument keeps backward's i-th grad on the i-th edge; a
# non-tensor argument's edge is this marker, which next_functions leaves out
_NON_TENSOR = (None, -1)


def _ruled_edges(rules: tuple, args: tuple, edges: list) -> list:
    """Apply a class's ``_edge_rules = (listed, hidden)`` (argument positions) to its edges, so that
    next_functions lists what torch's node lists: a non-tensor at a ``listed`` position is a tensor slot of
    torch's node all the same (listed as ``(None, 0)``: layer_norm's absent weight, where's scalar other),
    and a tensor at a ``hidden`` position is not a differentiable input of torch's node (where's condition)."""
    listed, hidden = rules
    for i in listed:
        if i < len(args) and not isinstance(args[i], Tensor):
            edges[i] = _NO_EDGE
    for i in hidden:
        if i < len(args):
            edges[i] = _NON_TENSOR
    return edges


def _apply2(cls, a, b):
    """``_apply_ndarray`` unrolled for the commonest call, a binary op (same semantics).

    Everything per call is inlined (edges, the output Tensor, the version record of a forward that
    saved both inputs): at a few microseconds per small op, each Python call saved is measurable.
    """
    if isinstance(a, Tensor):
        if a._base is not None and a._vc[0] != a._gf_version:
            _refresh_view(a)
        ad = a._data
        arg = a._requires_grad
    else:
        ad = a
        arg = False
    if isinstance(b, Tensor):
        if b._base is not None and b._vc[0] != b._gf_version:
            _refresh_view(b)
        bd = b._data
        brg = b._requires_grad
        bt = True
    else:
        bd = b
        brg = bt = False
    ctx = _new(cls._node_cls)
    ctx.needs_input_grad = (arg, brg)
    out = cls.forward(ctx, ad, bd)
    if type(out) is not np.ndarray:
        if type(out) is tuple:
            return _wrap_outputs(
                cls, ctx, (a, b), out, (arg or brg) and _grad_state.enabled, _edge_list((a, b)))
        out = np.asarray(out)
        # a NumPy scalar result is recorded whatever its dtype (as before this fast path was inlined)
        diff = True
    else:
        diff = out.dtype.kind in "fc"
    t = _new(Tensor)
    t._data = out
    t._output_nr = 0
    t._vc = [0]
    if (arg or brg) and diff and _grad_state.enabled:
        if cls._holomorphic and out.dtype.kind == "c":
            ctx.__class__ = cls._conj_node_cls
        if arg:
            fn = a._grad_fn
            ea = (fn, a._output_nr) if fn is not None else (a, 0)
        else:
            ea = _NO_EDGE
        if brg:
            fn = b._grad_fn
            ctx._next = (ea, (fn, b._output_nr) if fn is not None else (b, 0))
        else:
            ctx._next = (ea, _NO_EDGE if bt or cls._scalar_edge else _NON_TENSOR)
        ctx._seq = _next_seq()
        t._requires_grad = True
        t._grad_fn = ctx
        saved = ctx._saved
        if saved:
            if bt and len(saved) == 2 and saved[0] is ad and saved[1] is bd and isinstance(a, Tensor):
                # the common binary op that saves both of its inputs: no searching
                va = a._vc
                vb = b._vc
                ctx._versions = [(va, va[0], ad, a), (vb, vb[0], bd, b)]
            elif len(saved) == 1 and saved[0] is ad and isinstance(a, Tensor):
                va = a._vc  # an op with packed arguments that saves its one tensor input (nll_loss)
                ctx._versions = [(va, va[0], ad, a)]
            elif saved[0] is out and not cls._is_view and not any(
                    type(arr) is not np.ndarray or arr is ad or arr is bd for arr in saved[1:]):
                ctx._versions = [(t._vc, 0, out, _SELF)]  # its result and derived arrays (softmax, exp, ...)
            else:
                _record_versions(ctx, (a, b), (t,))
    else:
        t._requires_grad = False
        t._grad_fn = None
    if cls._is_view:
        t._vc = a._vc
        t._base = a if a._base is None else a._base
        t._gf_version = a._vc[0]
    return t


def _apply1(cls, a):
    """``_apply_ndarray`` unrolled for a unary op (same semantics, inlined as ``_apply2``)."""
    if not isinstance(a, Tensor):
        return _apply_ndarray(cls, (a,), {})
    if a._base is not None and a._vc[0] != a._gf_version:
        _refresh_view(a)
    arg = a._requires_grad
    ctx = _new(cls._node_cls)
    ctx.needs_input_grad = (arg,)
    out = cls.forward(ctx, a._data)
    if type(out) is not np.ndarray:
        if type(out) is tuple:
            return _wrap_outputs(cls, ctx, (a,), out, arg and _grad_state.enabled, _edge_list((a,)))
        out = np.asarray(out)
        diff = True
    else:
        diff = out.dtype.kind in "fc"
    t = _new(Tensor)
    t._data = out
    t._output_nr = 0
    t._vc = [0]
    if arg and diff and _grad_state.enabled:
        if cls._holomorphic and out.dtype.kind == "c":
            ctx.__class__ = cls._conj_node_cls
        fn = a._grad_fn
        ctx._next = ((fn, a._output_nr) if fn is not None else (a, 0),)
        ctx._seq = _next_seq()
        t._requires_grad = True
        t._grad_fn = ctx
        if ctx._saved:
            _record_versions(ctx, (a,), (t,))
    else:
        t._requires_grad = False
        t._grad_fn = None
    if cls._is_view:
        t._vc = a._vc
        t._base = a if a._base is None else a._base
        t._gf_version = a._vc[0]
    return t


def _edge(t) -> tuple:
    """The edge into Tensor ``t`` that requires grad: its grad_fn's output, or the leaf itself."""
    fn = t._grad_fn
    return (fn, t._output_nr) if fn is not None else (t, 0)


def _recorded_node(cls, needs_input_grad: tuple, next_edges: tuple):
    """A recorded node of built-in op ``cls``, for kernels that compute several ops' forwards in one call yet record
    the nodes torch records (the caller sets what the op's forward would have saved and its version records)."""
    ctx = _new(cls._node_cls)
    ctx.needs_input_grad = needs_input_grad
    ctx._next = next_edges
    ctx._seq = _next_seq()
    return ctx


def _edge_list(args) -> list:
    edges = []
    for a in args:
        if isinstance(a, Tensor):
            if a._base is not None and a._vc[0] != a._gf_version:
                _refresh_view(a)
            if a._requires_grad:
                fn = a._grad_fn
                edges.append((fn, a._output_nr) if fn is not None else (a, 0))
            else:
                edges.append(_NO_EDGE)
        else:
            edges.append(_NON_TENSOR)
    return edges


def _wrap_outputs(cls, ctx, args, out: tuple, record: bool, edges: list) -> tuple:
    outs = []
    non_diff = ctx._non_differentiable
    for i, o in enumerate(out):
        diff = record and not any(o is nd for nd in non_diff) and o.dtype.kind in "fc"
        outs.append(_make(o, diff, ctx if diff else None, i))
    if record:
        ctx._next = tuple(edges)
        ctx._seq = _next_seq()
        ctx._num_outputs = len(outs)
        if ctx._saved:
            _record_versions(ctx, args, outs)
    if cls._is_view:
        base = args[0]
        for t in outs:
            t._vc = base._vc
            t._base = base if base._base is None else base._base
            t._gf_version = base._vc[0]
    return tuple(outs)


def _apply_tensor(cls, ctx, args, kwargs):
    ctx._next, ctx.needs_input_grad, record = _edges_and_needs(args)
    record = record and _grad_state.enabled
    prev = _grad_state.enabled
    _grad_state.enabled = False
    try:
        out = cls.forward(ctx, *args, **kwargs)
    finally:
        _grad_state.enabled = prev
    is_tuple = type(out) is tuple
    outs = out if is_tuple else (out,)
    wrapped = []
    dirty = ctx._dirty
    non_diff = ctx._non_differentiable
    for i, o in enumerate(outs):
        if not isinstance(o, Tensor):
            wrapped.append(o)
            continue
        diff = record and o.dtype.is_floating_point and not any(o is nd for nd in non_diff)
        if any(o is d for d in dirty):
            t = o  # modified in place: the input itself takes the new history
            if diff:
                t._grad_fn, t._output_nr, t._requires_grad = ctx, i, True
        else:
            is_input = any(o is a for a in args)
            if is_input or o.grad_fn is not None or o._requires_grad:
                t = Tensor._make(o._data, diff, ctx if diff else None, i)
                t._vc = o._vc
            else:
                t = o
                if diff:
                    t._grad_fn, t._output_nr, t._requires_grad = ctx, i, True
        wrapped.append(t)
    if record:
        ctx._seq = _next_seq()
        ctx._num_outputs = len(wrapped)
        ctx._out_meta = tuple(
            (w._data.shape, w._data.dtype) if isinstance(w, Tensor) else ((), np.float32) for w in wrapped
        )
        if ctx._saved:
            _record_versions(ctx, args, [w for w in wrapped if isinstance(w, Tensor)])
    return tuple(wrapped) if is_tuple else wrapped[0]


class _NumpyFunction(Function):
    """Base of ember's built-in ops: forward/backward take and return ndarrays."""

    _ndarray_io = True
    # (listed, hidden) argument positions for next_functions; see _ruled_edges (only ops with more than two
    # arguments, which take the _apply_ndarray path, may set it)
    _edge_rules: tuple | None = None
    # a binary op whose Python-number second operand torch wraps into a tensor (add, sub, mul, div): its node lists
    # that operand's slot as (None, 0)
    _scalar_edge = False

    @classmethod
    def apply(cls, *args, **kwargs):
        n = len(args)
        if kwargs or n > 2 or n == 0:
            return _apply_ndarray(cls, args, kwargs)
        if n == 2:
            return _apply2(cls, args[0], args[1])
        return _apply1(cls, args[0])


# filled in by ember._tensor once Tensor exists (function.py is imported first)
Tensor = None
_make = None
_new = object.__new__


def _bind_tensor(tensor_cls) -> None:
    global Tensor, _make
    Tensor = tensor_cls
    _make = tensor_cls._make


def once_differentiable(fn):
    """Mark a custom Function's backward as not differentiable: it runs without recording, and when its grads
    would need a graph (create_graph=True with grads that require grad) they get a node that raises if reached."""
    import functools

    @functools.wraps(fn)
    def wrapper(ctx, *args):
        prev = _grad_state.enabled
        _grad_state.enabled = False
        try:
            outputs = fn(ctx, *args)
        finally:
            _grad_state.enabled = prev
        if not prev or not any(isinstance(a, Tensor) and a._requires_grad for a in args):
            return outputs
        sources = [a for a in args if isinstance(a, Tensor) and a._requires_grad]
        wrap = lambda o: _DelayedError.apply(o, *sources) if isinstance(o, Tensor) else o  # noqa: E731
        return tuple(wrap(o) for o in outputs) if isinstance(outputs, tuple) else wrap(outputs)
    return wrapper


class _DelayedError(Function):
    """The grad_fn torch gives the grads of a @once_differentiable backward: reaching it is the error."""

    _backward_name = "torch::autograd::Error"  # torch reports its DelayedError node under this name

    @staticmethod
    def forward(ctx, value, *sources):
        return value.detach()

    @staticmethod
    def backward(ctx, *grads):
        raise RuntimeError("trying to differentiate twice a function that was marked with @once_differentiable")
