"""Statistics composed as aten composes them: ``cov``, ``corrcoef`` (Correlation.cpp), ``quantile`` and
``nanquantile`` (Sorting.cpp), so values, grads and node names follow torch's."""
from __future__ import annotations

import warnings

import numpy as np

from .._tensor import Tensor

__all__ = ["cov", "corrcoef", "quantile", "nanquantile"]

_SCALAR = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16", "int64": "Long",
           "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
           "complex64": "ComplexFloat", "complex128": "ComplexDouble"}


def _name(t: Tensor) -> str:
    return _SCALAR.get(t._data.dtype.name, t._data.dtype.name)


def cov(input: Tensor, *, correction: int = 1, fweights: Tensor | None = None,
        aweights: Tensor | None = None) -> Tensor:
    """Covariance of the rows (variables) over the columns (observations), optionally weighted:
    C = (X - avg) (w (X - avg))^H / (sum w - correction * sum(w aw) / sum w)."""
    if input.dim() > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an input with "
                           f"{input.dim()} dimensions")
    if input._data.dtype == np.bool_:
        raise RuntimeError("cov(): bool dtype is not supported for input")
    x = input.view(1, -1) if input.dim() < 2 else input
    n = x.shape[1]
    w = None
    if fweights is not None:
        w = fweights
        if w.dim() > 1:
            raise RuntimeError(f"cov(): expected fweights to have one or fewer dimensions but got fweights with "
                               f"{w.dim()} dimensions")
        if w._data.dtype.kind not in "iu":
            raise RuntimeError(f"cov(): expected fweights to have integral dtype but got fweights with {_name(w)} "
                               "dtype")
        if w.numel() != n:
            raise RuntimeError(f"cov(): expected fweights to have the same numel as there are observations in the "
                               f"input but got {w.numel()} != {n}")
        if n and w._data.min() < 0:
            raise RuntimeError("cov(): fweights cannot be negative")
    if aweights is not None:
        aw = aweights
        if aw.dim() > 1:
            raise RuntimeError(f"cov(): expected aweights to have one or fewer dimensions but got aweights with "
                               f"{aw.dim()} dimensions")
        if aw._data.dtype.kind != "f":
            raise RuntimeError(f"cov(): expected aweights to have floating point dtype but got aweights with "
                               f"{_name(aw)} dtype")
        if aw.numel() != n:
            raise RuntimeError(f"cov(): expected aweights to have the same numel as there are observations in the "
                               f"input but got {aw.numel()} != {n}")
        if n and aw._data.min() < 0:
            raise RuntimeError("cov(): aweights cannot be negative")
        w = w * aw if w is not None else aw
    w_sum = w.sum() if w is not None else Tensor._make(np.array(n, np.int64))
    if w is not None and not w_sum._data != 0:
        raise RuntimeError("cov(): weights sum to zero, can't be normalized")
    avg = (x * w if w is not None else x).sum(1) / w_sum
    if w is not None and aweights is not None and correction != 0:
        norm = w_sum - correction * (w * aweights).sum() / w_sum
    else:
        norm = w_sum - correction
    if norm._data <= 0:
        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less than the number of "
                      "observations.", UserWarning, stacklevel=2)
        norm = norm.zero_()  # (+0: c / norm is then +-inf or nan by c's sign, as torch's zero_() gives)
    x = x - avg.unsqueeze(1)
    if n == 1:
        x = x.zero_()  # one observation deviates from its own mean by exactly 0 in torch (no x w / w rounding)
    c = x.mm((x * w if w is not None else x).t().conj())
    return c.true_divide(norm).squeeze()


def corrcoef(input: Tensor) -> Tensor:
    """Pearson correlation coefficients: cov(x) scaled by the outer product of the standard deviations, clipped
    to [-1, 1] as NumPy does."""
    if input.dim() > 2:
        raise RuntimeError(f"corrcoef(): expected input to have two or fewer dimensions but got an input with "
                           f"{input.dim()} dimensions")
    c = cov(input)
    if c.dim() == 0:
        return c / c  # nan for a covariance of 0, inf or nan; else 1
    d = c.diagonal()
    std = (d.real if d.is_complex() else d).sqrt()
    c = c / std.view(-1, 1)
    c = c / std.view(1, -1)
    if c.is_complex():
        from .complex_views import complex
        return complex(c.real.clip(-1, 1), c.imag.clip(-1, 1))
    return c.clip(-1, 1)


_MODES = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(input: Tensor, q, dim, keepdim: bool, interpolation: str, ignore_nan: bool) -> Tensor:
    name = "quantile"  # (torch's checks say quantile() for nanquantile too)
    if not isinstance(q, Tensor):
        if not 0 <= q <= 1:
            raise RuntimeError(f"{name}() q must be in the range [0, 1] but got {q}")
        q = Tensor._make(np.array(q, input._data.dtype))
    if input.numel() == 0:
        raise RuntimeError(f"{name}() input tensor must be non-empty")
    if q.dim() > 1:
        raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
    if input._data.dtype not in (np.float32, np.float64):
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
    if q._data.dtype != input._data.dtype:
        raise RuntimeError(f"{name}() q tensor must be same dtype as the input tensor")
    if interpolation not in _MODES:
        raise RuntimeError(f"{name}() interpolation must be one of linear, lower, higher, midpoint or nearest, "
                           f"but got {interpolation}")
    nd = input.dim()
    wdim = (dim if dim is not None else 0) % max(nd, 1)
    if dim is not None and nd > 0:
        out_shape = list(input.shape)
        if keepdim:
            out_shape[wdim] = 1
        else:
            del out_shape[wdim]
    else:
        out_shape = [1] * nd if keepdim else []
    if q.dim() > 0:
        out_shape.insert(0, q.numel())
    qa = q._data
    if not np.all((qa >= 0) & (qa <= 1)):
        raise RuntimeError(f"{name}() q values must be in the range [0, 1]")
    if dim is None:
        sorted_ = input.flatten().sort()[0]
    elif wdim == nd - 1:
        sorted_ = input.sort()[0]
    else:
        sorted_ = input.unsqueeze(-1).transpose(wdim, -1).sort()[0]
    if q.dim() == 0:
        out_shape.insert(0, q.numel())
    sorted_ = sorted_.view(out_shape[1:] + [sorted_.shape[-1]])
    # ranks: positions in the sorted values (a nan row points at its end, where quantile's nan sorts)
    s = sorted_._data
    if ignore_nan:
        ranks = qa * (np.sum(~np.isnan(s), -1, keepdims=True) - 1).astype(qa.dtype)
        ranks = np.where(ranks < 0, qa.dtype.type(0), ranks)
    else:
        last = s.shape[-1] - 1
        r, has_nan = np.broadcast_arrays(qa * qa.dtype.type(last), np.isnan(s).any(-1, keepdims=True))
        ranks = np.where(has_nan, qa.dtype.type(last), r)
    ranks = {"lower": np.floor, "higher": np.ceil, "nearest": np.round}.get(interpolation, lambda a: a)(ranks)
    below = ranks.astype(np.int64)
    values = sorted_.gather(-1, Tensor._make(below))
    if interpolation in ("linear", "midpoint"):
        weights = np.full_like(ranks, 0.5) if interpolation == "midpoint" else ranks - below.astype(ranks.dtype)
        above = Tensor._make(np.ceil(ranks).astype(np.int64))
        values.lerp_(sorted_.gather(-1, above), Tensor._make(weights))
    if q.dim() == 0:
        return values.squeeze_(-1)
    return values.unsqueeze_(0).transpose_(0, -1).squeeze_(-1)


def quantile(input: Tensor, q, dim: int | None = None, keepdim: bool = False, *, interpolation: str = "linear",
             out=None) -> Tensor:
    """The q-th quantiles along dim (of the flattened input when dim is None); nan if the slice has a nan."""
    res = _quantile(input, q, dim, keepdim, interpolation, False)
    from .linalg import _out
    return _out(res, out)


def nanquantile(input: Tensor, q, dim: int | None = None, keepdim: bool = False, *, interpolation: str = "linear",
                out=None) -> Tensor:
    """quantile ignoring nan values (nan only where a slice is all nan)."""
    res = _quantile(input, q, dim, keepdim, interpolation, True)
    from .linalg import _out
    return _out(res, out)


# Tensor methods (attached in ember/__init__.py)
METHODS = {"cov": cov, "corrcoef": corrcoef, "quantile": quantile, "nanquantile": nanquantile}
