"""torch.distributions.HalfCauchy (defined with HalfNormal, which shares its folding code)."""
from __future__ import annotations

from .half_normal import HalfCauchy

__all__ = ["HalfCauchy"]
