import io
import zlib

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


def test_decode_pngs_equals_pil_on_all_of_mnist(mnist):
    for split in ("train", "test"):
        table = mnist[split].cast_column("image", Image(decode=False)).with_format("arrow")[:]
        pngs = table.column("image").combine_chunks().field("bytes").to_pylist()
        images = data.decode_pngs(pngs)
        reference = np.stack([np.asarray(PILImage.open(io.BytesIO(png))) for png in pngs])
        assert images.dtype == np.uint8 and np.array_equal(images, reference)


def _png(image, filters, idat_parts=1):
    """A grayscale PNG of `image` (28 x 28 uint8) with the given filter type on each row."""
    prior = np.zeros(28, dtype=np.int16)
    lines = []
    for row, kind in zip(image.astype(np.int16), filters):
        left = np.concatenate([[0], row[:-1]])
        upper_left = np.concatenate([[0], prior[:-1]])
        if kind == 0:
            prediction = np.zeros(28, dtype=np.int16)
        elif kind == 1:
            prediction = left
        elif kind == 2:
            prediction = prior
        elif kind == 3:
            prediction = (left + prior) // 2
        else:
            p = left + prior - upper_left
            pa, pb, pc = abs(p - left), abs(p - prior), abs(p - upper_left)
            prediction = np.where(
                (pa <= pb) & (pa <= pc), left, np.where(pb <= pc, prior, upper_left)
            )
        lines.append(bytes([kind]) + ((row - prediction) % 256).astype(np.uint8).tobytes())
        prior = row
    compressed = zlib.compress(b"".join(lines))
    step = -(-len(compressed) // idat_parts)
    chunks = [(b"IHDR", data.MNIST_IHDR)]
    chunks += [(b"IDAT", compressed[i : i + step]) for i in range(0, len(compressed), step)]
    chunks += [(b"IEND", b"")]
    png = b"\x89PNG\r\n\x1a\n"
    for kind, body in chunks:
        png += len(body).to_bytes(4, "big") + kind + body
        png += zlib.crc32(kind + body).to_bytes(4, "big")
    return png


def test_decode_pngs_undoes_every_filter_type():
    # MNIST's images use filters 0, 1, 2 and 4; PNG also has 3 (average), and may split the
    # compressed data over several IDAT chunks.
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(40, 28, 28), dtype=np.uint8)
    images[:20] //= 7  # smooth-ish images too, where predictions come close
    filters = rng.integers(0, 5, size=(40, 28))
    pngs = [_png(im, f, idat_parts=1 + i % 3) for i, (im, f) in enumerate(zip(images, filters))]
    for png, image in zip(pngs, images):  # the test's encoder is right: PIL agrees
        assert np.array_equal(np.asarray(PILImage.open(io.BytesIO(png))), image)
    assert np.array_equal(data.decode_pngs(pngs), images)


def test_decode_pngs_falls_back_to_pil_for_other_pngs():
    other = PILImage.fromarray(np.arange(30 * 30, dtype=np.uint8).reshape(30, 30))
    buffer = io.BytesIO()
    other.save(buffer, format="PNG")
    assert np.array_equal(data.decode_pngs([buffer.getvalue()])[0], np.asarray(other))


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
