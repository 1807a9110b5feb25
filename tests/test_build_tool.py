"""tools/build.py: the fast build executes the book's own pages, in a sensible order."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import build  # noqa: E402 (tools/build.py)


def test_the_order_lists_every_page_once():
    names = [page.stem for page in build.pages()]
    assert sorted(build.ORDER) == sorted(names)


def test_pages_that_produce_results_start_before_those_that_reuse_them():
    # nnbook.cache: the network of training_loop goes to evaluation, minibatch's to errors,
    # torch_nn and recognizer
    for producer, user in [
        ("training_loop", "evaluation"),
        ("minibatch", "errors"),
        ("minibatch", "torch_nn"),
        ("minibatch", "recognizer"),
    ]:
        assert build.ORDER.index(producer) < build.ORDER.index(user)
    assert build._rank("chapters/a_new_page.md") < build._rank("chapters/training_loop.md")


def test_pages_that_compare_durations_run_alone():
    """A page that times more than one thing (nnbook.timing, or time.perf_counter more than
    twice) is TIMED."""
    timing = {
        page.stem
        for page in build.pages()
        if "timing.interleaved" in page.read_text() or page.read_text().count("perf_counter") > 2
    }
    assert timing <= set(build.TIMED), f"compare durations but share the cores: {timing}"
    assert {"short_backward", "minibatch", "torch_nn"} <= timing

    class Record:
        def __init__(self, name):
            self.uri = f"chapters/{name}.md"

    names = ["training_loop", "data", "initialization", "minibatch", "errors", "recognizer"]
    groups = [
        ([Path(r.uri).stem for r in group], alone)
        for group, alone in build._groups([Record(n) for n in names])
    ]
    assert groups == [
        (["training_loop"], False),
        (["data"], True),
        (["initialization"], False),
        (["minibatch"], True),
        (["errors", "recognizer"], False),
    ]


def test_every_page_is_cached_where_jupyter_book_reads():
    """After a build, each page's current code has an executed notebook in build.CACHE."""
    import jupytext
    from jupyter_cache import get_cache

    cache = get_cache(build.CACHE)
    missing = []
    for page in build.pages():
        try:
            record = cache.match_cache_notebook(jupytext.read(page))
        except KeyError:  # no executed notebook for the page's current code
            missing.append(page.name)
        else:
            assert record.data["execution_seconds"] > 0
    assert not missing, f"not executed in {build.CACHE}: {missing} (build the book first)"
