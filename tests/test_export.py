import base64
import json

import numpy as np
import pytest
import torch

from conftest import ROOT
from nnbook import export, model


def _decode(text, dtype):
    return np.frombuffer(base64.b64decode(text), dtype=dtype)


def test_export_model_round_trip(tmp_path):
    parameters = model.initialize_scaled()  # requires_grad tensors, as after training
    path = export.export_model(parameters, tmp_path / "sub" / "model.json")
    exported = json.loads(path.read_text())
    assert exported["format"] == "nnbook-mlp-1" and exported["activation"] == "tanh"
    assert [(layer["in"], layer["out"]) for layer in exported["layers"]] == [
        (784, 100),
        (100, 100),
        (100, 10),
    ]
    for layer, W, b in zip(exported["layers"], parameters[0::2], parameters[1::2]):
        assert len(base64.b64decode(layer["W"])) == 4 * layer["in"] * layer["out"]
        assert len(base64.b64decode(layer["b"])) == 4 * layer["out"]
        # float32, little-endian, row-major (in, out): element [i, j] at index i * out + j
        W_decoded = _decode(layer["W"], "<f4").reshape(layer["in"], layer["out"])
        assert torch.equal(torch.from_numpy(W_decoded.copy()), W.detach())
        assert torch.equal(torch.from_numpy(_decode(layer["b"], "<f4").copy()), b.detach())
    W1 = parameters[0].detach()
    assert _decode(exported["layers"][0]["W"], "<f4")[1 * 100 + 2] == W1[1, 2]


def test_load_model_gives_same_forward(tmp_path):
    parameters = model.initialize_scaled(seed=3)
    loaded = export.load_model(export.export_model(parameters, tmp_path / "model.json"))
    assert all(
        p.dtype == torch.float32 and torch.equal(p, q.detach()) for p, q in zip(loaded, parameters)
    )
    X = torch.rand(4, 784, generator=torch.Generator().manual_seed(0))
    assert torch.equal(model.forward(X, loaded), model.forward(X, parameters).detach())


def test_load_model_rejects_other_formats(tmp_path):
    path = tmp_path / "other.json"
    path.write_text(json.dumps({"format": "something-else", "layers": []}))
    with pytest.raises(ValueError):
        export.load_model(path)


def test_export_digits_round_trip(tmp_path):
    g = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (300, 28, 28), generator=g) / 255.0  # as data.to_tensors
    labels = torch.randint(0, 10, (300,), generator=g)
    path = export.export_digits(images, labels, tmp_path / "digits.json", n=200)
    exported = json.loads(path.read_text())
    assert exported["n"] == 200 and exported["labels"] == labels[:200].tolist()
    pixels = _decode(exported["images"], np.uint8)
    assert pixels.size == 200 * 784
    assert torch.equal(
        torch.from_numpy(pixels.reshape(200, 28, 28).copy()),
        torch.round(images[:200] * 255).to(torch.uint8),
    )
    loaded_x, loaded_y = export.load_digits(path)
    assert loaded_x.shape == (200, 784) and torch.equal(loaded_y, labels[:200])
    assert torch.equal(loaded_x, images[:200].reshape(200, 784))  # k / 255 survives the round trip


def test_export_digits_accepts_flat_images(tmp_path):
    images = torch.rand(5, 784)
    exported = json.loads(
        export.export_digits(images, torch.arange(5), tmp_path / "d.json", n=3).read_text()
    )
    assert len(base64.b64decode(exported["images"])) == 3 * 784


def test_mnist_style_empty():
    assert export.mnist_style(np.zeros((280, 280))) is None


def test_mnist_style_box_and_center():
    ink = np.zeros((280, 280))
    ink[30:130, 200:250] = 1.0  # a 100 x 50 block far from the center
    image = export.mnist_style(ink)
    assert image.shape == (28, 28) and image.min() >= 0 and image.max() <= 1
    rows, cols = np.flatnonzero(image.any(1)), np.flatnonzero(image.any(0))
    assert len(rows) == 20 and len(cols) == 10  # larger side 20 px, aspect ratio kept
    assert np.allclose(image[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1], 1.0)
    ii = np.arange(28)
    assert abs((image.sum(1) * ii).sum() / image.sum() - 14) <= 0.5
    assert abs((image.sum(0) * ii).sum() / image.sum() - 14) <= 0.5


def test_mnist_style_antialiases():
    ink = np.zeros((100, 100))
    ink[10:41, 10:20] = 1.0  # 31 px tall: 31 / 20 input pixels per output pixel
    image = export.mnist_style(ink)
    values = np.unique(np.round(image, 6))
    assert 0 < values[1] < 1  # partly covered pixels become gray
    assert np.isclose(image.sum(), 31 * 10 * (20 / 31) ** 2)  # area averaging keeps the ink's area


def test_mnist_style_keeps_mnist_digits(mnist):
    from nnbook import data

    test_x, _ = data.to_tensors(mnist["test"].select(range(50)))
    moved = 0
    for image in test_x.numpy():
        again = export.mnist_style(image)
        # an MNIST digit is already cropped to 20 px and centered: at most a one-pixel shift
        if not np.allclose(again, image, atol=1e-6):
            moved += 1
            shifts = [
                (dy, dx)
                for dy in (-1, 0, 1)
                for dx in (-1, 0, 1)
                if np.allclose(np.roll(again, (dy, dx), (0, 1)), image, atol=1e-6)
            ]
            assert shifts, "mnist_style changed an MNIST digit by more than a shift"
    assert moved <= 10


def test_the_scripts_pages_show_are_the_ones_the_book_serves():
    # pages show the scripts from the package; the build copies the same files to _static/
    config = (ROOT / "_config.yml").read_text()
    for name, section in [("recognizer.js", "forward"), ("mlp.js", "gradients")]:
        text = export.script(name)
        assert f"// BEGIN {section}\n" in text and f"// END {section}" in text
        assert f"nnbook/{name}" in config
    lines = export.script("mlp.js", "gradients").splitlines()
    assert lines[0].startswith("// Loss and gradients") and "BEGIN" not in "".join(lines)


def test_load_model_missing_file_says_where_it_comes_from(tmp_path):
    with pytest.raises(FileNotFoundError, match="recognizer"):
        export.load_model(tmp_path / "model.json")
