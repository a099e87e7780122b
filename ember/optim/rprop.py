"""``Rprop`` (torch.optim.Rprop), with the float rounding of torch's single-tensor CPU path."""
from __future__ import annotations

from typing import Any, Callable, Iterable

import numpy as np

from .._tensor import Tensor
from .optimizer import (_FLAGS, Optimizer, _bump, _check_flags, _check_lr_numel, _closure_loss, _count_step,
                        _incr_step, _named_grads, _new_scalar, _setstate_defaults, _state_like, _step_packed,
                        _steps_as_tensors, _to_scalar, _update)

__all__ = ["Rprop", "rprop_step"]


class Rprop(Optimizer):
    """Rprop (https://pytorch.org/docs/stable/generated/torch.optim.Rprop.html)."""

    def __init__(self, params: Iterable[Any], lr: float | Tensor = 1e-2, etas: tuple[float, float] = (0.5, 1.2),
                 step_sizes: tuple[float, float] = (1e-6, 50), *, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False, differentiable: bool = False) -> None:
        _check_lr_numel(lr)
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        _setstate_defaults(self, _FLAGS)
        _steps_as_tensors(self, lambda g: False)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One Rprop update of every param that has a grad."""
        loss = _closure_loss(closure)
        for group in self.param_groups:
            items = []
            for p, grad in _named_grads(group, "Rprop"):
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _new_scalar(0.0)
                    state["prev"] = _state_like(p._data)
                    lr = _to_scalar(group["lr"])
                    # the step sizes are laid out like the grad (full_like(grad)); a complex param starts both
                    # parts at lr, as two independent real numbers
                    state["step_size"] = _state_like(p._grad._data, complex(lr, lr) if np.iscomplexobj(grad) else lr)
                items.append((p, grad, state))
            etaminus, etaplus = group["etas"]
            step_size_min, step_size_max = group["step_sizes"]
            options = dict(etaminus=etaminus, etaplus=etaplus, step_size_min=step_size_min,
                           step_size_max=step_size_max)
            # torch's step writes the param before ``prev``: that one stays as it was when the write fails
            _check_flags(self, group, items, "params and state_steps", "params and state_steps",
                         lambda p, g, s: _update(rprop_step, Tensor._make(p._data.copy()), g,
                                                 dict(s, prev=Tensor._make(s["prev"]._data.copy())), **options),
                         xla_multi=True)
            # the step sizes are per-element state, the step count enters no arithmetic: every small param
            # packs with every other
            _step_packed(items, group, lambda p, grad, state: _update(rprop_step, p, grad, state, **options),
                         lambda p, grad, state: ([p, state["prev"], state["step_size"]], [grad]),
                         _count_step, lambda key, rows: _rprop_arrays(*rows, **options))
        return loss


def rprop_step(p: Tensor, grad: np.ndarray, state: dict[str, Any], *, etaminus: float, etaplus: float,
               step_size_min: float, step_size_max: float) -> None:
    """One Rprop update of ``p`` in place, in torch's ``_single_tensor_rprop`` order::

        t += 1
        s = sign(g * prev), then etaplus where s > 0, etaminus where s < 0, 1 where s == 0
        step_size = clamp(step_size * s, step_size_min, step_size_max)
        g = 0 where s == etaminus
        p = p - sign(g) * step_size;  prev = g

    torch's sign of NaN is 0, so a NaN product counts as "no sign change".
    """
    _incr_step(state["step"])
    _rprop_arrays(p._data, state["prev"]._data, state["step_size"]._data, grad, etaminus=etaminus, etaplus=etaplus,
                  step_size_min=step_size_min, step_size_max=step_size_max)
    _bump(p, state["prev"], state["step_size"])


def _rprop_arrays(x: np.ndarray, prev: np.ndarray, step_size: np.ndarray, grad: np.ndarray, *, etaminus: float,
                  etaplus: float, step_size_min: float, step_size_max: float) -> None:
    """The array part of ``rprop_step``: elementwise, on arrays of any layout (one param's, or rows of packed
    params)."""
    dt = x.dtype.type
    sign = _sign(np.multiply(grad, prev))
    factor = np.where(sign > 0, dt(etaplus), np.where(sign < 0, dt(etaminus), dt(1)))
    np.multiply(step_size, factor, out=step_size)
    # clamp_: max(min) first, then min(max), each NaN-propagating like np.clip
    np.maximum(step_size, dt(step_size_min), out=step_size)
    np.minimum(step_size, dt(step_size_max), out=step_size)
    grad = np.where(factor == dt(etaminus), dt(0), grad)
    # addcmul_(sign(g), step_size, value=-1): -sign(g) * step_size is exact, so one rounding of the sum
    np.subtract(x, _sign(grad) * step_size, out=x)
    np.copyto(prev, grad)


def _sign(a: np.ndarray) -> np.ndarray:
    """torch.sign: -1, 0 or 1 (NaN gives 0, where NumPy gives NaN)."""
    return np.asarray(a > 0, a.dtype) - np.asarray(a < 0, a.dtype)
