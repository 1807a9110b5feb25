"""Convolution and max pooling written by hand, forward and backward (Images and convolution).

Shapes follow PyTorch: images (N, C, H, W), kernels (K, C, kh, kw), biases (K,).
"""

import torch
import torch.nn.functional as F


def output_size(size, kernel, stride=1, padding=0):
    """Positions of a kernel along one side: (size + 2 padding - kernel) // stride + 1."""
    return (size + 2 * padding - kernel) // stride + 1


def conv2d_loops(x, W, b, stride=1, padding=0):
    """The convolution as its definition reads: one output position at a time.

    out[n, k, i, j] = b[k] + sum over c, u, v of x[n, c, i*stride + u, j*stride + v] W[k, c, u, v]
    (x padded with zeros first). Slow, and only for checking conv2d.
    """
    x = F.pad(x, (padding, padding, padding, padding))
    N, C, H, Wd = x.shape
    K, _, kh, kw = W.shape
    H_out, W_out = output_size(H, kh, stride), output_size(Wd, kw, stride)
    out = torch.zeros(N, K, H_out, W_out, dtype=x.dtype)
    for i in range(H_out):
        for j in range(W_out):
            patch = x[:, :, i * stride : i * stride + kh, j * stride : j * stride + kw]
            out[:, :, i, j] = patch.reshape(N, -1) @ W.reshape(K, -1).T + b  # (N, K)
    return out


def im2col(x, kh, kw, stride=1, padding=0):
    """Every kh x kw patch of x (N, C, H, W) as a column: (N, C*kh*kw, H_out*W_out).

    x.unfold(2, kh, stride) views the rows of each patch, a second unfold its columns, without
    copying: (N, C, H_out, W_out, kh, kw). The reshape copies them into the columns, in the
    order of F.unfold.
    """
    x = F.pad(x, (padding, padding, padding, padding))
    N, C = x.shape[:2]
    patches = x.unfold(2, kh, stride).unfold(3, kw, stride)  # (N, C, H_out, W_out, kh, kw)
    H_out, W_out = patches.shape[2:4]
    return patches.permute(0, 1, 4, 5, 2, 3).reshape(N, C * kh * kw, H_out * W_out)


def col2im(cols, x_shape, kh, kw, stride=1, padding=0):
    """The transpose of im2col (F.fold): adds each column back onto the pixels of its patch.

    Loops over the kh * kw positions (u, v) in a patch: entry (c, u, v) of every column lands
    on the pixel at (u, v) of that column's patch.
    """
    N, C, H, Wd = x_shape
    H_out = output_size(H, kh, stride, padding)
    W_out = output_size(Wd, kw, stride, padding)
    cols = cols.view(N, C, kh, kw, H_out, W_out)
    x = torch.zeros(N, C, H + 2 * padding, Wd + 2 * padding, dtype=cols.dtype)
    for u in range(kh):
        for v in range(kw):
            rows = slice(u, u + stride * (H_out - 1) + 1, stride)
            columns = slice(v, v + stride * (W_out - 1) + 1, stride)
            x[:, :, rows, columns].add_(cols[:, :, u, v])  # (N, C, H_out, W_out), in place
    return x[:, :, padding : padding + H, padding : padding + Wd]


def conv2d(x, W, b, stride=1, padding=0):
    """The convolution as one matrix product (im2col); returns (out, cols).

    cols (N, C*kh*kw, H_out*W_out) holds every patch of x as a column, one per output
    position; conv2d_backward needs it.
    """
    N, _, H, Wd = x.shape
    K, _, kh, kw = W.shape
    cols = im2col(x, kh, kw, stride, padding)  # (N, C*kh*kw, H_out*W_out)
    out = W.reshape(K, -1) @ cols + b.view(1, K, 1)  # (N, K, H_out*W_out)
    H_out = output_size(H, kh, stride, padding)
    W_out = output_size(Wd, kw, stride, padding)
    return out.view(N, K, H_out, W_out), cols


def conv2d_backward(dout, cols, x_shape, W, stride=1, padding=0, need_dx=True):
    """Gradients (dx, dW, db) of conv2d, given dout (N, K, H_out, W_out) and its cols.

    out = W_flat @ cols + b for each image, so dW = sum over images of dout @ cols.T,
    db = dout summed over images and positions, and dcols = W_flat.T @ dout; col2im adds each
    column of dcols back onto the pixels of its patch. need_dx=False skips dx (None), which
    the first layer of a network does not need.
    """
    N, K = dout.shape[:2]
    _, _, kh, kw = W.shape
    dout_flat = dout.reshape(N, K, -1)  # (N, K, H_out*W_out)
    dW = (dout_flat @ cols.transpose(1, 2)).sum(0).view_as(W)  # (K, C, kh, kw)
    db = dout_flat.sum((0, 2))  # (K,)
    if not need_dx:
        return None, dW, db
    dcols = W.reshape(K, -1).T @ dout_flat  # (N, C*kh*kw, H_out*W_out)
    dx = col2im(dcols, x_shape, kh, kw, stride, padding)  # (N, C, H, W)
    return dx, dW, db


def maxpool2d(x, k=2):
    """The largest value of each k x k window (H and W multiples of k); returns (out, where).

    x[:, :, u::k, v::k] is the value at position (u, v) of every window; the k*k of them,
    stacked in the last dimension, give max its windows. where (N, C, H/k, W/k) numbers the
    position of each maximum in its window, u*k + v, for the backward.
    """
    positions = [x[:, :, u::k, v::k] for u in range(k) for v in range(k)]
    return torch.stack(positions, -1).max(-1)  # (N, C, H/k, W/k) twice


def maxpool2d_backward(dout, where, x_shape, k=2):
    """dx of maxpool2d: each window's gradient goes to its maximum, the others get 0."""
    dx = torch.zeros(x_shape, dtype=dout.dtype)
    for u in range(k):
        for v in range(k):
            dx[:, :, u::k, v::k] = dout * (where == u * k + v)  # dout at the maximum, else 0
    return dx
