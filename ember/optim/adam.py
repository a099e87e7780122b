"""``Adam`` (torch.optim.Adam), with the float rounding of torch's single-tensor CPU path."""
from __future__ import annotations

import math
from typing import Any, Callable, Iterable

import numpy as np

from .._tensor import Tensor
from ._functional import PACK, chunks, const, flat_views, fma32_chunk, same_layout, scratch
from .optimizer import (LEAF_IN_PLACE, Optimizer, _bump, _capturable_error, _check_betas, _check_lr, _closure_loss,
                        _fail_after_state_update, _fma, _foreach_autograd_error, _grads, _incr_step, _k_addcdiv_,
                        _k_addcmul_, _k_lerp_, _leaf_in_place, _lr_dtype, _new_step, _sqrt, _sqrt_into, _state_like,
                        _steps_as_tensors, _to_scalar, _update)

__all__ = ["Adam", "adam_step"]


class Adam(Optimizer):
    """Adam / AMSGrad (https://pytorch.org/docs/stable/generated/torch.optim.Adam.html)."""

    def __init__(self, params: Iterable[Any], lr: float | Tensor = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, amsgrad: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False,
                 fused: bool | None = None, decoupled_weight_decay: bool = False) -> None:
        _check_lr(lr, foreach, capturable)
        _check_betas(lr, eps, betas, weight_decay)
        if not ((isinstance(betas[0], float) and isinstance(betas[1], float))
                or (isinstance(betas[0], Tensor) and isinstance(betas[1], Tensor))):
            raise ValueError("betas must be either both floats or both Tensors")
        for i, beta in enumerate(betas[:2]):
            if isinstance(beta, Tensor):
                if not capturable and foreach:
                    raise ValueError(f"betas[{i}] as a Tensor is not supported for capturable=False and foreach=True")
                if beta.numel() != 1:
                    raise ValueError(f"Tensor betas[{i}] must be 1-element")
        betas = tuple(map(_squeeze, betas))
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize,
                        foreach=foreach, capturable=capturable, differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)
        if fused:
            if differentiable:
                raise RuntimeError("`fused` does not support `differentiable`")
            if foreach:
                raise RuntimeError("`fused` and `foreach` cannot be `True` together.")

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            for key, default in (("amsgrad", False), ("maximize", False), ("foreach", None), ("capturable", False),
                                 ("differentiable", False), ("decoupled_weight_decay", False), ("fused", None)):
                group.setdefault(key, default)
        _steps_as_tensors(self, lambda g: bool(g["capturable"] or g["fused"]))

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One Adam update of every param that has a grad."""
        loss = _closure_loss(closure)
        for group in self.param_groups:
            items = self._init_group(group)
            if not items:
                continue
            beta1, beta2 = map(_squeeze, group["betas"])
            options = dict(lr=_to_scalar(group["lr"]), beta1=beta1, beta2=beta2,
                           eps=group["eps"], weight_decay=group["weight_decay"], amsgrad=group["amsgrad"],
                           decoupled=group["decoupled_weight_decay"], lr_dtype=_lr_dtype(group["lr"]))
            _check_step_flags(self, group, items, options)
            small = []
            # a param listed twice (torch warns) gets two updates in a row: only the op-by-op order does that
            packable = len({id(p) for p in group["params"]}) == len(group["params"])
            for p, grad, state in items:
                if p._data.size <= _SMALL and p._data.dtype == np.float32 and packable:
                    small.append((p, np.asarray(grad), state))
                else:
                    _complex_aware_step(p, grad, state, **options)
            if small:
                _adam_small(small, **options)
        return loss

    def _init_group(self, group: dict[str, Any]) -> list[tuple[Tensor, np.ndarray, dict[str, Any]]]:
        """(param, grad, state) of the params with a grad, their state made on first use."""
        items = []
        for p, grad in _grads(group, group["maximize"]):
            state = self.state[p]
            if len(state) == 0:
                state["step"] = _new_step()
                state["exp_avg"] = _state_like(p._data)
                state["exp_avg_sq"] = _state_like(p._data)
                if group["amsgrad"]:
                    state["max_exp_avg_sq"] = _state_like(p._data)
            if group["foreach"] and isinstance(group["lr"], Tensor) and not group["capturable"]:
                raise RuntimeError("lr as a Tensor is not supported for capturable=False and foreach=True")
            items.append((p, grad, state))
        return items


def _check_step_flags(opt: Optimizer, group: dict[str, Any], items: list, options: dict[str, Any]) -> None:
    """The errors of torch's CPU step for Tensor betas with foreach, capturable and differentiable (foreach=None
    means False on CPU)."""
    if group["foreach"]:
        for name in ("beta1", "beta2"):
            if isinstance(options[name], Tensor) and not group["capturable"]:
                raise ValueError(f"{name} as a Tensor is not supported for capturable=False and foreach=True")
        if group["capturable"]:
            raise _capturable_error(xla=False)
        if group["differentiable"]:
            raise _foreach_autograd_error()
        return
    if group["capturable"]:
        raise _capturable_error()
    p, grad, state = items[0]
    if _leaf_in_place(opt, p):
        if options["decoupled"] and options["weight_decay"] != 0:  # the first write into p is the decay
            _incr_step(state["step"])
            raise RuntimeError(LEAF_IN_PLACE)
        _fail_after_state_update(adam_step, p, grad, state, **options)


def _complex_aware_step(p: Tensor, grad: np.ndarray, state: dict[str, Any], **options: Any) -> None:
    """``adam_step`` through ``_update`` (real views of a complex param). torch applies AdamW's decay before viewing
    the param as real, so for a complex param it is complex arithmetic: inf * (d+0j) has a NaN part."""
    if np.iscomplexobj(p._data) and options["decoupled"] and options["weight_decay"] != 0:
        np.multiply(p._data, p._data.dtype.type(_decay(options["lr"], options["weight_decay"], options["lr_dtype"])),
                    out=p._data)
        options = dict(options, weight_decay=0)
    _update(adam_step, p, grad, state, **options)


def adam_step(p: Tensor, grad: np.ndarray, state: dict[str, Any], *, lr: float, beta1: float | Tensor,
              beta2: float | Tensor, eps: float, weight_decay: float, amsgrad: bool, decoupled: bool,
              lr_dtype: type | None = None) -> None:
    """One Adam(W) update of ``p`` in place, in torch's ``_single_tensor_adam`` order::

        t += 1
        p *= 1 - lr*wd                        (AdamW)     or   g = g + wd*p   (Adam, weight_decay != 0)
        m = lerp(m, g, 1 - beta1)
        v = beta2*v + (1 - beta2)*g*g
        vmax = max(vmax, v)                   (amsgrad: vmax replaces v below)
        p += -(lr / (1 - beta1**t)) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)

    The bias corrections are Python floats (float64), rounded to the param dtype where they meet a tensor. With a
    Tensor lr (``lr_dtype``) or Tensor betas they are 0-dim tensor ops instead (see ``_coefs``).
    """
    x = p._data
    step = _incr_step(state["step"])
    exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
    max_sq = state["max_exp_avg_sq"] if amsgrad else None
    arrays = [x, exp_avg._data, exp_avg_sq._data] + ([max_sq._data] if amsgrad else [])
    flat = flat_views(arrays + [same_layout(grad, x)]) if x.dtype == np.float32 else None
    args = _coefs(step, lr, lr_dtype, beta1, beta2, weight_decay, x.dtype.type) + (eps, weight_decay, decoupled)
    if flat is not None:
        _adam32(*flat[:3], flat[3] if amsgrad else None, flat[-1], *args)
    else:
        _adam_any(*arrays[:3], max_sq._data if amsgrad else None, grad, *args)
    _bump(p, exp_avg, exp_avg_sq)
    if amsgrad:
        _bump(max_sq)


def _bias_corrections(step: float, lr: float, beta1: float, beta2: float,
                      lr_dtype: type | None = None) -> tuple[float, float]:
    """``lr / (1 - beta1**t)`` and ``sqrt(1 - beta2**t)``, Python floats as in torch; the first a 0-dim tensor op
    in the lr's dtype when lr is a Tensor."""
    bias_correction1 = 1 - beta1 ** step
    step_size = lr / bias_correction1 if lr_dtype is None else float(lr_dtype(lr) / lr_dtype(bias_correction1))
    return step_size, (1 - beta2 ** step) ** 0.5


def _squeeze(beta: Any) -> Any:
    """torch's ``_to_scalar``: a 1-element Tensor hyper-parameter becomes 0-dim (and stays a Tensor)."""
    return beta.reshape(()) if isinstance(beta, Tensor) and beta.dim() != 0 else beta


def _coefs(step: float, lr: float, lr_dtype: type | None, beta1: float | Tensor, beta2: float | Tensor,
           weight_decay: float, dt: type) -> tuple[float, ...]:
    """The scalars of one update of a ``dt`` param: ``(decay, w1, b2, c2, step_size, bias_correction2_sqrt)``, where
    ``m.lerp_(g, w1)``, ``v.mul_(b2).addcmul_(g, g, value=c2)``.

    Float betas give Python-float arithmetic. Tensor betas stay 0-dim tensors in torch, so each of its ops rounds
    in their dtype: ``1 - beta1`` after moving beta1 to the param dtype, ``beta**t`` as pow in double rounded once
    (t = 2, 3: repeated products), ``lr / bias_correction1`` as ``bias_correction1.reciprocal() * lr`` (with a
    Tensor lr a true division in the promoted dtype), and the square root of ``bias_correction2``.
    """
    decay = _decay(lr, weight_decay, lr_dtype)
    if not isinstance(beta1, Tensor):
        return (decay, 1 - beta1, beta2, 1 - beta2) + _bias_corrections(step, lr, beta1, beta2, lr_dtype)
    b1, b2 = beta1._data[()], beta2._data[()]
    t1, t2 = type(b1), type(b2)
    bc1, bc2 = t1(1) - _tensor_pow(b1, step), t2(1) - _tensor_pow(b2, step)
    if lr_dtype is None:
        step_size = float((t1(1) / bc1) * t1(lr))
    else:
        rt = np.result_type(lr_dtype, t1).type
        step_size = float(rt(lr) / rt(bc1))
    return (decay, float(dt(1) - dt(b1)), float(b2), float(t2(1) - b2), step_size,
            float(_sqrt(np.asarray(bc2))))


def _tensor_pow(base: np.floating, step: float) -> np.floating:
    """``tensor ** step`` of a 0-dim float tensor, as aten's pow kernel computes it."""
    t = type(base)
    if step == 2:
        return base * base
    if step == 3:
        return base * base * base
    return t(math.pow(float(base), step))


def _decay(lr: float, weight_decay: float, lr_dtype: type | None) -> float:
    """AdamW's factor ``1 - lr*wd``: Python float arithmetic, or tensor ops in the dtype of a Tensor lr."""
    if lr_dtype is None:
        return 1 - lr * weight_decay
    return float(lr_dtype(1) - lr_dtype(lr) * lr_dtype(weight_decay))


_SMALL = 1024  # float32 params up to this size are gathered and updated together (_adam_small)


def _adam_small(items: list[tuple[Tensor, np.ndarray, dict[str, Any]]], *, lr: float, beta1: float | Tensor,
                beta2: float | Tensor, eps: float, weight_decay: float, amsgrad: bool, decoupled: bool,
                lr_dtype: type | None = None) -> None:
    """``adam_step`` for many small float32 params: their arrays are concatenated into ``PACK``-sized rows, updated
    by one ``_adam32`` call and copied back. A chunk costs ~25 NumPy calls whatever its length, so for a bias of
    128 numbers that overhead is nearly all the time; gathering costs one concatenate per array kind and one
    copy back per array. Params whose step counts differ (some skipped a step) are batched apart."""
    by_step: dict[float, list] = {}
    for p, grad, state in items:
        arrays = [p._data, grad, state["exp_avg"]._data, state["exp_avg_sq"]._data]
        if amsgrad:
            arrays.append(state["max_exp_avg_sq"]._data)
        if not (arrays[1].dtype == np.float32 and all([a.flags.c_contiguous for a in arrays])):
            adam_step(p, grad, state, lr=lr, beta1=beta1, beta2=beta2, eps=eps, weight_decay=weight_decay,
                      amsgrad=amsgrad, decoupled=decoupled, lr_dtype=lr_dtype)
            continue
        step = _incr_step(state["step"])
        by_step.setdefault(step, []).append((p, state, [a.ravel() for a in arrays]))
    pack = scratch().pack
    written = (0, 2, 3, 4) if amsgrad else (0, 2, 3)  # param, exp_avg, exp_avg_sq, max_exp_avg_sq
    for step, entries in by_step.items():
        args = _coefs(step, lr, lr_dtype, beta1, beta2, weight_decay, np.float32) + (eps, weight_decay, decoupled)
        while entries:
            n, count = 0, 0
            while count < len(entries) and n + entries[count][2][0].size <= PACK:
                n += entries[count][2][0].size
                count += 1
            batch, entries = entries[:count], entries[count:]
            rows = [np.concatenate([e[2][k] for e in batch], out=pack[k, :n]) for k in range(len(batch[0][2]))]
            _adam32(rows[0], rows[2], rows[3], rows[4] if amsgrad else None, rows[1], *args)
            start = 0
            for p, state, arrays in batch:
                end = start + arrays[0].size
                for k in written:
                    np.copyto(arrays[k], rows[k][start:end])
                start = end
                _bump(p, state["exp_avg"], state["exp_avg_sq"])
                if amsgrad:
                    _bump(state["max_exp_avg_sq"])


def _adam_any(x: np.ndarray, m: np.ndarray, v: np.ndarray, vmax: np.ndarray | None, grad: np.ndarray, decay: float,
              w1: float, b2: float, c2: float, step_size: float, bias_correction2_sqrt: float, eps: float,
              weight_decay: float, decoupled: bool) -> None:
    """The update op by op on whole arrays: any dtype and layout; the scalars are ``_coefs``'s."""
    dt = x.dtype.type
    if weight_decay != 0:
        if decoupled:
            np.multiply(x, dt(decay), out=x)
        else:
            grad = _fma(x, dt(weight_decay), grad, x.dtype)
    _k_lerp_(m, grad, w1)
    np.multiply(v, dt(b2), out=v)
    _k_addcmul_(v, grad, grad, c2)
    if vmax is not None:
        np.maximum(vmax, v, out=vmax)
        v = vmax
    denom = _sqrt(v) / dt(bias_correction2_sqrt)
    denom += dt(eps)
    _k_addcdiv_(x, m, denom, -step_size)


def _adam32(x: np.ndarray, m: np.ndarray, v: np.ndarray, vmax: np.ndarray | None, grad: np.ndarray, decay: float,
            w1: float, b2: float, c2: float, step_size: float, bias_correction2_sqrt: float, eps: float,
            weight_decay: float, decoupled: bool) -> None:
    """The same update for 1-D float32 arrays, all of it on one cache-sized chunk before the next; each op
    rounds as in ``_adam_any`` (the kernels there are the reference)."""
    f32, f64 = np.float32, np.float64
    decay = const(decay, f32) if weight_decay != 0 and decoupled else None
    wd = const(f32(weight_decay), f64) if weight_decay != 0 and not decoupled else None
    w = f32(w1)
    lerp_near = abs(w) < 0.5  # lerp's two formulas, see _k_lerp_
    w = const(w if lerp_near else w - f32(1), f64)
    b2, sq_value = const(b2, f32), f32(c2)
    sq_scaled = sq_value != 1
    sq_value = const(sq_value, f32)
    neg_step = f32(-step_size)
    step_scaled = neg_step != 1
    neg_step = const(neg_step, f32)
    inv_bc2, eps32 = const(bias_correction2_sqrt, f32), const(eps, f32)
    bufs = scratch()
    for sl, k in chunks(x.size):
        fma, fa, fg, fh = (bufs.fma, bufs.f, bufs.g, bufs.h) if k is None else bufs.head(k)
        xc, gc, mc, vc = x[sl], grad[sl], m[sl], v[sl]
        if decay is not None:
            np.multiply(xc, decay, out=xc)
        elif wd is not None:
            fma32_chunk(fg, xc, wd, gc, fma)
            gc = fg
        np.subtract(gc, mc, out=fa)
        fma32_chunk(mc, fa, w, mc if lerp_near else gc, fma)
        np.multiply(vc, b2, out=vc)
        if sq_scaled:
            np.multiply(gc, sq_value, out=fa)
            fma32_chunk(vc, fa, gc, vc, fma)
        else:
            fma32_chunk(vc, gc, gc, vc, fma)
        if vmax is not None:
            vc = np.maximum(vmax[sl], vc, out=vmax[sl])
        _sqrt_into(vc, fa)
        np.divide(fa, inv_bc2, out=fa)
        np.add(fa, eps32, out=fa)
        if step_scaled:
            np.multiply(mc, neg_step, out=fh)
            np.divide(fh, fa, out=fh)
        else:
            np.divide(mc, fa, out=fh)
        np.add(xc, fh, out=xc)
