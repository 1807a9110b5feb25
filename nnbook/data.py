"""Loading and preprocessing MNIST (taught in "The data")."""

import io
import os
import warnings
import zlib

import numpy as np
import torch

HUB_NAME = "ylecun/mnist"
SPLIT_SIZES = {"train": 60_000, "test": 10_000}
HELP = (
    "Set the environment variable MNIST_PATH to a local copy of the dataset "
    "(the folder that holds mnist/train-00000-of-00001.parquet and "
    "mnist/test-00000-of-00001.parquet), or unset it to download from the Hub."
)


class MNISTError(RuntimeError):
    """MNIST could not be loaded; the message says what to do."""

    def _render_traceback_(self):  # IPython shows only the message, no traceback
        return [f"{type(self).__name__}: {self}"]


def image_to_tensor(image):
    """Convert a PIL image to a tensor of floats in [0, 1] (The data)."""
    return torch.tensor(np.array(image)) / 255.0


def preprocess_data(split):
    """Turn a split into (images, labels) tensors, one example at a time (The data)."""
    x = []  # list to store image tensors
    y = []  # list to store labels

    for example in split:
        x.append(image_to_tensor(example["image"]))
        y.append(example["label"])

    return torch.stack(x), torch.tensor(y)


def to_tensors(split):
    """Same tensors as preprocess_data, faster: all PNGs decoded at once (The data)."""
    from datasets import Image

    table = split.cast_column("image", Image(decode=False)).with_format("arrow")[:]
    pngs = table.column("image").combine_chunks().field("bytes").to_pylist()
    images = decode_pngs(pngs)  # (N, 28, 28) integers 0..255
    labels = table.column("label").to_numpy()
    return torch.from_numpy(images) / 255.0, torch.tensor(labels, dtype=torch.int64)


# The IHDR chunk of an 8-bit grayscale, non-interlaced 28 x 28 PNG, as MNIST's images are.
MNIST_IHDR = (28).to_bytes(4, "big") * 2 + bytes([8, 0, 0, 0, 0])


def decode_pngs(pngs):
    """Decode MNIST's PNG images, given as bytes, into one (N, 28, 28) uint8 array.

    A PNG stores its rows zlib-compressed, each after a byte naming a filter: the row is
    stored as the difference from a prediction made from the pixels to its left and above.
    Decompressing is one call per image; undoing the filters goes row by row, for all the
    images at once with NumPy, instead of one PIL call per image. Images of another kind
    are decoded with PIL.
    """
    if not all(png[12:29] == b"IHDR" + MNIST_IHDR for png in pngs):
        from PIL import Image

        return np.stack([np.asarray(Image.open(io.BytesIO(png))) for png in pngs])
    raw = b"".join(zlib.decompress(_image_data(png)) for png in pngs)
    raw = np.frombuffer(raw, dtype=np.uint8).reshape(len(pngs), 28, 1 + 28)
    filters, rows = raw[:, :, 0], raw[:, :, 1:]  # (N, 28), (N, 28, 28)
    images = np.empty((len(pngs), 28, 28), dtype=np.uint8)
    above = np.zeros((len(pngs), 28), dtype=np.uint8)  # the row above the first is zeros
    for r in range(28):
        images[:, r] = _unfilter(filters[:, r], rows[:, r], above)
        above = images[:, r]
    return images


def _image_data(png):
    """The concatenated IDAT chunks of a PNG file (its compressed pixels)."""
    position, parts = 8 + 25, []  # after the signature and the IHDR chunk
    while True:
        length = int.from_bytes(png[position : position + 4], "big")
        kind = png[position + 4 : position + 8]
        if kind == b"IDAT":
            parts.append(png[position + 8 : position + 8 + length])
        elif kind == b"IEND":
            return b"".join(parts)
        position += 12 + length  # length, kind, data, checksum


def _unfilter(kinds, rows, above):
    """Undo one row's PNG filters for all images: kinds (N,), rows and above (N, width)."""
    if kinds.max() > 4:
        raise ValueError(f"unknown PNG filter type {kinds.max()}")
    out = rows.copy()  # filter 0: the row as it is
    sub, up = kinds == 1, kinds == 2
    out[sub] = np.cumsum(rows[sub], axis=1, dtype=np.uint8)  # + left neighbour, mod 256
    out[up] = rows[up] + above[up]  # + the pixel above, mod 256
    for kind in (3, 4):  # average and Paeth: each pixel depends on the one just decoded
        chosen = kinds == kind
        if chosen.any():
            out[chosen] = _unfilter_sequential(kind, rows[chosen], above[chosen])
    return out


def _unfilter_sequential(kind, rows, above):
    rows, above = rows.astype(np.int16), above.astype(np.int16)
    out = np.empty_like(rows)
    left = upper_left = np.zeros(len(rows), dtype=np.int16)
    for x in range(rows.shape[1]):
        up = above[:, x]
        if kind == 3:  # average of left and up
            prediction = (left + up) // 2
        else:  # Paeth: whichever of left, up, upper left is closest to left + up - upper left
            p = left + up - upper_left
            pa, pb, pc = np.abs(p - left), np.abs(p - up), np.abs(p - upper_left)
            prediction = np.where((pa <= pb) & (pa <= pc), left, np.where(pb <= pc, up, upper_left))
        out[:, x] = (rows[:, x] + prediction) % 256
        left, upper_left = out[:, x], up
    return out.astype(np.uint8)


def load_mnist():
    """Load MNIST as a DatasetDict: from $MNIST_PATH if set, else from the Hub (The data)."""
    datasets = _quiet_datasets()
    path = os.environ.get("MNIST_PATH")
    if path:
        return _load_local(datasets, path)
    try:
        ds = datasets.load_dataset(HUB_NAME)
    except Exception as error:
        raise MNISTError(
            f"Could not load '{HUB_NAME}' from the Hugging Face Hub "
            f"({type(error).__name__}: {error}). Are you offline? {HELP}"
        ) from None
    check_mnist(ds, HUB_NAME)
    return ds


def check_mnist(ds, where):
    """Raise MNISTError unless ds has MNIST's splits, sizes and features."""
    from datasets import ClassLabel, DatasetDict, Image

    def fail(problem):
        raise MNISTError(f"{where} is not MNIST: {problem}. {HELP}")

    if not isinstance(ds, DatasetDict) or set(ds) != set(SPLIT_SIZES):
        found = sorted(ds) if isinstance(ds, dict) else type(ds).__name__
        fail(f"expected the splits {sorted(SPLIT_SIZES)}, found {found}")
    for name, size in SPLIT_SIZES.items():
        split = ds[name]
        if split.num_rows != size:
            fail(f"the {name} split has {split.num_rows:,} examples, not {size:,}")
        features = split.features
        if set(features) != {"image", "label"}:
            fail(f"the {name} split has the columns {sorted(features)}, not ['image', 'label']")
        if not isinstance(features["image"], Image):
            fail(f"the {name} column 'image' is {type(features['image']).__name__}, not Image")
        label = features["label"]
        if not isinstance(label, ClassLabel) or label.names != [str(d) for d in range(10)]:
            fail(f"the {name} column 'label' is not a ClassLabel with the names '0' to '9'")
        if split[0]["image"].size != (28, 28):
            fail(f"the {name} images are {split[0]['image'].size}, not 28 x 28 pixels")


def _load_local(datasets, path):
    if not os.path.isdir(path):
        raise MNISTError(f"MNIST_PATH={path} is not a folder. {HELP}")
    if not os.listdir(path):
        raise MNISTError(f"MNIST_PATH={path} is an empty folder. {HELP}")
    try:
        ds = datasets.load_dataset(path)
    except Exception as error:
        raise MNISTError(
            f"MNIST_PATH={path} could not be read as a dataset "
            f"({type(error).__name__}: {error}). {HELP}"
        ) from None
    check_mnist(ds, f"MNIST_PATH={path}")
    return ds


def _quiet_datasets():
    # No progress bars or warnings from `datasets` on a rendered page.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tqdm's "IProgress not found" in a kernel
        import datasets
    datasets.disable_progress_bars()
    datasets.logging.set_verbosity_error()
    return datasets
