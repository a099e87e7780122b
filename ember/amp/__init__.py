"""``torch.amp``: autocast and GradScaler. ember never lowers precision (see ``autocast_mode``)."""
from __future__ import annotations

from . import autocast_mode, grad_scaler
from . import _cuda as _cuda_amp
from .autocast_mode import autocast, custom_bwd, custom_fwd, is_autocast_available
from .grad_scaler import GradScaler

__all__ = ["autocast", "GradScaler", "custom_fwd", "custom_bwd", "is_autocast_available"]
