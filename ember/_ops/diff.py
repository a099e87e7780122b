"""diff: n-th forward differences along a dim, built from narrow and sub as torch builds it (so its graph is
SubBackward0 over two SliceBackward0 views), with optional values prepended/appended first."""
from __future__ import annotations

from .._tensor import Tensor, _wrap_dim

__all__ = ["diff"]


def diff(input: Tensor, n: int = 1, dim: int = -1, prepend: Tensor | None = None,
         append: Tensor | None = None) -> Tensor:
    """out[i] = x[i + 1] - x[i] along ``dim``, applied ``n`` times (bool: x[i + 1] xor x[i]); ``n`` larger than the
    size gives an empty result, ``n = 0`` a copy."""
    from .. import bool as bool_dtype, zeros_like
    from .comparison import logical_xor
    from .shape import cat, narrow
    if input.dim() == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    d = _wrap_dim(dim, input.dim())
    for extra in (prepend, append):
        if extra is None:
            continue
        if extra.dim() != input.dim():
            raise RuntimeError("diff expects prepend or append to be the same dimension as input")
        for k in range(input.dim()):
            if k != d and extra.shape[k] != input.shape[k]:
                raise RuntimeError(f"diff expects the shape of tensor to prepend or append to match that of input "
                                   f"except along the differencing dimension; input.size({k}) = {input.shape[k]}, "
                                   f"but got tensor.size({k}) = {extra.shape[k]}")
    if prepend is not None or append is not None:
        input = cat([t for t in (prepend, input, append) if t is not None], d)
    if n == 0:
        return zeros_like(input).copy_(input)
    size = input.shape[d]
    length = size - 1
    out = input
    for _ in range(min(n, size)):
        later, earlier = narrow(out, d, 1, length), narrow(out, d, 0, length)
        out = logical_xor(later, earlier) if input.dtype == bool_dtype else later - earlier
        length -= 1
    return out
