"""Loading and preprocessing MNIST (taught in "The data")."""

import os
import warnings

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
    """Same tensors as preprocess_data, faster: each image decoded once per machine (The data).

    `datasets` maps the split, a batch at a time, to a column of 28 x 28 arrays of pixels and
    keeps the result in its cache folder, in a file named by a fingerprint of the split and of
    `_pixels`. Later calls, in this process or another, read that file instead of decoding the
    PNGs again. `datasets` writes it to a temporary file and then renames it, so two kernels
    that create it at the same time are safe.
    """
    datasets = _quiet_datasets()  # no progress bar for the map
    features = datasets.Features(
        {"label": split.features["label"], "pixels": datasets.Array2D((28, 28), "uint8")}
    )
    table = split.map(_pixels, batched=True, remove_columns="image", features=features).data
    # Each chunk of the Arrow column is one (n, 28, 28) array without a copy; the "numpy"
    # format of `datasets` would go through one small array per image, ten times slower.
    images = np.concatenate([chunk.to_numpy() for chunk in table.column("pixels").chunks])
    labels = torch.tensor(table.column("label").to_numpy(), dtype=torch.int64)
    return torch.from_numpy(images) / 255.0, labels


def _pixels(batch):
    """A batch of PIL images as one (N, 28, 28) array of integers 0..255, as np.array gives."""
    return {"pixels": np.stack([np.array(image) for image in batch["image"]])}


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
