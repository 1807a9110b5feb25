"""Training loops with the hand-written backward pass.

Taught in "The training loop", "A shorter backward pass" and "Minibatch SGD"; timed in
"How this book is built and timed".
"""

import math
import time

import torch

from nnbook import metrics, model


# fmt: off
# The draft's backward pass, as the pages write it (listed in "How this book is built and timed").
@torch.no_grad()  # gradients are written by hand: autograd records nothing
def draft_gradients(X, y, parameters):
    """Loss and gradients, backward step by step (The backward pass)."""
    W1, b1, W2, b2, W3, b3 = parameters
    N = X.shape[0]

    # forward pass
    h1 = torch.tanh(X @ W1 + b1)  # (N, n_hidden)
    h2 = torch.tanh(h1 @ W2 + b2)  # (N, n_hidden)
    logits = h2 @ W3 + b3  # (N, 10)
    counts = logits.exp()
    counts_sum = counts.sum(1, keepdims=True)  # (N, 1)
    counts_sum_inv = counts_sum**-1
    probs = counts * counts_sum_inv  # (N, 10)
    logprobs = probs.log()
    loss = -logprobs[range(N), y].mean()

    # backward pass, one intermediate at a time (dX left out: nothing uses it)
    dlogits = stepwise_dlogits(logits, y)  # (N, 10)
    return loss, backward_from_logits(X, h1, h2, dlogits, parameters)
# fmt: on


@torch.no_grad()
def short_gradients(X, y, parameters):
    """Loss and gradients with dlogits = (probs - onehot(y)) / N.

    Softmax and NLL collapsed into one step (A shorter backward pass).
    """
    W1, b1, W2, b2, W3, b3 = parameters
    N = X.shape[0]
    h1 = torch.tanh(X @ W1 + b1)  # (N, n_hidden)
    h2 = torch.tanh(h1 @ W2 + b2)  # (N, n_hidden)
    logits = h2 @ W3 + b3  # (N, 10)
    probs = torch.softmax(logits, 1)  # (N, 10)
    loss = -probs[range(N), y].log().mean()
    dlogits = probs.clone()
    dlogits[range(N), y] -= 1.0
    dlogits /= N
    return loss, backward_from_logits(X, h1, h2, dlogits, parameters)


# fmt: off
# The two ways from the logits to dlogits, as "A shorter backward pass" writes them; timed
# piece by piece in "How this book is built and timed".
def short_dlogits(logits, y):
    """dlogits of the average NLL of softmax(logits): (probs - onehot(y)) / N."""
    N = logits.shape[0]
    dlogits = torch.softmax(logits, 1)
    dlogits[torch.arange(N), y] -= 1.0
    return dlogits / N


def stepwise_dlogits(logits, y):
    """dlogits by the draft's backward pass, one intermediate at a time."""
    N = logits.shape[0]
    counts = logits.exp()
    counts_sum = counts.sum(1, keepdims=True)
    counts_sum_inv = counts_sum**-1
    probs = counts * counts_sum_inv
    dlogprobs = torch.zeros_like(probs)
    dlogprobs[range(N), y] = -1.0 / N
    dprobs = (1.0 / probs) * dlogprobs
    dcounts = counts_sum_inv * dprobs
    dcounts_sum_inv = (counts * dprobs).sum(1, keepdim=True)
    dcounts_sum = (-counts_sum**-2) * dcounts_sum_inv
    dcounts += torch.ones_like(counts) * dcounts_sum
    return counts * dcounts
# fmt: on


def backward_from_logits(X, h1, h2, dlogits, parameters):
    """Gradients of the parameters given dlogits (The backward pass)."""
    W1, b1, W2, b2, W3, b3 = parameters
    dh2 = dlogits @ W3.T
    dW3 = h2.T @ dlogits
    db3 = dlogits.sum(0)
    dh2_pre = (1.0 - h2**2) * dh2
    dh1 = dh2_pre @ W2.T
    dW2 = h1.T @ dh2_pre
    db2 = dh2_pre.sum(0)
    dh1_pre = (1.0 - h1**2) * dh1
    dW1 = X.T @ dh1_pre
    db1 = dh1_pre.sum(0)
    return [dW1, db1, dW2, db2, dW3, db3]


def full_batch(X, y, parameters, epochs=100, lr=0.1, gradients=draft_gradients):
    """Full-batch gradient descent; returns each epoch's loss.

    Updates the parameters in place (The training loop).
    """
    losses = []
    for epoch in range(epochs):
        loss, grads = gradients(X, y, parameters)
        losses.append(loss.item())
        for p, grad in zip(parameters, grads):
            p.data += -lr * grad
    return losses


def block_gradients(X, y, parameters, rows=4000, gradients=short_gradients):
    """The gradients of the whole batch, computed on blocks of rows (A shorter backward pass).

    The mean loss over N images is the weighted sum of the blocks' mean losses, with weight
    N_block / N, and so are its gradients. A block's intermediates fit in the cache.
    """
    N = X.shape[0]
    loss, grads = 0.0, None
    for start in range(0, N, rows):
        block = slice(start, start + rows)
        block_loss, block_grads = gradients(X[block], y[block], parameters)
        weight = X[block].shape[0] / N
        loss = loss + weight * block_loss
        if grads is None:
            grads = [weight * grad for grad in block_grads]
        else:
            for grad, block_grad in zip(grads, block_grads):
                grad.add_(block_grad, alpha=weight)
    return loss, grads


def cosine_lr(step, total_steps, lr_max):
    """Learning rate falling from lr_max to 0 along a cosine (Minibatch SGD)."""
    return lr_max * 0.5 * (1 + math.cos(math.pi * step / total_steps))


def constant_lr(step, total_steps, lr):
    """The same learning rate at every step (Minibatch SGD: Train it yourself)."""
    return lr


def shift_images(Xb, dx, dy):
    """Move flattened 28x28 images dx pixels right, dy down (Minibatch SGD)."""
    images = Xb.view(-1, 28, 28)  # (B, 28, 28)
    shifted = torch.roll(images, shifts=(dy, dx), dims=(1, 2))
    return shifted.reshape(-1, 784)  # (B, 784)


def shift_right(images, k):
    """Images moved k pixels right, the empty columns black (Try it: draw a digit).

    images: (..., 28, 28), or rows of 784 pixels (..., 784); the result has the same shape.
    Unlike shift_images, which rolls, the ink pushed past the right edge is lost.
    """
    grid = images.reshape(-1, 28, 28)  # (n, 28, 28), whatever the shape given
    shifted = torch.zeros_like(grid)
    shifted[:, :, k:] = grid[:, :, : 28 - k]
    return shifted.reshape(images.shape)


# fmt: off
# Shown on the pages "Minibatch SGD" and "torch.nn": the signature wrapped to fit the page.
def minibatch_sgd(X, y, parameters, epochs, batch_size, lr, momentum,
                  max_shift, seed, X_val=None, y_val=None,
                  gradients=short_gradients, schedule=cosine_lr,
                  forward=model.forward):
    """Minibatch SGD; returns the history of each epoch (Minibatch SGD).

    Shuffled batches, random shifts, momentum, a cosine learning rate
    (or another schedule(step, total_steps, lr)); gradients and forward
    are the network's (the MLP's by default).
    history["seconds"] is the training time up to the end of each epoch.
    """
    g = torch.Generator().manual_seed(seed)
    velocities = [torch.zeros_like(p) for p in parameters]
    n_batches = X.shape[0] // batch_size  # drops the last, incomplete batch
    total_steps = epochs * n_batches
    history = {"lr": [], "train_loss": [], "seconds": [],
               "val_loss": [], "val_accuracy": []}
    step, seconds = 0, 0.0
    for epoch in range(epochs):
        start = time.perf_counter()
        perm = torch.randperm(X.shape[0], generator=g)  # new order each epoch
        batch_losses = []
        for i in range(n_batches):
            idx = perm[i * batch_size:(i + 1) * batch_size]
            shift = torch.randint(-max_shift, max_shift + 1, (2,), generator=g)
            dx, dy = shift.tolist()
            Xb = shift_images(X[idx], dx, dy)  # (batch_size, 784)
            loss, grads = gradients(Xb, y[idx], parameters)
            lr_now = schedule(step, total_steps, lr)
            for p, v, grad in zip(parameters, velocities, grads):
                v.mul_(momentum).add_(grad)
                p.data -= lr_now * v
            batch_losses.append(loss.item())
            step += 1
        seconds += time.perf_counter() - start  # validation not included
        history["lr"].append(lr_now)
        history["train_loss"].append(sum(batch_losses) / n_batches)
        history["seconds"].append(seconds)
        if X_val is not None:
            val_loss, val_accuracy = metrics.evaluate(parameters, X_val, y_val,
                                                      forward)
            history["val_loss"].append(val_loss)
            history["val_accuracy"].append(val_accuracy)
    return history
# fmt: on


# The settings "Minibatch SGD" chose on validation data (that page asserts them). The pages
# that need its network again train it with the same call, `minibatch_sgd(X_train, y_train,
# model.initialize_scaled(), **MINIBATCH, X_val=X_val, y_val=y_val)`, through cache.run.
MINIBATCH = dict(epochs=30, batch_size=128, lr=0.1, momentum=0.9, max_shift=2, seed=0)
