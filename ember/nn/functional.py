"""``ember.nn.functional``: torch's functional API (same signatures, defaults, checks and messages).

Each function is a thin wrapper: argument checks here, the math in ``ember/_ops/nn/<family>.py`` (one Function per
op torch differentiates as a whole) or, where torch composes an op from others, the same composition here.
"""
from __future__ import annotations

import warnings

import numpy as np

from .._tensor import Tensor, _SCALAR_NAMES
from .._ops import activation as _act
from .._ops.nn import loss as _loss
from .._ops.nn.activation import (celu, elu, gelu, glu, hardshrink, hardsigmoid, hardswish, hardtanh, leaky_relu,
                                  logsigmoid, mish, prelu, relu6, rrelu, selu, silu, softplus, softshrink, threshold)
from .._ops.nn.attention import scaled_dot_product_attention
from .._ops.nn.dropout import dropout_impl
from .._ops.nn.embedding import embedding
from .._ops.nn.linear import bilinear, linear
from .._ops.nn.normalization import layer_norm, rms_norm
from .._ops.nn.padding import _PAD_CLASSES, ConstantPadNd, check_index_pad_input, check_index_pad_size, pad_index

__all__ = ["linear", "bilinear", "relu", "relu_", "relu6", "gelu", "silu", "sigmoid", "tanh", "leaky_relu", "elu",
           "celu", "selu", "prelu", "rrelu", "softplus", "hardtanh", "hardswish", "hardsigmoid", "mish", "logsigmoid",
           "softmax", "log_softmax", "softmin", "glu", "threshold", "normalize", "softsign", "tanhshrink",
           "hardshrink", "softshrink", "layer_norm", "rms_norm", "dropout", "dropout1d", "dropout2d", "dropout3d",
           "alpha_dropout", "feature_alpha_dropout", "embedding", "one_hot", "pad", "mse_loss", "l1_loss",
           "smooth_l1_loss", "huber_loss", "cross_entropy", "nll_loss", "binary_cross_entropy",
           "binary_cross_entropy_with_logits", "kl_div", "scaled_dot_product_attention", "cosine_similarity",
           "pairwise_distance", "margin_ranking_loss", "hinge_embedding_loss", "soft_margin_loss", "poisson_nll_loss",
           "gaussian_nll_loss", "multilabel_soft_margin_loss", "triplet_margin_loss", "cosine_embedding_loss",
           "triplet_margin_with_distance_loss"]


# --- activations -------------------------------------------------------------------------

def relu(input: Tensor, inplace: bool = False) -> Tensor:
    return input.relu_() if inplace else _act.relu(input)


def relu_(input: Tensor) -> Tensor:
    return input.relu_()


def sigmoid(input: Tensor) -> Tensor:
    return _act.sigmoid(input)


def tanh(input: Tensor) -> Tensor:
    return _act.tanh(input)


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    return _act.softmax(input, dim, _stacklevel + 1, dtype)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    return _act.log_softmax(input, dim, _stacklevel + 1, dtype)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    if dim is None:
        dim = _act._softmax_dim("softmin", input.dim(), None, _stacklevel + 1)
    if dtype is not None:
        input = input.to(dtype)
    return _act.softmax(-input, dim)


def softsign(input: Tensor) -> Tensor:
    return input / (input.abs() + 1)


def tanhshrink(input: Tensor) -> Tensor:
    return input - input.tanh()


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out=None) -> Tensor:
    """input / max(||input||_p, eps) along ``dim``."""
    denom = input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    return input / denom


# --- dropout ------------------------------------------------------------------------------

def _check_p(p) -> None:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability p (mask from the default generator), scale survivors by 1/(1-p)."""
    _check_p(p)
    return dropout_impl(input, p, training, inplace)


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    _check_p(p)
    return dropout_impl(input, p, training, inplace, alpha=True)


def _channel_dropout(input: Tensor, batched: bool, p: float, training: bool, inplace: bool) -> Tensor:
    """Channel-wise dropout; an unbatched input gets a batch dim of 1 for the draw, as torch does."""
    if batched:
        return dropout_impl(input, p, training, inplace, feature=True)
    input = input.unsqueeze_(0) if inplace else input.unsqueeze(0)
    out = dropout_impl(input, p, training, inplace, feature=True)
    return out.squeeze_(0) if inplace else out.squeeze(0)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    _check_p(p)
    nd = input.dim()
    if nd not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {nd}D input. Note that dropout1d "
                           "exists to provide channel-wise dropout on inputs with 1 spatial dimension, a channel "
                           "dimension, and an optional batch dimension (i.e. 2D or 3D inputs).")
    return _channel_dropout(input, nd == 3, p, training, inplace)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    _check_p(p)
    nd = input.dim()
    if nd not in (3, 4):
        warnings.warn(f"dropout2d: Received a {nd}-D input to dropout2d, which is deprecated and will result in an "
                      "error in a future release. To retain the behavior and silence this warning, please use "
                      "dropout instead. Note that dropout2d exists to provide channel-wise dropout on inputs with 2 "
                      "spatial dimensions, a channel dimension, and an optional batch dimension (i.e. 3D or 4D "
                      "inputs).", stacklevel=2)
    if nd == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
                      "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel dim. "
                      "This behavior will change in a future release to interpret the input as one without a batch "
                      "dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout behavior, please "
                      "switch to using dropout1d instead.", stacklevel=2)
    return dropout_impl(input, p, training, inplace, feature=True)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    _check_p(p)
    nd = input.dim()
    if nd not in (4, 5):
        warnings.warn(f"dropout3d: Received a {nd}-D input to dropout3d, which is deprecated and will result in an "
                      "error in a future release. To retain the behavior and silence this warning, please use "
                      "dropout instead. Note that dropout3d exists to provide channel-wise dropout on inputs with 3 "
                      "spatial dimensions, a channel dimension, and an optional batch dimension (i.e. 4D or 5D "
                      "inputs).", stacklevel=2)
    return _channel_dropout(input, nd == 5, p, training, inplace)


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    _check_p(p)
    return dropout_impl(input, p, training, inplace, feature=True, alpha=True)


# --- sparse -------------------------------------------------------------------------------

def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    from .. import _creation
    a = tensor._data
    if a.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if a.size and a.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if num_classes == -1:
        if a.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(a.max()) + 1
    elif a.size and a.max() >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    out = (a[..., None] == np.arange(num_classes)).astype(np.int64)
    return _creation.from_numpy(out)


# --- padding ------------------------------------------------------------------------------

def pad(input: Tensor, pad, mode: str = "constant", value: float | None = None) -> Tensor:
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.dim():
        raise RuntimeError("Padding length should be less than or equal to two times the input dimension but got "
                           f"padding length {len(pad)} and input of dimension {input.dim()}")
    if mode == "constant":
        return ConstantPadNd.apply(input, pad, 0 if value is None else value)
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument.')
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    k = len(pad) // 2
    if k > 3 or input.dim() not in (k + 1, k + 2):
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {input.dim()}D input tensor.\n"
            "Supported combinations for non-constant padding:\n"
            "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
            "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
            "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")
    if mode != "circular":
        check_index_pad_input(tuple(input.shape), k)
    dims = []
    for i in range(k):
        d = input.dim() - 1 - i
        lo, hi = pad[2 * i], pad[2 * i + 1]
        n = input.shape[d]
        if mode == "reflect" and (lo >= n or hi >= n):
            # the kernel numbers its argument by dim: W is #4, H #6, D #8
            raise RuntimeError(f"Argument #{4 + 2 * i}: Padding size should be less than the corresponding input "
                               f"dimension, but got: padding ({lo}, {hi}) at dimension {d} of input "
                               f"{list(input.shape)}")
        if mode == "circular":
            if lo > n or hi > n:
                raise RuntimeError("Padding value causes wrapping around more than once.")
            if n + lo + hi < 0:
                raise RuntimeError("Negative padding value is resulting in an empty dimension")
        dims.append((d, n, lo, hi))
    # every dim's sizes are checked before any index is built (circular's copies can fail, after torch's checks);
    # a circular wrap's slices are dense when every dim before its own has size 1 and none after is empty
    out_shape = list(input.shape)
    for d, n, lo, hi in dims:
        out_shape[d] = n + lo + hi
    if mode != "circular":
        check_index_pad_size(mode, tuple(input.shape), out_shape, k)
    indices = [(d, pad_index(n, lo, hi, mode, np.prod(out_shape[:d]) == 1 and np.prod(out_shape[d + 1:]) > 0))
               for d, n, lo, hi in dims]
    return _PAD_CLASSES[(mode, k)].apply(input, tuple(indices))


# --- losses -------------------------------------------------------------------------------

def _legacy_reduction(size_average, reduce) -> str:
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    ret = "mean" if (size_average and reduce) else ("sum" if reduce else "none")
    warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{ret}' instead.",
                  stacklevel=3)
    return ret


def _reduction(reduction: str, size_average=None, reduce=None) -> int:
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    if reduction not in _loss.REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return _loss.REDUCTIONS[reduction]


def _size_warning(input: Tensor, target: Tensor) -> None:
    """torch's warning for a target shaped unlike the input, and its error when the two cannot broadcast."""
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(f"Using a target size ({target.size()}) that is different to the input size ({input.size()}). "
                      "This will likely lead to incorrect results due to broadcasting. Please ensure they have the "
                      "same size.", stacklevel=3)
        try:
            np.broadcast_shapes(tuple(input.shape), tuple(target.shape))
        except ValueError:
            from .._ops._broadcast import broadcast_error
            raise broadcast_error(tuple(input.shape), tuple(target.shape)) from None


def _promoted(input: Tensor, target: Tensor):
    if input.dtype != target.dtype:
        from .. import promote_types
        dt = promote_types(input.dtype, target.dtype)
        return input.to(dt), target.to(dt)
    return input, target


def mse_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
             weight: Tensor | None = None) -> Tensor:
    _size_warning(input, target)
    red = _reduction(reduction, size_average, reduce)
    if weight is not None:
        raise NotImplementedError("ember: mse_loss(weight=...) is not supported yet")
    a, b = _promoted(input, target)
    return _loss.MseLoss.apply(a, b, red)


def l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
            weight: Tensor | None = None) -> Tensor:
    _size_warning(input, target)
    red = _reduction(reduction, size_average, reduce)
    loss = (input - target).abs()
    return loss.mean() if red == 1 else (loss.sum() if red == 2 else loss)


def smooth_l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
                   beta: float = 1.0) -> Tensor:
    _size_warning(input, target)
    red = _reduction(reduction, size_average, reduce)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    if beta == 0.0:
        return l1_loss(input, target, reduction=reduction if size_average is None and reduce is None else
                       {0: "none", 1: "mean", 2: "sum"}[red])
    a, b = _promoted(input, target)
    return _loss.SmoothL1Loss.apply(a, b, red, beta)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,
               weight: Tensor | None = None) -> Tensor:
    _size_warning(input, target)
    red = _reduction(reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    a, b = _promoted(input, target)
    return _loss.HuberLoss.apply(a, b, red, delta)


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
                         reduce=None, reduction: str = "mean") -> Tensor:
    red = _reduction(reduction, size_average, reduce)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Using a target size ({target.size()}) that is different to the input size "
                         f"({input.size()}) is deprecated. Please ensure they have the same size.")
    if weight is not None:
        weight = weight.expand(input.shape)
    return _loss.BinaryCrossEntropy.apply(input, target, weight, red)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                     size_average=None, reduce=None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    red = _reduction(reduction, size_average, reduce)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({target.size()}) must be the same as input size ({input.size()})")
    return _loss.BinaryCrossEntropyWithLogits.apply(input, target, weight, pos_weight, red)


def _check_nll(input: Tensor, target: Tensor, weight: Tensor | None) -> None:
    """nll_loss_nd's checks, then those of the nll_loss (1-D/2-D input) or nll_loss2d (other) it calls, in
    torch's order."""
    t = target._data
    shape = input._data.shape
    nd = len(shape)
    if nd < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {nd})")
    if nd != 1 and shape[0] != (t.shape[0] if t.ndim else 1):
        raise ValueError(f"Expected input batch_size ({shape[0]}) to match target batch_size "
                         f"({t.shape[0] if t.ndim else 1}).")
    if nd <= 2:
        if t.ndim > 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        if t.dtype not in (np.int64, np.uint8):
            raise _loss.target_dtype_error(t.dtype)
        if nd == 1 and t.ndim == 1 and t.shape[0] != 1:
            raise ValueError(f"For 1D input, 1D target must have size 1, but got target size: {t.shape[0]}")
        c = shape[-1]
        if weight is not None and (weight.dim() != 1 or weight.numel() != c):
            raise RuntimeError(f"weight tensor should be defined either for all {c} classes or no classes but got "
                               f"weight tensor of shape: [{', '.join(map(str, weight.shape))}]")
        return
    if nd != 4:  # viewed to (N, C, 1, -1) for nll_loss2d after this check
        if t.shape[1:] != shape[2:]:
            raise RuntimeError(f"Expected target size {[shape[0], *shape[2:]]}, got {list(t.shape)}")
    elif t.ndim != 3:
        raise RuntimeError(f"only batches of spatial targets supported (3D tensors) but got targets of dimension: "
                           f"{t.ndim}")
    if t.dtype not in (np.int64, np.uint8):
        raise _loss.target_dtype_error(t.dtype)
    if weight is not None and weight.numel() != shape[1]:
        raise RuntimeError("weight tensor should be defined either for all or no classes")
    if nd == 4 and t.shape != (shape[0], shape[2], shape[3]):
        raise RuntimeError(f"size mismatch (got input: {list(shape)} , target: {list(t.shape)}")


def _nll(input: Tensor, target: Tensor, weight: Tensor | None, red: int, ignore_index: int) -> Tensor:
    """nll_loss after its checks (cross_entropy has already made them): torch's nll_loss_nd composition --
    nll_loss for 1-D/2-D input, nll_loss2d for 4-D, and for 3-D or >4-D input nll_loss2d on an (N, C, 1, -1)
    view (the unreduced loss viewed back to (N, d1, ...))."""
    nd = input._data.ndim
    w = None if weight is None else weight._data.reshape(-1)
    if nd <= 2:
        return _loss.NllLoss.apply(input, target._data, w, red, ignore_index)
    if nd == 4:
        return _loss.NllLoss2d.apply(input, target._data, w, red, ignore_index)
    n, c = input.shape[0], input.shape[1]
    empty = input.numel() == 0
    x = input.contiguous().view(n, c, 0, 0) if empty else input.contiguous().view(n, c, 1, -1)
    t = target._data.reshape((n, 0, 0) if target._data.size == 0 else (n, 1, -1))
    out = _loss.NllLoss2d.apply(x, t, w, red, ignore_index)
    return out if red != 0 else out.view(n, *input.shape[2:])


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
             ignore_index: int = -100, reduce=None, reduction: str = "mean") -> Tensor:
    t = target._data
    if (weight is None and size_average is None and reduce is None and reduction in _loss.REDUCTIONS
            and input._data.ndim == 2 and t.ndim == 1 and t.dtype == np.int64 and t.shape[0] == input._data.shape[0]):
        # the common classifier call, every check of _check_nll passed: straight to the op (~1 us of a tiny loss)
        return _loss.NllLoss.apply(input, t, None, _loss.REDUCTIONS[reduction], ignore_index)
    red = _reduction(reduction, size_average, reduce)
    _check_nll(input, target, weight)
    if input._data.ndim <= 2:  # _nll's nll_loss case, called directly (the common small case)
        return _loss.NllLoss.apply(input, target._data, None if weight is None else weight._data.reshape(-1), red,
                                   ignore_index)
    return _nll(input, target, weight, red, ignore_index)


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
                  ignore_index: int = -100, reduce=None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """log_softmax over the class dim (1, or 0 for 1-D input) followed by nll_loss, or, for probability targets,
    -sum(target * log_softmax) -- torch's composition, with its label smoothing."""
    red = _reduction(reduction, size_average, reduce)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    cdim = 0 if input._data.ndim == 1 else 1
    if target._data.shape == input._data.shape:  # torch picks the probabilities path by shape, not dtype
        if not target.is_floating_point():
            raise RuntimeError("Expected floating point type for target with class probabilities, got "
                               f"{_SCALAR_NAMES[target._data.dtype.name]}")
        if ignore_index >= 0:
            raise RuntimeError("ignore_index is not supported for floating point target")
        logp = _act.log_softmax(input, cdim)
        c = input.shape[cdim]
        if label_smoothing > 0:
            target = target * (1 - label_smoothing) + (label_smoothing / c)
        prod = logp * target
        if weight is not None:
            shape = [1] * input.dim()
            shape[cdim] = c
            prod = prod * weight.view(*shape)
        if red == 0:
            return -prod.sum(cdim)
        if red == 2:
            return -prod.sum()
        return _loss.DivScalar.apply(-prod.sum(), input.numel() // c)
    if weight is None and label_smoothing <= 0:
        loss = _loss.cross_entropy_rows(input, target._data, red, ignore_index)
        if loss is not None:
            return loss
    if input._data.dtype.kind == "f":  # log_softmax's own checks and casts have nothing to do
        logp = _act.LogSoftmax.apply(input, cdim)
    else:
        logp = _act.log_softmax(input, cdim)
    _check_nll(input, target, weight)
    if cdim == 1 and input._data.ndim == 2:  # _nll's nll_loss case, called directly (the common small case)
        nll = _loss.NllLoss.apply(logp, target._data, None if weight is None else weight._data.reshape(-1), red,
                                  ignore_index)
    else:
        nll = _nll(logp, target, weight, red, ignore_index)
    if label_smoothing <= 0:
        return nll
    c = input._data.shape[cdim]
    ignore = Tensor._make(target._data == ignore_index)
    if weight is not None:
        shape = [1] * input.dim()
        shape[cdim] = c
        smooth = -(logp * weight.view(*shape)).sum(cdim)
    else:
        smooth = -logp.sum(cdim)
    smooth = smooth.masked_fill(ignore, 0.0)
    if red == 1:
        if weight is not None:
            sel = target._data[target._data != ignore_index].reshape(-1)
            from .._creation import from_numpy
            ret = smooth.sum() / weight.gather(0, from_numpy(sel)).sum()
        else:
            ret = smooth.sum() / Tensor._make(np.asarray(np.count_nonzero(target._data != ignore_index)))
    elif red == 2:
        ret = smooth.sum()
    else:
        ret = smooth
    return (1 - label_smoothing) * nll + ret * (label_smoothing / c)


def kl_div(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
           log_target: bool = False) -> Tensor:
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    if reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size."
                      "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                      "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
                      stacklevel=2)
    if reduction not in ("none", "mean", "sum", "batchmean"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if log_target:
        loss = target.exp() * (target - input)
    else:
        t = target._data
        with np.errstate(divide="ignore", invalid="ignore"):
            xlogy = np.where(t == 0, 0, t * np.log(np.where(t == 0, 1, t))).astype(t.dtype)
        loss = Tensor._make(xlogy) - target * input if not target.requires_grad else \
            target * target.log().masked_fill(Tensor._make(t == 0), 0.0) - target * input
    if reduction == "none":
        return loss
    if reduction == "batchmean":
        s = loss.sum()
        return s / Tensor._make(np.asarray(input.shape[0] if input.dim() else 1)) if input.dim() else s
    return loss.mean() if reduction == "mean" else loss.sum()


# --- distances ------------------------------------------------------------------------------

def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """sum((x1 / max(||x1||, eps)) * (x2 / max(||x2||, eps))) along dim (torch's normalise-first order)."""
    from .. import no_grad
    from .._ops._broadcast import broadcast_error
    try:
        shape = np.broadcast_shapes(tuple(x1.shape), tuple(x2.shape))
    except ValueError:
        raise broadcast_error(tuple(x1.shape), tuple(x2.shape)) from None
    x1, x2 = x1.expand(shape), x2.expand(shape)
    n1 = x1.norm(2, dim, keepdim=True).clone()
    n2 = x2.norm(2, dim, keepdim=True).clone()
    with no_grad():
        n1.clamp_min_(eps)
        n2.clamp_min_(eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    d = max(x1.dim(), x2.dim()) - 1
    return (x1 - x2 + eps).norm(p, d, keepdim=keepdim)


# losses torch composes from other ops (after pairwise_distance, which triplet_margin_loss uses)
from ._composite_losses import (cosine_embedding_loss, gaussian_nll_loss, hinge_embedding_loss,  # noqa: E402
                                margin_ranking_loss, multilabel_soft_margin_loss, poisson_nll_loss, soft_margin_loss,
                                triplet_margin_loss, triplet_margin_with_distance_loss)

# batch and group normalisation (ember/_ops/nn/batch_norm.py, group_norm.py)
from .._ops.nn.batch_norm import batch_norm, instance_norm  # noqa: E402
from .._ops.nn.group_norm import group_norm  # noqa: E402
from ._multi_head_attention import multi_head_attention_forward  # noqa: E402

__all__ += ["batch_norm", "instance_norm", "group_norm", "multi_head_attention_forward"]

# convolution and pooling (ember/_ops/nn/conv.py, pooling.py)
from .._ops.nn.conv import conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d, conv_transpose3d  # noqa: E402
from .._ops.nn.pooling import (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_max_pool1d,  # noqa: E402
                               adaptive_max_pool1d_with_indices, adaptive_max_pool2d, adaptive_max_pool2d_with_indices,
                               avg_pool1d, avg_pool2d, max_pool1d, max_pool1d_with_indices, max_pool2d,
                               max_pool2d_with_indices)

__all__ += ["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d", "max_pool1d", "max_pool2d", "avg_pool1d",
            "avg_pool2d", "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_max_pool1d", "adaptive_max_pool2d",
            "max_pool1d_with_indices", "max_pool2d_with_indices", "adaptive_max_pool1d_with_indices",
            "adaptive_max_pool2d_with_indices"]
from .._ops.nn.pooling3d import (adaptive_avg_pool3d, adaptive_max_pool3d,  # noqa: E402
                                 adaptive_max_pool3d_with_indices, avg_pool3d, max_pool3d, max_pool3d_with_indices)

__all__ += ["conv3d", "conv_transpose3d", "max_pool3d", "avg_pool3d", "adaptive_avg_pool3d", "adaptive_max_pool3d",
            "max_pool3d_with_indices", "adaptive_max_pool3d_with_indices"]

# resizing (ember/_ops/nn/upsample.py), sliding blocks and sub-pixel shuffles (ember/_ops/nn/fold.py)
from .._ops.nn.upsample import interpolate  # noqa: E402
from .._ops.nn.fold import fold, pixel_shuffle, pixel_unshuffle, unfold  # noqa: E402


def upsample(input: Tensor, size=None, scale_factor=None, mode: str = "nearest", align_corners: bool | None = None):
    """Deprecated alias of interpolate (torch warns the same)."""
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


__all__ += ["interpolate", "upsample", "fold", "unfold", "pixel_shuffle", "pixel_unshuffle"]


def gumbel_softmax(logits: Tensor, tau: float = 1, hard: bool = False, eps: float = 1e-10, dim: int = -1) -> Tensor:
    """softmax((logits + g) / tau) with Gumbel(0, 1) noise g = -log(Exp(1)) drawn from the generator as torch
    draws it; ``hard``: the one-hot of the argmax, with the soft sample's gradient (straight-through)."""
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    from .. import _creation
    gumbels = -_creation.empty_like(logits).exponential_().log()
    y_soft = ((logits + gumbels) / tau).softmax(dim)
    if not hard:
        return y_soft
    index = y_soft.max(dim, keepdim=True)[1]
    y_hard = _creation.zeros_like(logits).scatter_(dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> Tensor:
    """x / (k + alpha * mean of x^2 over ``size`` neighbouring channels)^beta (AlexNet's normalisation), composed
    as torch composes it (zero-padded channel windows averaged by avg_pool)."""
    dim = input.dim()
    if dim < 3:
        # torch's message keeps the indentation of its source line break
        raise ValueError(f"Expected 3D or higher dimensionality{' ' * 26}input (got {dim} dimensions)")
    if input.numel() == 0:
        return input
    div = input.mul(input)
    if dim == 3:
        div = pad(div.unsqueeze(1), (0, 0, size // 2, (size - 1) // 2))
        div = avg_pool2d(div, (size, 1), stride=1).squeeze(1)
    else:
        # torch pools a (N, 1, C, H, W) view with a (size, 1, 1) window; a (size, 1) window over (N, 1, C, H*W) adds
        # the same values in the same order
        sizes = input.size()
        div = div.reshape(sizes[0], 1, sizes[1], -1)
        div = pad(div, (0, 0, size // 2, (size - 1) // 2))
        div = avg_pool2d(div, (size, 1), stride=1).squeeze(1).reshape(sizes)
    div = div.mul(alpha).add(k).pow(beta)
    return input / div


__all__ += ["gumbel_softmax", "local_response_norm"]

from .._ops.nn.embedding_bag import embedding_bag  # noqa: E402

__all__ += ["embedding_bag"]

from .._ops.nn.ctc_loss import ctc_loss  # noqa: E402

__all__ += ["ctc_loss"]

# spatial transformers (ember/_ops/nn/affine_grid.py, grid_sample.py) and fractional max pooling (fractional_pool.py)
from .._ops.nn.affine_grid import affine_grid  # noqa: E402
from .._ops.nn.grid_sample import grid_sample  # noqa: E402
from .._ops.nn.fractional_pool import (fractional_max_pool2d, fractional_max_pool2d_with_indices,  # noqa: E402
                                       fractional_max_pool3d, fractional_max_pool3d_with_indices)

__all__ += ["affine_grid", "grid_sample", "fractional_max_pool2d", "fractional_max_pool2d_with_indices",
            "fractional_max_pool3d", "fractional_max_pool3d_with_indices"]

# max unpooling, power-average pooling, multi-class margin losses, channel shuffle, pdist
# (ember/_ops/nn/unpool.py, lp_pool.py, margin_loss.py, channel_shuffle.py, pdist.py)
from .._ops.nn.unpool import max_unpool1d, max_unpool2d, max_unpool3d  # noqa: E402
from .._ops.nn.lp_pool import lp_pool1d, lp_pool2d, lp_pool3d  # noqa: E402
from .._ops.nn.margin_loss import multi_margin_loss, multilabel_margin_loss  # noqa: E402
from .._ops.nn.channel_shuffle import channel_shuffle  # noqa: E402
from .._ops.nn.pdist import pdist  # noqa: E402

__all__ += ["max_unpool1d", "max_unpool2d", "max_unpool3d", "lp_pool1d", "lp_pool2d", "lp_pool3d",
            "multi_margin_loss", "multilabel_margin_loss", "channel_shuffle", "pdist"]
