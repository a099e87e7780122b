"""``NAdam`` (torch.optim.NAdam), with the float rounding of torch's single-tensor CPU path.

Also holds the small step-time helpers the optimizers added with it (radam.py, adamax.py, adadelta.py, rprop.py,
asgd.py) share: ``_named_grads`` (torch names the optimizer in its sparse-grad error) and ``_check_flags`` (the
errors torch's CPU step raises for ``capturable`` and ``differentiable``). They would sit well in optimizer.py.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable

import numpy as np

from .._tensor import Tensor
from .optimizer import (LEAF_IN_PLACE, Optimizer, _add, _bump, _check_betas, _closure_loss, _foreach_autograd_error,
                        _grads, _incr_step, _k_addcdiv_, _k_addcmul_, _k_lerp_, _leaf_in_place, _scalar_dtype, _sqrt,
                        _state_like, _steps_as_tensors, _update)

__all__ = ["NAdam", "nadam_step"]

_DEVICES = ["cuda", "xpu", "hpu", "privateuseone"]


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
            for p, grad, state in items:
                moments = {k: state[k] for k in ("step", "exp_avg", "exp_avg_sq")}
                _update(nadam_step, p, grad, moments, mu_product=state["mu_product"], **options)
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
    x = p._data
    dt = x.dtype.type
    step = _incr_step(state["step"])
    bias_correction2 = 1 - beta2 ** step
    if wd != 0:
        if decoupled:
            np.multiply(x, dt(1 - lr * wd), out=x)
        else:
            grad = _add(grad, x, wd)
    mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
    mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
    mp = mu_product._data
    mp[...] = mp * mp.dtype.type(mu)  # a 0-dim tensor times a Python float: rounded in the tensor's dtype
    mu_product._vc[0] += 1
    m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
    _k_lerp_(m, grad, 1 - beta1)
    np.multiply(v, dt(beta2), out=v)
    _k_addcmul_(v, grad, grad, 1 - beta2)
    denom = _sqrt(v / dt(bias_correction2))
    denom += dt(eps)
    product = float(mp)
    _k_addcdiv_(x, grad, denom, float(-lr * (1.0 - mu) / (1.0 - product)))
    _k_addcdiv_(x, m, denom, float((-lr * mu_next) / (1.0 - product * mu_next)))
    _bump(p, state["exp_avg"], state["exp_avg_sq"])


def _nadam_on_copy(p: Tensor, grad: np.ndarray, state: dict[str, Any], options: dict[str, Any]) -> None:
    """The state updates of one step, the param's own written into a throwaway copy."""
    moments = {k: state[k] for k in ("step", "exp_avg", "exp_avg_sq")}
    nadam_step(Tensor._make(p._data.copy()), grad, moments, mu_product=state["mu_product"], **options)


# --- helpers shared with radam, adamax, adadelta, rprop, asgd --------------------------------------------------------

def _check_lr_numel(lr: Any) -> None:
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")


def _new_scalar(value: float) -> Tensor:
    """A 0-dim state counter of torch's scalar dtype (``step``, ``mu_product``, ``eta``, ``mu``)."""
    return Tensor._make(np.array(value, _scalar_dtype()))


def _scalars_as_tensors(opt: Optimizer, keys: tuple[str, ...]) -> None:
    """``__setstate__``'s upgrade of per-param numbers saved by older torch to 0-dim tensors."""
    for group in opt.param_groups:
        for p in group["params"]:
            p_state = opt.state.get(p, [])
            if len(p_state) != 0:
                for key in keys:
                    if not isinstance(p_state[key], Tensor):
                        p_state[key] = _new_scalar(float(p_state[key]))


def _lr_value(lr: Any) -> Any:
    """The lr as the step's arithmetic sees it: a Python float, or for a Tensor lr a NumPy scalar of its dtype,
    since torch keeps a 0-dim lr a tensor and its ops with Python floats then round in that dtype (NumPy's
    scalar promotion rounds the same way)."""
    if isinstance(lr, Tensor):
        value = lr._data.reshape(())[()]
        return value if lr._data.dtype.kind == "f" else value.item()
    return lr


# the flags most single-tensor optimizers' __setstate__ fill, in torch's order
_FLAGS = (("foreach", None), ("maximize", False), ("differentiable", False), ("capturable", False))


def _setstate_defaults(opt: Optimizer, defaults: tuple[tuple[str, Any], ...]) -> None:
    """Fill the flags an older pickle's param_groups lack, in the order the optimizer's torch __setstate__ does."""
    for group in opt.param_groups:
        for key, default in defaults:
            group.setdefault(key, default)


def _gather(opt: Optimizer, group: dict[str, Any], name: str,
            init: Callable[[Tensor, np.ndarray, dict[str, Any]], dict[str, Any]]) -> list:
    """(param, grad, state) for every param of ``group`` with a grad; an empty state is first filled with
    ``init(p, grad, group)`` (its keys in torch's order)."""
    items = []
    for p, grad in _named_grads(group, name):
        state = opt.state[p]
        if len(state) == 0:
            state.update(init(p, grad, group))
        items.append((p, grad, state))
    return items


def _named_grads(group: dict[str, Any], name: str) -> list[tuple[Tensor, np.ndarray]]:
    """(param, grad) for the params of ``group`` with a grad (negated under ``maximize``); a sparse grad is
    refused with torch's per-optimizer message."""
    for p in group["params"]:
        if p._grad is not None and p._grad.is_sparse:
            raise RuntimeError(f"{name} does not support sparse gradients")
    return list(_grads(group, group["maximize"]))


def _check_flags(opt: Optimizer, group: dict[str, Any], items: list, single: str, multi: str,
                 until_first_write: Callable[[Tensor, np.ndarray, dict[str, Any]], None],
                 xla_single: bool = True, xla_multi: bool = False) -> None:
    """The errors of torch's CPU step for flags its constructor accepts (foreach=None means False on CPU):
    capturable needs an accelerator (``single`` / ``multi`` name what must be on one); differentiable with
    foreach has no autograd; differentiable alone runs the step with grad mode on, so the first in-place write
    into a leaf param that requires grad fails, after ``until_first_write(p, grad, state)`` has done to the
    first param's state what torch's step does before that write."""
    if not items:
        return
    if group["foreach"]:
        if group["capturable"]:
            raise AssertionError(f"If capturable=True, {multi} must be on supported devices: "
                                 f"{_DEVICES + ['xla'] if xla_multi else _DEVICES}.")
        if group["differentiable"]:
            raise _foreach_autograd_error()
        return
    if group["capturable"]:
        raise AssertionError(f"If capturable=True, {single} must be on supported devices: "
                             f"{_DEVICES + ['xla'] if xla_single else _DEVICES}.")
    p, grad, state = items[0]
    if _leaf_in_place(opt, p):
        until_first_write(p, grad, state)
        raise RuntimeError(LEAF_IN_PLACE)


def _step_only(p: Tensor, grad: np.ndarray, state: dict[str, Any]) -> None:
    """What torch's step does before its first write into the param when that write is the weight decay."""
    _incr_step(state["step"])
