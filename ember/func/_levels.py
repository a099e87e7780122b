"""What a gradient transform (grad, vjp, jacrev) does around ``func``, on ember's ordinary autograd.

torch's functorch wraps inputs per transform level. ember instead gives each differentiated input a fresh
graph entry: a detached leaf that requires grad, or ``x.view_as(x)`` when ``x`` already requires grad (so
outer autograd, and outer transforms, still see the dependence on ``x``). Gradients are taken with
``create_graph=True``, so a transform's result is differentiable again (grad of grad). On the way out a result
is detached unless its graph reaches some tensor that requires grad other than this transform's own leaves --
which is when torch's result, unwrapped from the level, still requires grad.
"""
from __future__ import annotations

from typing import Any, Sequence

from .._tensor import Tensor
from ..autograd.graph import AccumulateGrad
from ._pytree import tree_map

__all__ = ["make_differentiable", "unwrap", "autograd_grad", "slice_argnums", "replace_args"]


def make_differentiable(x: Any, local: set[int]) -> Tensor:
    """The tensor ``func`` sees for a differentiated input; ids of the fresh leaves are added to ``local``."""
    if not isinstance(x, Tensor):
        raise ValueError(f"Thing passed to transform API must be Tensor, got {type(x)}")
    if x.requires_grad:
        return x.view_as(x)
    leaf = x.detach().requires_grad_()
    local.add(id(leaf))
    return leaf


def _reaches_outer(t: Tensor, local: set[int]) -> bool:
    """Whether ``t`` depends, through the graph, on a tensor requiring grad that is not in ``local``."""
    if not t.requires_grad:
        return False
    if t.grad_fn is None:
        return id(t) not in local
    # ``seen`` keeps the nodes alive: next_functions may build a leaf's AccumulateGrad on demand, and a freed
    # node's id can be reused by the next one
    stack, seen = [t.grad_fn], {}
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen[id(node)] = node
        if isinstance(node, AccumulateGrad):
            if id(node.variable) not in local:
                return True
            continue
        stack.extend(nxt for nxt, _ in node.next_functions if nxt is not None)
    return False


def unwrap(tree: Any, local: set[int], keep_graph: bool, strict_leaves: bool = True) -> Any:
    """Leave the transform: detach tensors whose graph only leads back to this transform's own leaves.

    ``strict_leaves``: non-tensor leaves raise torch's error (aux outputs must be tensors)."""
    def one(x: Any) -> Any:
        if not isinstance(x, Tensor):
            if strict_leaves:
                raise RuntimeError(f"Expected tensors, got unsupported type {type(x)}")
            return x
        return x if keep_graph and _reaches_outer(x, local) else x.detach()

    return tree_map(one, tree)


def autograd_grad(outputs: Sequence[Tensor], inputs: Sequence[Tensor], grad_outputs: Sequence | None = None,
                  retain_graph: bool = False, create_graph: bool = True) -> tuple[Tensor, ...]:
    """``autograd.grad`` that skips outputs not requiring grad and gives zeros for unreached inputs."""
    from .. import autograd
    from .._creation import zeros_like
    if grad_outputs is None:
        outs = [o for o in outputs if o.requires_grad]
        gos = None
    else:
        pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o.requires_grad]
        outs = [o for o, _ in pairs]
        gos = [g for _, g in pairs]
    if not outs:
        return tuple(zeros_like(x) for x in inputs)
    # torch's levels give the transform its own graph; here it shares the outer one, which must survive
    grads = autograd.grad(outs, list(inputs), gos, retain_graph=retain_graph or create_graph, create_graph=create_graph,
                          allow_unused=True)
    return tuple(zeros_like(x) if g is None else g for g, x in zip(grads, inputs))


def _wrap_argnum(argnum: Any, num_args: int) -> int:
    if not isinstance(argnum, int):
        raise RuntimeError(f"argnum must be int, got: {type(argnum)}")
    if 0 <= argnum < num_args:
        return argnum
    if -num_args <= argnum < 0:
        return argnum + num_args
    raise RuntimeError(f"Got argnum={argnum}, but only {num_args} positional inputs")


def slice_argnums(args: tuple, argnums: Any, as_tuple: bool = True) -> Any:
    """The arguments at ``argnums`` (an int picks one argument; a tuple picks a tuple of them)."""
    if not isinstance(argnums, (int, tuple)):
        raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {type(argnums)}")
    if isinstance(argnums, int):
        i = _wrap_argnum(argnums, len(args))
        return (args[i],) if as_tuple else args[i]
    wrapped = tuple(_wrap_argnum(a, len(args)) for a in argnums)
    if len(wrapped) == 0:
        raise RuntimeError("argnums must be non-empty")
    if len(set(wrapped)) != len(wrapped):
        raise RuntimeError(f"argnums elements must be unique, got {wrapped}")
    return tuple(args[i] for i in wrapped)


def replace_args(args: tuple, new: Any, argnums: Any) -> tuple:
    """``args`` with the arguments at ``argnums`` replaced by ``new`` (shaped as ``slice_argnums(as_tuple=False)``)."""
    if isinstance(argnums, int):
        i = _wrap_argnum(argnums, len(args))
        return tuple(new if j == i else a for j, a in enumerate(args))
    where = {_wrap_argnum(a, len(args)): k for k, a in enumerate(argnums)}
    return tuple(new[where[j]] if j in where else a for j, a in enumerate(args))
