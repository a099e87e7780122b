"""Tensor ``repr``/``str`` and the print options, byte-identical to torch 2.13.

The rules (when to switch to scientific notation, column widths, summarisation,
where suffixes go) follow torch/_tensor_str.py; every value is formatted as a
Python float/int/bool, because torch formats ``tensor.item()``/``tolist()``
results, i.e. float32 and float16 values widened exactly to double.
Only dense CPU tensors exist in ember, so torch's sparse, quantized, nested,
meta and functorch branches have no counterpart here.
"""
from __future__ import annotations

import contextlib
import dataclasses
import math
import sys
from typing import Any, Iterator

import numpy as np

from . import _dtype as D

__all__ = ["set_printoptions", "get_printoptions", "printoptions"]


@dataclasses.dataclass
class _PrintOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


# Same name as torch's module global, for code that reads it directly.
PRINT_OPTS = _PrintOptions()

# profile -> (precision, threshold, edgeitems, linewidth)
_PROFILES: dict[str, tuple[int, float, int, int]] = {
    "default": (4, 1000, 3, 80),
    "short": (2, 1000, 2, 80),
    "full": (4, math.inf, 3, 80),
}


def set_printoptions(
    precision: int | None = None,
    threshold: float | None = None,
    edgeitems: int | None = None,
    linewidth: int | None = None,
    profile: str | None = None,
    sci_mode: bool | None = None,
) -> None:
    """Set the options used by tensor printing (see ``torch.set_printoptions``)."""
    # An unknown profile name is silently ignored, as in torch.
    if profile in _PROFILES:
        (PRINT_OPTS.precision, PRINT_OPTS.threshold,
         PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth) = _PROFILES[profile]
    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    # Not guarded by `is not None`: every call resets sci_mode unless it is passed (torch does the same).
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions() -> dict[str, Any]:
    """The current print options, as keyword arguments for ``set_printoptions``."""
    return dataclasses.asdict(PRINT_OPTS)


@contextlib.contextmanager
def printoptions(**kwargs: Any) -> Iterator[None]:
    """Temporarily change the print options; takes ``set_printoptions``'s arguments."""
    saved = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**saved)


class _Formatter:
    """Chooses one number style and column width for all values of a tensor."""

    def __init__(self, values: np.ndarray) -> None:
        self.floating = values.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        flat = values.reshape(-1)
        if not self.floating:
            if flat.size:
                self.max_width = max(1, max(len(str(v)) for v in flat.tolist()))
            return

        finite = flat[np.isfinite(flat) & (flat != 0)]
        if finite.size == 0:
            # Only zeros/nan/inf: keep the defaults, even when sci_mode is forced on.
            return
        # ceil in the tensor's own dtype, like torch.ceil on each element
        self.int_mode = bool(np.all(np.ceil(finite) == finite))
        magnitudes = np.abs(finite).astype(np.float64)
        lo, hi = float(magnitudes.min()), float(magnitudes.max())
        if PRINT_OPTS.sci_mode is None:
            self.sci_mode = hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4
        else:
            self.sci_mode = PRINT_OPTS.sci_mode

        p = PRINT_OPTS.precision
        py_values = finite.tolist()
        if self.sci_mode:
            width = max(len(f"{v:.{p}e}") for v in py_values)
        elif self.int_mode:
            # +1 for the '.' appended to integral floats
            width = max(len(f"{v:.0f}") for v in py_values) + 1
        else:
            width = max(len(f"{v:.{p}f}") for v in py_values)
        self.max_width = max(self.max_width, width)

    def format(self, value: Any) -> str:
        if not self.floating:
            text = f"{value}"
        elif self.sci_mode:
            text = f"{value:{self.max_width}.{PRINT_OPTS.precision}e}"
        elif self.int_mode:
            text = f"{value:.0f}"
            if not (math.isinf(value) or math.isnan(value)):
                text += "."
        else:
            text = f"{value:.{PRINT_OPTS.precision}f}"
        return text.rjust(self.max_width)


class _ComplexFormatter:
    """Formats complex values as real and imaginary columns, each with its own formatter."""

    def __init__(self, values: np.ndarray) -> None:
        self.real = _Formatter(values.real)
        self.imag = _Formatter(values.imag)

    def width(self) -> int:
        # the extra 1 is the trailing 'j'
        return self.real.max_width + self.imag.max_width + 1

    def format(self, value: complex) -> str:
        real = self.real.format(value.real)
        imag = (self.imag.format(value.imag) + "j").lstrip()
        # a sign (including that of -0.0) already separates the parts
        return real + imag if imag[0] in "+-" else real + "+" + imag


def _summarized_values(arr: np.ndarray) -> np.ndarray:
    """The elements a summarised print shows; the formatter is sized on these only."""
    # Mirrors torch's recursion, slices and ranges included, so that odd settings (edgeitems 0, negative
    # or a float) pick the same values or raise the same error as torch does.
    e = PRINT_OPTS.edgeitems
    if arr.ndim == 0:
        return arr
    if arr.ndim == 1:
        # with e == 0 both slices are the whole vector, as in torch
        return np.concatenate((arr[:e], arr[-e:])) if arr.shape[0] > 2 * e else arr
    if not e:
        return arr[(slice(0, 0),) * arr.ndim]
    n = arr.shape[0]
    rows = [*range(e), *range(n - e, n)] if n > 2 * e else range(n)
    parts = [_summarized_values(arr[i]) for i in rows]
    if not parts:
        raise RuntimeError("stack expects a non-empty TensorList")
    return np.stack(parts)


def _width(fmt: _Formatter | _ComplexFormatter) -> int:
    return fmt.width() if isinstance(fmt, _ComplexFormatter) else fmt.max_width


def _vector_str(arr: np.ndarray, indent: int, summarize: bool, fmt: _Formatter | _ComplexFormatter) -> str:
    e = PRINT_OPTS.edgeitems
    per_line = max(1, math.floor((PRINT_OPTS.linewidth - indent) / (_width(fmt) + 2)))
    if summarize and not e:
        items = ["..."]
    elif summarize and arr.shape[0] > 2 * e:
        items = ([fmt.format(v) for v in arr[:e].tolist()] + [" ..."]
                 + [fmt.format(v) for v in arr[-e:].tolist()])
    else:
        items = [fmt.format(v) for v in arr.tolist()]
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested_str(arr: np.ndarray, indent: int, summarize: bool, fmt: _Formatter | _ComplexFormatter) -> str:
    if arr.ndim == 0:
        return fmt.format(arr.item())
    if arr.ndim == 1:
        return _vector_str(arr, indent, summarize, fmt)
    e = PRINT_OPTS.edgeitems
    n = arr.shape[0]
    if summarize and n > 2 * e:
        rows = ([_nested_str(arr[i], indent + 1, summarize, fmt) for i in range(e)] + ["..."]
                + [_nested_str(arr[i], indent + 1, summarize, fmt) for i in range(n - e, n)])
    else:
        rows = [_nested_str(arr[i], indent + 1, summarize, fmt) for i in range(n)]
    # one blank line between 2-d blocks, two between 3-d blocks, ...
    return "[" + ("," + "\n" * (arr.ndim - 1) + " " * (indent + 1)).join(rows) + "]"


def _tensor_str(arr: np.ndarray, indent: int) -> str:
    if arr.size == 0:
        return "[]"
    summarize = arr.size > PRINT_OPTS.threshold
    values = _summarized_values(arr) if summarize else arr
    fmt = _ComplexFormatter(values) if arr.dtype.kind == "c" else _Formatter(values)
    return _nested_str(arr, indent, summarize, fmt)


def _add_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    parts = [text]
    # torch counts 2 more than the last line's length when there is no newline (rfind gives -1)
    last_line_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > PRINT_OPTS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line_len += len(suffix) + 2
    parts.append(")")
    return "".join(parts)


def _parameter_class() -> type | None:
    # A Parameter can only exist once its module is loaded, so never import it from here.
    module = sys.modules.get(__package__ + ".nn.parameter")
    return getattr(module, "Parameter", None)


def _str(self, *, tensor_contents: str | None = None) -> str:
    """What ``Tensor.__repr__`` returns."""
    from ._tensor import Tensor

    cls = type(self)
    parameter_cls = _parameter_class()
    is_plain = cls is Tensor or (parameter_cls is not None and cls is parameter_cls)
    prefix = "tensor(" if is_plain else f"{cls.__name__}("
    indent = len(prefix)

    arr = self._data
    dtype = self.dtype
    default = D.get_default_dtype()
    default_complex = D.complex128 if default is D.float64 else D.complex64
    suffixes = []
    if arr.size == 0:
        # (0,) is implied by "[]"; any other empty shape is spelled out
        if arr.ndim != 1:
            suffixes.append(f"size={tuple(arr.shape)}")
        # nothing to infer the dtype from, so even int64 and bool are shown
        if dtype is not default:
            suffixes.append(f"dtype={dtype!r}")
        body = "[]"
    else:
        if not PRINT_OPTS.edgeitems:
            suffixes.append(f"size={tuple(arr.shape)}")
        if dtype not in (default, default_complex, D.int64, D.bool):
            suffixes.append(f"dtype={dtype!r}")
        body = _tensor_str(arr, indent) if tensor_contents is None else ""
    if tensor_contents is not None:
        body = tensor_contents

    if self.grad_fn is not None:
        # torch prints the node's class name: for its C++ nodes, name() without the namespace
        # ("torch::autograd::CopySlices" prints as CopySlices)
        suffixes.append(f"grad_fn=<{self.grad_fn.name().rsplit('::', 1)[-1]}>")
    elif self.requires_grad:
        suffixes.append("requires_grad=True")

    text = _add_suffixes(prefix + body, suffixes, indent)
    if parameter_cls is not None and isinstance(self, parameter_cls) and not is_plain:
        text = f"Parameter({text})"
    return text
