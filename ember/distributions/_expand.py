"""torch's ``expand`` for the element-wise families: every parameter expanded to the new batch shape."""
from __future__ import annotations

from ember import Size


def expand_params(self, cls, names: tuple[str, ...], batch_shape, _instance):
    new = self._get_checked_instance(cls, _instance)
    batch_shape = Size(batch_shape)
    for name in names:
        setattr(new, name, getattr(self, name).expand(batch_shape))
    super(cls, new).__init__(batch_shape, validate_args=False)
    new._validate_args = self._validate_args
    return new
