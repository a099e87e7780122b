"""``Adadelta`` (torch.optim.Adadelta), with the float rounding of torch's single-tensor CPU path."""
from __future__ import annotations

from typing import Any, Callable, Iterable

import numpy as np

from .._tensor import Tensor
from .optimizer import (_FLAGS, Optimizer, _add, _bump, _check_flags, _check_lr_numel, _closure_loss, _count_step,
                        _gather, _incr_step, _k_add_, _k_addcmul_, _lr_value, _new_scalar, _setstate_defaults, _sqrt,
                        _state_like, _step_packed, _steps_as_tensors)

__all__ = ["Adadelta", "adadelta_step"]


class Adadelta(Optimizer):
    """Adadelta (https://pytorch.org/docs/stable/generated/torch.optim.Adadelta.html)."""

    def __init__(self, params: Iterable[Any], lr: float | Tensor = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, foreach: bool | None = None, *, capturable: bool = False,
                 maximize: bool = False, differentiable: bool = False) -> None:
        _check_lr_numel(lr)
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize, capturable=capturable,
                        foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        _setstate_defaults(self, _FLAGS)
        _steps_as_tensors(self, lambda g: False)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One Adadelta update of every param that has a grad."""
        loss = _closure_loss(closure)
        for group in self.param_groups:
            items = _gather(self, group, "Adadelta", lambda p, grad, group: dict(
                step=_new_scalar(0.0), square_avg=_state_like(p._data), acc_delta=_state_like(p._data)))
            # ``weight_decay``: torch adds the decay before viewing a complex param as real
            options = dict(lr=_lr_value(group["lr"]), rho=group["rho"], eps=group["eps"],
                           weight_decay=group["weight_decay"])
            # the single-tensor path checks capturable before its loop, with no 'xla' among the devices
            _check_flags(self, group, items, "params and state_steps", "params and state_steps",
                         lambda p, g, s: adadelta_step(Tensor._make(p._data.copy()), g, s, **options),
                         xla_single=False, real_view=False)
            _step_packed(items, group, lambda p, grad, state: adadelta_step(p, grad, state, **options),
                         lambda p, grad, state: ([p, state["square_avg"], state["acc_delta"]], [grad]),
                         _count_step,
                         lambda key, rows: _adadelta_arrays(*rows, **options))
        return loss


def adadelta_step(p: Tensor, grad: np.ndarray, state: dict[str, Any], *, lr: float, rho: float, eps: float,
                  weight_decay: float) -> None:
    """One Adadelta update of ``p`` in place, in torch's ``_single_tensor_adadelta`` order::

        t += 1;  g = g + wd*p   (weight_decay != 0)
        v = rho*v + (1 - rho)*g*g
        delta = sqrt(u + eps) / sqrt(v + eps) * g
        u = rho*u + (1 - rho)*delta*delta
        p = p - lr*delta
    """
    _incr_step(state["step"])
    _adadelta_arrays(p._data, state["square_avg"]._data, state["acc_delta"]._data, grad, lr=lr, rho=rho, eps=eps,
                     weight_decay=weight_decay)
    _bump(p, state["square_avg"], state["acc_delta"])


def _adadelta_arrays(x: np.ndarray, v: np.ndarray, u: np.ndarray, grad: np.ndarray, *, lr: float, rho: float,
                     eps: float, weight_decay: float) -> None:
    """The array part of ``adadelta_step``: elementwise, on arrays of any layout (one param's, or rows of packed
    params). A complex param's averages and delta are computed on real views, as torch's view_as_real, but the
    decay and the final ``p.add_(delta, alpha=-lr)`` stay complex arithmetic: a complex product, then the sum
    (two roundings where the real update fuses them; and inf * (-lr+0j) has a NaN part)."""
    if weight_decay != 0:
        grad = _add(grad, x, weight_decay)
    if np.iscomplexobj(x):
        real = lambda a: a[..., None].view(a.real.dtype)  # noqa: E731  (a trailing axis of 2, for any layout)
        delta = _delta(real(v), real(u), real(np.asarray(grad)), rho, eps).view(x.dtype)[..., 0]
    else:
        delta = _delta(v, u, grad, rho, eps)
    _k_add_(x, delta, float(-lr))


def _delta(v: np.ndarray, u: np.ndarray, grad: np.ndarray, rho: float, eps: float) -> np.ndarray:
    """The averages' update and the step ``delta = sqrt(u + eps) / sqrt(v + eps) * g`` (real arrays)."""
    dt = v.dtype.type
    np.multiply(v, dt(rho), out=v)
    _k_addcmul_(v, grad, grad, 1 - rho)
    std = _sqrt(v + dt(eps))
    delta = _sqrt(u + dt(eps))
    delta /= std
    delta *= grad
    np.multiply(u, dt(rho), out=u)
    _k_addcmul_(u, delta, delta, 1 - rho)
    return delta
