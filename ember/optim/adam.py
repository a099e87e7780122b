"""``Adam`` (torch.optim.Adam), with the float rounding of torch's single-tensor CPU path."""
from __future__ import annotations

from typing import Any, Callable, Iterable

import numpy as np

from .._tensor import Tensor
from .optimizer import (Optimizer, _bump, _check_lr, _closure_loss, _fma, _grads, _incr_step, _k_addcdiv_,
                        _k_addcmul_, _k_lerp_, _new_step, _sqrt, _to_scalar)

__all__ = ["Adam", "adam_step"]


class Adam(Optimizer):
    """Adam / AMSGrad (https://pytorch.org/docs/stable/generated/torch.optim.Adam.html)."""

    def __init__(self, params: Iterable[Any], lr: float | Tensor = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, amsgrad: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False,
                 fused: bool | None = None, decoupled_weight_decay: bool = False) -> None:
        _check_lr(lr)
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not ((isinstance(betas[0], float) and isinstance(betas[1], float))
                or (isinstance(betas[0], Tensor) and isinstance(betas[1], Tensor))):
            raise ValueError("betas must be either both floats or both Tensors")
        betas = tuple(map(_to_scalar, betas))
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize,
                        foreach=foreach, capturable=capturable, differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)
        if fused:
            if differentiable:
                raise RuntimeError("`fused` does not support `differentiable`")
            if foreach:
                raise RuntimeError("`fused` and `foreach` cannot be `True` together.")

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            for key, default in (("amsgrad", False), ("maximize", False), ("foreach", None), ("capturable", False),
                                 ("differentiable", False), ("decoupled_weight_decay", False), ("fused", None)):
                group.setdefault(key, default)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One Adam update of every param that has a grad."""
        loss = _closure_loss(closure)
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            for p, grad in _grads(group, group["maximize"]):
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _new_step()
                    state["exp_avg"] = Tensor._make(np.zeros_like(p._data))
                    state["exp_avg_sq"] = Tensor._make(np.zeros_like(p._data))
                    if group["amsgrad"]:
                        state["max_exp_avg_sq"] = Tensor._make(np.zeros_like(p._data))
                adam_step(p, grad, state, lr=_to_scalar(group["lr"]), beta1=_to_scalar(beta1),
                          beta2=_to_scalar(beta2), eps=group["eps"], weight_decay=group["weight_decay"],
                          amsgrad=group["amsgrad"], decoupled=group["decoupled_weight_decay"])
        return loss


def adam_step(p: Tensor, grad: np.ndarray, state: dict[str, Any], *, lr: float, beta1: float, beta2: float,
              eps: float, weight_decay: float, amsgrad: bool, decoupled: bool) -> None:
    """One Adam(W) update of ``p`` in place, in torch's ``_single_tensor_adam`` order::

        t += 1
        p *= 1 - lr*wd                        (AdamW)     or   g = g + wd*p   (Adam, weight_decay != 0)
        m = lerp(m, g, 1 - beta1)
        v = beta2*v + (1 - beta2)*g*g
        vmax = max(vmax, v)                   (amsgrad: vmax replaces v below)
        p += -(lr / (1 - beta1**t)) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)

    The bias corrections are Python floats (float64), rounded to the param dtype where they meet a tensor.
    """
    x = p._data
    dt = x.dtype.type
    step = _incr_step(state["step"])
    if weight_decay != 0:
        if decoupled:
            np.multiply(x, dt(1 - lr * weight_decay), out=x)
        else:
            grad = _fma(x, dt(weight_decay), grad, x.dtype)
    exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
    _k_lerp_(exp_avg._data, grad, 1 - beta1)
    np.multiply(exp_avg_sq._data, dt(beta2), out=exp_avg_sq._data)
    _k_addcmul_(exp_avg_sq._data, grad, grad, 1 - beta2)
    _bump(exp_avg, exp_avg_sq)

    bias_correction1 = 1 - beta1 ** step
    bias_correction2 = 1 - beta2 ** step
    step_size = lr / bias_correction1
    bias_correction2_sqrt = bias_correction2 ** 0.5
    second = exp_avg_sq
    if amsgrad:
        second = state["max_exp_avg_sq"]
        np.maximum(second._data, exp_avg_sq._data, out=second._data)
        _bump(second)
    denom = _sqrt(second._data) / dt(bias_correction2_sqrt)
    denom += dt(eps)
    _k_addcdiv_(x, exp_avg._data, denom, -step_size)
    _bump(p)
