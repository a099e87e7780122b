"""In-place ops (``add_``, ``mul_``, ...) and ``out=`` arguments.

An in-place op runs its out-of-place twin and writes the result into the
tensor's own memory (so views and ``from_numpy`` arrays see it). When autograd
records, the twin gets a snapshot of the old values as input and the tensor
takes the twin's ``grad_fn``: its history is rebased onto the new node.
"""
from __future__ import annotations

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.function import _NumpyFunction as _Function
from ..autograd.grad_mode import state as _grad_state
from ..autograd.graph_engine import constant_mask
from .indexing import Take

__all__ = ["inplace", "write_out", "check_inplace", "LEAF_INPLACE"]

LEAF_INPLACE = "a leaf Variable that requires grad is being used in an in-place operation."
_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
          "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool", "complex64": "ComplexFloat",
          "complex128": "ComplexDouble", "bfloat16": "BFloat16"}


def check_inplace(self: Tensor) -> None:
    """torch's checks before modifying ``self`` in place under grad mode."""
    if _grad_state.enabled and self._requires_grad:
        if self.grad_fn is None:
            raise RuntimeError(LEAF_INPLACE)
        base = self._base
        if base is not None and base._requires_grad and base.grad_fn is None:
            raise RuntimeError(
                "a view of a leaf Variable that requires grad is being used in an in-place operation.")


def _castable(src: np.dtype, dst: np.dtype) -> bool:
    order = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}
    return order[src.kind] <= order[dst.kind]


def _check_result(self: Tensor, res: np.ndarray, c_names: bool = False, shape: bool = True) -> None:
    """``shape``: an in-place op's target cannot be resized (torch checks that before the result's cast);
    an out= can, so only its cast is checked."""
    if shape and res.shape != self._data.shape:
        raise RuntimeError(
            f"output with shape [{', '.join(map(str, self._data.shape))}] doesn't match the broadcast shape "
            f"[{', '.join(map(str, res.shape))}]")
    if not _castable(res.dtype, self._data.dtype):
        # most kernels name the output type as ScalarType ("Long"); the clamp family spells the C type ("long int")
        from .._tensor import _C_NAMES
        names = _C_NAMES if c_names else _NAMES
        raise RuntimeError(
            f"result type {_NAMES[D._FROM_NUMPY[res.dtype].name]} can't be cast to the desired output type "
            f"{names[D._FROM_NUMPY[self._data.dtype].name]}")


def check_overlap(arr: np.ndarray) -> None:
    """An expanded view repeats memory; writing a computed result into it is ill-defined, so torch refuses."""
    if arr.size == 0:  # nothing is written (an empty array's zero strides repeat no element)
        return
    for n, st in zip(arr.shape, arr.strides):
        if st == 0 and n > 1:
            raise RuntimeError(
                "unsupported operation: more than one element of the written-to tensor refers to a single memory "
                "location. Please clone() the tensor before performing the operation.")


# the ops whose result takes the promoted (possibly complex) type of their operands
_ARITHMETIC = frozenset(("add", "sub", "mul", "div", "true_divide", "floor_divide", "remainder", "fmod", "pow",
                         "atan2", "hypot", "bitwise_and", "bitwise_or", "bitwise_xor", "clamp", "clamp_min",
                         "clamp_max", "maximum", "minimum", "copysign", "xlogy", "float_power"))


def _complex_into_real(self: Tensor, op, args, c_names: bool) -> None:
    """A complex operand cannot be written into a real tensor: torch says so before the kernel runs (whose own
    complex refusals, e.g. floor division's, would come first here)."""
    if self._data.dtype.kind == "c" or getattr(op, "__name__", "") not in _ARITHMETIC:
        return
    others = [a for a in args if isinstance(a, (Tensor, complex)) or isinstance(a, np.complexfloating)]
    if not any((a._data.dtype.kind == "c") if isinstance(a, Tensor) else True for a in others):
        return
    from .._tensor import _C_NAMES
    if self._data.dtype.kind == "f" and getattr(op, "_c_type_names", False):
        # the clamp kernels read a number bound as a double first: an imaginary part cannot be
        if any(isinstance(o, complex) and o.imag for o in others):
            raise RuntimeError("value cannot be converted to type double without overflow")
        if all(isinstance(o, complex) for o in others):
            return  # (a real-valued complex number bound is read as that double)
    res = D.result_type(self, *others)
    names = _C_NAMES if c_names else _NAMES
    raise RuntimeError(f"result type {_NAMES[res.name]} can't be cast to the desired output type "
                       f"{names[self.dtype.name]}")


def _c_names(op, args, kwargs) -> bool:
    """Whether the op's cast error spells C type names: torch's clamp kernels for a number bound do."""
    if not getattr(op, "_c_type_names", False):
        return False
    return any(isinstance(a, (int, float, complex)) for a in (*args, *kwargs.values()))


def early_checks(self: Tensor, args) -> None:
    """The checks torch makes before an in-place op's own shape and dtype checks: autograd's leaf check, then
    the written-to tensor's memory overlap."""
    if _grad_state.enabled and (self._requires_grad or any(isinstance(a, Tensor) and a._requires_grad for a in args)):
        check_inplace(self)
    check_overlap(self._data)


def inplace(self: Tensor, op, *args, **kwargs) -> Tensor:
    """Apply ``op(self, *args)`` and store the result in ``self``; returns ``self``."""
    recording = _grad_state.enabled and (
        self._requires_grad or any(isinstance(a, Tensor) and a._requires_grad for a in args))
    if recording:
        check_inplace(self)  # autograd's leaf check comes before anything the op itself checks
    check_overlap(self._data)
    c_names = _c_names(op, args, kwargs)
    _complex_into_real(self, op, args, c_names)
    if recording:
        if self._base is not None and (self._base._requires_grad or self._requires_grad):
            return inplace_on_view(self, lambda snap: op(snap, *args, **kwargs))
        # the node must see the old values, which we are about to overwrite
        snap = Tensor._make(self._data.copy(), self._requires_grad, self.grad_fn, self._output_nr)
        res = op(snap, *args, **kwargs)
        _check_result(self, res._data, c_names)
        np.copyto(self._data, res._data, casting="unsafe")
        self._vc[0] += 1
        if res.grad_fn is not None:
            self._grad_fn = res.grad_fn
            self._output_nr = res._output_nr
            self._requires_grad = True
        return self
    prev = _grad_state.enabled
    _grad_state.enabled = False
    try:
        res = op(Tensor._make(self._data), *args, **kwargs)
    finally:
        _grad_state.enabled = prev
    _check_result(self, res._data, c_names)
    np.copyto(self._data, res._data, casting="unsafe")
    self._vc[0] += 1
    return self


# --- in-place through a view (torch's CopySlices) ---------------------------------------

def view_positions(base: np.ndarray, view: np.ndarray) -> np.ndarray:
    """For each element of ``view`` (a NumPy view into ``base``'s memory), its flat index in ``base``."""
    def byte_offsets(arr: np.ndarray) -> np.ndarray:
        off = np.zeros(arr.shape, np.int64)
        for d, (n, st) in enumerate(zip(arr.shape, arr.strides)):
            shape = [1] * arr.ndim
            shape[d] = n
            off = off + (np.arange(n, dtype=np.int64) * st).reshape(shape)
        return off
    start = base.__array_interface__["data"][0]
    voff = byte_offsets(view) + (view.__array_interface__["data"][0] - start)
    if base.flags.c_contiguous:
        return voff // base.itemsize
    boff = byte_offsets(base).reshape(-1)
    order = np.argsort(boff, kind="stable")
    return order[np.searchsorted(boff[order], voff)]


class AsStrided(Take):
    """The view's elements read from the base's flat positions (a ``take``), under torch's name for it."""

    _backward_name = "AsStridedBackward0"


class CopySlices(_Function):
    """The base after writing ``src`` over the view's positions;  dbase = g with those zeroed,  dsrc = g[pos]"""

    _backward_name = "torch::autograd::CopySlices"

    @staticmethod
    def forward(ctx, base, src, pos):
        ctx.pos = pos
        return base  # the caller has already written src into the base's memory; only the node matters

    @staticmethod
    def backward(ctx, g):
        pos = ctx.pos
        g_src = g.reshape(-1)[pos] if ctx.needs_input_grad[1] else None
        g_base = None
        if ctx.needs_input_grad[0]:
            g_base = g.copy()
            g_base.reshape(-1)[pos.reshape(-1)] = 0
        return g_base, g_src, None

    @staticmethod
    def differentiable_backward(ctx, g):
        pos = ctx.pos
        g_src = Take.apply(g, pos) if ctx.needs_input_grad[1] else None
        g_base = None
        if ctx.needs_input_grad[0]:
            keep = np.ones(g._data.size, bool)
            keep[pos.reshape(-1)] = False
            g_base = constant_mask(g, keep.reshape(g.shape))
        return g_base, g_src, None


def inplace_on_view(view: Tensor, compute) -> Tensor:
    """Modify ``view`` in place with ``compute(snapshot) -> new values``, recording it on the base.

    As in torch, the base's history becomes a CopySlices node (old base, new values) and
    the view's becomes a read of the updated base (AsStridedBackward0).
    """
    base = view._base
    pos = view_positions(base._data, view._data)
    old_base = Tensor._make(base._data, base._requires_grad, base.grad_fn, base._output_nr)
    snap = AsStrided.apply(old_base, pos) if base._requires_grad else Tensor._make(view._data.copy())
    res = compute(snap)
    _check_result(view, res._data)
    np.copyto(view._data, res._data, casting="unsafe")
    view._vc[0] += 1
    if not res._requires_grad:
        return view
    updated = CopySlices.apply(old_base, res, pos)
    base._grad_fn, base._output_nr, base._requires_grad = updated.grad_fn, 0, True
    reread = AsStrided.apply(Tensor._make(base._data, True, base.grad_fn, 0), pos)
    view._grad_fn, view._output_nr, view._requires_grad = reread.grad_fn, 0, True
    view._gf_version = view._vc[0]
    return view


def refresh_view(view: Tensor) -> None:
    """``view``'s history after its memory changed through another alias: a read of the base's current values
    (AsStridedBackward0 of the base), or unchanged if the base does not require grad."""
    view._gf_version = view._vc[0]
    base = view._base
    if not base._requires_grad:
        return
    prev = _grad_state.enabled
    _grad_state.enabled = True
    try:
        reread = AsStrided.apply(base, view_positions(base._data, view._data))
    finally:
        _grad_state.enabled = prev
    view._grad_fn, view._output_nr, view._requires_grad = reread.grad_fn, 0, True


def write_out(out: Tensor, result: Tensor) -> Tensor:
    """Implements ``out=``: resize ``out`` if needed, then copy ``result`` into it."""
    if not isinstance(out, Tensor):
        raise TypeError(f"argument 'out' must be Tensor, not {type(out).__name__}")
    check_overlap(out._data)  # out= is written like an in-place op's self
    if _grad_state.enabled and (result._requires_grad or out._requires_grad):
        raise RuntimeError(
            "add(): functions with out=... arguments don't support automatic differentiation, but one of the "
            "arguments requires grad.")
    if not _castable(result._data.dtype, out._data.dtype):
        _check_result(out, result._data, shape=False)
    if out._data.shape != result._data.shape:
        out._data = np.empty(result._data.shape, out._data.dtype)
    np.copyto(out._data, result._data, casting="unsafe")
    out._vc[0] += 1
    return out
