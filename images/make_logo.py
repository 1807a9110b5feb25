"""Draw the book's logo (images/logo.png) and favicon (images/favicon.png): a small network.

Run: python images/make_logo.py
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # a script, not a page: no display needed
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def draw_network(ax, sizes, colors, edge_color, edge_width, node_size):
    """Layers of `sizes` nodes, every node joined to every node of the next layer."""
    layers = [np.linspace(-(n - 1) / 2, (n - 1) / 2, n) for n in sizes]
    for i in range(len(sizes) - 1):
        for y0 in layers[i]:
            for y1 in layers[i + 1]:
                ax.plot([i, i + 1], [y0, y1], color=edge_color, lw=edge_width, zorder=1)
    for i, ys in enumerate(layers):
        ax.scatter(np.full(len(ys), i), ys, s=node_size, color=colors[i], edgecolor="k", zorder=2)
    ax.set_axis_off()


here = Path(__file__).parent

fig, ax = plt.subplots(figsize=(4, 2.6))
draw_network(
    ax, (4, 5, 5, 3), ["tab:blue", "tab:orange", "tab:orange", "tab:green"], "0.6", 0.8, 260
)
fig.savefig(here / "logo.png", dpi=100, transparent=True, bbox_inches="tight")

# favicon: the same kind of network, small and square
fig, ax = plt.subplots(figsize=(1, 1))
draw_network(ax, (2, 3, 2), ["tab:blue", "tab:orange", "tab:green"], "0.4", 1.5, 90)
ax.set_xlim(-0.4, 2.4)
ax.set_ylim(-1.4, 1.4)
fig.savefig(here / "favicon.png", dpi=64, transparent=True)
