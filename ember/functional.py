"""Shape helpers that torch keeps in ``torch.functional``: broadcast_shapes, broadcast_tensors."""
from __future__ import annotations

from ._size import Size
from ._tensor import Tensor

__all__ = ["broadcast_shapes", "broadcast_tensors"]


def broadcast_shapes(*shapes) -> Size:
    """The shape that all ``shapes`` broadcast to, with torch's error when they cannot."""
    norm = [(s,) if isinstance(s, int) else tuple(s) for s in shapes]
    result: list[int] = []
    for k, shape in enumerate(norm):
        for i in range(1, len(shape) + 1):
            n = shape[-i]
            if i > len(result):
                result.insert(0, n)
            elif result[-i] == 1:
                result[-i] = n
            elif n != 1 and n != result[-i]:
                raise RuntimeError(
                    f"Attempting to broadcast a dimension of length {n} at {-i}! Mismatching argument at index {k} "
                    f"had {shape}; but expected shape should be broadcastable to [{', '.join(map(str, result))}]")
    return Size(result)


def broadcast_tensors(*tensors: Tensor) -> tuple[Tensor, ...]:
    """Expanded views of ``tensors`` with one common shape."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    shape = tuple(broadcast_shapes(*[t.shape for t in tensors]))
    # an input that already has the shape comes back itself, as in torch (no ExpandBackward0 node)
    return tuple(t if tuple(t.shape) == shape else t.expand(shape) for t in tensors)
