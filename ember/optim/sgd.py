"""``SGD`` (torch.optim.SGD), with the float rounding of torch's single-tensor CPU path."""
from __future__ import annotations

from typing import Any, Callable, Iterable

import numpy as np

from .._tensor import Tensor
from ._functional import (chunks, clone_strides, const, elem_strides, elementwise_strides, empty_strided, flat_views,
                          fma32_chunk, same_layout, scratch)
from .optimizer import (LEAF_IN_PLACE, Optimizer, _add, _bump, _check_lr, _closure_loss, _grads, _k_add_,
                        _leaf_in_place, _to_scalar)

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
            items = list(_grads(group, group["maximize"]))
            # torch's differentiable step writes into the (leaf) param with grad mode on, before storing any buffer
            if items and _leaf_in_place(self, items[0][0]):
                raise RuntimeError(LEAF_IN_PLACE)
            for p, grad in items:
                # torch only creates per-param state when momentum is used
                state = self.state[p] if momentum != 0 else None
                sgd_step(p, grad, state, lr=_to_scalar(group["lr"]), momentum=momentum,
                         dampening=group["dampening"], weight_decay=group["weight_decay"],
                         nesterov=group["nesterov"], maximize=group["maximize"])
        return loss


def sgd_step(p: Tensor, grad: np.ndarray, state: dict[str, Any] | None, *, lr: float, momentum: float,
             dampening: float, weight_decay: float, nesterov: bool, maximize: bool = False) -> None:
    """One SGD update of ``p`` in place, in torch's ``_single_tensor_sgd`` order::

        g = g + wd*p                              (weight_decay != 0)
        b = g  (first step)   else   b = momentum*b + (1 - dampening)*g
        g = g + momentum*b  (nesterov)   else   g = b
        p = p - lr*g

    Every ``x + a*y`` is one fused multiply-add, as in aten's add kernel. ``grad`` is already negated under
    ``maximize``; the flag only decides the momentum buffer's layout.
    """
    x = p._data
    buf = state.get("momentum_buffer") if momentum != 0 else None
    if x.dtype == np.float32 and (momentum == 0 or buf is not None):
        # run in the buffer's layout (torch's, from the first grad); a param laid out otherwise goes via a copy
        like = x if buf is None else buf._data
        xs = same_layout(x, like)
        flat = flat_views([xs, same_layout(grad, like)] + ([like] if buf is not None else []))
        if flat is not None:
            _sgd32(flat[0], flat[1], flat[2] if buf is not None else None, lr, momentum, dampening, weight_decay,
                   nesterov)
            if xs is not x:
                np.copyto(x, xs)
            _bump(p, *([buf] if buf is not None else []))
            return
    if momentum != 0 and buf is None:
        strides = _buffer_strides(p, x, grad, weight_decay, maximize)
    if weight_decay != 0:
        grad = _add(grad, x, weight_decay)
    if momentum != 0:
        if buf is None:
            data = empty_strided(x.shape, strides, x.dtype)
            np.copyto(data, grad)
            buf = Tensor._make(data)
            state["momentum_buffer"] = buf
        else:
            np.multiply(buf._data, buf._data.dtype.type(momentum), out=buf._data)
            _k_add_(buf._data, grad, 1 - dampening)
            _bump(buf)
        grad = _add(grad, buf._data, momentum) if nesterov else buf._data
    _k_add_(x, grad, -lr)
    _bump(p)


def _buffer_strides(p: Tensor, x: np.ndarray, grad: np.ndarray, weight_decay: float,
                    maximize: bool) -> tuple[int, ...]:
    """The strides torch gives a new momentum buffer: ``clone(g)`` where ``g`` is the grad, negated under
    ``maximize`` and plus ``wd*param`` under weight decay, each op laying out its result from its inputs."""
    shape, strides = x.shape, elem_strides(p._grad._data if p._grad is not None else np.asarray(grad))
    if maximize:
        strides = elementwise_strides(shape, strides)
    if weight_decay != 0:
        strides = elementwise_strides(shape, strides, elem_strides(x))
    return clone_strides(shape, strides)


def _sgd32(x: np.ndarray, grad: np.ndarray, buf: np.ndarray | None, lr: float, momentum: float, dampening: float,
           weight_decay: float, nesterov: bool) -> None:
    """``sgd_step`` for 1-D float32 arrays (with the momentum buffer already made), one cache-sized chunk at a time;
    the same roundings as the whole-array path there, including its plain adds where alpha is 1."""
    f32, f64 = np.float32, np.float64
    wd = const(f32(weight_decay), f64) if weight_decay != 0 else None
    mom32, mom = const(momentum, f32), const(f32(momentum), f64)
    damp = const(f32(1 - dampening), f64) if 1 - dampening != 1 else None
    neg_lr = const(f32(-lr), f64) if -lr != 1 else None
    bufs = scratch()
    for sl, k in chunks(x.size):
        fma, _, fg, fh = (bufs.fma, bufs.f, bufs.g, bufs.h) if k is None else bufs.head(k)
        xc, gc = x[sl], grad[sl]
        if wd is not None:
            fma32_chunk(fg, xc, wd, gc, fma)
            gc = fg
        if buf is not None:
            bc = buf[sl]
            np.multiply(bc, mom32, out=bc)
            if damp is None:
                np.add(bc, gc, out=bc)
            else:
                fma32_chunk(bc, gc, damp, bc, fma)
            if nesterov:
                fma32_chunk(fh, bc, mom, gc, fma)
                gc = fh
            else:
                gc = bc
        if neg_lr is None:
            np.add(xc, gc, out=xc)
        else:
            fma32_chunk(xc, gc, neg_lr, xc, fma)
