"""``SGD`` (torch.optim.SGD), with the float rounding of torch's single-tensor CPU path."""
from __future__ import annotations

from typing import Any, Callable, Iterable

import numpy as np

from .._tensor import Tensor
from .optimizer import Optimizer, _add, _bump, _check_lr, _closure_loss, _grads, _k_add_, _to_scalar

__all__ = ["SGD", "sgd_step"]


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum (https://pytorch.org/docs/stable/generated/torch.optim.SGD.html)."""

    def __init__(self, params: Iterable[Any], lr: float | Tensor = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, differentiable: bool = False, fused: bool | None = None) -> None:
        _check_lr(lr)
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=nesterov,
                        maximize=maximize, foreach=foreach, differentiable=differentiable, fused=fused)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)
        if fused:
            if differentiable:
                raise RuntimeError("`fused` does not support `differentiable`")
            if foreach:
                raise RuntimeError("`fused` and `foreach` cannot be `True` together.")

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            for key, default in (("nesterov", False), ("maximize", False), ("foreach", None),
                                 ("differentiable", False), ("fused", False)):
                group.setdefault(key, default)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One SGD update of every param that has a grad."""
        loss = _closure_loss(closure)
        for group in self.param_groups:
            momentum = group["momentum"]
            for p, grad in _grads(group, group["maximize"]):
                # torch only creates per-param state when momentum is used
                state = self.state[p] if momentum != 0 else None
                sgd_step(p, grad, state, lr=_to_scalar(group["lr"]), momentum=momentum,
                         dampening=group["dampening"], weight_decay=group["weight_decay"],
                         nesterov=group["nesterov"])
        return loss


def sgd_step(p: Tensor, grad: np.ndarray, state: dict[str, Any] | None, *, lr: float, momentum: float,
             dampening: float, weight_decay: float, nesterov: bool) -> None:
    """One SGD update of ``p`` in place, in torch's ``_single_tensor_sgd`` order::

        g = g + wd*p                              (weight_decay != 0)
        b = g  (first step)   else   b = momentum*b + (1 - dampening)*g
        g = g + momentum*b  (nesterov)   else   g = b
        p = p - lr*g

    Every ``x + a*y`` is one fused multiply-add, as in aten's add kernel.
    """
    x = p._data
    if weight_decay != 0:
        grad = _add(grad, x, weight_decay)
    if momentum != 0:
        buf = state.get("momentum_buffer")
        if buf is None:
            buf = Tensor._make(np.array(grad, copy=True))
            state["momentum_buffer"] = buf
        else:
            np.multiply(buf._data, buf._data.dtype.type(momentum), out=buf._data)
            _k_add_(buf._data, grad, 1 - dampening)
            _bump(buf)
        grad = _add(grad, buf._data, momentum) if nesterov else buf._data
    _k_add_(x, grad, -lr)
    _bump(p)
