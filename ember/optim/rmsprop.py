"""``RMSprop`` (torch.optim.RMSprop), with the float rounding of torch's single-tensor CPU path."""
from __future__ import annotations

from typing import Any, Callable, Iterable

import numpy as np

from .._tensor import Tensor
from .optimizer import (Optimizer, _add, _addcmul, _bump, _check_lr, _closure_loss, _grads, _incr_step, _k_add_,
                        _k_addcdiv_, _k_addcmul_, _k_lerp_, _new_step, _sqrt, _to_scalar)

__all__ = ["RMSprop", "rmsprop_step"]


class RMSprop(Optimizer):
    """RMSprop (https://pytorch.org/docs/stable/generated/torch.optim.RMSprop.html)."""

    def __init__(self, params: Iterable[Any], lr: float | Tensor = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False, differentiable: bool = False) -> None:
        _check_lr(lr)
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered, weight_decay=weight_decay,
                        capturable=capturable, foreach=foreach, maximize=maximize, differentiable=differentiable)
        super().__init__(params, defaults)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            for key, default in (("momentum", 0), ("centered", False), ("foreach", None), ("maximize", False),
                                 ("differentiable", False), ("capturable", False)):
                group.setdefault(key, default)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One RMSprop update of every param that has a grad."""
        loss = _closure_loss(closure)
        for group in self.param_groups:
            for p, grad in _grads(group, group["maximize"]):
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _new_step()
                    state["square_avg"] = Tensor._make(np.zeros_like(p._data))
                    if group["momentum"] > 0:
                        state["momentum_buffer"] = Tensor._make(np.zeros_like(p._data))
                    if group["centered"]:
                        state["grad_avg"] = Tensor._make(np.zeros_like(p._data))
                rmsprop_step(p, grad, state, lr=_to_scalar(group["lr"]), alpha=group["alpha"], eps=group["eps"],
                             weight_decay=group["weight_decay"], momentum=group["momentum"],
                             centered=group["centered"])
        return loss


def rmsprop_step(p: Tensor, grad: np.ndarray, state: dict[str, Any], *, lr: float, alpha: float, eps: float,
                 weight_decay: float, momentum: float, centered: bool) -> None:
    """One RMSprop update of ``p`` in place, in torch's ``_single_tensor_rmsprop`` order::

        g = g + wd*p                                  (weight_decay != 0)
        v = alpha*v + (1 - alpha)*g*g
        avg = sqrt(v) + eps,  or  sqrt(v - ga*ga) + eps with ga = lerp(ga, g, 1 - alpha)   (centered)
        b = momentum*b + g/avg;  p = p - lr*b          (momentum > 0)
        p = p - lr*g/avg                               (otherwise)
    """
    x = p._data
    dt = x.dtype.type
    _incr_step(state["step"])
    if weight_decay != 0:
        grad = _add(grad, x, weight_decay)
    square_avg = state["square_avg"]
    np.multiply(square_avg._data, dt(alpha), out=square_avg._data)
    _k_addcmul_(square_avg._data, grad, grad, 1 - alpha)
    _bump(square_avg)
    if centered:
        grad_avg = state["grad_avg"]
        _k_lerp_(grad_avg._data, grad, 1 - alpha)
        _bump(grad_avg)
        avg = _sqrt(_addcmul(square_avg._data, grad_avg._data, grad_avg._data, -1))
    else:
        avg = _sqrt(square_avg._data)
    avg += dt(eps)
    if momentum > 0:
        buf = state["momentum_buffer"]
        np.multiply(buf._data, dt(momentum), out=buf._data)
        _k_addcdiv_(buf._data, grad, avg, 1)
        _bump(buf)
        _k_add_(x, buf._data, -lr)
    else:
        _k_addcdiv_(x, grad, avg, -lr)
    _bump(p)
