"""``torch.backends``: the flags scripts flip at start-up, with CPU-only torch's values.

ember has no CUDA, cuDNN or MPS backend; their flags are stored so scripts can set
and read them, and never change how ember computes.
"""
from __future__ import annotations

from . import cpu, cuda, cudnn, mps

__all__ = ["cpu", "cuda", "cudnn", "mps"]
