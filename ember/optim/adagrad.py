"""``Adagrad`` (torch.optim.Adagrad), with the float rounding of torch's single-tensor CPU path."""
from __future__ import annotations

from typing import Any, Callable, Iterable

import numpy as np

from .._tensor import Tensor
from ._functional import chunks, const, fma32_chunk, flat_views, run_packed, same_layout, scratch
from .optimizer import (Optimizer, _add, _bump, _check_lr, _closure_loss, _fail_after_state_update,
                        _foreach_autograd_error, _grads, _incr_step, _k_addcdiv_, _k_addcmul_, _leaf_in_place,
                        _lr_dtype, _new_step, _sqrt, _sqrt_into, _state_like, _steps_as_tensors, _to_scalar, _update)

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
        value = self.defaults["initial_accumulator_value"]
        # a complex param starts both parts of its sum at the value
        state["sum"] = _state_like(p._data, complex(value, value) if np.iscomplexobj(p._data) else value)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            for key, default in (("foreach", None), ("maximize", False), ("differentiable", False), ("fused", None)):
                group.setdefault(key, default)
        _steps_as_tensors(self, lambda g: bool(g["fused"]))

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One Adagrad update of every param that has a grad."""
        loss = _closure_loss(closure)
        for group in self.param_groups:
            options = dict(lr=_to_scalar(group["lr"]), lr_decay=group["lr_decay"],
                           weight_decay=group["weight_decay"], eps=group["eps"], lr_dtype=_lr_dtype(group["lr"]))
            items = list(_grads(group, group["maximize"]))
            for p, _ in items:
                if len(self.state[p]) == 0:  # a param group added after construction
                    self._init_state(p)
            if items and group["differentiable"] and group["foreach"]:
                raise _foreach_autograd_error()
            if items and not group["foreach"] and _leaf_in_place(self, items[0][0]):
                _fail_after_state_update(adagrad_step, *items[0], self.state[items[0][0]], **options)
            small = []
            # a param listed twice (torch warns) gets two updates in a row: only the op-by-op order does that
            packable = len({id(p) for p in group["params"]}) == len(group["params"])
            for p, grad in items:
                if packable and p._data.size <= _SMALL and p._data.dtype == np.float32:
                    small.append((p, np.asarray(grad), self.state[p]))
                else:
                    _update(adagrad_step, p, grad, self.state[p], **options)
            if small:
                _adagrad_small(small, **options)
        return loss


def adagrad_step(p: Tensor, grad: np.ndarray, state: dict[str, Any], *, lr: float, lr_decay: float,
                 weight_decay: float, eps: float, lr_dtype: type | None = None) -> None:
    """One Adagrad update of ``p`` in place, in torch's ``_single_tensor_adagrad`` order::

        t += 1;  g = g + wd*p  (weight_decay != 0)
        clr = lr / (1 + (t - 1)*lr_decay)              (Python float; a tensor op for a Tensor lr)
        s = s + g*g;  p = p - clr*g/(sqrt(s) + eps)
    """
    x = p._data
    step = _incr_step(state["step"])
    clr = _clr(lr, lr_decay, step, lr_dtype)
    state_sum = state["sum"]
    flat = flat_views([x, state_sum._data, same_layout(grad, x)]) if x.dtype == np.float32 else None
    if flat is not None:
        _adagrad32(flat[0], flat[2], flat[1], clr, weight_decay, eps)
    else:
        _adagrad_any(x, grad, state_sum._data, clr, weight_decay, eps)
    _bump(p, state_sum)


def _clr(lr: float, lr_decay: float, step: float, lr_dtype: type | None) -> float:
    """The decayed lr; torch keeps a 0-dim Tensor lr a Tensor, so then the division rounds in its dtype."""
    denom = 1 + (step - 1) * lr_decay
    return lr / denom if lr_dtype is None else float(lr_dtype(lr) / lr_dtype(denom))


_SMALL = 1024  # float32 params up to this size are gathered and updated together (_functional.run_packed)


def _adagrad_small(items: list[tuple[Tensor, np.ndarray, dict[str, Any]]], *, lr: float, lr_decay: float,
                   weight_decay: float, eps: float, lr_dtype: type | None = None) -> None:
    """``adagrad_step`` for many small float32 params, gathered into rows; params whose step counts differ (so
    their decayed learning rates differ) are batched apart."""
    by_step: dict[float, list] = {}
    for p, grad, state in items:
        arrays = [p._data, state["sum"]._data, grad]
        if not (grad.dtype == np.float32 and all([a.flags.c_contiguous for a in arrays])):
            adagrad_step(p, grad, state, lr=lr, lr_decay=lr_decay, weight_decay=weight_decay, eps=eps,
                         lr_dtype=lr_dtype)
            continue
        step = _incr_step(state["step"])
        by_step.setdefault(step, []).append((p, state, [a.ravel() for a in arrays]))
    for step, batch in by_step.items():
        clr = _clr(lr, lr_decay, step, lr_dtype)
        run_packed([e[2] for e in batch], lambda rows: _adagrad32(rows[0], rows[2], rows[1], clr, weight_decay, eps),
                   (0, 1))
        for p, state, _ in batch:
            _bump(p, state["sum"])


def _adagrad_any(x: np.ndarray, grad: np.ndarray, state_sum: np.ndarray, clr: float, weight_decay: float,
                 eps: float) -> None:
    """The update op by op on whole arrays: any dtype and layout."""
    if weight_decay != 0:
        grad = _add(grad, x, weight_decay)
    _k_addcmul_(state_sum, grad, grad, 1)
    std = _sqrt(state_sum)
    std += x.dtype.type(eps)
    _k_addcdiv_(x, grad, std, -clr)


def _adagrad32(x: np.ndarray, grad: np.ndarray, state_sum: np.ndarray, clr: float, weight_decay: float,
               eps: float) -> None:
    """The same update for 1-D float32 arrays, one cache-sized chunk at a time; each op rounds as in
    ``_adagrad_any`` (the kernels there are the reference)."""
    f32, f64 = np.float32, np.float64
    wd = const(f32(weight_decay), f64) if weight_decay != 0 else None
    eps32 = const(eps, f32)
    neg_clr = f32(-clr)
    clr_scaled = neg_clr != 1  # addcdiv's value*t1 is skipped when value is 1
    neg_clr = const(neg_clr, f32)
    bufs = scratch()
    for sl, k in chunks(x.size):
        fma, fa, fg, fh = (bufs.fma, bufs.f, bufs.g, bufs.h) if k is None else bufs.head(k)
        xc, gc, sc = x[sl], grad[sl], state_sum[sl]
        if wd is not None:
            fma32_chunk(fg, xc, wd, gc, fma)
            gc = fg
        fma32_chunk(sc, gc, gc, sc, fma)
        _sqrt_into(sc, fa)
        np.add(fa, eps32, out=fa)
        if clr_scaled:
            np.multiply(gc, neg_clr, out=fh)
            np.divide(fh, fa, out=fh)
        else:
            np.divide(gc, fa, out=fh)
        np.add(xc, fh, out=xc)
