"""A small LeNet-style network with its backward pass by hand (A convolutional network).

conv 5x5 (1 -> 16 channels, padding 2) -> ReLU -> max pool 2 -> conv 5x5 (16 -> 32) -> ReLU
-> max pool 2 -> affine (800 -> 100) -> ReLU -> affine (100 -> 10). The images come in as
rows of 784 pixels, like the MLP's, so the book's training loop (train.minibatch_sgd) trains
either network.
"""

import math

import torch
import torch.nn.functional as F

from nnbook import conv

SHAPES = [(16, 1, 5, 5), (16,), (32, 16, 5, 5), (32,), (800, 100), (100,), (100, 10), (10,)]

# How the page "A convolutional network" trains it with train.minibatch_sgd, starting from
# initialize(seed=1): the epochs fixed by the time budget, the learning rate chosen there on the
# validation images (the page asserts it). The recognizer trains (reads back) the same network.
TRAINING = dict(epochs=7, batch_size=128, lr=0.1, momentum=0.9, max_shift=1, seed=0)


def initialize(seed=1, gain=math.sqrt(2), output_scale=0.1):
    """[W1, b1, W2, b2, W3, b3, W4, b4] scaled as in "Initialization", biases 0.

    Each weight gets gain / sqrt(fan_in), fan_in being the inputs of one output value:
    25 pixels for W1, 16 x 25 for W2, 800 for W3; gain sqrt(2) is ReLU's. The last layer is
    scaled down by output_scale so that the first loss is near log(10).
    """
    g = torch.Generator().manual_seed(seed)
    parameters = []
    for i, shape in enumerate(SHAPES):
        if len(shape) == 1:
            parameters.append(torch.zeros(shape))  # a bias
            continue
        fan_in = math.prod(shape[1:]) if len(shape) == 4 else shape[0]
        scale = gain / math.sqrt(fan_in) if i < 6 else output_scale / math.sqrt(fan_in)
        parameters.append(torch.randn(shape, generator=g) * scale)
    return parameters


def forward_all(X, parameters):
    """Every intermediate of the forward pass, as a dict (the backward pass needs them)."""
    W1, b1, W2, b2, W3, b3, W4, b4 = parameters
    x = X.view(-1, 1, 28, 28)  # (N, 1, 28, 28)
    h1_pre, cols1 = conv.conv2d(x, W1, b1, padding=2)  # (N, 16, 28, 28)
    h1 = torch.relu(h1_pre)
    p1, where1 = conv.maxpool2d(h1)  # (N, 16, 14, 14)
    h2_pre, cols2 = conv.conv2d(p1, W2, b2)  # (N, 32, 10, 10)
    h2 = torch.relu(h2_pre)
    p2, where2 = conv.maxpool2d(h2)  # (N, 32, 5, 5)
    f = p2.reshape(-1, 800)  # (N, 800): the features, flattened
    h3 = torch.relu(f @ W3 + b3)  # (N, 100)
    logits = h3 @ W4 + b4  # (N, 10)
    return dict(x=x, cols1=cols1, h1=h1, p1=p1, where1=where1, cols2=cols2, h2=h2,
                p2=p2, where2=where2, f=f, h3=h3, logits=logits)  # fmt: skip


def forward(X, parameters, batch_size=256, activation=torch.relu):
    """The logits (N, 10) of images X (N, 784), for measuring: batch_size images at a time.

    The same numbers as forward_all's logits (the page checks them), computed with torch's
    F.conv2d and F.max_pool2d: measuring needs none of the columns and indices that
    forward_all keeps for the backward pass. Autograd through it is the reference for the
    hand-written gradients; the page's exercise passes another activation.
    """
    W1, b1, W2, b2, W3, b3, W4, b4 = parameters
    logits = []
    for i in range(0, X.shape[0], batch_size):
        x = X[i : i + batch_size].view(-1, 1, 28, 28)  # (B, 1, 28, 28)
        p1 = F.max_pool2d(activation(F.conv2d(x, W1, b1, padding=2)), 2)  # (B, 16, 14, 14)
        p2 = F.max_pool2d(activation(F.conv2d(p1, W2, b2)), 2)  # (B, 32, 5, 5)
        h3 = activation(p2.reshape(-1, 800) @ W3 + b3)  # (B, 100)
        logits.append(h3 @ W4 + b4)  # (B, 10)
    return torch.cat(logits)  # (N, 10)


@torch.no_grad()
def gradients(X, y, parameters):
    """Loss and the gradients of all eight parameters, by hand (A convolutional network)."""
    W1, b1, W2, b2, W3, b3, W4, b4 = parameters
    N = X.shape[0]
    a = forward_all(X, parameters)
    probs = torch.softmax(a["logits"], 1)  # (N, 10)
    rows = torch.arange(N)
    loss = -probs[rows, y].log().mean()
    dlogits = probs.clone()
    dlogits[rows, y] -= 1.0
    dlogits /= N  # (N, 10)
    # the affine layers, as in the MLP
    dW4 = a["h3"].T @ dlogits  # (100, 10)
    db4 = dlogits.sum(0)  # (10,)
    dh3_pre = (dlogits @ W4.T) * (a["h3"] > 0)  # (N, 100): ReLU passes where h3 > 0
    dW3 = a["f"].T @ dh3_pre  # (800, 100)
    db3 = dh3_pre.sum(0)  # (100,)
    df = dh3_pre @ W3.T  # (N, 800)
    # the second convolution block, backwards: unflatten, pool, ReLU, conv
    dp2 = df.view(a["p2"].shape)  # (N, 32, 5, 5)
    dh2 = conv.maxpool2d_backward(dp2, a["where2"], a["h2"].shape)  # (N, 32, 10, 10)
    dh2_pre = dh2 * (a["h2"] > 0)
    dp1, dW2, db2 = conv.conv2d_backward(dh2_pre, a["cols2"], a["p1"].shape, W2)
    # the first block; the gradient of the image itself is not needed
    dh1 = conv.maxpool2d_backward(dp1, a["where1"], a["h1"].shape)  # (N, 16, 28, 28)
    dh1_pre = dh1 * (a["h1"] > 0)
    _, dW1, db1 = conv.conv2d_backward(
        dh1_pre, a["cols1"], a["x"].shape, W1, padding=2, need_dx=False
    )
    return loss, [dW1, db1, dW2, db2, dW3, db3, dW4, db4]
