"""``NAdam`` (torch.optim.NAdam), with the float rounding of torch's single-tensor CPU path."""
from __future__ import annotations

from typing import Any, Callable, Iterable

import numpy as np

from .._tensor import Tensor
from .optimizer import (Optimizer, _add, _bump, _check_betas, _check_flags, _check_lr_numel, _closure_loss, _gather,
                        _incr_step, _k_addcdiv_, _k_addcmul_, _k_lerp_, _lr_value, _new_scalar, _scalars_as_tensors,
                        _setstate_defaults, _sqrt, _state_like, _step_only, _step_packed, _steps_as_tensors, _update)

__all__ = ["NAdam", "nadam_step"]


class NAdam(Optimizer):
    """NAdam (https://pytorch.org/docs/stable/generated/torch.optim.NAdam.html)."""

    def __init__(self, params: Iterable[Any], lr: float | Tensor = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach: bool | None = None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False) -> None:
        _check_lr_numel(lr)
        _check_betas(lr, eps, betas, weight_decay)
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize, foreach=foreach,
                        capturable=capturable, differentiable=differentiable)
        super().__init__(params, defaults)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        _setstate_defaults(self, (("maximize", False), ("foreach", None), ("capturable", False),
                                  ("differentiable", False), ("decoupled_weight_decay", False)))
        _steps_as_tensors(self, lambda g: False)
        _scalars_as_tensors(self, ("mu_product",))

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One NAdam update of every param that has a grad."""
        loss = _closure_loss(closure)
        for group in self.param_groups:
            items = _gather(self, group, "NAdam", lambda p, grad, group: dict(
                step=_new_scalar(0.0), mu_product=_new_scalar(1.0), exp_avg=_state_like(p._data),
                exp_avg_sq=_state_like(p._data)))
            beta1, beta2 = group["betas"]
            # ``wd``, not ``weight_decay``: torch views a complex param as real before its decay (so _update must
            # not apply it in complex arithmetic first)
            options = dict(lr=_lr_value(group["lr"]), beta1=beta1, beta2=beta2, eps=group["eps"],
                           wd=group["weight_decay"], momentum_decay=group["momentum_decay"],
                           decoupled=group["decoupled_weight_decay"])
            _check_flags(self, group, items, "params, mu_products and state_steps",
                         "params, mu_products, and state_steps", _step_only if options["decoupled"] and
                         options["wd"] != 0 else lambda p, g, s: _nadam_on_copy(p, g, s, options))
            _step_packed(items, group, lambda p, grad, state: _update(
                nadam_step, p, grad, {k: state[k] for k in ("step", "exp_avg", "exp_avg_sq")},
                mu_product=state["mu_product"], **options),
                lambda p, grad, state: ([p, state["exp_avg"], state["exp_avg_sq"]], [grad]),
                lambda state: _advance(state["step"], state["mu_product"], beta1, options["momentum_decay"]),
                lambda key, rows: _nadam_arrays(*rows, key, **options))
        return loss


def nadam_step(p: Tensor, grad: np.ndarray, state: dict[str, Any], *, mu_product: Tensor, lr: float, beta1: float,
               beta2: float, eps: float, wd: float, momentum_decay: float, decoupled: bool) -> None:
    """One NAdam update of ``p`` in place, in torch's ``_single_tensor_nadam`` order::

        t += 1
        p *= 1 - lr*wd  (decoupled)   or   g = g + wd*p   (weight_decay != 0)
        mu_t = beta1 * (1 - 0.5 * 0.96**(t*psi));  mu_{t+1} likewise      (Python floats)
        mu_product *= mu_t                                                 (0-dim tensor op)
        m = lerp(m, g, 1 - beta1);  v = beta2*v + (1 - beta2)*g*g
        denom = sqrt(v / (1 - beta2**t)) + eps
        p += (-lr*(1 - mu_t) / (1 - mu_product)) * g / denom
        p += (-lr*mu_{t+1} / (1 - mu_product*mu_{t+1})) * m / denom
    """
    key = _advance(state["step"], mu_product, beta1, momentum_decay)
    _nadam_arrays(p._data, state["exp_avg"]._data, state["exp_avg_sq"]._data, grad, key, lr=lr, beta1=beta1,
                  beta2=beta2, eps=eps, wd=wd, momentum_decay=momentum_decay, decoupled=decoupled)
    _bump(p, state["exp_avg"], state["exp_avg_sq"])


def _advance(step_t: Tensor, mu_product: Tensor, beta1: float, momentum_decay: float) -> tuple[float, float]:
    """The scalar state updates of a step, ``t += 1`` and ``mu_product *= mu_t``; the new values (with the group's
    options) fix every scalar of the update."""
    step = _incr_step(step_t)
    mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
    mp = mu_product._data
    mp[...] = mp * mp.dtype.type(mu)  # a 0-dim tensor times a Python float: rounded in the tensor's dtype
    mu_product._vc[0] += 1
    return step, float(mp)


def _nadam_arrays(x: np.ndarray, m: np.ndarray, v: np.ndarray, grad: np.ndarray, key: tuple[float, float], *,
                  lr: float, beta1: float, beta2: float, eps: float, wd: float, momentum_decay: float,
                  decoupled: bool) -> None:
    """The array part of ``nadam_step`` after ``_advance`` returned ``key``: elementwise, on arrays of any layout
    (one param's, or rows of packed params)."""
    step, product = key
    dt = x.dtype.type
    if wd != 0:
        if decoupled:
            np.multiply(x, dt(1 - lr * wd), out=x)
        else:
            grad = _add(grad, x, wd)
    mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
    mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
    _k_lerp_(m, grad, 1 - beta1)
    np.multiply(v, dt(beta2), out=v)
    _k_addcmul_(v, grad, grad, 1 - beta2)
    denom = _sqrt(v / dt(1 - beta2 ** step))
    denom += dt(eps)
    _k_addcdiv_(x, grad, denom, float(-lr * (1.0 - mu) / (1.0 - product)))
    _k_addcdiv_(x, m, denom, float((-lr * mu_next) / (1.0 - product * mu_next)))


def _nadam_on_copy(p: Tensor, grad: np.ndarray, state: dict[str, Any], options: dict[str, Any]) -> None:
    """The state updates of one step, the param's own written into a throwaway copy."""
    moments = {k: state[k] for k in ("step", "exp_avg", "exp_avg_sq")}
    _update(nadam_step, Tensor._make(p._data.copy()), grad, moments, mu_product=state["mu_product"], **options)
