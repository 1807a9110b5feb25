"""nnbook/widgets.py: the data pages write for their explorable figures."""

import base64
import gzip
import json

import numpy as np
import torch

from nnbook import widgets


def test_write_json_turns_tensors_and_numpy_into_plain_numbers(tmp_path):
    path = widgets.write_json(
        "a.json",
        {"t": torch.tensor([1.5, 2.0]), "n": np.float32(0.25), "k": np.int64(3), "l": (1, 2)},
        tmp_path,
    )
    assert json.loads(path.read_text()) == {"t": [1.5, 2.0], "n": 0.25, "k": 3, "l": [1, 2]}


def test_training_subset_round_trip_is_exact_and_reproducible(tmp_path):
    g = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (12, 784), generator=g).float() / 255  # MNIST's values
    labels = torch.randint(0, 10, (12,), generator=g)
    widgets.write_training_subset(images, labels, n_val=4, folder=tmp_path, epochs=5)
    first = (tmp_path / "subset_pixels.u8.gz").read_bytes()
    widgets.write_training_subset(images, labels, n_val=4, folder=tmp_path, epochs=5)
    assert (tmp_path / "subset_pixels.u8.gz").read_bytes() == first  # no timestamp inside
    assert len(gzip.decompress(first)) == 12 * 784
    images_back, labels_back, description = widgets.read_training_subset(tmp_path)
    assert torch.equal(images_back, images) and torch.equal(labels_back, labels)
    assert description["n_train"] == 8 and description["n_val"] == 4
    assert description["epochs"] == 5


def test_scale_sample_holds_images_and_float32_draws(tmp_path):
    images = torch.zeros(3, 784)
    images[1, 5] = 1.0
    draws = [torch.randn(784, 100), torch.randn(100, 100), torch.randn(100, 10)]
    path = widgets.write_scale_sample(images, torch.tensor([7, 1, 2]), draws, tmp_path, gain=2.0)
    written = json.loads(path.read_text())
    pixels = np.frombuffer(base64.b64decode(written["images"]), np.uint8).reshape(3, 784)
    assert pixels[1, 5] == 255 and pixels.sum() == 255
    assert written["labels"] == [7, 1, 2] and written["gain"] == 2.0
    for W, text in zip(draws, written["draws"]):
        back = np.frombuffer(base64.b64decode(text), "<f4").reshape(W.shape)
        assert np.array_equal(back, W.numpy())
