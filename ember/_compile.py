"""``torch.compile``: ember has no compiler, so the model or function comes back unchanged.

torch wraps a Module in an ``OptimizedModule`` (whose state_dict keys gain an
``_orig_mod.`` prefix); ember returns the very same object, so state dicts,
attributes and ``isinstance`` checks behave as for the uncompiled model.
"""
from __future__ import annotations

from typing import Any, Callable

__all__ = ["compile"]


def compile(model: Callable | None = None, *, fullgraph: bool = False, dynamic: bool | None = None,
            backend: str | Callable | None = "inductor", mode: str | None = None,
            options: dict[str, Any] | None = None, disable: bool = False, **kwargs: Any) -> Callable:
    """Return ``model`` unchanged; with no model, a decorator that does the same (``@compile(mode=...)``)."""
    if mode is not None and options is not None:
        raise RuntimeError("Either mode or options can be specified, but both can't be specified at the same time.")
    if model is None:
        def decorator(fn: Callable) -> Callable:
            return compile(fn, fullgraph=fullgraph, dynamic=dynamic, backend=backend, mode=mode, options=options,
                           disable=disable, **kwargs)
        return decorator
    if not callable(model):
        raise AssertionError(f"A callable function is expected, but {type(model)} is provided.")
    return model
