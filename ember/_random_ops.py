"""Random tensor factories (``rand``, ``randn``, ``randint``, ...) and in-place samplers (``uniform_``, ...).

This layer parses torch's arguments, raises torch's errors and dtype rules, and hands ndarrays to the
kernels of ``ember._rng.sampling``, which reproduce torch 2.13's CPU streams bit for bit.
"""
from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from . import _dtype as D
from ._device import check_device
from ._rng import sampling as S
from ._rng.generator import Generator, default_generator
from ._tensor import Tensor

__all__ = ["rand", "rand_like", "randn", "randn_like", "randint", "randint_like", "randperm", "normal",
           "bernoulli", "multinomial", "poisson"]

_FLOATS = (np.float16, np.float32, np.float64)
_INT = builtins.int
_C_NAMES = {"uint8": "unsigned char", "int8": "signed char", "int16": "short int", "int32": "int",
            "int64": "long int", "bool": "bool", "float16": "c10::Half", "float32": "float", "float64": "double"}
_SCALAR_NAMES = {"uint8": "Byte", "int8": "Char", "int16": "Short", "int32": "Int", "int64": "Long",
                 "bool": "Bool", "float16": "Half", "float32": "Float", "float64": "Double",
                 "complex64": "ComplexFloat", "complex128": "ComplexDouble"}


# ---------------------------------------------------------------------------------------------- arguments
def _gen(generator: Generator | None) -> Generator:
    return default_generator if generator is None else generator


def _fast_shape(size: tuple) -> tuple[int, ...] | None:
    """``size`` itself when it is already a tuple of non-negative Python ints (the common call), else None."""
    for s in size:
        if type(s) is not builtins.int or s < 0:
            return None
    return size


def _size(size: tuple, fn: str) -> tuple[int, ...]:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    out = []
    for s in size:
        if isinstance(s, Tensor):
            s = s.item()
        if isinstance(s, builtins.bool) or not isinstance(s, (builtins.int, np.integer)):
            raise TypeError(f"{fn}(): argument 'size' must be tuple of ints, but found element of type "
                            f"{type(s).__name__} at pos {len(out)}")
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(size)}")
        out.append(builtins.int(s))
    return tuple(out)


def _dtype(dtype, default: D.dtype) -> D.dtype:
    if dtype is None:
        return default
    if dtype is builtins.float:
        return D.float64
    if dtype is builtins.int:
        return D.int64
    if dtype is builtins.bool:
        return D.bool
    if not isinstance(dtype, D.dtype):
        raise TypeError(f"dtype must be torch.dtype, not {type(dtype).__name__}")
    return dtype


def _np(d: D.dtype) -> np.dtype:
    return D._require_storable(d)


def _not_implemented(kernel: str, np_dtype: np.dtype) -> NotImplementedError:
    return NotImplementedError(f'"{kernel}" not implemented for \'{_SCALAR_NAMES.get(np_dtype.name, np_dtype.name)}\'')


def _new(shape, d: D.dtype, out: Tensor | None, requires_grad: bool, device, layout=None,
         pin_memory=None) -> tuple[np.ndarray, Tensor | None]:
    check_device(device)
    if out is not None:
        if out._data.shape != tuple(shape):
            out._data = np.empty(shape, dtype=out._data.dtype)  # torch resizes ``out``
        return out._data, out
    return np.empty(shape, dtype=_np(d)), None


def _finish(arr: np.ndarray, out: Tensor | None, requires_grad: bool) -> Tensor:
    if out is not None:
        out._vc[0] += 1
        return out
    if requires_grad and arr.dtype.kind not in "fc":
        raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
    return Tensor._make(arr, requires_grad=requires_grad)


def _check_inplace(t: Tensor) -> None:
    from .autograd.grad_mode import state
    if t.requires_grad and t.grad_fn is None and state.enabled:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")


def _done(t: Tensor) -> Tensor:
    t._vc[0] += 1
    return t


def _fmt(x) -> str:
    """A double as C++'s ``operator<<`` prints it in torch's messages (6 significant digits)."""
    if isinstance(x, builtins.int):
        return str(x)
    r = f"{x:.6g}"
    return r


# ---------------------------------------------------------------------------------------------- uniform
def _uniform_into(arr: np.ndarray, from_: float, to: float, gen: Generator) -> None:
    if arr.dtype.type not in _FLOATS:
        raise _not_implemented("check_uniform_bounds", arr.dtype)
    limit = float(np.finfo(arr.dtype).max)
    name = _C_NAMES[arr.dtype.name]
    if not -limit <= from_ <= limit:
        raise RuntimeError(f"from is out of bounds for {name}")
    if not -limit <= to <= limit:
        raise RuntimeError(f"to is out of bounds for {name}")
    if from_ > to:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={_fmt(from_)} > to={_fmt(to)}")
    if to - from_ > limit:
        label = {"float32": "Float", "float64": "Double", "float16": "Half"}[arr.dtype.name]
        raise RuntimeError(f"uniform_ expects to-from <= std::numeric_limits<{label}>::max(), but found "
                           f"to={_fmt(to)} and from={_fmt(from_)} which result in to-from to exceed the limit")
    if arr.size:
        S.uniform_(arr, from_, to, gen)


def uniform_(self: Tensor, from_: float = 0.0, to: float = 1.0, *, generator: Generator | None = None) -> Tensor:
    """Fill with U[from, to) as torch's ``uniform_kernel``."""
    _check_inplace(self)
    _uniform_into(self._data, float(from_), float(to), _gen(generator))
    return _done(self)


def rand(*size, generator: Generator | None = None, out: Tensor | None = None, dtype=None, layout=None,
         device=None, requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """Uniform samples on [0, 1), identical to torch.rand for the same generator state."""
    if out is None and dtype is None and device is None and layout is None:
        shape = _fast_shape(size)
        if shape is not None:  # fast path: ints, default dtype, default everything
            arr = np.empty(shape, dtype=D._default._np)
            if arr.size:
                S.uniform_(arr, 0.0, 1.0, default_generator if generator is None else generator)
            return Tensor._make(arr, requires_grad)
    shape = _size(size, "rand")
    d = _dtype(dtype, D.get_default_dtype() if out is None else out.dtype)
    arr, o = _new(shape, d, out, requires_grad, device)
    _uniform_into(arr, 0.0, 1.0, _gen(generator))
    return _finish(arr, o, requires_grad)


def rand_like(input: Tensor, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
              memory_format=None, generator: Generator | None = None) -> Tensor:
    return rand(tuple(input.shape), dtype=_dtype(dtype, input.dtype), device=device,
                requires_grad=requires_grad, generator=generator)


# ---------------------------------------------------------------------------------------------- normal
def _normal_into(arr: np.ndarray, mean: float, std: float, gen: Generator) -> None:
    if arr.dtype.type not in _FLOATS:
        raise _not_implemented("normal_kernel_cpu", arr.dtype)
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {_fmt(std)}")
    if arr.size:
        S.normal_(arr, mean, std, gen)


def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *, generator: Generator | None = None) -> Tensor:
    """Fill with N(mean, std**2) as torch's ``normal_kernel``."""
    _check_inplace(self)
    _normal_into(self._data, float(mean), float(std), _gen(generator))
    return _done(self)


def randn(*size, generator: Generator | None = None, out: Tensor | None = None, dtype=None, layout=None,
          device=None, requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """Standard normal samples, identical to torch.randn for the same generator state."""
    if out is None and dtype is None and device is None and layout is None:
        if len(size) == 1 and type(size[0]) is _INT and 0 <= size[0] < 16:
            # per-call fast path: small 1-D draw on the serial path (default dtype, no options)
            return Tensor._make(S.small_normals(default_generator if generator is None else generator,
                                                size[0], D._default._np), requires_grad)
        shape = _fast_shape(size)
        if shape is not None:  # fast path: ints, default dtype, default everything
            npd = D._default._np
            gen = default_generator if generator is None else generator
            arr = np.empty(shape, dtype=npd)
            if arr.size < 16:
                arr[...] = S.small_normals(gen, arr.size, npd).reshape(shape)
            else:
                S.normal_(arr, 0.0, 1.0, gen)
            return Tensor._make(arr, requires_grad)
    shape = _size(size, "randn")
    d = _dtype(dtype, D.get_default_dtype() if out is None else out.dtype)
    arr, o = _new(shape, d, out, requires_grad, device)
    _normal_into(arr, 0.0, 1.0, _gen(generator))
    return _finish(arr, o, requires_grad)


def randn_like(input: Tensor, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
               memory_format=None, generator: Generator | None = None) -> Tensor:
    return randn(tuple(input.shape), dtype=_dtype(dtype, input.dtype), device=device,
                 requires_grad=requires_grad, generator=generator)


def normal(mean, std=1.0, size=None, *, generator: Generator | None = None, out: Tensor | None = None,
           dtype=None, layout=None, device=None, requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """``torch.normal``: (Tensor, Tensor), (Tensor, float), (float, Tensor) or (float, float, size).

    The tensor overloads draw ``normal_(0, 1)`` into the output and then scale it: ``out * std + mean``
    as a separate multiply and add in the output dtype, like torch.
    """
    gen = _gen(generator)
    mt, st = isinstance(mean, Tensor), isinstance(std, Tensor)
    if not mt and not st:
        if size is None:
            raise TypeError(f"normal() received an invalid combination of arguments - got "
                            f"({type(mean).__name__}, {type(std).__name__}), but expected one of size=...")
        shape = _size((size,), "normal")
        d = _dtype(dtype, D.get_default_dtype() if out is None else out.dtype)
        arr, o = _new(shape, d, out, requires_grad, device)
        _normal_into(arr, float(mean), float(std), gen)
        return _finish(arr, o, requires_grad)
    if size is not None:
        raise TypeError("normal() received an invalid combination of arguments - size is only accepted "
                        "with float mean and std")
    if st:
        if std._data.size and std._data.min() < 0:
            raise RuntimeError("normal expects all elements of std >= 0.0")
    elif std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {_fmt(std)}")
    ref = mean if mt else std
    if mt and st:
        shape = np.broadcast_shapes(mean._data.shape, std._data.shape)
        np_dt = np.result_type(mean._data.dtype, std._data.dtype)
    else:
        shape = ref._data.shape
        np_dt = ref._data.dtype
    if np_dt.type not in _FLOATS:
        raise _not_implemented("normal_kernel_cpu", np_dt)
    arr = np.empty(shape, dtype=np_dt) if out is None else out._data
    if arr.size:
        S.normal_(arr, 0.0, 1.0, gen)
    s = std._data if st else np_dt.type(std)
    m = mean._data if mt else np_dt.type(mean)
    res = np.multiply(arr, s, dtype=_math_dtype(np_dt)) if not (isinstance(s, np.generic) and s == 1) else arr
    res = np.add(res, m, dtype=_math_dtype(np_dt)).astype(np_dt)
    if out is not None:
        out._data[...] = res
        out._vc[0] += 1
        return out
    return Tensor._make(res, requires_grad=requires_grad)


def _math_dtype(np_dt: np.dtype):
    return np.float32 if np_dt == np.float16 else np_dt


# ---------------------------------------------------------------------------------------------- integers
def _int_bounds(np_dt: np.dtype) -> tuple[int, int]:
    if np_dt == np.bool_:
        return 0, 1
    if np_dt.kind == "f":
        digits = np.finfo(np_dt).nmant + 1
        return -(1 << digits), 1 << digits
    info = np.iinfo(np_dt)
    return int(info.min), int(info.max)


def _check_from_to(arr: np.ndarray, frm: int, to_inc: int) -> None:
    lo, hi = _int_bounds(arr.dtype)
    name = _C_NAMES[arr.dtype.name]
    if arr.dtype.kind == "f":
        # torch only warns for floats; an exact overflow of the dtype's range is still an error
        limit = float(np.finfo(arr.dtype).max)
        if not -limit <= frm <= limit:
            raise RuntimeError(f"from is out of bounds for {name}")
        if not -limit <= to_inc <= limit:
            raise RuntimeError(f"to - 1 is out of bounds for {name}")
        return
    if not lo <= frm <= hi:
        raise RuntimeError(f"from is out of bounds for {name}")
    if not lo <= to_inc <= hi:
        raise RuntimeError(f"to - 1 is out of bounds for {name}")


def _random_into(arr: np.ndarray, frm: int | None, to: int | None, gen: Generator) -> None:
    if arr.dtype.kind not in "biuf":
        raise _not_implemented("random_", arr.dtype)
    if frm is None and to is None:
        if arr.size:
            S.random_(arr, gen)
        return
    if to is None:
        # random_(from, None): up to the dtype's largest value inclusive
        if frm == -(1 << 63) and arr.dtype in (np.int64, np.float64, np.float32):
            if arr.size:
                S.random_full_64_bits_range_(arr, gen)
            return
        to_inc = _int_bounds(arr.dtype)[1]
        _check_from_to(arr, frm, to_inc)
        if frm > to_inc:
            raise RuntimeError(f"random_ expects 'from' casted to dtype to be less than or equal to "
                               f"'to_inc' casted to dtype, but got from={frm} > to_inc={to_inc}")
        if arr.size:
            S.random_from_to_(arr, to_inc - frm + 1, frm, gen)
        return
    if frm >= to:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={frm} >= to={to}")
    _check_from_to(arr, frm, to - 1)
    if arr.size:
        S.random_from_to_(arr, to - frm, frm, gen)


_MISSING = object()


def random_(self: Tensor, from_: int | None = None, to: Any = _MISSING, *,
            generator: Generator | None = None) -> Tensor:
    """``random_()``, ``random_(to)``, ``random_(from, to)`` and ``random_(from, None)`` as torch."""
    _check_inplace(self)
    if to is _MISSING:
        from_, to = (None, None) if from_ is None else (0, from_)
    _random_into(self._data, None if from_ is None else int(from_), None if to is None else int(to), _gen(generator))
    return _done(self)


def randint(*args, size=None, generator: Generator | None = None, out: Tensor | None = None, dtype=None,
            layout=None, device=None, requires_grad: bool = False, pin_memory: bool = False, low=None,
            high=None) -> Tensor:
    """``randint(high, size)`` or ``randint(low, high, size)``; int64 unless ``dtype`` says otherwise."""
    # torch also takes low/high as keywords: put them back in their positional places
    if high is not None:
        if low is not None:
            args = (low, high) + args
        elif args and not isinstance(args[0], (tuple, list)):
            args = (args[0], high) + args[1:]  # randint(2, high=9, size=...): the positional one is low
        else:
            args = (high,) + args
    elif low is not None:
        args = (low,) + args
    if size is not None:
        args = args + (size,)
    if len(args) == 2:
        low, high, shape = 0, args[0], args[1]
    elif len(args) == 3:
        low, high, shape = args
    else:
        raise TypeError("randint() received an invalid combination of arguments - expected "
                        "(int high, tuple of ints size) or (int low, int high, tuple of ints size)")
    shape = _size((shape,), "randint")
    d = _dtype(dtype, D.int64 if out is None else out.dtype)
    arr, o = _new(shape, d, out, requires_grad, device)
    _random_into(arr, int(low), int(high), _gen(generator))
    return _finish(arr, o, requires_grad)


def randint_like(input: Tensor, low: int = 0, high: int | None = None, *, dtype=None, layout=None, device=None,
                 requires_grad: bool = False, memory_format=None, generator: Generator | None = None) -> Tensor:
    if high is None:
        low, high = 0, low
    return randint(int(low), int(high), tuple(input.shape), dtype=_dtype(dtype, input.dtype), device=device,
                   requires_grad=requires_grad, generator=generator)


def randperm(n: int, *, generator: Generator | None = None, out: Tensor | None = None, dtype=None, layout=None,
             device=None, requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """A random permutation of 0..n-1, identical to torch.randperm for the same generator state."""
    n = builtins.int(n)
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    d = _dtype(dtype, D.int64 if out is None else out.dtype)
    np_dt = _np(d)
    if np_dt == np.bool_:
        raise _not_implemented("randperm", np_dt)
    check_device(device)
    if np_dt.kind in "iu" and n > 0 and n - 1 > np.iinfo(np_dt).max:
        raise RuntimeError(f"value cannot be converted to type {np_dt.name}_t without overflow")
    perm = S.randperm(n, _gen(generator)).astype(np_dt)
    if out is not None:
        out._data = perm
        out._vc[0] += 1
        return out
    return _finish(perm, None, requires_grad)


# ---------------------------------------------------------------------------------------------- bernoulli & co
def bernoulli(input: Tensor, p: float | None = None, *, generator: Generator | None = None,
              out: Tensor | None = None) -> Tensor:
    """``torch.bernoulli(P)`` (P holds the probabilities) or ``torch.bernoulli(input, p=float)``."""
    gen = _gen(generator)
    arr = np.empty(input._data.shape, dtype=input._data.dtype)
    if p is not None:
        _bernoulli_scalar(arr, float(p), gen)
    else:
        _bernoulli_tensor(arr, input._data, gen)
    if out is not None:
        out._data = arr
        out._vc[0] += 1
        return out
    return Tensor._make(arr)


def _bernoulli_scalar(arr: np.ndarray, p: float, gen: Generator) -> None:
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={_fmt(p)}")
    if arr.size:
        S.bernoulli_scalar_(arr, p, gen)


def _bernoulli_tensor(arr: np.ndarray, p: np.ndarray, gen: Generator) -> None:
    if p.dtype.type not in _FLOATS:
        raise _not_implemented("bernoulli_tensor_cpu_p_", p.dtype)
    if p.size and not ((p >= 0).all() and (p <= 1).all()):
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this error "
                           "message be improved?  If so, please report an enhancement request to PyTorch.)")
    if arr.size:
        S.bernoulli_tensor_(arr, p, gen)


def bernoulli_(self: Tensor, p: float | Tensor = 0.5, *, generator: Generator | None = None) -> Tensor:
    """Fill with Bernoulli(p) draws; ``p`` a float or a tensor broadcastable to ``self``."""
    _check_inplace(self)
    if isinstance(p, Tensor):
        _bernoulli_tensor(self._data, p._data, _gen(generator))
    else:
        _bernoulli_scalar(self._data, float(p), _gen(generator))
    return _done(self)


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,
                generator: Generator | None = None, out: Tensor | None = None) -> Tensor:
    """Indices sampled from the rows of ``input`` as torch.multinomial."""
    p = input._data
    if p.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if p.dtype.type not in _FLOATS:
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{_SCALAR_NAMES.get(p.dtype.name, p.dtype.name)}")
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    if not replacement and num_samples > p.shape[-1]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    if not np.isfinite(p).all() or (p < 0).any():
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if (p.reshape(-1, p.shape[-1]).sum(axis=1) <= 0).any():
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    res = S.multinomial(p, int(num_samples), bool(replacement), _gen(generator))
    if out is not None:
        out._data = res
        out._vc[0] += 1
        return out
    return Tensor._make(res)


def poisson(input: Tensor, generator: Generator | None = None) -> Tensor:
    """Poisson(rate) draws with torch's CPU sampler (transformed rejection from rate 10, products of uniforms
    below; see distributions/_poisson_sampling.py): the same seed gives torch's counts. The grad is zero."""
    return _Poisson.apply(input, _gen(generator))


from .autograd.function import _NumpyFunction  # noqa: E402


class _Poisson(_NumpyFunction):
    """d sample / d rate is taken as 0, as torch's derivative formula does."""

    _backward_name = "PoissonBackward0"

    @staticmethod
    def forward(ctx, rate, generator):
        from .distributions._poisson_sampling import poisson_array
        if rate.dtype.kind != "f":
            raise NotImplementedError(f'"poisson_cpu" not implemented for \'{_SCALAR_NAMES[rate.dtype.name]}\'')
        return poisson_array(rate, generator)

    @staticmethod
    def backward(ctx, g):
        return np.zeros_like(g), None


def exponential_(self: Tensor, lambd: float = 1.0, *, generator: Generator | None = None) -> Tensor:
    _check_inplace(self)
    if self._data.dtype.type not in _FLOATS:
        raise RuntimeError("Exponential distribution is a continuous probability distribution. dtype must be a "
                           f"floating point but you specified {_SCALAR_NAMES[self._data.dtype.name]}")
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={_fmt(float(lambd))}")
    if self._data.size:
        S.exponential_(self._data, float(lambd), _gen(generator))
    return _done(self)


def geometric_(self: Tensor, p: float, *, generator: Generator | None = None) -> Tensor:
    _check_inplace(self)
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={_fmt(float(p))}")
    if self._data.dtype.kind not in "iuf":
        raise _not_implemented("geometric_cpu", self._data.dtype)
    if self._data.size:
        S.geometric_(self._data, float(p), _gen(generator))
    return _done(self)


def cauchy_(self: Tensor, median: float = 0.0, sigma: float = 1.0, *, generator: Generator | None = None) -> Tensor:
    _check_inplace(self)
    if self._data.dtype.type not in _FLOATS:
        raise RuntimeError("Cauchy distribution is a continuous probability distribution. dtype must be a "
                           f"floating point but you specified {_C_NAMES.get(self._data.dtype.name)}")
    if not sigma > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={_fmt(float(sigma))}")
    if self._data.size:
        S.cauchy_(self._data, float(median), float(sigma), _gen(generator))
    return _done(self)


def log_normal_(self: Tensor, mean: float = 1.0, std: float = 2.0, *, generator: Generator | None = None) -> Tensor:
    _check_inplace(self)
    if self._data.dtype.type not in _FLOATS:
        raise _not_implemented("log_normal_cpu", self._data.dtype)
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={_fmt(float(std))}")
    if self._data.size:
        S.log_normal_(self._data, float(mean), float(std), _gen(generator))
    return _done(self)


# The in-place samplers become Tensor methods, as in torch.
for _name in ("uniform_", "normal_", "bernoulli_", "random_", "exponential_", "geometric_", "cauchy_",
              "log_normal_"):
    setattr(Tensor, _name, globals()[_name])
del _name
