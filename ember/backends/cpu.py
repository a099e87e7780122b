"""``torch.backends.cpu``: the SIMD level, in torch's vocabulary, of the CPU NumPy runs on."""
from __future__ import annotations

import platform

__all__ = ["get_cpu_capability"]


def _features() -> dict[str, bool]:
    try:  # NumPy's own runtime CPU detection (what its dispatched kernels use)
        from numpy._core._multiarray_umath import __cpu_features__
    except ImportError:  # pragma: no cover - older NumPy layout
        from numpy.core._multiarray_umath import __cpu_features__
    return __cpu_features__


def get_cpu_capability() -> str:
    """torch's names: 'AVX512' or 'AVX2' on x86 (else 'DEFAULT'), 'VSX' on POWER, 'ZVECTOR' on s390x.

    The answer comes from NumPy's runtime CPU detection, using torch's rules (AVX512 needs the
    F/BW/VL/DQ subsets; AVX2 needs FMA too). ember computes through NumPy, so this is the
    instruction set its kernels can use.
    """
    f = _features()
    if all(f.get(k, False) for k in ("AVX512F", "AVX512BW", "AVX512VL", "AVX512DQ")):
        return "AVX512"
    if f.get("AVX2", False) and f.get("FMA3", False):
        return "AVX2"
    if f.get("VSX", False):
        return "VSX"
    if platform.machine() == "s390x" and f.get("VX", False):
        return "ZVECTOR"
    return "DEFAULT"

