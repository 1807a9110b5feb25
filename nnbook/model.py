"""The 784-100-100-10 MLP (taught in "The MLP" and "The forward pass")."""

import torch


# fmt: off
# Written exactly as the draft writes it (tests/test_sync.py compares it with the page).
def initialize_nn(n_hidden = 100):
    """Parameters [W1, b1, W2, b2, W3, b3] of the MLP, drawn from N(0, 1) with seed 1 (The MLP)."""

    g = torch.Generator().manual_seed(1)

    W1 = torch.randn((784, n_hidden),      generator=g)
    b1 = torch.zeros(n_hidden)
    W2 = torch.randn((n_hidden, n_hidden), generator=g)
    b2 = torch.zeros(n_hidden)
    W3 = torch.randn((n_hidden, 10),       generator=g)
    b3 = torch.zeros(10)

    parameters = [W1, b1, W2, b2, W3, b3]

    for p in parameters:
        p.requires_grad = True

    return parameters
# fmt: on


def initialize_scaled(n_hidden=100, gain=5 / 3, output_scale=0.1, seed=1):
    """initialize_nn's draws, scaled (Fixing the initialization).

    W1 and W2 by gain / sqrt(fan_in); W3, the output layer, by
    output_scale / sqrt(fan_in) instead, so that the first logits are small.
    """
    g = torch.Generator().manual_seed(seed)
    W1 = torch.randn((784, n_hidden), generator=g) * gain / 784**0.5
    W2 = torch.randn((n_hidden, n_hidden), generator=g) * gain / n_hidden**0.5
    W3 = torch.randn((n_hidden, 10), generator=g) * output_scale / n_hidden**0.5
    b1, b2, b3 = torch.zeros(n_hidden), torch.zeros(n_hidden), torch.zeros(10)
    parameters = [W1, b1, W2, b2, W3, b3]
    for p in parameters:
        p.requires_grad = True
    return parameters


def forward(X, parameters):
    """Logits of the MLP for a batch X of flattened images (The forward pass)."""
    W1, b1, W2, b2, W3, b3 = parameters
    h1 = torch.tanh(X @ W1 + b1)  # (N, n_hidden)
    h2 = torch.tanh(h1 @ W2 + b2)  # (N, n_hidden)
    return h2 @ W3 + b3  # (N, 10)


def count_parameters(parameters):
    """Number of trainable numbers in the network (The MLP)."""
    return sum(p.numel() for p in parameters)
