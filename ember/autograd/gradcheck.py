"""``gradcheck``: compare a function's autograd gradients with central finite differences, as torch's does.

For every input x_i that requires grad and every floating output y_o, the Jacobian J[k, j] = d y_o[j] / d x_i[k]
is estimated numerically, (y(x + eps e_k) - y(x - eps e_k)) / (2 eps) with x_i[k] changed in place, and computed
analytically, one vector-Jacobian product per output element (a one-hot grad_output). They must agree within
``allclose(analytical, numerical, rtol, atol)``. Use float64 inputs: in float32 the differences are mostly noise.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """A gradient that does not match its finite-difference estimate."""


def _outputs(func: Callable, inputs: tuple) -> tuple:
    from .._tensor import Tensor
    out = func(*inputs)
    return (out,) if isinstance(out, Tensor) else tuple(out)


def _numerical(func: Callable, inputs: tuple, i: int, o: int, eps: float) -> np.ndarray:
    from .grad_mode import no_grad
    x = inputs[i]
    flat = x._data.reshape(-1)  # a view: the perturbation is seen through x (x is contiguous or made so)
    cols = []
    with no_grad():
        for k in range(flat.size):
            orig = flat[k].item()
            flat[k] = orig - eps
            lo = _outputs(func, inputs)[o]._data.astype(np.float64).reshape(-1)
            flat[k] = orig + eps
            hi = _outputs(func, inputs)[o]._data.astype(np.float64).reshape(-1)
            flat[k] = orig
            cols.append((hi - lo) / (2 * eps))
    return np.array(cols).reshape(flat.size, -1)


def _analytical(output, inputs: tuple, i: int) -> np.ndarray:
    from .._tensor import Tensor
    from . import grad
    n_in, n_out = inputs[i]._data.size, output._data.size
    jac = np.zeros((n_in, n_out))
    for j in range(n_out):
        onehot = np.zeros(n_out, output._data.dtype)
        onehot[j] = 1
        g = grad(output, inputs[i], Tensor._make(onehot.reshape(output._data.shape)), retain_graph=True,
                 allow_unused=True)[0]
        if g is not None:
            jac[:, j] = g._data.astype(np.float64).reshape(-1)
    return jac


def _show(jac: np.ndarray, dtype: np.dtype) -> str:
    from .._tensor import Tensor
    return repr(Tensor._make(jac.astype(dtype)))


def gradcheck(func: Callable, inputs: Any, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, nondet_tol: float = 0.0, check_undefined_grad: bool = True,
              check_grad_dtypes: bool = False, check_batched_grad: bool = False,
              check_batched_forward_grad: bool = False, check_forward_ad: bool = False,
              check_backward_ad: bool = True, fast_mode: bool = False, masked: bool | None = None) -> bool:
    """True if every analytical Jacobian matches its numerical estimate; otherwise raises GradcheckError (or
    returns False with ``raise_exception=False``)."""
    from .._tensor import Tensor
    if check_batched_grad or check_forward_ad or check_batched_forward_grad:
        raise NotImplementedError("gradcheck: batched-gradient and forward-mode AD checks need forward-mode "
                                  "autograd, which ember does not have")
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    diff = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not diff:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but none of the them "
                         "have requires_grad=True.")
    for i in diff:
        if not inputs[i].is_contiguous():
            raise NotImplementedError("ember's gradcheck perturbs inputs in place: pass contiguous inputs")
    outputs = _outputs(func, inputs)
    for o, out in enumerate(outputs):
        if not (isinstance(out, Tensor) and out.is_floating_point() and out.requires_grad):
            continue
        for i in diff:
            num = _numerical(func, inputs, i, o, eps)
            ana = _analytical(out, inputs, i)
            if not np.allclose(ana, num, rtol=rtol, atol=atol):
                if not raise_exception:
                    return False
                dt = out._data.dtype
                raise GradcheckError(f"Jacobian mismatch for output {o} with respect to input {i},\n"
                                     f"numerical:{_show(num, dt)}\nanalytical:{_show(ana, dt)}\n")
    return True


def gradgradcheck(func: Callable, inputs: Any, grad_outputs: Any = None, *, eps: float = 1e-6, atol: float = 1e-5,
                  rtol: float = 1e-3, gen_non_contig_grad_outputs: bool = False, raise_exception: bool = True,
                  nondet_tol: float = 0.0, check_undefined_grad: bool = True, check_grad_dtypes: bool = False,
                  check_batched_grad: bool = False, check_fwd_over_rev: bool = False, check_rev_over_rev: bool = True,
                  fast_mode: bool = False, masked: bool = False) -> bool:
    """gradcheck of the function (inputs, grad_outputs) -> d func / d inputs (computed with create_graph=True): checks
    second derivatives. Without ``grad_outputs``, random ones are drawn as torch draws them (uniform in [-1, 1) from
    the default generator, requiring grad), so the same seed checks the same products."""
    from .._tensor import Tensor
    from .. import empty, float64
    from . import grad
    from .grad_mode import enable_grad
    if not (check_fwd_over_rev or check_rev_over_rev):
        raise AssertionError("Expected at least one of check_fwd_over_rev or check_rev_over_rev to be True")
    if check_fwd_over_rev:
        raise NotImplementedError("gradgradcheck(check_fwd_over_rev=True) needs forward-mode AD, which ember does "
                                  "not have")
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    if grad_outputs is None:
        outs = [o for o in _outputs(func, inputs) if isinstance(o, Tensor) and o.requires_grad]
        grad_outputs = tuple(
            empty(tuple(o.shape), dtype=o.dtype if o.is_floating_point() or o.is_complex() else float64)
            .uniform_(-1, 1).requires_grad_() for o in outs)
    else:
        grad_outputs = (grad_outputs,) if isinstance(grad_outputs, Tensor) else tuple(grad_outputs)
    n_out = len(grad_outputs)
    diff_inputs = {i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad}
    diff_grads = {i for i, g in enumerate(grad_outputs) if g.requires_grad}

    def first_derivatives(*args):
        with enable_grad():
            xs = tuple(x.requires_grad_() if i in diff_inputs else x for i, x in enumerate(args[:-n_out]))
            outs = tuple(o for o in _outputs(func, xs) if isinstance(o, Tensor) and o.requires_grad)
            gs = tuple(g.requires_grad_() if i in diff_grads else g for i, g in enumerate(args[-n_out:]))
            wrt = tuple(x for i, x in enumerate(xs) if i in diff_inputs)
            grads = grad(outs, wrt, gs, create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_derivatives, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, nondet_tol=nondet_tol, check_undefined_grad=check_undefined_grad,
                     check_grad_dtypes=check_grad_dtypes, check_batched_grad=check_batched_grad,
                     fast_mode=fast_mode, masked=masked)
