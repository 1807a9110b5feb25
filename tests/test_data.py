import io
import subprocess
import sys

import numpy as np
import pytest
import torch
from datasets import ClassLabel, Dataset, DatasetDict, Features, Image, Value
from PIL import Image as PILImage

from nnbook import data


def test_image_to_tensor_scales_pixels_to_unit_interval():
    pixels = np.array([[0, 255], [51, 102]], dtype=np.uint8)
    t = data.image_to_tensor(PILImage.fromarray(pixels))
    assert t.dtype == torch.float32
    assert torch.allclose(t, torch.tensor([[0.0, 1.0], [0.2, 0.4]]))


def test_preprocess_data_shapes_and_labels(small_split):
    x, y = data.preprocess_data(small_split)
    assert x.shape == (64, 28, 28) and x.dtype == torch.float32
    assert y.shape == (64,) and y.dtype == torch.int64
    assert y[:5].tolist() == [5, 0, 4, 1, 9]  # the first MNIST training labels
    assert 0.0 <= x.min() and x.max() <= 1.0


def test_to_tensors_equals_preprocess_data(small_split):
    shuffled = small_split.shuffle(seed=0)  # an indices mapping must be respected
    for split in (small_split, shuffled):
        x_loop, y_loop = data.preprocess_data(split)
        x_fast, y_fast = data.to_tensors(split)
        assert torch.equal(x_fast, x_loop) and x_fast.dtype == x_loop.dtype
        assert torch.equal(y_fast, y_loop) and y_fast.dtype == y_loop.dtype


def test_to_tensors_equals_pil_on_a_few_hundred_images(mnist):
    # images from all over the training set and from the test set, each PNG decoded by PIL
    for split in (
        mnist["train"].shuffle(seed=1).select(range(300)),
        mnist["test"].select(range(100)),
    ):
        pngs = split.cast_column("image", Image(decode=False))["image"]
        reference = [data.image_to_tensor(PILImage.open(io.BytesIO(png["bytes"]))) for png in pngs]
        x, y = data.to_tensors(split)
        assert torch.equal(x, torch.stack(reference)) and x.dtype == torch.float32
        assert torch.equal(y, torch.tensor(split["label"])) and y.dtype == torch.int64


def test_a_new_process_reads_the_decoded_images_back(mnist):
    """Each image is decoded once per machine: a page's new kernel reads the pixels back from
    the cache of `datasets`, where an earlier call stored them."""
    data.to_tensors(mnist["train"])  # decodes and stores the pixels, unless done before
    code = (
        "import time\n"
        "from nnbook import data\n"
        "ds = data.load_mnist()\n"
        "start = time.perf_counter()\n"
        "data.to_tensors(ds['train'])\n"
        "print(time.perf_counter() - start)"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stderr == ""  # no progress bar, no warning
    # Reading the 60,000 images back takes 0.2 to 0.5 s on the 2-core machine that builds the
    # book, decoding and storing them 3 to 6 s.
    assert float(run.stdout) < 2.0


def test_to_tensors_prints_nothing(capfd):
    import datasets

    datasets.enable_progress_bars()  # as in a new kernel: map() would show a progress bar
    features = Features({"image": Image(), "label": ClassLabel(names=[str(d) for d in range(10)])})
    split = Dataset.from_dict(  # in memory, so that map() has no cache to read and runs
        {"image": [PILImage.new("L", (28, 28), 7)] * 3, "label": [1, 2, 3]}, features=features
    )
    x, y = data.to_tensors(split)
    assert capfd.readouterr() == ("", "")
    x_loop, y_loop = data.preprocess_data(split)
    assert torch.equal(x, x_loop) and torch.equal(y, y_loop)


def test_load_mnist_local_copy(mnist):
    assert {name: split.num_rows for name, split in mnist.items()} == {
        "train": 60_000,
        "test": 10_000,
    }
    assert mnist["test"][0]["label"] == 7  # the first MNIST test label


def _expect_error(monkeypatch, path, *phrases):
    monkeypatch.setenv("MNIST_PATH", str(path))
    with pytest.raises(data.MNISTError) as info:
        data.load_mnist()
    message = str(info.value)
    for phrase in (*phrases, "MNIST_PATH"):
        assert phrase in message
    return info.value


def test_missing_path(monkeypatch, tmp_path):
    _expect_error(monkeypatch, tmp_path / "nowhere", "is not a folder")


def test_empty_folder(monkeypatch, tmp_path):
    _expect_error(monkeypatch, tmp_path, "is an empty folder")


def test_unreadable_folder(monkeypatch, tmp_path):
    (tmp_path / "notes.txt").write_text("")  # an empty text file is no dataset
    _expect_error(monkeypatch, tmp_path, "could not be read as a dataset")


def _fake_mnist(tmp_path, sizes, features=None, image_size=(28, 28)):
    features = features or Features(
        {"image": Image(), "label": ClassLabel(names=[str(d) for d in range(10)])}
    )
    image = PILImage.new("L", image_size)
    for name, size in sizes.items():
        rows = {"image": [image] * size, "label": [0] * size}
        if "label" not in features:
            rows = {column: [0] * size for column in features}
        Dataset.from_dict(rows, features=features).to_parquet(
            tmp_path / f"{name}-00000-of-00001.parquet"
        )
    return tmp_path


def test_wrong_splits(monkeypatch, tmp_path):
    _expect_error(monkeypatch, _fake_mnist(tmp_path, {"train": 3}), "is not MNIST", "splits")


def test_wrong_sizes(monkeypatch, tmp_path):
    _expect_error(
        monkeypatch,
        _fake_mnist(tmp_path, {"train": 3, "test": 2}),
        "is not MNIST",
        "3 examples, not 60,000",
    )


def test_wrong_features(monkeypatch, tmp_path):
    features = Features({"a": Value("int64"), "b": Value("int64")})
    _expect_error(
        monkeypatch, _fake_mnist(tmp_path, {"train": 3, "test": 2}, features), "is not MNIST"
    )


def test_check_mnist_rejects_wrong_image_size():
    features = Features({"image": Image(), "label": ClassLabel(names=[str(d) for d in range(10)])})
    fake = DatasetDict(
        {
            name: Dataset.from_dict(
                {"image": [PILImage.new("L", (32, 32))] * n, "label": [0] * n}, features=features
            )
            for name, n in data.SPLIT_SIZES.items()
        }
    )
    with pytest.raises(data.MNISTError, match="not 28 x 28"):
        data.check_mnist(fake, "fake")


def test_offline_hub_gives_one_clear_message(monkeypatch):
    import datasets

    def offline(name, *args, **kwargs):
        raise ConnectionError(f"Couldn't reach '{name}' on the Hub (LocalEntryNotFoundError)")

    monkeypatch.delenv("MNIST_PATH", raising=False)
    monkeypatch.setattr(datasets, "load_dataset", offline)
    with pytest.raises(data.MNISTError) as info:
        data.load_mnist()
    message = str(info.value)
    assert "ylecun/mnist" in message and "offline" in message and "MNIST_PATH" in message
    assert info.value.__cause__ is None and info.value.__suppress_context__  # no chained traceback
    assert info.value._render_traceback_() == [f"MNISTError: {message}"]  # what a notebook shows


@pytest.mark.integration
def test_notebook_shows_only_the_message(tmp_path):
    """In a Jupyter kernel the error is one line, not a traceback."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.v4.new_notebook()
    nb.cells.append(
        nbformat.v4.new_code_cell(
            f"import os; os.environ['MNIST_PATH'] = {str(tmp_path / 'nowhere')!r}\n"
            "from nnbook import data\n"
            "data.load_mnist()"
        )
    )
    with pytest.raises(CellExecutionError):
        NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    (error,) = [o for o in nb.cells[0].outputs if o.output_type == "error"]
    assert error.ename == "MNISTError"
    assert len(error.traceback) == 1 and "is not a folder" in error.traceback[0]
