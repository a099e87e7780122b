"""Differentiable primitives: one Function (forward + backward) per op, with its wrapper."""
