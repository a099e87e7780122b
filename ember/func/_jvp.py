"""Forward-mode products ``jvp`` and ``linearize``, computed by reverse mode (the double-vjp trick).

For an output y = f(x) and a tangent v: g(u) = u^T (dy/dx) is linear in the dummy cotangent u, so
J v = d(g(u) . v)/du -- two backward passes per output, the second through the first (create_graph=True).
torch propagates dual numbers forward instead; the values agree up to float rounding.
"""
from __future__ import annotations

from typing import Any, Callable

from .._tensor import Tensor
from ..autograd.grad_mode import enable_grad, is_grad_enabled
from ._grad import _check_outputs, _enter
from ._levels import unwrap
from ._pytree import tree_flatten, tree_unflatten

__all__ = ["jvp", "linearize"]

_JVP = "jvp(f, primals, tangents)"


def _tensor_list(items: list, argname: str) -> None:
    if len(items) == 0:
        raise RuntimeError(f"{_JVP}: Expected {argname} to contain at least one Tensor.")
    for x in items:
        if not isinstance(x, Tensor):
            raise RuntimeError(f"{_JVP}: Expected {argname} to only contain Tensors, got {type(x)}")


def _push_forward(out: Tensor, flat_primals: list[Tensor], flat_tangents: list[Tensor], local: set[int],
                  strict: bool) -> Tensor:
    """J v for one output ``out`` of the traced call."""
    from .. import autograd
    from .._creation import zeros_like
    uses = out.requires_grad and (out.is_floating_point() or out.is_complex())
    if uses:
        u = zeros_like(out).requires_grad_()
        local.add(id(u))
        gs = autograd.grad([out], flat_primals, [u], retain_graph=True, create_graph=True, allow_unused=True)
        pairs = [(g, t) for g, t in zip(gs, flat_tangents) if g is not None]
        uses = bool(pairs)
    if not uses:
        if strict:
            raise RuntimeError("jvp(f, primals, tangents, strict=True): The output of f is independent of the "
                               "inputs. This is not allowed with strict=True.")
        return zeros_like(out)
    linear = [(g, t) for g, t in pairs if g.requires_grad]  # g is linear in u; a constant g means J = 0 there
    if not linear:
        return zeros_like(out)
    (jv,) = autograd.grad([g for g, _ in linear], [u], [t for _, t in linear], retain_graph=True,
                          create_graph=True, allow_unused=True)
    return zeros_like(out) if jv is None else jv


def jvp(func: Callable, primals: Any, tangents: Any, *, strict: bool = False, has_aux: bool = False) -> tuple:
    """``(func(*primals), J v)`` for the tangents ``v`` (same structure as ``primals``); with ``has_aux``, func
    returns ``(output, aux)`` and aux comes third. See torch.func.jvp; computed by reverse mode (module doc)."""
    if not isinstance(primals, tuple):
        raise RuntimeError(f"{_JVP}: Expected primals to be a tuple. E.g. it should be valid to call f(*primals).")
    flat_p, p_spec = tree_flatten(primals)
    flat_t, t_spec = tree_flatten(tangents)
    if p_spec != t_spec:
        raise RuntimeError(f"{_JVP}: Expected primals and tangents to have the same python structure. For example, "
                           "if primals is a tuple of 3 tensors, tangents also must be. Got primals with structure "
                           f"{p_spec} and tangents with structure {t_spec}")
    _tensor_list(flat_p, "primals")
    _tensor_list(flat_t, "tangents")
    for p, t in zip(flat_p, flat_t):
        if t.shape != p.shape:
            raise RuntimeError("Trying to set a forward gradient that has a different size than that of the original "
                               f"Tensor, this is not supported. Tensor is of size {list(p.shape)} while the given "
                               f"forward gradient is of size {list(t.shape)}.")
    flat_t = [t if t.dtype == p.dtype else t.to(p.dtype) for p, t in zip(flat_p, flat_t)]
    keep = is_grad_enabled()
    with enable_grad():
        new_primals, flat_new, _, local = _enter(primals)
        out = func(*new_primals)
        aux = None
        if has_aux:
            if not (isinstance(out, tuple) and len(out) == 2):
                raise RuntimeError(f"{_JVP}: output of function f should be a tuple: (output, aux) if has_aux is True")
            out, aux = out
            aux = unwrap(aux, local, keep)
        flat_out, out_spec = tree_flatten(out)
        _check_outputs(flat_out, _JVP)
        tangents_out = [_push_forward(o, flat_new, flat_t, local, strict) for o in flat_out]
        primal_out = unwrap(tree_unflatten(flat_out, out_spec), local, keep)
        tangent_out = unwrap(tree_unflatten(tangents_out, out_spec), local, keep)
    return (primal_out, tangent_out, aux) if has_aux else (primal_out, tangent_out)


def linearize(func: Callable, *primals: Any) -> tuple[Any, Callable]:
    """``(func(*primals), jvp_fn)`` with ``jvp_fn(*tangents) = J v`` at ``primals``. torch traces ``func`` once
    into a graph; ember re-runs ``jvp`` on each call of ``jvp_fn``. See torch.func.linearize."""
    output = func(*primals)
    flat_p, p_spec = tree_flatten(primals)

    def jvp_fn(*tangents: Any) -> Any:
        flat_t, t_spec = tree_flatten(tangents)
        if t_spec != p_spec:
            raise RuntimeError(f"Expected the tangents {t_spec} to have the same argspec as the primals {p_spec}")
        for idx, (t, p) in enumerate(zip(flat_t, flat_p)):
            for what in ("shape", "device", "dtype"):
                if getattr(t, what) != getattr(p, what):
                    raise RuntimeError(f"tangent:{idx} with {what} {getattr(t, what)} in flattened pytree doesn't "
                                       f"match the {what} {getattr(p, what)} of the corresponding primal.")
        return jvp(func, primals, tangents)[1]

    return output, jvp_fn
