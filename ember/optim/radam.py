"""``RAdam`` (torch.optim.RAdam), with the float rounding of torch's single-tensor CPU path."""
from __future__ import annotations

from typing import Any, Callable, Iterable

import numpy as np

from .._tensor import Tensor
from .optimizer import (Optimizer, _add, _bump, _check_betas, _check_flags, _check_lr_numel, _closure_loss, _gather,
                        _incr_step, _k_addcmul_, _k_lerp_, _lr_value, _new_scalar, _setstate_defaults, _sqrt,
                        _state_like, _step_only, _step_packed, _steps_as_tensors, _update)

__all__ = ["RAdam", "radam_step"]


class RAdam(Optimizer):
    """RAdam (https://pytorch.org/docs/stable/generated/torch.optim.RAdam.html)."""

    def __init__(self, params: Iterable[Any], lr: float | Tensor = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, decoupled_weight_decay: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        _check_lr_numel(lr)
        _check_betas(lr, eps, betas, weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize, foreach=foreach,
                        capturable=capturable, decoupled_weight_decay=decoupled_weight_decay,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        _setstate_defaults(self, (("foreach", None), ("maximize", False), ("differentiable", False),
                                  ("decoupled_weight_decay", False), ("capturable", False)))
        _steps_as_tensors(self, lambda g: False)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One RAdam update of every param that has a grad."""
        loss = _closure_loss(closure)
        for group in self.param_groups:
            items = _gather(self, group, "RAdam", lambda p, grad, group: dict(
                step=_new_scalar(0.0), exp_avg=_state_like(p._data), exp_avg_sq=_state_like(p._data)))
            beta1, beta2 = group["betas"]
            # ``wd``, not ``weight_decay``: torch views a complex param as real before its decay
            options = dict(lr=_lr_value(group["lr"]), beta1=beta1, beta2=beta2, eps=group["eps"],
                           wd=group["weight_decay"], decoupled=group["decoupled_weight_decay"])
            decay_first = options["decoupled"] and options["wd"] != 0
            _check_flags(self, group, items, "params and state_steps", "params and state_steps",
                         _step_only if decay_first else
                         lambda p, g, s: _update(radam_step, Tensor._make(p._data.copy()), g, s, **options))
            _step_packed(items, group, lambda p, grad, state: _update(radam_step, p, grad, state, **options),
                         lambda p, grad, state: ([p, state["exp_avg"], state["exp_avg_sq"]], [grad]),
                         lambda state: _incr_step(state["step"]),
                         lambda step, rows: _radam_arrays(*rows, step, **options))
        return loss


def radam_step(p: Tensor, grad: np.ndarray, state: dict[str, Any], *, lr: float, beta1: float, beta2: float,
               eps: float, wd: float, decoupled: bool) -> None:
    """One RAdam update of ``p`` in place, in torch's ``_single_tensor_radam`` order::

        t += 1
        p *= 1 - lr*wd  (decoupled)   or   g = g + wd*p   (weight_decay != 0)
        m = lerp(m, g, 1 - beta1);  v = beta2*v + (1 - beta2)*g*g
        rho_inf = 2/(1 - beta2) - 1;  rho_t = rho_inf - 2*t*beta2**t / (1 - beta2**t)      (Python floats)
        rho_t > 5:  p -= m/(1 - beta1**t) * lr * (1/(sqrt(v) + eps) * sqrt(1 - beta2**t)) * r_t
                    with r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
        otherwise:  p -= m/(1 - beta1**t) * lr

    Every ``*`` and ``/`` above is its own tensor op, rounded in the param dtype; ``scalar / tensor`` is torch's
    ``__rtruediv__``, a reciprocal then a product.
    """
    step = _incr_step(state["step"])
    _radam_arrays(p._data, state["exp_avg"]._data, state["exp_avg_sq"]._data, grad, step, lr=lr, beta1=beta1,
                  beta2=beta2, eps=eps, wd=wd, decoupled=decoupled)
    _bump(p, state["exp_avg"], state["exp_avg_sq"])


def _radam_arrays(x: np.ndarray, m: np.ndarray, v: np.ndarray, grad: np.ndarray, step: float, *, lr: float,
                  beta1: float, beta2: float, eps: float, wd: float, decoupled: bool) -> None:
    """The array part of ``radam_step`` at step count ``step``: elementwise, on arrays of any layout (one param's,
    or rows of packed params)."""
    dt = x.dtype.type
    if wd != 0:
        if decoupled:
            np.multiply(x, dt(1 - lr * wd), out=x)
        else:
            grad = _add(grad, x, wd)
    _k_lerp_(m, grad, 1 - beta1)
    np.multiply(v, dt(beta2), out=v)
    _k_addcmul_(v, grad, grad, 1 - beta2)
    bias_correction1 = 1 - beta1 ** step
    bias_correction2 = 1 - beta2 ** step
    update = m / dt(bias_correction1)
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
    update *= dt(lr)
    if rho_t > 5.0:
        root = _sqrt(v)
        root += dt(eps)
        adaptive = np.reciprocal(root)
        adaptive *= dt(bias_correction2 ** 0.5)
        update *= adaptive
        rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
        update *= dt(rect)
    np.subtract(x, update, out=x)  # add_(alpha=-1): the FMA with -1 is an exact negation, one rounding
