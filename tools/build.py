"""Build the book, executing its pages in parallel, one per core, one thread each.

    python tools/build.py                       # then open _build/html/index.html
    python tools/build.py -W -n --keep-going    # options go to `jupyter-book build`

`jupyter-book build .` executes the pages one after the other, and much of a page's time is
single-threaded (starting a kernel, importing torch, plotting, small tensors). This script
first executes every page whose code changed into the book's own execution cache
(`_build/.jupyter_cache`, which `jupyter-book build` reads), one page per core in the order of
ORDER, and then runs `jupyter-book build .`, which finds them all cached. Each kernel uses one
thread (OMP_NUM_THREADS=1) so that the kernels do not fight over the cores.

The pages in TIMED compare durations they measure (a loop against a matrix product, two
backward passes, minibatch against full-batch steps). A page running beside them would slow
their variants unevenly and change the numbers their sentences rest on, so each of them runs
alone: the pages before it finish first, nothing starts while it runs, and it gets every core
(the thread count PyTorch chooses, as in Colab).

A page that fails here is left to `jupyter-book build`, which executes it again and stops
with its error, as without this script. `jupyter-book build .` alone still builds the same book.
"""

import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]

CACHE = ROOT / "_build" / ".jupyter_cache"
# The order in which the pages start: first the pages that measure and compare durations,
# one at a time (TIMED), then the others two at a time, the longest first. A page that reuses
# another page's result through nnbook.cache (see each page) comes after it: minibatch's
# network goes to torch_nn, errors and recognizer, training_loop's to evaluation. A page
# missing here starts first. The execution time of each page is in the
# output of benchmarks/run.py.
ORDER = [
    "data",
    "forward_pass",
    "short_backward",
    "minibatch",
    "torch_nn",
    "training_loop",
    "initialization",
    "evaluation",
    "errors",
    "recognizer",
    "backward_pass",
    "activations",
    "initial_loss",
    "loss",
    "mlp",
    "how_networks_learn",
]
# Pages that compare durations measured in their cells: each runs alone, on every core.
TIMED = ["data", "forward_pass", "short_backward", "minibatch", "torch_nn"]
TIMEOUT = 900  # seconds per page, as execute.timeout in _config.yml


def pages():
    """The pages listed in _toc.yml that are MyST notebooks (not the glossary or references)."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [c["file"] for part in toc["parts"] for c in part["chapters"]]
    return [
        ROOT / f"{f}.md"
        for f in files
        if (ROOT / f"{f}.md").read_text().startswith("---\njupytext:")
    ]


def execute_pages(workers):
    """Execute the pages missing from the cache, `workers` at a time."""
    from jupyter_cache import get_cache
    from jupyter_cache.executors.basic import ExecutionWorkerLocalMProc, ProcessData

    cache = get_cache(CACHE)
    for page in pages():
        cache.add_nb_to_project(str(page), read_data={"name": "jupytext", "type": "plugin"})
    todo = cache.list_unexecuted()
    if not todo:
        return
    todo.sort(key=lambda record: _rank(record.uri))
    print(
        f"executing {len(todo)} page(s): those in TIMED alone, the others {workers} at a time",
        flush=True,
    )
    start = time.perf_counter()
    threads = os.environ.get("OMP_NUM_THREADS")  # the caller's setting, for the TIMED pages
    try:
        for group, alone in _groups(todo):
            # the kernels inherit the environment: one thread each when they share the cores
            _set_threads(threads if alone else "1")
            tasks = [ProcessData(r.pk, r.uri, cache, TIMEOUT, False) for r in group]
            with multiprocessing.get_context("fork").Pool(1 if alone else workers) as pool:
                for status, uri in pool.imap_unordered(
                    ExecutionWorkerLocalMProc(), tasks, chunksize=1
                ):
                    result = "executed" if status == 0 else "FAILED (the build will show why)"
                    where = "alone" if alone else "in parallel"
                    print(
                        f"  {time.perf_counter() - start:5.0f} s  {result} {where}: "
                        f"{Path(uri).name}",
                        flush=True,
                    )
    finally:
        _set_threads(threads)


def _set_threads(value):
    if value is None:
        os.environ.pop("OMP_NUM_THREADS", None)
    else:
        os.environ["OMP_NUM_THREADS"] = value


def _groups(todo):
    """Consecutive runs of `todo`: each TIMED page alone, the pages between them together."""
    group = []
    for record in todo:
        if Path(record.uri).stem in TIMED:
            if group:
                yield group, False
                group = []
            yield [record], True
        else:
            group.append(record)
    if group:
        yield group, False


def _rank(uri):
    name = Path(uri).stem
    return ORDER.index(name) if name in ORDER else -1


def main(argv):
    os.environ.setdefault("NNBOOK_CACHE", str(ROOT / "_build" / ".nnbook_cache"))
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    execute_pages(workers=max(1, cores or 1))
    beside = Path(sys.executable).with_name("jupyter-book")  # this Python's, if not on PATH
    command = str(beside) if beside.exists() else "jupyter-book"
    return subprocess.run([command, "build", str(ROOT), *argv]).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
