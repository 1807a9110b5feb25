"""Test groups (pytest markers), and one line saying what to do when a group cannot run.

    pytest -m unit        the package and the build tools: no build, no browser, seconds
    pytest -m training    the package's tests that train a whole network (40 seconds)
    pytest -m integration the tools run for real: a kernel, a small book built (20 seconds)
    pytest -m book        the built book: its pages, their claims, the reader notebooks (nbval)
    pytest -m browser     the built book in headless Chromium
    pytest -m pdf         the PDF
    pytest -m readers     every notebook as a Colab and a Binder reader runs it (minutes)
    pytest               all of them (`make test` first installs and builds what they need)

Every test file belongs to one group (GROUPS), unless a test is marked with another group;
the notebooks nbval runs belong to `book`. A
group whose component is absent (the built book, Chromium, MathJax, the PDF) fails each of its
tests with one line that says what to run, and the report's header names it once.
"""

import os
import sys
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

GROUPS = {
    "unit": ["build_tool", "cache", "cnn", "conv", "data", "export", "gradcheck",
             "metrics", "model", "plots", "style", "sync", "timing", "train", "version",
             "widget_data", "workflows"],
    "training": [],  # tests marked @pytest.mark.training
    "integration": ["fresh_pages"],  # and tests marked @pytest.mark.integration
    "book": ["pages", "reader_notebooks"],
    "browser": ["browser", "site", "widgets"],
    "pdf": ["pdf"],
    "readers": ["binder", "colab"],
}  # fmt: skip
SITE = Path(os.environ.get("NNBOOK_SITE", ROOT / "_build" / "html"))  # the built book


@cache
def missing(group):
    """What the group needs and is absent, as one line saying what to do; None if nothing."""
    if group in ("unit", "training", "integration"):
        return None
    if not (SITE / "index.html").is_file():
        return f"no built book in {SITE}: run `make book` (or `make test`, which builds it)"
    if group == "browser":
        import browser

        try:
            if browser.chromium_executable() is None:
                return f"no Chromium: {browser.INSTALL_CHROMIUM}"
            if browser.local_mathjax() is None:
                return f"no local MathJax: {browser.INSTALL_MATHJAX}"
        except browser.BrowserError as error:
            return str(error)
    if group == "pdf":
        from pdf import OUTPUT

        if not OUTPUT.is_file():
            return f"no PDF at {OUTPUT}: run `make pdf` (or `make test`)"
    return None


def group_of(item):
    marked = [m.name for m in item.iter_markers() if m.name in GROUPS]
    if marked:
        return marked[0]
    path = Path(str(item.fspath))
    if path.suffix == ".ipynb":
        return "book"
    name = path.stem.removeprefix("test_")
    for group, names in GROUPS.items():
        if name in names:
            return group
    raise pytest.UsageError(f"{path.name} is in no test group: add it to GROUPS in {__file__}")


def pytest_configure(config):
    import pages

    pages.encrypt_kernels()  # the kernels of nbval and the page tests: no warning per start
    for group in GROUPS:
        config.addinivalue_line("markers", f"{group}: see tests/groups.py")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if not any(m.name in GROUPS for m in item.iter_markers()):
            item.add_marker(group_of(item))


def pytest_report_header(config):
    absent = {g: missing(g) for g in GROUPS if missing(g)}
    return [f"cannot run the {g} tests: {m}" for g, m in absent.items()]


def pytest_runtest_setup(item):
    problem = missing(group_of(item))
    if problem:
        pytest.fail(problem, pytrace=False)
