"""Rounding kernels for the optimizers: torch's CPU arithmetic on ndarrays, fast for float32.

Each kernel reproduces the aten CPU kernel for a float32/float64 tensor and a Python-float scalar: the scalar is first
rounded to the tensor dtype (aten converts it to scalar_t / opmath_t), and every fused multiply-add that GCC emits in
torch's AVX2/AVX512 kernels is a single rounding here too. Verified bitwise in tests/optim.

float32 FMAs are emulated in float64 (see ``fma32_chunk``) on cache-sized chunks: a whole-array float64 pass
would stream each temporary through memory, while a chunk of every array an update touches stays in L2, so the
algorithms (adam.py, sgd.py, rmsprop.py, adagrad.py) run their whole update chunk by chunk with the buffers from
``scratch``, and gather small params into one row per array kind (``run_packed``); the single-tensor ones (nadam.py,
radam.py, adamax.py, adadelta.py, rprop.py, asgd.py) gather theirs too, by ``optimizer._step_packed``.
"""
from __future__ import annotations

import threading
from typing import Any, Callable, Iterator

import numpy as np

from .._ops._iter_layout import iter_strides
from .._rng.fma import fma64, subnormal_ties, toward

CHUNK = 32768  # elements per chunk: the two float64 buffers, three float32 ones and the arrays' slices fit in L2
# Scalars go to ufuncs as 0-dim arrays: NumPy converts those faster than its scalar objects, and each chunk makes
# ~25 ufunc calls, so on small params the call overhead is most of the time.
_SHIFT = np.array(35, np.uint64)  # a float64 shifted left by 35 keeps its 29 bits below float32 precision, on top
_MIDPOINT = np.iinfo(np.int64).min  # ... where an exact float32 midpoint (0b1000...0) reads as int64's minimum
_min = np.minimum.reduce
_local = threading.local()  # per-thread, so optimizers stepping in parallel threads don't share buffers
PACK = 8192  # elements of small params updated together (run_packed): one chunk's worth of ufunc calls


class Scratch:
    """Preallocated chunk buffers: ``fma`` (for ``fma32_chunk``), float32 ``f``, ``g``, ``h``, and ``pack``, five
    float32 rows of ``PACK`` for gathering small params."""

    __slots__ = ("fma", "f", "g", "h", "pack")

    def __init__(self) -> None:
        p, s = np.empty(CHUNK), np.empty(CHUNK)
        # the midpoint test overwrites the products ``p`` (recomputed for the rare repairs): one buffer less in L2
        self.fma = (p, s, s.view(np.uint64), p.view(np.uint64), p.view(np.int64))
        self.f, self.g, self.h = (np.empty(CHUNK, np.float32) for _ in range(3))
        self.pack = np.empty((5, PACK), np.float32)

    def head(self, k: int) -> tuple[tuple[np.ndarray, ...], np.ndarray, np.ndarray, np.ndarray]:
        """The first ``k`` elements of every buffer, for a chunk shorter than ``CHUNK``."""
        return tuple(b[:k] for b in self.fma), self.f[:k], self.g[:k], self.h[:k]


def scratch() -> Scratch:
    bufs = getattr(_local, "bufs", None)
    if bufs is None:
        bufs = _local.bufs = Scratch()
    return bufs


def const(value: Any, dtype: type) -> np.ndarray:
    """A scalar operand as a 0-dim array, rounded to ``dtype`` (as aten converts a Python scalar)."""
    return np.array(value, dtype)


# The decorator is the cheapest public way to see NumPy's underflow flag (half the cost of a with-block): only the
# final cast can raise it, since float32 products and their sums are never subnormal in float64.
@np.errstate(under="raise")
def fma32_chunk(out: np.ndarray, a: np.ndarray, b: np.ndarray, c: np.ndarray, bufs: tuple[np.ndarray, ...]) -> None:
    """``out = fma(a, b, c)`` in float32 on 1-D chunks of one length ``n``, ``bufs`` being ``Scratch.fma`` cut to
    ``n``. ``a`` is a float32 chunk, ``b`` a float32 chunk or a 0-dim float64, ``c`` a float32 chunk or a 0-dim
    float64; ``out`` may be ``c`` but must not overlap ``a`` or ``b``.

    float32*float32 is exact in float64, so ``a*b + c`` in float64 is one rounding there; rounding that to float32
    is a second one, wrong only when the float64 sum sits exactly on a float32 midpoint and the true sum does not.
    Those (rare) sums are nudged one float64 ulp towards the true sum, found with TwoSum. Below 2**-126 float32
    rounds at 2**-149, so the bit test misses the midpoints there: ``_subnormal_ties`` repairs those after the
    cast, which only runs when the cast reports an inexact subnormal (NumPy's underflow flag, free to check).
    """
    p, s, su, pu, pi = bufs
    np.copyto(p, a)  # a plain cast pass: NumPy's mixed-dtype ufunc loops are slower than cast + same-type op
    if b.ndim:
        np.copyto(s, b)
        np.multiply(p, s, out=p)
    else:
        np.multiply(p, b, out=p)
    if c.ndim:
        np.copyto(s, c)
        np.add(s, p, out=s)
    else:
        np.add(p, c, out=s)
    np.left_shift(su, _SHIFT, out=pu)  # one shift and one min find midpoints: cheaper than mask, compare and any
    if _min(pi) == _MIDPOINT:
        d = np.flatnonzero(pi == _MIDPOINT)
        sd = s[d]
        pd = a[d].astype(np.float64) * (b[d] if b.ndim else b)  # exact, as above
        cd = c[d].astype(np.float64) if c.ndim else c
        bv = sd - pd
        s[d] = toward(sd, (pd - (sd - bv)) + (cd - bv))
    try:
        np.copyto(out, s, casting="same_kind")
    except FloatingPointError:
        _subnormal_ties(out, a, b, c, s)


def _subnormal_ties(out: np.ndarray, a: np.ndarray, b: np.ndarray, c: np.ndarray, s: np.ndarray) -> None:
    """``fma32_chunk``'s cast of the sums ``s`` underflowed: round again the sums that sit on a tie of float32's
    subnormal grid (odd multiples of 2**-150), towards the exact sum."""
    with np.errstate(under="ignore"):
        np.copyto(out, s, casting="same_kind")  # NumPy finishes a cast before raising; redone not to rely on it
        d = subnormal_ties(s)
        if d.size:
            sd = s[d]
            pd = a[d].astype(np.float64) * (b[d] if b.ndim else b)
            # ``c`` may be ``out``, overwritten by now: it is recovered from s - p, exact there (a sum off its float64
            # value has |p| < 2**-131, so c, a multiple of 2**-149, is within 2**-178 of the computed s - p)
            cd = np.rint((sd - pd) * 2.0 ** 149) * 2.0 ** -149 if c.ndim else c
            bv = sd - pd
            out[d] = toward(sd, (pd - (sd - bv)) + (cd - bv))


def flat_views(arrays: list[np.ndarray]) -> list[np.ndarray] | None:
    """1-D views of same-shape arrays listing their elements in one common order, or None when their layouts
    differ or have gaps. Any dense layout works (C, Fortran, permuted axes), so elementwise kernels can run on
    transposed grads without a copy when the other arrays share their layout."""
    if all(a.flags.c_contiguous for a in arrays):
        return [a.ravel() for a in arrays]  # a view here; ravel is 4x cheaper than reshape(-1)
    if any(a.shape != arrays[0].shape for a in arrays):
        return None
    if 1 in arrays[0].shape:  # size-1 dims carry no layout (their strides may differ)
        arrays = [a.squeeze() for a in arrays]
    first = arrays[0]
    if any(a.strides != first.strides for a in arrays):
        return None
    perm = np.argsort(first.strides, kind="stable")[::-1]
    if not first.transpose(perm).flags.c_contiguous:
        return None
    return [a.transpose(perm).reshape(-1) for a in arrays]


def _is_dense(shape: tuple[int, ...], strides: tuple[int, ...]) -> bool:
    """torch's is_non_overlapping_and_dense: some order of the dims of size > 1 packs the elements with no gap."""
    require = 1
    for st, n in sorted((st, n) for n, st in zip(shape, strides) if n != 1):
        if st != require:
            return False
        require *= n
    return True


def _is_contiguous(shape: tuple[int, ...], strides: tuple[int, ...]) -> bool:
    """torch's is_contiguous: C order, the strides of size-1 dims ignored."""
    require = 1
    for n, st in zip(reversed(shape), reversed(strides)):
        if n != 1:
            if st != require:
                return False
            require *= n
    return True




def elem_strides(a: np.ndarray) -> tuple[int, ...]:
    """NumPy's byte strides in elements, as torch's ``stride()`` counts them."""
    return tuple(st // a.itemsize for st in a.strides)


def clone_strides(shape: tuple[int, ...], strides: tuple[int, ...]) -> tuple[int, ...]:
    """Strides of ``torch.clone`` (preserve_format) of a tensor: a dense one's own, else dense in its dims' order."""
    return strides if _is_dense(shape, strides) else iter_strides(shape, [strides])


def elementwise_strides(shape: tuple[int, ...], *operands: tuple[int, ...]) -> tuple[int, ...]:
    """Strides of the result of a torch elementwise op on same-shape tensors with these strides (TensorIterator):
    contiguous when all are, channels-last when all are, the common strides when all are dense alike, else dense
    with the dims ordered by the operands' strides, the first operand deciding first."""
    if all(_is_contiguous(shape, st) for st in operands):
        return iter_strides(shape, [])
    if len(shape) == 4 and all(_is_channels_last(shape, st) for st in operands):
        n, c, h, w = shape
        return (h * w * c, 1, w * c, c)
    if all(st == operands[0] for st in operands) and _is_dense(shape, operands[0]):
        return operands[0]
    return iter_strides(shape, list(operands))


def _is_channels_last(shape: tuple[int, ...], strides: tuple[int, ...]) -> bool:
    require = 1
    for d in (1, 3, 2, 0):
        if shape[d] != 1:
            if strides[d] != require:
                return False
            require *= shape[d]
    return True


def empty_strided(shape: tuple[int, ...], strides: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """An uninitialized array with these element strides (dense ones: no gaps, no overlaps)."""
    order = sorted(range(len(shape)), key=lambda d: -strides[d])  # slowest first; ties only between size-1 dims
    out = np.empty([shape[d] for d in order], dtype).transpose(np.argsort(order))
    if elem_strides(out) != tuple(strides) and out.size:
        # a size-1 dim whose stride differs from the packed one (only its index 0 is ever read)
        out = np.lib.stride_tricks.as_strided(np.empty(out.size, dtype), shape, [st * out.itemsize for st in strides])
    return out


def same_layout(a: np.ndarray, like: np.ndarray) -> np.ndarray:
    """``a`` itself if it has ``like``'s shape and strides (or both are C-contiguous), else a copy (broadcast if
    need be) laid out like it."""
    if a.shape == like.shape and (a.strides == like.strides or (a.flags.c_contiguous and like.flags.c_contiguous)):
        return a
    out = np.empty_like(like)
    np.copyto(out, a)
    return out


def chunks(n: int) -> Iterator[tuple[slice, int | None]]:
    """``(slice, None)`` for each full chunk of ``n`` elements, ``(slice, k)`` with the tail length for the last."""
    for i in range(0, n, CHUNK):
        yield slice(i, i + CHUNK), (None if i + CHUNK <= n else n - i)


def run_packed(entries: list[list[np.ndarray]], update: Callable[[list[np.ndarray]], None],
               written: tuple[int, ...]) -> None:
    """Run ``update`` on small params gathered together. Each entry lists one param's 1-D float32 arrays (param,
    grad, state ...) in a fixed order; up to ``PACK`` elements of entries are concatenated into one row per array
    kind, ``update(rows)`` runs once per batch, and the rows at the ``written`` positions are copied back.

    A chunk update costs some 25 NumPy calls whatever its length, so for a bias of 128 numbers that overhead is
    nearly all the time; gathering costs one concatenate per array kind and one copy back per array written.
    """
    pack = scratch().pack
    while entries:
        n, count = 0, 0
        while count < len(entries) and n + entries[count][0].size <= PACK:
            n += entries[count][0].size
            count += 1
        batch, entries = entries[:count], entries[count:]
        rows = [np.concatenate([e[k] for e in batch], out=pack[k, :n]) for k in range(len(batch[0]))]
        update(rows)
        start = 0
        for arrays in batch:
            end = start + arrays[0].size
            for k in written:
                np.copyto(arrays[k], rows[k][start:end])
            start = end


def _fma32_into(out: np.ndarray, a: Any, b: Any, c: Any) -> None:
    """float32 ``out = fma(a, b, c)``: ``a`` and ``c`` arrays of any layout (broadcast to ``out``) or NumPy
    scalars (0-dim arithmetic gives those: the callers' ``end - x`` of 0-dim arrays), ``b`` the same or a scalar."""
    if np.ndim(a) == 0 and np.ndim(b) != 0:
        a, b = b, a
    target = out if flat_views([out]) is not None else np.empty(out.shape, np.float32)  # strided out: via a copy
    b_scalar = np.ndim(b) == 0
    operands = [same_layout(np.asarray(v), target) for v in ((a, c) if b_scalar else (a, b, c))]
    for i in range(len(operands) - 1):  # fma32_chunk's out may be c, not a factor (x.addcmul_(x, y))
        if np.may_share_memory(operands[i], target):
            operands[i] = operands[i].copy(order="K")
    flat = flat_views([target] + operands)
    fo, fa, fc = flat[0], flat[1], flat[-1]
    fb = const(b, np.float64) if b_scalar else flat[2]
    bufs = scratch()
    for sl, k in chunks(fo.size):
        fma32_chunk(fo[sl], fa[sl], fb if b_scalar else fb[sl], fc[sl], bufs.fma if k is None else bufs.head(k)[0])
    if target is not out:
        np.copyto(out, target)


def _fma_into(out: np.ndarray, a: Any, b: Any, c: Any) -> np.ndarray:
    """``out = a * b + c`` rounded once in ``out.dtype`` (inputs already in that dtype; at most one scalar factor)."""
    dtype = out.dtype
    if dtype == np.float32:
        _fma32_into(out, a, b, c)
    elif dtype == np.float64:
        r = fma64(a, b, c)
        if not np.isfinite(r).all():  # Dekker's split breaks on inf; a*b+c is then the right answer anyway
            r = np.where(np.isfinite(r), r, np.multiply(a, b) + c)
        np.copyto(out, r)
    else:
        np.copyto(out, np.multiply(a, b) + c, casting="unsafe")  # half types: no fused kernel to copy
    return out


def _fma(a: Any, b: Any, c: Any, dtype: np.dtype) -> np.ndarray:
    """``a * b + c`` rounded once in ``dtype``, as a new array laid out like ``a`` when it has the result's shape."""
    shape = np.broadcast_shapes(np.shape(a), np.shape(b), np.shape(c))
    out = np.empty_like(a, dtype) if np.shape(a) == shape and isinstance(a, np.ndarray) else np.empty(shape, dtype)
    return _fma_into(out, a, b, c)


def _add(x: np.ndarray, other: np.ndarray, alpha: float) -> np.ndarray:
    """``x.add(other, alpha=alpha)``: aten's add kernel is ``fma(other, alpha, x)``; ``alpha*other`` is exact for
    alpha 1, except in complex arithmetic, where (1+0j)*(inf+0j) has a NaN part."""
    if alpha == 1 and x.dtype.kind != "c":
        return x + other
    return _fma(other, x.dtype.type(alpha), x, x.dtype)


def _k_add_(x: np.ndarray, other: np.ndarray, alpha: float) -> None:
    """``x.add_(other, alpha=alpha)`` (see ``_add``)."""
    if alpha == 1 and x.dtype.kind != "c":
        np.add(x, other, out=x)
    else:
        _fma_into(x, other, x.dtype.type(alpha), x)


def _k_lerp_(x: np.ndarray, end: np.ndarray, weight: float) -> None:
    """``x.lerp_(end, weight)``: ``x + w*(end-x)`` for |w| < 0.5, else ``end - (1-w)*(end-x)``, each one FMA."""
    w = x.dtype.type(weight)
    diff = end - x
    if abs(w) < 0.5:
        _fma_into(x, diff, w, x)
    else:
        _fma_into(x, diff, w - x.dtype.type(1), end)


def _addcmul(x: np.ndarray, t1: np.ndarray, t2: np.ndarray, value: float, out: np.ndarray | None = None) -> np.ndarray:
    """``x.addcmul(t1, t2, value=v)``: ``fma(v*t1, t2, x)`` with ``v*t1`` rounded first; into ``out`` if given."""
    v = x.dtype.type(value)
    return _fma_into(np.empty_like(x) if out is None else out, t1 if v == 1 else v * t1, t2, x)


def _k_addcmul_(x: np.ndarray, t1: np.ndarray, t2: np.ndarray, value: float) -> None:
    """``x.addcmul_(t1, t2, value=v)``."""
    _addcmul(x, t1, t2, value, out=x)


def _k_addcdiv_(x: np.ndarray, t1: np.ndarray, t2: np.ndarray, value: float) -> None:
    """``x.addcdiv_(t1, t2, value=v)``: ``x + (v*t1)/t2``, three roundings (a divide cannot fuse)."""
    v = x.dtype.type(value)
    q = t1 / t2 if v == 1 else (v * t1) / t2
    np.add(x, q, out=x)
