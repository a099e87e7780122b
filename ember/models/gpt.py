"""A small GPT (decoder-only transformer) built only from ember's basic layers.

One file, two libraries: ``torch``/``nn``/``F`` below default to ember; ``load_gpt_module(lib)`` reruns it with lib.

Shapes use B = batch, T = time (tokens), C = channels (n_embd), V = vocabulary, H = heads.
The model, for token ids :math:`x_1..x_T`:

    h_0 = E_tok[x_t] + E_pos[t]
    h_l = h_{l-1} + Attn(LN(h_{l-1}))  then  h_l = h_l + MLP(LN(h_l))      (pre-norm blocks)
    logits = W_out LN(h_L)
    loss = -1/N sum log softmax(logits)[target]                             (cross-entropy)

References: Radford et al., "Language Models are Unsupervised Multitask Learners" (GPT-2), and
Karpathy's nanoGPT, whose layout and parameter names this file follows.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from dataclasses import dataclass
from types import ModuleType
from typing import Any

if "torch" not in globals():  # normal import: ember; load_gpt_module(lib) pre-seeds another library
    import ember as torch
nn = torch.nn
F = torch.nn.functional

__all__ = ["GPTConfig", "GPT", "build_model", "load_gpt_module"]


@dataclass
class GPTConfig:
    """Sizes of the model; ``dropout`` is the probability used by every ``nn.Dropout``."""

    vocab_size: int = 128
    block_size: int = 64  # the longest context the model sees (number of position embeddings)
    n_layer: int = 2
    n_head: int = 4
    n_embd: int = 64
    dropout: float = 0.0


class CausalSelfAttention(nn.Module):
    r"""Multi-head self-attention where position t only looks at positions <= t.

    With :math:`Q, K, V = x W_{qkv}` split into H heads of size :math:`d = C/H`, each head computes
    :math:`\mathrm{softmax}(QK^\top/\sqrt{d} + M)V`, where the causal mask :math:`M_{ij} = -\infty` for
    :math:`j > i` (else 0). The heads are concatenated and projected back by ``c_proj``.
    """

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        if config.n_embd % config.n_head != 0:
            raise ValueError(f"n_embd ({config.n_embd}) must be divisible by n_head ({config.n_head})")
        self.n_head = config.n_head
        self.n_embd = config.n_embd
        self.dropout = config.dropout
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd)  # q, k, v for all heads in one matmul
        self.c_proj = nn.Linear(config.n_embd, config.n_embd)
        self.resid_dropout = nn.Dropout(config.dropout)

    def forward(self, x: Any) -> Any:
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        # (B, T, C) -> (B, H, T, d): each head attends independently
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        y = F.scaled_dot_product_attention(
            q, k, v, dropout_p=self.dropout if self.training else 0.0, is_causal=True
        )
        y = y.transpose(1, 2).contiguous().view(B, T, C)  # concatenate the heads again
        return self.resid_dropout(self.c_proj(y))


class MLP(nn.Module):
    r"""Position-wise feed-forward network: :math:`W_2\,\mathrm{GELU}(W_1 x)`, hidden width 4C."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.c_fc = nn.Linear(config.n_embd, 4 * config.n_embd)
        self.gelu = nn.GELU()
        self.c_proj = nn.Linear(4 * config.n_embd, config.n_embd)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x: Any) -> Any:
        return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))


class Block(nn.Module):
    r"""One pre-norm transformer block: :math:`x + \mathrm{Attn}(\mathrm{LN}(x))`, then the same with the MLP."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.n_embd)
        self.attn = CausalSelfAttention(config)
        self.ln_2 = nn.LayerNorm(config.n_embd)
        self.mlp = MLP(config)

    def forward(self, x: Any) -> Any:
        # residual connections keep a direct path for the gradient through every block
        x = x + self.attn(self.ln_1(x))
        x = x + self.mlp(self.ln_2(x))
        return x


class GPT(nn.Module):
    """Token + position embeddings, ``n_layer`` blocks, a final LayerNorm and a linear head."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.config = config
        self.wte = nn.Embedding(config.vocab_size, config.n_embd)  # token embeddings
        self.wpe = nn.Embedding(config.block_size, config.n_embd)  # position embeddings
        self.drop = nn.Dropout(config.dropout)
        self.h = nn.ModuleList([Block(config) for _ in range(config.n_layer)])
        self.ln_f = nn.LayerNorm(config.n_embd)
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        # GPT-2's init: N(0, 0.02) weights, zero biases; the default Linear init trains slower here
        self.apply(self._init_weights)
        # residual projections add into the stream once per block: scale them by 1/sqrt(2 n_layer)
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight"):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * config.n_layer))

    @staticmethod
    def _init_weights(module: Any) -> None:
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def forward(self, idx: Any, targets: Any = None) -> tuple[Any, Any]:
        """Return ``(logits, loss)``; ``logits`` is (B, T, V), or (B, 1, V) without targets.

        Without targets only the last position is projected to the vocabulary (all that sampling needs).
        """
        B, T = idx.size()
        if T > self.config.block_size:
            raise ValueError(f"sequence of length {T} is longer than block_size {self.config.block_size}")
        pos = torch.arange(0, T, dtype=torch.long)
        x = self.drop(self.wte(idx) + self.wpe(pos))  # (B, T, C) + (T, C) broadcasts over the batch
        for block in self.h:
            x = block(x)
        x = self.ln_f(x)
        if targets is None:
            return self.lm_head(x[:, -1:, :]), None
        logits = self.lm_head(x)
        loss = F.cross_entropy(logits.view(B * T, -1), targets.view(B * T))
        return logits, loss

    @torch.no_grad()
    def generate(
        self, idx: Any, max_new_tokens: int, temperature: float = 1.0, top_k: int | None = None
    ) -> Any:
        r"""Append ``max_new_tokens`` sampled tokens to ``idx`` (B, T) and return the (B, T + new) ids.

        Each step samples from :math:`\mathrm{softmax}(z / \tau)` over the last position's logits z,
        keeping only the ``top_k`` largest logits when given. Uses the global RNG (``torch.multinomial``).
        """
        if temperature <= 0:
            raise ValueError(f"temperature must be positive, but got {temperature}")
        for _ in range(max_new_tokens):
            idx_cond = idx if idx.size(1) <= self.config.block_size else idx[:, -self.config.block_size :]
            logits, _ = self(idx_cond)
            logits = logits[:, -1, :] / temperature
            if top_k is not None:
                kth = torch.topk(logits, min(top_k, logits.size(-1))).values[:, -1:]  # (B, 1)
                logits = logits.masked_fill(logits < kth, -math.inf)
            probs = F.softmax(logits, dim=-1)
            idx_next = torch.multinomial(probs, num_samples=1)
            idx = torch.cat((idx, idx_next), dim=1)
        return idx


_modules_by_lib: dict[str, ModuleType] = {}


def load_gpt_module(lib: ModuleType) -> ModuleType:
    """This file executed with ``torch`` bound to ``lib`` (e.g. real torch); cached per library."""
    if lib is torch:
        return sys.modules[__name__]
    if lib.__name__ not in _modules_by_lib:
        spec = importlib.util.spec_from_file_location(f"{__name__}_{lib.__name__}", __file__)
        module = importlib.util.module_from_spec(spec)
        module.torch = lib  # seen by the `if "torch" not in globals()` line at the top
        sys.modules[spec.name] = module  # dataclasses look their module up there
        spec.loader.exec_module(module)
        _modules_by_lib[lib.__name__] = module
    return _modules_by_lib[lib.__name__]


def build_model(config: GPTConfig, lib: ModuleType | None = None) -> Any:
    """``GPT(config)`` built from ``lib``'s layers (default: ember)."""
    module = sys.modules[__name__] if lib is None else load_gpt_module(lib)
    return module.GPT(config)
