"""``functionalize`` and ``debug_unwrap``: torch transforms that are the identity in ember.

torch rewrites in-place ops of ``func`` into out-of-place ones (for tracing/compilers) and then copies any
mutation of an input back into that input, so eager callers see the same outputs and the same mutated inputs
as from ``func`` itself. ember has no tracing, so calling ``func`` directly gives those same results.
``debug_unwrap`` strips torch's functorch wrapper tensors; ember's transforms use no wrappers.
"""
from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from .._tensor import Tensor

__all__ = ["functionalize", "debug_unwrap"]


def functionalize(func: Callable, *, remove: str = "mutations") -> Callable:
    """``func`` with torch's argument check on ``remove`` ('mutations' or 'mutations_and_views')."""
    if remove not in ("mutations", "mutations_and_views"):
        raise RuntimeError(
            f"functionalize(f, remove='mutations'): received invalid argument for remove={remove}. Valid options "
            "are:\n     remove='mutations': all inplace and out= operators will be removed from the program, and "
            "replaced with their out-of-place equivalents.\n     remove='mutations_and_views': In addition to the "
            "above, all aliasing operators {view} will be replaced with their non-aliasing counterparts, "
            "{view}_copy.\n")

    @functools.wraps(func)
    def wrapped(*args, **kwargs):
        return func(*args, **kwargs)
    return wrapped


def debug_unwrap(tensor: Tensor, *, recurse: bool = True) -> Tensor:
    """``tensor`` itself: inside ember's transforms tensors are ordinary tensors."""
    return tensor
