"""Backward graph nodes: ``Node`` (a ``grad_fn``) and ``AccumulateGrad`` (a leaf's sink).

A node is also the ``ctx`` its Function's forward saw, as in torch: what forward
saves on ``ctx`` is what backward reads, and ``tensor.grad_fn`` is that object.
"""
from __future__ import annotations

import itertools
import re
import weakref
from typing import Callable

__all__ = ["Node", "AccumulateGrad", "RemovableHandle"]

_SAVED_FREED = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they have already "
    "been freed). Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). "
    "Specify retain_graph=True if you need to backward through the graph a second time or if you need to access "
    "saved tensors after calling backward."
)

# sequence numbers order the backward walk: later-created nodes run first
_sequence = itertools.count()
# torch gives AccumulateGrad UINT64_MAX so a leaf's grad is written as soon as it is ready
ACCUMULATE_SEQ = 2**64 - 1


class RemovableHandle:
    """Returned by ``register_*hook``; ``remove()`` takes the hook out again."""

    _ids = itertools.count()

    def __init__(self, hooks_dict: dict) -> None:
        self._hooks_ref = weakref.ref(hooks_dict) if _weakrefable(hooks_dict) else (lambda: hooks_dict)
        self.id = next(RemovableHandle._ids)

    def remove(self) -> None:
        hooks = self._hooks_ref()
        if hooks is not None and self.id in hooks:
            del hooks[self.id]

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


def new_handle(hooks_dict: dict) -> RemovableHandle:
    """A handle of the public class ``ember.utils.hooks.RemovableHandle`` (torch returns torch.utils.hooks'
    class for every hook), imported late: that module builds on this one."""
    from ..utils.hooks import RemovableHandle as Public
    return Public(hooks_dict)


def _weakrefable(obj) -> bool:
    try:
        weakref.ref(obj)
        return True
    except TypeError:
        return False


class _HookDict(dict):
    """A dict that can be weakly referenced (so handles do not keep nodes alive)."""


class Node:
    """A node of the backward graph.

    ``_next`` holds one ``(node, input_nr)`` edge per differentiable input of the
    forward call; ``(None, 0)`` where that input needs no gradient.
    """

    _seq: int
    _next: tuple
    _saved: tuple | None = None
    _versions: tuple = ()
    _released: bool = False
    needs_input_grad: tuple
    _num_outputs: int = 1
    _pre_hooks = None
    _post_hooks = None
    _tensor_pre_hooks = None  # {output_nr: HookDict} from Tensor.register_hook on outputs
    _retains = None  # {output_nr: weakref to a tensor that retain_grad()s}
    # True on a built-in op's node class (ndarray in, ndarray out); an instance turns it off once any of
    # the four above is set or its saved values are freed, so the engine's fast path checks only this
    _fast = False

    def name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        return f"<{type(self).__name__} object at {hex(id(self))}>"

    @property
    def next_functions(self) -> tuple:
        # leaf edges hold the tensor itself until someone asks (see _apply_ndarray)
        # (None, -1) marks a non-tensor argument: torch lists only tensor inputs
        return tuple((n if n is None or isinstance(n, Node) else n._grad_accumulator(), nr)
                     for n, nr in self._next if nr >= 0)

    @property
    def metadata(self) -> dict:
        md = self.__dict__.get("_metadata")
        if md is None:
            md = self.__dict__["_metadata"] = {}
        return md

    def register_hook(self, fn: Callable) -> RemovableHandle:
        """``fn(grad_inputs, grad_outputs)`` runs after this node computes its grads."""
        self._fast = False
        if self._post_hooks is None:
            self._post_hooks = _HookDict()
        h = new_handle(self._post_hooks)
        self._post_hooks[h.id] = fn
        return h

    def register_prehook(self, fn: Callable) -> RemovableHandle:
        """``fn(grad_outputs)`` runs before this node computes; may return replacement grads."""
        self._fast = False
        if self._pre_hooks is None:
            self._pre_hooks = _HookDict()
        h = new_handle(self._pre_hooks)
        self._pre_hooks[h.id] = fn
        return h

    # --- saved values -----------------------------------------------------
    def _check_saved(self) -> None:
        if self._released:
            raise RuntimeError(_SAVED_FREED)
        for box, version, arr, producer in self._versions:
            if box[0] != version:
                from .._tensor import _TYPE_NAMES, _NP_TO_DTYPE
                from .function import _SELF
                tensor_name = f"{_TYPE_NAMES[_NP_TO_DTYPE[arr.dtype].name]} [{', '.join(map(str, arr.shape))}]"
                if producer is _SELF:
                    node_name = self.name()
                else:  # the saved input Tensor: torch names its grad_fn now, not when it was saved
                    fn = producer.grad_fn
                    node_name = None if fn is None else fn.name()
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified by an inplace operation: "
                    f"[{tensor_name}]{_producer(node_name)}, is at version {box[0]}; expected version "
                    f"{version} instead. Hint: enable anomaly detection to find the operation that failed to compute "
                    "its gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False)."
                )

    def _release(self) -> None:
        """Free the saved values after a backward without retain_graph (a node that saved nothing stays runnable,
        as torch's nodes without SavedVariables do)."""
        if not self._saved:
            return
        self._saved = None
        self._versions = ()
        self._released = True
        self._fast = False

    def _run(self, grads: list) -> tuple:
        """Compute the grads of this node's inputs from the grads of its outputs (engine entry point)."""
        raise NotImplementedError


def _producer(node_name: str | None) -> str:
    # torch names the op without "Backward", and without the overload number when it is 0: ExpBackward0 is
    # "Exp", ProdBackward1 "Prod1"
    if node_name is None:
        return ""
    op = re.sub(r"Backward(0|([1-9][0-9]*))?$", r"\2", node_name)
    return f", which is output 0 of {op}"


class AccumulateGrad(Node):
    """The sink for a leaf tensor: adds the incoming grad into ``variable.grad``."""

    _seq = ACCUMULATE_SEQ
    _next = ()
    needs_input_grad = ()

    def __init__(self, variable) -> None:
        self.variable = variable

    def name(self) -> str:
        return "torch::autograd::AccumulateGrad"  # torch's C++ name (its repr still says AccumulateGrad)


def _wrap(arr):
    from .._tensor import Tensor
    return Tensor._make(arr)


def _apply_tensor_hooks(hooks: dict, grad):
    """Run Tensor.register_hook callbacks: each sees the grad as a Tensor and may replace it."""
    from .._tensor import Tensor
    for hook in list(hooks.values()):
        res = hook(Tensor._make(grad))
        if res is not None:
            if not isinstance(res, Tensor):
                raise TypeError(f"expected Variable, but hook returned '{type(res).__name__}'")
            grad = res._data
    return grad


def _hook_grads(hook, res, expected: int) -> list:
    """A node hook's replacement grads as arrays (None kept), checked as torch checks them: a tuple (or list) of
    ``expected`` Tensors or Nones."""
    from .._tensor import Tensor
    if not isinstance(res, (tuple, list)):
        raise TypeError(f"expected tuple, but hook returned '{type(res).__name__}'")
    if len(res) != expected:
        name = getattr(hook, "__name__", type(hook).__name__)
        raise RuntimeError(f"hook '{name}' has returned an incorrect number of values (got {len(res)}, but expected "
                           f"{expected})")
    for g in res:
        if g is not None and not isinstance(g, Tensor):
            raise TypeError(f"expected Variable, but hook returned '{type(g).__name__}'")
    return [None if g is None else g._data for g in res]
