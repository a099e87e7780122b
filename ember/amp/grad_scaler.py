"""``torch.amp.GradScaler``: dynamic loss scaling, with torch's CPU-only behaviour.

For ``device='cuda'`` (the default) there is no CUDA, so, like torch, an enabled
scaler warns and disables itself; a disabled scaler passes everything through
(``scale(x)`` is ``x``, ``step`` just calls ``optimizer.step()``). ``device='cpu'``
scales for real, with torch's update rule.
"""
from __future__ import annotations

import math
import warnings
from typing import Any, Iterable

import numpy as np

__all__ = ["GradScaler"]

_READY, _UNSCALED, _STEPPED = 0, 1, 2
_NO_SCALE = ("Attempted {} but _scale is None.  This may indicate your script did not use "
             "scaler.scale(loss or outputs) earlier in the iteration.")


class GradScaler:
    def __init__(self, device: str = "cuda", init_scale: float = 2.0 ** 16, growth_factor: float = 2.0,
                 backoff_factor: float = 0.5, growth_interval: int = 2000, enabled: bool = True) -> None:
        self._device = device
        self._enabled = enabled
        if self._device == "cuda" and enabled:
            warnings.warn("torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  Disabling.",
                          UserWarning, stacklevel=2)
            self._enabled = False
        if self._enabled:
            if growth_factor <= 1.0:
                raise AssertionError("The growth factor must be > 1.0.")
            if backoff_factor >= 1.0:
                raise AssertionError("The backoff factor must be < 1.0.")
            self._init_scale = init_scale
            self._scale: float | None = None  # created by the first scale(), as in torch
            self._growth_factor = growth_factor
            self._backoff_factor = backoff_factor
            self._growth_interval = growth_interval
            self._init_growth_tracker = 0
            self._growth_tracker: int | None = None
            self._per_optimizer_states: dict[int, dict[str, Any]] = {}

    def is_enabled(self) -> bool:
        return self._enabled

    # --- scaling -----------------------------------------------------------------
    def scale(self, outputs):
        """Multiply a tensor (or nested list/tuple of tensors) by the scale factor."""
        from .._tensor import Tensor
        if not self._enabled:
            return outputs
        if self._scale is None:
            self._scale = float(np.float32(self._init_scale))
            self._growth_tracker = self._init_growth_tracker
        factor = Tensor._make(np.asarray(self._scale, np.float32))

        def apply_scale(val):
            if isinstance(val, Tensor):
                return val * factor
            if isinstance(val, Iterable) and not isinstance(val, (str, bytes)):
                iterable = map(apply_scale, val)
                return type(val)(iterable) if isinstance(val, (list, tuple)) else iterable
            raise ValueError("outputs must be a Tensor or an iterable of Tensors")

        return apply_scale(outputs)

    def _opt_state(self, optimizer) -> dict[str, Any]:
        return self._per_optimizer_states.setdefault(id(optimizer), {"stage": _READY, "found_inf": False})

    def unscale_(self, optimizer) -> None:
        """Divide the optimizer's grads by the scale in place, noting whether any is inf/nan."""
        if not self._enabled:
            return
        if self._scale is None:
            raise AssertionError(_NO_SCALE.format("unscale_"))
        state = self._opt_state(optimizer)
        if state["stage"] == _UNSCALED:
            raise RuntimeError("unscale_() has already been called on this optimizer since the last update().")
        if state["stage"] == _STEPPED:
            raise RuntimeError("unscale_() is being called after step().")
        # torch computes 1/scale in float64, then rounds to float32
        inv_scale = np.float32(1.0 / np.float64(self._scale))
        found_inf = False
        for group in optimizer.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                data = g._data
                if not np.isfinite(data).all():
                    found_inf = True
                np.multiply(data, inv_scale, out=data, casting="unsafe")
                g._vc[0] += 1
        state["found_inf"] = found_inf
        state["stage"] = _UNSCALED

    def step(self, optimizer, *args: Any, **kwargs: Any):
        """``optimizer.step()`` unless the grads held inf/nan; returns step's result (None when skipped)."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is enabled.")
        if self._scale is None:
            raise AssertionError(_NO_SCALE.format("step"))
        state = self._opt_state(optimizer)
        if state["stage"] == _STEPPED:
            raise RuntimeError("step() has already been called since the last update().")
        if state["stage"] == _READY:
            self.unscale_(optimizer)
        result = None if state["found_inf"] else optimizer.step(*args, **kwargs)
        state["stage"] = _STEPPED
        return result

    def update(self, new_scale: float | Any = None) -> None:
        """Back off after an inf/nan step, grow after ``growth_interval`` clean steps (or set ``new_scale``)."""
        if not self._enabled:
            return
        if self._scale is None:
            raise AssertionError(_NO_SCALE.format("update"))
        if new_scale is not None:
            self._scale = float(np.float32(new_scale.item() if hasattr(new_scale, "item") else new_scale))
        else:
            found_inf = any(s["found_inf"] for s in self._per_optimizer_states.values())
            if found_inf:
                self._scale = float(np.float32(self._scale) * np.float32(self._backoff_factor))
                self._growth_tracker = 0
            else:
                tracker = self._growth_tracker + 1
                if tracker == self._growth_interval:
                    grown = np.float32(self._scale) * np.float32(self._growth_factor)
                    # torch keeps the old scale when growing would overflow float32
                    if math.isfinite(grown):
                        self._scale = float(grown)
                    tracker = 0
                self._growth_tracker = tracker
        self._per_optimizer_states = {}

    # --- accessors and state -----------------------------------------------------
    def get_scale(self) -> float:
        if not self._enabled:
            return 1.0
        return float(self._init_scale) if self._scale is None else self._scale

    def get_growth_factor(self) -> float:
        return self._growth_factor

    def set_growth_factor(self, new_factor: float) -> None:
        self._growth_factor = new_factor

    def get_backoff_factor(self) -> float:
        return self._backoff_factor

    def set_backoff_factor(self, new_factor: float) -> None:
        self._backoff_factor = new_factor

    def get_growth_interval(self) -> int:
        return self._growth_interval

    def set_growth_interval(self, new_interval: int) -> None:
        self._growth_interval = new_interval

    def _get_growth_tracker(self) -> int:
        if not self._enabled:
            return 0
        return self._init_growth_tracker if self._growth_tracker is None else self._growth_tracker

    def state_dict(self) -> dict[str, Any]:
        if not self._enabled:
            return {}
        return {"scale": self.get_scale(), "growth_factor": self._growth_factor,
                "backoff_factor": self._backoff_factor, "growth_interval": self._growth_interval,
                "_growth_tracker": self._get_growth_tracker()}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError("The source state dict is empty, possibly because it was saved from a disabled "
                               "instance of GradScaler.")
        self._init_scale = state_dict["scale"]
        if self._scale is not None:
            self._scale = float(np.float32(state_dict["scale"]))
        self._growth_factor = state_dict["growth_factor"]
        self._backoff_factor = state_dict["backoff_factor"]
        self._growth_interval = state_dict["growth_interval"]
        self._init_growth_tracker = state_dict["_growth_tracker"]
        if self._growth_tracker is not None:
            self._growth_tracker = state_dict["_growth_tracker"]
