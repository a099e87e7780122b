"""ember quick start: PyTorch-style tensors and autograd on plain NumPy.

Fits y = 3x - 2 (plus noise) with a hand-written linear model and gradient
descent, printing exactly what the same code prints under PyTorch.
Run: python examples/quickstart.py
"""
import numpy as np

import ember as torch

torch.set_printoptions(precision=4)

rng = np.random.default_rng(0)
x = torch.tensor(rng.uniform(-1, 1, size=(64, 1)), dtype=torch.float32)
y = 3 * x - 2 + 0.1 * torch.tensor(rng.standard_normal((64, 1)), dtype=torch.float32)

w = torch.zeros(1, 1, requires_grad=True)
b = torch.zeros(1, requires_grad=True)
print("x:", x.shape, x.dtype)

for step in range(201):
    pred = x @ w + b
    loss = ((pred - y) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        w -= 0.1 * w.grad
        b -= 0.1 * b.grad
    w.grad = None
    b.grad = None
    if step % 50 == 0:
        print(f"step {step:3d}  loss {loss.item():.4f}")

print("w:", w)
print("b:", b)
print("last loss:", loss)
