"""Small tensor utilities torch has at top level or as methods: predicates (``is_nonzero``, ``is_same_size``...),
``typename``, ``fill``, ``empty_permuted``, ``frombuffer``, ``sum_to_size``, ``resize_``, ``new``, ``apply_``/
``map_``/``map2_``, ``fill_diagonal_``, ``dim_order`` and the CPU answers about pinned/shared memory."""
from __future__ import annotations

import math
import warnings

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor, _root
from ..autograd.function import _NumpyFunction as Function
from ..autograd.grad_mode import state as _grad_state
from ._inplace import inplace

__all__ = ["is_nonzero", "is_same_size", "is_signed", "is_inference", "typename", "fill", "empty_permuted",
           "frombuffer", "nonzero_static", "get_device", "resize_as_"]


def _shape_str(shape) -> str:
    return "[" + ", ".join(map(str, shape)) + "]"


def is_nonzero(input: Tensor) -> bool:
    """bool of a one-element tensor."""
    n = input.numel()
    if n == 0:
        raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
    if n > 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    return bool(input._data.reshape(()))


def is_same_size(input: Tensor, other: Tensor) -> bool:
    return input.shape == other.shape


def is_signed(input: Tensor) -> bool:
    return input.is_signed()


def is_inference(input: Tensor) -> bool:
    return False  # ember never makes inference tensors (inference_mode only switches grad off)


def typename(obj) -> str:
    """The type of a tensor as ``x.type()`` says it, else ``module.qualname`` of the object (or of its class)."""
    if isinstance(obj, Tensor):
        return obj.type()
    module = getattr(obj, "__module__", "") or ""
    if hasattr(obj, "__qualname__"):
        qualname = obj.__qualname__
    elif hasattr(obj, "__name__"):
        qualname = obj.__name__
    else:
        module = obj.__class__.__module__ or ""
        qualname = obj.__class__.__qualname__
    return qualname if module in ("", "builtins") else f"{module}.{qualname}"


class Fill(Function):
    """out = value everywhere (input's shape and dtype);  d input = 0"""

    _backward_name = "FillBackward0"

    @staticmethod
    def forward(ctx, a, value):
        return np.full(a.shape, value, a.dtype)

    @staticmethod
    def backward(ctx, g):
        return np.zeros_like(g), None


class FillTensor(Function):
    """out = value (a 0-d tensor) everywhere;  d input = 0,  d value = sum(g)"""

    _backward_name = "FillBackward1"

    @staticmethod
    def forward(ctx, a, value):
        if value.ndim:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with {value.ndim} "
                               "dimensions.")
        ctx.dtype = value.dtype
        return np.full(a.shape, value, a.dtype)

    @staticmethod
    def backward(ctx, g):
        return np.zeros_like(g), np.asarray(g.sum(), ctx.dtype)


def fill(input: Tensor, value) -> Tensor:
    """A new tensor like input, every element ``value`` (torch's out-of-place fill)."""
    return FillTensor.apply(input, value) if isinstance(value, Tensor) else Fill.apply(input, value)


def empty_permuted(size, physical_layout, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
                   pin_memory: bool = False) -> Tensor:
    """An uninitialised tensor of ``size`` whose memory holds the dims in ``physical_layout`` order."""
    size, perm = tuple(size), tuple(physical_layout)
    if len(size) != len(perm):
        raise RuntimeError(f"Number of dimensions in size does not match the length of the physical_layout; "
                           f"i.e. len(size) = {len(size)} is not equal to len(physical_layout) = {len(perm)}")
    for i, d in enumerate(perm):
        if not 0 <= d < len(size):
            raise RuntimeError(f"Dimension out of range (expected to be between 0 and {len(size) - 1}, but got {d} at "
                               f"index {i}).  NB: negative dims not currently supported; file an issue if you want it.")
    if len(set(perm)) != len(perm):
        raise RuntimeError("Duplicate dim not allowed")
    np_dtype = (dtype or D.get_default_dtype()).np_dtype
    arr = np.zeros([size[p] for p in perm], np_dtype).transpose(np.argsort(perm))
    return Tensor._make(arr, requires_grad)


def frombuffer(buffer, *, dtype, count: int = -1, offset: int = 0, requires_grad: bool = False) -> Tensor:
    """A 1-D tensor sharing the memory of a Python buffer (bytes are not copied)."""
    view = memoryview(buffer)
    nbytes = view.nbytes
    item = dtype.itemsize
    if nbytes <= 0:
        raise ValueError(f"both buffer length ({nbytes}) and count ({count}) must not be 0")
    if not 0 <= offset < nbytes:
        raise ValueError(f"offset ({offset} bytes) must be non-negative and no greater than buffer length "
                         f"({nbytes} bytes) minus 1")
    if count <= 0 and (nbytes - offset) % item:
        raise ValueError(f"buffer length ({nbytes - offset} bytes) after offset ({offset} bytes) must be a multiple "
                         f"of element size ({item})")
    if count > 0 and count * item > nbytes - offset:
        raise ValueError(f"requested buffer length ({count} * {item} bytes) after offset ({offset} bytes) must not "
                         f"be greater than actual buffer length ({nbytes} bytes)")
    if view.readonly:
        warnings.warn("The given buffer is not writable, and PyTorch does not support non-writable tensors. This "
                      "means you can write to the underlying (supposedly non-writable) buffer using the tensor. You "
                      "may want to copy the buffer to protect its data or make it writable before converting it to a "
                      "tensor. This type of warning will be suppressed for the rest of this program.", UserWarning,
                      stacklevel=2)
    n = count if count > 0 else (nbytes - offset) // item
    arr = np.frombuffer(buffer, dtype.np_dtype, n, offset)
    if not arr.flags.writeable:
        arr.flags.writeable = False  # (NumPy cannot make it writable; writes raise instead of corrupting bytes)
    return Tensor._make(arr, requires_grad)


def nonzero_static(input: Tensor, *, size: int, fill_value: int = -1) -> Tensor:
    """nonzero's (n, ndim) indices cut or padded with fill_value to exactly ``size`` rows."""
    if size < 0:
        raise RuntimeError("nonzero_static: 'size' must be an non-negative integer")
    idx = np.argwhere(input._data).astype(np.int64)[:size]
    out = np.full((size, input.dim()), fill_value, np.int64)
    out[:len(idx)] = idx
    return Tensor._make(out)


def get_device(input: Tensor) -> int:
    return -1  # a CPU tensor


# --- Tensor methods -------------------------------------------------------------------------------------

def sum_to_size(self: Tensor, *size) -> Tensor:
    """Sum self down to ``size`` (which must expand to self's shape): the reverse of ``expand``."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    shape = tuple(self.shape)
    lead = len(shape) - len(size)
    if lead < 0 or any(s not in (1, n) for s, n in zip(size, shape[lead:])):
        raise RuntimeError(f"size {{{_shape_str(size)}}} is not expandable to size {{{_shape_str(shape)}}}.")
    dims = list(range(lead)) + [lead + i for i, s in enumerate(size) if s == 1 and shape[lead + i] != 1]
    if not dims:
        return self
    if not size:
        return self.sum()  # (torch reduces to a 0-d target with a plain sum)
    out = self.sum(dims, keepdim=True)
    return out.view(size) if lead else out


def resize_(self: Tensor, *sizes, memory_format=None) -> Tensor:
    """Give self the contiguous shape ``sizes``, keeping its storage (and its first elements) when it is big
    enough; a tensor owning its memory gets a bigger storage (new elements are zeros, torch leaves them
    uninitialised). Deviation: a view (or a from_numpy tensor) cannot grow its shared storage here."""
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = tuple(sizes[0])
    sizes = tuple(int(s) for s in sizes)
    if self._requires_grad:
        raise RuntimeError("cannot resize variables that require grad")
    if any(s < 0 for s in sizes):
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(sizes)}: {list(sizes)}")
    arr = self._data
    if sizes == arr.shape:
        return self  # the same sizes keep the strides (torch's resize_ is then a no-op)
    n = math.prod(sizes)
    root = _root(arr)
    offset = self.storage_offset()
    if root.flags.c_contiguous and (offset + n) * arr.itemsize <= root.nbytes:
        flat = root.reshape(-1).view(np.uint8)
        self._data = np.ndarray(sizes, arr.dtype, buffer=flat, offset=offset * arr.itemsize)
    elif arr.base is None and self._base is None:
        grown = np.zeros(offset + n, arr.dtype)
        old = arr.reshape(-1)
        grown[:old.size] = old
        self._data = grown.reshape(sizes)
    else:
        raise RuntimeError("Trying to resize storage that is not resizable")
    self._bump_version()
    return self


def resize_as_(self: Tensor, the_template: Tensor, *, memory_format=None) -> Tensor:
    return resize_(self, tuple(the_template.shape))


def new(self: Tensor, *args, device=None) -> Tensor:
    """Legacy constructor in self's dtype: ``x.new()`` (empty), ``x.new(2, 3)`` (sizes), ``x.new(data)``."""
    dt = self._data.dtype
    if not args:
        return Tensor._make(np.zeros((0,), dt))
    from .._size import Size
    if len(args) == 1 and isinstance(args[0], Size):
        args = tuple(args[0])
    if all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in args):
        return Tensor._make(np.zeros(tuple(int(a) for a in args), dt))
    if len(args) == 1 and isinstance(args[0], Tensor):
        return args[0] if args[0]._data.dtype == dt else args[0].to(self.dtype)
    from .._creation import tensor
    return tensor(args[0], dtype=self.dtype)


def _refuse_grad(self: Tensor, name: str) -> None:
    if self._requires_grad:
        raise RuntimeError(f"Can't call {name}() on Variable that requires grad. Use var.detach().{name}() instead.")


def apply_(self: Tensor, callable) -> Tensor:
    """Apply a Python function to every element, in place (CPU only, no autograd)."""
    _refuse_grad(self, "apply_")
    vals = [callable(v) for v in self._data.ravel().tolist()]
    self._data[...] = np.asarray(vals, self._data.dtype).reshape(self._data.shape)
    self._bump_version()
    return self


def map_(self: Tensor, tensor: Tensor, callable) -> Tensor:
    """self[i] = callable(self[i], tensor[i]) with tensor broadcast to self's shape, in place."""
    _refuse_grad(self, "map_")
    other = np.broadcast_to(tensor._data, self._data.shape)
    vals = [callable(a, b) for a, b in zip(self._data.ravel().tolist(), other.ravel().tolist())]
    self._data[...] = np.asarray(vals, self._data.dtype).reshape(self._data.shape)
    self._bump_version()
    return self


def map2_(self: Tensor, x: Tensor, y: Tensor, callable) -> Tensor:
    """self[i] = callable(self[i], x[i], y[i]), in place."""
    _refuse_grad(self, "map2_")
    bx = np.broadcast_to(x._data, self._data.shape).ravel().tolist()
    by = np.broadcast_to(y._data, self._data.shape).ravel().tolist()
    vals = [callable(a, b, c) for a, b, c in zip(self._data.ravel().tolist(), bx, by)]
    self._data[...] = np.asarray(vals, self._data.dtype).reshape(self._data.shape)
    self._bump_version()
    return self


def fill_diagonal_(self: Tensor, fill_value, wrap: bool = False) -> Tensor:
    """Fill the main diagonal (all dims equal for more than 2 dims) through a strided view of it, as torch does;
    ``wrap`` continues it every ncols + 1 rows of a tall matrix."""
    nd = self.dim()
    if nd < 2:
        raise RuntimeError("dimensions must larger than 1")
    height, width = self.shape[0], self.shape[1]
    if nd > 2 and len(set(self.shape)) != 1:
        raise RuntimeError("all dimensions of input must be of equal length")
    if _grad_state.enabled and self._requires_grad and self._grad_fn is None:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place operation.")
    offset = self.storage_offset()
    size = min(height, width)
    stride = sum(self.stride())
    self.as_strided((size,), (stride,), offset).fill_(fill_value)
    if wrap and nd == 2 and height > width + 1:
        step = width + 1
        wrap_size = (self.numel() + step - 1) // step - size
        self.as_strided((wrap_size,), (stride,), offset + self.stride(0) * (width + 1)).fill_(fill_value)
    return self


def is_set_to(self: Tensor, tensor: Tensor) -> bool:
    """Whether both tensors view the same memory with the same offset, sizes and strides."""
    a, b = self._data, tensor._data
    return (_root(a) is _root(b) and self.storage_offset() == tensor.storage_offset() and a.shape == b.shape
            and self.stride() == tensor.stride())


def dim_order(self: Tensor, *, ambiguity_check: bool = False) -> tuple[int, ...]:
    """The dims from outermost to innermost in memory (by decreasing stride, ties kept in order)."""
    strides = self.stride()
    return tuple(sorted(range(self.dim()), key=lambda d: -strides[d]))


def pin_memory(self: Tensor, device=None) -> Tensor:
    raise RuntimeError("Cannot access accelerator device when none is available.")


def share_memory_(self: Tensor) -> Tensor:
    """Marks the tensor shared (ember's tensors already live in plain process memory)."""
    self._is_shared = True
    return self


def _cumulative_(fn):
    def method(self, dim, *, dtype=None):
        if dtype is not None and dtype != self.dtype:
            from .._tensor import _C_NAMES
            raise RuntimeError(f"Bad in-place call: input tensor dtype {_C_NAMES[self.dtype.name]} and output tensor "
                               f"dtype {_C_NAMES[dtype.name]} should match")
        return inplace(self, fn, dim, dtype=dtype)
    method.__name__ = fn.__name__ + "_"
    return method


from .._random_ops import bernoulli, multinomial  # noqa: E402
from .reduction import cumprod, cumsum  # noqa: E402

T = Tensor
# Tensor methods (attached in ember/__init__.py)
METHODS = {
    "sum_to_size": sum_to_size, "resize_": resize_, "resize_as_": resize_as_, "new": new, "apply_": apply_,
    "map_": map_, "map2_": map2_, "fill_diagonal_": fill_diagonal_, "dim_order": dim_order,
    "pin_memory": pin_memory, "share_memory_": share_memory_, "is_inference": is_inference,
    "is_pinned": lambda self, device=None: False, "is_shared": lambda self: getattr(self, "_is_shared", False),
    "is_nonzero": is_nonzero, "is_same_size": is_same_size,
    "output_nr": property(lambda self: self._output_nr if self._grad_fn is not None else 0),
    "cumsum_": _cumulative_(cumsum), "cumprod_": _cumulative_(cumprod),
    "greater_": T.gt_, "greater_equal_": T.ge_, "less_": T.lt_, "less_equal_": T.le_, "not_equal_": T.ne_,
    "swapaxes_": T.transpose_, "swapdims_": T.transpose_,
    "cdouble": lambda self, memory_format=None: self.to(D.complex128),
    "cfloat": lambda self, memory_format=None: self.to(D.complex64),
    "bernoulli": bernoulli, "multinomial": multinomial, "nonzero_static": nonzero_static, "is_set_to": is_set_to,
    "const_data_ptr": T.data_ptr,
    # CPU tensors: no other backend's layout or device
    **{name: property(lambda self: False) for name in ("is_mps", "is_xla", "is_xpu", "is_ipu", "is_mtia", "is_maia",
                                                       "is_vulkan", "is_mkldnn", "is_nested", "is_sparse_csr")},
}
