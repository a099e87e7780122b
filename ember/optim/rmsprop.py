"""``RMSprop`` (torch.optim.RMSprop), with the float rounding of torch's single-tensor CPU path."""
from __future__ import annotations

from typing import Any, Callable, Iterable

import numpy as np

from .._tensor import Tensor
from ._functional import chunks, const, flat_views, fma32_chunk, run_packed, same_layout, scratch
from .optimizer import (Optimizer, _add, _addcmul, _bump, _capturable_error, _check_lr, _closure_loss,
                        _fail_after_state_update, _foreach_autograd_error, _grads, _incr_step, _k_add_, _k_addcdiv_,
                        _k_addcmul_, _k_lerp_, _leaf_in_place, _new_step, _sqrt, _sqrt_into, _state_like,
                        _steps_as_tensors, _to_scalar, _update)

__all__ = ["RMSprop", "rmsprop_step"]


class RMSprop(Optimizer):
    """RMSprop (https://pytorch.org/docs/stable/generated/torch.optim.RMSprop.html)."""

    def __init__(self, params: Iterable[Any], lr: float | Tensor = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False, differentiable: bool = False) -> None:
        _check_lr(lr)
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered, weight_decay=weight_decay,
                        capturable=capturable, foreach=foreach, maximize=maximize, differentiable=differentiable)
        super().__init__(params, defaults)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            for key, default in (("momentum", 0), ("centered", False), ("foreach", None), ("maximize", False),
                                 ("differentiable", False), ("capturable", False)):
                group.setdefault(key, default)
        _steps_as_tensors(self, lambda g: False)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One RMSprop update of every param that has a grad."""
        loss = _closure_loss(closure)
        for group in self.param_groups:
            options = dict(lr=_to_scalar(group["lr"]), alpha=group["alpha"], eps=group["eps"],
                           weight_decay=group["weight_decay"], momentum=group["momentum"], centered=group["centered"])
            items = self._init_group(group)
            if items:
                _check_step_flags(self, group, items, options)
            small = []
            # a param listed twice (torch warns) gets two updates in a row: only the op-by-op order does that
            packable = len({id(p) for p in group["params"]}) == len(group["params"])
            for p, grad, state in items:
                if packable and p._data.size <= _SMALL and p._data.dtype == np.float32:
                    small.append((p, np.asarray(grad), state))
                else:
                    _update(rmsprop_step, p, grad, state, **options)
            if small:
                _rmsprop_small(small, **options)
        return loss

    def _init_group(self, group: dict[str, Any]) -> list[tuple[Tensor, np.ndarray, dict[str, Any]]]:
        """(param, grad, state) of the params with a grad, their state made on first use."""
        items = []
        for p, grad in _grads(group, group["maximize"]):
            state = self.state[p]
            if len(state) == 0:
                state["step"] = _new_step()
                state["square_avg"] = _state_like(p._data)
                if group["momentum"] > 0:
                    state["momentum_buffer"] = _state_like(p._data)
                if group["centered"]:
                    state["grad_avg"] = _state_like(p._data)
            items.append((p, grad, state))
        return items


def _check_step_flags(opt: Optimizer, group: dict[str, Any], items: list, options: dict[str, Any]) -> None:
    """The errors of torch's CPU step for differentiable / capturable (foreach=None means False on CPU)."""
    if group["foreach"]:
        if group["differentiable"]:
            raise _foreach_autograd_error()
        if group["capturable"]:
            raise _capturable_error()
        return
    if group["capturable"]:
        raise _capturable_error()
    if _leaf_in_place(opt, items[0][0]):
        _fail_after_state_update(rmsprop_step, *items[0], **options)


def _state_tensors(state: dict[str, Any], momentum: float, centered: bool) -> list[Tensor]:
    """The state tensors an update writes: square_avg, then grad_avg (centered), then momentum_buffer."""
    return ([state["square_avg"]] + ([state["grad_avg"]] if centered else [])
            + ([state["momentum_buffer"]] if momentum > 0 else []))


def rmsprop_step(p: Tensor, grad: np.ndarray, state: dict[str, Any], *, lr: float, alpha: float, eps: float,
                 weight_decay: float, momentum: float, centered: bool) -> None:
    """One RMSprop update of ``p`` in place, in torch's ``_single_tensor_rmsprop`` order::

        g = g + wd*p                                  (weight_decay != 0)
        v = alpha*v + (1 - alpha)*g*g
        avg = sqrt(v) + eps,  or  sqrt(v - ga*ga) + eps with ga = lerp(ga, g, 1 - alpha)   (centered)
        b = momentum*b + g/avg;  p = p - lr*b          (momentum > 0)
        p = p - lr*g/avg                               (otherwise)
    """
    x = p._data
    _incr_step(state["step"])
    tensors = _state_tensors(state, momentum, centered)
    arrays = [x] + [t._data for t in tensors]
    flat = flat_views(arrays + [same_layout(grad, x)]) if x.dtype == np.float32 else None
    update = _rmsprop32 if flat is not None else _rmsprop_any
    update(*_unpack(flat or arrays + [grad], momentum, centered), lr, alpha, eps, weight_decay, momentum)
    _bump(p, *tensors)


def _unpack(arrays: list[np.ndarray], momentum: float, centered: bool) -> tuple:
    """``[x, v, (ga), (buf), grad]`` as the kernels' ``(x, grad, v, ga or None, buf or None)``."""
    x, v, *rest, grad = arrays
    ga = rest.pop(0) if centered else None
    return x, grad, v, ga, (rest.pop(0) if momentum > 0 else None)


_SMALL = 1024  # float32 params up to this size are gathered and updated together (_functional.run_packed)


def _rmsprop_small(items: list[tuple[Tensor, np.ndarray, dict[str, Any]]], *, lr: float, alpha: float, eps: float,
                   weight_decay: float, momentum: float, centered: bool) -> None:
    """``rmsprop_step`` for many small float32 params, gathered into rows (the step count does not enter the
    arithmetic, so every param batches with every other)."""
    entries, done = [], []
    options = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum, centered=centered)
    for p, grad, state in items:
        tensors = _state_tensors(state, momentum, centered)
        arrays = [p._data] + [t._data for t in tensors] + [grad]
        if not (grad.dtype == np.float32 and all([a.flags.c_contiguous for a in arrays])):
            rmsprop_step(p, grad, state, **options)
            continue
        _incr_step(state["step"])
        entries.append([a.ravel() for a in arrays])
        done.append((p, tensors))

    def update(rows: list[np.ndarray]) -> None:
        _rmsprop32(*_unpack(rows, momentum, centered), lr, alpha, eps, weight_decay, momentum)

    run_packed(entries, update, tuple(range(len(entries[0]) - 1)) if entries else ())
    for p, tensors in done:
        _bump(p, *tensors)


def _rmsprop_any(x: np.ndarray, grad: np.ndarray, v: np.ndarray, ga: np.ndarray | None, buf: np.ndarray | None,
                 lr: float, alpha: float, eps: float, weight_decay: float, momentum: float) -> None:
    """The update op by op on whole arrays: any dtype and layout."""
    dt = x.dtype.type
    if weight_decay != 0:
        grad = _add(grad, x, weight_decay)
    np.multiply(v, dt(alpha), out=v)
    _k_addcmul_(v, grad, grad, 1 - alpha)
    if ga is not None:
        _k_lerp_(ga, grad, 1 - alpha)
        avg = _sqrt(_addcmul(v, ga, ga, -1))
    else:
        avg = _sqrt(v)
    avg += dt(eps)
    if buf is not None:
        np.multiply(buf, dt(momentum), out=buf)
        _k_addcdiv_(buf, grad, avg, 1)
        _k_add_(x, buf, -lr)
    else:
        _k_addcdiv_(x, grad, avg, -lr)


def _rmsprop32(x: np.ndarray, grad: np.ndarray, v: np.ndarray, ga: np.ndarray | None, buf: np.ndarray | None,
               lr: float, alpha: float, eps: float, weight_decay: float, momentum: float) -> None:
    """The same update for 1-D float32 arrays, all of it on one cache-sized chunk before the next; each op
    rounds as in ``_rmsprop_any`` (the kernels there are the reference)."""
    f32, f64 = np.float32, np.float64
    wd = const(f32(weight_decay), f64) if weight_decay != 0 else None
    a32 = const(alpha, f32)
    w = f32(1 - alpha)
    sq_scaled = w != 1  # addcmul's value*t1 is skipped when value is 1
    sq_value = const(w, f32)
    lerp_near = abs(w) < 0.5  # lerp's two formulas, see _k_lerp_
    w = const(w if lerp_near else w - f32(1), f64)
    eps32, mom32 = const(eps, f32), const(momentum, f32)
    neg_lr = f32(-lr)
    lr_scaled = neg_lr != 1
    neg_lr32, neg_lr64 = const(neg_lr, f32), const(neg_lr, f64)
    bufs = scratch()
    for sl, k in chunks(x.size):
        fma, fa, fg, fh = (bufs.fma, bufs.f, bufs.g, bufs.h) if k is None else bufs.head(k)
        xc, gc, vc = x[sl], grad[sl], v[sl]
        if wd is not None:
            fma32_chunk(fg, xc, wd, gc, fma)
            gc = fg
        np.multiply(vc, a32, out=vc)
        if sq_scaled:
            np.multiply(gc, sq_value, out=fa)
            fma32_chunk(vc, fa, gc, vc, fma)
        else:
            fma32_chunk(vc, gc, gc, vc, fma)
        if ga is not None:
            gac = ga[sl]
            np.subtract(gc, gac, out=fa)
            fma32_chunk(gac, fa, w, gac if lerp_near else gc, fma)
            np.negative(gac, out=fa)  # addcmul's value*t1 with value -1: exact
            fma32_chunk(fh, fa, gac, vc, fma)
            _sqrt_into(fh, fa)
        else:
            _sqrt_into(vc, fa)
        np.add(fa, eps32, out=fa)
        if buf is not None:
            bc = buf[sl]
            np.multiply(bc, mom32, out=bc)
            np.divide(gc, fa, out=fh)
            np.add(bc, fh, out=bc)
            if lr_scaled:
                fma32_chunk(xc, bc, neg_lr64, xc, fma)
            else:
                np.add(xc, bc, out=xc)
        else:
            if lr_scaled:
                np.multiply(gc, neg_lr32, out=fh)
                np.divide(fh, fa, out=fh)
            else:
                np.divide(gc, fa, out=fh)
            np.add(xc, fh, out=xc)
