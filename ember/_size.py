"""``Size``: the shape type, a tuple that prints as ``torch.Size([2, 3])``."""
from __future__ import annotations

__all__ = ["Size"]


class Size(tuple):
    """A tensor's shape: a tuple of ints with torch's repr."""

    def __new__(cls, sizes=()):
        items = []
        for i, s in enumerate(sizes):
            try:  # ints, bools, NumPy ints and one-element integer tensors
                items.append(s.__index__())
            except (AttributeError, TypeError):
                raise TypeError(f"torch.Size() takes an iterable of 'int' (item {i} is '{type(s).__name__}')") from None
        return super().__new__(cls, items)

    def __repr__(self) -> str:
        return f"torch.Size([{', '.join(str(s) for s in self)}])"

    __str__ = __repr__

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, item):
        r = tuple.__getitem__(self, item)
        return Size(r) if isinstance(item, slice) else r

    def __add__(self, other):
        if not isinstance(other, tuple):
            raise TypeError(f"can only concatenate tuple (not {type(other).__name__}) to torch.Size")
        return Size(tuple(self) + tuple(other))

    def __radd__(self, other):
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple(other) + tuple(self))

    def __mul__(self, n):
        return Size(tuple(self) * n)

    __rmul__ = __mul__

    def __reduce__(self):
        return (Size, (tuple(self),))
