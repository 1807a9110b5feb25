"""Figures the book draws more than once: digit grids, weight pictures, the network diagram,
loss curves."""

import matplotlib.pyplot as plt
import numpy as np


def plot_digits(images, labels, ncols=10, titles=None, size=1.0):
    """A grid of digit images with their labels as titles (The data)."""
    n = len(images)
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(size * ncols, 1.2 * size * nrows), squeeze=False
    )
    for i, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if i < n:
            ax.imshow(np.asarray(images[i]).reshape(28, 28), cmap="gray_r", vmin=0, vmax=1)
            ax.set_title(titles[i] if titles is not None else str(int(labels[i])), fontsize=10)
    fig.tight_layout()
    return fig


def plot_weights(W, titles, axes):
    """Columns of W (784, n) as 28 x 28 pictures on axes (Inside the network).

    Red is a positive weight, blue a negative one; each picture has its own symmetric color
    range, so it shows where the weights are large, not how large they are.
    """
    for column, title, ax in zip(W.T, titles, axes):
        largest = column.abs().max().item()
        ax.imshow(np.asarray(column).reshape(28, 28), cmap="RdBu_r", vmin=-largest, vmax=largest)
        ax.set_title(title, fontsize=9)
        ax.set_axis_off()


def draw_mlp(
    layer_sizes=(784, 100, 100, 10),
    names=("input", "hidden 1", "hidden 2", "output"),
    max_shown=10,
    ax=None,
):
    """Diagram of a fully connected network; large layers show a few neurons and a gap (The MLP)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 5))
    span = max_shown
    positions = []
    for i, size in enumerate(layer_sizes):
        shown = size if size <= max_shown else max_shown - 2
        ys = np.linspace(span / 2, -span / 2, shown + (size > max_shown))
        if size > max_shown:  # leave a gap for the neurons not drawn
            ys = np.delete(ys, len(ys) // 2)
            ax.text(i, 0, "⋮", ha="center", va="center", fontsize=16)
        positions.append(ys)
    for i in range(len(layer_sizes) - 1):
        for y0 in positions[i]:
            for y1 in positions[i + 1]:
                ax.plot([i, i + 1], [y0, y1], color="0.75", lw=0.4, zorder=1)
    colors = ["tab:blue"] + ["tab:orange"] * (len(layer_sizes) - 2) + ["tab:green"]
    for i, ys in enumerate(positions):
        ax.scatter(np.full(len(ys), i), ys, s=140, color=colors[i], edgecolor="k", zorder=2)
        ax.text(i, -span / 2 - 1.3, f"{names[i]}\n{layer_sizes[i]} neurons", ha="center", va="top")
    if layer_sizes[-1] <= max_shown:  # name the classes beside the output neurons
        for digit, y in enumerate(positions[-1]):
            ax.text(len(layer_sizes) - 1 + 0.12, y, str(digit), va="center", fontsize=9)
    ax.set_xlim(-0.5, len(layer_sizes) - 0.5)
    ax.set_ylim(-span / 2 - 3.2, span / 2 + 0.8)
    ax.set_axis_off()
    return ax.figure


def plot_loss(losses, label=None, ax=None, **kwargs):
    """The loss after each epoch, on a new or given axes (The training loop)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(range(len(losses)), losses, label=label, **kwargs)
    ax.set_xlabel("epoch")
    ax.set_ylabel("average NLL (training set)")
    ax.grid(alpha=0.3)
    if label is not None:
        ax.legend()
    return ax.figure
