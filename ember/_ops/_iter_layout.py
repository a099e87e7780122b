"""The memory layout torch gives a new tensor computed from other tensors (TensorIterator's output allocation).

torch allocates the result of an elementwise or indexing kernel with its dims ordered like the inputs' memory, not
always in C order: ``x.t()[:, [0, 1]]`` comes out C-contiguous, ``x.permute(2, 0, 1)[:, [0, 1]]`` does not. The
order is an insertion sort of the dims, fastest first, starting from C order (last dim fastest). Two dims are
compared by the first input whose strides for them are both nonzero: the smaller stride goes first; equal strides
put the smaller dim first; an input that broadcasts one of the two (stride 0) has no say, and when no input decides,
the pair keeps its order. The result is dense in that order.
"""
from __future__ import annotations

import numpy as np

__all__ = ["iter_strides", "with_strides"]


def iter_strides(shape: tuple[int, ...], inputs: list[tuple[int, ...]]) -> tuple[int, ...]:
    """Element strides of a dense ``shape`` laid out in TensorIterator's order for inputs with these strides
    (each input broadcast to ``shape``: stride 0 on broadcast dims)."""
    nd = len(shape)

    def goes_after(d0: int, d1: int) -> int:  # 1: d0 is slower than d1, -1: faster, 0: undecided
        for strides in inputs:
            s0, s1 = strides[d0], strides[d1]
            if s0 == 0 or s1 == 0:
                continue
            if s0 != s1:
                return 1 if s0 > s1 else -1
            if shape[d0] > shape[d1]:
                return 1
        return 0

    perm = list(range(nd - 1, -1, -1))  # fastest first
    for i in range(1, nd):
        j = i
        for k in range(i - 1, -1, -1):
            order = goes_after(perm[k], perm[j])
            if order > 0:
                perm[k], perm[j] = perm[j], perm[k]
                j = k
            elif order < 0:
                break
    out, step = [0] * nd, 1
    for d in perm:
        out[d] = step
        step *= shape[d]
    return tuple(out)


def with_strides(values: np.ndarray, strides: tuple[int, ...]) -> np.ndarray:
    """``values`` itself if it already has these element strides, else a copy laid out with them (``strides`` must
    be dense, as ``iter_strides`` gives: some order of the dims in which each stride is the product of the sizes of
    the faster dims)."""
    size = values.itemsize
    byte_strides = tuple(s * size for s in strides)
    if values.strides == byte_strides or values.size == 0:
        return values
    if sum((n - 1) * s for n, s in zip(values.shape, strides)) + 1 != values.size:
        raise ValueError(f"strides {strides} are not dense for shape {values.shape}")
    out = np.lib.stride_tricks.as_strided(np.empty(values.size, values.dtype), values.shape, byte_strides)
    np.copyto(out, values)
    return out
