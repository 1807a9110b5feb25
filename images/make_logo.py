"""Draw the book's logo (images/logo.png) and favicon (images/favicon.png): a small network.

Run: python images/make_logo.py
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # a script, not a page: no display needed
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

sizes = (4, 5, 5, 3)
colors = ["tab:blue", "tab:orange", "tab:orange", "tab:green"]
fig, ax = plt.subplots(figsize=(4, 2.6))
layers = [np.linspace(-(n - 1) / 2, (n - 1) / 2, n) for n in sizes]
for i in range(len(sizes) - 1):
    for y0 in layers[i]:
        for y1 in layers[i + 1]:
            ax.plot([i, i + 1], [y0, y1], color="0.6", lw=0.8, zorder=1)
for i, ys in enumerate(layers):
    ax.scatter(np.full(len(ys), i), ys, s=260, color=colors[i], edgecolor="k", zorder=2)
ax.set_axis_off()
here = Path(__file__).parent
fig.savefig(here / "logo.png", dpi=100, transparent=True, bbox_inches="tight")

# favicon: the same network, small and square
fig, ax = plt.subplots(figsize=(1, 1))
small = (2, 3, 2)
layers = [np.linspace(-(n - 1) / 2, (n - 1) / 2, n) for n in small]
for i in range(len(small) - 1):
    for y0 in layers[i]:
        for y1 in layers[i + 1]:
            ax.plot([i, i + 1], [y0, y1], color="0.4", lw=1.5, zorder=1)
for i, ys in enumerate(layers):
    ax.scatter(
        np.full(len(ys), i),
        ys,
        s=90,
        color=["tab:blue", "tab:orange", "tab:green"][i],
        edgecolor="k",
        zorder=2,
    )
ax.set_xlim(-0.4, 2.4)
ax.set_ylim(-1.4, 1.4)
ax.set_axis_off()
fig.savefig(here / "favicon.png", dpi=64, transparent=True)
