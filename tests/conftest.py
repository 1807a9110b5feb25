"""Shared fixtures. nbval (--nbval-lax in pyproject.toml) runs _build/notebooks/chapters/*.ipynb,
the notebooks that Colab, Binder and the download button open (tests/test_reader_notebooks.py
checks them; tests/test_colab.py and tests/test_binder.py run them as those readers do)."""

import os
import shutil
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import build  # noqa: E402 (tools/build.py: the pages that are notebooks)
from pdf import CHROMIUM_ARGS, serve  # noqa: E402 (tools/pdf.py: Chromium's flags, the local server)

CHAPTERS = sorted((ROOT / "chapters").glob("*.md"))


def notebook_pages():
    """The pages that are MyST notebooks ("chapters/data", ...), not the glossary or references:
    tools/build.py's list, sorted."""
    return sorted(page.relative_to(ROOT).with_suffix("").as_posix() for page in build.pages())


SITE = Path(os.environ.get("NNBOOK_SITE", ROOT / "_build" / "html"))  # the built book
# The kernels nbval and tests/test_pages.py start inherit this: a page that repeats another
# page's training reads the build's result (nnbook.cache, tested in tests/test_cache.py).
os.environ.setdefault("NNBOOK_CACHE", str(ROOT / "_build" / ".nnbook_cache"))


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


@pytest.fixture(scope="session")
def server():
    """Base URL of a local HTTP server for the built book (fetch() fails on file:// URLs)."""
    if not (SITE / "index.html").is_file():
        pytest.fail(f"No built book in {SITE}: run `jupyter-book build .` first.")
    httpd, base = serve(SITE)
    yield base
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium: $CHROMIUM, else Debian's /usr/bin/chromium."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail(
            "The browser tests need the Python package playwright (pip install playwright)."
        )
    executable = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    options = {"args": CHROMIUM_ARGS}
    if Path(executable).is_file():
        options["executable_path"] = executable
    with sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(**options)
        except Exception as error:
            pytest.fail(
                f"Could not start Chromium ({error}). Install it (apt-get install chromium) "
                "or set $CHROMIUM to its path."
            )
        yield chromium
        chromium.close()


def local_only(server, aborted):
    """A route handler: requests to the local server pass; MathJax's CDN files come from
    $NNBOOK_MATHJAX (a local `npm install mathjax@3` folder, the one holding es5/) if set; every
    other request leaving localhost is aborted and its URL added to `aborted`."""
    host = urlparse(server).netloc
    mathjax = os.environ.get("NNBOOK_MATHJAX")

    def route(route):
        url = route.request.url
        if urlparse(url).netloc == host:
            return route.continue_()
        if "/mathjax@3/es5/" in url and mathjax:
            path = Path(mathjax) / "es5" / url.split("/mathjax@3/es5/", 1)[1].split("?")[0]
            if path.is_file():
                return route.fulfill(path=str(path))
        aborted.add(url)
        route.abort()

    return route
