"""Comparing hand-written gradients with autograd (taught in "The backward pass").

`cmp` reports exact and approximate agreement; `check` says right or wrong, for the cells
where the reader writes a gradient first.
"""

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


def check(name, dt, t):
    """Is the hand-written gradient dt right? Compared with autograd's t.grad."""
    if dt is None:
        print(f"{name:15s} | not written yet: replace None with your code")
        return None
    dt = torch.as_tensor(dt)  # a plain number will do too
    if dt.shape != t.grad.shape:
        shapes = f"{tuple(dt.shape)}, not {tuple(t.grad.shape)}"
        print(f"{name:15s} | wrong: shape {shapes}")
        return False
    maxdiff = (dt - t.grad).abs().max().item()
    right = maxdiff <= 1e-5 * t.grad.abs().max().item()  # as cmp's approximate
    verdict = "right" if right else "wrong"
    print(f"{name:15s} | {verdict} | maxdiff: {maxdiff:.2e}")
    return right
