"""Shared fixtures. nbval (--nbval-lax in pyproject.toml) runs _build/notebooks/chapters/*.ipynb,
the notebooks that Colab, Binder and the download button open (tests/test_reader_notebooks.py
checks them; tests/test_colab.py and tests/test_binder.py run them as those readers do)."""

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import build  # noqa: E402 (tools/build.py: the pages that are notebooks)
from browser import (  # noqa: E402 (tools/browser.py: the server, Chromium, MathJax)
    INSTALL_MATHJAX,
    BrowserError,
    launch,
    local_mathjax,
    router,
    serve,
)

from groups import SITE  # noqa: E402 (the built book: _build/html, or $NNBOOK_SITE)

CHAPTERS = sorted((ROOT / "chapters").glob("*.md"))

# The pages where the reader writes gradients first: (fill-in cells, blanks in them).
FILL_INS = {"backward_pass": (13, 20), "convolution": (2, 3)}


def assigned_names(source):
    """The names a cell's code assigns (a = ..., a += ..., a, b = ..., a[i] = ...)."""
    import ast

    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign):
            targets = [node.target]
        else:
            continue
        names |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return names


def notebook_pages():
    """The pages that are MyST notebooks ("chapters/data", ...), not the glossary or references:
    tools/build.py's list, sorted."""
    return sorted(page.relative_to(ROOT).with_suffix("").as_posix() for page in build.pages())


# The kernels nbval and tests/test_pages.py start inherit this: a page that repeats another
# page's training reads the build's result (nnbook.cache, tested in tests/test_cache.py).
os.environ.setdefault("NNBOOK_CACHE", str(ROOT / "_build" / ".nnbook_cache"))


@pytest.fixture(scope="session")
def mnist():
    """The MNIST DatasetDict: from $MNIST_PATH if set, else from the Hugging Face Hub (as the
    book loads it); one line saying what to set if neither works."""
    from nnbook import data

    try:
        return data.load_mnist()
    except data.MNISTError as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture(scope="session")
def small_split(mnist):
    """The first 64 training examples."""
    return mnist["train"].select(range(64))


@pytest.fixture(scope="session")
def server():
    """Base URL of a local HTTP server for the built book (fetch() fails on file:// URLs)."""
    if not (SITE / "index.html").is_file():
        pytest.fail(f"No built book in {SITE}: run `jupyter-book build .` first.", pytrace=False)
    httpd, base = serve(SITE)
    yield base
    httpd.shutdown()
    httpd.server_close()


def _mathjax():
    """tools/browser.py's local_mathjax(), its error a test failure of one line."""
    try:
        return local_mathjax()
    except BrowserError as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture(scope="session")
def mathjax():
    """The local copy of MathJax that answers the pages' requests for its CDN (there is none
    here, and formulas must render): $NNBOOK_MATHJAX, else the one `make test` installs."""
    folder = _mathjax()
    if folder is None:
        pytest.fail(f"No local MathJax for the browser tests: {INSTALL_MATHJAX}.", pytrace=False)
    return folder


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium, as tools/browser.py finds and starts it ($CHROMIUM, else the system's)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail(
            "The browser tests need the Python package playwright: "
            "pip install -r requirements.txt.",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        try:
            chromium = launch(playwright)
        except BrowserError as error:
            pytest.fail(str(error), pytrace=False)
        yield chromium
        chromium.close()


def local_only(server, aborted):
    """A route handler that keeps a page to the built book (tools/browser.py's router): requests
    to the local server pass; MathJax's CDN files come from the local copy, if there is one; every
    other request leaving localhost is aborted and its URL added to the set aborted."""
    return router(server, aborted, _mathjax())


class Tab:
    """A page of the built book in a browser tab, with the errors it reported."""

    def __init__(self, page):
        self.page = page
        self.errors = []  # (text, url) of console errors and uncaught exceptions
        self.aborted = set()  # requests that left localhost, aborted

    def js(self, expression, arg=None):
        return self.page.evaluate(expression, arg)

    def page_errors(self):
        """Console errors and uncaught exceptions, except failed loads of aborted requests."""
        return [
            text
            for text, url in self.errors
            if not (url in self.aborted and text.startswith("Failed to load resource"))
        ]


@pytest.fixture
def open_page(browser, server):
    """open_page(path, tab_class=Tab, **context options) -> a Tab on that page of the built
    book, kept to localhost; the test fails on any error the page reported."""
    contexts, tabs = [], []

    def open_(path, tab_class=Tab, **options):
        context = browser.new_context(viewport={"width": 1280, "height": 1000}, **options)
        contexts.append(context)
        page = context.new_page()
        tab = tab_class(page)
        tabs.append(tab)
        page.route("**/*", local_only(server, tab.aborted))

        def console(message):
            if message.type == "error":
                tab.errors.append((message.text, message.location.get("url", "")))

        page.on("console", console)
        page.on("pageerror", lambda error: tab.errors.append((f"uncaught: {error}", "")))
        page.goto(server + path)
        return tab

    yield open_
    errors = [error for tab in tabs for error in tab.page_errors()]
    for context in contexts:
        context.close()
    assert not errors, f"errors on the page: {errors}"
