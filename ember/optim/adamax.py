"""``Adamax`` (torch.optim.Adamax), with the float rounding of torch's single-tensor CPU path."""
from __future__ import annotations

from typing import Any, Callable, Iterable

import numpy as np

from .._tensor import Tensor
from .optimizer import (_FLAGS, Optimizer, _add, _bump, _check_betas, _check_flags, _check_lr_numel, _closure_loss,
                        _gather, _incr_step, _k_addcdiv_, _k_lerp_, _lr_value, _new_scalar, _setstate_defaults,
                        _state_like, _step_packed, _steps_as_tensors, _update)

__all__ = ["Adamax", "adamax_step"]


class Adamax(Optimizer):
    """Adamax (https://pytorch.org/docs/stable/generated/torch.optim.Adamax.html)."""

    def __init__(self, params: Iterable[Any], lr: float | Tensor = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, foreach: bool | None = None, *, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False) -> None:
        _check_lr_numel(lr)
        _check_betas(lr, eps, betas, weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        _setstate_defaults(self, _FLAGS)
        _steps_as_tensors(self, lambda g: False)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One Adamax update of every param that has a grad."""
        loss = _closure_loss(closure)
        for group in self.param_groups:
            items = _gather(self, group, "Adamax", lambda p, grad, group: dict(
                step=_new_scalar(0.0), exp_avg=_state_like(p._data), exp_inf=_state_like(p._data)))
            beta1, beta2 = group["betas"]
            # ``weight_decay``: torch adds the decay before viewing a complex param as real (_update does that)
            options = dict(lr=_lr_value(group["lr"]), beta1=beta1, beta2=beta2, eps=group["eps"],
                           weight_decay=group["weight_decay"])
            _check_flags(self, group, items, "params and state_steps", "params and state_steps",
                         lambda p, g, s: _update(adamax_step, Tensor._make(p._data.copy()), g, s, **options))
            _step_packed(items, group, lambda p, grad, state: _update(adamax_step, p, grad, state, **options),
                         lambda p, grad, state: ([p, state["exp_avg"], state["exp_inf"]], [grad]),
                         lambda state: _incr_step(state["step"]),
                         lambda step, rows: _adamax_arrays(*rows, step, **options))
        return loss


def adamax_step(p: Tensor, grad: np.ndarray, state: dict[str, Any], *, lr: float, beta1: float, beta2: float,
                eps: float, weight_decay: float) -> None:
    """One Adamax update of ``p`` in place, in torch's ``_single_tensor_adamax`` order::

        t += 1;  g = g + wd*p   (weight_decay != 0)
        m = lerp(m, g, 1 - beta1)
        u = max(beta2*u, |g| + eps)
        p += -(lr / (1 - beta1**t)) * m / u          (the step size a Python float)
    """
    step = _incr_step(state["step"])
    _adamax_arrays(p._data, state["exp_avg"]._data, state["exp_inf"]._data, grad, step, lr=lr, beta1=beta1,
                   beta2=beta2, eps=eps, weight_decay=weight_decay)
    _bump(p, state["exp_avg"], state["exp_inf"])


def _adamax_arrays(x: np.ndarray, m: np.ndarray, u: np.ndarray, grad: np.ndarray, step: float, *, lr: float,
                   beta1: float, beta2: float, eps: float, weight_decay: float) -> None:
    """The array part of ``adamax_step`` at step count ``step``: elementwise, on arrays of any layout (one
    param's, or rows of packed params)."""
    dt = x.dtype.type
    if weight_decay != 0:
        grad = _add(grad, x, weight_decay)
    _k_lerp_(m, grad, 1 - beta1)
    np.multiply(u, dt(beta2), out=u)
    norm = np.abs(grad)
    norm += dt(eps)
    np.maximum(u, norm, out=u)  # NaN propagates, as torch.maximum
    clr = lr / (1 - beta1 ** step)
    _k_addcdiv_(x, m, u, float(-clr))
