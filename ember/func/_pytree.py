"""Nested containers of tensors ("pytrees") as torch.utils._pytree sees them, for the function transforms.

Containers are tuple, list, dict, OrderedDict and namedtuple; everything else (tensors, numbers, None) is a
leaf. ``TreeSpec`` prints as torch's does, because torch quotes it in vmap's structure errors.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Any, Callable

__all__ = ["TreeSpec", "LEAF", "tree_flatten", "tree_unflatten", "tree_leaves", "tree_map",
           "broadcast_to_and_flatten", "treespec_pprint"]


def _is_namedtuple(x: Any) -> bool:
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def _node_kind(x: Any) -> str | None:
    t = type(x)
    if t is tuple:
        return "tuple"
    if t is list:
        return "list"
    if t is dict:
        return "dict"
    if t is OrderedDict:
        return "OrderedDict"
    if _is_namedtuple(x):
        return "namedtuple"
    return None


class TreeSpec:
    """The shape of a pytree: the container type, its context (dict keys, namedtuple class), children."""

    __slots__ = ("kind", "context", "children", "num_leaves")

    def __init__(self, kind: str | None, context: Any = None, children: list[TreeSpec] | None = None) -> None:
        self.kind = kind
        self.context = context
        self.children = children or []
        self.num_leaves = 1 if kind is None else sum(c.num_leaves for c in self.children)

    def is_leaf(self) -> bool:
        return self.kind is None

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, TreeSpec) and self.kind == other.kind and self.context == other.context
                and self.children == other.children)

    def __hash__(self) -> int:
        return hash((self.kind, len(self.children)))

    def __repr__(self, indent: int = 0) -> str:
        # torch/utils/_pytree.py TreeSpec.__repr__: children after the first go on new lines, indented by 2/level
        if self.kind is None:
            return "*"
        context = self.context
        if self.kind in ("dict", "OrderedDict"):
            context = list(context)
        text = f"TreeSpec({self.kind}, {context}, ["
        if self.children:
            indent += 2
            text += self.children[0].__repr__(indent)
            text += "," if len(self.children) > 1 else ""
            text += ",".join("\n" + " " * indent + c.__repr__(indent) for c in self.children[1:])
        return text + "])"


LEAF = TreeSpec(None)


def _children(x: Any, kind: str) -> tuple[list, Any]:
    if kind in ("dict", "OrderedDict"):
        return list(x.values()), list(x.keys())
    if kind == "namedtuple":
        return list(x), type(x)
    return list(x), None


def tree_flatten(tree: Any) -> tuple[list, TreeSpec]:
    """The leaves in order (dicts in insertion order) and the structure that puts them back."""
    leaves: list = []

    def walk(x: Any) -> TreeSpec:
        kind = _node_kind(x)
        if kind is None:
            leaves.append(x)
            return LEAF
        items, context = _children(x, kind)
        return TreeSpec(kind, context, [walk(c) for c in items])

    spec = walk(tree)
    return leaves, spec


def tree_unflatten(leaves: list, spec: TreeSpec) -> Any:
    it = iter(leaves)

    def build(s: TreeSpec) -> Any:
        if s.kind is None:
            return next(it)
        items = [build(c) for c in s.children]
        if s.kind == "tuple":
            return tuple(items)
        if s.kind == "list":
            return items
        if s.kind == "dict":
            return dict(zip(s.context, items))
        if s.kind == "OrderedDict":
            return OrderedDict(zip(s.context, items))
        return s.context(*items)

    return build(spec)


def tree_leaves(tree: Any) -> list:
    return tree_flatten(tree)[0]


def tree_map(fn: Callable[[Any], Any], tree: Any) -> Any:
    leaves, spec = tree_flatten(tree)
    return tree_unflatten([fn(x) for x in leaves], spec)


def broadcast_to_and_flatten(prefix: Any, spec: TreeSpec) -> list | None:
    """One value per leaf of ``spec``: a leaf of ``prefix`` covers the whole subtree at its place (how in_dims
    and out_dims are read). None when ``prefix`` is not a prefix of the structure."""
    out: list = []

    def walk(p: Any, s: TreeSpec) -> bool:
        kind = _node_kind(p)
        if kind is None:
            out.extend([p] * s.num_leaves)
            return True
        if kind != s.kind:
            return False
        items, context = _children(p, kind)
        if len(items) != len(s.children):
            return False
        if kind in ("dict", "OrderedDict"):
            if set(context) != set(s.context):
                return False
            by_key = dict(zip(context, items))
            items = [by_key[k] for k in s.context]
        elif kind == "namedtuple" and context is not s.context:
            return False
        return all(walk(p_i, s_i) for p_i, s_i in zip(items, s.children))

    return out if walk(prefix, spec) else None


def treespec_pprint(spec: TreeSpec) -> str:
    """The structure written as the container itself with ``*`` for leaves (torch's treespec_pprint)."""
    if spec.kind is None:
        return "*"
    parts = [treespec_pprint(c) for c in spec.children]
    if spec.kind == "tuple":
        return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"
    if spec.kind == "list":
        return "[" + ", ".join(parts) + "]"
    if spec.kind == "dict":
        return "{" + ", ".join(f"{k!r}: {p}" for k, p in zip(spec.context, parts)) + "}"
    if spec.kind == "OrderedDict":
        return "OrderedDict([" + ", ".join(f"({k!r}, {p})" for k, p in zip(spec.context, parts)) + "])"
    return f"{spec.context.__name__}(" + ", ".join(f"{f}={p}" for f, p in zip(spec.context._fields, parts)) + ")"
