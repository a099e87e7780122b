"""Kernels behind ``ember.nn.functional``: one file per family, each op a Function with forward and backward.

Hot paths (gelu, layer_norm, log_softmax + nll_loss, linear) are fused: one node where torch has one,
evaluated block by block (``_blocks.py``) so that chains of NumPy ufuncs stay in cache.
"""
