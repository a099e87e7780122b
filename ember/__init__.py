"""ember: PyTorch's API on plain NumPy. ``import ember as torch`` and run torch-style code."""
from __future__ import annotations

import warnings as _warnings

# NumPy warns when float math makes inf/nan; torch never does. Drop those warnings when they come from
# ember's own code (user code keeps NumPy's behaviour); see ember/_ops/_broadcast.quiet.
_warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"ember(\.|$)")

from . import _dtype
from ._dtype import (bfloat16, bool, cdouble, cfloat, chalf, complex32, complex64, complex128, double, dtype, finfo, float, float16, float32, float64,
                     get_default_dtype, half, iinfo, int, int8, int16, int32, int64, long, promote_types,
                     set_default_dtype, short, uint8, uint16, uint32, uint64, can_cast)
from ._device import device
from ._size import Size
from ._tensor import Tensor
from ._creation import (arange, as_tensor, asarray, empty, empty_like, empty_strided, eye, from_numpy, full,
                        full_like, linspace, logspace, ones, ones_like, range, scalar_tensor, tensor, zeros,
                        zeros_like)
from . import autograd
from .autograd.grad_mode import (enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled, no_grad,
                                 set_grad_enabled)
from ._tensor_str import set_printoptions

__version__ = "0.1.0"


class _Layout:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"torch.{self.name}"


strided = _Layout("strided")
sparse_coo = _Layout("sparse_coo")

# --- ops (issue 2) ---
from ._ops.arithmetic import (add, sub, subtract, rsub, mul, multiply, div, divide, true_divide, neg, negative, pow,
                              remainder, floor_divide, fmod, reciprocal, square)
from ._ops.unary import (exp, exp2, log, log1p, expm1, log2, log10, sqrt, rsqrt, sin, cos, tan, asin, acos, atan,
                         arcsin, arccos, arctan, sinh, cosh, erf, erfc, abs, absolute, sign, floor, ceil, round,
                         trunc, fix, frac)
from ._ops.activation import relu, sigmoid, tanh, softmax, log_softmax
from ._ops.minmax import clamp, clip, clamp_min, clamp_max, maximum, minimum, fmax, fmin
from ._ops.comparison import (eq, ne, lt, le, gt, ge, not_equal, less, less_equal, greater, greater_equal,
                              logical_and, logical_or, logical_not, logical_xor, bitwise_and, bitwise_or,
                              bitwise_xor, bitwise_not, isnan, isinf, isfinite, isposinf, isneginf, all, any,
                              allclose, isclose, equal, where)
from ._ops.reduction import (sum, nansum, mean, var, std, var_mean, std_mean, prod, max, min, amax, amin, aminmax,
                             argmax, argmin, logsumexp, cumsum, cumprod, norm, count_nonzero)
from ._ops.linalg import dot, vdot, inner, mv, mm, bmm, addmm, baddbmm, matmul, outer, ger, einsum
from ._ops.shape import (view_copy, reshape, flatten, unflatten, squeeze, unsqueeze, transpose, swapaxes, swapdims,
                         t, adjoint, permute, movedim, moveaxis, expand_copy, broadcast_to, clone, chunk, split,
                         tensor_split, unbind, narrow, select, flip, roll, stack, cat, concat, concatenate, hstack,
                         vstack, tril, triu, diagonal)
from ._ops.indexing import (gather, scatter, scatter_add, index_select, masked_fill, masked_select, nonzero, take,
                            index_add, index_fill, argwhere)
from ._ops.conversion import to as _to
from . import return_types
from .functional import broadcast_shapes, broadcast_tensors
from ._dtype import result_type as _result_type


def result_type(tensor1, tensor2) -> dtype:
    """torch.result_type: the dtype an op on these two operands produces."""
    return _result_type(tensor1, tensor2)


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


def _tensor_arg(input, name: str) -> Tensor:
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    return input


def is_floating_point(input: Tensor) -> bool:
    return _tensor_arg(input, "is_floating_point").is_floating_point()


def is_complex(input: Tensor) -> bool:
    return _tensor_arg(input, "is_complex").is_complex()


def numel(input: Tensor) -> int:
    return _tensor_arg(input, "numel").numel()


def detach(input: Tensor) -> Tensor:
    return input.detach()

# --- random numbers (issue 3) ---
from . import random
from .random import manual_seed, seed, initial_seed, get_rng_state, set_rng_state, default_generator
from ._rng.generator import Generator
from ._random_ops import (rand, rand_like, randn, randn_like, randint, randint_like, randperm, normal, bernoulli,
                          multinomial, poisson)

# --- nn (issue 4) ---
from . import nn  # noqa: E402

# --- training (issue 5) ---
from . import optim, utils  # noqa: E402
from .serialization import load, save  # noqa: E402

# --- CPU glue and extra ops (issue 5) ---
from . import accelerator, amp, backends, cuda  # noqa: E402
from ._compile import compile  # noqa: E402
from ._config import (e, get_default_device, get_deterministic_debug_mode, get_float32_matmul_precision,  # noqa: E402
                      get_num_interop_threads, get_num_threads, inf, are_deterministic_algorithms_enabled,
                      is_deterministic_algorithms_warn_only_enabled, nan, newaxis, pi, set_default_device,
                      set_deterministic_debug_mode, set_float32_matmul_precision, set_num_interop_threads,
                      set_num_threads, use_deterministic_algorithms)
from .amp import autocast  # noqa: E402
from .amp.autocast_mode import get_autocast_dtype, is_autocast_enabled  # noqa: E402
from ._ops.sorting import argsort, kthvalue, msort, sort, topk  # noqa: E402
from ._ops.selection import cummax, cummin, median, mode, nanmedian  # noqa: E402
from ._ops.histogram import (bincount, bucketize, histc, histogram, searchsorted, unique,  # noqa: E402
                             unique_consecutive)
from ._ops.diff import diff  # noqa: E402
from ._ops.logcumsumexp import logcumsumexp  # noqa: E402
from ._ops.indexing import take_along_dim  # noqa: E402

# --- Tensor methods added by op modules: method forms with their own argument errors, and in-place twins
# (each module's METHODS dict; they belong in _tensor.py's tables eventually) ---
from ._ops.unary_extra import (asinh, acosh, atanh, arcsinh, arccosh, arctanh, erfinv, sgn, signbit,  # noqa: E402
                               angle, deg2rad, rad2deg, positive, nan_to_num)
from ._ops.binary_math import (atan2, arctan2, hypot, logaddexp, logaddexp2, xlogy, copysign,  # noqa: E402
                               nextafter, heaviside, float_power, lerp)
from ._ops.reduction import nanmean  # noqa: E402
from ._ops import (binary_math as _binary_math_ops, comparison as _comparison_ops, minmax as _minmax_ops,  # noqa: E402
                   reduction as _reduction_ops, unary as _unary_ops, unary_extra as _unary_extra_ops)
for _mod in (_comparison_ops, _minmax_ops, _unary_ops, _unary_extra_ops, _binary_math_ops, _reduction_ops):
    for _name, _fn in _mod.METHODS.items():
        setattr(Tensor, _name, _fn)
del _mod, _name, _fn
from ._ops.exports import *  # noqa: E402,F401,F403  (ops added later; their list is in that file)
from ._ops.linalg_legacy import (inverse, det, logdet, slogdet, cholesky, cholesky_solve,  # noqa: E402
                                 cholesky_inverse, qr, svd, pinverse, matrix_power, matrix_exp, triangular_solve,
                                 lu, lu_solve, lu_unpack, geqrf, orgqr, ormqr)

# --- index_put, as_strided, bit shifts, gamma-family and torch.special ops (session 5) ---
from ._ops.index_put import index_put  # noqa: E402
from ._ops.as_strided import as_strided, as_strided_, as_strided_copy, as_strided_scatter  # noqa: E402
from ._ops.index_put import index_put_  # noqa: E402
from ._ops.shifts import bitwise_left_shift, bitwise_right_shift  # noqa: E402
from ._ops.special_fns import digamma, i0, lgamma, logit, mvlgamma, polygamma, sinc  # noqa: E402
from ._ops.special_fns import i0_, logit_, sinc_  # noqa: E402
from ._ops import as_strided as _as_strided_ops, index_put as _index_put_ops, shifts as _shift_ops  # noqa: E402
from ._ops import special_fns as _special_fns_ops  # noqa: E402
from ._ops.block_diag import block_diag  # noqa: E402
from ._ops.isin import isin  # noqa: E402
from ._ops.narrow_copy import narrow_copy  # noqa: E402
from ._ops import narrow_copy as _narrow_copy_ops  # noqa: E402
from ._ops.igamma import igamma, igammac  # noqa: E402
from ._ops import igamma as _igamma_ops  # noqa: E402
from . import special  # noqa: E402
for _mod in (_index_put_ops, _as_strided_ops, _shift_ops, _special_fns_ops, _narrow_copy_ops, _igamma_ops):
    for _name, _fn in _mod.METHODS.items():
        setattr(Tensor, _name, _fn)
del _mod, _name, _fn

# --- API sweep (session 5): torch's remaining top-level functions and Tensor methods; each module lists its
# public functions in __all__ (or FUNCTIONS) and its Tensor methods in METHODS ---
from ._ops import functional_aliases as _sweep_fa, inplace_aliases as _sweep_ia, blas_extra as _sweep_blas  # noqa: E402
from ._ops import complex_views as _sweep_cv, scatter_views as _sweep_sv, view_copies as _sweep_vc  # noqa: E402
from ._ops import tensor_utils as _sweep_tu, window_functions as _sweep_wf, numeric_extra as _sweep_ne  # noqa: E402
from ._ops import stats as _sweep_st, histogramdd as _sweep_hdd, binomial as _sweep_bin  # noqa: E402
from ._ops import native_norms as _sweep_nn  # noqa: E402
for _mod in (_sweep_fa, _sweep_ia, _sweep_blas, _sweep_cv, _sweep_sv, _sweep_vc, _sweep_tu, _sweep_wf, _sweep_ne,
             _sweep_st, _sweep_hdd, _sweep_bin, _sweep_nn):
    globals().update(getattr(_mod, "FUNCTIONS", None) or {_name: getattr(_mod, _name) for _name in _mod.__all__})
    for _name, _fn in getattr(_mod, "METHODS", {}).items():
        setattr(Tensor, _name, _fn)
del _mod, _name

# --- torch.func transforms (session 5) ---
from . import func  # noqa: E402
from .func import vmap  # noqa: E402

# --- torch.distributions (session 5; `import torch` loads it too) ---
from . import distributions  # noqa: E402
