"""``Parameter`` (a leaf tensor a Module registers as learnable) and ``Buffer`` (marks module state)."""
from __future__ import annotations

import sys
from typing import Any

import numpy as np

from .. import _dtype as D
from .._tensor import _AUTOGRAD_ATTRS, Tensor

__all__ = ["Parameter", "UninitializedParameter", "is_lazy", "Buffer", "UninitializedBuffer",
           "UninitializedTensorMixin"]


class Parameter(Tensor):
    """A Tensor that ``Module.__setattr__`` files under ``_parameters``; shares memory with ``data``."""

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True):
        if data is None:
            arr = np.empty(0, D._require_storable(D.get_default_dtype()))
        elif isinstance(data, Tensor):
            arr = data._data
        else:
            # torch calls data.detach(): anything but a tensor fails there
            raise AttributeError(f"'{type(data).__name__}' object has no attribute 'detach'")
        if not isinstance(requires_grad, bool):
            # torch hands the flag to Tensor._make_subclass, whose parser takes only a real bool
            raise TypeError("_make_subclass(): argument 'require_grad' (position 3) must be bool, "
                            f"not {type(requires_grad).__name__}")
        if requires_grad and arr.dtype.kind not in "fc":
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        p = object.__new__(cls)
        p._init_from(arr, bool(requires_grad))
        if isinstance(data, Tensor):
            p._vc = data._vc  # same storage, same version counter
        return p

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        pass

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo: dict) -> Parameter:
        # like torch: a fresh copy of the data and the flag; .grad is not carried over
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(Tensor._make(self._data.copy()), bool(self._requires_grad))
        memo[id(self)] = result
        return result

    def __reduce_ex__(self, protocol):
        # attributes the user set on the parameter travel with it (not .grad, not autograd bookkeeping)
        state = {k: v for k, v in self.__dict__.items() if k not in _AUTOGRAD_ATTRS}
        return (_rebuild_parameter, (self._data.copy(), bool(self._requires_grad), state))


def _rebuild_parameter(arr: np.ndarray, requires_grad: bool, state: dict | None = None) -> Parameter:
    p = Parameter(Tensor._make(arr), requires_grad)
    if state:
        p.__dict__.update(state)
    return p


class _BufferMeta(type):
    """``isinstance(t, Buffer)`` is true for the plain tensors that ``Buffer(...)`` returns, as in torch."""

    def __instancecheck__(cls, instance: Any) -> bool:
        if cls is Buffer:
            return isinstance(instance, Tensor) and getattr(instance, "_is_buffer", False)
        return super().__instancecheck__(instance)


class Buffer(Tensor, metaclass=_BufferMeta):
    """Marks a tensor assigned to a Module attribute as a buffer (``torch.nn.Buffer``).

    Like torch, ``Buffer(t)`` returns a plain Tensor (sharing ``t``'s memory)
    tagged with ``_is_buffer`` and ``persistent``; ``Module.__setattr__`` reads
    the tag to register it.
    """

    def __new__(cls, data: Tensor | None = None, *, persistent: bool = True):
        if data is None:
            data = Tensor._make(np.empty(0, D._require_storable(D.get_default_dtype())))
        elif not isinstance(data, Tensor):
            raise AttributeError(f"'{type(data).__name__}' object has no attribute 'detach'")
        t = data.detach()
        t._requires_grad = data._requires_grad
        t.persistent = persistent
        t._is_buffer = True
        return t


# --- uninitialised (lazy) tensors: placeholders whose shape the first forward of a lazy module decides ---------

_SLOT_DATA = Tensor.__dict__["_data"]  # the array's slot, which the lazy classes hide behind a raising property
_open = [0]  # > 0 while an allowed method or property runs: the array may be read then (one counter for all threads)

# torch's UninitializedTensorMixin._allowed_methods, by name: every other Tensor method raises ValueError
_ALLOWED_METHODS = frozenset(("size", "copy_", "is_complex", "is_floating_point", "half", "float", "double", "char",
                              "short", "int", "long", "cuda", "cpu", "to", "get_device"))
# the Tensor dunders that are no tensor operation (the rest raise, as torch's __torch_function__ makes them)
_KEEP_DUNDERS = frozenset(("__module__", "__doc__", "__slots__", "__new__", "__init__", "__dict__", "__weakref__",
                           "__array_priority__", "__hash__", "__repr__", "__reduce_ex__", "__setstate__"))
_EXTRA_DUNDERS = ("__lshift__", "__rlshift__", "__rshift__", "__rrshift__", "__ilshift__", "__irshift__",
                  "__contains__", "__reversed__", "__div__", "__rdiv__", "__array__")


def _use_error(cls: type, where: str) -> ValueError:
    return ValueError(
        f"Attempted to use an uninitialized parameter in {where}. This error happens when you are using a "
        f"`LazyModule` or explicitly manipulating `torch.nn.parameter.{cls.__name__}` objects. When using LazyModules "
        "Call `forward` with a dummy batch to initialize the parameters before calling torch functions")


# what torch's error names for an operator: the TensorBase method it lands in, or the Python function (by qualname)
_OPERATOR_TARGETS = {
    **dict.fromkeys(("__add__", "__radd__"), "add"), **dict.fromkeys(("__mul__", "__rmul__"), "mul"),
    "__sub__": "sub", "__truediv__": "div", "__mod__": "remainder", "__matmul__": "matmul", "__neg__": "neg",
    "__pos__": "positive", "__abs__": "abs", "__rand__": "bitwise_and", "__ror__": "bitwise_or",
    "__rxor__": "bitwise_xor", "__ne__": "ne", "__lt__": "lt", "__le__": "le", "__gt__": "gt", "__ge__": "ge",
    "__iadd__": "add_", "__isub__": "sub_", "__imul__": "mul_", "__itruediv__": "div_",
    "__ifloordiv__": "floor_divide_", "__imod__": "remainder_", "__iter__": "dim", "ndimension": "dim",
    "__pow__": "TensorBase.pow()", "__ipow__": "TensorBase.pow_()", "__rtruediv__": "Tensor.__rdiv__()",
    **{n: f"Tensor.{n}()" for n in ("__rsub__", "__floordiv__", "__rfloordiv__", "__rmod__", "__rpow__",
                                    "__rmatmul__", "__len__", "__array__", "__format__", "__contains__",
                                    "__reversed__", "__array_wrap__", "__deepcopy__")},
}


def _method_repr(name: str) -> str:
    target = _OPERATOR_TARGETS.get(name, name)
    if target.endswith("()"):
        return f"<function {target[:-2]} at 0x{id(UninitializedTensorMixin):x}>"  # an address, as torch prints one
    if name in ("__getitem__", "__setitem__"):
        return f"<slot wrapper '{name}' of 'torch._C.TensorBase' objects>"
    return f"<method '{target}' of 'torch._C.TensorBase' objects>"


# torch.nn.init functions that torch's __torch_function__ intercepts whole; the others fail at their first tensor method
_INTERCEPTED_INIT = frozenset(("uniform_", "normal_", "constant_", "kaiming_uniform_"))


# ember code written in Python as torch's is (Module and optimizer methods, nn.utils): not torch functions
_PYTHON_LEVEL = ("ember.nn.modules", "ember.optim", "ember.nn.utils", "ember.utils")


def _culprit(method: str | None = None) -> str:
    """What torch's error names: the torch function the placeholder reached (ember's own, with its address), else
    the tensor method that failed (``method``) when Python code (the user's, a Module's, an init function's) called
    it directly."""
    frame, outer = sys._getframe(2), None
    while frame is not None:
        module, name = frame.f_globals.get("__name__", ""), frame.f_code.co_name
        if module == __name__ or (module == "ember.nn.init" and name not in _INTERCEPTED_INIT):
            pass  # this file's attribute machinery; init helpers, plain Python over tensor methods
        elif (module == "ember" or module.startswith("ember.")) and not module.startswith(_PYTHON_LEVEL):
            outer = frame  # inside a torch function: keep going out to the one that was called
        else:
            break
        frame = frame.f_back
    if outer is None:
        return _method_repr(method) if method is not None else "<unknown>"
    code = outer.f_code
    fn = outer.f_globals.get(code.co_name)
    return repr(fn) if getattr(fn, "__code__", None) is code else f"<function {code.co_qualname}>"


def _get_data(self: Tensor) -> np.ndarray:
    if _open[0]:
        return _SLOT_DATA.__get__(self)
    raise _use_error(type(self), _culprit())


def _set_data(self: Tensor, arr: np.ndarray) -> None:
    _SLOT_DATA.__set__(self, arr)


_KINDS: dict[tuple[type, str], str | None] = {}


def _kind(cls: type, name: str) -> str | None:
    """How a public attribute of an uninitialised tensor behaves: 'property' and 'allowed' work, 'raise' raises,
    None is the lazy class's own (or no Tensor's) attribute."""
    key = (cls, name)
    if key not in _KINDS:
        kind = None
        for klass in cls.__mro__:
            if name in klass.__dict__:
                if klass is not object and not issubclass(klass, UninitializedTensorMixin):
                    value = klass.__dict__[name]
                    if isinstance(value, property):
                        kind = "property"
                    elif callable(value):
                        kind = "allowed" if name in _ALLOWED_METHODS else "raise"
                break
        _KINDS[key] = kind
    return _KINDS[key]


def _refuse(name: str):
    def method(self, *args: Any, **kwargs: Any) -> Any:
        raise _use_error(type(self), _method_repr(name))
    method.__name__ = name
    return method


class UninitializedTensorMixin:
    """An empty tensor standing for one whose shape is not known yet; ``materialize`` gives it that shape and turns
    it into ``cls_to_become``. Until then only the dtype/device conversions and the properties work (``shape``
    raises RuntimeError); every tensor operation raises ValueError, as torch's ``__torch_function__`` does."""

    __slots__ = ()
    cls_to_become: type
    _data = property(_get_data, _set_data)
    __hash__ = Tensor.__hash__  # kept although __eq__ below refuses

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def __getattribute__(self, name: str) -> Any:
        if name[0] == "_":
            return object.__getattribute__(self, name)
        kind = _kind(type(self), name)
        if kind is None:
            return object.__getattribute__(self, name)
        if kind == "raise":
            cls = type(self)
            where = _culprit(name)  # looked up now: the frames are the caller's

            def refused(*args: Any, **kwargs: Any) -> Any:
                raise _use_error(cls, where)
            return refused
        _open[0] += 1
        try:
            value = object.__getattribute__(self, name)
        finally:
            _open[0] -= 1
        if kind == "property":
            return self._convert(value)

        def allowed(*args: Any, **kwargs: Any) -> Any:
            _open[0] += 1
            try:
                out = value(*args, **kwargs)
            finally:
                _open[0] -= 1
            return self._convert(out)
        return allowed

    def _convert(self, value: Any) -> Any:
        return value

    def materialize(self, shape, device=None, dtype=None) -> None:
        """Give the tensor ``shape`` (uninitialised values; its dtype and device unless given) and make it a
        ``cls_to_become``."""
        from .._creation import empty
        if device is None:
            device = self.data.device
        if dtype is None:
            dtype = self.data.dtype
        self.data = empty(shape, device=device, dtype=dtype)
        self.__class__ = self.cls_to_become

    @property
    def shape(self):
        where = _culprit("shape")
        if not where.startswith("<method"):  # read inside a torch function, which torch refuses before it runs
            raise _use_error(type(self), where)
        raise RuntimeError(
            "Can't access the shape of an uninitialized parameter or buffer. This error usually happens in "
            "`load_state_dict` when trying to load an uninitialized parameter into an initialized one. Call `forward` "
            "to initialize the parameters before accessing their attributes.")

    def share_memory_(self):
        raise RuntimeError("Can't share memory on an uninitialized parameter or buffer. Call `forward` to initialize "
                           "the parameters before calling `module.share_memory()`.")

    def __repr__(self) -> str:
        return f"<{self.__class__.__name__}>"

    def __reduce_ex__(self, proto):
        # like torch: only the flag travels (the dtype and device do not), and no hooks
        return (self.__class__, (self.requires_grad,))


for _name in (*(k for k in vars(Tensor) if k.startswith("__") and k not in _KEEP_DUNDERS), *_EXTRA_DUNDERS):
    setattr(UninitializedTensorMixin, _name, _refuse(_name))
del _name


def is_lazy(param: Any) -> bool:
    """Whether ``param`` is an ``UninitializedParameter`` or ``UninitializedBuffer``."""
    return isinstance(param, UninitializedTensorMixin)


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """A Parameter whose shape is not known yet (a lazy module's weight before its first forward)."""

    cls_to_become = Parameter

    def __new__(cls, requires_grad: bool = True, device=None, dtype=None):
        from .._creation import empty
        return Parameter.__new__(cls, empty(0, device=device, dtype=dtype), requires_grad)

    def __deepcopy__(self, memo: dict) -> UninitializedParameter:
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(self.requires_grad, self.data.device, self.data.dtype)
        memo[id(self)] = result
        return result


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    """A buffer whose shape is not known yet (a lazy batch norm's running statistics before its first forward)."""

    cls_to_become = Tensor

    def __new__(cls, requires_grad: bool = False, device=None, dtype=None, persistent: bool = True):
        from .._creation import empty
        data = empty(0, device=device, dtype=dtype)
        if not isinstance(requires_grad, bool):
            # torch hands the flag to Tensor._make_subclass, whose parser takes only a real bool
            raise TypeError("_make_subclass(): argument 'require_grad' (position 3) must be bool, "
                            f"not {type(requires_grad).__name__}")
        if requires_grad and not (data.dtype.is_floating_point or data.dtype.is_complex):
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        t = object.__new__(cls)
        t._init_from(data._data, bool(requires_grad))
        t.persistent = persistent
        t._is_buffer = True
        return t

    def _convert(self, value: Any) -> Any:
        # torch's Tensor.__torch_function__ hands results back as the subclass (without its attributes)
        if isinstance(value, Tensor) and not isinstance(value, UninitializedBuffer):
            t = object.__new__(type(self))
            t._init_from(value._data, value._requires_grad)
            t._grad_fn, t._output_nr, t._vc = value._grad_fn, value._output_nr, value._vc
            return t
        return value
