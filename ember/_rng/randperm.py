"""``randperm``: torch's swap loop over the stream's words, applied without a Python loop."""
from __future__ import annotations

import sys

import numpy as np

from .generator import Generator

__all__ = ["randperm"]


def randperm(n: int, gen: Generator) -> np.ndarray:
    """``randperm_cpu`` (native/TensorFactories.cpp), n < 2**32 / 20: for i in 0..n-2, swap r[i] with
    r[i + random() % (n - i)].

    The swaps are applied without a Python loop, in O(n log n) with one sort (``_apply_swaps_keys``).
    """
    if n >= (1 << 32) // 20:
        raise NotImplementedError("ember's randperm follows torch's small-n algorithm only (n < 214748364)")
    if n < 2:
        return np.arange(n, dtype=np.int64)
    z = gen._engine.words(n - 1)
    z %= np.arange(n, 1, -1, dtype=np.uint32)  # n < 2**32: 32-bit division, as torch's uint32 % int64
    return _perm_from_offsets(z)


def _perm_from_offsets(z: np.ndarray) -> np.ndarray:
    """``arange(n)`` after ``swap(r[i], r[i + z[i]])`` for i = 0..n-2 (z: uint32, ``z[i] < n - i``)."""
    m = z.size
    # sort keys 2**62 + (j << 32) + i with j = i + z, written as their two 32-bit halves
    key = np.empty(m, dtype=np.int64)
    half = key.view(np.uint32).reshape(m, 2)
    i = np.arange(_HI_BIAS, _HI_BIAS + m, dtype=np.uint32)
    np.add(z, i, out=half[:, _HI])  # 2**30 + j: j < 2**28, no wrap-around
    i -= np.uint32(_HI_BIAS)
    half[:, _LO] = i
    return _apply_swaps_keys(key)


# Keys lie in [2**62, 2**62 + 2**60) (j < 2**28 as n < 2**32 / 20): read as float64, their bit patterns
# are normal, finite, positive numbers (exponent field 0x400 to 0x4ff), ordered as the integers are.
# NumPy's float64 sort is faster than its int64 sort here; the bias keeps every key away from the
# subnormals, which a denormals-are-zero CPU mode (``torch.set_flush_denormal(True)``) compares as 0.
_HI_BIAS = 1 << 30  # the bias 2**62 seen in the high half
_LO, _HI = (0, 1) if sys.byteorder == "little" else (1, 0)  # an int64's halves as two uint32


def _apply_swaps_keys(key: np.ndarray) -> np.ndarray:
    """``r = arange(m + 1)`` after ``swap(r[i], r[j[i]])`` for i = 0..m-1 in order (``j[i] >= i``),
    given the keys ``2**62 + (j[i] << 32) + i`` (consumed).

    Notation: a "hit" on position p is a step s with ``j[s] == p``; all hits on p happen at steps
    s <= p. Step s fixes r[s] for good (later steps touch only positions > s). Let A(t) be the value at
    position t just before step t (for t = m: the value there at the end). Then

    * A(t) = t if no step before t hit t; otherwise A(t) = A(L(t)), L(t) = the last hit on t before
      step t (step L(t) moved A(L(t)) there and nothing touched t since);
    * r[s] = j[s] if s is the first hit on j[s] (position j[s] still holds its own value), otherwise
      r[s] = A(s'), s' = the previous hit on j[s] (step s' left A(s') there);
    * r[m] = A(m).

    The hits on each position, in step order, are runs of one sort of the ``(j, s)`` keys. A is a
    forest walk (L(t) < t), resolved in increasing t by ``_roots``.
    """
    m = key.size
    n = m + 1
    key.view(np.float64).sort()  # by target, then step (see _HI_BIAS); unique keys: any sort is "stable"
    g = key >> 32  # target of each sorted hit
    g -= _HI_BIAS
    o = key
    o &= 0xFFFFFFFF  # step of each sorted hit
    same = g[1:] == g[:-1]  # sorted hit k+1 is on the same position as hit k
    selfhit = o == g
    # o_k = L(g_k) iff it is not the self-hit and the next sorted hit is not a later non-self hit
    # on g_k (only the self-hit, step g_k itself, may follow it).
    is_last = np.logical_not(selfhit)
    later = same & ~selfhit[1:]
    is_last[:-1] &= ~later
    k = np.flatnonzero(is_last)
    A = _roots(n, g.take(k), o.take(k))
    vals = g  # reuse: r[o_k] = g_k for a first hit, A(o_{k-1}) otherwise
    k = np.flatnonzero(same)
    vals[k + 1] = A.take(o.take(k))
    r = np.empty(n, dtype=np.int64)
    r[o] = vals
    r[m] = A[m]
    return r


def _roots(n: int, T: np.ndarray, L: np.ndarray) -> np.ndarray:
    """A(t) for t in 0..n-1: t itself, or A(L[i]) where t == T[i] (T ascending, ``L[i] < T[i]``).

    Blocks of increasing t: when a block starts at a, A is final below a, so one gather ``A[L[i]]``
    finishes each t whose parent lies below a. Parents inside the block are few (a parent is an earlier
    hit, spread over [0, t)); for those the gather returns an ancestor (A still holds the identity
    there), and they then jump ``A[t] <- A[A[t]]`` together until they stop moving, which halves their
    distance to a root per round. Blocks shrink with the positions left (n - a) so that in-block
    parents stay rare near the end, where hits crowd.
    """
    A = np.arange(n, dtype=np.int32)  # n < 2**32 / 20: int32 halves the memory the gathers roam
    a = i = 0
    while i < T.size:
        b = a + max(1024, (n - a) >> 3)
        j = int(np.searchsorted(T, b)) if b < n else T.size
        Tb, Lb = T[i:j], L[i:j]
        inner = np.flatnonzero(Lb >= a)  # parent inside the block: the gather gives only an ancestor
        vals = A.take(Lb)
        A[Tb] = vals
        while inner.size:
            v = vals.take(inner)
            nv = A.take(v)
            moved = nv != v  # v was not a root (nor an entry below a, which maps to its root)
            vals.put(inner, nv)
            A[Tb.take(inner)] = nv
            inner = inner[moved]
        a, i = b, j
    return A
