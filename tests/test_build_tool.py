"""tools/build.py and tools/pages.py: which page needs which, in what order pages execute, and
which pages execute again when something they depend on changes."""

import random
import shutil
import sys
import threading
from concurrent.futures import Future
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import build  # noqa: E402 (tools/build.py)
import pages  # noqa: E402 (tools/pages.py)

NAMES = [page.stem for page in pages.pages()]


def test_every_page_is_ordered_once_after_the_pages_it_needs():
    order = pages.order(NAMES)
    assert sorted(order) == sorted(NAMES)
    for page, needed in pages.NEEDS.items():
        assert page in NAMES and set(needed) <= set(NAMES)
        assert all(order.index(n) < order.index(page) for n in needed)


def test_pages_that_share_results_are_declared():
    """A page that calls nnbook.cache either keeps a result another page needs, or is declared
    to need the page whose result it reads (or computes it for others, as minibatch does)."""
    users = {p.stem for p in pages.pages() if "cache.run(" in p.read_text()}
    promisers = {p.stem for p in pages.pages() if "cache.Promise(" in p.read_text()}
    declared = set(pages.NEEDS) | {n for ns in pages.NEEDS.values() for n in ns}
    assert users | promisers <= declared, users | promisers - declared
    assert promisers <= {n for ns in pages.NEEDS.values() for n in ns}


def test_pages_that_compare_durations_run_alone():
    """A page that times more than one thing (nnbook.timing, or time.perf_counter more than
    twice) is TIMED."""
    timing = {
        page.stem
        for page in pages.pages()
        if "timing.interleaved" in page.read_text() or page.read_text().count("perf_counter") > 2
    }
    assert timing <= set(pages.TIMED), f"compare durations but share the cores: {timing}"
    assert {"machine", "minibatch", "torch_nn"} <= timing


@pytest.mark.parametrize("seed", range(20))
def test_the_schedule_keeps_its_rules_whatever_the_speed_of_the_pages(seed):
    """The real pages, two workers, pages finishing in a random order (a thread completes a
    random running page whenever it likes). Every start is checked when it happens: the pages
    it needs have finished, a TIMED page starts alone and nothing starts beside it."""
    needs, alone = pages.NEEDS, set(pages.TIMED)
    order = pages.order(NAMES)
    running, finished, lock, errors = {}, set(), threading.Lock(), []
    rng = random.Random(seed)

    def start(name, is_alone):
        with lock:
            if not set(needs.get(name, [])) <= finished:
                errors.append(f"{name} started before {needs[name]} finished")
            if is_alone != (name in alone) or (name in alone and running):
                errors.append(f"{name} started beside {list(running.values())}")
            if any(r in alone for r in running.values()):
                errors.append(f"{name} started beside a timed page")
            if len(running) >= 2:
                errors.append(f"{name} started with two running")
            future = Future()
            running[future] = name
            return future

    def finish_pages():
        while True:
            with lock:
                if len(finished) == len(order):
                    return
                if running:
                    future = rng.choice(list(running))
                    finished.add(running.pop(future))
                    future.set_result(0)
            threading.Event().wait(rng.choice([0, 0.001]))  # let the scheduler in, or not

    finisher = threading.Thread(target=finish_pages, daemon=True)
    finisher.start()
    yielded = [name for name, _ in build.schedule(order, needs, alone, 2, start)]
    finisher.join(timeout=30)
    assert not errors, errors
    assert sorted(yielded) == sorted(NAMES)


def test_the_schedule_refuses_pages_that_need_each_other():
    with pytest.raises(ValueError, match="need each other"):
        list(build.schedule(["a", "b"], {"a": ["b"], "b": ["a"]}, set(), 2, None))


def test_imports_are_followed_through_the_package():
    code = "import torch\nfrom nnbook import data\nfrom nnbook.train import full_batch\n%time 1"
    modules = pages.nnbook_modules(code)
    assert {"__init__", "data", "train", "metrics", "model"} <= modules  # train -> metrics -> model
    assert "export" not in modules and "timing" not in modules
    assert pages.nnbook_modules("import numpy") == set()


PAGE = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

# {name}

```{{code-cell}} ipython3
{code}
```
"""


def small_book(tmp_path, codes):
    """A package `pkg` (a imports b, its VALUE is 10 * b.X; c alone, VALUE 5, names a file) and
    pages with the given code (also the small book of tests/test_fresh_pages.py)."""
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from pkg import b\n\nVALUE = b.X * 10\n")
    (package / "b.py").write_text("X = 1\n")
    (package / "c.py").write_text("VALUE = 5\nY = 'style.css'\n")
    (package / "style.css").write_text("p {}\n")
    paths = []
    for name, code in codes.items():
        paths.append(tmp_path / f"{name}.md")
        paths[-1].write_text(PAGE.format(name=name, code=code))
    return package, paths


def test_a_changed_module_changes_exactly_the_pages_that_import_it(tmp_path):
    codes = {"p_a": "from pkg import a", "p_b": "import pkg.b", "p_c": "from pkg.c import Y",
             "p_none": "print(1)", "p_needs": "print(2)"}  # fmt: skip
    package, paths = small_book(tmp_path, codes)
    needs = {"p_needs": ["p_a"]}
    before = pages.fingerprints(paths, package, needs)
    (package / "b.py").write_text("X = 2\n")
    after = pages.fingerprints(paths, package, needs)
    assert {n for n in before if before[n] != after[n]} == {"p_a", "p_b", "p_needs"}
    (package / "style.css").write_text("p { color: red }\n")  # a file that c names
    again = pages.fingerprints(paths, package, needs)
    assert {n for n in after if after[n] != again[n]} == {"p_c"}
    (tmp_path / "p_a.md").write_text(PAGE.format(name="p_a (new title)", code="from pkg import a"))
    prose = pages.fingerprints(paths, package, needs)
    assert prose == again  # a prose edit of the page it needs executes nothing
    (tmp_path / "p_a.md").write_text(PAGE.format(name="p_a", code="from pkg import a  # new"))
    last = pages.fingerprints(paths, package, needs)
    assert {n for n in again if again[n] != last[n]} == {"p_needs"}  # the page it needs changed


def test_an_edit_to_conv_executes_only_the_convolution_pages(tmp_path):
    """The README's and CONTRIBUTING's example (and benchmarks/run.py's edit), on the book's own
    pages: nnbook/conv.py reaches the convolution page, the CNN page and the recognizer (through
    nnbook.cnn, and it needs the CNN page); nnbook/export.py reaches the pages with explorable
    figures too (through nnbook.widgets) and the pages that need theirs."""
    package = tmp_path / "nnbook"
    shutil.copytree(pages.PACKAGE, package)
    paths = pages.pages()

    def changed_by(module):
        before = pages.fingerprints(paths, package)
        (package / module).write_text((package / module).read_text() + "# edited\n")
        after = pages.fingerprints(paths, package)
        return {name for name in after if after[name] != before[name]}

    assert changed_by("conv.py") == {"convolution", "cnn", "recognizer"}
    exported = changed_by("export.py")
    assert {"how_networks_learn", "loss", "minibatch", "recognizer"} <= exported
    assert {"torch_nn", "errors", "inside"} <= exported  # they need minibatch
    assert not {"data", "mlp", "convolution"} & exported


def test_drop_stale_forgets_exactly_the_stale_executions(tmp_path):
    import jupytext
    from jupyter_cache import get_cache

    package, paths = small_book(tmp_path, {"p_b": "import pkg.b", "p_c": "import pkg.c"})
    cache_path = tmp_path / "cache"
    cache = get_cache(cache_path)
    for path in paths:
        notebook = jupytext.read(path)
        cache.cache_notebook_bundle(_bundle(notebook, path), check_validity=False)
    assert pages.drop_stale(paths, cache_path, package, {}) == ["p_b", "p_c"]  # never recorded
    for path in paths:  # executed again
        cache.cache_notebook_bundle(_bundle(jupytext.read(path), path), check_validity=False)
    assert pages.drop_stale(paths, cache_path, package, {}) == []  # nothing changed
    (package / "b.py").write_text("X = 3\n")
    assert pages.drop_stale(paths, cache_path, package, {}) == ["p_b"]
    kept = {Path(r.uri).stem for r in cache.list_cache_records()}
    assert kept == {"p_c"}


def _bundle(notebook, path):
    from jupyter_cache.base import CacheBundleIn

    return CacheBundleIn(notebook, str(path))


def test_pdf_bookmark_titles_match_their_headings_as_chromium_garbles_them():
    import pdf

    heading = "6.6. The same loss with F.cross_entropy"
    assert pdf._same_text(heading, heading)
    assert pdf._same_text("6.6.Thesamelosswith F.cross_entropy", heading)  # spaces lost
    assert pdf._same_text(f"6.6. {heading[5:]}6.6. {heading[5:]}", heading)  # laid out twice
    # twice, but the code span once: what Chromium wrote for this heading
    garbled = "6.6. 6.6. The same loss with The same loss with F.cross_entropy"
    assert pdf._same_text(garbled, heading)
    assert not pdf._same_text("6.7. Is the loss large?", heading)
    assert not pdf._same_text("6.6. The same loss", heading)  # letters missing


def test_a_changed_static_file_reaches_the_site_without_a_page_rebuilt(tmp_path):
    # Sphinx copies html_static_path only when a page is rebuilt; _ext/book_fixes.py copies
    # what changed after every build
    from types import SimpleNamespace

    sys.path.insert(0, str(ROOT / "_ext"))
    import book_fixes

    (tmp_path / "widgets").mkdir()
    (tmp_path / "_static").mkdir()
    (tmp_path / "widgets" / "widgets.js").write_text("new script")
    (tmp_path / "_static" / "widgets.css").write_text("new style")
    out = tmp_path / "_build" / "html"
    (out / "_static").mkdir(parents=True)
    (out / "_static" / "widgets.js").write_text("old script")
    (out / "_static" / "widgets.css").write_text("old style")
    app = SimpleNamespace(
        confdir=str(tmp_path),
        outdir=str(out),
        builder=SimpleNamespace(format="html"),
        config=SimpleNamespace(html_static_path=["_static", "widgets/widgets.js"]),
    )
    book_fixes._fresh_static_files(app, None)
    assert (out / "_static" / "widgets.js").read_text() == "new script"
    assert (out / "_static" / "widgets.css").read_text() == "new style"


def test_the_result_cache_and_the_fingerprints_read_imports_alike():
    # nnbook.cache keys a result by the modules its call can run, found by its own parser (the
    # package cannot import tools/); a page executes again when the modules it imports change,
    # found by pages.py's. The first must be among the second, so the two parsers must agree.
    from nnbook import cache

    for source in sorted(pages.PACKAGE.glob("*.py")):
        code = source.read_text()
        assert cache._imported(code) == pages._imports(code, "nnbook") - {"__init__"}, source
    code = "from . import conv\nfrom .metrics import f\nimport nnbook.model\nfrom nnbook import x\n"
    assert cache._imported(code) == pages._imports(code, "nnbook") - {"__init__"}
