"""Ready-made models written only with ember's public API (each runs unchanged on real torch)."""

from ember.models.gpt import GPT as GPT, GPTConfig as GPTConfig, build_model as build_model

__all__ = ["GPT", "GPTConfig", "build_model"]
