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


def gradgradcheck(func: Callable, inputs: Any, grad_outputs: Any = None, **kwargs) -> bool:
    """Second-order check: needs a backward pass that is itself differentiable (create_graph=True)."""
    raise NotImplementedError("gradgradcheck needs double backward (create_graph=True), which ember does not "
                              "support yet")
