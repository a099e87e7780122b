"""``normal_`` (``randn``, ``Tensor.normal_``, ``nn.init``'s normal draws) and ``log_normal_``, bit for bit.

``normal_kernel`` vectorises contiguous outputs of 16 or more elements (``normal_fill``: Box-Muller on
blocks of 16 uniforms); anything else takes the serial path of ``serial_normal``. torch's x86 build
contracts ``z*std + mean`` into one FMA, which ``fma64`` reproduces.
"""
from __future__ import annotations

import math

import numpy as np

from .boxmuller_fast import normal_fill16
from .fma import fma64
from .generator import Generator
from .glibc_log import log_unit
from .libm import libm
from .serial_normal import serial_normals
from .store import cast, write

__all__ = ["normal_", "log_normal_"]

f32, f64 = np.float32, np.float64


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
    write(out, cast(z, out.dtype))


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
        r[:, :8] = radius * libm("cos", theta.reshape(-1)).reshape(theta.shape)
        r[:, 8:] = radius * libm("sin", theta.reshape(-1)).reshape(theta.shape)
        if not (std == 1.0 and mean == 0.0 and math.copysign(1.0, mean) > 0):
            r = fma64(r, float(std), float(mean))
        else:
            r += 0.0  # std::fma(x, 1, 0) turns -0 into +0
        res.append(r)
    flat[:16 * nb] = res[0].reshape(-1)
    if tail:
        flat[n - 16:] = res[1].reshape(-1)


def log_normal_(out: np.ndarray, mean: float, std: float, gen: Generator) -> None:
    """``log_normal_kernel``: ``exp(normal_distribution<double>(mean, std))``, serial path always."""
    z = serial_normals(gen, out.size)
    z = fma64(z, float(std), float(mean))
    write(out, cast(libm("exp", z), out.dtype))
