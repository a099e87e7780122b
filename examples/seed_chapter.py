"""The seed chapter ("Basic Layers") run verbatim on ember.

Only the imports differ from the book. Where the notebook displayed a cell's last bare expression, this
script prints it. Two displays are left out because they show memory addresses, which differ from run
to run: ``torch.manual_seed(42)`` (``<torch._C.Generator at 0x...>``) and ``plt.plot(...)``
(``[<matplotlib.lines.Line2D at 0x...>]``). Plots are saved as PNG files in the temporary directory;
without matplotlib the plotting is skipped and everything else still runs.
tests/test_seed_chapter.py runs this file under ember and under torch and requires identical output.
"""
import os
import tempfile

import numpy as np

try:
    import matplotlib
    matplotlib.use("Agg")  # files, not windows
    import matplotlib.pyplot as plt
except ImportError:  # matplotlib is optional: the plots are skipped, the tensors are still computed
    plt = None

import ember as torch
import ember.nn as nn

import ember.optim as optim  # noqa: F401  (imported by the chapter, never used in it)


def save_plot(xs, ys, name):
    """The chapter's ``plt.plot(xs, ys)``, written to a file instead of shown."""
    if plt is None:
        return
    plt.figure()
    plt.plot(xs, ys)
    plt.savefig(os.path.join(tempfile.gettempdir(), f"seed_chapter_{name}.png"))
    plt.close()


torch.manual_seed(42)
torch.set_printoptions(sci_mode=False)

# --- The Linear Layer ---
d_in = 3
d_out = 4
x = torch.randn(d_in)
layer = nn.Linear(in_features=d_in, out_features=d_out)
y = layer(x)
print(x)
print(x.size())
print(y)
print(y.size())
print(layer.weight)
print(layer.weight.shape)
print(layer.bias)
print(layer.bias.shape)

manual_y = torch.matmul(layer.weight, x) + layer.bias
print(manual_y)
print((y == manual_y).all())

batch_dim = 2
X = torch.randn(batch_dim, d_in)
Y = layer(X)
print(X.shape)
print(Y.shape)

manual_y_0 = torch.matmul(layer.weight, X[0]) + layer.bias
manual_y_1 = torch.matmul(layer.weight, X[1]) + layer.bias
manual_Y = torch.stack((manual_y_0, manual_y_1), dim=0)
print(Y)
print(manual_Y)
print((Y == manual_Y).all())

for param in layer.parameters():
    print(param)

for name, param in layer.named_parameters():
    print(name, param)

# --- Activation Functions ---
sigmoid_derivative_xs = np.arange(-10, 10, 0.01)
sigmoid_derivative_ys = np.exp(-sigmoid_derivative_xs) / (1 + np.exp(-sigmoid_derivative_xs) ** 2)
save_plot(sigmoid_derivative_xs, sigmoid_derivative_ys, "sigmoid_derivative")

relu_xs = np.arange(-10, 10, 0.01)
relu_ys = np.maximum(0, relu_xs)
save_plot(relu_xs, relu_ys, "relu")

relu = torch.nn.ReLU()
relu_xs = torch.tensor([-0.5, 0.0, 0.5])
print(relu(relu_xs))

gelu = torch.nn.GELU()
gelu_xs = np.arange(-10, 10, 0.01)
gelu_ys = gelu(torch.tensor(gelu_xs))
save_plot(gelu_xs, gelu_ys, "gelu")

# --- The Embedding Layer ---
embedding_layer = nn.Embedding(num_embeddings=10, embedding_dim=3)
print(embedding_layer.weight)

emb_x = torch.tensor([3, 2, 5])
emb_y = embedding_layer(emb_x)
print(emb_y)

for name, param in embedding_layer.named_parameters():
    print(name, param)

# --- Dropout ---
dropout_layer = nn.Dropout(p=0.5)
drop_x = torch.randn(5)
print(drop_x)
drop_y = dropout_layer(drop_x)
print(drop_y)
drop_X = torch.randn(3, 5)
print(drop_X)
drop_Y = dropout_layer(X)  # sic: the book applies dropout to X (the Linear batch), not drop_X
print(drop_Y)

print(dropout_layer.training)
dropout_layer.eval()
print(dropout_layer.training)
print(dropout_layer(x))
dropout_layer.train()
print(dropout_layer.training)
print(dropout_layer(x))

# --- Layer Normalization ---
X = torch.randn(batch_dim, d_in)
print(X)
mean = X.mean(dim=-1, keepdim=True)
print(mean)
var = X.var(dim=-1, keepdim=True)
print(var)
X_norm = (X - mean) / torch.sqrt(var)
print(X_norm)
print(X_norm.mean(dim=-1, keepdim=True))
print(X_norm.var(dim=-1, keepdim=True))


class LayerNorm(nn.Module):
    def __init__(self, emb_dim):
        super().__init__()
        self.eps = 1e-5
        self.scale = nn.Parameter(torch.ones(emb_dim))
        self.shift = nn.Parameter(torch.zeros(emb_dim))

    def forward(self, x):
        mean = x.mean(dim=-1, keepdim=True)
        var = x.var(dim=-1, keepdim=True, unbiased=False)
        norm_x = (x - mean) / torch.sqrt(var + self.eps)
        return self.scale * norm_x + self.shift


layer_norm = LayerNorm(d_in)
print(layer_norm(X))

layer_norm_torch = nn.LayerNorm(d_in)
print(layer_norm_torch(X))
