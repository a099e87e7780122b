"""The backward engine: torch's execution order, without recursion.

1. Count, for every node reachable from the roots, how many edges lead into it.
2. Keep a heap of ready nodes keyed on sequence number, largest first (the node
   created last runs first; AccumulateGrad has the largest possible number and
   so runs as soon as it is ready).
3. Run a node, add each produced grad into its target's input buffer in arrival
   order (the same order, hence the same rounding, as torch), and push targets
   whose count reaches zero.
"""
from __future__ import annotations

import heapq

from .graph import AccumulateGrad, Node

__all__ = ["run_backward"]


def _count_dependencies(roots: list[Node]) -> dict[Node, int]:
    deps: dict[Node, int] = {}
    seen = set(roots)
    stack = list(roots)
    while stack:
        node = stack.pop()
        for nxt, _ in node._next:
            if nxt is None:
                continue
            deps[nxt] = deps.get(nxt, 0) + 1
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return deps


def _needed_nodes(roots: list[Node], targets: set[Node]) -> set[Node]:
    """The nodes on some path from a root to a target (the only ones autograd.grad must run)."""
    parents: dict[Node, list[Node]] = {}
    seen = set(roots)
    stack = list(roots)
    while stack:
        node = stack.pop()
        for nxt, _ in node._next:
            if nxt is None:
                continue
            parents.setdefault(nxt, []).append(node)
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    needed = set()
    stack = [t for t in targets if t in seen]
    while stack:
        node = stack.pop()
        if node in needed:
            continue
        needed.add(node)
        stack.extend(parents.get(node, ()))
    return needed


def run_backward(roots: list[tuple[Node, int, object]], retain_graph: bool,
                 capture: dict | None = None, accumulate: bool = True) -> None:
    """Run the graph below ``roots`` ((node, output_nr, grad) triples).

    ``capture`` maps (node, output_nr) to a list that receives the grad flowing
    into that output instead of (for leaves) accumulating it: this is how
    ``autograd.grad`` and ``backward(inputs=...)`` read grads.
    """
    root_nodes = []
    buffers: dict[Node, list] = {}
    for node, nr, grad in roots:
        buf = buffers.get(node)
        if buf is None:
            buf = buffers[node] = [None] * node._num_outputs
            root_nodes.append(node)
        buf[nr] = grad if buf[nr] is None else buf[nr] + grad
    deps = _count_dependencies(root_nodes)
    needed = None
    if capture is not None:
        needed = _needed_nodes(root_nodes, {n for n, _ in capture})
    heap = [(-n._seq, id(n), n) for n in root_nodes if deps.get(n, 0) == 0]
    heapq.heapify(heap)
    try:
        while heap:
            node = heapq.heappop(heap)[2]
            grads = buffers.pop(node)
            if capture is not None:
                for i, g in enumerate(grads):
                    slot = capture.get((node, i))
                    if slot is not None:
                        if node._tensor_pre_hooks and i in node._tensor_pre_hooks and g is not None:
                            from .graph import _apply_tensor_hooks
                            g = _apply_tensor_hooks(node._tensor_pre_hooks[i], g)
                        slot.append(g)
                if type(node) is AccumulateGrad and (not accumulate or (node, 0) in capture):
                    continue
                if node not in needed and type(node) is not AccumulateGrad:
                    continue
                if type(node) is AccumulateGrad and not accumulate:
                    continue
            if all(g is None for g in grads):
                out = (None,) * len(node._next)
            else:
                out = node._run(grads)
                if not retain_graph:
                    node._release()
            for (nxt, nr), g in zip(node._next, out):
                if nxt is None:
                    continue
                if needed is not None and nxt not in needed:
                    continue
                buf = buffers.get(nxt)
                if buf is None:
                    buf = buffers[nxt] = [None] * nxt._num_outputs
                if g is not None:
                    old = buf[nr]
                    buf[nr] = g if old is None else old + g
                left = deps[nxt] - 1
                deps[nxt] = left
                if left == 0:
                    heapq.heappush(heap, (-nxt._seq, id(nxt), nxt))
    finally:
        buffers.clear()
