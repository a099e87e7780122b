"""``torch.amp``: autocast and GradScaler. ember never lowers precision (see ``autocast_mode``)."""
from __future__ import annotations

from . import autocast_mode, grad_scaler  # noqa: F401 - torch.amp.autocast_mode etc. are public
from . import _cuda as _cuda_amp  # noqa: F401 - ember.cuda.amp
from .autocast_mode import autocast, custom_bwd, custom_fwd, is_autocast_available
from .grad_scaler import GradScaler

__all__ = ["autocast", "GradScaler", "custom_fwd", "custom_bwd", "is_autocast_available"]
