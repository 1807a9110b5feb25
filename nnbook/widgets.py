"""Data for the book's explorable figures (widgets/widgets.js), written by the pages.

Each page writes what its figure reads into `widgets/` beside it: numbers as JSON, weights as
base64 little-endian float32, images as bytes round(x * 255), as nnbook.export does for the
recognizer. Taught, where it matters, on the pages that hold the figures.
"""

import gzip
import json
from pathlib import Path

import numpy as np
import torch

from nnbook.export import _b64, pixel_bytes

FOLDER = Path("widgets")  # beside the page's notebook; the build publishes it in _static/


def _plain(value):
    """value with tensors and NumPy numbers turned into JSON's numbers and lists."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, (torch.Tensor, np.ndarray)):
        return value.tolist()
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    return value


def write_json(name, values, folder=FOLDER):
    """Write values (numbers, lists, tensors) to folder/name."""
    path = Path(folder) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(_plain(values)))
    return path


def write_scale_sample(images, labels, draws, folder=FOLDER, **values):
    """The weight-scale figure's data: images, labels and the N(0, 1) draws of W1, W2, W3."""
    return write_json(
        "scale.json",
        {
            "n": len(labels),
            "images": _b64(pixel_bytes(images), np.uint8),
            "labels": labels,
            "draws": [_b64(W.detach().numpy(), "<f4") for W in draws],
            **values,
        },
        folder,
    )


def write_training_subset(images, labels, n_val, folder=FOLDER, **values):
    """The trainer's data: pixels gzip-compressed, labels as bytes, and a JSON description.

    The last n_val images are the validation images.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    pixels = folder / "subset_pixels.u8.gz"
    # mtime=0: the same images give the same file, byte for byte
    pixels.write_bytes(gzip.compress(pixel_bytes(images).tobytes(), compresslevel=9, mtime=0))
    (folder / "subset_labels.u8").write_bytes(np.asarray(labels, dtype=np.uint8).tobytes())
    description = {
        "pixels": "widgets/subset_pixels.u8.gz",
        "labels": "widgets/subset_labels.u8",
        "n_train": len(labels) - n_val,
        "n_val": n_val,
        **values,
    }
    return write_json("trainer.json", description, folder)


def read_training_subset(folder=FOLDER):
    """(images (N, 784) float32 in [0, 1], labels (N,), description): what the trainer reads."""
    folder = Path(folder)
    description = json.loads((folder / "trainer.json").read_text())
    pixels = np.frombuffer(gzip.decompress((folder / "subset_pixels.u8.gz").read_bytes()), np.uint8)
    labels = np.frombuffer((folder / "subset_labels.u8").read_bytes(), np.uint8)
    images = torch.tensor(pixels.reshape(-1, 784), dtype=torch.float32) / 255.0
    return images, torch.tensor(labels, dtype=torch.int64), description
