"""The production form of torch's float32 ``NormalFill16`` (AVX2/AVX512 builds), bit-exact and faster.

Why this is exact: in ``boxmuller_avx2`` (the step-by-step reference) the radius depends only on the
24-bit integer ``k1`` behind ``u1 = 1 - k1 * 2**-24`` and (sin, cos) only on the 24-bit ``k2`` behind
``u2 = k2 * 2**-24``. Each half is therefore a function of 2**24 possible inputs, and this module was
compared with the reference on ALL of them (0 differences); ``tests/_rng/test_boxmuller.py`` repeats
that exhaustive comparison on every run (a few seconds). The check is what licenses the shortcuts:

* every FMA of the intrinsics whose product is not exact in float32 is ``a*b + c`` in float64 (the
  product is exact there) rounded once more to float32, WITHOUT ``fma.fma32``'s midpoint repair: over
  the inputs these polynomials receive, the float64 sum never lands on a float32 midpoint unless it is
  exact, so the double rounding never differs from the FMA's single rounding;
* FMAs with a product exact in float32 (``y*DP1``, ``y*DP2`` with y an even integer <= 8, ``e*Q2`` with
  |e| <= 25) are one float32 multiply and add;
* the Cephes range reduction is done with integer bit operations (the musl ``logf`` split, which yields
  the same e and the same m in [SQRTHF, 2*SQRTHF) as Cephes' compare-and-adjust), and the octant of
  sincos as ``j/2 = floor(theta*FOPI/2 + 0.5)``, which equals ``(trunc(theta*FOPI) + 1) >> 1`` for
  0 <= theta*FOPI <= 8.000001 (the rounding of ``+ 0.5`` in float32 cannot cross an integer there);
* quadrant swaps and sign flips are XORs on the bit patterns, so signed zeros come out as in torch.

What was measured and rejected: lookup tables over the 24-bit inputs (64 MB per float32 table; a gather
of 0.5M random entries cost more than computing the radius), and replacing early Horner FMAs by a float32
multiply and add (exhaustively: 2 to 7189 wrong radii per replaced step, and detecting those lanes costs
more than the FMA saves). Work is done in chunks of ``CHUNK`` lanes with preallocated buffers, so the
temporaries stay in the CPU cache and nothing is allocated per chunk.
"""
from __future__ import annotations

import numpy as np

from .boxmuller_avx2 import COS_P, DP1, DP2, DP3, FOPI, LOG_P, LOG_Q1, LOG_Q2, SIN_P, TWO_PI
from .fma import round_f64_to_f32

__all__ = ["radius24", "sincos24", "normal_fill16", "Workspace", "CHUNK"]

f32, f64, i32, u32 = np.float32, np.float64, np.int32, np.uint32
CHUNK = 16384  # lanes (half-blocks of 8) per pass
_SK = "same_kind"
_P = tuple(f64(p) for p in LOG_P)
_C_U1 = i32(0x4AFB0D - (24 << 23))  # (0x3f800000 - SQRTHF's bits), minus 24 in the exponent (see radius24)
_TH = f32(TWO_PI * f32(2.0 ** -24))  # exact: a power-of-two scaling
_FOPI2 = f32(FOPI * f32(0.5))  # exact
_DP1x2, _DP2x2, _DP3x2 = f32(2 * DP1), f32(2 * DP2), f64(2.0) * f64(DP3)  # exact
_CP = tuple(f64(c) for c in COS_P)
_SP = tuple(f64(s) for s in SIN_P)
_SH30 = u32(30)
_M24 = u32(0xFFFFFF)


class Workspace:
    """Scratch buffers for ``n`` lanes (reused across chunks and calls)."""

    __slots__ = ("n", "u", "i", "e", "x", "z", "a", "b", "x64", "z64", "t64", "t64b", "k1", "k2", "rad", "sin", "cos")

    def __init__(self, n: int) -> None:
        self.n = n
        for name in ("u", "k1", "k2"):
            setattr(self, name, np.empty(n, dtype=u32))
        self.i = np.empty(n, dtype=i32)
        for name in ("e", "x", "z", "a", "b", "rad", "sin", "cos"):
            setattr(self, name, np.empty(n, dtype=f32))
        for name in ("x64", "z64", "t64", "t64b"):
            setattr(self, name, np.empty(n, dtype=f64))

    def head(self, n: int) -> Workspace:
        """The first ``n`` lanes of every buffer, as a workspace."""
        if n == self.n:
            return self
        w = object.__new__(Workspace)
        w.n = n
        for name in Workspace.__slots__[1:]:
            setattr(w, name, getattr(self, name)[:n])
        return w


_WS: list[Workspace] = []


def _workspace() -> Workspace:
    if not _WS:
        _WS.append(Workspace(CHUNK))
    return _WS[0]


def radius24(k1: np.ndarray, W: Workspace, out: np.ndarray) -> None:
    """``out = sqrt(-2 * log256_ps(u1))`` with ``u1 = 1 - k1 * 2**-24`` for 24-bit ``k1`` (uint32, W.n lanes)."""
    x, z, e, y, b = W.x, W.z, W.e, W.a, W.b
    x64, z64, t64, ix, k = W.x64, W.z64, W.t64, W.i, W.u.view(i32)
    # K = 2**24 - k1 in [1, 2**24] as float32 (exact); u1 = K * 2**-24 has K's bits minus 24 in the exponent.
    np.subtract(f32(1 << 24), k1, out=x, dtype=f32)
    # musl's logf split: ix = bits(u1) + (0x3f800000 - 0x3f3504f3); e = (ix >> 23) - 127 is Cephes' exponent
    # after its m < SQRTHF fix-up, and (ix & 0x7fffff) + 0x3f3504f3 is the matching 2m or m.
    np.add(x.view(i32), _C_U1, out=ix)
    np.right_shift(ix, 23, out=k)
    np.subtract(k, 127, out=e, casting=_SK)  # small ints: exact in float32
    ix &= 0x7FFFFF
    ix += 0x3F3504F3
    np.subtract(ix.view(f32), f32(1), out=x)  # x = 2m-1 or m-1, exact (Sterbenz)
    np.multiply(x, x, out=z)
    np.copyto(x64, x)
    np.copyto(z64, z)
    # Horner: y = fma(y, x, Pk) for k = 1..8, each as an exact float64 product + add, rounded to float32
    # (y64 holds the rounded value again in float64: same-type ufuncs are cheaper than mixed ones).
    y64 = W.t64b
    np.multiply(x64, _P[0], out=t64)
    t64 += _P[1]
    for pk in _P[2:]:
        np.copyto(y, t64, casting=_SK)
        np.copyto(y64, y)
        np.multiply(y64, x64, out=t64)
        t64 += pk
    np.copyto(y, t64, casting=_SK)
    y *= x
    np.multiply(e, LOG_Q1, out=b)  # e*Q1, rounded to float first
    np.copyto(y64, y)
    np.multiply(y64, z64, out=t64)
    np.copyto(y64, b)
    t64 += y64
    np.copyto(y, t64, casting=_SK)  # y = fma(y, z, e*Q1)
    np.multiply(z, f32(0.5), out=b)
    y -= b
    y += x
    np.multiply(e, LOG_Q2, out=b)  # exact: |e| <= 25 and Q2 has 9 significant bits
    y += b  # fma(e, Q2, x + y) with an exact product: one float32 add
    y *= f32(-2)
    np.sqrt(y, out=out)


def sincos24(k2: np.ndarray, W: Workspace, sin_out: np.ndarray, cos_out: np.ndarray) -> None:
    """(sin, cos) from ``sincos256_ps(float32(2*pi) * u2)`` with ``u2 = k2 * 2**-24`` for 24-bit ``k2``."""
    th, yh, x, z, c = W.e, W.a, W.x, W.z, W.b
    x64, z64, t64, t64b, q, m = W.x64, W.z64, W.t64, W.t64b, W.u, W.i.view(u32)
    np.multiply(k2, _TH, out=th, dtype=f32)  # theta = RN(float32(2*pi) * u2): k2 -> float is exact
    # Cephes: j = trunc(theta*FOPI); j = (j+1) & ~1; y = j. Here yh = j/2 (see the module doc).
    np.multiply(th, _FOPI2, out=yh)
    yh += f32(0.5)
    np.floor(yh, out=yh)
    np.multiply(yh, _DP1x2, out=x)
    x += th  # fma(y, DP1, theta), exact product
    np.multiply(yh, _DP2x2, out=z)
    x += z  # fma(y, DP2, x), exact product
    np.copyto(t64, yh)
    t64 *= _DP3x2
    np.copyto(t64b, x)
    t64 += t64b  # exact in float64
    np.copyto(x, t64, casting=_SK)  # fma(y, DP3, x)
    np.copyto(q.view(i32), yh, casting="unsafe")  # j/2 in 0..4
    np.multiply(x, x, out=z)
    np.copyto(x64, x)
    np.copyto(z64, z)
    # cos: c = fma(fma(CP0, z, CP1), z, CP2) * z; c = fma(c, z, -0.5*z) + 1
    np.multiply(z64, _CP[0], out=t64)
    t64 += _CP[1]
    np.copyto(c, t64, casting=_SK)
    np.copyto(t64b, c)
    np.multiply(t64b, z64, out=t64)
    t64 += _CP[2]
    np.copyto(c, t64, casting=_SK)
    c *= z
    np.copyto(t64b, c)
    np.multiply(t64b, z64, out=t64)
    np.multiply(z64, 0.5, out=t64b)
    t64 -= t64b
    np.copyto(c, t64, casting=_SK)
    c += f32(1)
    # sin (in yh's buffer): s = fma(fma(SP0, z, SP1), z, SP2) * z; s = fma(s, x, x)
    s = yh
    np.multiply(z64, _SP[0], out=t64)
    t64 += _SP[1]
    np.copyto(s, t64, casting=_SK)
    np.copyto(t64b, s)
    np.multiply(t64b, z64, out=t64)
    t64 += _SP[2]
    np.copyto(s, t64, casting=_SK)
    s *= z
    np.copyto(t64b, s)
    np.multiply(t64b, x64, out=t64)
    t64 += x64
    np.copyto(s, t64, casting=_SK)
    # Octant, on the bits: swap s and c when j/2 is odd ((j & 2) != 0); negate sin when j/2 is 2 or 3
    # ((j & 4) != 0); negate cos when j/2 is 1 or 2 (((j - 2) & 4) == 0).
    si, ci, d = s.view(u32), c.view(u32), z.view(u32)
    np.bitwise_and(q, 1, out=m)
    np.negative(m, out=m)  # all ones where odd
    np.bitwise_xor(si, ci, out=d)
    d &= m
    si ^= d
    ci ^= d
    np.bitwise_and(q, 2, out=m)
    m <<= _SH30
    np.bitwise_xor(si, m, out=sin_out.view(u32))
    q += 1
    q &= 2
    q <<= _SH30
    np.bitwise_xor(ci, q, out=cos_out.view(u32))


def normal_fill16(words: np.ndarray, mean: float, std: float, out: np.ndarray) -> None:
    """``NormalFill16<float>`` on blocks of 16 raw 32-bit words (shape (blocks, 16)), written to float32 ``out``.

    Per block: lanes 0..7 give u1 = 1 - uniform (radius), lanes 8..15 give u2 (angle);
    ``out[:, :8] = fma(radius*cos, std, mean)`` and ``out[:, 8:] = fma(radius*sin, std, mean)``.
    """
    mean32, std32 = f32(mean), f32(std)
    plain = std32 == f32(1) and mean32 == f32(0) and not np.signbit(mean32)  # fma(n, 1, +0) = n + 0
    blocks = words.shape[0]
    step = CHUNK // 8
    ws = _workspace()
    for lo in range(0, blocks, step):
        hi = min(blocks, lo + step)
        W = ws.head(8 * (hi - lo))
        k1, k2, rad, sin, cos = W.k1, W.k2, W.rad, W.sin, W.cos
        nb = hi - lo
        np.bitwise_and(words[lo:hi, :8], _M24, out=k1.reshape(nb, 8))
        np.bitwise_and(words[lo:hi, 8:], _M24, out=k2.reshape(nb, 8))
        radius24(k1, W, rad)
        sincos24(k2, W, sin, cos)
        dst = out[lo:hi]
        for half, trig in ((dst[:, :8], cos), (dst[:, 8:], sin)):
            trig *= rad
            if plain:
                np.add(trig.reshape(nb, 8), f32(0), out=half)  # fma(n, 1, 0): -0 becomes +0
            else:
                p = trig.astype(f64)
                p *= f64(std32)
                s = p + f64(mean32)
                half[...] = round_f64_to_f32(s, None, p, f64(mean32)).reshape(nb, 8)
