"""Kernels behind ``ember.nn.functional``: one file per family, each op a Function with forward and backward.

Hot paths (gelu, layer_norm, log_softmax + nll_loss, linear) are fused: one node where torch has one,
evaluated block by block so that chains of NumPy ufuncs stay in cache (``_gelu_f32.py`` for float32 GELU,
``_blocks.py`` for the other float64-evaluated kernels, row blocks in layer_norm and in ``_ops/activation.py``'s
softmax). The cost model behind them: each NumPy call costs ~1 us plus ~0.2 ns per float32 element even in cache,
so kernels minimise passes and temporaries, and inputs of a few elements take shorter paths.
"""
