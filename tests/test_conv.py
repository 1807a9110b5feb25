"""nnbook/conv.py: convolution and max pooling by hand, against PyTorch and its autograd."""

import pytest
import torch
import torch.nn.functional as F

from nnbook import conv


@pytest.mark.parametrize("stride, padding", [(1, 0), (1, 2), (2, 1)])
def test_conv2d_is_torchs_with_its_gradients(stride, padding):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(3, 2, 9, 8, generator=g, dtype=torch.float64, requires_grad=True)
    W = torch.randn(4, 2, 3, 3, generator=g, dtype=torch.float64, requires_grad=True)
    b = torch.randn(4, generator=g, dtype=torch.float64, requires_grad=True)
    expected = F.conv2d(x, W, b, stride=stride, padding=padding)
    out, cols = conv.conv2d(x.detach(), W.detach(), b.detach(), stride, padding)
    loops = conv.conv2d_loops(x.detach(), W.detach(), b.detach(), stride, padding)
    assert torch.allclose(out, expected) and torch.allclose(loops, expected)
    dout = torch.randn(expected.shape, generator=g, dtype=torch.float64)
    expected.backward(dout)
    dx, dW, db = conv.conv2d_backward(dout, cols, x.shape, W.detach(), stride, padding)
    # what the convolution page says: in float64 the gradients differ by less than 1e-12
    for ours, autograd in [(dx, x.grad), (dW, W.grad), (db, b.grad)]:
        assert (ours - autograd).abs().max() < 1e-12


@pytest.mark.parametrize("stride, padding", [(1, 0), (1, 2), (2, 1), (3, 0), (3, 1)])
def test_im2col_and_col2im_are_unfold_and_fold(stride, padding):
    g = torch.Generator().manual_seed(2)
    x = torch.randn(2, 3, 10, 9, generator=g, dtype=torch.float64)
    cols = conv.im2col(x, 4, 3, stride, padding)
    assert torch.equal(cols, F.unfold(x, (4, 3), padding=padding, stride=stride))
    dcols = torch.randn(cols.shape, generator=g, dtype=torch.float64)
    expected = F.fold(dcols, (10, 9), (4, 3), padding=padding, stride=stride)
    assert torch.allclose(conv.col2im(dcols, x.shape, 4, 3, stride, padding), expected)


def test_conv2d_backward_without_dx_gives_the_same_dW_and_db():
    g = torch.Generator().manual_seed(3)
    x, W = torch.randn(3, 2, 8, 8, generator=g), torch.randn(4, 2, 5, 5, generator=g)
    out, cols = conv.conv2d(x, W, torch.zeros(4), padding=2)
    dout = torch.randn(out.shape, generator=g)
    dx, dW, db = conv.conv2d_backward(dout, cols, x.shape, W, padding=2)
    none, dW_only, db_only = conv.conv2d_backward(dout, cols, x.shape, W, padding=2, need_dx=False)
    assert dx.shape == x.shape and none is None
    assert torch.equal(dW, dW_only) and torch.equal(db, db_only)


def test_output_size():
    assert conv.output_size(28, 5) == 24
    assert conv.output_size(28, 5, padding=2) == 28
    assert conv.output_size(9, 3, stride=2, padding=1) == 5


def test_maxpool2d_is_torchs_with_its_gradient():
    g = torch.Generator().manual_seed(1)
    x = torch.randn(2, 3, 8, 6, generator=g, dtype=torch.float64, requires_grad=True)
    expected = F.max_pool2d(x, 2)
    out, where = conv.maxpool2d(x.detach(), 2)
    assert torch.equal(out, expected)
    dout = torch.randn(expected.shape, generator=g, dtype=torch.float64)
    expected.backward(dout)
    dx = conv.maxpool2d_backward(dout, where, x.shape, 2)
    assert torch.equal(dx, x.grad)
    assert (dx != 0).sum() == dout.numel()  # one maximum per window
