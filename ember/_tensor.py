"""``Tensor``: an ``np.ndarray`` plus autograd metadata.

The array lives in ``_data``; views made by indexing, ``view``, ``transpose``...
are NumPy views, so they share memory exactly as torch's do, and they share the
version counter ``_vc`` (a one-element list) with their base so that in-place
changes through any of them are seen by autograd's saved-tensor check.

Methods are one-line delegations to ``ember._ops``; this file keeps only what is
about the tensor itself (metadata, grads, conversions).
"""
from __future__ import annotations

import copy
import inspect
import warnings
import weakref

import numpy as np

from . import _dtype as D
from ._device import CPU
from ._size import Size
from .autograd.grad_mode import state as _grad_state
from .autograd.graph import AccumulateGrad, RemovableHandle, _HookDict
from .autograd.engine import ones_like as _ones_like, run_single as _run_single

__all__ = ["Tensor"]

_new = object.__new__

_TYPE_NAMES = {
    "float32": "torch.FloatTensor", "float64": "torch.DoubleTensor", "float16": "torch.HalfTensor",
    "bfloat16": "torch.BFloat16Tensor", "int64": "torch.LongTensor", "int32": "torch.IntTensor",
    "int16": "torch.ShortTensor", "int8": "torch.CharTensor", "uint8": "torch.ByteTensor",
    "bool": "torch.BoolTensor", "complex64": "torch.ComplexFloatTensor", "complex128": "torch.ComplexDoubleTensor",
    "uint16": "torch.UInt16Tensor", "uint32": "torch.UInt32Tensor", "uint64": "torch.UInt64Tensor",
}
_SCALAR_NAMES = {
    "float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16", "int64": "Long",
    "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
    "complex64": "ComplexFloat", "complex128": "ComplexDouble",
    "uint16": "UInt16", "uint32": "UInt32", "uint64": "UInt64",
}
_NP_TO_DTYPE = D._FROM_NUMPY
_INT64_MAX = 2**63 - 1
_WARNED_ONCE: set = set()  # torch's TORCH_WARN_ONCE messages already shown
# C type names, as torch spells dtypes in some messages
_C_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
            "int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
            "bool": "bool", "complex64": "c10::complex<float>", "complex128": "c10::complex<double>",
            "uint16": "unsigned short", "uint32": "unsigned int", "uint64": "unsigned long"}


class Tensor:
    """A multi-dimensional array with autograd, mirroring ``torch.Tensor``."""

    __slots__ = ("_data", "_requires_grad", "_grad_fn", "_output_nr", "_vc", "__weakref__", "__dict__")
    # rarely set: class-level defaults, stored in the instance __dict__ only when assigned
    _grad = None
    _base = None
    _gf_version = 0  # a view's shared version when its grad_fn was made (autograd.function._refresh_view)
    _hooks = None
    _retains_grad = False
    _acc = None

    # --- construction ----------------------------------------------------------
    def __new__(cls, *args, **kwargs):
        # torch.Tensor(data) or torch.Tensor(*sizes): the legacy constructor, default dtype
        from ._creation import _legacy_new
        return _legacy_new(cls, *args, **kwargs)

    def __init__(self, *args, **kwargs) -> None:
        pass

    @staticmethod
    def _make(arr, requires_grad: bool = False, grad_fn=None, output_nr: int = 0) -> Tensor:
        """Wrap an ndarray without copying (the internal constructor)."""
        if type(arr) is not np.ndarray:
            arr = np.asarray(arr)
        if not arr.size:
            arr = _laid_out(arr)
        t = _new(Tensor)
        t._data = arr
        t._requires_grad = requires_grad
        t._grad_fn = grad_fn
        t._output_nr = output_nr
        t._vc = [0]
        return t

    def _init_from(self, arr: np.ndarray, requires_grad: bool = False) -> None:
        self._data = arr
        self._requires_grad = requires_grad
        self._grad_fn = None
        self._output_nr = 0
        self._vc = [0]

    # --- metadata -----------------------------------------------------------------
    @property
    def dtype(self) -> D.dtype:
        return _NP_TO_DTYPE[self._data.dtype]

    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    def size(self, dim: int | None = None):
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_dim_of(dim, self._data.ndim, "size")]

    @property
    def device(self):
        return CPU

    @property
    def is_cuda(self) -> bool:
        return False

    @property
    def is_cpu(self) -> bool:
        return True

    @property
    def is_meta(self) -> bool:
        return False

    @property
    def is_sparse(self) -> bool:
        return False

    @property
    def is_quantized(self) -> bool:
        return False

    @property
    def layout(self):
        from . import strided
        return strided

    def dim(self) -> int:
        return self._data.ndim

    ndimension = dim

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        return self._data.size

    nelement = numel

    def element_size(self) -> int:
        return self._data.itemsize

    @property
    def itemsize(self) -> int:
        return self._data.itemsize

    @property
    def nbytes(self) -> int:
        return self._data.nbytes

    def stride(self, dim: int | None = None):
        arr = self._data
        item = arr.itemsize
        strides = tuple(s // item for s in arr.strides)
        if not arr.size and not any(strides):
            # an empty array fresh from a NumPy op has all-zero strides, which carry no layout: torch's are contiguous
            strides = _contiguous_strides(arr.shape)
        if dim is None:
            return strides
        return strides[_dim_of(dim, arr.ndim, "stride")]

    def is_contiguous(self, memory_format=None) -> bool:
        return self._data.flags.c_contiguous

    def storage_offset(self) -> int:
        arr = self._data
        if arr.base is None:
            return 0
        return (arr.__array_interface__["data"][0] - _root(arr).__array_interface__["data"][0]) // max(arr.itemsize, 1)

    def data_ptr(self) -> int:
        return self._data.__array_interface__["data"][0]

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    def is_complex(self) -> bool:
        return self._data.dtype.kind == "c"

    def is_signed(self) -> bool:
        return self.dtype.is_signed

    def get_device(self) -> int:
        return -1

    @property
    def _version(self) -> int:
        return self._vc[0]

    def _type_desc(self) -> str:
        return f"{_TYPE_NAMES[self.dtype.name]} [{', '.join(str(s) for s in self._data.shape)}]"

    def _bump_version(self) -> None:
        self._vc[0] += 1

    # --- autograd metadata --------------------------------------------------------
    @property
    def grad_fn(self):
        """The node that made this tensor (None for leaves); read-only, as in torch."""
        if self._base is not None and self._vc[0] != self._gf_version:
            _refresh_view(self)
        return self._grad_fn

    @grad_fn.setter
    def grad_fn(self, value) -> None:
        raise AttributeError("attribute 'grad_fn' of 'torch._C.TensorBase' objects is not writable")

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if self._grad_fn is not None:
            if not value:
                raise RuntimeError(
                    "you can only change requires_grad flags of leaf variables. If you want to use a computed "
                    "variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach()."
                )
            raise RuntimeError("you can only change requires_grad flags of leaf variables.")
        if value and self._data.dtype.kind not in "fc":
            raise RuntimeError("only Tensors of floating point and complex dtype can require gradients")
        self._requires_grad = bool(value)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if type(requires_grad) is not bool:  # torch's argument parser takes a Python bool only
            kind = type(requires_grad)
            name = "Tensor" if isinstance(requires_grad, Tensor) else kind.__name__ if kind.__module__ == "builtins" \
                else f"{kind.__module__.split('.')[0]}.{kind.__name__}"
            raise TypeError(f"requires_grad_(): argument 'requires_grad' (position 1) must be bool, not {name}")
        if self.grad_fn is not None and not requires_grad:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a computed variable "
                "in a subgraph that doesn't require differentiation use var_no_grad = var.detach()."
            )
        if requires_grad and self._data.dtype.kind not in "fc":
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        if self.grad_fn is None:
            self._requires_grad = bool(requires_grad)
        return self

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def grad(self) -> Tensor | None:
        if self.grad_fn is not None and not self._retains_grad:
            warnings.warn(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute won't "
                "be populated during autograd.backward(). If you indeed want the .grad field to be populated for a "
                "non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor by "
                "mistake, make sure you access the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 for "
                "more information. (Triggered internally at /__w/pytorch/pytorch/build/aten/src/ATen/core/TensorBody.h:493.)",
                UserWarning, stacklevel=2,
            )
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type {type(value).__name__}")
            if value._data.dtype != self._data.dtype:
                from ._ops._inplace import _NAMES
                raise RuntimeError(
                    f"attempting to assign a gradient with dtype '{_C_NAMES[value.dtype.name]}' to a tensor with "
                    f"grad_dtype '{_NAMES[self.dtype.name]}'. The gradient must match the tensor's grad_dtype (defaults "
                    "to the tensor's dtype). You can set the tensor's grad_dtype attribute with a specific dtype, or "
                    "None to allow any dtype. Set grad_dtype with caution. Diverging the dtypes of a tensor and its "
                    "gradient may break downstream systems that assume they match.")
            if value._data.shape != self._data.shape:
                raise RuntimeError(
                    f"attempting to assign a gradient of size '[{', '.join(map(str, value._data.shape))}]' to a tensor "
                    f"of size '[{', '.join(map(str, self._data.shape))}]'. Please ensure that the gradient and the "
                    "tensor are the same size")
        self._grad = value

    @grad.deleter
    def grad(self) -> None:
        self._grad = None

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    def retain_grad(self) -> None:
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None or self._retains_grad:
            return
        fn = self.grad_fn
        fn._fast = False
        if fn._retains is None:
            fn._retains = {}
        fn._retains[self._output_nr] = weakref.ref(self)
        self._retains_grad = True

    def _grad_accumulator(self) -> AccumulateGrad:
        acc = self._acc() if self._acc is not None else None
        if acc is None:
            acc = AccumulateGrad(self)
            self._acc = weakref.ref(acc)
        return acc

    def _accumulate_grad(self, g: np.ndarray) -> None:
        """AccumulateGrad's job: first grad is stored, later ones are added."""
        if g.dtype != self._data.dtype:
            g = g.astype(self._data.dtype)
        if g.shape != self._data.shape:
            g = np.broadcast_to(g, self._data.shape).copy()
        cur = self._grad
        if cur is None:
            # always copy: backward formulas may hand the same array to several inputs (d(x+y) = g for both)
            self._grad = Tensor._make(np.array(g, copy=True))
        elif _grad_state.enabled and (cur._requires_grad or False):
            self._grad = cur + Tensor._make(g)
        else:
            np.add(cur._data, g, out=cur._data, casting="unsafe")
            cur._vc[0] += 1

    def _accumulate_retained(self, g: np.ndarray) -> None:
        if self._grad is None:
            self._grad = Tensor._make(np.array(g, copy=True))
        else:
            self._grad = Tensor._make(self._grad._data + g)

    def register_hook(self, hook) -> RemovableHandle:
        """Run ``hook(grad)`` when this tensor's grad is computed; a returned Tensor replaces the grad."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is None:
            if self._hooks is None:
                self._hooks = _HookDict()
            hooks = self._hooks
        else:
            fn = self.grad_fn
            fn._fast = False
            if fn._tensor_pre_hooks is None:
                fn._tensor_pre_hooks = {}
            hooks = fn._tensor_pre_hooks.setdefault(self._output_nr, _HookDict())
        h = RemovableHandle(hooks)
        hooks[h.id] = hook
        return h

    def register_post_accumulate_grad_hook(self, hook) -> RemovableHandle:
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        acc = self._grad_accumulator()
        self.__dict__.setdefault("_post_acc_acc", acc)  # keep the accumulator (and its hooks) alive
        return acc.register_hook(lambda gi, go, t=weakref.ref(self): hook(t()))

    def backward(self, gradient=None, retain_graph: bool | None = None, create_graph: bool = False,
                 inputs=None) -> None:
        """Compute the gradient of this tensor w.r.t. graph leaves (see ``ember.autograd.backward``)."""
        fn = self.grad_fn
        if fn is not None and gradient is None and inputs is None and not create_graph:
            arr = self._data
            if arr.size == 1 and arr.dtype.kind in "fc":
                # loss.backward(): the checks of autograd.backward all pass for a one-element float output
                # with a grad_fn, so go straight to the single-root engine
                _run_single(fn, self._output_nr, _ones_like(arr), bool(retain_graph))
                return
        from .autograd import backward
        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def detach(self) -> Tensor:
        t = Tensor._make(self._data)
        t._vc = self._vc
        return t

    def detach_(self) -> Tensor:
        if self._base is not None and self._base._requires_grad:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self._grad_fn = None
        self._requires_grad = False
        return self

    @property
    def data(self) -> Tensor:
        return Tensor._make(self._data)

    @data.setter
    def data(self, value: Tensor) -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(value).__name__}")
        if self._requires_grad and value._data.dtype.kind not in "fc":
            raise RuntimeError("data set to a tensor that requires gradients must be floating point or complex dtype")
        self._data = value._data

    # --- conversions --------------------------------------------------------------
    def numpy(self, *, force: bool = False) -> np.ndarray:
        if self._requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        return self._data

    # NumPy scalars and arrays on the left of an operator defer to the tensor, as with torch's tensors
    __array_priority__ = 1000

    def __array_wrap__(self, array, context=None, return_scalar=False):
        """A NumPy function's result on a tensor comes back as a tensor, as in torch (whose wrapper turns a bool
        result into uint8)."""
        array = np.asarray(array)
        return Tensor._make(array.astype(np.uint8) if array.dtype == np.bool_ else array)

    def __array__(self, dtype=None, copy=None):
        if self._requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        arr = self._data
        if dtype is not None and arr.dtype != dtype:
            return arr.astype(dtype)
        return arr.copy() if copy else arr

    def item(self):
        n = self._data.size
        if n != 1:
            raise RuntimeError(f"a Tensor with {n} elements cannot be converted to Scalar")
        return self._data.reshape(()).item()

    def tolist(self):
        return self._data.tolist()

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __bool__(self) -> bool:
        n = self._data.size
        if n != 1:
            if n == 0:
                raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._data.reshape(()))

    def __float__(self) -> float:
        if self._requires_grad and "float" not in _WARNED_ONCE:
            _WARNED_ONCE.add("float")
            warnings.warn("Converting a tensor with requires_grad=True to a scalar may lead to unexpected behavior.\n"
                          "Consider using tensor.detach() first. (Triggered internally at /__w/pytorch/pytorch/torch/"
                          "csrc/autograd/generated/python_variable_methods.cpp:822.)", UserWarning, stacklevel=2)
        v = self._scalar_for("float")
        if isinstance(v, complex):
            raise RuntimeError("value cannot be converted to type double without overflow")
        return float(v)

    def __int__(self) -> int:
        v = self._scalar_for("int")
        if isinstance(v, complex) or (type(v) is int and v > _INT64_MAX):  # (a uint64 above int64's range)
            raise RuntimeError("value cannot be converted to type int64_t without overflow")
        return int(v)

    def __complex__(self) -> complex:
        return complex(self._scalar_for("complex"))

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        v = int(self._data.reshape(()))
        if v > _INT64_MAX:
            raise RuntimeError("value cannot be converted to type int64_t without overflow")
        return v

    def _scalar_for(self, what: str):
        n = self._data.size
        if n != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return self._data.reshape(()).item()

    def __hash__(self) -> int:
        # torch hashes a tensor by its id (its __eq__ is elementwise); the backward engine keys its
        # dicts by id() directly, so this Python-level hash stays off the hot path
        return id(self)

    def __repr__(self, *, tensor_contents=None) -> str:
        from ._tensor_str import _str
        return _str(self, tensor_contents=tensor_contents)

    def __format__(self, format_spec: str) -> str:
        if self._data.ndim == 0 and type(self) is Tensor:
            return self._data.item().__format__(format_spec)
        return object.__format__(self, format_spec)

    def __deepcopy__(self, memo):
        """A copy of the storage (once per deepcopy call, through the memo, so that copied views still share
        memory with their copied base), viewed with this tensor's offset and strides; grad and attributes too."""
        if not self.is_leaf:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the deepcopy protocol at the "
                "moment.  If you were attempting to deepcopy a module, this may be because of a torch.nn.utils."
                "weight_norm usage, see https://github.com/pytorch/pytorch/pull/103001"
            )
        if id(self) in memo:
            return memo[id(self)]
        arr = self._data
        found = _storage(arr)
        if found is None:
            data = arr.copy(order="K")
        else:
            flat, offset = found
            key = ("ember.storage", id(_root(arr)))  # a tuple: never one of deepcopy's own id() keys
            if key not in memo:
                memo[key] = flat.copy()
                memo.setdefault(id(memo), []).append(flat)  # keep the original alive: its id is the key
            data = _view_into(memo[key], arr.dtype, offset, arr.shape, arr.strides)
        new = type(self).__new__(type(self), data) if type(self) is not Tensor else Tensor._make(data)
        if type(self) is Tensor:
            new._requires_grad = self._requires_grad
            new._vc = [1]  # torch fills the new tensor with set_(), an in-place op
        memo[id(self)] = new
        if self._grad is not None:
            new._grad = self._grad.__deepcopy__(memo)
        # the user's attributes; not the autograd state (grad, copied above; the view's base: the copy is no view)
        new.__dict__.update({k: copy.deepcopy(v, memo) for k, v in self.__dict__.items() if k not in _AUTOGRAD_ATTRS})
        return new

    def __reduce_ex__(self, protocol):
        # torch pickles the whole storage with the offset and strides (each tensor its own copy: unlike
        # deepcopy, two pickled views of one storage come back unshared)
        arr = self._data
        state = {k: v for k, v in self.__dict__.items() if k not in _AUTOGRAD_ATTRS}
        found = _storage(arr)
        if found is None:
            flat, offset, strides = arr.copy(order="K"), 0, None
        else:
            (flat, offset), strides = found, arr.strides
        return (_rebuild_strided, (flat, arr.dtype, offset, arr.shape, strides, self._requires_grad, state))

    def __setstate__(self, state):
        pass


from .autograd import function as _function  # noqa: E402
from .autograd.function import _apply2  # noqa: E402
from .autograd.function import _refresh_view  # noqa: E402

_function._bind_tensor(Tensor)


def _rebuild_tensor(arr, requires_grad):
    return Tensor._make(arr, requires_grad)


def _rebuild_strided(flat, dtype, offset, shape, strides, requires_grad, state=None):
    """Unpickle: the tensor over its storage's bytes ``flat`` (or over its own compact copy when strides is None)."""
    t = Tensor._make(flat if strides is None else _view_into(flat, dtype, offset, shape, strides), requires_grad)
    t._vc = [1]  # torch fills the new tensor with set_(), an in-place op
    if state:
        t.__dict__.update(state)
    return t


# the autograd state kept in a tensor's __dict__, which deepcopy and pickle leave behind as torch does
_AUTOGRAD_ATTRS = frozenset(("_grad", "_base", "_gf_version", "_hooks", "_retains_grad", "_acc", "_post_acc_acc"))


def _storage(arr: np.ndarray) -> tuple[np.ndarray, int] | None:
    """(the memory of ``arr``'s root as one 1-d uint8 array in address order, ``arr``'s byte offset into it), or
    None when that does not describe ``arr``: a root that is not one dense block, or negative strides."""
    if any(s < 0 for s in arr.strides):
        return None
    root = _root(arr)
    in_order = root.transpose(np.argsort(root.strides, kind="stable")[::-1]) if root.ndim > 1 else root
    if not in_order.flags.c_contiguous or any(s < 0 for s in root.strides):
        return None
    flat = in_order.reshape(-1).view(np.uint8)
    return flat, arr.__array_interface__["data"][0] - root.__array_interface__["data"][0]


def _view_into(flat: np.ndarray, dtype, offset: int, shape, strides) -> np.ndarray:
    """The array of the given byte offset and strides over the uint8 buffer ``flat``."""
    if not all(shape) and offset > flat.size:
        # an empty view past the end of its storage: NumPy refuses the offset, and there is nothing to read
        offset = 0
    return np.ndarray(shape, dtype, buffer=flat, offset=offset, strides=strides)


def _dim_of(dim, ndim: int, name: str) -> int:
    """``size(dim)``/``stride(dim)``: unlike reductions, a 0-d tensor has no dim 0 here."""
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"{name}(): argument 'dim' (position 1) must be int, not {type(dim).__name__}")
    if ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    return _wrap_dim(int(dim), ndim)


def _wrap_dim(dim: int, ndim: int) -> int:
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim % n if ndim else 0


def _root(arr: np.ndarray) -> np.ndarray:
    """The array that owns ``arr``'s memory (torch's storage): follow ``.base``, also through the non-ndarray
    holders that as_strided/expand views hang off (their own ``.base`` is the array)."""
    while arr.base is not None:
        nxt = arr.base
        while not isinstance(nxt, np.ndarray) and getattr(nxt, "base", None) is not None:
            nxt = nxt.base
        if not isinstance(nxt, np.ndarray):
            break
        arr = nxt
    return arr


def _laid_out(arr: np.ndarray) -> np.ndarray:
    """An empty array with torch's contiguous strides instead of NumPy's zeros, so that the views made from it
    (transpose, permute...) carry torch's strides: zeros(0, 3).t().stride() is (1, 3)."""
    if arr.ndim and not any(arr.strides):
        item = arr.itemsize
        return np.lib.stride_tricks.as_strided(arr, strides=[s * item for s in _contiguous_strides(arr.shape)])
    return arr


def _contiguous_strides(shape) -> tuple:
    strides = []
    acc = 1
    for s in reversed(shape):
        strides.append(acc)
        acc *= max(s, 1)
    return tuple(reversed(strides))


# --- methods: one-line delegations to ember._ops ------------------------------------
from ._ops import activation as _act  # noqa: E402
from ._ops import arithmetic as _ar  # noqa: E402
from ._ops import comparison as _cmp  # noqa: E402
from ._ops import conversion as _conv  # noqa: E402
from ._ops import indexing as _ix  # noqa: E402
from ._ops import diff as _diff  # noqa: E402
from ._ops import logcumsumexp as _lcse  # noqa: E402
from ._ops import linalg as _la  # noqa: E402
from ._ops import minmax as _mm  # noqa: E402
from ._ops import reduction as _red  # noqa: E402
from ._ops import shape as _sh  # noqa: E402
from ._ops import unary as _un  # noqa: E402
from ._ops import histogram as _hist  # noqa: E402
from ._ops import selection as _sel  # noqa: E402
from ._ops import sorting as _sort  # noqa: E402
from ._ops import compose as _cmpz  # noqa: E402
from ._ops import scatter_reduce as _scr  # noqa: E402
from ._ops import windows as _win  # noqa: E402
from ._ops._inplace import inplace as _inplace  # noqa: E402


def _m(fn):
    """A method that calls ``fn(self, ...)``."""
    def method(self, *args, **kwargs):
        return fn(self, *args, **kwargs)
    method.__name__ = getattr(fn, "__name__", "method")
    method.__doc__ = fn.__doc__
    return method


def _m_(fn):
    """The in-place twin of ``fn``: ``x.fn_(...)`` writes fn's result into x."""
    def method(self, *args, **kwargs):
        return _inplace(self, fn, *args, **kwargs)
    method.__name__ = getattr(fn, "__name__", "method") + "_"
    return method


_METHODS = {
    # arithmetic
    "add": _ar.add, "sub": _ar.sub, "subtract": _ar.sub, "mul": _ar.mul, "multiply": _ar.mul, "div": _ar.div,
    "divide": _ar.div, "true_divide": _ar.div, "floor_divide": _ar.floor_divide, "remainder": _ar.remainder,
    "fmod": _ar.fmod, "pow": _ar.pow, "neg": _ar.neg, "negative": _ar.neg, "reciprocal": _ar.reciprocal,
    "square": _ar.square, "rsub": _ar.rsub,
    # unary math
    "exp": _un.exp, "exp2": _un.exp2, "log": _un.log, "log1p": _un.log1p, "expm1": _un.expm1, "log2": _un.log2,
    "log10": _un.log10, "sqrt": _un.sqrt, "rsqrt": _un.rsqrt, "sin": _un.sin, "cos": _un.cos, "tan": _un.tan,
    "asin": _un.asin, "acos": _un.acos, "atan": _un.atan, "sinh": _un.sinh, "cosh": _un.cosh,
    "arcsin": _un.asin, "arccos": _un.acos, "arctan": _un.atan,
    "erf": _un.erf, "erfc": _un.erfc, "abs": _un.abs, "absolute": _un.abs, "sign": _un.sign, "floor": _un.floor,
    "ceil": _un.ceil, "round": _un.round, "trunc": _un.trunc, "fix": _un.trunc, "frac": _un.frac,
    "relu": _act.relu, "sigmoid": _act.sigmoid, "tanh": _act.tanh, "softmax": _act.softmax,
    "log_softmax": _act.log_softmax,
    "clamp": _mm.clamp, "clip": _mm.clamp, "clamp_min": _mm.clamp_min, "clamp_max": _mm.clamp_max,
    "maximum": _mm.maximum, "minimum": _mm.minimum, "fmax": _mm.fmax, "fmin": _mm.fmin,
    # comparison and logic
    "eq": _cmp.eq, "ne": _cmp.ne, "lt": _cmp.lt, "le": _cmp.le, "gt": _cmp.gt, "ge": _cmp.ge,
    "not_equal": _cmp.ne, "less": _cmp.lt, "less_equal": _cmp.le, "greater": _cmp.gt, "greater_equal": _cmp.ge,
    "logical_and": _cmp.logical_and, "logical_or": _cmp.logical_or, "logical_not": _cmp.logical_not,
    "logical_xor": _cmp.logical_xor, "bitwise_and": _cmp.bitwise_and, "bitwise_or": _cmp.bitwise_or,
    "bitwise_xor": _cmp.bitwise_xor, "bitwise_not": _cmp.bitwise_not,
    "isnan": _cmp.isnan, "isinf": _cmp.isinf, "isfinite": _cmp.isfinite, "isposinf": _cmp.isposinf,
    "isneginf": _cmp.isneginf, "all": _cmp.all, "any": _cmp.any, "allclose": _cmp.allclose,
    "isclose": _cmp.isclose, "equal": _cmp.equal, "where": lambda self, condition, other: _cmp.where(condition, self, other),
    # reductions
    "sum": _red.sum, "nansum": _red.nansum, "mean": _red.mean, "var": _red.var, "std": _red.std, "prod": _red.prod,
    "max": _red.max, "min": _red.min, "amax": _red.amax, "amin": _red.amin, "aminmax": _red.aminmax,
    "argmax": _red.argmax, "argmin": _red.argmin, "logsumexp": _red.logsumexp, "cumsum": _red.cumsum,
    "cumprod": _red.cumprod, "norm": _red.norm, "count_nonzero": _red.count_nonzero,
    "logcumsumexp": _lcse.logcumsumexp, "diff": _diff.diff,
    # linear algebra
    "matmul": _la.matmul, "mm": _la.mm, "bmm": _la.bmm, "mv": _la.mv, "dot": _la.dot, "outer": _la.outer,
    "ger": _la.outer, "addmm": _la.addmm, "inner": _la.inner, "baddbmm": _la.baddbmm,
    # shape
    "view": _sh.view, "reshape": _sh.reshape, "flatten": _sh.flatten, "unflatten": _sh.unflatten,
    "squeeze": _sh.squeeze, "unsqueeze": _sh.unsqueeze, "transpose": _sh.transpose, "swapaxes": _sh.transpose,
    "swapdims": _sh.transpose, "t": _sh.t, "permute": _sh.permute, "movedim": _sh.movedim, "moveaxis": _sh.movedim,
    "expand": _sh.expand, "expand_as": _sh.expand_as, "view_as": lambda self, other: _sh.view(self, other.shape),
    "reshape_as": lambda self, other: _sh.reshape(self, other.shape), "broadcast_to": _sh.broadcast_to, "repeat": _sh.repeat,
    "contiguous": _sh.contiguous, "clone": _sh.clone, "chunk": _sh.chunk, "split": _sh.split,
    "tensor_split": _sh.tensor_split, "unbind": _sh.unbind, "narrow": _sh.narrow, "select": _sh.select,
    "flip": _sh.flip, "roll": _sh.roll, "tril": _sh.tril, "triu": _sh.triu, "adjoint": _sh.adjoint,
    "diagonal": _sh.diagonal,
    # indexing
    "gather": _ix.gather, "take_along_dim": _ix.take_along_dim, "scatter": _ix.scatter, "scatter_add": _ix.scatter_add, "index_select": _ix.index_select,
    "masked_fill": _ix.masked_fill, "masked_select": _ix.masked_select, "nonzero": _ix.nonzero, "take": _ix.take,
    "index_add": _ix.index_add, "index_fill": _ix.index_fill, "argwhere": _ix.argwhere,
    # conversion
    "to": _conv.to, "type": _conv.type_,
    # sorting and counting (issue 5)
    "sort": _sort.sort, "argsort": _sort.argsort, "msort": _sort.msort, "topk": _sort.topk,
    "kthvalue": _sort.kthvalue, "median": _sel.median, "nanmedian": _sel.nanmedian, "cummax": _sel.cummax,
    "cummin": _sel.cummin, "mode": _sel.mode, "unique": _hist.unique, "unique_consecutive": _hist.unique_consecutive,
    "bincount": _hist.bincount, "histc": _hist.histc, "histogram": _hist.histogram,
    # composed ops
    "tile": _cmpz.tile, "rot90": _cmpz.rot90, "kron": _cmpz.kron, "trace": _cmpz.trace, "diag": _cmpz.diag,
    "repeat_interleave": _cmpz.repeat_interleave, "cross": _cmpz.cross, "dist": _cmpz.dist,
    "fliplr": _cmpz.fliplr, "flipud": _cmpz.flipud, "ravel": _cmpz.ravel,
    "type_as": lambda self, other: _conv.to(self, other.dtype),
    "scatter_reduce": _scr.scatter_reduce, "index_copy": _scr.index_copy, "masked_scatter": _scr.masked_scatter,
    "put": _scr.put, "index_reduce": _scr.index_reduce,
    "unfold": _win.unfold, "diag_embed": _win.diag_embed, "hsplit": _cmpz.hsplit, "vsplit": _cmpz.vsplit,
    "dsplit": _cmpz.dsplit, "renorm": _cmpz.renorm, "addcmul": _cmpz.addcmul, "addcdiv": _cmpz.addcdiv,
}
for _name, _fn in _METHODS.items():
    # a plain function becomes a method as it is (self is its first argument): no wrapper call per use
    setattr(Tensor, _name, _fn if inspect.isfunction(_fn) else _m(_fn))

_INPLACE = {
    "add_": _ar.add, "sub_": _ar.sub, "subtract_": _ar.sub, "mul_": _ar.mul, "multiply_": _ar.mul, "div_": _ar.div,
    "divide_": _ar.div, "true_divide_": _ar.div, "floor_divide_": _ar.floor_divide, "remainder_": _ar.remainder,
    "fmod_": _ar.fmod, "pow_": _ar.pow, "neg_": _ar.neg, "negative_": _ar.neg, "reciprocal_": _ar.reciprocal,
    "square_": _ar.square, "exp_": _un.exp, "log_": _un.log, "log1p_": _un.log1p, "expm1_": _un.expm1,
    "log2_": _un.log2, "log10_": _un.log10, "sqrt_": _un.sqrt, "rsqrt_": _un.rsqrt, "sin_": _un.sin,
    "cos_": _un.cos, "tan_": _un.tan, "erf_": _un.erf, "abs_": _un.abs, "sign_": _un.sign, "floor_": _un.floor,
    "ceil_": _un.ceil, "round_": _un.round, "trunc_": _un.trunc, "frac_": _un.frac, "relu_": _act.relu,
    "sigmoid_": _act.sigmoid, "tanh_": _act.tanh, "clamp_": _mm.clamp, "clip_": _mm.clamp,
    "clamp_min_": _mm.clamp_min, "clamp_max_": _mm.clamp_max, "masked_fill_": _ix.masked_fill,
    "scatter_": _ix.scatter, "scatter_add_": _ix.scatter_add, "index_add_": _ix.index_add,
    "index_fill_": _ix.index_fill, "tril_": _sh.tril, "triu_": _sh.triu, "logical_not_": _cmp.logical_not,
    "scatter_reduce_": _scr.scatter_reduce, "index_copy_": _scr.index_copy, "masked_scatter_": _scr.masked_scatter,
    "put_": _scr.put, "index_reduce_": _scr.index_reduce, "renorm_": _cmpz.renorm,
    "addcmul_": _cmpz.addcmul, "addcdiv_": _cmpz.addcdiv,
    "eq_": _cmp.eq_, "ne_": _cmp.ne_, "lt_": _cmp.lt_, "le_": _cmp.le_, "gt_": _cmp.gt_, "ge_": _cmp.ge_,
}
for _name, _fn in _INPLACE.items():
    setattr(Tensor, _name, _m_(_fn))

from ._ops.linalg_legacy import METHODS as _LINALG_METHODS  # noqa: E402  (det, inverse, svd, qr, ...)
for _name, _fn in _LINALG_METHODS.items():
    setattr(Tensor, _name, _fn)


def _m_elementwise(fn, result_dtype):
    """The in-place twin of an elementwise binary op: with a tensor operand of another shape or dtype, torch's
    checks (leaf, overlap, broadcast shape, result cast) come before anything the kernel itself refuses."""
    is_sub = fn is _ar.sub

    def method(self, *args, **kwargs):
        other = args[0] if args else kwargs.get("other")
        if isinstance(other, Tensor):
            if other._data.shape == self._data.shape and other._data.dtype == self._data.dtype:
                return _inplace(self, fn, *args, **kwargs)
        elif self._data.dtype.kind not in "biu":
            return _inplace(self, fn, *args, **kwargs)  # (a number into a float tensor: nothing to check first)
        from ._ops._args import _precheck
        from ._ops._inplace import check_inplace, early_checks
        if is_sub:  # sub's own bool check comes right after autograd's leaf check
            if _grad_state.enabled and (self._requires_grad or getattr(other, "_requires_grad", False)):
                check_inplace(self)
            _ar._check_sub(self._data, other._data if isinstance(other, Tensor) else other)
        early_checks(self, args)
        _precheck(self, other, result_dtype)
        return _inplace(self, fn, *args, **kwargs)
    method.__name__ = getattr(fn, "__name__", "method") + "_"
    return method


def _bind_elementwise_inplace():
    from ._ops._args import promoted, promoted_float
    for name, fn, rd in (("add_", _ar.add, promoted), ("sub_", _ar.sub, promoted), ("subtract_", _ar.sub, promoted),
                         ("pow_", _ar.pow, promoted),
                         ("mul_", _ar.mul, promoted), ("multiply_", _ar.mul, promoted),
                         ("div_", _ar.div, promoted_float), ("divide_", _ar.div, promoted_float),
                         ("true_divide_", _ar.div, promoted_float), ("floor_divide_", _ar.floor_divide, promoted),
                         ("remainder_", _ar.remainder, promoted), ("fmod_", _ar.fmod, promoted)):
        setattr(Tensor, name, _m_elementwise(fn, rd))


_bind_elementwise_inplace()


def _part(self, name: str):
    """x.real / x.imag: views of a complex tensor's parts (sharing its memory and version counter)."""
    if self._data.dtype.kind != "c":
        if name == "real":
            return self
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    view = Tensor._make(getattr(self._data, name))
    view._vc = self._vc
    view._base = self if self._base is None else self._base
    return view


Tensor.real = property(lambda self: _part(self, "real"))
Tensor.imag = property(lambda self: _part(self, "imag"))


def _zero_(self):
    return _fill(self, 0)


def _fill(self, value):
    from ._ops._inplace import check_inplace
    if isinstance(value, Tensor):
        if value.dim() != 0:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with {value.dim()} dimensions.")
        v = value._data
        if v.dtype.kind == "c" and self._data.dtype.kind != "c":
            warnings.warn("Casting complex values to real discards the imaginary part", UserWarning, stacklevel=2)
            v = v.real
        value = v.astype(self._data.dtype)  # a tensor value is cast unchecked (int8 -5 wraps into uint8)
    else:  # a Python number goes through c10's checked conversion (a tensor value is copied, unchecked)
        from ._range_factories import scalar_to
        if _grad_state.enabled and self._requires_grad:
            from ._ops._inplace import check_inplace
            check_inplace(self)  # autograd's leaf check comes before the conversion
        value = scalar_to(value, self.dtype)
    if _grad_state.enabled and self._requires_grad:
        check_inplace(self)
        return _inplace(self, _FillOp.apply, value)
    self._data[...] = value
    self._vc[0] += 1
    return self


class _FillOp(_ar.Function):
    """out = value everywhere;  da = 0"""

    _backward_name = "FillBackward3"

    @staticmethod
    def forward(ctx, a, value):
        return np.full_like(a, value)

    @staticmethod
    def backward(ctx, g):
        return np.zeros_like(g), None


def _copy_(self, src, non_blocking: bool = False):
    """Copy ``src`` (broadcast, cast) into self in place."""
    if not isinstance(src, Tensor):
        raise TypeError(f"copy_(): argument 'src' (position 1) must be Tensor, not {type(src).__name__}")
    if _grad_state.enabled and (self._requires_grad or src._requires_grad):
        from ._ops._inplace import check_inplace
        check_inplace(self)  # autograd's leaf check comes first
    shape = self._data.shape
    try:
        full = np.broadcast_shapes(shape, src._data.shape)
    except ValueError:
        from ._ops._broadcast import broadcast_error
        raise broadcast_error(shape, src._data.shape) from None
    if full != shape:
        raise RuntimeError(f"output with shape [{', '.join(map(str, shape))}] doesn't match the broadcast shape "
                           f"[{', '.join(map(str, full))}]")
    from ._ops._inplace import check_overlap
    check_overlap(self._data)
    if _grad_state.enabled and (self._requires_grad or src._requires_grad):
        return _inplace(self, lambda t, s: _CopyOp.apply(t, s), src)
    np.copyto(self._data, src._data, casting="unsafe")
    self._vc[0] += 1
    return self


class _CopyOp(_ar.Function):
    """out = src broadcast to a's shape and cast to a's dtype;  da = 0,  dsrc = g summed back"""

    _backward_name = "torch::autograd::CopyBackwards"

    @staticmethod
    def forward(ctx, a, src):
        ctx.src_meta = (src.shape, src.dtype)
        out = np.empty_like(a)
        np.copyto(out, src, casting="unsafe")
        return out

    @staticmethod
    def backward(ctx, g):
        from ._ops._broadcast import sum_to_shape
        shape, dtype = ctx.src_meta
        gs = sum_to_shape(g, shape).astype(dtype, copy=False) if ctx.needs_input_grad[1] else None
        return np.zeros_like(g), gs


def _cast_method(dtype):
    def method(self, memory_format=None):
        return _conv.cast(self, dtype)
    method.__name__ = dtype.name
    return method


def _shape_inplace(fn, name: str):
    """``unsqueeze_``/``squeeze_``/``t_``/``transpose_``: the tensor itself takes the view's shape (and history)."""
    def method(self, *args):
        res = fn(self, *args)
        self._data = res._data
        if res._grad_fn is not None:
            self._grad_fn, self._output_nr = res._grad_fn, res._output_nr
        return self
    method.__name__ = name
    return method


Tensor.unsqueeze_ = _shape_inplace(_sh.unsqueeze_view_, "unsqueeze_")
Tensor.squeeze_ = _shape_inplace(_sh.squeeze_view_, "squeeze_")
Tensor.t_ = _shape_inplace(_sh.t_view_, "t_")
Tensor.transpose_ = _shape_inplace(_sh.transpose_view_, "transpose_")
Tensor.zero_ = _zero_
Tensor.fill_ = _fill
Tensor.copy_ = _copy_
Tensor.float = _cast_method(D.float32)
Tensor.double = _cast_method(D.float64)
Tensor.half = _cast_method(D.float16)
Tensor.bfloat16 = _cast_method(D.bfloat16)
Tensor.long = _cast_method(D.int64)
Tensor.int = _cast_method(D.int32)
Tensor.short = _cast_method(D.int16)
Tensor.char = _cast_method(D.int8)
Tensor.byte = _cast_method(D.uint8)
Tensor.bool = _cast_method(D.bool)
Tensor.cpu = lambda self, memory_format=None: self


def _cuda(self, *args, **kwargs):
    raise AssertionError("Torch not compiled with CUDA enabled")


Tensor.cuda = _cuda
Tensor.__getitem__ = _ix.getitem
Tensor.__setitem__ = _ix.setitem
Tensor.size = Tensor.size  # keep the metadata method


def _T(self):
    """Reverse all dims (torch records it as a permute, and warns - once per process, like its TORCH_WARN_ONCE - unless the tensor is 2-D)."""
    nd = self.dim()
    kind = "0d" if nd == 0 else ("nd" if nd != 2 else None)
    if kind is None or kind in _WARNED_ONCE:
        return _sh.permute(self, tuple(range(nd - 1, -1, -1)))
    _WARNED_ONCE.add(kind)
    if nd == 0:
        warnings.warn("Tensor.T is deprecated on 0-D tensors. This function is the identity in these cases. "
                      "(Triggered internally at /__w/pytorch/pytorch/aten/src/ATen/native/TensorShape.cpp:4321.)",
                      UserWarning, stacklevel=2)
    elif nd != 2:
        warnings.warn("The use of `x.T` on tensors of dimension other than 2 to reverse their shape is deprecated and "
                      "it will throw an error in a future release. Consider `x.mT` to transpose batches of matrices "
                      "or `x.permute(*torch.arange(x.ndim - 1, -1, -1))` to reverse the dimensions of a tensor. "
                      "(Triggered internally at /__w/pytorch/pytorch/aten/src/ATen/native/TensorShape.cpp:4314.)",
                      UserWarning, stacklevel=2)
    return _sh.permute(self, tuple(range(nd - 1, -1, -1)))


Tensor.T = property(_T)
Tensor.mT = property(lambda self: _sh.transpose(self, -2, -1))
Tensor.H = Tensor.T
Tensor.mH = Tensor.mT


from . import _creation  # noqa: E402

Tensor.new_zeros = _creation.new_zeros
Tensor.new_ones = _creation.new_ones
Tensor.new_empty = _creation.new_empty
Tensor.new_full = _creation.new_full
Tensor.new_tensor = _creation.new_tensor


# --- operators ------------------------------------------------------------------
def _binary(fn, swap=False, reflected=False):
    """``self <op> other``; a reflected operator refuses an ndarray on the left (``ndarray + tensor`` is a
    TypeError in torch: NumPy defers to the tensor's higher ``__array_priority__``, and torch declines)."""
    def op(self, other):
        if not isinstance(other, (Tensor, int, float, bool, complex, np.generic, np.ndarray)):
            return NotImplemented
        if isinstance(other, np.ndarray):
            if reflected:
                return NotImplemented
            other = Tensor._make(other)
        return fn(other, self) if swap else fn(self, other)
    return op


def _reflected(fn):
    """A reflected operator implemented by ``fn(self, other)`` that declines ndarrays (see ``_binary``)."""
    def op(self, other):
        if isinstance(other, np.ndarray):
            return NotImplemented
        return fn(self, other)
    return op


def _fast(fn_cls, slow):
    """``self <op> other`` calling the op's Function directly for tensors and Python numbers (the hot path of
    small models); anything else goes through the checked wrapper, which raises torch's errors."""
    fast_types = (Tensor, float, int)

    def op(self, other):
        if isinstance(other, fast_types):
            return _apply2(fn_cls, self, other)  # what fn_cls.apply(self, other) runs, one call sooner
        return slow(self, other)
    return op


Tensor.__add__ = _fast(_ar.Add, _binary(_ar.add))
Tensor.__radd__ = _fast(_ar.Add, _binary(_ar.add, reflected=True))
Tensor.__sub__ = _fast(_ar.Sub, _binary(_ar.sub))
Tensor.__rsub__ = _reflected(lambda self, other: _ar.rsub(self, other))
Tensor.__mul__ = _fast(_ar.Mul, _binary(_ar.mul))
Tensor.__rmul__ = _fast(_ar.Mul, _binary(_ar.mul, reflected=True))
Tensor.__truediv__ = _fast(_ar.Div, _binary(_ar.div))
Tensor.__rtruediv__ = _reflected(lambda self, other: _ar.rdiv(self, other))
Tensor.__floordiv__ = _binary(_ar.floor_divide)
Tensor.__rfloordiv__ = _binary(_ar.floor_divide, swap=True, reflected=True)
Tensor.__mod__ = _binary(_ar.remainder)
Tensor.__rmod__ = _binary(_ar.remainder, swap=True, reflected=True)
Tensor.__pow__ = _binary(_ar.pow)
Tensor.__rpow__ = _binary(_ar.pow, swap=True, reflected=True)
def _matmul_op(self, other):
    # the 2-D cases go straight to their Function; everything else through matmul's shape rules
    if isinstance(other, Tensor):
        if self._data.ndim == 2:
            d2 = other._data.ndim
            if d2 == 2:
                return _apply2(_la.Mm, self, other)
            if d2 == 1:
                return _apply2(_la.Mv, self, other)
        return _la.matmul(self, other)
    return NotImplemented


Tensor.__matmul__ = _matmul_op
Tensor.__rmatmul__ = _binary(_la.matmul, swap=True, reflected=True)
Tensor.__neg__ = lambda self: _ar.neg(self)
Tensor.__pos__ = lambda self: self
Tensor.__abs__ = lambda self: _un.abs(self)
def _invert(self):
    if self._data.dtype.kind not in "biu":
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type tensors")
    return _cmp.bitwise_not(self)


Tensor.__invert__ = _invert
Tensor.__and__ = _binary(_cmp.bitwise_and)
Tensor.__rand__ = _binary(_cmp.bitwise_and)
Tensor.__or__ = _binary(_cmp.bitwise_or)
Tensor.__ror__ = _binary(_cmp.bitwise_or)
Tensor.__xor__ = _binary(_cmp.bitwise_xor)
Tensor.__rxor__ = _binary(_cmp.bitwise_xor)
Tensor.__eq__ = _binary(_cmp.eq)
Tensor.__ne__ = _binary(_cmp.ne)
Tensor.__lt__ = _binary(_cmp.lt)
Tensor.__le__ = _binary(_cmp.le)
Tensor.__gt__ = _binary(_cmp.gt)
Tensor.__ge__ = _binary(_cmp.ge)
Tensor.__iadd__ = lambda self, other: self.add_(other)
Tensor.__isub__ = lambda self, other: self.sub_(other)
Tensor.__imul__ = lambda self, other: self.mul_(other)
Tensor.__itruediv__ = lambda self, other: self.div_(other)
Tensor.__ifloordiv__ = lambda self, other: self.floor_divide_(other)
Tensor.__imod__ = lambda self, other: self.remainder_(other)
Tensor.__ipow__ = lambda self, other: self.pow_(other)
Tensor.__imatmul__ = lambda self, other: _la.matmul(self, other)
Tensor.__idiv__ = lambda self, other: self.div_(other)
Tensor.__iand__ = lambda self, other: self.bitwise_and_(other)
Tensor.__ior__ = lambda self, other: self.bitwise_or_(other)
Tensor.__ixor__ = lambda self, other: self.bitwise_xor_(other)
Tensor.__hash__ = lambda self: id(self)  # assigning __eq__ above reset it
