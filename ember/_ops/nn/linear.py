"""linear and bilinear, built from core matrix ops exactly as torch's ``at::linear`` (native/Linear.cpp) builds them,
so the graph has torch's nodes: addmm (AddmmBackward0) for 2-D input with bias, addmm on the flattened input then a
view (ViewBackward0) for other contiguous input with bias, matmul (+ add) otherwise."""
from __future__ import annotations

import math

from ..._tensor import Tensor
from .. import linalg as _la
from .. import shape as _sh

__all__ = ["linear", "bilinear"]


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """input @ weight.T + bias"""
    if input.dim() == 0 or weight.dim() == 0:
        raise RuntimeError(f"both arguments to linear need to be at least 1D, but they are {input.dim()}D and "
                           f"{weight.dim()}D")
    if bias is not None:
        if input.dim() == 2:
            return _la.addmm(bias, input, _sh.t(weight))
        if input.is_contiguous() and (input.dim() == 3 or bias.dim() == 1):
            # torch's _flatten_nd_linear: one addmm on (prod(lead), in), then a view back
            lead = tuple(input.shape[:-1])
            flat = _sh.reshape(input, (math.prod(lead), input.shape[-1]))
            out = _la.addmm(bias, flat, _sh.t(weight))
            return _sh.view(out, lead + (out.shape[1],))
    out = _la.matmul(input, _sh.t(weight))
    if bias is not None:
        out = out + bias  # torch adds in place here; the node (AddBackward0) is the same
    return out


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y_k = x1^T W_k x2 + b_k over the last dims (leading dims of x1 and x2 must agree)."""
    if input1.dim() != input2.dim():
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {input1.dim()} and {input2.dim()}")
    if weight.dim() != 3:
        raise RuntimeError(f"bilinear(): weight must be three-dimensional, but got {weight.dim()}")
    if input1.shape[-1] != weight.shape[1]:
        raise RuntimeError(f"bilinear(): input1 size does not match weight size: got {input1.shape[-1]} but "
                           f"expected {weight.shape[1]}")
    if input2.shape[-1] != weight.shape[2]:
        raise RuntimeError(f"bilinear(): input2 size does not match weight size: got {input2.shape[-1]} but "
                           f"expected {weight.shape[2]}")
    for d in range(input1.dim() - 1):
        if input1.shape[d] != input2.shape[d]:
            raise RuntimeError(f"bilinear(): input batch dimensions do not match at dim {d}: got "
                               f"{input1.shape[d]} and {input2.shape[d]}")
    out = _la.einsum("...i,kij,...j->...k", input1, weight, input2)
    if bias is not None:
        out = out + bias
    return out
