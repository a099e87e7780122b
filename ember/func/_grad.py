"""Gradient transforms: ``grad``, ``grad_and_value``, ``vjp``, ``jacrev``, ``jacfwd``, ``hessian``.

For f with differentiated inputs x (a pytree of tensors) and outputs y:

    grad(f)(x)      = df/dx for a scalar f       one backward pass, create_graph=True (so grad(grad(f)) works)
    vjp(f, x)       = (y, v -> v^T dy/dx)        the backward pass as a function of the cotangent v
    jacrev(f)(x)    = dy/dx, shape y.shape + x.shape; one backward pass per output element
    jacfwd(f)(x)    = the same Jacobian; ember computes it by reverse mode too (see ``jacfwd``)
    hessian(f)(x)   = jacfwd(jacrev(f))(x)

All are built on ``ember.autograd.grad``; see ``_levels`` for how inputs enter and results leave a transform.
"""
from __future__ import annotations

import functools
from typing import Any, Callable

from .._tensor import Tensor
from ..autograd.grad_mode import enable_grad, is_grad_enabled
from ._levels import autograd_grad, make_differentiable, replace_args, slice_argnums, unwrap
from ._pytree import tree_flatten, tree_leaves, tree_unflatten, treespec_pprint

__all__ = ["grad", "grad_and_value", "vjp", "jacrev", "jacfwd", "hessian"]


def _enter(diff: Any) -> tuple[Any, list[Tensor], Any, set[int]]:
    """Make every tensor of the pytree ``diff`` differentiable: (new tree, its leaves, spec, local leaf ids)."""
    local: set[int] = set()
    flat, spec = tree_flatten(diff)
    new_flat = [make_differentiable(x, local) for x in flat]
    return tree_unflatten(new_flat, spec), new_flat, spec, local


def _grad_and_value_impl(func: Callable, argnums: Any, has_aux: bool, args: tuple, kwargs: dict) -> tuple:
    keep = is_grad_enabled()
    with enable_grad():  # a transform differentiates even under an outer no_grad, as torch's does
        diff, flat_diff, spec, local = _enter(slice_argnums(args, argnums, as_tuple=False))
        output = func(*replace_args(args, diff, argnums), **kwargs)
        aux = None
        if has_aux:
            if not (isinstance(output, tuple) and len(output) == 2):
                raise RuntimeError("grad_and_value(f)(*args): output of function f should be a tuple: (output, aux) "
                                   "if has_aux is True")
            output, aux = output
        if not isinstance(output, Tensor):
            raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a Tensor, got {type(output)}")
        if output.dim() != 0:
            raise RuntimeError("grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, got tensor "
                               f"with {output.dim()} dims. Maybe you wanted to use the vjp or jacrev APIs instead?")
        grads = tree_unflatten(list(autograd_grad([output], flat_diff, create_graph=True)), spec)
        grads = unwrap(grads, local, keep)
        output = unwrap(output, local, keep)
        if has_aux:
            return grads, (output, unwrap(aux, local, keep))
        return grads, output


def grad_and_value(func: Callable, argnums: int | tuple[int, ...] = 0, has_aux: bool = False) -> Callable:
    """``(grad, value)`` of a scalar ``func`` w.r.t. the argument(s) at ``argnums``; with ``has_aux`` func returns
    ``(value, aux)`` and the result is ``(grad, (value, aux))``. See torch.func.grad_and_value."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return _grad_and_value_impl(func, argnums, has_aux, args, kwargs)
    return wrapper


def grad(func: Callable, argnums: int | tuple[int, ...] = 0, has_aux: bool = False) -> Callable:
    """The gradient of a scalar ``func`` w.r.t. the argument(s) at ``argnums`` (pytrees of tensors); with
    ``has_aux``, ``(grad, aux)``. Composable: ``grad(grad(f))``, ``vmap(grad(f))``. See torch.func.grad."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        g, value = _grad_and_value_impl(func, argnums, has_aux, args, kwargs)
        return (g, value[1]) if has_aux else g
    return wrapper


def _check_outputs(flat_out: list, api: str) -> None:
    if (len(flat_out) == 1 and flat_out[0] is None) or len(flat_out) < 1:
        raise RuntimeError(f"{api}: Expected f to be a function that has non-empty output (got output = {flat_out})")
    for o in flat_out:
        if not isinstance(o, Tensor):
            raise RuntimeError(f"{api}: expected f(*primals) to return only tensors, got unsupported type {type(o)}")


class _VjpState:
    """One traced call of ``func``: its raw outputs and the differentiable inputs they are taken against."""

    def __init__(self, func: Callable, primals: tuple, argnums: Any, has_aux: bool, forward: bool = False) -> None:
        # ``forward``: stand in for jacfwd's forward-mode trace: its error messages, and integer outputs allowed
        api = "jvp(f, primals, tangents)" if forward else "vjp(f, *primals)"
        self.keep = is_grad_enabled()
        with enable_grad():
            if argnums is None:
                new_primals, self.flat_diff, self.diff_spec, self.local = _enter(primals)
            else:
                diff, self.flat_diff, self.diff_spec, self.local = _enter(
                    slice_argnums(primals, argnums, as_tuple=False))
                new_primals = replace_args(primals, diff, argnums)
            out = func(*new_primals)
            self.aux = None
            if has_aux:
                if not (isinstance(out, tuple) and len(out) == 2):
                    raise RuntimeError(f"{api}: output of function f should be a tuple: (output, aux) "
                                       "if has_aux is True")
                out, aux = out
                self.aux = unwrap(aux, self.local, self.keep)
            self.flat_out, self.out_spec = tree_flatten(out)
            _check_outputs(self.flat_out, api)
            self.output = unwrap(out, self.local, self.keep)
            for o in self.flat_out:
                if not (forward or o.is_floating_point() or o.is_complex()):
                    raise RuntimeError("vjp(f, ...): All outputs of f must be floating-point or complex Tensors, "
                                       f"got Tensor with dtype {o.dtype}")

    def pull(self, cotangents: Any, retain_graph: bool = True, create_graph: bool | None = None) -> Any:
        if create_graph is None:
            create_graph = is_grad_enabled()
        flat_cot, cot_spec = tree_flatten(cotangents)
        if cot_spec != self.out_spec:
            raise RuntimeError("Expected pytree structure of cotangents to be the same as pytree structure of "
                               f"outputs to the function. cotangents: {treespec_pprint(cot_spec)}, "
                               f"primal output: {treespec_pprint(self.out_spec)}")
        grads = autograd_grad(self.flat_out, self.flat_diff, flat_cot, retain_graph=retain_graph,
                              create_graph=create_graph)
        return unwrap(tree_unflatten(list(grads), self.diff_spec), self.local, self.keep)


def vjp(func: Callable, *primals: Any, has_aux: bool = False) -> tuple:
    """``(func(*primals), vjp_fn)`` (plus ``aux`` with ``has_aux``); ``vjp_fn(cotangents)`` returns one
    ``v^T J`` per primal, as a tuple, and may be called again. See torch.func.vjp."""
    state = _VjpState(func, primals, None, has_aux)

    def vjp_fn(cotangents: Any, retain_graph: bool = True, create_graph: bool | None = None) -> Any:
        return state.pull(cotangents, retain_graph, create_graph)

    return (state.output, vjp_fn, state.aux) if has_aux else (state.output, vjp_fn)


def _error_if_complex(api: str, tree: Any, is_input: bool) -> None:
    for idx, x in enumerate(tree_leaves(tree)):
        if isinstance(x, Tensor) and x.is_complex():
            kind = "inputs" if is_input else "outputs"
            raise RuntimeError(f"{api}: Expected all {kind} to be real but received complex tensor at flattened "
                               f"input idx: {idx}")


def _jacobian(func: Callable, args: tuple, argnums: Any, has_aux: bool, api: str) -> Any:
    """dy/dx for every output leaf y and differentiated input leaf x, one backward pass per element of y."""
    from .._creation import eye, zeros_like
    from .._ops.shape import stack
    _error_if_complex(api, args, True)
    state = _VjpState(func, args, argnums, has_aux, forward=api == "jacfwd")
    _error_if_complex(api, state.flat_out, False)
    create_graph = is_grad_enabled()
    primals_spec = tree_flatten(slice_argnums(args, argnums))[1]
    per_output = []
    for out in state.flat_out:
        rows: list[list[Tensor]] = [[] for _ in state.flat_diff]
        basis = eye(out.numel(), dtype=out.dtype)
        for j in range(out.numel()):
            grads = autograd_grad([out], state.flat_diff, [basis[j].reshape(out.shape)], retain_graph=True,
                                  create_graph=create_graph)
            for r, g in zip(rows, grads):
                r.append(g)
        jacs = []
        for r, x in zip(rows, state.flat_diff):
            jac = stack(r) if r else zeros_like(x).reshape(0, *x.shape)
            if api == "jacfwd" and jac.dtype != out.dtype:
                jac = jac.to(out.dtype)  # forward mode carries the output's dtype
            jacs.append(unwrap(jac.reshape(tuple(out.shape) + tuple(x.shape)), state.local, state.keep))
        per_arg = tree_unflatten(jacs, primals_spec)
        per_output.append(per_arg[0] if isinstance(argnums, int) else per_arg)
    result = tree_unflatten(per_output, state.out_spec)
    return (result, state.aux) if has_aux else result


def jacrev(func: Callable, argnums: int | tuple[int, ...] = 0, *, has_aux: bool = False,
           chunk_size: int | None = None) -> Callable:
    """The Jacobian of ``func`` w.r.t. the argument(s) at ``argnums`` by reverse mode, one row (one backward pass)
    per output element; ``chunk_size`` is checked but does not change the values. See torch.func.jacrev."""
    if not (chunk_size is None or chunk_size > 0):
        raise ValueError("jacrev: `chunk_size` should be greater than 0.")

    @functools.wraps(func)
    def wrapper(*args):
        return _jacobian(func, args, argnums, has_aux, "jacrev")
    return wrapper


def jacfwd(func: Callable, argnums: int | tuple[int, ...] = 0, has_aux: bool = False, *,
           randomness: str = "error") -> Callable:
    """The Jacobian of ``func`` w.r.t. the argument(s) at ``argnums``, with torch's result structure.

    Deliberate difference: ember has no forward-mode AD, so this runs reverse mode (as ``jacrev``): the same
    Jacobian, at the cost of one backward pass per *output* element instead of one forward pass per *input*
    element. ``randomness`` is checked as vmap checks it; ``'error'`` raises if ``func`` draws random numbers.
    """
    from ._vmap import _check_randomness_arg, _random_guard

    @functools.wraps(func)
    def wrapper(*args):
        _check_randomness_arg(randomness)
        with _random_guard(randomness == "error"):
            return _jacobian(func, args, argnums, has_aux, "jacfwd")
    return wrapper


def hessian(func: Callable, argnums: int | tuple[int, ...] = 0) -> Callable:
    """The Hessian of ``func`` w.r.t. the argument(s) at ``argnums``: ``jacfwd(jacrev(func, argnums), argnums)``
    (both by reverse mode in ember). See torch.func.hessian."""
    return jacfwd(jacrev(func, argnums), argnums)
