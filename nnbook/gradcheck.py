"""Comparing hand-written gradients with autograd (taught in "The backward pass")."""

import torch


def cmp(name, dt, t):
    """Print whether the manual gradient dt equals autograd's t.grad: exactly, approximately, max difference."""
    exact = torch.all(dt == t.grad).item()
    approx = torch.allclose(dt, t.grad)
    maxdiff = (dt - t.grad).abs().max().item()
    print(f"{name:15s} | exact: {str(exact):5s} | approximate: {str(approx):5s} | maxdiff: {maxdiff:.2e}")
    return exact, approx, maxdiff
