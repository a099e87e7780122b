"""Loading side of the format: what the names in a torch pickle resolve to in ember.

A weights-only load resolves exactly the names in ``ALLOWED`` (module, name) and
may call only the objects whose ids are in ``CALLABLE_IDS``; the rebuild
functions build ember tensors as views of the storages read from the archive,
so tensors that shared a storage in torch share memory again.
"""
from __future__ import annotations

import pickle
import re
from collections import Counter, OrderedDict
from typing import Any, Callable

import numpy as np

from .. import _dtype as D
from .._device import device
from .._size import Size
from .._tensor import Tensor
from ..nn.parameter import Parameter
from ._pickler import STORAGE_NAMES

__all__ = ["ALLOWED", "CALLABLE_IDS", "USER_GLOBALS", "Storage", "StorageType", "WeightsOnlyPolicy", "user_global_name",
           "weights_only_message"]

# torch dtypes that a file may name but NumPy (so ember) cannot hold
_UNSUPPORTED_DTYPES = ("bfloat16", "complex32", "float8_e4m3fn", "float8_e5m2",
                       "float8_e4m3fnuz", "float8_e5m2fnuz", "float8_e8m0fnu", "float4_e2m1fn_x2")


class StorageType:
    """What ``torch.FloatStorage`` (etc.) resolves to: the element type of a storage in the file."""

    __slots__ = ("dtype",)

    def __init__(self, dtype: np.dtype | None) -> None:
        self.dtype = dtype  # None for torch.storage.UntypedStorage (bytes; the tensor names its dtype)

    def __repr__(self) -> str:
        return f"<storage type {self.dtype}>"


class Storage:
    """A loaded storage: a writable 1-D array (views built on it share its memory, as in torch)."""

    __slots__ = ("array",)

    def __init__(self, array: np.ndarray) -> None:
        self.array = array

    def cpu(self) -> Storage:
        return self

    def typed(self, dtype: np.dtype) -> np.ndarray:
        return self.array if self.array.dtype == dtype else self.array.view(np.uint8).view(dtype)


def _np_dtype(d: Any) -> np.dtype:
    if isinstance(d, D.dtype):
        if d.np_dtype is None:  # bfloat16, complex32: ember knows the dtype, NumPy cannot hold the data
            raise pickle.UnpicklingError(f"the file holds {d} data, which ember cannot represent (NumPy has no "
                                         "such type); convert it in torch first, e.g. with .float()")
        return d.np_dtype
    raise pickle.UnpicklingError(f"expected a dtype, got {d!r}")


def _get_layout(name: Any) -> Any:
    """``torch.serialization._get_layout``: a layout pickled by its name ("torch.strided")."""
    import ember  # the layouts live in the package root, which imports this module: looked up at call time
    layout = getattr(ember, name[len("torch."):], None) if isinstance(name, str) and name.startswith("torch.") else None
    if type(layout).__name__ != "_Layout":
        raise KeyError(name)  # what torch's lookup raises for a name it does not know
    return layout


def _rebuild_tensor_v2(storage: Storage, storage_offset: int, size: tuple, stride: tuple,
                       requires_grad: bool = False, backward_hooks: Any = None, metadata: Any = None) -> Tensor:
    return _rebuild(storage, storage_offset, size, stride, requires_grad, None)


def _rebuild_tensor_v3(storage: Storage, storage_offset: int, size: tuple, stride: tuple, requires_grad: bool,
                       backward_hooks: Any, dtype: Any, metadata: Any = None) -> Tensor:
    return _rebuild(storage, storage_offset, size, stride, requires_grad, _np_dtype(dtype))


def _rebuild_tensor(storage: Storage, storage_offset: int, size: tuple, stride: tuple) -> Tensor:
    return _rebuild(storage, storage_offset, size, stride, False, None)


class _Holder:
    """An array interface hanging off ``base``: NumPy makes the view and ``_root`` finds ``base`` through it."""

    def __init__(self, base: np.ndarray, interface: dict) -> None:
        self.base = base
        self.__array_interface__ = interface


def _empty_view(arr: np.ndarray, offset: int, size: tuple, stride: tuple) -> np.ndarray:
    """A view with no elements at element ``offset`` of ``arr``; NumPy's own constructors stop at its end."""
    item = arr.itemsize
    if arr.__array_interface__["data"][0] + offset * item >= 2**63:
        offset = arr.size  # an absurd offset (a damaged file) cannot be a pointer: kept at the storage's end
    if offset <= arr.size:
        return np.ndarray(size, arr.dtype, buffer=arr, offset=offset * item, strides=tuple(s * item for s in stride))
    interface = dict(arr.__array_interface__, shape=size, strides=tuple(s * item for s in stride),
                     data=(arr.__array_interface__["data"][0] + offset * item, False))
    interface.pop("mask", None)
    return np.asarray(_Holder(arr, interface))


def _rebuild(storage: Any, offset: Any, size: Any, stride: Any, requires_grad: Any, dtype: np.dtype | None) -> Tensor:
    if not isinstance(storage, Storage):
        raise pickle.UnpicklingError(f"a tensor's storage must be a storage from the archive, got {type(storage).__name__}")
    arr = storage.typed(dtype if dtype is not None else storage.array.dtype)
    ints = (int, np.integer)
    if not (isinstance(offset, ints) and all(isinstance(x, ints) for x in (*size, *stride)) and len(size) == len(stride)):
        raise pickle.UnpicklingError(f"bad tensor geometry: offset={offset!r} size={size!r} stride={stride!r}")
    if any(n == 0 for n in size):
        if offset < 0 or any(s < 0 for s in stride) or any(n < 0 for n in size):
            view = np.empty(tuple(size), arr.dtype)
        else:
            # nothing to read, but the strides and the offset are kept, as in torch (even past the storage's end)
            view = _empty_view(arr, int(offset), tuple(int(n) for n in size), tuple(int(s) for s in stride))
    else:
        last = offset + sum((n - 1) * s for n, s in zip(size, stride))
        if offset < 0 or any(s < 0 for s in stride) or any(n < 0 for n in size) or last >= arr.size:
            raise RuntimeError(f"tensor of size {tuple(size)}, stride {tuple(stride)} and offset {offset} does not fit "
                               f"its storage of {arr.size} elements: the checkpoint is corrupted")
        item = arr.itemsize
        view = np.ndarray(tuple(size), arr.dtype, buffer=arr, offset=int(offset) * item,
                          strides=tuple(int(s) * item for s in stride))
    t = Tensor._make(view)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _rebuild_parameter(data: Tensor, requires_grad: bool, backward_hooks: Any = None) -> Parameter:
    return Parameter(data, requires_grad)


def _rebuild_parameter_with_state(data: Tensor, requires_grad: bool, backward_hooks: Any, state: Any) -> Parameter:
    return _set_attributes(Parameter(data, requires_grad), state)


def _rebuild_from_type_v2(func: Callable, new_type: Any, args: tuple, state: Any) -> Any:
    # torch's wrapper for tensors of a subclass or with Python attributes (a subclass comes back as its base type)
    if id(func) not in CALLABLE_IDS or not isinstance(args, tuple):
        raise pickle.UnpicklingError(f"_rebuild_from_type_v2 may not call {func!r}")
    result = func(*args)
    if new_type is Parameter and not isinstance(result, Parameter):
        result = Parameter(result)
    return _set_attributes(result, state)


def _set_attributes(t: Tensor, state: Any) -> Tensor:
    """A tensor's pickled Python attributes, as torch's ``_set_obj_state``: a dict, or (dict, slots dict)."""
    if state is None:
        return t
    dict_state, slots = state if isinstance(state, tuple) and len(state) == 2 else (state, None)
    for part in (dict_state, slots):
        if part is None:
            continue
        if not isinstance(part, dict):
            raise pickle.UnpicklingError(f"a tensor's state must be a dict, got {type(part).__name__}")
        for key, value in part.items():
            if not isinstance(key, str) or key.startswith("__") or hasattr(Tensor, key):
                raise pickle.UnpicklingError(f"a tensor's state may not set attribute {key!r}")
            t.__dict__[key] = value
    return t


def _codecs_encode(text: str, encoding: str = "utf-8") -> bytes:
    # protocol 2 pickles bytes as _codecs.encode(str, 'latin1'); no other codec is needed or allowed
    if encoding not in ("latin1", "latin-1") or not isinstance(text, str):
        raise pickle.UnpicklingError(f"_codecs.encode with encoding {encoding!r} is not allowed")
    return text.encode("latin1")


def _allowed_globals() -> tuple[dict[tuple[str, str], Any], set[int]]:
    """The names a weights-only load resolves, and the ids of those REDUCE may call."""
    callables: dict[tuple[str, str], Any] = {
        ("collections", "OrderedDict"): OrderedDict,
        ("collections", "Counter"): Counter,
        ("builtins", "set"): set,
        ("builtins", "bytearray"): bytearray,
        ("builtins", "complex"): complex,
        ("_codecs", "encode"): _codecs_encode,
        ("torch", "Size"): Size,
        ("torch", "device"): device,
        ("torch.nn.parameter", "Parameter"): Parameter,
        ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
        ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
        ("torch._utils", "_rebuild_tensor_v3"): _rebuild_tensor_v3,
        ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
        ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter_with_state,
        ("torch._tensor", "_rebuild_from_type_v2"): _rebuild_from_type_v2,
        ("torch.serialization", "_get_layout"): _get_layout,
    }
    values: dict[tuple[str, str], Any] = dict(callables)
    values[("torch", "Tensor")] = Tensor  # only as _rebuild_from_type_v2's new_type: not callable here
    for d in D._ALL:  # every dtype ember names, also those whose data NumPy cannot hold (a bare dtype is fine)
        values[("torch", d.name)] = d
    for dt, name in STORAGE_NAMES.items():
        values[("torch", name)] = StorageType(dt)
    values[("torch.storage", "UntypedStorage")] = StorageType(None)
    values[("torch", "UntypedStorage")] = values[("torch.storage", "UntypedStorage")]
    return values, {id(v) for v in callables.values()}


ALLOWED, CALLABLE_IDS = _allowed_globals()


def describe_global(module: str, name: str) -> str:
    """The message for a name a weights-only load refuses (torch's wording where it applies)."""
    if module == "torch" and (name in _UNSUPPORTED_DTYPES or name in ("BFloat16Storage", "ComplexHalfStorage")):
        return (f"the file holds torch.{name} data, which ember cannot represent (NumPy has no such type); "
                "convert it in torch first, e.g. with .float()")
    full = name if module == "builtins" else f"{module}.{name}"  # torch prints builtins without their module
    return (f"Unsupported global: GLOBAL {full} was not an allowed global by default. Please use "
            f"`torch.serialization.add_safe_globals([{full}])` or the `torch.serialization.safe_globals([{full}])` "
            "context manager to allowlist this global if you trust this class/function.")


# --- names the user trusts (torch.serialization.add_safe_globals): "module.qualname" -> object
USER_GLOBALS: dict[str, Any] = {}


def user_global_name(obj: Any) -> str:
    """The name a pickle uses for ``obj``, or the name given with it as ``(obj, "module.name")``."""
    if isinstance(obj, tuple):
        if len(obj) != 2 or not isinstance(obj[1], str):
            raise TypeError(f"expected (object, 'module.name'), got {obj!r}")
        return obj[1]
    return f"{obj.__module__}.{obj.__qualname__}"


def _is_user_global(obj: Any) -> bool:
    return any(obj is v for v in USER_GLOBALS.values())


class WeightsOnlyPolicy:
    """What ``load(weights_only=True)`` allows: the built-in allowlist plus the user's safe globals."""

    def find_global(self, module: str, name: str) -> Any:
        if (module, name) in ALLOWED:
            return ALLOWED[(module, name)]
        if f"{module}.{name}" in USER_GLOBALS:
            return USER_GLOBALS[f"{module}.{name}"]
        raise pickle.UnpicklingError(describe_global(module, name))

    def may_call(self, func: Any) -> bool:
        return id(func) in CALLABLE_IDS or _is_user_global(func)

    def new_object(self, cls: Any, args: Any) -> Any:
        if not isinstance(args, tuple):
            raise pickle.UnpicklingError("NEWOBJ expected an argument tuple")
        if cls is Parameter:
            return Parameter(*args)
        if isinstance(cls, type) and _is_user_global(cls):
            return cls.__new__(cls, *args)
        raise pickle.UnpicklingError("Can only create new object for nn.Parameter or classes allowlisted via "
                                     f"`add_safe_globals` but got {cls!r}")

    def build(self, obj: Any, state: Any) -> None:
        """BUILD: attributes of an OrderedDict (``state_dict()._metadata``) or of an instance of a trusted class."""
        if _is_user_global(type(obj)):
            setstate = getattr(obj, "__setstate__", None)
            if setstate is not None:
                setstate(state)
                return
            slots = None
            if isinstance(state, tuple) and len(state) == 2:
                state, slots = state
            if state:
                obj.__dict__.update(state)
            for key, value in (slots or {}).items():
                setattr(obj, key, value)
            return
        if isinstance(state, tuple) and len(state) == 2 and state[1] is None:
            state = state[0]  # (dict_state, slot_state) with no slots
        if type(obj) is not OrderedDict or not isinstance(state, dict):
            raise pickle.UnpicklingError(f"BUILD (setting object state) is not allowed on {type(obj).__name__} "
                                         "in a weights-only load")
        for key, value in state.items():
            if not isinstance(key, str) or key.startswith("__"):
                raise pickle.UnpicklingError(f"BUILD may not set attribute {key!r}")
            setattr(obj, key, value)


_UNSAFE = ("In PyTorch 2.6, we changed the default value of the `weights_only` argument in `torch.load` from `False` "
           "to `True`. Re-running `torch.load` with `weights_only` set to `False` will likely succeed, but it can "
           "result in arbitrary code execution. Do it only if you got the file from a trusted source.")
_DOCS = ("\n\nCheck the documentation of torch.load to learn more about types accepted by default with weights_only "
         "https://pytorch.org/docs/stable/generated/torch.load.html.")


def weights_only_message(message: str) -> str:
    """torch's wording around a weights-only refusal: the two options for a refused global, else the advice to
    re-run with weights_only=False and (for refusals torch did not foresee) to file an issue."""
    if re.search(r"GLOBAL (\S+) was not an allowed global by default\.", message):
        return ("Weights only load failed. This file can still be loaded, to do so you have two options, "
                "\033[1mdo those steps only if you trust the source of the checkpoint\033[0m. "
                f"\n\t(1) {_UNSAFE}\n\t(2) Alternatively, to load with `weights_only=True` please check the "
                "recommended steps in the following error message.\n\tWeightsUnpickler error: " + message + _DOCS)
    head = f"Weights only load failed. {_UNSAFE}\n"
    if not message.startswith("the file holds torch."):  # ember's own note on dtypes NumPy lacks: no issue to file
        head += ("Please file an issue with the following so that we can make `weights_only=True` compatible with "
                 "your use case: WeightsUnpickler error: ")
    return head + "\n\n" + message + _DOCS
