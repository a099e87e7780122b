"""The backward engine: torch's execution order, without recursion.

1. Count, for every node reachable from the roots, how many edges lead into it.
2. Keep a heap of ready nodes keyed on sequence number, largest first (the node
   created last runs first).
3. Run a node, add each produced grad into its target's input buffer in arrival
   order (the same order, hence the same rounding, as torch), and push targets
   whose count reaches zero.

Leaves: an edge to a leaf tensor holds the tensor itself. torch gives a leaf's
AccumulateGrad the largest sequence number, so it runs the moment its count
reaches zero; here the grad is accumulated at that same moment, directly,
without building an AccumulateGrad object per backward.

Vertices (nodes and leaf tensors) are keyed by ``id()``: a tensor's own hash is
a Python-level method (torch hashes tensors by id but compares them elementwise).
"""
from __future__ import annotations

from heapq import heappop, heappush
from itertools import repeat

import numpy as np

from .graph import Node, _apply_tensor_hooks

__all__ = ["run_backward", "run_single", "ones_like"]


def _graph(roots: list, with_parents: bool):
    """Dependency counts of every reachable vertex by id (and, if asked, each one's parents)."""
    deps: dict[int, int] = {}
    parents: dict | None = {} if with_parents else None
    seen = {id(r) for r in roots}
    stack = [r for r in roots if isinstance(r, Node)]
    while stack:
        node = stack.pop()
        for nxt, _ in node._next:
            if nxt is None:
                continue
            key = id(nxt)
            deps[key] = deps.get(key, 0) + 1
            if with_parents:
                parents.setdefault(key, []).append(node)
            if key not in seen:
                seen.add(key)
                if isinstance(nxt, Node):
                    stack.append(nxt)
    return deps, parents, seen


def _needed(parents: dict, seen: set, target_ids) -> set[int]:
    """The ids of the vertices on some path from a root to a target: the only ones autograd.grad runs."""
    needed: set[int] = set()
    stack = [k for k in target_ids if k in seen]
    while stack:
        key = stack.pop()
        if key in needed:
            continue
        needed.add(key)
        stack.extend(id(p) for p in parents.get(key, ()))
    return needed


def _leaf(t, grad, capture: dict | None, accumulate: bool) -> None:
    """A leaf's grad is complete: hand it to autograd.grad, or accumulate it into ``.grad``."""
    if capture is not None:
        slot = capture.get((id(t), 0))
        if slot is not None:
            hooks = t._hooks
            slot.append(_apply_tensor_hooks(hooks, grad) if hooks and grad is not None else grad)
            return
    if not accumulate or grad is None:
        return
    hooks = t._hooks
    if hooks:
        grad = _apply_tensor_hooks(hooks, grad)
    t._accumulate_grad(grad)
    acc = t._acc() if t._acc is not None else None
    if acc is not None and acc._post_hooks:
        for hook in list(acc._post_hooks.values()):
            hook((), (t.grad,))


def run_backward(roots: list, retain_graph: bool, capture: dict | None = None, accumulate: bool = True) -> None:
    """Run the graph below ``roots`` ((node or leaf tensor, output_nr, grad) triples).

    ``capture`` maps (id of a node or leaf, output_nr) to a list that receives
    the grad flowing into that output instead of accumulating it: this is how
    ``autograd.grad`` and ``backward(inputs=...)`` read grads.
    """
    if capture is None and accumulate and len(roots) == 1:
        root, nr, grad = roots[0]
        if isinstance(root, Node):
            run_single(root, nr, grad, retain_graph)
            return
    walk(roots, retain_graph, capture, accumulate, _run_node, _leaf, _capture)


def _run_node(node: Node, grads: list) -> tuple:
    return node._run(grads)


def walk(roots: list, retain_graph: bool, capture: dict | None, accumulate: bool, run, leaf, capture_into) -> None:
    """The general walk, shared with the create_graph engine (graph_engine.py), which passes Tensor-level
    ``run(node, grads)``, ``leaf(tensor, grad, capture, accumulate)`` and ``capture_into(node, grads, capture)``."""
    root_nodes = []
    buffers: dict[int, list] = {}
    for node, nr, grad in roots:
        buf = buffers.get(id(node))
        if buf is None:
            buf = buffers[id(node)] = [None] * node._num_outputs if isinstance(node, Node) else [None]
            root_nodes.append(node)
        buf[nr] = grad if buf[nr] is None else buf[nr] + grad
    deps, parents, seen = _graph(root_nodes, capture is not None)
    needed = None if capture is None else _needed(parents, seen, {k for k, _ in capture})
    heap = []
    for n in root_nodes:
        if id(n) not in deps:
            if isinstance(n, Node):
                heap.append((-n._seq, id(n), n))
            else:
                leaf(n, buffers.pop(id(n))[0], capture, accumulate)
    heap.sort()
    get = buffers.get
    while heap:
        node = heappop(heap)[2]
        grads = buffers.pop(id(node))
        if capture is not None:
            capture_into(node, grads, capture)
        for g in grads:
            if g is not None:
                out = run(node, grads)
                if not retain_graph:
                    node._release()
                break
        else:
            out = (None,) * len(node._next)
        for (nxt, nr), g in zip(node._next, out):
            if nxt is None:
                continue
            key = id(nxt)
            if needed is not None and key not in needed:
                continue
            buf = get(key)
            if buf is None:
                buf = buffers[key] = [None] * nxt._num_outputs if isinstance(nxt, Node) else [None]
            if g is not None:
                old = buf[nr]
                buf[nr] = g if old is None else old + g
            left = deps[key] - 1
            deps[key] = left
            if left == 0:
                if isinstance(nxt, Node):
                    heappush(heap, (-nxt._seq, key, nxt))
                else:
                    leaf(nxt, buffers.pop(key)[0], capture, accumulate)


def _capture(node: Node, grads: list, capture: dict) -> None:
    key = id(node)
    for i, g in enumerate(grads):
        slot = capture.get((key, i))
        if slot is not None:
            hooks = node._tensor_pre_hooks
            if hooks and i in hooks and g is not None:
                g = _apply_tensor_hooks(hooks[i], g)
            slot.append(g)


_NO_GRADS = repeat(None)  # zip() with a node's edges stops at the edges: one None per edge, no tuple built


def _counts(root: Node) -> dict[int, int]:
    """``_graph`` for one root node: with a single root, the first edge into a vertex is the one that
    discovers it (the root itself has no incoming edge in a DAG), so one dict serves as the seen-set."""
    deps: dict[int, int] = {}
    get = deps.get
    stack = [root]
    pop = stack.pop
    push = stack.append
    while stack:
        for nxt, _ in pop()._next:
            if nxt is not None:
                key = id(nxt)
                n = get(key)
                if n is None:
                    deps[key] = 1
                    if isinstance(nxt, Node):
                        push(nxt)
                else:
                    deps[key] = n + 1
    return deps


def run_single(root: Node, nr: int, grad, retain_graph: bool) -> None:
    """``run_backward`` for one root node, accumulating into leaves: what ``loss.backward()`` runs.

    The same walk and the same order of additions as the general loop, with less bookkeeping: a ready
    node's input buffer rides on the heap with it; the last edge into a vertex (the only one, in a chain)
    hands its grad on without a buffer in ``buffers``; built-in nodes without hooks are called directly.
    """
    deps = _counts(root)
    buf = [None] * root._num_outputs
    buf[nr] = grad
    # (-sequence_nr, id, node, grads): sequence numbers are unique, so the node is never compared
    heap = [(0, 0, root, buf)]
    buffers: dict[int, list] = {}
    take = buffers.pop
    while heap:
        _, _, node, grads = heappop(heap)
        for g in grads:
            if g is not None:
                if node._fast:
                    out = node._fn.backward(node, *grads)
                    if type(out) is not tuple:
                        out = (out,)
                else:
                    out = node._run(grads)  # hooks, retain_grad, custom Functions; raises if already freed
                if not retain_graph and node._saved:  # a node that saved nothing may run again, as in torch
                    node._saved = None
                    node._versions = ()
                    node._released = True
                    node._fast = False
                break
        else:
            out = _NO_GRADS
        for (nxt, nr), g in zip(node._next, out):
            if nxt is None:
                continue
            key = id(nxt)
            left = deps[key]
            if left == 1:
                # the last edge into nxt: its grads are complete
                buf = take(key, None)
                if buf is None:
                    if isinstance(nxt, Node):
                        n_out = nxt._num_outputs
                        if n_out == 1:
                            buf = [g]
                        else:
                            buf = [None] * n_out
                            buf[nr] = g
                        heappush(heap, (-nxt._seq, key, nxt, buf))
                    elif g is not None:
                        _leaf_plain(nxt, g)
                    continue
                if g is not None:
                    old = buf[nr]
                    buf[nr] = g if old is None else old + g
                if isinstance(nxt, Node):
                    heappush(heap, (-nxt._seq, key, nxt, buf))
                elif buf[0] is not None:
                    _leaf_plain(nxt, buf[0])
            else:
                deps[key] = left - 1
                buf = buffers.get(key)
                if buf is None:
                    buf = buffers[key] = [None] * nxt._num_outputs if isinstance(nxt, Node) else [None]
                if g is not None:
                    old = buf[nr]
                    buf[nr] = g if old is None else old + g


def _leaf_plain(t, grad) -> None:
    if t._hooks is None and t._acc is None:
        t._accumulate_grad(grad)
    else:
        _leaf(t, grad, None, True)


_ONES: dict = {}  # (shape, dtype) -> read-only array of ones, for the implicit grad of a scalar root


def ones_like(arr: np.ndarray) -> np.ndarray:
    """A fresh writable array of ones with ``arr``'s shape and dtype (``np.ones`` is a Python-level
    function, several times slower than copying a cached template for these one-element roots)."""
    key = (arr.shape, arr.dtype)
    one = _ONES.get(key)
    if one is None:
        one = np.ones(arr.shape, arr.dtype)
        one.flags.writeable = False
        if arr.size == 1:  # only ever called for scalar roots: a bounded set of shapes
            _ONES[key] = one
    return one.copy()
