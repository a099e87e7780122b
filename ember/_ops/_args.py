"""torch's argument-parser errors for ops that take only tensors, and their method / in-place forms.

torch numbers the arguments of a Tensor method from ``self``'s successor: ``torch.fmax(t, 2)`` complains about
argument 'other' at position 2, ``t.fmax(2)`` at position 1. A method therefore needs its own check before it
calls the shared function.
"""
from __future__ import annotations

from .._tensor import Tensor

__all__ = ["require_tensors", "method", "inplace_method", "strict_out", "write_out"]


def require_tensors(name: str, input, other, *, method: bool = False, other_name: str = "other") -> None:
    """Raise torch's TypeError unless ``input`` and ``other`` are both tensors."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if not isinstance(other, Tensor):
        raise TypeError(f"{name}(): argument '{other_name}' (position {1 if method else 2}) must be Tensor, "
                        f"not {type(other).__name__}")


def method(fn, name: str, other_name: str = "other"):
    """``t.name(other, ...)``: fn(t, other, ...) after the method's own argument check."""
    def meth(self, other, *args, **kwargs):
        require_tensors(name, self, other, method=True, other_name=other_name)
        return fn(self, other, *args, **kwargs)
    meth.__name__ = name
    meth.__doc__ = fn.__doc__
    return meth


def inplace_method(fn, name: str, tensors_only: bool = True, other_name: str = "other", result_dtype=None):
    """``t.name_(...)``: fn's result written into t (see _inplace.inplace).

    ``result_dtype(a, b)``: the op's result dtype for arrays/numbers, to check (as torch does, before the
    kernel's own dtype errors) that the broadcast shape is t's and that the result can be cast to t's dtype.
    """
    from ._inplace import inplace

    def meth(self, *args, **kwargs):
        other = args[0] if args else kwargs.get(other_name)
        if tensors_only:
            require_tensors(name + "_", self, other, method=True, other_name=other_name)
        if result_dtype is not None:
            from ._inplace import early_checks
            early_checks(self, args)
            _precheck(self, other, result_dtype)
        return inplace(self, fn, *args, **kwargs)
    meth.__name__ = name + "_"
    return meth


def _no_grad_out(result: Tensor) -> None:
    """torch refuses out= when autograd would record the op; its message names the op, which ember reads off
    the result's node (DivBackward0 -> div, NanToNumBackward0 -> nan_to_num)."""
    from ..autograd.grad_mode import state
    if state.enabled and result._requires_grad and result.grad_fn is not None:
        import re
        if "NotImplemented" in result.grad_fn.name():
            return  # an op without a derivative may write out= (floor_divide)
        node = re.sub(r"Backward\d*$", "", result.grad_fn.name().split("::")[-1])
        name = re.sub(r"(?<=[a-z])([A-Z])", r"_\1", node).lower()
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic differentiation, "
                           "but one of the arguments requires grad.")


def refuse_grad_out(name: str, *args) -> None:
    """torch's out= refusal, checked before the op runs (so before its shape and dtype errors)."""
    from ..autograd.grad_mode import state
    if state.enabled and any(isinstance(a, Tensor) and a._requires_grad for a in args):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic differentiation, "
                           "but one of the arguments requires grad.")


def write_out(out, result: Tensor) -> Tensor:
    """out=: torch's autograd refusal (naming the op), then _inplace.write_out (resize, cast, copy)."""
    if out is None:
        return result
    _no_grad_out(result)
    from ._inplace import write_out as write
    return write(out, result)


def strict_out(result: Tensor, out, check_only: bool = False) -> Tensor:
    """out= for the ops whose out must already have the result's dtype (abs, neg, floor, clamp, ...: torch's
    'Found dtype' check), then the usual write (``check_only``: just the check, against an input of that dtype)."""
    if out is None:
        return result
    if not check_only:
        _no_grad_out(result)
    from .. import _dtype as D
    from .._tensor import _SCALAR_NAMES
    if out._data.dtype != result._data.dtype:
        name = lambda dt: _SCALAR_NAMES[D._FROM_NUMPY[dt].name]  # noqa: E731
        raise RuntimeError(f"Found dtype {name(out._data.dtype)} but expected {name(result._data.dtype)}")
    if check_only:
        return result
    from ._inplace import write_out as write
    return write(out, result)


def check_out_cast(out, input, other, result_dtype) -> None:
    """out=: torch checks that the result type casts to out's dtype before the kernel's own dtype errors."""
    from .. import _dtype as D
    from ._inplace import _NAMES, _castable
    if isinstance(other, Tensor):
        import numpy as np
        from ._broadcast import broadcast_error
        try:
            np.broadcast_shapes(input._data.shape, other._data.shape)  # a shape clash is reported first
        except ValueError:
            raise broadcast_error(input._data.shape, other._data.shape) from None
    r = result_dtype(input._data, other._data if isinstance(other, Tensor) else _number(other))
    if not _castable(r, out._data.dtype):
        raise RuntimeError(f"result type {_NAMES[D._FROM_NUMPY[r].name]} can't be cast to the desired output type "
                           f"{_NAMES[D._FROM_NUMPY[out._data.dtype].name]}")


def _number(x):
    import numpy as np
    return x.item() if isinstance(x, np.generic) else x


def _precheck(self: Tensor, other, result_dtype) -> None:
    """torch's in-place TensorIterator checks: the broadcast shape first, then the cast of the result type."""
    import numpy as np
    from .. import _dtype as D
    from ._broadcast import broadcast_error
    from ._inplace import _NAMES, _castable
    shape = self._data.shape
    oshape = other._data.shape if isinstance(other, Tensor) else ()
    if getattr(result_dtype, "checks_first", False):
        result_dtype(self._data, other._data if isinstance(other, Tensor) else other)
    try:
        full = np.broadcast_shapes(shape, oshape)
    except ValueError:
        raise broadcast_error(shape, oshape) from None
    if full != shape:
        raise RuntimeError(f"output with shape [{', '.join(map(str, shape))}] doesn't match the broadcast shape "
                           f"[{', '.join(map(str, full))}]")
    r = result_dtype(self._data, other._data if isinstance(other, Tensor) else other)
    if not _castable(r, self._data.dtype):
        raise RuntimeError(f"result type {_NAMES[D._FROM_NUMPY[r].name]} can't be cast to the desired output type "
                           f"{_NAMES[D._FROM_NUMPY[self._data.dtype].name]}")


def promoted(a, b):
    """The result dtype of ops that compute in the promoted dtype (bitwise, nextafter, ...)."""
    from ._broadcast import result_np_dtype
    return result_np_dtype(a, b)


def promoted_float(a, b):
    """The result dtype of ops that make integer results floats (atan2, hypot, xlogy, ...)."""
    import numpy as np
    from .. import _dtype as D
    r = promoted(a, b)
    return D.get_default_dtype().np_dtype if r.kind in "biu" else np.dtype(r)
