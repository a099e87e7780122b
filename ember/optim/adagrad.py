"""``Adagrad`` (torch.optim.Adagrad), with the float rounding of torch's single-tensor CPU path."""
from __future__ import annotations

from typing import Any, Callable, Iterable

import numpy as np

from .._tensor import Tensor
from .optimizer import (Optimizer, _add, _bump, _check_lr, _closure_loss, _grads, _incr_step, _k_addcdiv_,
                        _k_addcmul_, _new_step, _sqrt, _to_scalar)

__all__ = ["Adagrad", "adagrad_step"]


class Adagrad(Optimizer):
    """Adagrad (https://pytorch.org/docs/stable/generated/torch.optim.Adagrad.html)."""

    def __init__(self, params: Iterable[Any], lr: float | Tensor = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False, fused: bool | None = None) -> None:
        _check_lr(lr)
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        if fused:
            if differentiable:
                raise RuntimeError("`fused` does not support `differentiable`")
            if foreach:
                raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
        # unlike the other optimizers, torch fills Adagrad's state eagerly, for every param
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p)

    def _init_state(self, p: Tensor) -> None:
        state = self.state[p]
        state["step"] = _new_step()
        state["sum"] = Tensor._make(np.full_like(p._data, self.defaults["initial_accumulator_value"]))

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            for key, default in (("foreach", None), ("maximize", False), ("differentiable", False), ("fused", None)):
                group.setdefault(key, default)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One Adagrad update of every param that has a grad."""
        loss = _closure_loss(closure)
        for group in self.param_groups:
            for p, grad in _grads(group, group["maximize"]):
                if len(self.state[p]) == 0:  # a param group added after construction
                    self._init_state(p)
                adagrad_step(p, grad, self.state[p], lr=_to_scalar(group["lr"]), lr_decay=group["lr_decay"],
                             weight_decay=group["weight_decay"], eps=group["eps"])
        return loss


def adagrad_step(p: Tensor, grad: np.ndarray, state: dict[str, Any], *, lr: float, lr_decay: float,
                 weight_decay: float, eps: float) -> None:
    """One Adagrad update of ``p`` in place, in torch's ``_single_tensor_adagrad`` order::

        t += 1;  g = g + wd*p  (weight_decay != 0)
        clr = lr / (1 + (t - 1)*lr_decay)              (Python float)
        s = s + g*g;  p = p - clr*g/(sqrt(s) + eps)
    """
    x = p._data
    step = _incr_step(state["step"])
    if weight_decay != 0:
        grad = _add(grad, x, weight_decay)
    clr = lr / (1 + (step - 1) * lr_decay)
    state_sum = state["sum"]
    _k_addcmul_(state_sum._data, grad, grad, 1)
    _bump(state_sum)
    std = _sqrt(state_sum._data)
    std += x.dtype.type(eps)
    _k_addcdiv_(x, grad, std, -clr)
    _bump(p)
