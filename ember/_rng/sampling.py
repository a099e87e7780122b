"""torch's CPU random kernels on NumPy arrays, one function per aten kernel, bit for bit: the index.

The kernels live by family in ``uniform``, ``normal`` (with the serial path in ``serial_normal``),
``bernoulli`` (with dropout's mask), ``integers``, ``randperm``, ``inverse_cdf`` (exponential, geometric,
cauchy) and ``multinomial``; ``store`` writes their values in torch's order and ``libm`` calls glibc.
This module re-exports them so that ``ember._rng.sampling.<kernel>`` keeps working for its callers
(``_random_ops``, ``_ops/nn/dropout``, tests and benchmarks).

Each function writes into (or returns) an ndarray and names the aten code it reproduces (paths in
pytorch/pytorch; 2.13's copies ship in ``torch/include/ATen``). Kernels marked "serial" run under the
generator lock in TensorIterator order: for a non-contiguous output that is the order of the dims
sorted by decreasing stride (memory order for a transposed view), which ``store.iter_order_view``
reproduces.

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

from .bernoulli import bernoulli_scalar_, bernoulli_tensor_, dropout_noise
from .integers import random_, random_from_to_, random_full_64_bits_range_
from .inverse_cdf import cauchy_, exponential_, geometric_
from .libm import libm_vectorised
from .multinomial import multinomial
from .normal import log_normal_, normal_
from .randperm import randperm
from .serial_normal import serial_normals, serial_normals_list, small_normals
from .store import iter_order_view
from .uniform import uniform_

__all__ = [
    "uniform_", "normal_", "bernoulli_scalar_", "bernoulli_tensor_", "random_from_to_",
    "random_full_64_bits_range_", "random_", "exponential_", "geometric_", "cauchy_", "log_normal_",
    "randperm", "multinomial", "dropout_noise", "serial_normals", "iter_order_view", "libm_vectorised",
    "serial_normals_list", "small_normals",
]
