"""``ember.func``: torch.func's function transforms on ember's autograd.

``grad``/``vjp``/``jacrev``/``jacfwd``/``hessian`` differentiate with ``autograd.grad(create_graph=True)``, so
they compose; ``vmap`` calls the function once per batch element and stacks the results (see ``_vmap``);
``jvp``/``linearize`` use the double-vjp trick (no forward mode); ``functional_call`` runs a module with given
parameters and buffers.
"""
from __future__ import annotations

from ._functional_call import functional_call, stack_module_state
from ._batch_norm_replacement import replace_all_batch_norm_modules_
from ._functionalize import debug_unwrap, functionalize
from ._grad import grad, grad_and_value, hessian, jacfwd, jacrev, vjp
from ._jvp import jvp, linearize
from ._vmap import vmap

__all__ = ["grad", "grad_and_value", "vmap", "replace_all_batch_norm_modules_", "functionalize", "hessian",
           "jacfwd", "jacrev", "jvp", "linearize", "vjp", "functional_call", "stack_module_state", "debug_unwrap"]
