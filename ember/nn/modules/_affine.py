"""The learnable scale and shift of the normalisation layers (LayerNorm, GroupNorm, BatchNorm*): one place for
how they are registered and started."""
from __future__ import annotations

from typing import Any

from ... import _creation
from .. import init
from ..parameter import Parameter


def add_affine(module: Any, shape: Any, affine: bool, bias: bool, factory_kwargs: dict) -> None:
    """Register ``weight`` and ``bias`` (uninitialised, of ``shape``) when ``affine``; ``bias=False`` or no affine
    registers them as None, so they still show in the module's attributes as torch's do."""
    if affine:
        module.weight = Parameter(_creation.empty(shape, **factory_kwargs))
        if bias:
            module.bias = Parameter(_creation.empty(shape, **factory_kwargs))
        else:
            module.register_parameter("bias", None)
    else:
        module.register_parameter("weight", None)
        module.register_parameter("bias", None)


def reset_affine(module: Any) -> None:
    """Start as the identity: weight 1, bias 0 (no random draws)."""
    if module.weight is not None:
        init.ones_(module.weight)
    if module.bias is not None:
        init.zeros_(module.bias)
