"""``vmap``: map a function over a dimension of its inputs.

Deliberate difference from torch: torch pushes the batch dimension into every operator (batching rules), so
``func`` runs once. ember runs ``func`` once per batch element -- on ``x.select(in_dim, i)`` for each batched
input -- and stacks the results along ``out_dim``. Values agree with torch up to float rounding (a batched
matmul and B row-by-row matmuls may round differently); the cost is B Python-level calls of ``func`` instead
of one vectorised call. Nested vmap, vmap of grad (per-sample gradients) and vmap over module state
(ensembles) all work, because each element is an ordinary call; the result is differentiable through the
stacking. Being ordinary calls, they also allow what torch's vmap rejects inside ``func``: ``.item()`` and
Python control flow on tensor values.

Randomness: ``'error'`` raises torch's error when ``func`` draws from the default generator (seen as a change
of its state); ``'same'`` restarts every element from the same generator state, so each element draws the same
numbers, as torch's single unbatched draw does; ``'different'`` lets the elements draw one after the other.
torch instead draws once for the whole batch, so ``'different'`` gives torch's numbers only when element-wise
draws consume the stream in the same order as one batched draw (e.g. ``rand``/``dropout`` with in_dim 0).
Only the default generator is watched and reset: draws from a ``generator=`` passed explicitly are not seen.
"""
from __future__ import annotations

import contextlib
import functools
from typing import Any, Callable, Iterator

from .._tensor import Tensor
from ._pytree import broadcast_to_and_flatten, tree_flatten, tree_leaves, tree_unflatten

__all__ = ["vmap"]

_RANDOM_ERROR = ("vmap: called random operation while in randomness error mode. Please either use the 'same' or "
                 "'different' randomness flags on vmap or perform the randomness operation out of vmap")


def _check_randomness_arg(randomness: str) -> None:
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or 'same'. Got {randomness}")


@contextlib.contextmanager
def _random_guard(active: bool) -> Iterator[None]:
    """Raise torch's randomness error if the body drew from the default generator (the draw is undone)."""
    if not active:
        yield
        return
    from .._rng.generator import default_generator
    before = default_generator.get_state()
    yield
    if default_generator.get_state()._data.tobytes() != before._data.tobytes():
        default_generator.set_state(before)
        raise RuntimeError(_RANDOM_ERROR)


def _get_name(func: Callable) -> str:
    if hasattr(func, "__name__"):
        return func.__name__
    if isinstance(func, functools.partial):
        return f"functools.partial({_get_name(func.func)}, ...)"
    return repr(func)


def _check_out_dims(out_dims: Any, func: Callable) -> None:
    for x in tree_leaves(out_dims):
        if not (x is None or isinstance(x, int)):
            raise ValueError(f"vmap({_get_name(func)}, ..., out_dims={out_dims}): `out_dims` must be an int, None or "
                             "a python collection of ints representing where in the outputs the vmapped dimension "
                             "should appear.")


def _batched_inputs(in_dims: Any, args: tuple, func: Callable) -> tuple[int, list, list, Any]:
    name = _get_name(func)
    if not isinstance(in_dims, (int, tuple)):
        raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): expected `in_dims` to be int or a "
                         f"(potentially nested) tuple matching the structure of inputs, got: {type(in_dims)}.")
    if len(args) == 0:
        raise ValueError(f"vmap({name})(<inputs>): got no inputs. Maybe you forgot to add inputs, or you are trying "
                         "to vmap over a function with no inputs. The latter is unsupported.")
    flat_args, spec = tree_flatten(args)
    flat_dims = broadcast_to_and_flatten(in_dims, spec)
    if flat_dims is None:
        raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): in_dims is not compatible with the "
                         f"structure of `inputs`. in_dims has structure {tree_flatten(in_dims)[1]} but inputs has "
                         f"structure {spec}.")
    for i, (arg, d) in enumerate(zip(flat_args, flat_dims)):
        if d is not None and not isinstance(d, int):
            raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): Got in_dim={d} for an input but "
                             "in_dim must be either an integer dimension or None.")
        if isinstance(d, int) and not isinstance(arg, Tensor):
            raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): Got in_dim={d} for an input but the "
                             f"input is of type {type(arg)}. We cannot vmap over non-Tensor arguments, please use "
                             "None as the respective in_dim")
        if d is not None and not -arg.dim() <= d < arg.dim():
            raise ValueError(f"vmap({name}, in_dims={in_dims}, ...)(<inputs>): Got in_dim={d} for some input, but "
                             f"that input is a Tensor of dimensionality {arg.dim()} so expected in_dim to satisfy "
                             f"-{arg.dim()} <= in_dim < {arg.dim()}.")
        if d is not None and d < 0:
            flat_dims[i] = d % arg.dim()
    sizes = [arg.size(d) for arg, d in zip(flat_args, flat_dims) if d is not None]
    if not sizes:
        raise ValueError("vmap: Expected at least one Tensor to vmap over")
    if any(s != sizes[0] for s in sizes):
        raise ValueError("vmap: Expected all tensors to have the same size in the mapped dimension, got sizes "
                         f"{sizes} for the mapped dimension")
    return sizes[0], flat_dims, flat_args, spec


def _identical(a: Tensor, b: Any) -> bool:
    import numpy as np
    return a is b or (isinstance(b, Tensor) and a.shape == b.shape and a.dtype == b.dtype
                      and np.array_equal(a._data, b._data, equal_nan=True))


def _stack_outputs(outs: list, out_dims: Any, func: Callable, empty: bool = False) -> Any:
    from .._ops.shape import stack
    name = _get_name(func)
    flat0, spec = tree_flatten(outs[0])

    def incompatible() -> None:
        raise ValueError(f"vmap({name}, ..., out_dims={out_dims})(<inputs>): out_dims is not compatible with the "
                         f"structure of `outputs`. out_dims has structure {tree_flatten(out_dims)[1]} but outputs "
                         f"has structure {spec}.")

    if isinstance(outs[0], Tensor):
        if isinstance(out_dims, int) or out_dims is None:
            flat_dims = [out_dims]
        elif isinstance(out_dims, tuple) and len(out_dims) == 1:
            flat_dims = list(out_dims)
        else:
            incompatible()
    else:
        flat_dims = broadcast_to_and_flatten(out_dims, spec)
        if flat_dims is None:
            incompatible()
    per_element = [flat0]
    for o in outs[1:]:
        flat, other = tree_flatten(o)
        if other != spec:  # only possible with per-element calls: torch's single call has one structure
            raise ValueError(f"vmap({name}, ...): `{name}` returned outputs of different structures for different "
                             f"batch elements: {spec} and {other}.")
        per_element.append(flat)
    results = []
    for k, d in enumerate(flat_dims):
        leaves = [f[k] for f in per_element]
        if d is None:
            # torch requires such an output to be unbatched; ember sees only per-element results, so it raises
            # when they differ and otherwise returns element 0's
            if isinstance(leaves[0], Tensor) and not all(_identical(leaves[0], x) for x in leaves[1:]):
                raise ValueError(f"vmap({name}, ...): `{name}` can not return a BatchedTensor when out_dim is None")
            results.append(leaves[0])
            continue
        if not isinstance(leaves[0], Tensor):
            raise ValueError(f"vmap({name}, ...): `{name}` must only return Tensors, got type {type(leaves[0])}. "
                             "Did you mean to set out_dims= to None for output?")
        out = stack(leaves, dim=d)
        results.append(out.narrow(d, 0, 0) if empty else out)
    return tree_unflatten(results, spec)


def _empty_batch(func: Callable, flat_dims: list, flat_args: list, spec: Any, out_dims: Any, randomness: str,
                 kwargs: dict) -> Any:
    """A batch of size 0: there is no element to call ``func`` on, so it runs once on zeros shaped like one
    element (to learn the output shapes; random draws are undone) and the outputs get a batch dim of 0."""
    from .._creation import zeros
    from .._rng.generator import default_generator
    elem = [a if d is None else zeros(a.shape[:d] + a.shape[d + 1:], dtype=a.dtype)
            for a, d in zip(flat_args, flat_dims)]
    state = default_generator.get_state()
    try:
        with _random_guard(randomness == "error"):
            out = func(*tree_unflatten(elem, spec), **kwargs)
    finally:
        default_generator.set_state(state)
    return _stack_outputs([out], out_dims, func, empty=True)


def _vmap_call(func: Callable, in_dims: Any, out_dims: Any, randomness: str, args: tuple, kwargs: dict) -> Any:
    from .._rng.generator import default_generator
    _check_out_dims(out_dims, func)
    batch_size, flat_dims, flat_args, spec = _batched_inputs(in_dims, args, func)
    if batch_size == 0:
        return _empty_batch(func, flat_dims, flat_args, spec, out_dims, randomness, kwargs)
    start = default_generator.get_state() if randomness == "same" else None
    outs = []
    with _random_guard(randomness == "error"):
        for i in range(batch_size):
            if start is not None and i > 0:
                default_generator.set_state(start)  # every element draws what the first one drew
            elem = [a if d is None else a.select(d, i) for a, d in zip(flat_args, flat_dims)]
            outs.append(func(*tree_unflatten(elem, spec), **kwargs))
    return _stack_outputs(outs, out_dims, func)


def vmap(func: Callable, in_dims: Any = 0, out_dims: Any = 0, randomness: str = "error", *,
         chunk_size: int | None = None) -> Callable:
    """Map ``func`` over dimension ``in_dims`` of its inputs, stacking its outputs along ``out_dims``.

    ``in_dims``/``out_dims``: an int, None (not mapped), or a pytree matching the inputs/outputs whose leaves are
    ints or None. ``chunk_size`` is checked but does not change the values. See the module doc for how ember
    evaluates it (one call of ``func`` per element) and for ``randomness``; see torch.func.vmap for the API.
    """
    _check_randomness_arg(randomness)
    if not (chunk_size is None or chunk_size > 0):
        raise ValueError(f"vmap: chunk_size should be None or greater than 0. (got {chunk_size})")

    @functools.wraps(func)
    def wrapped(*args, **kwargs):
        return _vmap_call(func, in_dims, out_dims, randomness, args, kwargs)
    return wrapped
