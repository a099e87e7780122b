"""Range factories (``arange``, ``range``, ``linspace``, ``logspace``) with torch's arithmetic, bit for bit.

torch computes each element with a scalar formula such as ``start + step * i``, and its
compiled kernels fuse that into one fused multiply-add (one rounding, not two). NumPy
has no fma, so ``_fma`` rebuilds it from error-free transformations (Dekker/Knuth):
the product and the sum are carried exactly as two floats and rounded once at the end.
"""
from __future__ import annotations

import builtins
import math

import numpy as np

from . import _dtype as D

__all__ = ["overflow_error", "scalar_to", "linspace_values", "logspace_values", "arange_length", "arange_values"]

# c10 type names used in "value cannot be converted to type X without overflow"
_C_NAMES = {"uint8": "uint8_t", "int8": "int8_t", "int16": "int16_t", "int32": "int", "int64": "int64_t",
            "float16": "c10::Half", "float32": "float", "float64": "double", "bool": "bool",
            "complex64": "c10::complex<float>", "complex128": "c10::complex<double>"}


def overflow_error(d: D.dtype) -> RuntimeError:
    return RuntimeError(f"value cannot be converted to type {_C_NAMES[d.name]} without overflow")


def scalar_to(value, d: D.dtype):
    """``Scalar.to<T>()``: convert a Python number to dtype ``d``, with c10's overflow check."""
    def overflow():
        return overflow_error(d)
    if d is D.bool:
        return np.bool_(value)
    if d.is_complex:
        c = builtins.complex(value)
        if d is D.complex64 and any(math.isfinite(p) and abs(p) > 3.4028234663852886e38 for p in (c.real, c.imag)):
            raise overflow()
        return d.np_dtype.type(c)
    if isinstance(value, (builtins.complex, np.complexfloating)):
        if value.imag != 0:  # c10::overflows: no real type holds an imaginary part
            raise overflow()
        value = value.real
    if d.is_floating_point:
        v = builtins.float(value)
        if math.isfinite(v) and abs(v) > np.finfo(d.np_dtype).max:
            raise overflow()
        return d.np_dtype.type(v)
    info = np.iinfo(d.np_dtype)
    if isinstance(value, (builtins.float, np.floating)):
        if not info.min <= value <= info.max:  # also catches nan
            raise overflow()
        v = builtins.int(value)  # C truncation toward zero
    else:
        v = builtins.int(value)
        # c10 lets a negative integer wrap into an unsigned type when its magnitude fits
        if v > info.max or (v < info.min and not (info.min == 0 and -v <= info.max)):
            raise overflow()
    return np.array(v).astype(d.np_dtype)[()]


# --- exact fused multiply-add --------------------------------------------------------

def _two_sum(a, b):
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _split(a):
    t = 134217729.0 * a  # 2**27 + 1: Veltkamp's split into two 26-bit halves
    hi = t - (t - a)
    return hi, a - hi


def _fma64(a: float, b: np.ndarray, c: float) -> np.ndarray:
    """round(a * b + c) in float64 with one rounding (b: integer-valued float64 array)."""
    with np.errstate(over="ignore", invalid="ignore"):
        p = a * b
        ah, al = _split(np.float64(a))
        bh, bl = _split(b)
        pe = ((ah * bh - p) + ah * bl + al * bh) + al * bl
        s, se = _two_sum(np.float64(c), p)
        t, te = _two_sum(se, pe)  # s + t + te == a * b + c exactly
        # round t to odd so that the tail te still breaks ties in the final rounding (no double rounding)
        fix = (te != 0) & ((np.asarray(t).view(np.int64) & 1) == 0)
        t = np.where(fix, np.nextafter(t, np.where(te > 0, np.inf, -np.inf)), t)
        out = s + t
    bad = ~np.isfinite(out)
    if bad.any():  # near the overflow threshold the split overflows: fall back to two roundings
        out[bad] = (a * b + c)[bad]
    return out


def _fma32(a: np.float32, b: np.ndarray, c: np.float32) -> np.ndarray:
    """round(a * b + c) in float32 with one rounding (a, c float32; b float32-valued)."""
    p = np.float64(a) * b.astype(np.float64)  # exact: 24 x 24 bits fit in 53
    s, e = _two_sum(np.float64(c), p)  # s + e == c + p exactly
    # round s to odd in float64 so that rounding it to float32 is correct (no double rounding)
    bits = s.view(np.int64)
    fix = (e != 0) & ((bits & 1) == 0)
    s = np.where(fix, np.nextafter(s, np.where(e > 0, np.inf, -np.inf)), s)
    return s.astype(np.float32)


# --- linspace / logspace --------------------------------------------------------------

def linspace_values(start, end, steps: int, d: D.dtype) -> np.ndarray:
    """torch's linspace kernel: the first half counts up from start, the second half down from end."""
    nd = d.np_dtype
    if steps == 1:  # torch only fills with start; end is never converted
        return np.array([scalar_to(start, d)], nd)
    s, e = scalar_to(start, d), scalar_to(end, d)
    idx = np.arange(steps)
    half = steps // 2
    up, down = idx[:half], (steps - 1 - idx[half:])
    if d.is_complex:
        step = (e - s) / nd.type(steps - 1)
        return np.concatenate([s + step * up, e - step * down]).astype(nd)
    if nd == np.float16:
        # c10::Half arithmetic: every operation rounds to half (NumPy's float16 does the same)
        step = (e - s) / np.float16(steps - 1)
        return np.concatenate([s + step * up.astype(nd), e - step * down.astype(nd)])
    if nd == np.float32:
        step = (e - s) / np.float32(steps - 1)
        return np.concatenate([_fma32(step, up.astype(nd), s), _fma32(-step, down.astype(nd), e)])
    # float64, and integers (whose step is a double; each value is truncated toward zero)
    step = (builtins.float(e) - builtins.float(s)) / (steps - 1)
    vals = np.concatenate([_fma64(step, up.astype(np.float64), builtins.float(s)),
                           _fma64(-step, down.astype(np.float64), builtins.float(e))])
    if nd.kind == "f":
        return vals
    return np.trunc(vals).astype(np.int64).astype(nd)  # C's double -> int conversion, wrapping like x86


def logspace_values(start, end, steps: int, base: float, d: D.dtype) -> np.ndarray:
    """torch's logspace kernel: pow(base, exponent) with the exponent built as in linspace, in double."""
    nd = d.np_dtype
    base = builtins.float(base)
    with np.errstate(all="ignore"):
        if steps == 1:
            return np.array(_pow(base, np.array([builtins.float(start)])) if not d.is_complex
                            else [base ** start]).astype(nd)
        if d.is_complex:
            s, e = scalar_to(start, d), scalar_to(end, d)
            step = (e - s) / nd.type(steps - 1)
            idx = np.arange(steps).astype(nd)
            exps = np.where(np.arange(steps) < steps // 2, s + step * idx, e - step * (nd.type(steps - 1) - idx))
            return np.power(nd.type(base), exps).astype(nd)
        s, e = scalar_to(start, d), scalar_to(end, d)
        step = builtins.float(e - s) / (steps - 1)  # scalar_end - scalar_start in scalar_t, then double
        idx = np.arange(steps)
        half = steps // 2
        up, down = idx[:half].astype(np.float64), (steps - 1 - idx[half:]).astype(np.float64)
        exps = np.concatenate([_fma64(step, up, builtins.float(s)), _fma64(-step, down, builtins.float(e))])
        vals = _pow(base, exps)
        return np.trunc(vals).astype(np.int64).astype(nd) if nd.kind in "iub" else vals.astype(nd)


def _pow(base: float, exps: np.ndarray) -> np.ndarray:
    # C's pow, correctly rounded in glibc; NumPy's SIMD power can differ from it in the last bit
    def one(x: float) -> float:
        try:
            return math.pow(base, x)
        except OverflowError:
            return math.inf
        except ValueError:
            return math.nan
    return np.fromiter((one(x) for x in exps.tolist()), np.float64, len(exps))


# --- arange -----------------------------------------------------------------------------

def _acc(d: D.dtype) -> D.dtype:
    """at::acc_type on the CPU: double for float/double, float for half, int64 for integers."""
    if d.is_floating_point:
        return D.float32 if d is D.float16 else D.float64
    return D.int64


def arange_length(start, end, step, d: D.dtype) -> builtins.int:
    """torch's element count: bounds checked in double; exact integer arithmetic for int64, else ceil in double."""
    dstart, dend, dstep = builtins.float(start), builtins.float(end), builtins.float(step)
    if not (dstep > 0 or dstep < 0):
        raise RuntimeError("step must be nonzero")
    if not (math.isfinite(dstart) and math.isfinite(dend)):
        raise RuntimeError(f"unsupported range: {_fmt(dstart)} -> {_fmt(dend)}")
    if not ((dstep > 0 and dend >= dstart) or (dstep < 0 and dend <= dstart)):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    if d is D.int64:
        a, b, c = (builtins.int(scalar_to(v, D.int64)) for v in (start, end, step))
        if c == 0:  # a fractional step truncated to zero
            raise ValueError("step must be nonzero")
        q = b - a + c - ((c > 0) - (c < 0))
        n = abs(q) // abs(c) * (1 if (q >= 0) == (c > 0) else -1)  # C division truncates toward zero
    else:
        n = math.ceil((dend - dstart) / dstep)
    if not 0 <= n <= 2 ** 63 - 1:
        raise RuntimeError("invalid size, possible overflow?")
    return builtins.int(n)


def _fmt(x) -> str:
    x = builtins.float(x)
    return "inf" if x == math.inf else "-inf" if x == -math.inf else "nan" if x != x else f"{x:g}"


def arange_values(start, step, n: builtins.int, d: D.dtype) -> np.ndarray:
    """torch's arange kernel, bit for bit: ``start + step * i`` in the accumulate type with one rounding (an FMA),
    except that whole SIMD vectors are written from their first value: for the vector starting at ``c``,
    ``base = round(start + step * c)`` in the tensor's dtype, then lane ``j`` is ``round(base + step * j)``.
    The vector loop runs in pairs of vectors (``W`` lanes each: 8 float32, 4 float64, 16 float16, the kernel's
    Vectorized sizes), so the last ``n % 2W`` values of each thread's range come from the scalar formula. Checked against torch 2.13 on
    random (start, step, n) for the three dtypes."""
    nd = d.np_dtype
    idx = np.arange(n)
    if not d.is_floating_point:
        a, c = builtins.int(scalar_to(start, D.int64)), builtins.int(scalar_to(step, D.int64))
        return (a + c * idx.astype(np.int64)).astype(nd)
    if d is D.float16:  # at::acc_type<Half> is float
        step32, acc = scalar_to(step, D.float32), np.float32

        def fma(i: np.ndarray, base) -> np.ndarray:
            return _fma32(step32, i.astype(np.float32), base)
        width, first = 16, scalar_to(start, D.float32)
    else:
        step64, acc = builtins.float(step), np.float64

        def fma(i: np.ndarray, base) -> np.ndarray:
            return _fma64(step64, i.astype(np.float64), base)
        width, first = (8 if d is D.float32 else 4), builtins.float(start)
    out = fma(idx, first).astype(nd)  # the scalar formula (kept for the tails)
    for lo, hi in _parallel_chunks(n):
        vec_end = hi - (hi - lo) % (2 * width)
        if vec_end > lo:
            bases = out[lo:vec_end:width].astype(acc)  # each vector's first value, rounded to the dtype
            lanes = np.tile(np.arange(width), (vec_end - lo) // width)
            out[lo:vec_end] = fma(lanes, np.repeat(bases, width)).astype(nd)
    return out


def _parallel_chunks(n: builtins.int) -> list[tuple[builtins.int, builtins.int]]:
    """The ranges at::parallel_for hands its threads (each runs the vector loop from its own start): one range up to
    its grain size of 32768, else ``t = min(threads, ceil(n / 32768))`` ranges of ``ceil(n / t)``, for
    ``ember.get_num_threads()`` threads (torch's bits depend on its thread count here; equal counts, equal bits)."""
    from ._config import get_num_threads
    threads = min(get_num_threads(), -(-n // _GRAIN))
    if threads <= 1:
        return [(0, n)]
    size = -(-n // threads)
    return [(lo, min(lo + size, n)) for lo in range(0, n, size)]


_GRAIN = 32768
