"""Sums along a contiguous last axis in torch's CPU order of additions, so that float32/float64 sums (losses
printed with ``loss.item()``, means) come out as torch's to the last bit.

torch's sum kernel (aten SumKernel, ``cascade_sum``) reads a row of n >= W elements as V = n // W vectors of W
lanes (W = 8 floats / 4 doubles, see ``lanes``) and adds, in the row's own dtype:

    vectors, four at a time (ILP): vector 4i + k goes to accumulator k, through a 4-level cascade: level 0 sums
        ``step`` consecutive rows of four (step = 2^max(4, ceil(log2(V // 4)) // 4), so 16 up to huge rows) and
        hands its sum up to level 1, which hands up every ``step`` of those, and so on; level 3 keeps
        everything; the rows left after the last full block go to level 0; finally level 0 += 1, += 2, += 3
    the (V mod 4) vectors left over are added to accumulator 0; then acc0 += acc1 += acc2 += acc3 (in that order)
    a scalar: 0, plus the n mod W trailing elements in order, plus the W lanes of acc0 in order
A row of fewer than W elements goes through the same four accumulators element by element.

A whole-tensor sum of at least 32768 elements with several threads splits the elements into one contiguous
range per thread (torch's two-pass reduction), sums each range so, and adds the per-thread sums in thread order.
Every add here is a NumPy add in the row's dtype, vectorised across rows and lanes, in exactly that order.
"""
from __future__ import annotations

import numpy as np

from .. import _config

__all__ = ["cascade_sum_rows", "cascade_sum_all", "lanes", "torch_sum"]

_GRAIN = 32768  # torch's at::internal::GRAIN_SIZE
# torch_sum reproduces sums of up to this many elements (a loss, a metric, a printed statistic); beyond, where the
# strided adds of the cascade cost twice NumPy's own sum, the caller's faster pairwise sum runs instead
EXACT_MAX = 1 << 18
_LEVELS = 4
_STEP = 16      # the cascade's block length below 2^20 rows of four


def lanes(dtype: np.dtype) -> int:
    """Elements per vector of torch's sum kernel: 32 bytes (8 floats, 4 doubles) -- measured against torch 2.13,
    also on a CPU whose get_cpu_capability() is AVX512 (the sum keeps AVX2-width vectors)."""
    return 32 // np.dtype(dtype).itemsize


# the order in which a row of 4 <= n < W elements is added: x0, the elements after the first four, then x1, x2,
# x3 (accumulator k holds x_k; the leftovers go to accumulator 0; then the four are added in order)
_SHORT = {n: np.array([0, *range(4, n), 1, 2, 3], np.intp) for n in range(4, 8)}


def _ceil_log2(x: int) -> int:
    return 1 if x <= 2 else (x - 1).bit_length()


def _in_order(parts: np.ndarray, axis: int) -> np.ndarray:
    """parts[0] + parts[1] + ... along a non-innermost ``axis``, left to right: NumPy's reduce adds the slices into
    its output one by one in index order there. (It starts from parts[0], not 0 + parts[0]: they differ only in
    the sign of a zero, and each sum ends in a scalar that starts from +0.0, as torch's does.)"""
    m = parts.shape[axis]
    if m == 0:
        return np.zeros(parts.shape[:axis] + parts.shape[axis + 1:], parts.dtype)
    if m > _STEP or parts.size < 4096 * m:
        return np.add.reduce(parts, axis=axis)
    pick = (slice(None),) * axis
    acc = parts[pick + (0,)].copy()
    for i in range(1, m):  # a few long adds run faster than NumPy's reduce over a short strided axis (2x at 2M)
        acc += parts[pick + (i,)]
    return acc


def _cascade(rows: np.ndarray) -> np.ndarray:
    """multi_row_sum: (R, m, L) -> (R, L), the m rows of each of the R problems added through the 4 levels."""
    r, m, width = rows.shape
    step = 1 << max(4, _ceil_log2(m) // _LEVELS)
    full = m // step
    level = _in_order(rows[:, :full * step].reshape(r, full, step, width), 2)  # level 0's block sums, in order
    held = []  # what levels 1, 2 hold at the end: the sums since their last hand-up
    for _ in range(_LEVELS - 2):
        groups = level.shape[1] // step
        held.append(_in_order(level[:, groups * step:], 1))
        level = _in_order(level[:, :groups * step].reshape(r, groups, step, width), 2)
    acc = _in_order(rows[:, full * step:], 1)       # level 0: the rows after the last full block
    for h in held + [_in_order(level, 1)]:         # then levels 1, 2 and 3 (which kept every group)
        acc += h
    return acc


def cascade_sum_rows(x: np.ndarray) -> np.ndarray:
    """torch's sum of each row of a C-contiguous (R, n) float32/float64 array: (R,) in x's dtype."""
    r, n = x.shape
    w = lanes(x.dtype)
    if n < w:  # below 8 elements NumPy's reduce adds left to right from 0: only the order needs arranging
        return np.add.reduce(x if n < 4 else x.take(_SHORT[n], axis=1), axis=1)
    v = n // w
    quads = v // 4
    if quads:
        head = x[:, :quads * 4 * w].reshape(r, quads, 4 * w)
        acc = (_in_order(head, 1) if quads < _STEP else _cascade(head)).reshape(r, 4, w)
        first = acc[:, 0].copy()
    else:  # fewer than four vectors: accumulators 1-3 stay 0, and adding them changes nothing
        first = x[:, :w].copy()
    for j in range(quads * 4 + (not quads), v):  # the vectors after the last four
        first += x[:, j * w:(j + 1) * w]
    if quads:
        for k in range(1, 4):
            first += acc[:, k]
    # 0, the trailing elements, then the lanes, one add at a time (accumulate is sequential by definition)
    chain = np.concatenate((np.zeros((r, 1), x.dtype), x[:, v * w:], first), axis=1)
    return np.add.accumulate(chain, axis=1)[:, -1].copy()  # a fresh array, not a strided column of the chain


def cascade_sum_all(flat: np.ndarray, threads: int = 1) -> np.ndarray:
    """torch's sum of a contiguous 1-D float32/float64 array (a 0-d array), summed by ``threads`` threads."""
    n = flat.shape[0]
    w = lanes(flat.dtype)
    if n < 4 * w:  # no row of four vectors: the short forms of cascade_sum_rows, on 1-D arrays (few NumPy calls)
        if n < w:
            return np.asarray(np.add.reduce(flat if n < 4 else flat.take(_SHORT[n])))
        v = n // w
        first = flat[:w] if v == 1 else flat[:w] + flat[w:2 * w]
        if v == 3:
            first = first + flat[2 * w:3 * w]
        chain = np.concatenate((np.zeros(1, flat.dtype), flat[v * w:], first))
        return np.asarray(np.add.accumulate(chain)[-1])
    if n < _GRAIN or threads <= 1:
        return np.asarray(cascade_sum_rows(flat[None])[0])
    tasks = min(threads, -(-n // _GRAIN))
    chunk = -(-n // tasks)
    parts = [cascade_sum_rows(flat[None, s:s + chunk])[0] for s in range(0, n, chunk)]
    return np.asarray(np.add.accumulate(np.array([0, *parts], flat.dtype))[-1])


def torch_sum(a: np.ndarray, axes: tuple | None, keepdim: bool) -> np.ndarray | None:
    """The sum torch computes for a float32/float64 ``a`` over ``axes`` (None: all), in a's dtype, when its layout
    lets the order be reproduced here: every element of a dense array (in memory order), or the last axis of a
    C-contiguous one, up to ``EXACT_MAX`` elements. None otherwise (the caller's own sum then runs)."""
    size = a.size
    char = a.dtype.char
    if char not in "fd" or not size:  # float32/float64 only
        return None
    if size == 1 and axes is None:  # a loss already reduced: 0 + x (only a zero's sign can change)
        return a.reshape(()) + a.dtype.type(0)
    if axes is None and 1 < size < 16 and a.flags.c_contiguous:
        # the commonest small case first, inline (a handful of us per op is what tiny models spend)
        flat = a.reshape(-1)
        if size < (8 if char == "f" else 4):
            return np.add.reduce(flat if size < 4 else flat.take(_SHORT[size]))
        return cascade_sum_all(flat)
    nd = a.ndim
    if axes is not None:
        axes = tuple(sorted({ax % nd for ax in axes})) if nd else ()
    if a.size == 1 and (axes is None or len(axes) == nd):  # 0 + x: only a zero's sign can change
        total = a.reshape(()) + a.dtype.type(0)
        return np.asarray(total).reshape((1,) * nd) if keepdim and axes is not None else np.asarray(total)
    if axes is None or len(axes) == nd:
        if not (a.flags.c_contiguous or a.flags.f_contiguous) or a.size > EXACT_MAX:
            return None
        total = cascade_sum_all(a.ravel(order="K"), _config.get_num_threads())
        return total.reshape((1,) * nd) if keepdim and axes is not None else total
    if tuple(axes) != (nd - 1,) or not a.flags.c_contiguous or a.size > EXACT_MAX:
        return None
    rows = cascade_sum_rows(a.reshape(-1, a.shape[-1])).reshape(a.shape[:-1])
    return rows[..., None] if keepdim else rows
