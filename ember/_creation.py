"""Tensor factories: ``tensor``, ``zeros``, ``arange``... (random ones live in ``_random_ops``)."""
from __future__ import annotations

import builtins
import operator
import warnings
from typing import Any

import numpy as np

from . import _dtype as D
from . import _range_factories as R
from ._device import check_device
from ._tensor import Tensor

__all__ = [
    "tensor", "as_tensor", "asarray", "from_numpy", "zeros", "ones", "full", "empty", "zeros_like", "ones_like",
    "full_like", "empty_like", "arange", "range", "linspace", "logspace", "eye", "scalar_tensor", "empty_strided",
]


def _np_dtype(dtype: D.dtype | None, default: D.dtype | None = None) -> np.dtype:
    d = dtype if dtype is not None else (default if default is not None else D.get_default_dtype())
    if not isinstance(d, D.dtype):
        d = _coerce_dtype(d)
    return D._require_storable(d)


def _coerce_dtype(d) -> D.dtype:
    if isinstance(d, D.dtype):
        return d
    if d is builtins.float:
        return D.float64
    if d is builtins.int:
        return D.int64
    if d is builtins.bool:
        return D.bool
    if d is builtins.complex:
        return D.complex128
    raise TypeError(f"dtype must be torch.dtype, not {type(d).__name__}")


def _finish(arr: np.ndarray, requires_grad: bool) -> Tensor:
    if requires_grad and arr.dtype.kind not in "fc":
        raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
    return Tensor._make(arr, requires_grad)


def _sizes(size, fn: str = "zeros", allow_none: bool = False) -> tuple:
    """Accept f(2, 3), f((2, 3)), f([2, 3]) and f(torch.Size(...)), with torch's errors."""
    if not size and not allow_none:
        raise TypeError(f'{fn}() missing 1 required positional arguments: "size"')
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size, nested = size[0], True
    else:
        nested = False
    out = []
    for i, s in enumerate(size):
        if isinstance(s, Tensor):
            s = s.item()
        if not isinstance(s, (builtins.int, np.integer)) or isinstance(s, builtins.bool):
            if nested or len(size) > 1:
                raise TypeError(f"{fn}(): argument 'size' failed to unpack the object at pos {i + 1} with error "
                                f"\"type must be tuple of ints,but got {type(s).__name__}\"")
            raise TypeError(f"{fn}(): argument 'size' (position 1) must be tuple of ints, not {type(s).__name__}")
        out.append(builtins.int(s))
    for s in out:
        if s < 0:
            if fn == "zeros":  # only at::zeros has its own check
                raise RuntimeError("zeros: Dimension size must be non-negative.")
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: [{', '.join(map(str, out))}]")
    return tuple(out)


# --- tensor(data): torch/csrc/utils/tensor_new.cpp (compute_sizes, infer_scalar_type, recursive_store) ----

_MAX_DIMS = 64
_SEQ = (list, tuple, builtins.range, str, bytes, np.ndarray)
_BASIC = {builtins.float, builtins.int, builtins.bool}


def _compute_sizes(data) -> list:
    """The shape, read along the first element of each level (a Tensor element is a scalar)."""
    sizes = []
    x = data
    while isinstance(x, _SEQ):
        n = len(x)  # a 0-d ndarray raises "len() of unsized object", as in torch
        sizes.append(n)
        if len(sizes) > _MAX_DIMS:
            raise ValueError(f"too many dimensions '{type(x).__name__}'")
        if n == 0:
            break
        x = x[0]
    return sizes


def _infer_one(x) -> D.dtype:
    if isinstance(x, Tensor):
        return x.dtype
    if isinstance(x, (np.ndarray, np.generic)):
        return D.from_numpy_dtype(x.dtype)
    if isinstance(x, builtins.float):
        return D.get_default_dtype()
    if isinstance(x, builtins.bool):
        return D.bool
    if isinstance(x, builtins.int):
        return D.int64
    if isinstance(x, builtins.complex):
        return D.get_default_dtype().to_complex()
    if isinstance(x, (str, bytes)):
        raise TypeError(f"new(): invalid data type '{type(x).__name__}'")
    if isinstance(x, _SEQ):
        if len(x) == 0:
            return D.get_default_dtype()
        return _infer_items(x)
    raise RuntimeError(f"Could not infer dtype of {type(x).__name__}")


def _infer_items(items) -> D.dtype:
    r = None
    for y in items:
        d = _infer_one(y)
        r = d if r is None else D._PROMOTE[(r, d)]
        if r is D.complex128:  # nothing can change it: torch stops looking
            return r
    return r


def _infer_leaves(leaves: list, types: set) -> D.dtype:
    if types <= _BASIC:
        if builtins.float in types:
            return D.get_default_dtype()
        return D.int64 if builtins.int in types else D.bool
    return _infer_items(leaves)


def _flatten(x, sizes: list, dim: int, out: list, text_ok: bool = False) -> None:
    """recursive_store's walk: every level must have the length of the first one."""
    if dim == len(sizes):
        out.append(x)
        return
    if not isinstance(x, _SEQ):
        if not (isinstance(x, Tensor) and x._data.ndim):
            raise TypeError("not a sequence")
        # where a sequence is expected torch iterates a tensor (compute_sizes never looks inside one)
        x = [Tensor._make(np.asarray(x._data[i])) for i in builtins.range(x._data.shape[0])]
    n = sizes[dim]
    if len(x) != n:
        raise ValueError(f"expected sequence of length {n} at dim {dim} (got {len(x)})")
    if not text_ok and isinstance(x, (str, bytes)):
        raise _Infer  # torch's dtype inference would have rejected it, unless it stopped early at complex128
    if dim + 1 == len(sizes):
        out.extend(x)
        return
    for y in x:
        _flatten(y, sizes, dim + 1, out, text_ok)


class _Infer(Exception):
    """A str/bytes level reached while storing without a dtype: inference raises torch's error for it."""


def _overflow(d: D.dtype) -> RuntimeError:
    return RuntimeError(f"value cannot be converted to type {d.name} without overflow")


def _check_int_range(vals: list, d: D.dtype) -> None:
    lo, hi = builtins.min(vals), builtins.max(vals)
    if lo < -2 ** 63 or hi > 2 ** 63 - 1:
        raise ValueError("Overflow when unpacking long long")
    info = np.iinfo(d.np_dtype)
    # c10::overflows lets a negative integer wrap into an unsigned type when its magnitude fits
    if hi > info.max or (lo < info.min and not (info.min == 0 and -lo <= info.max)):
        raise _overflow(d)


def _int_value(x, d: D.dtype) -> builtins.int:
    """unpackIntegral: a float is range-checked then truncated; anything else must be an index."""
    if isinstance(x, builtins.float):
        info = np.iinfo(d.np_dtype)
        if not info.min <= x <= info.max:  # also nan and inf
            raise _overflow(d)
        return builtins.int(x)
    v = operator.index(x)
    _check_int_range([v], d)
    return v


def _real_value(x) -> builtins.float:
    """PyFloat_AsDouble: anything with __float__ or __index__."""
    if isinstance(x, (builtins.float, builtins.int, np.floating, np.integer, np.bool_)):
        return builtins.float(x)
    if not isinstance(x, (str, bytes, builtins.complex, np.complexfloating)):
        f = getattr(type(x), "__float__", None) or getattr(type(x), "__index__", None)
        if f is not None:
            return builtins.float(f(x))
    raise TypeError(f"must be real number, not {type(x).__name__}")


def _complex_value(x):
    if isinstance(x, (builtins.complex, np.complexfloating)):
        return builtins.complex(x)
    return _real_value(x)


def _bool_value(x) -> builtins.bool:
    if isinstance(x, (builtins.float, builtins.complex, np.bool_)):  # np.float32 is neither: it must be an index
        return builtins.bool(x)
    return operator.index(x) != 0  # no overflow check: a huge int is True, as in NumPy


def _store(leaves: list, d: D.dtype, types: set | None = None) -> np.ndarray:
    """recursive_store's scalar conversions, checked as torch checks them, into a flat array of dtype ``d``."""
    try:
        return _store_all(leaves, d, types)
    except (TypeError, ValueError, RuntimeError, OverflowError):
        # torch converts element by element: report the first bad one, not the first the bulk checks noticed
        kind = d._kind
        for x in leaves:
            if isinstance(x, Tensor):
                x = _tensor_leaf(x, kind)
            if kind == "f":
                _real_value(x)
            elif kind == "c":
                _complex_value(x)
            elif kind == "b":
                _bool_value(x)
            else:
                _int_value(x, d)
        raise


def _store_all(leaves: list, d: D.dtype, types: set | None) -> np.ndarray:
    nd = d.np_dtype
    if types is None:
        types = set(map(type, leaves))
    kind = d._kind
    if Tensor in types:
        leaves = [_tensor_leaf(x, kind) if isinstance(x, Tensor) else x for x in leaves]
        types = set(map(type, leaves))
    if kind == "f" or kind == "c":
        if not types <= _BASIC:
            leaves = [(_complex_value if kind == "c" else _real_value)(x) for x in leaves]
        # stored as a double first, then cast (a float32 overflow becomes inf, as in torch)
        return np.array(leaves, np.complex128 if kind == "c" else np.float64).astype(nd)
    if kind == "b":
        return np.array(leaves if types <= {builtins.bool} else [_bool_value(x) for x in leaves], np.bool_)
    if types <= {builtins.int, builtins.bool}:
        if leaves:
            _check_int_range(leaves, d)
        return np.array(leaves, np.int64).astype(nd)
    return np.array([_int_value(x, d) for x in leaves], np.int64).astype(nd)


def _tensor_leaf(x: Tensor, kind: str):
    """A Tensor element goes through Tensor.__float__ (floating targets) or __index__ (integer and bool targets)."""
    if kind in "ib":
        if x._data.dtype.kind not in "iub" or x._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return builtins.int(x._data.reshape(()))
    if x._data.size != 1:
        raise ValueError("only one element tensors can be converted to Python scalars")
    v = x._data.reshape(()).item()
    if kind == "f" and isinstance(v, builtins.complex):
        if v.imag != 0:
            raise R.overflow_error(D.float64)
        v = v.real
    return v


def _tensor_from_data(data, dtype: D.dtype | None) -> np.ndarray:
    sizes = _compute_sizes(data)
    leaves: list = []
    if 0 in sizes:  # torch stores nothing into an empty tensor: ragged data past an empty level goes unchecked
        if dtype is None:
            dtype = _infer_one(data)
        return np.zeros(sizes, _np_dtype(dtype))
    try:
        _flatten(data, sizes, 0, leaves, text_ok=dtype is not None)
    except (TypeError, ValueError, _Infer) as e:
        if dtype is None:
            dtype = _infer_one(data)  # torch infers the dtype before storing: its errors come first
        if not isinstance(e, _Infer):
            _store(leaves, dtype)  # torch stores as it walks: a bad element before the ragged level wins
            raise
        leaves = []
        try:
            _flatten(data, sizes, 0, leaves, text_ok=True)
        except (TypeError, ValueError):
            _store(leaves, dtype)
            raise
    types = set(map(type, leaves))
    if dtype is None:
        dtype = _infer_leaves(leaves, types) if leaves else D.get_default_dtype()
    return _store(leaves, dtype, types).reshape(sizes)


def _check_strides(arr: np.ndarray) -> None:
    if any(s < 0 for s in arr.strides):
        raise ValueError("At least one stride in the given numpy array is negative, and tensors with negative strides "
                         "are not currently supported. (You can probably work around this by making a copy of your "
                         "array  with array.copy().) ")


def _to_nested(data):
    if isinstance(data, Tensor):
        return data._data
    if isinstance(data, (list, tuple)):
        return [_to_nested(x) for x in data]
    return data


def tensor(data: Any, *, dtype: D.dtype | None = None, device=None, requires_grad: bool = False,
           pin_memory: bool = False) -> Tensor:
    """Copy ``data`` (a number, nested lists, an ndarray or a Tensor) into a new leaf tensor."""
    check_device(device)
    if dtype is not None:
        dtype = _coerce_dtype(dtype)
    if isinstance(data, Tensor):
        warnings.warn(
            "To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() or "
            "sourceTensor.detach().clone().requires_grad_(True), rather than torch.tensor(sourceTensor).",
            UserWarning, stacklevel=2,
        )
        arr = data._data.astype(_np_dtype(dtype, data.dtype), copy=True)
        return _finish(arr, requires_grad)
    if isinstance(data, np.ndarray):
        src_dtype = D.from_numpy_dtype(data.dtype)
        _check_strides(data)
        arr = np.array(data, dtype=_np_dtype(dtype, src_dtype), copy=True)
        return _finish(arr, requires_grad)
    if isinstance(data, (str, bytes)):
        raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
    if dtype is not None:
        _np_dtype(dtype)  # bfloat16/complex32: ember's clear error before looking at the data
    return _finish(_tensor_from_data(data, dtype), requires_grad)


def as_tensor(data: Any, dtype: D.dtype | None = None, device=None) -> Tensor:
    """Like ``tensor`` but shares memory with an ndarray or Tensor when no conversion is needed."""
    check_device(device)
    if isinstance(data, Tensor):
        if dtype is None or dtype is data.dtype:
            return data
        return data.to(dtype)
    if isinstance(data, np.ndarray):
        src = D.from_numpy_dtype(data.dtype)
        _check_strides(data)
        if dtype is None or dtype is src:
            return Tensor._make(data)
        return Tensor._make(data.astype(_np_dtype(dtype)))
    return tensor(data, dtype=dtype)


def asarray(obj: Any, *, dtype: D.dtype | None = None, device=None, copy: bool | None = None,
            requires_grad: bool = False) -> Tensor:
    t = as_tensor(obj, dtype=dtype, device=device) if not copy else tensor(obj, dtype=dtype)
    if requires_grad:
        t.requires_grad_(True)
    return t


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``ndarray`` (writes through either show in both)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    D.from_numpy_dtype(ndarray.dtype)
    _check_strides(ndarray)
    if not ndarray.flags.writeable:
        warnings.warn(
            "The given NumPy array is not writable, and PyTorch does not support non-writable tensors. This means "
            "writing to this tensor will result in undefined behavior. You may want to copy the array to protect its "
            "data or make it writable before converting it to a tensor. This type of warning will be suppressed for "
            "the rest of this program.", UserWarning, stacklevel=2)
    return Tensor._make(ndarray)


def zeros(*size, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False, pin_memory=False) -> Tensor:
    check_device(device)
    arr = np.zeros(_sizes(size, "zeros"), dtype=_np_dtype(dtype))
    return _out(_finish(arr, requires_grad), out)


def ones(*size, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False, pin_memory=False) -> Tensor:
    check_device(device)
    arr = np.ones(_sizes(size, "ones"), dtype=_np_dtype(dtype))
    return _out(_finish(arr, requires_grad), out)


def empty(*size, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False, pin_memory=False,
          memory_format=None) -> Tensor:
    # zero-filled rather than uninitialised: same cost in NumPy, and reproducible
    check_device(device)
    arr = np.zeros(_sizes(size, "empty"), dtype=_np_dtype(dtype))
    return _out(_finish(arr, requires_grad), out)


def empty_strided(size, stride, *, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False) -> Tensor:
    """A zero-filled tensor with the given strides (a view of a buffer just large enough)."""
    check_device(device)
    shape, stride = _sizes((tuple(size),), "empty_strided", allow_none=True), tuple(builtins.int(s) for s in stride)
    nd = _np_dtype(dtype)
    extent = 1 + builtins.sum((n - 1) * st for n, st in zip(shape, stride)) if all(shape) else 0
    buf = np.zeros(extent, nd)
    arr = np.lib.stride_tricks.as_strided(buf, shape, [st * nd.itemsize for st in stride])
    return _finish(arr, requires_grad)


def _fill(fill_value, d: D.dtype):
    """fill_'s Scalar.to<T>(): checked as c10 checks it (overflow, wrap of negative ints into uint8, imaginary parts)."""
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    return R.scalar_to(fill_value, d)


def _full_size(size, fn: str) -> tuple:
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"{fn}(): argument 'size' (position 1) must be tuple of ints, not {type(size).__name__}")
    return _sizes((tuple(size),), fn, allow_none=True)


def _scalar_fill_dtype(fill_value) -> D.dtype:
    if isinstance(fill_value, Tensor):
        return fill_value.dtype
    return D.scalar_dtype(fill_value)


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False,
         pin_memory=False) -> Tensor:
    check_device(device)
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    d = dtype if dtype is not None else _scalar_fill_dtype(fill_value)
    shape = _full_size(size, "full")
    arr = np.full(shape, _fill(fill_value, _coerce_dtype(d)), dtype=_np_dtype(d))
    return _out(_finish(arr, requires_grad), out)


def _out(t: Tensor, out: Tensor | None) -> Tensor:
    if out is None:
        return t
    if out._data.shape != t._data.shape:
        out._data = np.empty(t._data.shape, out._data.dtype)
    np.copyto(out._data, t._data, casting="unsafe")
    out._bump_version()
    return out


def _like(input: Tensor, dtype, requires_grad, fill, fn: str = "zeros_like"):
    if not isinstance(input, Tensor):
        raise TypeError(f"{fn}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    d = dtype if dtype is not None else input.dtype
    if fill is None:
        arr = np.zeros(input._data.shape, dtype=_np_dtype(d))
    else:
        arr = np.full(input._data.shape, _fill(fill, _coerce_dtype(d)), dtype=_np_dtype(d))
    return _finish(arr, requires_grad)


def zeros_like(input: Tensor, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
               memory_format=None) -> Tensor:
    check_device(device)
    return _like(input, dtype, requires_grad, 0)


def ones_like(input: Tensor, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
              memory_format=None) -> Tensor:
    check_device(device)
    return _like(input, dtype, requires_grad, 1, "ones_like")


def empty_like(input: Tensor, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
               memory_format=None) -> Tensor:
    check_device(device)
    return _like(input, dtype, requires_grad, None, "empty_like")


def full_like(input: Tensor, fill_value, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
              memory_format=None) -> Tensor:
    check_device(device)
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    return _like(input, dtype, requires_grad, fill_value, "full_like")


def scalar_tensor(s, *, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False) -> Tensor:
    """A 0-dim tensor holding the number ``s`` (default dtype whatever the number), with c10's overflow checks."""
    check_device(device)
    if isinstance(s, Tensor):
        s = s.item()
    if not isinstance(s, (builtins.int, builtins.float, builtins.complex, np.number, np.bool_)):
        raise TypeError(f"scalar_tensor(): argument 's' (position 1) must be Number, not {type(s).__name__}")
    if isinstance(s, builtins.int) and not -2 ** 63 <= s < 2 ** 64:
        raise OverflowError("int too big to convert")
    d = _coerce_dtype(dtype) if dtype is not None else D.get_default_dtype()
    nd = _np_dtype(d)
    if d is D.float16:  # scalar_tensor converts to Half through double, unchecked: out of range becomes inf
        v = R.scalar_to(s, D.float64)
        with np.errstate(over="ignore"):
            return _finish(np.array(v).astype(nd), requires_grad)
    return _finish(np.array(R.scalar_to(s, d), nd), requires_grad)


def _num(x):
    return x.item() if isinstance(x, Tensor) else x


def _is_int(v) -> bool:
    return isinstance(v, (builtins.int, np.integer))


def arange(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad: bool = False) -> Tensor:
    """Values from ``start`` to ``end`` (exclusive) by ``step``; int64 unless a bound or step is a float."""
    check_device(device)
    start, end, step = _num(start), _num(end), _num(step)
    if end is None:
        start, end = 0, start
    if dtype is None:
        dtype = D.int64 if all(_is_int(v) for v in (start, end, step)) else D.get_default_dtype()
    dtype = _coerce_dtype(dtype)
    if dtype is D.bool:
        raise NotImplementedError('"arange_cpu" not implemented for \'Bool\'')
    n = R.arange_length(start, end, step, dtype)
    return _out(_finish(R.arange_values(start, step, n, dtype), requires_grad), out)


def range(start, end=None, step=1, *, out=None, dtype=None, layout=None, device=None, requires_grad=False) -> Tensor:
    """Deprecated inclusive range (torch.range): ``start`` to ``end`` by ``step``, default float dtype."""
    warnings.warn("torch.range is deprecated and will be removed in a future release because its behavior is "
                  "inconsistent with Python's range builtin. Instead, use torch.arange, which produces values in [start, end).",
                  UserWarning, stacklevel=2)
    if end is None:
        raise TypeError('range() missing 1 required positional arguments: "end"')
    check_device(device)
    d = _coerce_dtype(dtype) if dtype is not None else D.get_default_dtype()
    xs, xe, xst = (builtins.float(_num(v)) for v in (start, end, step))
    if xst == 0:
        raise RuntimeError("step must be nonzero")
    if not ((xst > 0 and xe >= xs) or (xst < 0 and xe <= xs)):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    n = builtins.int((xe - xs) / xst + 1)
    return _out(_finish(R.arange_values(_num(start), _num(step), n, d), requires_grad), out)


def _steps(steps, fn: str) -> builtins.int:
    if isinstance(steps, Tensor):
        steps = steps.item()
    if not _is_int(steps) or isinstance(steps, builtins.bool):
        raise TypeError(f"{fn}(): argument 'steps' (position 3) must be int, not {type(steps).__name__}")
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    return builtins.int(steps)


def _range_dtype(dtype, start, end) -> D.dtype:
    if dtype is not None:
        return _coerce_dtype(dtype)
    if any(isinstance(v, (builtins.complex, np.complexfloating)) for v in (start, end)):
        return D.get_default_dtype().to_complex()
    return D.get_default_dtype()


def linspace(start, end, steps: int, *, out=None, dtype=None, layout=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive (torch's two-sided formula)."""
    check_device(device)
    start, end = _num(start), _num(end)
    steps = _steps(steps, "linspace")
    d = _range_dtype(dtype, start, end)
    if d is D.bool:
        raise NotImplementedError('"linspace_cpu" not implemented for \'Bool\'')
    arr = R.linspace_values(start, end, steps, d) if steps else np.empty(0, d.np_dtype)
    return _out(_finish(arr, requires_grad), out)


def logspace(start, end, steps: int, base: float = 10.0, *, out=None, dtype=None, layout=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """``base ** linspace(start, end, steps)``, with torch's exponent arithmetic."""
    check_device(device)
    start, end = _num(start), _num(end)
    steps = _steps(steps, "logspace")
    d = _range_dtype(dtype, start, end)
    if d is D.bool:
        raise NotImplementedError('"logspace_cpu" not implemented for \'Bool\'')
    arr = R.logspace_values(start, end, steps, base, d) if steps else np.empty(0, d.np_dtype)
    return _out(_finish(arr, requires_grad), out)


def eye(n: int, m: int | None = None, *, out=None, dtype=None, layout=None, device=None,
        requires_grad: bool = False) -> Tensor:
    check_device(device)
    if n < 0:
        raise RuntimeError(f"n must be greater or equal to 0, got {n}")
    if m is not None and m < 0:
        raise RuntimeError(f"m must be greater or equal to 0, got {m}")
    arr = np.eye(n, n if m is None else m, dtype=_np_dtype(dtype))
    return _out(_finish(arr, requires_grad), out)


def _legacy_new(cls, *args, **kwargs):
    """``torch.Tensor(...)``: sizes give an (here zero-filled) float tensor, data gives a copy in the default dtype."""
    device = kwargs.pop("device", None)
    check_device(device)
    if kwargs:
        got = ", ".join([type(a).__name__ for a in args] + [f"{k}={type(v).__name__}" for k, v in kwargs.items()])
        raise TypeError(f"new() received an invalid combination of arguments - got ({got}), but expected one of:\n"
                        " * (*, torch.device device = None)\n * (torch.Storage storage)\n * (Tensor other)\n"
                        " * (tuple of ints size, *, torch.device device = None)\n * (object data, *, torch.device device = None)\n")
    d = D.get_default_dtype()
    nd = D._require_storable(d)
    if len(args) == 1 and not isinstance(args[0], (builtins.int, np.integer)):
        data = args[0]
        if isinstance(data, Tensor):
            arr = data._data
        elif isinstance(data, Size_types):
            arr = np.zeros(tuple(data), nd)
        elif isinstance(data, np.ndarray):
            _check_strides(data)
            arr = np.array(data, dtype=nd)
        elif isinstance(data, (str, bytes)):
            raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
        elif not isinstance(data, _SEQ):
            raise TypeError(f"new(): data must be a sequence (got {type(data).__name__})")
        else:
            arr = _tensor_from_data(data, d)
    else:
        arr = np.zeros(_sizes(args, "new") if args else (0,), nd)  # Tensor() is empty, shape (0,)
    t = object.__new__(cls)
    t._init_from(arr)
    return t


from ._size import Size as _Size  # noqa: E402

Size_types = (_Size,)


# --- Tensor.new_*: factories that default to the tensor's dtype ---------------------------

def _new_factory(fill, name: str):
    def method(self: Tensor, *size, dtype=None, device=None, requires_grad: bool = False, layout=None,
               pin_memory: bool = False) -> Tensor:
        check_device(device)
        shape = _sizes(size, name)
        nd = _np_dtype(dtype if dtype is not None else self.dtype)
        arr = np.full(shape, fill, nd) if fill is not None else np.zeros(shape, nd)
        return _finish(arr, requires_grad)
    method.__name__ = name
    return method


new_zeros = _new_factory(0, "new_zeros")
new_ones = _new_factory(1, "new_ones")
new_empty = _new_factory(None, "new_empty")


def new_full(self: Tensor, *args, dtype=None, device=None, requires_grad: bool = False, layout=None,
             pin_memory: bool = False) -> Tensor:
    if len(args) > 2:
        raise TypeError(f"new_full() takes 2 positional arguments but {len(args)} were given")
    if len(args) < 2:
        missing = ["size", "fill_value"][len(args):]
        raise TypeError(f"new_full() missing {len(missing)} required positional argument{'s' if len(missing) == 1 else ''}: "
                        + ", ".join(f'"{m}"' for m in missing))  # sic: torch's plural is backwards
    size, fill_value = args
    check_device(device)
    nd = _np_dtype(dtype if dtype is not None else self.dtype)
    shape = _full_size(size, "new_full")
    return _finish(np.full(shape, _fill(fill_value, _coerce_dtype(dtype) if dtype is not None else self.dtype), nd), requires_grad)


def new_tensor(self: Tensor, data, *, dtype=None, device=None, requires_grad: bool = False, layout=None,
               pin_memory: bool = False) -> Tensor:
    check_device(device)
    return tensor(data, dtype=dtype if dtype is not None else self.dtype, requires_grad=requires_grad)
