"""Tensor factories: ``tensor``, ``zeros``, ``arange``... (random ones live in ``_random_ops``)."""
from __future__ import annotations

import builtins
import math
import warnings
from typing import Any, Sequence

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


def _sizes(size, fn: str = "zeros") -> tuple:
    """Accept f(2, 3), f((2, 3)), f([2, 3]) and f(torch.Size(...)), with torch's errors."""
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
        if s < 0:
            raise RuntimeError(f"{fn}: Dimension size must be non-negative.")
        out.append(builtins.int(s))
    return tuple(out)


def _infer_scalar_dtype(data) -> D.dtype:
    """The dtype torch.tensor picks for (nested) Python data: bool < int < float < complex."""
    kind = 0
    stack = [data]
    while stack:
        x = stack.pop()
        if isinstance(x, Tensor):
            d = x.dtype
            k = {"b": 0, "i": 1, "f": 2, "c": 3}[d._kind]
            if x.dim() > 0 or True:
                kind = max(kind, k)
            continue
        if isinstance(x, (list, tuple)):
            stack.extend(x)
            continue
        if isinstance(x, np.ndarray):
            kind = max(kind, {"b": 0, "i": 1, "u": 1, "f": 2, "c": 3}[x.dtype.kind])
            continue
        if isinstance(x, (builtins.bool, np.bool_)):
            continue
        if isinstance(x, (builtins.int, np.integer)):
            kind = max(kind, 1)
        elif isinstance(x, (builtins.float, np.floating)):
            kind = max(kind, 2)
        elif isinstance(x, (builtins.complex, np.complexfloating)):
            kind = 3
        else:
            raise TypeError(f"Could not infer dtype of {type(x).__name__}")
    if kind == 0:
        return D.bool
    if kind == 1:
        return D.int64
    if kind == 2:
        return D.get_default_dtype()
    return D.get_default_dtype().to_complex()


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
        arr = np.array(data, dtype=_np_dtype(dtype, src_dtype), copy=True)
        return _finish(arr, requires_grad)
    if isinstance(data, np.generic):
        src_dtype = D.from_numpy_dtype(data.dtype)
        return _finish(np.array(data, dtype=_np_dtype(dtype, src_dtype)), requires_grad)
    if isinstance(data, (str, bytes)):
        raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
    target = dtype if dtype is not None else _infer_scalar_dtype(data)
    nested = _to_nested(data)
    try:
        arr = np.array(nested, dtype=_np_dtype(target))
    except ValueError as e:
        raise ValueError(_ragged_message(data)) from e
    except OverflowError as e:
        raise RuntimeError(f"value cannot be converted to type {target.name} without overflow") from e
    if arr.dtype == object:
        raise ValueError(_ragged_message(data))
    return _finish(arr, requires_grad)


def _ragged_message(data) -> str:
    def first_len(x):
        return len(x) if isinstance(x, (list, tuple)) else None
    # torch names the first sequence whose length differs from its first sibling
    stack = [(data, 0)]
    while stack:
        x, depth = stack.pop(0)
        if isinstance(x, (list, tuple)) and x:
            n0 = first_len(x[0])
            for i, y in enumerate(x):
                if first_len(y) != n0:
                    return f"expected sequence of length {n0} at dim {depth + 1} (got {first_len(y)})"
            stack.extend((y, depth + 1) for y in x)
    return "setting an array element with a sequence."


def as_tensor(data: Any, dtype: D.dtype | None = None, device=None) -> Tensor:
    """Like ``tensor`` but shares memory with an ndarray or Tensor when no conversion is needed."""
    check_device(device)
    if isinstance(data, Tensor):
        if dtype is None or dtype is data.dtype:
            return data
        return data.to(dtype)
    if isinstance(data, np.ndarray):
        src = D.from_numpy_dtype(data.dtype)
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
    return Tensor._make(ndarray)


def _factory(size, fill, dtype, device, requires_grad, default=None):
    check_device(device)
    shape = _sizes(size)
    arr = np.full(shape, fill, dtype=_np_dtype(dtype, default)) if fill is not None else np.empty(shape, _np_dtype(dtype, default))
    return _finish(arr, requires_grad)


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
    shape, stride = _sizes((tuple(size),), "empty_strided"), tuple(builtins.int(s) for s in stride)
    nd = _np_dtype(dtype)
    extent = 1 + builtins.sum((n - 1) * st for n, st in zip(shape, stride)) if all(shape) else 0
    buf = np.zeros(extent, nd)
    arr = np.lib.stride_tricks.as_strided(buf, shape, [st * nd.itemsize for st in stride])
    return _finish(arr, requires_grad)


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
    arr = np.full(_sizes((size,) if isinstance(size, (builtins.int, np.integer)) else tuple(size)), fill_value, dtype=_np_dtype(d))
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
        arr = np.full(input._data.shape, fill, dtype=_np_dtype(d))
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


def scalar_tensor(s, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    check_device(device)
    return _finish(np.array(s, dtype=_np_dtype(dtype)), requires_grad)


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
        raise RuntimeError('"arange_cpu" not implemented for \'Bool\'')
    n = R.arange_length(start, end, step, dtype)
    return _out(_finish(R.arange_values(start, step, n, dtype), requires_grad), out)


def range(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Deprecated inclusive range (torch.range): ``start`` to ``end`` by ``step``, default float dtype."""
    warnings.warn("torch.range is deprecated and will be removed in a future release because its behavior is "
                  "inconsistent with Python's range builtin. Instead, use torch.arange, which produces values in [start, end).",
                  UserWarning, stacklevel=2)
    check_device(device)
    if end is None:
        start, end = 0, start
    d = _coerce_dtype(dtype) if dtype is not None else D.get_default_dtype()
    xs, xe, xst = (builtins.float(_num(v)) for v in (start, end, step))
    if xst == 0:
        raise RuntimeError("step must be nonzero")
    if not ((xst > 0 and xe >= xs) or (xst < 0 and xe <= xs)):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    n = builtins.int((xe - xs) / xst + 1)
    return _finish(R.arange_values(_num(start), _num(step), n, d), requires_grad)


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
        raise RuntimeError('"logspace_cpu" not implemented for \'Bool\'')
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
    nd = D._require_storable(D.get_default_dtype())
    if len(args) == 1 and not isinstance(args[0], (builtins.int, np.integer)):
        data = args[0]
        if isinstance(data, Tensor):
            arr = data._data
        elif isinstance(data, Size_types):
            arr = np.zeros(tuple(data), nd)
        else:
            arr = np.array(_to_nested(data), dtype=nd)
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
        shape = _sizes(size)
        nd = _np_dtype(dtype if dtype is not None else self.dtype)
        arr = np.full(shape, fill, nd) if fill is not None else np.zeros(shape, nd)
        return _finish(arr, requires_grad)
    method.__name__ = name
    return method


new_zeros = _new_factory(0, "new_zeros")
new_ones = _new_factory(1, "new_ones")
new_empty = _new_factory(None, "new_empty")


def new_full(self: Tensor, size, fill_value, *, dtype=None, device=None, requires_grad: bool = False, layout=None,
             pin_memory: bool = False) -> Tensor:
    check_device(device)
    nd = _np_dtype(dtype if dtype is not None else self.dtype)
    return _finish(np.full(_sizes((size,) if isinstance(size, (builtins.int, np.integer)) else tuple(size)), fill_value, nd),
                   requires_grad)


def new_tensor(self: Tensor, data, *, dtype=None, device=None, requires_grad: bool = False, layout=None,
               pin_memory: bool = False) -> Tensor:
    check_device(device)
    return tensor(data, dtype=dtype if dtype is not None else self.dtype, requires_grad=requires_grad)
