"""``ASGD`` (torch.optim.ASGD), with the float rounding of torch's single-tensor CPU path."""
from __future__ import annotations

import math
from typing import Any, Callable, Iterable

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor
from .optimizer import (_FLAGS, Optimizer, _add, _bump, _check_flags, _check_lr_numel, _closure_loss, _incr_step,
                        _k_add_, _lr_value, _named_grads, _scalar_dtype, _scalars_as_tensors, _setstate_defaults,
                        _sqrt, _state_like, _step_only, _step_packed, _to_scalar, _update)

__all__ = ["ASGD", "asgd_step"]


class ASGD(Optimizer):
    """Averaged SGD (https://pytorch.org/docs/stable/generated/torch.optim.ASGD.html)."""

    def __init__(self, params: Iterable[Any], lr: float | Tensor = 1e-2, lambd: float = 1e-4, alpha: float = 0.75,
                 t0: float = 1e6, weight_decay: float = 0, foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False) -> None:
        _check_lr_numel(lr)
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        _setstate_defaults(self, _FLAGS)
        _scalars_as_tensors(self, ("step", "eta", "mu"))

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One ASGD update of every param that has a grad."""
        loss = _closure_loss(closure)
        for group in self.param_groups:
            items = []
            for p, grad in _named_grads(group, "ASGD"):
                state = self.state[p]
                if len(state) == 0:
                    dtype = _scalar_dtype()
                    state["step"] = Tensor._make(np.zeros((), dtype))
                    state["eta"] = Tensor._make(np.array(_to_scalar(group["lr"]), dtype))
                    state["mu"] = Tensor._make(np.ones((), dtype))
                    state["ax"] = _state_like(p._data)
                items.append((p, grad, state))
            # ``wd``, not ``weight_decay``: torch views a complex param as real before its decay
            options = dict(lr=_lr_value(group["lr"]), lambd=group["lambd"], alpha=group["alpha"], t0=group["t0"],
                           wd=group["weight_decay"])
            # the first write into the param is its decay ``p *= 1 - lambd*eta``, right after the step count
            _check_flags(self, group, items, "params, mus, etas, and state_steps",
                         "params, mus, etas, and state_steps", _step_only)
            scalars = {k: options[k] for k in ("lr", "lambd", "alpha", "t0")}
            _step_packed(items, group, lambda p, grad, state: _update(
                asgd_step, p, grad, {"step": state["step"], "ax": state["ax"]}, eta=state["eta"], mu=state["mu"],
                **options),
                lambda p, grad, state: ([p, state["ax"]], [grad]),
                lambda state: _advance(state["step"], state["eta"], state["mu"], **scalars),
                lambda key, rows: _asgd_arrays(*rows, *key[::2], lambd=options["lambd"], wd=options["wd"]))
        return loss


def asgd_step(p: Tensor, grad: np.ndarray, state: dict[str, Any], *, eta: Tensor, mu: Tensor, lr: float,
              lambd: float, alpha: float, t0: float, wd: float) -> None:
    """One ASGD update of ``p`` in place, in torch's ``_single_tensor_asgd`` order::

        t += 1;  g = g + wd*p   (weight_decay != 0)
        p = p * (1 - lambd*eta);  p = p - eta*g               (eta, mu: the 0-dim state, read as Python floats)
        ax = ax + (p - ax)*mu   (mu != 1)   or   ax = p   (mu == 1)
        eta = lr / (1 + lambd*lr*t)**alpha;  mu = 1 / max(1, t - t0)          (Python floats, stored rounded)
    """
    eta_value, _, mu_value = _advance(state["step"], eta, mu, lr=lr, lambd=lambd, alpha=alpha, t0=t0)
    _asgd_arrays(p._data, state["ax"]._data, grad, eta_value, mu_value, lambd=lambd, wd=wd)
    _bump(p, state["ax"])


def _advance(step_t: Tensor, eta: Tensor, mu: Tensor, *, lr: float, lambd: float, alpha: float,
             t0: float) -> tuple[float, float, float]:
    """The scalar state updates of a step: ``t += 1``, new ``eta`` and ``mu``. Returns the values this step uses,
    the old eta and mu, as ``(eta, sign of eta, mu)`` (the sign tells a -0.0 eta from 0.0 in a packing key)."""
    eta_value, mu_value = float(eta._data), float(mu._data)
    step = _incr_step(step_t)
    eta._data[...] = _as_tensor(lr / _pow(1 + lambd * lr * step, alpha))
    mu._data[...] = _as_tensor(1 / max(1, step - t0))
    _bump(eta, mu)
    return eta_value, math.copysign(1.0, eta_value), mu_value


def _asgd_arrays(x: np.ndarray, ax: np.ndarray, grad: np.ndarray, eta: float, mu: float, *, lambd: float,
                 wd: float) -> None:
    """The array part of ``asgd_step`` with the step's ``eta`` and ``mu``: elementwise, on arrays of any layout
    (one param's, or rows of packed params)."""
    dt = x.dtype.type
    if wd != 0:
        grad = _add(grad, x, wd)
    np.multiply(x, dt(1 - lambd * eta), out=x)
    _k_add_(x, grad, -eta)
    if mu != 1:
        diff = x - ax
        diff *= dt(mu)  # the 0-dim mu tensor joins the param's dtype
        ax += diff
    else:
        np.copyto(ax, x)


def _pow(base: Any, exp: float) -> Any:
    """``base ** exp``: Python float arithmetic, or for a Tensor lr's NumPy scalar the 0-dim tensor op as aten's
    CPU pow kernel computes it (pow_tensor_scalar_optimized_kernel): products for 2, 3 and -2, sqrt / reciprocal
    for 0.5, -0.5, -1, else ``std::pow`` in double rounded once (NumPy's powers round differently)."""
    if not isinstance(base, np.floating):
        return base ** exp
    t = type(base)
    if exp in (0, 1):
        return t(1) if exp == 0 else base
    special = {2: lambda: base * base, 3: lambda: base * base * base, -2: lambda: t(1.0 / float(base * base)),
               0.5: lambda: _sqrt(np.asarray(base))[()],  # torch.sqrt (MKL's, see _sqrt)
               -0.5: lambda: t(1) / np.sqrt(base),  # rsqrt's scalar loop: libm's sqrt
               -1: lambda: t(1) / base}
    if exp in special:
        return special[exp]()
    try:
        return t(math.pow(float(base), exp))  # libm's pow, as std::pow (NumPy's float64 power differs by an ulp)
    except ValueError:  # a negative base to a fractional power
        return t(math.nan)
    except OverflowError:
        return t(math.inf)


def _as_tensor(value: Any) -> np.ndarray:
    """``torch.as_tensor(value)`` before its copy into a state scalar: a Python float becomes the default dtype
    first, so a float64 ``eta`` loaded for a float64 param holds a float32-rounded value, as torch's does."""
    if isinstance(value, np.floating):  # from a Tensor lr: as_tensor keeps its dtype
        return np.asarray(value)
    return np.asarray(value, D.get_default_dtype().np_dtype)
