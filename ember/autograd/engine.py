"""The backward engine: torch's execution order, without recursion.

1. Count, for every node reachable from the roots, how many edges lead into it.
2. Keep a heap of ready nodes keyed on sequence number, largest first (the node
   created last runs first; AccumulateGrad has the largest possible number and
   so runs as soon as it is ready).
3. Run a node, add each produced grad into its target's input buffer in arrival
   order (the same order, hence the same rounding, as torch), and push targets
   whose count reaches zero.

An edge to a leaf tensor holds the tensor itself (creating its AccumulateGrad
for every forward op would cost more than the op); it is resolved here.
"""
from __future__ import annotations

from heapq import heappop, heappush

from .graph import AccumulateGrad, Node, _apply_tensor_hooks

__all__ = ["run_backward"]


def _graph(roots: list[Node], with_parents: bool):
    """Dependency counts of every reachable node (and, if asked, each node's parents)."""
    deps: dict[Node, int] = {}
    parents: dict[Node, list[Node]] | None = {} if with_parents else None
    seen = set(roots)
    stack = list(roots)
    while stack:
        node = stack.pop()
        for nxt, _ in node._next:
            if nxt is None:
                continue
            if not isinstance(nxt, Node):
                nxt = nxt._grad_accumulator()
            deps[nxt] = deps.get(nxt, 0) + 1
            if with_parents:
                parents.setdefault(nxt, []).append(node)
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return deps, parents, seen


def _needed(parents: dict, seen: set, targets) -> set[Node]:
    """The nodes on some path from a root to a target: the only ones autograd.grad must run."""
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
    deps, parents, seen = _graph(root_nodes, capture is not None)
    needed = None if capture is None else _needed(parents, seen, {n for n, _ in capture})
    heap = [(-n._seq, id(n), n) for n in root_nodes if n not in deps]
    heap.sort()
    while heap:
        node = heappop(heap)[2]
        grads = buffers.pop(node)
        if capture is not None:
            _capture(node, grads, capture)
            if type(node) is AccumulateGrad and (not accumulate or (node, 0) in capture):
                continue
        for g in grads:
            if g is not None:
                out = node._run(grads)
                if not retain_graph:
                    node._saved = None
                    node._released = True
                break
        else:
            out = (None,) * len(node._next)
        for (nxt, nr), g in zip(node._next, out):
            if nxt is None:
                continue
            if not isinstance(nxt, Node):
                nxt = nxt._grad_accumulator()
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
                heappush(heap, (-nxt._seq, id(nxt), nxt))


def _capture(node: Node, grads: list, capture: dict) -> None:
    for i, g in enumerate(grads):
        slot = capture.get((node, i))
        if slot is not None:
            hooks = node._tensor_pre_hooks
            if hooks and i in hooks and g is not None:
                g = _apply_tensor_hooks(hooks[i], g)
            slot.append(g)
