"""ember/models/gpt.py: the same file run on ember and on real torch must give the same model and losses."""

import math

import numpy as np
import pytest
import torch

import ember
import ember.nn.utils  # noqa: F401  (torch.nn imports nn.utils itself; ember.nn does not yet)
from ember.models.gpt import GPTConfig, build_model, load_gpt_module

TINY = GPTConfig(vocab_size=23, block_size=16, n_layer=2, n_head=2, n_embd=32, dropout=0.0)


def _batches(steps: int, batch: int, config: GPTConfig) -> list[tuple[np.ndarray, np.ndarray]]:
    """Fixed (x, y) batches from a NumPy generator, so both libraries see the same data."""
    rng = np.random.default_rng(0)
    # a learnable text: a fixed random cycle through the vocabulary, with 10% random characters
    cycle = rng.permutation(config.vocab_size)
    text = np.where(rng.random(2000) < 0.1, rng.integers(0, config.vocab_size, 2000), np.resize(cycle, 2000))
    out = []
    for _ in range(steps):
        starts = rng.integers(0, len(text) - config.block_size - 1, size=batch)
        x = np.stack([text[s : s + config.block_size] for s in starts])
        y = np.stack([text[s + 1 : s + 1 + config.block_size] for s in starts])
        out.append((x, y))
    return out


def _train(lib, config: GPTConfig, steps: int, state: dict | None = None) -> tuple[list[float], object]:
    lib.manual_seed(0)
    model = build_model(config, lib)
    if state is not None:
        model.load_state_dict({k: lib.tensor(v) for k, v in state.items()})
    optimizer = lib.optim.AdamW(model.parameters(), lr=3e-3, betas=(0.9, 0.99), weight_decay=0.1)
    losses = []
    for x, y in _batches(steps, 8, config):
        _, loss = model(lib.tensor(x), lib.tensor(y))
        optimizer.zero_grad()
        loss.backward()
        lib.nn.utils.clip_grad_norm_(model.parameters(), 0.5)  # as ember train does (there with 1.0)
        optimizer.step()
        losses.append(loss.item())
    return losses, model


def test_same_file_builds_on_both_libraries():
    module = load_gpt_module(torch)
    assert module.nn is torch.nn and module.F is torch.nn.functional
    assert isinstance(build_model(TINY, torch), torch.nn.Module)
    assert isinstance(build_model(TINY), ember.nn.Module)
    assert load_gpt_module(torch) is module  # cached: one class per library


def test_same_seed_gives_identical_weights():
    ember.manual_seed(0)
    torch.manual_seed(0)
    e_state = build_model(TINY).state_dict()
    t_state = build_model(TINY, torch).state_dict()
    assert list(e_state) == list(t_state)
    for name in e_state:
        np.testing.assert_array_equal(e_state[name].numpy(), t_state[name].numpy(), err_msg=name)


@pytest.mark.parametrize("dropout", [0.0, 0.1])
def test_training_losses_match_torch(dropout):
    config = GPTConfig(**{**TINY.__dict__, "dropout": dropout})
    t_losses, t_model = _train(torch, config, 30)
    e_losses, e_model = _train(ember, config, 30)
    np.testing.assert_allclose(e_losses, t_losses, rtol=1e-4)
    assert t_losses[-1] < t_losses[0] - 0.3  # it did learn something
    e_state = e_model.state_dict()
    for name, p in t_model.state_dict().items():
        expected, actual = p.numpy(), e_state[name].numpy()
        if name.endswith("c_attn.bias"):
            # the key bias gets a zero gradient in exact math (softmax ignores a shift shared by a row),
            # so AdamW amplifies float rounding noise there: compare only the query and value biases
            n = config.n_embd
            expected, actual = np.delete(expected, slice(n, 2 * n)), np.delete(actual, slice(n, 2 * n))
        np.testing.assert_allclose(actual, expected, rtol=1e-3, atol=1e-5, err_msg=name)


def test_initial_loss_is_near_uniform():
    ember.manual_seed(0)
    model = build_model(TINY)
    x, y = _batches(1, 8, TINY)[0]
    logits, loss = model(ember.tensor(x), ember.tensor(y))
    assert logits.shape == (8, TINY.block_size, TINY.vocab_size)
    assert abs(loss.item() - math.log(TINY.vocab_size)) < 0.05  # small init: every token about equally likely


@pytest.mark.parametrize("top_k", [None, 1, 5])
def test_generate_matches_torch(top_k):
    t_module = load_gpt_module(torch)
    ember.manual_seed(1)
    torch.manual_seed(1)
    e_model, t_model = build_model(TINY).eval(), build_model(TINY, torch).eval()
    prompt = [[1, 2, 3]]
    ember.manual_seed(2)
    torch.manual_seed(2)
    # 20 new tokens: the context slides past block_size (16)
    e_out = e_model.generate(ember.tensor(prompt), 20, temperature=0.9, top_k=top_k)
    t_out = t_model.generate(torch.tensor(prompt), 20, temperature=0.9, top_k=top_k)
    assert e_out.shape == (1, 23)
    assert e_out.tolist() == t_out.tolist()
    assert t_module.GPT is type(t_model)


def test_top_k_one_is_greedy():
    ember.manual_seed(0)
    model = build_model(TINY).eval()
    idx = ember.tensor([[4, 5, 6]])
    out = model.generate(idx, 1, top_k=1)
    logits, _ = model(idx)
    assert out[0, -1].item() == logits[0, -1].argmax().item()


def test_errors():
    with pytest.raises(ValueError, match=r"n_embd \(30\) must be divisible by n_head \(4\)"):
        build_model(GPTConfig(n_embd=30, n_head=4))
    model = build_model(TINY)
    with pytest.raises(ValueError, match="sequence of length 17 is longer than block_size 16"):
        model(ember.zeros(1, 17, dtype=ember.long))
    with pytest.raises(ValueError, match="temperature must be positive, but got 0"):
        model.generate(ember.zeros(1, 1, dtype=ember.long), 1, temperature=0)
