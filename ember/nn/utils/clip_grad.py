"""Gradient clipping (torch.nn.utils.clip_grad): ``clip_grad_norm_``, ``clip_grad_value_`` and their parts.

The 2-norm reproduces the float order of torch's CPU kernel (aten ReduceOpsKernel ``norm_two_reduce_step`` path,
compiled with 256-bit vectors): squares are accumulated into 8 float32 (4 float64) lanes row by row, the lanes are
folded left to right, the tail elements are added one by one, then one sqrt. Other norm types are not bit-exact
except inf/-inf/0. So the norms, the clip coefficient and
the clipped grads are bit-identical to torch's.
"""
from __future__ import annotations

import types
import warnings
from typing import Iterable

import numpy as np

from ..._tensor import Tensor
from ..._rng.fma import fma32, fma64

__all__ = ["clip_grad_norm_", "clip_grad_norm", "clip_grad_value_", "get_total_norm", "clip_grads_with_norm_"]

_TensorOrTensors = Tensor | Iterable[Tensor]
# inf/NaN grads make inf - inf and 0 * inf: torch gives NaN silently, so NumPy must not warn
_quiet = np.errstate(invalid="ignore", over="ignore", divide="ignore")


def _sums_of_squares(arrays: list[np.ndarray]) -> list[np.floating]:
    """Sum of ``x*x`` over each flat float array (all of one dtype), each in torch's order (see module docstring)."""
    dtype = arrays[0].dtype
    lanes = 8 if dtype == np.float32 else 4
    rows = [x.size // lanes for x in arrays]
    acc = np.zeros((len(arrays), lanes), dtype)
    for i, x in enumerate(arrays):
        if rows[i]:
            body = x[:rows[i] * lanes].reshape(-1, lanes)
            sq = body * body
            # Both sum over the outer (row) axis adding whole rows in order, one running sum per lane (a reduce
            # along a contiguous axis would be pairwise); einsum is 3x faster on many rows, reduce on few
            acc[i] = np.einsum("ij->j", sq) if rows[i] > 64 else np.add.reduce(sq, axis=0)
    totals = acc[:, 0]
    for j in range(1, lanes):  # lanes folded left to right, for all arrays at once
        totals = totals + acc[:, j]
    return [_add_tail(totals[i], x, rows[i] * lanes) for i, x in enumerate(arrays)]


def _add_tail(total: np.floating, x: np.ndarray, start: int) -> np.floating:
    """Add the squares of ``x[start:]`` (fewer than a row of lanes) as torch's scalar tail does."""
    dt = x.dtype.type
    # The scalar tail as GCC compiled it: for float32 a 4-wide chunk of rounded squares added in order, then
    # ``total += v*v`` contracted to one FMA per element (measured against torch 2.13's AVX512 build)
    if dt is np.float32 and x.size - start >= 4:
        for v in x[start:start + 4] * x[start:start + 4]:
            total = total + v
        start += 4
    fma = fma32 if dt is np.float32 else fma64
    for i in range(start, x.size):
        v = x[i:i + 1]  # 1-element arrays: fma32's midpoint repair indexes its result (0-dim ones fail there)
        r = fma(v, v, total)[0]
        # the emulated FMA splits its operands, which turns inf into NaN; unrounded v*v + total is right there
        total = dt(r if np.isfinite(r) else v[0] * v[0] + total)
    return total


def _sum_of_squares(x: np.ndarray) -> np.floating:
    """Sum of ``x*x`` over a flat float array in torch's order (see module docstring)."""
    return _sums_of_squares([x])[0]


def _flat(a: np.ndarray) -> np.ndarray:
    """The elements in the order torch's full reduction visits them: memory order for a dense layout (its
    TensorIterator sorts dims by stride, so a transposed grad sums like its contiguous storage), else C order."""
    return a.ravel(order="K") if a.flags.f_contiguous or a.flags.c_contiguous else np.ascontiguousarray(a).ravel()


def _vector_norm(a: np.ndarray, norm_type: float, foreach: bool = False) -> np.ndarray:
    """``torch.linalg.vector_norm(a, norm_type)`` of a float array, as a 0-dim array of its dtype
    (``torch._foreach_norm``'s when ``foreach``: the same but for its own error on an empty tensor's inf norm)."""
    x = _flat(a)
    if norm_type == 2.0:
        return np.sqrt(_sum_of_squares(x))[()]
    if x.size == 0:
        if foreach and norm_type == float("inf"):
            raise RuntimeError("_foreach_norm cannot compute the infinity norm on an empty tensor because the "
                               "operation does not have an identity")
        if norm_type == float("inf") or norm_type < 0:
            # the order printed as C++ prints a double: -1, not -1.0
            raise RuntimeError(f"linalg.vector_norm cannot compute the {norm_type:g} norm on an empty tensor "
                               "because the operation does not have an identity")
        return np.zeros((), x.dtype)
    ax = np.abs(x)
    if norm_type == float("inf"):
        return ax.max()[()]
    if norm_type == float("-inf"):
        return ax.min()[()]
    if norm_type == 0:
        return np.asarray(np.count_nonzero(x), x.dtype)[()]
    if norm_type == 1:
        return np.add.reduce(ax)[()]  # deliberate: torch's p=1 summation order is not reproduced (few ulps)
    return (np.add.reduce(ax ** x.dtype.type(norm_type)) ** x.dtype.type(1.0 / norm_type))[()]


def _norms(arrays: list[np.ndarray], norm_type: float, foreach: bool) -> list[np.floating]:
    """The norm of each array (all of one dtype), in that dtype. Half types accumulate in float32 (torch's
    opmath type) and round once at the end (their squares would overflow float16)."""
    dtype = arrays[0].dtype
    if dtype.kind == "c":
        # a real norm: of the (re, im) pairs for p = 2, else of the moduli. Not bit-exact: torch's complex
        # reduction order is not reproduced (a few ulps)
        if norm_type == 2.0:
            return _norms([_flat(a)[:, None].view(a.real.dtype).ravel() for a in arrays], norm_type, foreach)
        return _norms([np.abs(a) for a in arrays], norm_type, foreach)
    if dtype.itemsize < 4:
        return [_vector_norm(a.astype(np.float32), norm_type, foreach).astype(dtype)[()] for a in arrays]
    if norm_type == 2.0:
        return [np.sqrt(t)[()] for t in _sums_of_squares([_flat(a) for a in arrays])]
    return [_vector_norm(a, norm_type, foreach) for a in arrays]


def _by_dtype(tensors: list[Tensor]) -> list[list[Tensor]]:
    """The tensors grouped by dtype in torch's order: its groups come out of a C++ unordered_map in reverse order of
    first appearance (each new key goes to the front of the map's list). That order decides the order of the
    summands of a total norm, and which group a clamp fails on first."""
    groups: dict[np.dtype, list[Tensor]] = {}
    for t in tensors:
        groups.setdefault(t._data.dtype, []).append(t)
    return list(reversed(groups.values()))


def _as_list(tensors: _TensorOrTensors) -> list[Tensor]:
    return [tensors] if isinstance(tensors, Tensor) else list(tensors)


@_quiet
def get_total_norm(tensors: _TensorOrTensors, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                   foreach: bool | None = None) -> Tensor:
    """The ``norm_type``-norm of all ``tensors`` together: the norm of the per-tensor norms."""
    tensors = _as_list(tensors)
    norm_type = float(norm_type)
    if len(tensors) == 0:
        return Tensor._make(np.array(0.0, np.float32))
    # on CPU foreach=None also takes torch's _foreach_norm path
    foreach = foreach is not False
    norms = [n for group in _by_dtype(tensors) for n in _norms([t._data for t in group], norm_type, foreach)]
    stacked = np.stack(norms) if len({n.dtype for n in norms}) == 1 else np.array(norms, np.result_type(*norms))
    total = _norms([stacked], norm_type, False)[0]
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so it cannot be "
            "clipped. To disable this error and scale the gradients by the non-finite norm anyway, set "
            "`error_if_nonfinite=False`")
    return Tensor._make(np.asarray(total))


@_quiet
def clip_grads_with_norm_(parameters: _TensorOrTensors, max_norm: float, total_norm: Tensor,
                          foreach: bool | None = None) -> None:
    """Scale the grads of ``parameters`` by ``min(1, max_norm / (total_norm + 1e-6))``, in place."""
    grads = [p.grad for p in _as_list(parameters) if p.grad is not None]
    max_norm = float(max_norm)
    if len(grads) == 0:
        return
    tn = total_norm._data
    dt = tn.dtype.type
    # torch evaluates ``max_norm / (total_norm + 1e-6)`` as ``(total_norm + 1e-6).reciprocal() * max_norm``
    # (Tensor.__rtruediv__), each step rounded in the norm's dtype; a half norm computes in float32 (its opmath
    # type, where the Python scalars land unrounded by the half type) and rounds after each op
    op = np.float32 if tn.dtype.itemsize < 4 else dt
    coef = dt(op(dt(op(1) / op(dt(op(tn) + op(1e-6))))) * op(max_norm))
    coef = np.minimum(coef, dt(1.0)) if not np.isnan(coef) else coef  # clamp(max=1.0) keeps NaN
    for g in grads:
        # a 0-dim coefficient does not promote: torch casts it to the grad's dtype, then multiplies (half grads
        # in float32, their opmath type, rounded once); by exactly 1 (the norm is within max_norm) that changes
        # no bits of a real grad, so the pass is skipped (not for complex ones: inf * (1+0j) has a NaN part)
        x = g._data
        if x.dtype.itemsize < 4:
            np.multiply(x, np.float32(coef), out=x, dtype=np.float32, casting="unsafe")
        elif x.dtype.type(coef) != 1 or x.dtype.kind == "c":
            np.multiply(x, x.dtype.type(coef), out=x)
        g._vc[0] += 1


def clip_grad_norm_(parameters: _TensorOrTensors, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """Clip the grads of ``parameters`` in place so their total norm is at most ``max_norm``; returns the norm."""
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    else:
        is_generator = isinstance(parameters, types.GeneratorType)
        parameters = list(parameters)
        if is_generator and len(parameters) == 0:
            warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.", stacklevel=2)
    grads = [p.grad for p in parameters if p.grad is not None]
    total_norm = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(parameters, max_norm, total_norm, foreach)
    return total_norm


def clip_grad_norm(parameters: _TensorOrTensors, max_norm: float, norm_type: float = 2.0,
                   error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """Deprecated alias of ``clip_grad_norm_``."""
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of `torch.nn.utils.clip_grad_norm_`.",
                  FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters: _TensorOrTensors, clip_value: float, foreach: bool | None = None) -> None:
    """Clamp every grad of ``parameters`` to ``[-clip_value, clip_value]`` in place."""
    clip_value = float(clip_value)
    for g in (g for group in _by_dtype([p.grad for p in _as_list(parameters) if p.grad is not None]) for g in group):
        if g._data.dtype.kind == "c":
            raise NotImplementedError("clamp is not supported for complex types")
        lo, hi = g._data.dtype.type(-clip_value), g._data.dtype.type(clip_value)
        # clamp_min then clamp_max, as torch's foreach path: with clip_value < 0 everything ends at clip_value
        np.maximum(g._data, lo, out=g._data)
        np.minimum(g._data, hi, out=g._data)
        g._vc[0] += 1
