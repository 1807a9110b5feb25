import torch

from nnbook.gradcheck import cmp


def _with_grad(grad):
    t = torch.zeros_like(grad, requires_grad=True)
    t.grad = grad.clone()
    return t


def test_exact_match(capsys):
    grad = torch.randn(3, 4, generator=torch.Generator().manual_seed(0))
    assert cmp("W", grad.clone(), _with_grad(grad)) == (True, True, 0.0)
    assert (
        capsys.readouterr().out.split()
        == "W | exact: True | approximate: True | maxdiff: 0.00e+00".split()
    )


def test_rounding_difference_is_approximate_only():
    grad = torch.randn(3, 4, generator=torch.Generator().manual_seed(0))
    exact, approx, maxdiff = cmp("W", grad * (1 + 1e-7), _with_grad(grad))
    assert not exact and approx and 0 < maxdiff < 1e-6


def test_wrong_gradient_fails():
    grad = torch.randn(3, 4, generator=torch.Generator().manual_seed(0))
    exact, approx, maxdiff = cmp("W", grad + 0.1, _with_grad(grad))
    assert not exact and not approx and abs(maxdiff - 0.1) < 1e-6
