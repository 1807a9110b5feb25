import torch
import torch.nn.functional as F

from nnbook.gradcheck import check, cmp

N = 60000  # the backward pass's gradients carry the factor 1/N of the mean


def _with_grad(grad):
    t = torch.zeros_like(grad, requires_grad=True)
    t.grad = grad.clone()
    return t


def _randn(*shape):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(0))


def _dlogits():
    """A gradient like the backward pass's dlogits: (P - Y) / N for large random logits."""
    g = torch.Generator().manual_seed(0)
    logits = 10 * torch.randn(1000, 10, generator=g)  # (1000, 10)
    y = torch.randint(0, 10, (1000,), generator=g)  # (1000,)
    return (torch.softmax(logits, 1) - F.one_hot(y, 10)) / N  # (1000, 10)


def test_exact_match(capsys):
    grad = _randn(3, 4)
    assert cmp("W", grad.clone(), _with_grad(grad)) == (True, True, 0.0)
    assert (
        capsys.readouterr().out.split()
        == "W | exact: True | approximate: True | maxdiff: 0.00e+00".split()
    )


def test_rounding_difference_is_approximate_only():
    grad = _randn(3, 4)
    exact, approx, maxdiff = cmp("W", grad * (1 + 1e-7), _with_grad(grad))
    assert not exact and approx and 0 < maxdiff < 1e-6


def test_wrong_gradient_fails():
    grad = _randn(3, 4)
    exact, approx, maxdiff = cmp("W", grad + 0.1, _with_grad(grad))
    assert not exact and not approx and abs(maxdiff - 0.1) < 1e-6


def test_correct_scaled_gradient_passes():
    dlogits = _dlogits()
    assert (dlogits.abs() < 1e-8).float().mean() > 0.5  # mostly below allclose's atol
    exact, approx, maxdiff = cmp("logits", dlogits * (1 + 1e-7), _with_grad(dlogits))
    assert approx and maxdiff > 0


def test_zero_gradient_fails_for_a_scaled_tensor():
    dlogits = _dlogits()
    exact, approx, maxdiff = cmp("logits", torch.zeros_like(dlogits), _with_grad(dlogits))
    assert not exact and not approx and maxdiff == dlogits.abs().max().item()
    # a gradient whose entries all lie below allclose's atol 1e-8: allclose takes zeros for it
    tiny = dlogits / 1e4
    assert torch.allclose(torch.zeros_like(tiny), tiny)
    assert not cmp("logits", torch.zeros_like(tiny), _with_grad(tiny))[1]


def test_gradient_off_by_a_factor_fails_for_a_scaled_tensor():
    dlogits = _dlogits()
    assert torch.allclose(dlogits * 1.0005, dlogits)  # allclose lets this through
    for factor in [2.0, 0.5, 1.0005, 1 + 2e-5, 1 - 2e-5]:
        assert not cmp("logits", dlogits * factor, _with_grad(dlogits))[1], factor


def test_tolerance_is_1e_5_of_the_largest_entry():
    dlogits = _dlogits()
    largest = dlogits.abs().max().item()
    within, beyond = dlogits.clone(), dlogits.clone()
    within[0, 0] += 0.9e-5 * largest
    beyond[0, 0] += 1.1e-5 * largest
    assert cmp("logits", within, _with_grad(dlogits))[1]
    assert not cmp("logits", beyond, _with_grad(dlogits))[1]


def test_nan_fails():
    grad = _randn(3, 4)
    broken = grad.clone()
    broken[1, 2] = float("nan")
    assert not cmp("W", broken, _with_grad(grad))[1]


def test_check_says_not_yet_for_a_blank(capsys):
    assert check("W", None, _with_grad(_randn(3, 4))) is None
    assert "not written yet" in capsys.readouterr().out


def test_check_says_right_within_the_tolerance_and_wrong_beyond(capsys):
    grad = _randn(3, 4)
    assert check("W", grad * (1 + 1e-7), _with_grad(grad)) is True
    assert check("W", grad * (1 + 1e-3), _with_grad(grad)) is False
    assert check("W", torch.zeros_like(grad), _with_grad(grad)) is False
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("|")[1].strip() for line in lines] == ["right", "wrong", "wrong"]


def test_check_judges_small_gradients_by_their_own_size():
    dlogits = _dlogits()  # mostly below 1e-8: an absolute tolerance would accept zeros
    assert check("logits", dlogits.clone(), _with_grad(dlogits)) is True
    assert check("logits", 1.0005 * dlogits, _with_grad(dlogits)) is False


def test_check_says_wrong_for_a_wrong_shape_even_if_it_broadcasts(capsys):
    grad = _randn(5, 1)  # like counts_sum_inv
    summed = grad.flatten()  # (5,): the sum without keepdim
    assert check("r", summed, _with_grad(grad)) is False
    assert "wrong: shape (5,), not (5, 1)" in capsys.readouterr().out


def test_check_takes_a_plain_number():
    t = _with_grad(torch.tensor(-0.25))
    assert check("w", -0.25, t) is True
    assert check("w", 0.25, t) is False
