"""tools/build.py: the fast build executes the book's own pages, in a sensible order."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import build  # noqa: E402 (tools/build.py)
import notebooks  # noqa: E402 (tools/notebooks.py)


def test_the_pages_named_first_exist():
    names = [page.stem for page in notebooks.pages()]
    assert set(build.FIRST) <= set(names)


def test_pages_that_produce_results_go_before_those_that_reuse_them():
    # nnbook.cache: evaluation's run is reused by initialization, whose run is reused by
    # minibatch, whose run is reused by errors and torch_nn
    for producer, user in [
        ("evaluation", "initialization"),
        ("initialization", "minibatch"),
        ("minibatch", "errors"),
        ("minibatch", "torch_nn"),
    ]:
        assert build.FIRST.index(producer) < build.FIRST.index(user)
    unnamed = "chapters/loss.md"
    assert build._rank(unnamed) == len(build.FIRST)


def test_every_page_is_cached_where_jupyter_book_reads():
    """After a build, each page's current code has an executed notebook in build.CACHE."""
    import jupytext
    from jupyter_cache import get_cache

    cache = get_cache(build.CACHE)
    missing = []
    for page in notebooks.pages():
        try:
            record = cache.match_cache_notebook(jupytext.read(page))
        except KeyError:  # no executed notebook for the page's current code
            missing.append(page.name)
        else:
            assert record.data["execution_seconds"] > 0
    assert not missing, f"not executed in {build.CACHE}: {missing} (build the book first)"
