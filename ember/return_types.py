"""Named tuples returned by ops such as ``max(dim)`` and ``sort`` (``torch.return_types``)."""
from __future__ import annotations

__all__ = ["max", "min", "sort", "topk", "kthvalue", "median", "mode", "var_mean", "std_mean", "aminmax",
           "nanmedian", "cummax", "cummin", "histogram"]


def _make(name: str, fields: tuple[str, ...]) -> type:
    def __new__(cls, values):
        values = tuple(values)
        if len(values) != len(fields):
            raise TypeError(f"torch.return_types.{name} takes a {len(fields)}-sequence")
        return tuple.__new__(cls, values)

    def __repr__(self) -> str:
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(fields, self))
        return f"torch.return_types.{name}(\n{body})"

    def __reduce__(self):
        return (cls_ref, (tuple(self),))

    ns = {"__new__": __new__, "__repr__": __repr__, "__reduce__": __reduce__, "__slots__": (),
          "_fields": fields, "__module__": "torch.return_types"}
    for i, f in enumerate(fields):
        ns[f] = property(lambda self, i=i: tuple.__getitem__(self, i))
    cls_ref = type(name, (tuple,), ns)
    return cls_ref


max = _make("max", ("values", "indices"))
min = _make("min", ("values", "indices"))
sort = _make("sort", ("values", "indices"))
topk = _make("topk", ("values", "indices"))
kthvalue = _make("kthvalue", ("values", "indices"))
median = _make("median", ("values", "indices"))
mode = _make("mode", ("values", "indices"))
aminmax = _make("aminmax", ("min", "max"))
nanmedian = _make("nanmedian", ("values", "indices"))
cummax = _make("cummax", ("values", "indices"))
cummin = _make("cummin", ("values", "indices"))
histogram = _make("histogram", ("hist", "bin_edges"))
var_mean = tuple
std_mean = tuple
