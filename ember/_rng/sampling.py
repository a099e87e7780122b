"""torch's CPU random kernels on NumPy arrays, one function per aten kernel, bit for bit.

Each function writes into (or returns) an ndarray and names the aten code it reproduces (paths in
pytorch/pytorch; 2.13's copies ship in ``torch/include/ATen``). Kernels marked "serial" run under the
generator lock in TensorIterator order: for a non-contiguous output that is the order of the dims
sorted by decreasing stride (memory order for a transposed view), which ``_iter_view`` reproduces.

Machine conditions (see also ``boxmuller_fast`` and ``fma``):

* FMA contraction: torch's x86 wheels are built for AVX2/AVX512 with GCC contracting ``a*b + c`` to one
  FMA (uniform_, the serial normal's ``z*std + mean``); ember emulates those FMAs exactly. On a torch
  running its ``default`` (pre-AVX2) kernels, or on ARM, torch itself computes differently and only the
  pure-integer/compare kernels (rand with range 1, bernoulli, randint, randperm) stay identical.
* libm: the serial normal path, float64 normal_fill, exponential_, cauchy_, log_normal_, geometric_ and
  multinomial call glibc's ``log``/``log1p``/``sin``/``cos``/``tan``/``exp`` in torch. ember calls the
  same functions through Python's ``math`` module (which wraps the C library), so they agree when
  Python and torch use the same libm (one process: always); float64 normal_fill's ``log`` goes
  through ``glibc_log.log_unit`` (a long double logarithm; ``math.log`` only near rounding midpoints).
  NumPy's own float64 ``log``/``log1p`` are NOT glibc on AVX512 machines and are only used where a
  float32 result provably hides the difference or is verified against ``math``.
"""
from __future__ import annotations

import math
import sys

import numpy as np

from .boxmuller_fast import normal_fill16
from .fma import fma32, fma64
from .generator import Generator
from .glibc_log import log_unit

__all__ = [
    "uniform_", "normal_", "bernoulli_scalar_", "bernoulli_tensor_", "random_from_to_",
    "random_full_64_bits_range_", "random_", "exponential_", "geometric_", "cauchy_", "log_normal_",
    "randperm", "multinomial", "dropout_noise", "serial_normals", "iter_order_view", "libm_vectorised",
]

f16, f32, f64 = np.float16, np.float32, np.float64
_U24 = np.uint32(0xFFFFFF)
_DT16 = np.dtype(f16)


# ---------------------------------------------------------------------------------------------- helpers
def iter_order_view(out: np.ndarray) -> np.ndarray:
    """A view of ``out`` whose C order is torch's TensorIterator write order for this output."""
    if out.ndim <= 1 or out.flags.c_contiguous:
        return out
    # TensorIterator puts the smallest stride innermost; ties keep the logical order.
    perm = sorted(range(out.ndim), key=lambda d: (-abs(out.strides[d]) if out.shape[d] > 1 else 0, d))
    return out.transpose(perm)


def _write(out: np.ndarray, values: np.ndarray) -> None:
    """Store ``values`` (flat, in generation order) into ``out`` in TensorIterator order."""
    if out.ndim == 0:
        out[()] = values[0]
        return
    view = iter_order_view(out)
    view[...] = values.reshape(view.shape)


def _float24(words: np.ndarray) -> np.ndarray:
    """``uniform_real<float>(w, 0, 1)``: the low 24 bits of each word times 2**-24, as float32."""
    return np.multiply(words & _U24, f32(2.0 ** -24), dtype=f32)


def _cast(values: np.ndarray, np_dtype) -> np.ndarray:
    """C++ ``static_cast<scalar_t>`` of a double: c10::Half converts through float (two roundings)."""
    if np_dtype == f16 and values.dtype == f64:
        values = values.astype(f32)
    return values.astype(np_dtype, copy=False)


_LIBM_OK: dict[str, bool] = {}


def libm_vectorised(name: str) -> bool:
    """True if NumPy's float64 ``name`` (``sin``/``cos``) returns exactly what the C library returns.

    Checked once on a fixed sample that covers torch's angle range; on glibc x86-64 builds of NumPy 2.x
    sin and cos are libm calls (the AVX512 SVML variants were removed in NumPy 1.25), while ``log`` and
    ``log1p`` are NumPy's own SIMD code and differ in the last bit for a fraction of a percent of inputs.
    """
    if name not in _LIBM_OK:
        x = np.linspace(0.0, 2 * math.pi, 4099)[1:] + np.random.default_rng(7).random(4098) * 1e-3
        fn = getattr(np, name)
        ref = np.array([getattr(math, name)(v) for v in x.tolist()])
        _LIBM_OK[name] = bool(np.array_equal(fn(x).view(np.uint64), ref.view(np.uint64)))
    return _LIBM_OK[name]


def _libm(name: str, x: np.ndarray) -> np.ndarray:
    """glibc's ``name`` applied to every element of a float64 array."""
    if name in ("sin", "cos") and libm_vectorised(name):
        return getattr(np, name)(x)
    fn = _log if name == "log" else getattr(math, name)
    return np.fromiter(map(fn, x.tolist()), dtype=f64, count=x.size)


def _log(v: float) -> float:
    """C's ``log``: -inf at 0 (a 53-bit uniform is 0 once in 2**53 draws), where ``math.log`` raises."""
    return math.log(v) if v > 0.0 else (-math.inf if v == 0.0 else math.nan)


# ---------------------------------------------------------------------------------------------- uniform
def uniform_(out: np.ndarray, from_: float, to: float, gen: Generator) -> None:
    """``uniform_kernel`` (native/cpu/DistributionTemplates.h), serial.

    float32/float16: ``fma(x, to-from, from)`` in float with x a 24-bit uniform, cast to the dtype; float64:
    the same in double with a 53-bit x. A value that rounds up to ``to`` becomes ``from`` (2.13's clamp).
    """
    n = out.size
    if out.dtype == f64:
        x = gen._engine.uniform53(n)
        rng = float(to) - float(from_)
        if from_ == 0.0 and rng == 1.0:
            v = x
        elif from_ == 0.0:
            v = x * rng  # no addend: one rounding of the product is all the fma does
        else:
            v = fma64(x, rng, float(from_))
        _clamp(v, f64(to), f64(from_), 2.0 ** -53 * (2.0 ** 53 - 1), rng, float(from_))
        _write(out, v)
        return
    lo, hi = f32(from_), f32(to)
    rng = hi - lo  # float arithmetic, as in uniform_real_distribution<float>
    direct = out.dtype == f32 and out.flags.c_contiguous
    v = out.reshape(-1) if direct else np.empty(n, dtype=f32)
    words = gen._engine.words
    for i in range(0, n, _WCHUNK):  # chunks: the words stay in cache between the three passes
        m = words(min(_WCHUNK, n - i))
        m &= _U24
        _uniform24_f32(m, lo, rng, v[i:i + m.size])
    # 2.13's clamp ``v == to -> from``. v is monotone in the 24-bit draw, so only the largest draw
    # (2**24 - 1) can reach ``to``: compute that value once and scan the array only if it does.
    top = np.empty(1, dtype=f32)
    _uniform24_f32(np.array([0xFFFFFF], dtype=np.uint32), lo, rng, top)
    if out.dtype == f16:
        v16 = v.astype(f16)
        to_s, from_s = f16(hi), f16(lo)
        if f16(top[0]) == to_s:
            v16[v16 == to_s] = from_s
        _write(out, v16)
        return
    if top[0] == hi:
        v[v == hi] = lo
    if not direct:
        _write(out, v)


_CHUNK = 1 << 15  # lanes per pass for float64 temporaries (256 KB: stays in L2)
_WCHUNK = 1 << 16  # words drawn per pass by uniform_


def _uniform24_f32(m: np.ndarray, lo: np.float32, rng: np.float32, v: np.ndarray) -> None:
    """``v = fma(m * 2**-24, rng, lo)`` rounded once to float32, for 24-bit integers ``m`` (uint32).

    The product ``m * (rng * 2**-24)`` is exact in float64 (24 x 24 bits; the power-of-two scale is exact).
    With ``lo == 0`` one rounding of it to float32 is the fma. Otherwise, when ``_sum_is_exact`` shows the
    sum fits 53 bits, float64 adds it exactly and the cast to float32 is the fma's single rounding; only
    the remaining (wide-exponent-spread) case needs ``fma32``'s midpoint repair.
    """
    n = m.size
    if lo == 0 and rng == 1:
        np.multiply(m, f32(2.0 ** -24), out=v, dtype=f32)  # exact
        return
    scale = f64(rng) * 2.0 ** -24
    if lo == 0:
        np.multiply(m, scale, out=v, dtype=f64, casting="same_kind")
        return
    if not _sum_is_exact(rng, lo):
        v[...] = fma32(np.multiply(m, scale, dtype=f64), f64(1.0), lo)
        return
    buf = np.empty(min(n, _CHUNK), dtype=f64)
    lo64 = f64(lo)
    for i in range(0, n, _CHUNK):
        j = min(n, i + _CHUNK)
        b = buf[:j - i]
        np.multiply(m[i:j], scale, out=b)
        np.add(b, lo64, out=v[i:j], casting="same_kind")


def _sum_is_exact(rng: np.float32, lo: np.float32) -> bool:
    """Whether ``m*2**-24*rng + lo`` (m < 2**24) always fits float64's 53 bits, so float64 adds it exactly."""
    if rng == 0:
        return True
    er = math.frexp(float(rng))[1]
    ef = math.frexp(float(lo))[1]
    lowest = min(er - 48, ef - 24)
    return max(er, ef) + 1 - lowest <= 53


def _clamp(v: np.ndarray, to_s, from_s, xmax, rng, lo) -> None:
    # Values are monotone in x, so only the largest one can reach ``to``; test the array only if it can.
    if v.size and (v.max() == to_s):
        v[v == to_s] = from_s


# ---------------------------------------------------------------------------------------------- normal
_TWO_PI = 2.0 * math.pi  # ``2.0 * pi<double>``, evaluated left to right as in the C++


def serial_normals_list(gen: Generator, n: int) -> list[float]:
    """``n`` draws of ``normal_distribution<double>`` (core/DistributionsHelper.h) as Python floats.

    Box-Muller in double: u1 then u2 (53-bit each), r = sqrt(-2*log1p(-u2)), theta = 2*pi*u1; returns
    r*cos(theta) and caches r*sin(theta) in the generator, which the next call returns first. Scalar
    ``math`` calls are glibc's, as in torch; this is the fast form for a few values.
    """
    out: list[float] = []
    if n <= 0:
        return out
    cached = gen.next_double_normal
    if cached is not None:
        out.append(cached)
        gen.next_double_normal = None
        n -= 1
    pairs = (n + 1) >> 1
    if pairs:
        w = gen._engine.words_list(4 * pairs)
        log1p, sqrt, cos, sin, two_pi = math.log1p, math.sqrt, math.cos, math.sin, _TWO_PI
        app = out.append
        it = iter(w)
        for a, b, c, d in zip(it, it, it, it):
            # u = (random64() & (2**53-1)) * 2**-53, the first word is the high half; int -> float is exact
            r = sqrt(-2.0 * log1p(-(((c & 0x1FFFFF) << 32 | d) * 1.1102230246251565e-16)))
            th = two_pi * (((a & 0x1FFFFF) << 32 | b) * 1.1102230246251565e-16)
            app(r * cos(th))
            app(r * sin(th))
        if n & 1:
            gen.next_double_normal = out.pop()
    return out


_PREFETCH_AFTER = 3  # consecutive small calls before normals are precomputed in bulk


def small_normals(gen: Generator, n: int, np_dtype) -> np.ndarray:
    """``randn`` of ``n`` (< 16) elements on the serial path: ``fma(z, 1, 0)`` then the cast (Half via float).

    The per-call fast path. After a few consecutive calls (no other draw in between) the next words are
    drawn ahead and their Box-Muller pairs computed in bulk (``_bulk_pairs``); later calls take pairs
    from there. The pending words remain the stream's next words for every other draw and for the
    reported state (``MT19937Engine.prefetch``), so nothing observable changes.
    """
    out: list[float] = []
    cached = gen.next_double_normal
    if cached is not None:
        out.append(cached)
        gen.next_double_normal = None
        n -= 1
    pairs = (n + 1) >> 1
    if pairs:
        eng = gen._engine
        pv = eng.pairs
        p = eng._pos
        if pv is not None and not p & 3 and eng._pend.size - p >= 4 * pairs:
            b = p >> 1
            if out:
                out += pv[b:b + 2 * pairs]
            else:
                out = pv[b:b + 2 * pairs]  # a new list
            eng.take(4 * pairs)
            eng._fresh_next = False
        else:
            streak = eng.streak + 1
            it = iter(eng.words_list(4 * pairs))
            log1p, sqrt, cos, sin, two_pi = math.log1p, math.sqrt, math.cos, math.sin, _TWO_PI
            app = out.append
            for a, b, c, d in zip(it, it, it, it):
                # u = (random64() & (2**53-1)) * 2**-53, the first word is the high half; exact int -> float
                r = sqrt(-2.0 * log1p(-(((c & 0x1FFFFF) << 32 | d) * 1.1102230246251565e-16)))
                th = two_pi * (((a & 0x1FFFFF) << 32 | b) * 1.1102230246251565e-16)
                app(r * cos(th))
                app(r * sin(th))
            eng.streak = streak
            if streak >= _PREFETCH_AFTER and eng._pend is None:
                k = min(4096, 32 << min(streak - _PREFETCH_AFTER, 7))  # pairs, growing with the streak
                eng.pairs = _bulk_pairs(eng.prefetch(4 * k))
        if n & 1:
            gen.next_double_normal = out.pop()
    if 0.0 in out:  # z*1 + 0 (torch's fma) turns -0.0 into +0.0 and changes nothing else
        out = [z + 0.0 for z in out]
    if np_dtype is _DT16:
        return np.array(out, dtype=f32).astype(f16)  # double -> float -> Half, as c10
    return np.array(out, dtype=np_dtype)


def _bulk_pairs(w: np.ndarray) -> list[float]:
    """[cos_0, sin_0, cos_1, sin_1, ...]: the serial Box-Muller pairs of words ``w`` (4 per pair).

    The same double operations as the scalar loop of ``small_normals``, vectorised where NumPy is
    glibc-exact (multiply, sqrt, and sin/cos when ``libm_vectorised`` says so); log1p goes through
    ``math`` (glibc) element by element.
    """
    u = w[0::2] & np.uint64(0x1FFFFF)
    u <<= np.uint64(32)
    u |= w[1::2]
    u = np.multiply(u, 2.0 ** -53, dtype=f64)  # exact
    u1, u2 = u[0::2], u[1::2]
    neg = (-u2).tolist()
    r = np.fromiter(map(math.log1p, neg), dtype=f64, count=len(neg))
    r *= -2.0
    np.sqrt(r, out=r)
    th = _TWO_PI * u1
    inter = np.empty(2 * r.size, dtype=f64)
    np.multiply(r, _libm("cos", th), out=inter[0::2])
    np.multiply(r, _libm("sin", th), out=inter[1::2])
    return inter.tolist()


def serial_normals(gen: Generator, n: int) -> np.ndarray:
    """``n`` draws of ``normal_distribution<double>`` as a float64 array (see ``serial_normals_list``)."""
    if n <= 64:
        return np.array(serial_normals_list(gen, n), dtype=f64).reshape(n)
    out = np.empty(n, dtype=f64)
    start = 0
    if gen.next_double_normal is not None:
        out[0] = gen.next_double_normal
        gen.next_double_normal = None
        start = 1
    rest = n - start
    pairs = (rest + 1) // 2
    u = gen._engine.uniform53(2 * pairs)
    u1, u2 = u[0::2], u[1::2]
    r = np.sqrt(-2.0 * _libm("log1p", -u2))
    th = _TWO_PI * u1
    inter = np.empty(2 * pairs, dtype=f64)
    np.multiply(r, _libm("cos", th), out=inter[0::2])
    np.multiply(r, _libm("sin", th), out=inter[1::2])
    out[start:] = inter[:rest]
    if rest % 2:
        gen.next_double_normal = float(inter[-1])
    return out


def normal_(out: np.ndarray, mean: float, std: float, gen: Generator) -> None:
    """``normal_kernel``: ``normal_fill`` for contiguous outputs of >= 16 elements, else the serial path."""
    n = out.size
    if n >= 16 and out.flags.c_contiguous:
        flat = out.reshape(-1)
        if out.dtype == f64:
            _normal_fill_f64(flat, mean, std, gen)
        else:
            _normal_fill_f32(flat, mean, std, gen)
        return
    z = serial_normals(gen, n)
    if not (std == 1.0 and mean == 0.0 and math.copysign(1.0, mean) > 0):
        z = fma64(z, float(std), float(mean))  # transformation::normal, FMA-contracted
    else:
        z += 0.0  # fma(z, 1, 0): -0.0 becomes +0.0
    _write(out, _cast(z, out.dtype))


def _normal_fill_f32(flat: np.ndarray, mean: float, std: float, gen: Generator) -> None:
    """``normal_fill<float>`` / ``<Half>`` with ``NormalFill16<float>`` (AVX2 specialisation).

    float32: all n uniforms first, transformed in blocks of 16; if n % 16 != 0, 16 NEW uniforms redo the
    last 16 slots. float16 works in float blocks of 16 drawn one after the other, so it draws
    16*(n//16 + [n%16 != 0]) words instead of n + 16*[n%16 != 0].
    """
    n = flat.size
    nb, tail = divmod(n, 16)
    if flat.dtype == f32:
        w = gen._engine.words(n + (16 if tail else 0))
        normal_fill16(w[:16 * nb].reshape(nb, 16), mean, std, flat[:16 * nb].reshape(nb, 16))
        if tail:
            last = np.empty((1, 16), dtype=f32)
            normal_fill16(w[n:].reshape(1, 16), mean, std, last)
            flat[n - 16:] = last[0]
        return
    blocks = nb + (1 if tail else 0)
    w = gen._engine.words(16 * blocks).reshape(blocks, 16)
    res = np.empty((blocks, 16), dtype=f32)
    normal_fill16(w, mean, std, res)
    flat[:16 * nb] = res[:nb].reshape(-1).astype(flat.dtype)
    if tail:
        flat[n - 16:] = res[nb].astype(flat.dtype)


def _normal_fill_f64(flat: np.ndarray, mean: float, std: float, gen: Generator) -> None:
    """``normal_fill<double>`` with the scalar ``NormalFill16<double>``: glibc log, sin, cos in double."""
    n = flat.size
    nb, tail = divmod(n, 16)
    d = gen._engine.uniform53(n + (16 if tail else 0))
    blocks = [d[:16 * nb].reshape(nb, 16)]
    if tail:
        blocks.append(d[n:].reshape(1, 16))
    res = []
    for blk in blocks:
        u1 = 1.0 - blk[:, :8]
        radius = np.sqrt(-2.0 * log_unit(u1.reshape(-1)).reshape(u1.shape))  # u1 in (0, 1]
        theta = (2.0 * math.pi) * blk[:, 8:]
        r = np.empty_like(blk)
        r[:, :8] = radius * _libm("cos", theta.reshape(-1)).reshape(theta.shape)
        r[:, 8:] = radius * _libm("sin", theta.reshape(-1)).reshape(theta.shape)
        if not (std == 1.0 and mean == 0.0 and math.copysign(1.0, mean) > 0):
            r = fma64(r, float(std), float(mean))
        else:
            r += 0.0  # std::fma(x, 1, 0) turns -0 into +0
        res.append(r)
    flat[:16 * nb] = res[0].reshape(-1)
    if tail:
        flat[n - 16:] = res[1].reshape(-1)


# ---------------------------------------------------------------------------------------------- bernoulli
def _u53_below(gen: Generator, n: int, p: float) -> np.ndarray:
    """``u < p`` for ``n`` 53-bit doubles ``u = U * 2**-53`` (torch's uniform_real<double>), as a bool array.

    Compared on the integers: ``U * 2**-53 < p`` iff ``U < p * 2**53`` (both sides exact: ``p * 2**53`` is
    a power-of-two scaling of a double in [0, 1]) iff ``U < ceil(p * 2**53)`` since U is an integer.
    """
    thr = np.uint64(math.ceil(float(p) * 2.0 ** 53))
    u = gen._engine.u53(n)
    return np.less(u, thr, out=np.empty(n, dtype=np.bool_))


def bernoulli_scalar_(out: np.ndarray, p: float, gen: Generator) -> None:
    """``bernoulli_kernel(self, double p)``: serial, a 53-bit double u per element, value ``u < p``."""
    _write(out, _u53_below(gen, out.size, p).astype(out.dtype, copy=False))


def bernoulli_tensor_(out: np.ndarray, p: np.ndarray, gen: Generator) -> None:
    """``bernoulli_kernel(self, Tensor p)``: float64 p compares a 53-bit double, other p a 24-bit float."""
    pb = np.broadcast_to(p, out.shape)
    view = iter_order_view(out)
    if view is not out:
        pb = pb.transpose(_perm_of(out))
    pv = pb.reshape(-1) if pb.size else pb.ravel()
    if p.dtype == f64:
        u = gen._engine.uniform53(out.size)
        vals = u < pv
    else:
        u = _float24(gen._engine.words(out.size))
        vals = u < pv.astype(f32)
    if view.ndim == 0:
        out[()] = vals[0]
    else:
        view[...] = vals.reshape(view.shape).astype(out.dtype)


def _perm_of(out: np.ndarray) -> list[int]:
    return sorted(range(out.ndim), key=lambda d: (-abs(out.strides[d]) if out.shape[d] > 1 else 0, d))


def dropout_noise(shape: tuple[int, ...], p: float, np_dtype, gen: Generator) -> np.ndarray:
    """The mask torch's ``_dropout_impl`` (native/Dropout.cpp) multiplies the input by, in training mode.

    ``noise = empty(shape).bernoulli_(1 - p); noise.div_(1 - p)``: kept entries hold ``1/(1-p)`` computed
    in the dtype's math type (float for float16), dropped ones 0. The caller handles what torch handles
    before drawing anything: ``p == 0`` or ``numel == 0`` returns the input unchanged, ``p == 1`` returns
    ``input * 0``; neither consumes random numbers.
    """
    q = 1.0 - p
    mask = _u53_below(gen, math.prod(shape), q).reshape(shape)
    if np_dtype == f64:
        scale = f64(1.0) / f64(q)
    else:
        scale = f32(1.0) / f32(q)  # float math for float32 and float16
    # kept: 1 * scale = scale, dropped: 0 * scale = +0 (scale > 0), then cast as torch's div_ result
    if np.dtype(np_dtype) in (np.dtype(f32), np.dtype(f64)):
        return np.multiply(mask, scale, dtype=np_dtype)
    return np.multiply(mask, scale, dtype=f32).astype(np_dtype)


# ---------------------------------------------------------------------------------------------- integers
def random_from_to_(out: np.ndarray, rng: int, base: int, gen: Generator) -> None:
    """``random_from_to_kernel``: ``random() % range + base`` (``random64()`` when range >= 2**28)."""
    n = out.size
    if rng >= 1 << 28:
        w = gen._engine.random64(n)
        v = (w % np.uint64(rng)).astype(np.int64)
    else:
        w = gen._engine.words(n)
        w %= np.uint32(rng)
        if out.dtype == np.int64 and out.flags.c_contiguous:
            # w + base < 2**63 here: no wrap-around, and one pass writes the result
            np.add(w, np.int64(base), out=out.reshape(-1))
            return
        v = w.astype(np.int64)
    if base:
        v += np.int64(base)  # wraps modulo 2**64 like the C++ uint64 arithmetic
    _write(out, _int64_to(v, out.dtype))


def random_full_64_bits_range_(out: np.ndarray, gen: Generator) -> None:
    """``random_full_64_bits_range_kernel``: ``random64()`` reinterpreted as int64."""
    v = gen._engine.random64(out.size).view(np.int64)
    _write(out, _int64_to(v, out.dtype))


def _int64_to(v: np.ndarray, dt) -> np.ndarray:
    if dt == f16:
        return v.astype(f32).astype(f16)  # int64 -> float -> Half in c10
    if dt == np.bool_:
        return v != 0
    return v.astype(dt, copy=False)


def random_(out: np.ndarray, gen: Generator) -> None:
    """``random_kernel`` (``uniform_int_distribution``): int64/double use ``random64()``, others ``random()``.

    Moduli: int64 2**63, double 2**53+1, float 2**24+1, half 2**11+1, intN 2**(N-1), uint8 256, bool: low bit.
    """
    dt = out.dtype
    n = out.size
    if dt == np.bool_:
        _write(out, (gen._engine.words64(n) & np.uint64(1)) != 0)
        return
    if dt in (np.int64, f64):
        w = gen._engine.random64(n)
        mod = (1 << 63) if dt == np.int64 else (1 << 53) + 1
    else:
        w = gen._engine.words64(n)
        mod = {f32: (1 << 24) + 1, f16: (1 << 11) + 1, np.uint8: 256}.get(dt.type)
        if mod is None:
            mod = 1 << (8 * dt.itemsize - 1)
    _write(out, _int64_to((w % np.uint64(mod)).astype(np.int64), dt))


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


# ---------------------------------------------------------------------------------------------- others
def exponential_(out: np.ndarray, lambd: float, gen: Generator) -> None:
    """``exponential_kernel`` (default CPU kernel): ``-1/lambda * log1p(-u)`` in double, u 53-bit."""
    u = gen._engine.uniform53(out.size)
    v = (-1.0 / float(lambd)) * _libm("log1p", -u)
    _write(out, _cast(v, out.dtype))


def geometric_(out: np.ndarray, p: float, gen: Generator) -> None:
    """``geometric_kernel``: ``ceil(log(u) / log1p(-p))`` in double, u 53-bit."""
    u = gen._engine.uniform53(out.size)
    v = np.ceil(_libm("log", u) / math.log1p(-float(p)))
    dt = out.dtype
    _write(out, _cast(v, dt) if dt.kind == "f" else v.astype(np.int64).astype(dt))


def cauchy_(out: np.ndarray, median: float, sigma: float, gen: Generator) -> None:
    """``cauchy_kernel``: ``median + sigma * tan(pi * (u - 0.5))`` in double, u 53-bit."""
    u = gen._engine.uniform53(out.size)
    v = float(median) + float(sigma) * _libm("tan", math.pi * (u - 0.5))
    _write(out, _cast(v, out.dtype))


def log_normal_(out: np.ndarray, mean: float, std: float, gen: Generator) -> None:
    """``log_normal_kernel``: ``exp(normal_distribution<double>(mean, std))``, serial path always."""
    z = serial_normals(gen, out.size)
    z = fma64(z, float(std), float(mean))
    _write(out, _cast(_libm("exp", z), out.dtype))


def multinomial(p: np.ndarray, k: int, replacement: bool, gen: Generator) -> np.ndarray:
    """``multinomial`` (native/Distributions.cpp + cpu/MultinomialKernel.cpp) on a 1-D or 2-D float array.

    Without replacement or k == 1: ``q = exponential_(1)`` per entry, then the top-k of ``p / q``.
    With replacement: per row a cumulative distribution and one 53-bit double per sample,
    index = first entry with ``cum >= u``.
    """
    p2 = p.reshape(1, -1) if p.ndim == 1 else p
    rows, cats = p2.shape
    if not replacement or k == 1:
        q = np.empty(p2.shape, dtype=p2.dtype)
        exponential_(q, 1.0, gen)
        r = p2 / q
        if k == 1:
            res = np.argmax(r, axis=1)[:, None]
        else:
            res = np.argsort(-r, axis=1, kind="stable")[:, :k]
    else:
        res = np.empty((rows, k), dtype=np.int64)
        for i in range(rows):
            cum = np.cumsum(p2[i])
            cum = cum / cum[-1]
            cum[-1] = 1.0
            u = gen._engine.uniform53(k)
            res[i] = np.searchsorted(cum, u.astype(cum.dtype) if cum.dtype != f64 else u, side="left")
    res = res.astype(np.int64)
    return res[0] if p.ndim == 1 else res
