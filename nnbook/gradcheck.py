"""Comparing hand-written gradients with autograd (taught in "The backward pass")."""

import torch


def cmp(name, dt, t):
    """Compare a manual gradient dt with autograd's t.grad (The backward pass)."""
    exact = torch.all(dt == t.grad).item()
    maxdiff = (dt - t.grad).abs().max().item()
    scale = t.grad.abs().max().item()  # the largest entry of the gradient
    approx = maxdiff <= 1e-5 * scale  # close relative to the gradient's own size
    print(
        f"{name:15s} | exact: {str(exact):5s} | approximate: {str(approx):5s} "
        f"| maxdiff: {maxdiff:.2e}"
    )
    return exact, approx, maxdiff
