"""Hook plumbing shared by ``nn.Module``: removable handles and full backward hooks.

``BackwardHook`` reproduces torch's module backward hooks with ember's autograd:
the module's tensor inputs and outputs are passed through an identity
``Function`` (``BackwardHookFunction``).  The node created for the outputs is
the first to see the output grads (so it runs the backward *pre* hooks and
records ``grad_output``); the node created for the inputs is the last, and
its post hook sees the grads w.r.t. the inputs (``grad_input``) and runs the
user's full backward hooks, which may replace them.
"""
from __future__ import annotations

import warnings
import weakref
from collections import OrderedDict
from typing import Any, Callable

from ..autograd.function import Function
from ..autograd.graph import RemovableHandle as _GraphHandle
from ..autograd.grad_mode import is_grad_enabled

__all__ = ["RemovableHandle", "BackwardHook", "BackwardHookFunction", "unserializable_hook"]


class RemovableHandle(_GraphHandle):
    """A handle whose ``remove()`` deletes its hook from ``hooks_dict`` and from every ``extra_dict``.

    Module hooks keep per-hook flags (``with_kwargs``, ``always_call``) in side
    dicts keyed by the same id; those must go away with the hook.  Subclasses the
    autograd handle so every ember handle shares one id counter and one type.
    """

    id: int
    extra_dict_ref: tuple

    def __init__(self, hooks_dict: Any, *, extra_dict: Any = None) -> None:
        super().__init__(hooks_dict)
        if isinstance(extra_dict, dict):
            self.extra_dict_ref = (weakref.ref(extra_dict),)
        elif isinstance(extra_dict, list):
            self.extra_dict_ref = tuple(weakref.ref(d) for d in extra_dict)
        else:
            self.extra_dict_ref = ()

    @property
    def hooks_dict_ref(self):
        return self._hooks_ref

    def remove(self) -> None:
        super().remove()
        for ref in self.extra_dict_ref:
            extra = ref()
            if extra is not None and self.id in extra:
                del extra[self.id]

    # handles survive pickling/deepcopy of their module (torch stores the dicts themselves)
    def __getstate__(self):
        return (self._hooks_ref(), self.id, tuple(ref() for ref in self.extra_dict_ref))

    def __setstate__(self, state) -> None:
        hooks = state[0] if state[0] is not None else OrderedDict()
        self._hooks_ref = weakref.ref(hooks)
        self.id = state[1]
        extra = state[2] if len(state) > 2 and state[2] is not None else ()
        self.extra_dict_ref = tuple(weakref.ref(d) for d in extra if d is not None)


def unserializable_hook(f: Callable) -> Callable:
    """Mark a tensor hook as not to be serialized (accepted for torch compatibility)."""
    f.__torch_unserializable__ = True
    return f


def _checked(grads: tuple) -> tuple:
    """Grads a user hook handed back must be tensors or None (torch's engine check, with its message)."""
    from .._tensor import Tensor
    for g in grads:
        if g is not None and not isinstance(g, Tensor):
            raise TypeError(f"expected Variable, but hook returned '{type(g).__name__}'")
    return grads


class BackwardHookFunction(Function):
    """Identity on its tensor arguments; exists only to put a node (and its hooks) in the graph."""

    @staticmethod
    def forward(ctx, *args):
        # inputs that need no grad stay out of the graph, exactly as torch's version does
        ctx.mark_non_differentiable(*[a for a in args if not a.requires_grad])
        return args

    @staticmethod
    def backward(ctx, *grads):
        return grads


class BackwardHook:
    """Wires one forward call of ``module`` to its full backward (pre) hooks."""

    module: Any
    user_hooks: list
    user_pre_hooks: list
    grad_outputs: tuple | None
    n_outputs: int
    n_inputs: int
    input_tensors_index: list | None
    output_tensors_index: list | None

    def __init__(self, module: Any, user_hooks: list, user_pre_hooks: list) -> None:
        self.module = module
        self.user_hooks = user_hooks
        self.user_pre_hooks = user_pre_hooks
        self.grad_outputs = None
        self.n_outputs = -1
        self.output_tensors_index = None
        self.n_inputs = -1
        self.input_tensors_index = None

    @staticmethod
    def _pack_with_none(indices, values, size: int) -> tuple:
        # grads are reported per forward argument: None where the argument was not a tensor
        res = [None] * size
        for idx, val in zip(indices, values):
            res[idx] = val
        return tuple(res)

    @staticmethod
    def _unpack_none(indices, values) -> tuple:
        return tuple(values[idx] for idx in indices)

    def _apply_on_tensors(self, fn: Callable, args: tuple):
        """Route the tensors of ``args`` through BackwardHookFunction; ``fn`` gets its node."""
        from .._tensor import Tensor
        tensors_idx = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        tensors = [args[i] for i in tensors_idx]
        if not (any(t.requires_grad for t in tensors) and is_grad_enabled()):
            return args, None
        new_tensors = BackwardHookFunction.apply(*tensors)
        grad_fns = [t.grad_fn for t in new_tensors
                    if t.grad_fn is not None and t.grad_fn.name() == "BackwardHookFunctionBackward"]
        if not grad_fns:
            raise RuntimeError("Error while setting up backward hooks. Please open "
                               "an issue with a code sample to reproduce this.")
        fn(grad_fns[0])
        out = list(args)
        for idx, val in zip(tensors_idx, new_tensors):
            out[idx] = val
        return (tuple(out) if type(args) is tuple else type(args)(*out)), tensors_idx

    def setup_input_hook(self, args: tuple):
        from .. import zeros
        from .._tensor import Tensor
        input_meta = [(a.shape, a.dtype) for a in args if isinstance(a, Tensor)]

        def on_node(grad_fn) -> None:
            # post hook on the input-side node: (grads w.r.t. inputs, grads flowing in)
            def hook(grad_input, _grad_output):
                if self.grad_outputs is None:
                    # the output-side node never ran (or the hooks already fired)
                    return None
                # BackwardHookFunction hands back every grad it was given, materialized: an input that needs
                # no grad (so its output was non-differentiable) still shows a zero grad here, as in torch
                grad_input = tuple(zeros(shape, dtype=dtype) if g is None else g
                                   for g, (shape, dtype) in zip(grad_input, input_meta))
                res = self._pack_with_none(self.input_tensors_index, grad_input, self.n_inputs)
                for user_hook in self.user_hooks:
                    out = user_hook(self.module, res, self.grad_outputs)
                    if out is None:
                        continue
                    if len(out) != len(res):
                        raise RuntimeError("Backward hook returned an invalid number of grad_input, "
                                           f"got {len(out)}, but expected {len(res)}")
                    res = out
                self.grad_outputs = None
                return _checked(self._unpack_none(self.input_tensors_index, res))
            grad_fn.register_hook(hook)

        res, input_idx = self._apply_on_tensors(on_node, args)
        self.n_inputs = len(args)
        self.input_tensors_index = input_idx
        return res

    def setup_output_hook(self, args):
        def on_node(grad_fn) -> None:
            def hook(_grad_input, grad_output):
                self.grad_outputs = self._pack_with_none(self.output_tensors_index, grad_output, self.n_outputs)
                if self.user_pre_hooks:
                    expected = len(self.grad_outputs)
                    for pre_hook in self.user_pre_hooks:
                        new = pre_hook(self.module, self.grad_outputs)
                        if new is None:
                            continue
                        if len(new) != expected:
                            raise RuntimeError("Backward pre hook returned an invalid number of grad_output, "
                                               f"got {len(new)}, but expected {expected}")
                        self.grad_outputs = new
                local = self.grad_outputs
                if self.input_tensors_index is None:
                    # no input needs grad: the input-side node does not exist, so fire the hooks here
                    warnings.warn("Full backward hook is firing when gradients are computed with respect to module "
                                  "outputs since no inputs require gradients. See "
                                  "https://docs.pytorch.org/docs/main/generated/torch.nn.Module.html#torch.nn.Module."
                                  "register_full_backward_hook for more details.", stacklevel=5)
                    grad_inputs = self._pack_with_none([], [], self.n_inputs)
                    for user_hook in self.user_hooks:
                        res = user_hook(self.module, grad_inputs, self.grad_outputs)
                        if res is not None and not (isinstance(res, tuple) and all(el is None for el in res)):
                            raise RuntimeError("Backward hook for Modules where no input requires "
                                               "gradient should always return None or None for all gradients.")
                    self.grad_outputs = None
                if local is not None:
                    # the (possibly pre-hook-modified) grad_output is what flows on into the module
                    return _checked(tuple(local[i] for i in self.output_tensors_index))
                return None
            grad_fn.register_hook(hook)

        is_tuple = isinstance(args, tuple)
        if not is_tuple:
            args = (args,)
        res, output_idx = self._apply_on_tensors(on_node, args)
        self.n_outputs = len(args)
        self.output_tensors_index = output_idx
        return res if is_tuple else res[0]
