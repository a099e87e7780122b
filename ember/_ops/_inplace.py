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
from ..autograd.grad_mode import state as _grad_state

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


def _check_result(self: Tensor, res: np.ndarray) -> None:
    if not _castable(res.dtype, self._data.dtype):
        raise RuntimeError(
            f"result type {_NAMES[D._FROM_NUMPY[res.dtype].name]} can't be cast to the desired output type "
            f"{_NAMES[D._FROM_NUMPY[self._data.dtype].name]}")
    if res.shape != self._data.shape:
        raise RuntimeError(
            f"output with shape [{', '.join(map(str, self._data.shape))}] doesn't match the broadcast shape "
            f"[{', '.join(map(str, res.shape))}]")


def check_overlap(arr: np.ndarray) -> None:
    """An expanded view repeats memory; writing a computed result into it is ill-defined, so torch refuses."""
    for n, st in zip(arr.shape, arr.strides):
        if st == 0 and n > 1:
            raise RuntimeError(
                "unsupported operation: more than one element of the written-to tensor refers to a single memory "
                "location. Please clone() the tensor before performing the operation.")


def inplace(self: Tensor, op, *args, **kwargs) -> Tensor:
    """Apply ``op(self, *args)`` and store the result in ``self``; returns ``self``."""
    check_overlap(self._data)
    recording = _grad_state.enabled and (
        self._requires_grad or any(isinstance(a, Tensor) and a._requires_grad for a in args))
    if recording:
        check_inplace(self)
        if self._base is not None and self._base._requires_grad:
            raise NotImplementedError(
                "ember does not yet record in-place operations on views of tensors that require grad; "
                "apply the operation out of place, or assign through indexing on the base tensor")
        # the node must see the old values, which we are about to overwrite
        snap = Tensor._make(self._data.copy(), self._requires_grad, self.grad_fn, self._output_nr)
        res = op(snap, *args, **kwargs)
        _check_result(self, res._data)
        np.copyto(self._data, res._data, casting="unsafe")
        self._vc[0] += 1
        if res.grad_fn is not None:
            self.grad_fn = res.grad_fn
            self._output_nr = res._output_nr
            self._requires_grad = True
        return self
    prev = _grad_state.enabled
    _grad_state.enabled = False
    try:
        res = op(Tensor._make(self._data), *args, **kwargs)
    finally:
        _grad_state.enabled = prev
    _check_result(self, res._data)
    np.copyto(self._data, res._data, casting="unsafe")
    self._vc[0] += 1
    return self


def write_out(out: Tensor, result: Tensor) -> Tensor:
    """Implements ``out=``: resize ``out`` if needed, then copy ``result`` into it."""
    if not isinstance(out, Tensor):
        raise TypeError(f"argument 'out' must be Tensor, not {type(out).__name__}")
    if _grad_state.enabled and (result._requires_grad or out._requires_grad):
        raise RuntimeError(
            "add(): functions with out=... arguments don't support automatic differentiation, but one of the "
            "arguments requires grad.")
    if not _castable(result._data.dtype, out._data.dtype):
        _check_result(out, result._data)
    if out._data.shape != result._data.shape:
        out._data = np.empty(result._data.shape, out._data.dtype)
    np.copyto(out._data, result._data, casting="unsafe")
    out._vc[0] += 1
    return out
