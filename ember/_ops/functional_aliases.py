"""Top-level ``torch.*`` forms of ``nn.functional`` ops.

Where torch's top-level function *is* ``F``'s (conv2d, pdist, ...) ember hands out the same object. Elsewhere
torch exposes the aten op, whose arguments differ from ``F``'s: ``torch.dropout(input, p, train)`` has no
defaults, losses take ``reduction`` as an int (0 none, 1 mean, 2 sum), ``torch.embedding`` takes the weight
first, ``max_pool*`` never return indices. Each wrapper maps those arguments onto ember's ``F`` and nothing else,
so values, grads and node names are ``F``'s.
"""
from __future__ import annotations

import warnings

import numpy as np

from .._tensor import Tensor
from ..nn import functional as F
from .nn.dropout import dropout_impl

__all__ = [
    "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "avg_pool1d",
    "adaptive_avg_pool1d", "prelu", "hardshrink", "pixel_shuffle", "pixel_unshuffle", "channel_shuffle",
    "native_channel_shuffle", "pdist", "pairwise_distance", "cosine_similarity", "bilinear", "rms_norm",
    "max_pool1d", "max_pool2d", "max_pool3d", "max_pool1d_with_indices", "adaptive_max_pool1d", "batch_norm",
    "layer_norm", "group_norm", "instance_norm", "embedding", "dropout", "dropout_", "alpha_dropout",
    "alpha_dropout_", "feature_dropout", "feature_dropout_", "feature_alpha_dropout", "feature_alpha_dropout_",
    "celu", "celu_", "selu", "selu_", "rrelu", "rrelu_", "threshold", "threshold_", "constant_pad_nd",
    "binary_cross_entropy_with_logits", "cosine_embedding_loss", "ctc_loss", "hinge_embedding_loss", "kl_div",
    "margin_ranking_loss", "poisson_nll_loss", "triplet_margin_loss", "convolution", "lstm_cell", "gru_cell",
    "rnn_tanh_cell", "rnn_relu_cell", "embedding_renorm_",
]

# the same functions as F's (torch.conv2d is torch.nn.functional.conv2d)
conv1d, conv2d, conv3d = F.conv1d, F.conv2d, F.conv3d
conv_transpose1d, conv_transpose2d, conv_transpose3d = F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d
avg_pool1d, adaptive_avg_pool1d = F.avg_pool1d, F.adaptive_avg_pool1d
prelu, hardshrink = F.prelu, F.hardshrink
pixel_shuffle, pixel_unshuffle, channel_shuffle = F.pixel_shuffle, F.pixel_unshuffle, F.channel_shuffle
native_channel_shuffle = F.channel_shuffle
pdist, pairwise_distance, cosine_similarity, bilinear = F.pdist, F.pairwise_distance, F.cosine_similarity, F.bilinear
rms_norm = F.rms_norm

_REDUCTIONS = {0: "none", 1: "mean", 2: "sum"}


def _reduction(reduction: int) -> str:
    """aten's Reduction enum as F's string."""
    return _REDUCTIONS[int(reduction)]


# --- pooling: aten's schemas (stride=[] means kernel_size; no return_indices) ---
def max_pool1d(input: Tensor, kernel_size, stride=(), padding=0, dilation=1, ceil_mode: bool = False) -> Tensor:
    return F.max_pool1d(input, kernel_size, stride or None, padding, dilation, ceil_mode)


def max_pool2d(input: Tensor, kernel_size, stride=(), padding=0, dilation=1, ceil_mode: bool = False) -> Tensor:
    return F.max_pool2d(input, kernel_size, stride or None, padding, dilation, ceil_mode)


def max_pool3d(input: Tensor, kernel_size, stride=(), padding=0, dilation=1, ceil_mode: bool = False) -> Tensor:
    return F.max_pool3d(input, kernel_size, stride or None, padding, dilation, ceil_mode)


def max_pool1d_with_indices(input: Tensor, kernel_size, stride=(), padding=0, dilation=1,
                            ceil_mode: bool = False) -> tuple[Tensor, Tensor]:
    return F.max_pool1d(input, kernel_size, stride or None, padding, dilation, ceil_mode, return_indices=True)


def adaptive_max_pool1d(input: Tensor, output_size) -> tuple[Tensor, Tensor]:
    return F.adaptive_max_pool1d(input, output_size, return_indices=True)


# --- normalization: every argument positional, as in aten ---
def batch_norm(input: Tensor, weight, bias, running_mean, running_var, training: bool, momentum: float,
               eps: float, cudnn_enabled: bool) -> Tensor:
    return F.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def layer_norm(input: Tensor, normalized_shape, weight=None, bias=None, eps: float = 1e-05,
               cudnn_enable: bool = True) -> Tensor:
    return F.layer_norm(input, normalized_shape, weight, bias, eps)


def group_norm(input: Tensor, num_groups: int, weight=None, bias=None, eps: float = 1e-05,
               cudnn_enabled: bool = True) -> Tensor:
    return F.group_norm(input, num_groups, weight, bias, eps)


def instance_norm(input: Tensor, weight, bias, running_mean, running_var, use_input_stats: bool, momentum: float,
                  eps: float, cudnn_enabled: bool) -> Tensor:
    return F.instance_norm(input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps)


def embedding(weight: Tensor, indices: Tensor, padding_idx: int = -1, scale_grad_by_freq: bool = False,
              sparse: bool = False) -> Tensor:
    """aten::embedding: weight first; a negative padding_idx means none (F has already wrapped it)."""
    return F.embedding(indices, weight, padding_idx if padding_idx >= 0 else None,
                       scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)


def embedding_renorm_(input: Tensor, indices: Tensor, max_norm: float, norm_type: float) -> Tensor:
    """Rescale in place the rows of ``input`` that ``indices`` names whose norm exceeds max_norm (what
    F.embedding's max_norm does before the lookup)."""
    from .._tensor import _TYPE_NAMES
    from ._inplace import check_inplace
    from .nn.embedding import embedding_renorm_ as renorm
    if indices._data.dtype not in (np.int64, np.int32):
        raise RuntimeError("Expected tensor for argument #2 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got {_TYPE_NAMES[indices._data.dtype.name]} instead (while checking "
                           "arguments for embedding_renorm_)")
    check_inplace(input)
    renorm(input, indices._data, max_norm, norm_type)
    return input


# --- dropout: aten's (input, p, train), no defaults ---
def _dropout(input: Tensor, p: float, train: bool, inplace: bool, **kind) -> Tensor:
    if not 0 <= p <= 1:  # aten's check prints p as C++ streams a double (2, not 2.0)
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {p:g}")
    return dropout_impl(input, p, train, inplace, **kind)


def dropout(input: Tensor, p: float, train: bool) -> Tensor:
    return _dropout(input, p, train, False)


def dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    return _dropout(input, p, train, True)


def alpha_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    return _dropout(input, p, train, False, alpha=True)


def alpha_dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    return _dropout(input, p, train, True, alpha=True)


def feature_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """One draw per (batch, channel): the mask has shape (N, C, 1, ...)."""
    return _dropout(input, p, train, False, feature=True)


def feature_dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    return _dropout(input, p, train, True, feature=True)


def feature_alpha_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    return _dropout(input, p, train, False, feature=True, alpha=True)


def feature_alpha_dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    return _dropout(input, p, train, True, feature=True, alpha=True)


# --- activations without F's ``inplace`` flag; the ``_`` forms write into input ---
def celu(input: Tensor, alpha: float = 1.0) -> Tensor:
    return F.celu(input, alpha)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return F.celu(input, alpha, inplace=True)


def selu(input: Tensor) -> Tensor:
    return F.selu(input)


def selu_(input: Tensor) -> Tensor:
    return F.selu(input, inplace=True)


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          generator=None) -> Tensor:
    return F.rrelu(input, lower, upper, training)


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
           generator=None) -> Tensor:
    return F.rrelu(input, lower, upper, training, inplace=True)


def threshold(input: Tensor, threshold: float, value: float) -> Tensor:
    return F.threshold(input, threshold, value)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    return F.threshold(input, threshold, value, inplace=True)


def constant_pad_nd(input: Tensor, pad, value: float = 0) -> Tensor:
    """Pad the last len(pad)//2 dims with ``value`` (negative pads crop)."""
    return F.pad(input, list(pad), "constant", value)


# --- losses: reduction is aten's int. Called from Python without one, torch's bindings reduce with 0 (none), not
# the schema's Mean (torch 2.13 quirk: torch.kl_div(a, b) is elementwise); ember does the same ---
def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight=None, pos_weight=None,
                                     reduction: int = 0) -> Tensor:
    return F.binary_cross_entropy_with_logits(input, target, weight, reduction=_reduction(reduction),
                                              pos_weight=pos_weight)


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                          reduction: int = 0) -> Tensor:
    return F.cosine_embedding_loss(input1, input2, target, margin, reduction=_reduction(reduction))


def ctc_loss(log_probs: Tensor, targets: Tensor, input_lengths, target_lengths, blank: int = 0,
             reduction: int = 0, zero_infinity: bool = False) -> Tensor:
    return F.ctc_loss(log_probs, targets, input_lengths, target_lengths, blank, _reduction(reduction),
                      zero_infinity)


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0, reduction: int = 0) -> Tensor:
    return F.hinge_embedding_loss(input, target, margin, reduction=_reduction(reduction))


def kl_div(input: Tensor, target: Tensor, reduction: int = 0, *, log_target: bool = False) -> Tensor:
    """aten's kl_div: 'mean' here is the plain elementwise mean, without F's batchmean warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return F.kl_div(input, target, reduction=_reduction(reduction), log_target=log_target)


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                        reduction: int = 0) -> Tensor:
    return F.margin_ranking_loss(input1, input2, target, margin, reduction=_reduction(reduction))


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool, full: bool, eps: float,
                     reduction: int) -> Tensor:
    return F.poisson_nll_loss(input, target, log_input, full, eps=eps, reduction=_reduction(reduction))


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0, p: float = 2.0,
                        eps: float = 1e-06, swap: bool = False, reduction: int = 0) -> Tensor:
    return F.triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap, reduction=_reduction(reduction))


def convolution(input: Tensor, weight: Tensor, bias, stride, padding, dilation, transposed: bool, output_padding,
                groups: int) -> Tensor:
    """aten::convolution: conv{1,2,3}d or conv_transpose{1,2,3}d by the input's rank."""
    n = input.dim() - 2
    if n not in (1, 2, 3):
        raise RuntimeError(f"Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: "
                           f"[{', '.join(map(str, input.shape))}]")
    if transposed:
        fn = (F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d)[n - 1]
        return fn(input, weight, bias, tuple(stride), tuple(padding), tuple(output_padding), groups, tuple(dilation))
    fn = (F.conv1d, F.conv2d, F.conv3d)[n - 1]
    return fn(input, weight, bias, tuple(stride), tuple(padding), tuple(dilation), groups)


# --- one step of the recurrent cells (aten's lstm_cell, ...): the steps nn.LSTMCell and friends run ---
def lstm_cell(input: Tensor, hx, w_ih: Tensor, w_hh: Tensor, b_ih=None, b_hh=None) -> tuple[Tensor, Tensor]:
    """(h', c') of one LSTM step from hx = (h, c)."""
    from ..nn.modules.rnn import _lstm_step
    if len(hx) != 2:
        raise RuntimeError("lstm_cell expects two hidden states")
    return _lstm_step(F.linear(input, w_ih, b_ih), tuple(hx), w_hh, b_hh)


def gru_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih=None, b_hh=None) -> Tensor:
    from ..nn.modules.rnn import _gru_step
    return _gru_step(F.linear(input, w_ih, b_ih), (hx,), w_hh, b_hh)[0]


def rnn_tanh_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih=None, b_hh=None) -> Tensor:
    from ..nn.modules.rnn import _STEPS
    return _STEPS["RNN_TANH"](F.linear(input, w_ih, b_ih), (hx,), w_hh, b_hh)[0]


def rnn_relu_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih=None, b_hh=None) -> Tensor:
    from ..nn.modules.rnn import _STEPS
    return _STEPS["RNN_RELU"](F.linear(input, w_ih, b_ih), (hx,), w_hh, b_hh)[0]


# Tensor methods (attached in ember/__init__.py)
METHODS = {"prelu": prelu, "hardshrink": hardshrink}
