"""``Optimizer``: param groups, per-parameter state, ``state_dict`` and step hooks, as ``torch.optim.Optimizer``.

The algorithms (sgd.py, adam.py, ...) update ``p._data`` arrays in place with the
``_k_*`` kernels of _functional.py instead of going through Tensor ops: that skips autograd
bookkeeping, and lets each kernel round exactly like torch's CPU kernel (torch's
AVX2/AVX512 builds fuse ``a + alpha*b``, ``lerp`` and ``addcmul`` into one FMA;
NumPy has no FMA, so ``_functional.fma32_chunk`` / ``ember._rng.fma`` emulate it).

``foreach`` and ``fused`` are accepted and stored like torch's flags, but the arithmetic is always torch's
single-tensor path: torch's foreach CPU path rounds identically; its fused CPU kernels may differ by an ulp.
The one known difference from torch is sqrt (see ``_sqrt``).
"""
from __future__ import annotations

import functools
import warnings
from collections import OrderedDict, defaultdict
from copy import deepcopy
from itertools import chain
from typing import Any, Callable, Iterable

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.grad_mode import enable_grad
from ..utils.hooks import RemovableHandle
# the rounding kernels, re-exported for the algorithms and the kernel tests
from ._functional import _add, _addcmul, _fma, _fma_into, _k_add_, _k_addcdiv_, _k_addcmul_, _k_lerp_  # noqa: F401
from ._functional import clone_strides, elem_strides, empty_strided, run_packed

__all__ = ["Optimizer", "required", "register_optimizer_step_pre_hook", "register_optimizer_step_post_hook"]

_global_optimizer_pre_hooks: OrderedDict[int, Callable] = OrderedDict()
_global_optimizer_post_hooks: OrderedDict[int, Callable] = OrderedDict()


class _RequiredParameter:
    """Marks a default that every param group must set (torch.optim.optimizer.required)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


def register_optimizer_step_pre_hook(hook: Callable) -> RemovableHandle:
    """Run ``hook(optimizer, args, kwargs)`` before every optimizer's ``step``."""
    handle = RemovableHandle(_global_optimizer_pre_hooks)
    _global_optimizer_pre_hooks[handle.id] = hook
    return handle


def register_optimizer_step_post_hook(hook: Callable) -> RemovableHandle:
    """Run ``hook(optimizer, args, kwargs)`` after every optimizer's ``step``."""
    handle = RemovableHandle(_global_optimizer_post_hooks)
    _global_optimizer_post_hooks[handle.id] = hook
    return handle


def _typename(obj: Any) -> str:
    # torch.typename: tensors print as their legacy type name, everything else as module.qualname
    if isinstance(obj, Tensor):
        return obj.type()
    module = type(obj).__module__
    name = type(obj).__qualname__
    return name if module in ("builtins", "__builtin__", None) else f"{module}.{name}"


def _with_hooks(step: Callable) -> Callable:
    """Wrap a subclass's ``step`` so the global and per-optimizer step hooks run around it."""

    @functools.wraps(step)
    def wrapper(self: Optimizer, *args: Any, **kwargs: Any) -> Any:
        for pre_hook in chain(_global_optimizer_pre_hooks.values(), self._optimizer_step_pre_hooks.values()):
            result = pre_hook(self, args, kwargs)
            if result is not None:
                if isinstance(result, tuple) and len(result) == 2:
                    args, kwargs = result
                else:
                    raise RuntimeError(f"{step} must return None or a tuple of (new_args, new_kwargs), but got {result}.")
        # 0/0 with eps=0, inf-inf on overflowing moments: torch gives NaN silently, so NumPy must not warn
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            out = step(self, *args, **kwargs)
        for post_hook in chain(self._optimizer_step_post_hooks.values(), _global_optimizer_post_hooks.values()):
            post_hook(self, args, kwargs)
        return out

    wrapper.hooked = True
    return wrapper


class Optimizer:
    """Base class of all optimizers (torch.optim.Optimizer)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        step = cls.__dict__.get("step")
        if step is not None and not getattr(step, "hooked", False):
            cls.step = _with_hooks(step)

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self._optimizer_step_pre_hooks: OrderedDict[int, Callable] = OrderedDict()
        self._optimizer_step_post_hooks: OrderedDict[int, Callable] = OrderedDict()
        self._optimizer_state_dict_pre_hooks: OrderedDict[int, Callable] = OrderedDict()
        self._optimizer_state_dict_post_hooks: OrderedDict[int, Callable] = OrderedDict()
        self._optimizer_load_state_dict_pre_hooks: OrderedDict[int, Callable] = OrderedDict()
        self._optimizer_load_state_dict_post_hooks: OrderedDict[int, Callable] = OrderedDict()
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            "but got " + _typename(params))
        # keyed by the Parameter object itself (Tensor hashes by identity)
        self.state: defaultdict[Tensor, Any] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for param_group in param_groups:
            self.add_param_group(param_group)

    # --- pickling / repr -------------------------------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        for name in ("_optimizer_step_pre_hooks", "_optimizer_step_post_hooks", "_optimizer_state_dict_pre_hooks",
                     "_optimizer_state_dict_post_hooks", "_optimizer_load_state_dict_pre_hooks",
                     "_optimizer_load_state_dict_post_hooks"):
            self.__dict__.setdefault(name, OrderedDict())
        self.defaults.setdefault("differentiable", False)

    def __repr__(self) -> str:
        text = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            for key in sorted(group.keys()):
                if key != "params":
                    text += f"    {key}: {group[key]}\n"
        return text + ")"

    # --- param groups ----------------------------------------------------------------
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Append a param group; options it leaves out take the optimizer's defaults."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering of "
                            "tensors in sets will change between runs. Please use a list instead.")
        else:
            param_group["params"] = list(params)

        # named_parameters() gives (name, tensor) pairs: keep the names beside the tensors
        tensors, names = [], []
        for param in param_group["params"]:
            if isinstance(param, tuple):
                names.append(param[0])
                tensors.append(param[1])
            else:
                tensors.append(param)
        param_group["params"] = tensors
        if names:
            if len(names) != len(tensors):
                raise ValueError("all optimizer params should be with/without names. Some param names are missing")
            param_group["param_names"] = names

        for param in param_group["params"]:
            if not isinstance(param, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is " + _typename(param))
            if not self.defaults.get("differentiable", None) and not (param.is_leaf or param.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")

        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            param_group.setdefault(name, default)

        params = param_group["params"]
        if len(params) != len(set(params)):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in future, this will cause "
                          "an error; see github.com/pytorch/pytorch/issues/40967 for more information", stacklevel=3)

        param_set: set[Tensor] = set()
        for group in self.param_groups:
            param_set.update(group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                which = "with names" if "param_names" in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {which} to the optimizer")
        if not param_set.isdisjoint(param_group["params"]):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    # --- gradients / step ------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the grads of all optimized tensors: to None (default) or to zeros in place."""
        for group in self.param_groups:
            for p in group["params"]:
                g = p._grad
                if g is None:
                    continue
                if set_to_none:
                    p._grad = None
                else:
                    if g.grad_fn is not None:
                        g.detach_()
                    else:
                        g.requires_grad_(False)
                    g._data[...] = 0
                    g._vc[0] += 1

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        raise NotImplementedError

    # --- hooks ---------------------------------------------------------------------------
    def _add_hook(self, hooks: OrderedDict, hook: Callable, prepend: bool = False) -> RemovableHandle:
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        if prepend:
            hooks.move_to_end(handle.id, last=False)
        return handle

    def register_step_pre_hook(self, hook: Callable) -> RemovableHandle:
        return self._add_hook(self._optimizer_step_pre_hooks, hook)

    def register_step_post_hook(self, hook: Callable) -> RemovableHandle:
        return self._add_hook(self._optimizer_step_post_hooks, hook)

    def register_state_dict_pre_hook(self, hook: Callable, prepend: bool = False) -> RemovableHandle:
        return self._add_hook(self._optimizer_state_dict_pre_hooks, hook, prepend)

    def register_state_dict_post_hook(self, hook: Callable, prepend: bool = False) -> RemovableHandle:
        return self._add_hook(self._optimizer_state_dict_post_hooks, hook, prepend)

    def register_load_state_dict_pre_hook(self, hook: Callable, prepend: bool = False) -> RemovableHandle:
        return self._add_hook(self._optimizer_load_state_dict_pre_hooks, hook, prepend)

    def register_load_state_dict_post_hook(self, hook: Callable, prepend: bool = False) -> RemovableHandle:
        return self._add_hook(self._optimizer_load_state_dict_post_hooks, hook, prepend)

    # --- state_dict ------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """``{'state': {index: {...}}, 'param_groups': [{..., 'params': [indices]}]}``; tensors are not copied."""
        for pre_hook in self._optimizer_state_dict_pre_hooks.values():
            pre_hook(self)
        index: dict[int, int] = {}
        start = 0
        packed_groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            # a param seen in an earlier group keeps that index; one listed twice in this group takes its last
            # position (torch builds the group's mapping before merging it)
            index.update({id(p): i for i, p in enumerate(group["params"], start) if id(p) not in index})
            packed["params"] = [index[id(p)] for p in group["params"]]
            start += len(packed["params"])
            packed_groups.append(packed)
        packed_state = {(index[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        state_dict = {"state": packed_state, "param_groups": packed_groups}
        for post_hook in self._optimizer_state_dict_post_hooks.values():
            result = post_hook(self, state_dict)
            if result is not None:
                state_dict = result
        return state_dict

    @staticmethod
    def _cast_state_value(param: Tensor, value: Tensor, param_id: Any, param_groups: list[dict], key: Any) -> Tensor:
        """A loaded state tensor in the dtype torch would give it: the same tensor when the dtype already matches
        (so, as in torch, the optimizer the state came from shares it), else a converted copy."""
        fused = capturable = False
        for pg in param_groups:
            if param_id in pg["params"]:
                fused = pg.get("fused", False)
                capturable = pg.get("capturable", False)
                break
        if key == "step":
            if capturable or fused:
                return Tensor._make(value._data.astype(np.float32))
            return value
        if param.is_floating_point() and value._data.dtype != param._data.dtype:
            return _state_like(value._data, value._data, param._data.dtype)  # torch's .to() copies on dtype change
        return value

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a ``state_dict()``: ids are matched to this optimizer's params by position."""
        state_dict = state_dict.copy()
        for pre_hook in self._optimizer_load_state_dict_pre_hooks.values():
            result = pre_hook(self, state_dict)
            if result is not None:
                state_dict = result
        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the size of optimizer's group")
        id_map = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                          chain.from_iterable(g["params"] for g in groups)))

        def cast(param: Tensor, value: Any, param_id: Any, key: Any = None) -> Any:
            if isinstance(value, Tensor):
                return self._cast_state_value(param, value, param_id, state_dict["param_groups"], key)
            if isinstance(value, dict):
                return {k: cast(param, v, param_id, k) for k, v in value.items()}
            if isinstance(value, (list, tuple)):
                return type(value)(cast(param, v, param_id) for v in value)
            return value

        state: defaultdict[Any, Any] = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                state[id_map[k]] = cast(id_map[k], v, k)
            else:
                state[k] = v

        new_groups = []
        for group, new_group in zip(groups, saved_groups):
            new_group["params"] = group["params"]
            if "param_names" in group and "param_names" not in new_group:
                new_group["param_names"] = group["param_names"]
            new_groups.append(new_group)
        self.__setstate__({"state": state, "param_groups": new_groups})
        for post_hook in self._optimizer_load_state_dict_post_hooks.values():
            post_hook(self)


# --- shared helpers for the algorithms ------------------------------------------------------------------------------

def _scalar_dtype() -> np.dtype:
    """dtype of the ``step`` counters: float64 under a float64 default dtype, else float32 (torch's _get_scalar_dtype)."""
    return np.dtype(np.float64) if D.get_default_dtype() is D.float64 else np.dtype(np.float32)


def _state_like(x: np.ndarray, fill: Any = 0, dtype: np.dtype | None = None) -> Tensor:
    """A state tensor shaped like array ``x`` and filled with ``fill`` (a scalar or an array), laid out as torch's
    ``zeros_like`` / ``full_like`` / ``.to`` lay it out: a dense layout's strides kept, size-1 dims included
    (NumPy's ``*_like`` normalize those)."""
    dtype = x.dtype if dtype is None else dtype
    strides = elem_strides(x)
    if x.flags.c_contiguous and strides == elem_strides(np.empty(x.shape, np.int8)):
        out = np.empty(x.shape, dtype)
    else:
        out = empty_strided(x.shape, clone_strides(x.shape, strides), dtype)
    np.copyto(out, fill, casting="unsafe")
    return Tensor._make(out)


def _steps_as_tensors(opt: Optimizer, float32: Callable[[dict[str, Any]], bool]) -> None:
    """``__setstate__``'s upgrade of state dicts whose ``step`` is a number (older torch): a 0-dim tensor, float32
    for the groups ``float32(group)`` names (fused / capturable ones), else of the scalar dtype."""
    for group in opt.param_groups:
        dtype = np.dtype(np.float32) if float32(group) else _scalar_dtype()
        for p in group["params"]:
            p_state = opt.state.get(p, [])
            if len(p_state) != 0 and not isinstance(p_state["step"], Tensor):
                p_state["step"] = Tensor._make(np.array(float(p_state["step"]), dtype))


def _new_step() -> Tensor:
    return Tensor._make(np.zeros((), _scalar_dtype()))


def _incr_step(step: Tensor) -> float:
    """``step_t += 1`` on the 0-dim state tensor; returns the new value as a Python float (torch's _get_value)."""
    data = step._data
    # the exact sum rounded once to the counter's dtype, like an in-place add, at a twentieth of its cost
    data[...] = float(data) + 1
    step._vc[0] += 1
    return float(data)


def _closure_loss(closure: Callable[[], Any] | None) -> Any:
    """Re-evaluate the model with grad mode on, as torch does before updating."""
    if closure is None:
        return None
    with enable_grad():
        return closure()


def _check_betas(lr: Any, eps: float, betas: tuple[float, float], weight_decay: float) -> None:
    """The argument checks Adam, AdamW, NAdam, RAdam and Adamax share, in torch's order."""
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")
    if not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
    if not 0.0 <= weight_decay:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")


def _check_lr(lr: Any, foreach: bool | None = None, capturable: bool = True) -> None:
    """The Tensor-lr checks of the constructors (foreach/capturable: Adam's, which has no foreach kernel for it)."""
    if isinstance(lr, Tensor):
        if foreach and not capturable:
            raise ValueError("lr as a Tensor is not supported for capturable=False and foreach=True")
        if lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")


# --- the errors torch's CPU step raises for flags its constructors accept ------------------------------------------

LEAF_IN_PLACE = "a leaf Variable that requires grad is being used in an in-place operation."


def _foreach_autograd_error() -> AssertionError:
    return AssertionError("_foreach ops don't support autograd")


def _capturable_error(xla: bool = True) -> AssertionError:
    """capturable=True needs an accelerator: torch's CPU step refuses it (its foreach path lists no 'xla')."""
    devices = _DEVICES + (["xla"] if xla else [])
    return AssertionError(f"If capturable=True, params and state_steps must be on supported devices: {devices}.")


def _leaf_in_place(opt: Optimizer, p: Tensor) -> bool:
    """torch runs ``step`` with grad mode set to the optimizer's (not the group's) ``differentiable``; with it on,
    the in-place update of a leaf param that requires grad fails."""
    return bool(opt.defaults.get("differentiable", False)) and p.is_leaf and p.requires_grad


def _fail_after_state_update(update: Callable[..., None], p: Tensor, grad: np.ndarray, state: dict[str, Any],
                             **options: Any) -> None:
    """Raise torch's in-place-on-a-leaf error as its differentiable step does: after the first param's state
    is updated, at the write into the param (here done into a throwaway copy)."""
    _update(update, Tensor._make(p._data.copy()), grad, state, **options)
    # a complex param is written through its real view
    raise RuntimeError("a view of " + LEAF_IN_PLACE if np.iscomplexobj(p._data) else LEAF_IN_PLACE)


def _lr_dtype(lr: Any) -> type | None:
    """The NumPy scalar type that arithmetic on a Tensor lr rounds in (torch keeps a 0-dim lr a Tensor, so
    ``lr / bias_correction`` is a tensor op), or None for a Python number."""
    if isinstance(lr, Tensor) and lr._data.dtype.kind == "f":
        return lr._data.dtype.type
    return None


def _to_scalar(x: Any) -> Any:
    """A 1-element Tensor hyper-parameter as a Python number (torch's _to_scalar)."""
    return x.item() if isinstance(x, Tensor) else x


def _grads(group: dict[str, Any], maximize: bool) -> Iterable[tuple[Tensor, np.ndarray]]:
    """(param, grad array) for the params of ``group`` that have a grad; the grad negated under ``maximize``."""
    for p in group["params"]:
        g = p._grad
        if g is None:
            continue
        if g.is_sparse:
            raise RuntimeError("sparse gradients are not supported")
        yield p, (-g._data if maximize else g._data)


def _update(step_fn: Callable[..., None], p: Tensor, grad: np.ndarray, state: dict[str, Any], **options: Any) -> None:
    """``step_fn(p, grad, state, **options)``. A complex param goes through real views of itself, its grad and its
    state (torch's view_as_real in Adam, RMSprop, Adagrad): real and imaginary parts update as separate numbers."""
    if not np.iscomplexobj(p._data):
        step_fn(p, grad, state, **options)
        return
    if options.get("weight_decay", 0) != 0 and not options.get("decoupled", False):
        # torch adds the decay before viewing as real: complex arithmetic, two roundings (no FMA for complex)
        grad = grad + p._data * p._data.dtype.type(options["weight_decay"])
        options = dict(options, weight_decay=0)
    real = lambda a: a[..., None].view(a.real.dtype)  # noqa: E731  (a trailing axis of 2; works for any layout)
    real_state = {k: v if k == "step" else Tensor._make(real(v._data)) for k, v in state.items()}
    step_fn(Tensor._make(real(p._data)), real(np.asarray(grad)), real_state, **options)
    _bump(p, *(v for k, v in state.items() if k != "step"))  # the views' counters were the ones advanced


def _bump(*tensors: Tensor) -> None:
    """In-place writes to ``_data`` must advance the version counter, as torch's in-place ops do."""
    for t in tensors:
        t._vc[0] += 1


# --- step helpers of the single-tensor optimizers (NAdam, RAdam, Adamax, Adadelta, Rprop, ASGD) -------------------

_DEVICES = ["cuda", "xpu", "hpu", "privateuseone"]  # where torch lets capturable=True run


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
                 xla_single: bool = True, xla_multi: bool = False, real_view: bool = True) -> None:
    """The errors of torch's CPU step for flags its constructor accepts (foreach=None means False on CPU):
    capturable needs an accelerator (``single`` / ``multi`` name what must be on one); differentiable with
    foreach has no autograd; differentiable alone runs the step with grad mode on, so the first in-place write
    into a leaf param that requires grad fails, after ``until_first_write(p, grad, state)`` has done to the
    first param's state what torch's step does before that write. ``real_view``: a complex param is written
    through view_as_real (torch's error then names a view)."""
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
        raise RuntimeError(("a view of " if real_view and np.iscomplexobj(p._data) else "") + LEAF_IN_PLACE)


def _step_only(p: Tensor, grad: np.ndarray, state: dict[str, Any]) -> None:
    """What torch's step does before its first write into the param when that write is the weight decay."""
    _incr_step(state["step"])


def _count_step(state: dict[str, Any]) -> None:
    """``_step_packed``'s ``advance`` for updates no per-param scalar enters (Adadelta, Rprop): ``t += 1`` only, so
    every small param packs with every other (the key None)."""
    _incr_step(state["step"])


_SMALL = 1024  # float32 params up to this size are gathered and updated together (_step_packed)


def _step_packed(items: list, group: dict[str, Any], single: Callable[[Tensor, np.ndarray, dict[str, Any]], None],
                 arrays: Callable[[Tensor, np.ndarray, dict[str, Any]], tuple[list[Tensor], list[np.ndarray]]],
                 advance: Callable[[dict[str, Any]], Any], update: Callable[[Any, list[np.ndarray]], None]) -> None:
    """One step of every (param, grad, state) in ``items``: small float32 params gathered into rows, the others
    one by one with ``single(p, grad, state)``.

    ``arrays(p, grad, state)`` gives the tensors the update writes (the param first) and the arrays it only
    reads. ``advance(state)`` moves a packed param's scalar state on (its step count, ...) and returns the key of
    the per-param scalars its update uses; params with equal keys are concatenated (``run_packed``) and updated
    by ``update(key, rows)``, the rows listing the written arrays then the read ones. The update is elementwise,
    so each element rounds as it would in its own param's ``single`` step.
    """
    # a param listed twice (torch warns) gets two updates in a row: only the one-by-one order does that
    distinct = len({id(p) for p in group["params"]}) == len(group["params"])
    groups: dict[Any, list] = {}
    for p, grad, state in items:
        if distinct and p._data.size <= _SMALL and p._data.dtype == np.float32:
            written, read = arrays(p, grad, state)
            flat = [t._data for t in written] + read
            if all([a.dtype == np.float32 and a.flags.c_contiguous for a in flat]):
                groups.setdefault(advance(state), []).append((written, [a.ravel() for a in flat]))
                continue
        single(p, grad, state)
    for key, entries in groups.items():
        run_packed([arrays for _, arrays in entries], functools.partial(update, key),
                   tuple(range(len(entries[0][0]))))
        for written, _ in entries:
            _bump(*written)


# --- sqrt: kept here (not in _functional) because the tests swap ``_sqrt_impl`` on this module ------------------

def _sqrt(x: np.ndarray) -> np.ndarray:
    """``x.sqrt()``, correctly rounded.

    Deliberate difference: torch's CPU sqrt calls MKL's vsSqrt/vdSqrt (VML_HA), which is faithful but not
    correctly rounded (about 0.7% of float32 roots come out 1 ulp low); MKL's algorithm is not public, so the
    steps that divide by a root (Adam, AdamW, RMSprop, Adagrad) can differ from torch by 1 ulp. Tests swap
    ``_sqrt_impl`` for torch's sqrt to check that everything else is bit-exact.
    """
    return _sqrt_impl(x)


_sqrt_impl = np.sqrt


def _sqrt_into(x: np.ndarray, out: np.ndarray) -> None:
    """``out[...] = _sqrt(x)`` without a temporary when ``_sqrt_impl`` is NumPy's."""
    if _sqrt_impl is np.sqrt:
        np.sqrt(x, out=out)
    else:
        np.copyto(out, _sqrt_impl(x))
