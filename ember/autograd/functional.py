"""``ember.autograd.functional``: Jacobians, Hessians and their products with vectors, built on ``autograd.grad``.

For f: inputs -> outputs with Jacobian J[j, k] = d f_j / d x_k, and for a scalar f its Hessian H = d^2 f / dx^2:

    vjp(f, x, v) = v^T J       one backward pass
    jvp(f, x, v) = J v         the double-backward trick: g(u) = u^T J is linear in u, so J v = d(g(u) . v)/du
    jacobian(f, x)             one backward pass per output element
    vhp(f, x, v) = v^T H       backward of the gradient (create_graph=True), seeded with v
    hvp(f, x, v) = H v         the double-backward trick again (H v = (v^T H)^T only when H is symmetric)
    hessian(f, x)              the Jacobian of the gradient

Inputs that require grad are used through ``view_as`` when ``create_graph=True`` (results stay differentiable
with respect to them), else through detached copies; ``strict=True`` raises where a result would be an implicit
zero (an output independent of an input), with torch's messages.
"""
from __future__ import annotations

from typing import Any, Callable

from .grad_mode import enable_grad, is_grad_enabled, set_grad_enabled

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


# --- argument plumbing ----------------------------------------------------------------------------------------

def _as_tuple(fn: str, arg: str, x) -> tuple[bool, tuple]:
    from .._tensor import Tensor
    is_tuple = isinstance(x, tuple)
    items = x if is_tuple else (x,)
    for i, t in enumerate(items):
        if not isinstance(t, Tensor):
            where = f"value at index {i}" if is_tuple else f"given {arg}"
            raise TypeError(f"The {arg} given to {fn} must be either a Tensor or a tuple of Tensors but the {where} "
                            f"has type {type(t)}.")
    return is_tuple, items


def _unpack(res, is_tuple):
    """Undo ``_as_tuple`` (``is_tuple`` a bool), or both levels of a nested result (a pair of bools)."""
    if isinstance(is_tuple, tuple):
        outer, inner = is_tuple
        if not inner:
            res = tuple(r[0] for r in res)
        return res if outer else res[0]
    return res if is_tuple else res[0]


def _prepare(inputs: tuple, create_graph: bool, need_graph: bool) -> tuple:
    return tuple(t.view_as(t) if create_graph and t.requires_grad else t.detach().requires_grad_(need_graph)
                 for t in inputs)


def _finish(tensors, create_graph: bool):
    from .._tensor import Tensor
    if isinstance(tensors[0], Tensor):
        return tensors if create_graph else tuple(t.detach() for t in tensors)
    return tuple(_finish(t, create_graph) for t in tensors)


def _check_v(v: tuple, like: tuple, like_is_tuple: bool) -> None:
    if len(v) != len(like):
        if like_is_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(like)} but got {len(v)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for i, (a, b) in enumerate(zip(v, like)):
        if a.size() != b.size():
            prefix = f"Entry {i} in " if like_is_tuple else ""
            raise RuntimeError(f"{prefix}v has invalid size: should be {b.size()} but got {a.size()}.")


_NOT_DIFFERENTIABLE = {
    "hessian": "The hessian of the user-provided function with respect to input {i} is independent of the input. "
               "This is not allowed in strict mode. You should ensure that your function is thrice differentiable "
               "and that the hessian depends on the inputs.",
    "jacobian": "While computing the hessian, found that the jacobian of the user-provided function with respect "
                "to input {i} is independent of the input. This is not allowed in strict mode. You should ensure "
                "that your function is twice differentiable and that the jacobian depends on the inputs (this "
                "would be violated by a linear function for example).",
    "grad_inputs": "The gradient with respect to input {i} is independent of the inputs of the user-provided "
                   "function. This is not allowed in strict mode.",
    "outputs": "Output {i} of the user-provided function does not require gradients. The outputs must be computed "
               "in a differentiable manner from the input when running in strict mode.",
}


def _check_requires_grad(tensors: tuple, kind: str, strict: bool) -> None:
    if not strict:
        return
    for i, t in enumerate(tensors):
        if t is None:
            raise RuntimeError(f"The output of the user-provided function is independent of input {i}. This is not "
                               "allowed in strict mode.")
        if not t.requires_grad:
            raise RuntimeError(_NOT_DIFFERENTIABLE[kind].format(i=i))


def _grad(outputs: tuple, inputs: tuple, grad_outputs: tuple | None = None, create_graph: bool = False,
          retain_graph: bool | None = None) -> tuple:
    """``autograd.grad`` over the outputs that require grad (all-None when none does), unused inputs as None."""
    from . import grad
    grad_outputs = (None,) * len(outputs) if grad_outputs is None else grad_outputs
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o is not None and o.requires_grad]
    if not pairs:
        return (None,) * len(inputs)
    return grad(tuple(o for o, _ in pairs), inputs, tuple(g for _, g in pairs), allow_unused=True,
                create_graph=create_graph, retain_graph=retain_graph)


_INDEPENDENT = {
    "back": "The output of the user-provided function is independent of input {i}. This is not allowed in strict "
            "mode.",
    "back_trick": "The gradient with respect to the input is independent of entry {i} in the grad_outputs when "
                  "using the double backward trick to compute forward mode gradients. This is not allowed in strict "
                  "mode.",
    "double_back": "The jacobian of the user-provided function is independent of input {i}. This is not allowed in "
                   "strict mode.",
    "double_back_trick": "The hessian of the user-provided function is independent of entry {i} in the "
                         "grad_jacobian. This is not allowed in strict mode as it prevents from using the double "
                         "backward trick to replace forward mode AD.",
}


def _zeros_for_missing(grads: tuple, like: tuple, strict: bool, create_graph: bool, stage: str) -> tuple:
    from .. import zeros_like
    res = []
    for i, g in enumerate(grads):
        if g is None:
            if strict:
                raise RuntimeError(_INDEPENDENT[stage].format(i=i))
            g = zeros_like(like[i])
        elif strict and create_graph and not g.requires_grad:
            what = "hessian" if "double" in stage else "jacobian"
            raise RuntimeError(f"The {what} of the user-provided function is independent of input {i}. This is not "
                               "allowed in strict mode when create_graph=True.")
        res.append(g)
    return tuple(res)


def _optional_v(fn: str, v, like: tuple, like_is_tuple: bool, create_graph: bool, none_message: str):
    if v is not None:
        _, v = _as_tuple(fn, "v", v)
        v = _prepare(v, create_graph, need_graph=False)
        _check_v(v, like, like_is_tuple)
        return v
    if len(like) != 1 or like[0].nelement() != 1:
        raise RuntimeError(none_message)
    return None


_V_FOR_INPUT = ("The vector v can only be None if the input to the user-provided function is a single Tensor with "
                "a single element.")


# --- the products -----------------------------------------------------------------------------------------------

def vjp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), v^T J)``, each with the tuple-ness of what the caller gave."""
    with enable_grad():
        in_tuple, inputs = _as_tuple("vjp", "inputs", inputs)
        inputs = _prepare(inputs, create_graph, need_graph=True)
        out_tuple, outputs = _as_tuple("vjp", "outputs of the user-provided function", func(*inputs))
        _check_requires_grad(outputs, "outputs", strict)
        v = _optional_v("vjp", v, outputs, out_tuple, create_graph,
                        "The vector v can only be None if the user-provided function returns a single Tensor with "
                        "a single element.")
    with set_grad_enabled(create_graph or is_grad_enabled()):
        res = _zeros_for_missing(_grad(outputs, inputs, v, create_graph), inputs, strict, create_graph, "back")
    return _unpack(_finish(outputs, create_graph), out_tuple), _unpack(_finish(res, create_graph), in_tuple)


def jvp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), J v)`` by the double-backward trick."""
    from .. import zeros_like
    with enable_grad():
        in_tuple, inputs = _as_tuple("jvp", "inputs", inputs)
        inputs = _prepare(inputs, create_graph, need_graph=True)
        v = _optional_v("jvp", v, inputs, in_tuple, create_graph, _V_FOR_INPUT)
        out_tuple, outputs = _as_tuple("jvp", "outputs of the user-provided function", func(*inputs))
        _check_requires_grad(outputs, "outputs", strict)
        # u^T J is linear in u, so any finite u works: zeros
        u = tuple(zeros_like(o, requires_grad=True) for o in outputs)
        grad_inputs = _grad(outputs, inputs, u, create_graph=True)
        _check_requires_grad(grad_inputs, "grad_inputs", strict)
    with set_grad_enabled(True if create_graph else is_grad_enabled()):
        res = _zeros_for_missing(_grad(grad_inputs, u, v, create_graph), outputs, strict, create_graph,
                                 "back_trick")
    return _unpack(_finish(outputs, create_graph), out_tuple), _unpack(_finish(res, create_graph), out_tuple)


def jacobian(func: Callable, inputs: Any, create_graph: bool = False, strict: bool = False,
             vectorize: bool = False, strategy: str = "reverse-mode"):
    """d func(inputs) / d inputs, shaped output.shape + input.shape per (output, input) pair; nested as torch
    nests it: a Tensor for one input and one output, else tuples (outputs outer, inputs inner). ``vectorize``
    gives the same values (ember runs the same per-element passes)."""
    from .. import stack, zeros_like
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your '
                             'function has more outputs than inputs, "forward-mode" tends to be more performant. '
                             'Otherwise, prefer to use "reverse-mode".')
    if strategy == "forward-mode":
        if create_graph:
            raise NotImplementedError('torch.autograd.functional.jacobian: `create_graph=True` and '
                                      '`strategy="forward-mode"` are not supported together (yet). Please either '
                                      'set `create_graph=False` or `strategy="reverse-mode"`.')
        raise NotImplementedError("jacobian(strategy='forward-mode') needs forward-mode AD, which ember does not "
                                  "have; the default 'reverse-mode' gives the same Jacobian")
    with enable_grad():
        in_tuple, inputs = _as_tuple("jacobian", "inputs", inputs)
        inputs = _prepare(inputs, create_graph, need_graph=True)
        out_tuple, outputs = _as_tuple("jacobian", "outputs of the user-provided function", func(*inputs))
        _check_requires_grad(outputs, "outputs", strict)
        if vectorize and strict:
            raise RuntimeError("torch.autograd.functional.jacobian: `strict=True` and `vectorized=True` are not "
                               "supported together. Please either set `strict=False` or `vectorize=False`.")
        table = []
        for i, out in enumerate(outputs):
            rows = [[] for _ in inputs]
            flat = out.reshape(-1)
            for j in range(out.nelement()):
                grads = _grad((flat[j],), inputs, retain_graph=True, create_graph=create_graph)
                for k, (row, g, x) in enumerate(zip(rows, grads, inputs)):
                    if g is None:
                        if strict:
                            raise RuntimeError(f"Output {i} of the user-provided function is independent of input "
                                               f"{k}. This is not allowed in strict mode.")
                        g = zeros_like(x)
                    elif strict and create_graph and not g.requires_grad:
                        raise RuntimeError(f"The jacobian of the user-provided function is independent of input "
                                           f"{i}. This is not allowed in strict mode when create_graph=True.")
                    row.append(g)
            table.append(tuple(_stacked(row, out.size() + x.size(), stack, x) for row, x in zip(rows, inputs)))
        return _unpack(_finish(tuple(table), create_graph), (out_tuple, in_tuple))


def _stacked(row: list, shape, stack, like):
    from .. import empty
    if not row:  # an empty output: an empty Jacobian
        return empty(tuple(shape), dtype=like.dtype)
    return stack(row, 0).view(shape)


def hessian(func: Callable, inputs: Any, create_graph: bool = False, strict: bool = False, vectorize: bool = False,
            outer_jacobian_strategy: str = "reverse-mode"):
    """d^2 func / d inputs^2 of a function with one single-element output: shaped x_i.shape + x_j.shape per pair
    of inputs (nested tuples for tuple inputs)."""
    in_tuple, inputs = _as_tuple("hessian", "inputs", inputs)
    if outer_jacobian_strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode".')

    def scalar_output(*xs):
        out = func(*xs)
        out_tuple, outs = _as_tuple("hessian", "outputs of the user-provided function", out)
        _check_requires_grad(outs, "outputs", strict)
        if out_tuple:
            raise RuntimeError("The function given to hessian should return a single Tensor")
        if out.nelement() != 1:
            raise RuntimeError("The Tensor returned by the function given to hessian should contain a single element")
        return out.squeeze()

    def gradient(*xs):
        jac = jacobian(scalar_output, xs, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict)
        return jac

    res = jacobian(gradient, inputs, create_graph=create_graph, strict=strict, vectorize=vectorize,
                   strategy=outer_jacobian_strategy)
    return _unpack(res, (in_tuple, in_tuple))


def _scalar_function_and_gradient(name: str, func: Callable, inputs, v, create_graph: bool, strict: bool):
    """The shared first half of vhp/hvp: prepared inputs, v, the output and its gradient (with a graph)."""
    in_tuple, inputs = _as_tuple(name, "inputs", inputs)
    inputs = _prepare(inputs, create_graph, need_graph=True)
    v = _optional_v(name, v, inputs, in_tuple, create_graph, _V_FOR_INPUT)
    out_tuple, outputs = _as_tuple(name, "outputs of the user-provided function", func(*inputs))
    _check_requires_grad(outputs, "outputs", strict)
    if out_tuple:
        raise RuntimeError(f"The function given to {name} should return a single Tensor")
    if outputs[0].nelement() != 1:
        raise RuntimeError(f"The Tensor returned by the function given to {name} should contain a single element")
    jac = _grad(outputs, inputs, create_graph=True)
    _check_requires_grad(jac, "jacobian", strict)
    return in_tuple, out_tuple, inputs, v, outputs, jac


def vhp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), v^T H)``: the gradient's backward, seeded with v."""
    with enable_grad():
        in_tuple, out_tuple, inputs, v, outputs, jac = _scalar_function_and_gradient(
            "vhp", func, inputs, v, create_graph, strict)
    with set_grad_enabled(True if create_graph else is_grad_enabled()):
        res = _zeros_for_missing(_grad(jac, inputs, v, create_graph), inputs, strict, create_graph, "double_back")
    return _unpack(_finish(outputs, create_graph), out_tuple), _unpack(_finish(res, create_graph), in_tuple)


def hvp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), H v)`` by the double-backward trick on the gradient."""
    from .. import zeros_like
    with enable_grad():
        in_tuple, out_tuple, inputs, v, outputs, jac = _scalar_function_and_gradient(
            "hvp", func, inputs, v, create_graph, strict)
        u = tuple(zeros_like(x, requires_grad=True) for x in inputs)
        double_back = _grad(jac, inputs, u, create_graph=True)
        _check_requires_grad(jac, "hessian", strict)
    with set_grad_enabled(True if create_graph else is_grad_enabled()):
        res = _zeros_for_missing(_grad(double_back, u, v, create_graph), inputs, strict, create_graph,
                                 "double_back_trick")
    return _unpack(_finish(outputs, create_graph), out_tuple), _unpack(_finish(res, create_graph), in_tuple)
