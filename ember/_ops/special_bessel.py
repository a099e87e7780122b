"""``torch.special``'s Bessel and Airy functions, which have no gradient in torch: bessel_j0/j1/y0/y1, airy_ai,
spherical_bessel_j0, modified_bessel_i0/i1/k0/k1 and scaled_modified_bessel_k0/k1 (float64 kernels in _bessel_math
and _bessel_jy, rounded once to the input's dtype).

torch's own bessel_j0/j1/y0/y1 are off by up to ~1e-6 absolute for 2 < x < 25 (J0(5.5214055) = 4.51627e-4,
torch 4.51470e-4) and its airy_ai by up to ~5e-5 relative for negative x; ember's agree with mpmath to ~1e-15
absolute there, so they differ from torch's by torch's error."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from . import _bessel_jy as JY
from . import _bessel_math as B
from ._broadcast import quiet as _quiet
from .special_fns import _check_tensor, _out, _refuse, _via64
from .unary import _float

__all__ = ["airy_ai", "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "spherical_bessel_j0", "modified_bessel_i0",
           "modified_bessel_i1", "modified_bessel_k0", "modified_bessel_k1", "scaled_modified_bessel_k0",
           "scaled_modified_bessel_k1"]


def _j0_spherical(x: np.ndarray) -> np.ndarray:
    """sin(x)/x in x's dtype: aten's Taylor polynomial below |x| = 1/2, 0 at +-inf."""
    t = x.dtype.type
    z = x * x
    poly = t(1) + z * (t(-1 / 6) + z * (t(1 / 120) + z * (t(-1 / 5040) + z * (t(1 / 362880) + z * (
        t(-1 / 39916800) + z * t(1 / 6227020800))))))
    with _quiet():
        ratio = np.sin(x.astype(np.float64)).astype(x.dtype) / x
    return np.where(np.isinf(x), t(0), np.where(np.abs(x) < t(0.5), poly, ratio))


def _no_grad_op(name: str, kernel, via64: bool = True):
    def op(input: Tensor, *, out=None) -> Tensor:
        _check_tensor(input, f"special_{name}")
        a = input._data
        _refuse(a, f"{name}_cpu", half=True)
        a = _float(a)
        return _out(Tensor._make(_via64(kernel, a) if via64 else kernel(a)), out)
    op.__name__ = name
    op.__doc__ = f"torch.special.{name} (no gradient, as in torch)."
    return op


spherical_bessel_j0 = _no_grad_op("spherical_bessel_j0", _j0_spherical, via64=False)
modified_bessel_i0 = _no_grad_op("modified_bessel_i0", B.i0)
modified_bessel_i1 = _no_grad_op("modified_bessel_i1", B.i1)
modified_bessel_k0 = _no_grad_op("modified_bessel_k0", B.k0)
modified_bessel_k1 = _no_grad_op("modified_bessel_k1", B.k1)
scaled_modified_bessel_k0 = _no_grad_op("scaled_modified_bessel_k0", B.k0e)
scaled_modified_bessel_k1 = _no_grad_op("scaled_modified_bessel_k1", B.k1e)
bessel_j0 = _no_grad_op("bessel_j0", JY.j0)
bessel_j1 = _no_grad_op("bessel_j1", JY.j1)
bessel_y0 = _no_grad_op("bessel_y0", JY.y0)
bessel_y1 = _no_grad_op("bessel_y1", JY.y1)
airy_ai = _no_grad_op("airy_ai", JY.airy_ai)
