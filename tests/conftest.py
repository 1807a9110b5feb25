"""Shared fixtures; with --nbval-lax, every chapter is converted to a notebook for nbval."""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.md"))
NOTEBOOKS = ROOT / "tests" / "notebooks"  # generated, git-ignored


def pytest_configure(config):
    # nbval collects only .ipynb: convert each MyST page before collection starts.
    if getattr(config.option, "nbval_lax", False) or getattr(config.option, "nbval", False):
        import jupytext

        NOTEBOOKS.mkdir(exist_ok=True)
        for old in NOTEBOOKS.glob("*.ipynb"):
            old.unlink()
        for page in CHAPTERS:
            jupytext.write(jupytext.read(page), NOTEBOOKS / f"{page.stem}.ipynb")


@pytest.fixture(scope="session")
def mnist():
    """The MNIST DatasetDict, from $MNIST_PATH (set it: tests do not download)."""
    from nnbook import data

    if not os.environ.get("MNIST_PATH"):
        pytest.fail("Set MNIST_PATH to a local copy of ylecun/mnist to run the tests (see README).")
    return data.load_mnist()


@pytest.fixture(scope="session")
def small_split(mnist):
    """The first 64 training examples."""
    return mnist["train"].select(range(64))
