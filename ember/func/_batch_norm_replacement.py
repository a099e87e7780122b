"""``replace_all_batch_norm_modules_``: batch norms that use batch statistics only (no running-stat updates,
which a transformed function could not write back)."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..nn.modules.module import Module

__all__ = ["replace_all_batch_norm_modules_"]


def _without_running_stats(module: Module) -> None:
    from ..nn.modules.batchnorm import _BatchNorm
    if isinstance(module, _BatchNorm) and module.track_running_stats:
        module.running_mean = None
        module.running_var = None
        module.num_batches_tracked = None
        module.track_running_stats = False


def replace_all_batch_norm_modules_(root: Module) -> Module:
    """In place: every BatchNorm in ``root`` drops its running stats and stops tracking them. Returns ``root``."""
    _without_running_stats(root)
    for m in root.modules():
        _without_running_stats(m)
    return root
