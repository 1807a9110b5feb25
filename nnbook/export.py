"""Exporting the trained networks and test digits for the in-browser recognizer.

Taught in "Try it: draw a digit"; the CNN's format in "A convolutional network".
"""

import base64
import json
import math
import textwrap
from pathlib import Path

import numpy as np
import torch

FORMAT = "nnbook-mlp-1"
CNN_FORMAT = "nnbook-cnn-1"


def script(name="recognizer.js", section=None):
    """The text of one of nnbook's scripts: recognizer.js (Try it: draw a digit) or mlp.js
    (Minibatch SGD), or only its lines between `// BEGIN section` and `// END section`.

    They ship inside nnbook so that pages can show them wherever they run; the book's build
    copies them to _static/ (html_static_path in _config.yml).
    """
    text = (Path(__file__).parent / name).read_text()
    if section is None:
        return text
    lines = text.split(f"// BEGIN {section}\n")[1].split(f"// END {section}")[0]
    return textwrap.dedent(lines)


def _b64(array, dtype):
    return base64.b64encode(np.ascontiguousarray(array, dtype=dtype).tobytes()).decode("ascii")


def _unb64(text, dtype):
    return np.frombuffer(base64.b64decode(text), dtype=dtype)


def export_model(parameters, path):
    """Write the MLP as JSON, W and b as base64 float32 (Try it: draw a digit)."""
    layers = []
    for W, b in zip(parameters[0::2], parameters[1::2]):
        W = W.detach().cpu().numpy()  # (in, out), stored row by row
        b = b.detach().cpu().numpy()  # (out,)
        W64, b64 = _b64(W, "<f4"), _b64(b, "<f4")  # "<f4": little-endian float32
        layers.append({"in": W.shape[0], "out": W.shape[1], "W": W64, "b": b64})
    exported = {"format": FORMAT, "activation": "tanh", "layers": layers}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(exported))
    return path


def load_model(path):
    """[W1, b1, W2, b2, ...] as float32 tensors, from export_model's JSON (Try it: draw a digit)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist: the recognizer page exports it")
    exported = json.loads(path.read_text())
    if exported.get("format") != FORMAT:
        raise ValueError(f"{path} is not an {FORMAT} file")
    parameters = []
    for layer in exported["layers"]:
        W = _unb64(layer["W"], "<f4").reshape(layer["in"], layer["out"])
        parameters += [
            torch.tensor(W, dtype=torch.float32),
            torch.tensor(_unb64(layer["b"], "<f4"), dtype=torch.float32),
        ]
    return parameters


def export_cnn(parameters, path):
    """Write the CNN of nnbook.cnn as JSON: each parameter's shape and float32 bytes, base64.

    The numbers are stored in PyTorch's order (row-major), kernels as (K, C, m, m).
    """
    tensors = [p.detach().cpu().numpy() for p in parameters]
    exported = {"format": CNN_FORMAT, "activation": "relu",
                "shapes": [list(t.shape) for t in tensors],
                "parameters": [_b64(t, "<f4") for t in tensors]}  # fmt: skip
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(exported))
    return path


def load_cnn(path):
    """[W1, b1, ..., W4, b4] as float32 tensors, from export_cnn's JSON."""
    exported = json.loads(Path(path).read_text())
    if exported.get("format") != CNN_FORMAT:
        raise ValueError(f"{path} is not an {CNN_FORMAT} file")
    return [torch.tensor(_unb64(text, "<f4").reshape(shape), dtype=torch.float32)
            for text, shape in zip(exported["parameters"], exported["shapes"])]  # fmt: skip


def pixel_bytes(images):
    """Images in [0, 1] as uint8 pixels (N, 784), round(x * 255): MNIST's own bytes."""
    return torch.round(images.reshape(len(images), 784) * 255).to(torch.uint8).numpy()


def export_digits(images, labels, path, n=200):
    """Write the first n images and their labels as JSON (Try it: draw a digit).

    The pixels are base64 uint8, round(x * 255).
    """
    pixels = pixel_bytes(images[:n])  # (n, 784)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    labels = [int(label) for label in labels[:n]]
    path.write_text(json.dumps({"n": n, "images": _b64(pixels, np.uint8), "labels": labels}))
    return path


def load_digits(path):
    """(images (n, 784) in [0, 1], labels (n,)) from export_digits's JSON (Try it: draw a digit)."""
    exported = json.loads(Path(path).read_text())
    pixels = _unb64(exported["images"], np.uint8).reshape(exported["n"], 784)
    return torch.tensor(pixels, dtype=torch.float32) / 255.0, torch.tensor(exported["labels"])


def _box_filter(n_in, n_out, step):
    # R[i, k]: the share of output pixel i = [i * step, (i + 1) * step) covered by input
    # pixel [k, k + 1)
    R = np.zeros((n_out, n_in))
    for i in range(n_out):
        lo, hi = i * step, (i + 1) * step
        for k in range(int(math.floor(lo)), min(n_in, int(math.ceil(hi)))):
            R[i, k] = (min(k + 1, hi) - max(k, lo)) / step
    return R


def mnist_style(ink):
    """A drawing as MNIST would store it, or None (Try it: draw a digit).

    ink: 2-D array, values in [0, 1]. The same steps as recognizer.js: crop to
    the ink, scale (area averaging) so that the larger side is 20 pixels, and
    paste into 28 x 28 so that the center of mass is at (14, 14).
    """
    ink = np.asarray(ink, dtype=np.float64)
    rows, cols = np.flatnonzero(ink.any(1)), np.flatnonzero(ink.any(0))
    if rows.size == 0:
        return None
    crop = ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]  # (h, w)
    h, w = crop.shape
    side = max(h, w)
    out_h, out_w = -(-20 * h // side), -(-20 * w // side)  # ceil division
    step = side / 20  # input pixels per output pixel
    R_rows, R_cols = _box_filter(h, out_h, step), _box_filter(w, out_w, step)
    small = np.clip(R_rows @ crop @ R_cols.T, 0.0, 1.0)  # (out_h, out_w)
    mass = small.sum()
    cy = (small.sum(1) * np.arange(out_h)).sum() / mass
    cx = (small.sum(0) * np.arange(out_w)).sum() / mass
    top, left = math.floor(14 - cy + 0.5), math.floor(14 - cx + 0.5)
    image = np.zeros((28, 28))
    y0, x0 = max(top, 0), max(left, 0)
    y1, x1 = min(top + out_h, 28), min(left + out_w, 28)
    image[y0:y1, x0:x1] = small[y0 - top : y1 - top, x0 - left : x1 - left]
    return image
