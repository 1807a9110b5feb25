"""Build the book, executing its pages two at a time: about twice as fast from clean.

    python tools/build.py                       # then open _build/html/index.html
    python tools/build.py -W -n --keep-going    # options go to `jupyter-book build`

`jupyter-book build .` executes the pages one after the other, and much of a page's time is
single-threaded (starting a kernel, importing torch, decoding MNIST, plotting). This script first
executes every page whose code changed into the book's own execution cache
(`_build/.jupyter_cache`, which `jupyter-book build` reads), one page per core, the longest
first, and then runs `jupyter-book build .`, which finds them all cached. Each kernel uses one
thread (OMP_NUM_THREADS=1) so that the two do not fight over the cores.

A page that fails here is left to `jupyter-book build`, which executes it again and stops
with its error, as without this script. `jupyter-book build .` alone still builds the same book.
"""

import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

from notebooks import pages  # noqa: E402 (the pages listed in _toc.yml)

CACHE = ROOT / "_build" / ".jupyter_cache"
# On a clean build, the pages that train go first, longest first, and each page whose results
# others reuse through nnbook.cache early enough that they need not wait for it: evaluation's
# run is reused by initialization, initialization's by minibatch, minibatch's by torch_nn and
# errors. The other pages follow in the order of the table of contents.
FIRST = [
    "evaluation",
    "training_loop",
    "initialization",
    "short_backward",
    "minibatch",
    "data",
    "backward_pass",
    "torch_nn",
    "initial_loss",
    "errors",
]
TIMEOUT = 900  # seconds per page, as execute.timeout in _config.yml


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
    # Longest first: by the time each page took when it last ran, else by FIRST.
    last = {r.uri: r.data.get("execution_seconds", 0) for r in cache.list_cache_records()}
    todo.sort(key=lambda record: (last.get(record.uri, 0), -_rank(record.uri)), reverse=True)
    tasks = [ProcessData(record.pk, record.uri, cache, TIMEOUT, False) for record in todo]
    print(f"executing {len(tasks)} page(s), {workers} at a time", flush=True)
    start = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        for status, uri in pool.imap_unordered(ExecutionWorkerLocalMProc(), tasks, chunksize=1):
            result = "executed" if status == 0 else "FAILED (the build will show why)"
            print(f"  {time.perf_counter() - start:5.0f} s  {result}: {Path(uri).name}", flush=True)


def _rank(uri):
    name = Path(uri).stem
    return FIRST.index(name) if name in FIRST else len(FIRST)


def main(argv):
    os.environ.setdefault("NNBOOK_CACHE", str(ROOT / "_build" / ".nnbook_cache"))
    # The kernels inherit the environment: one thread each, as many kernels as cores.
    threads = os.environ.get("OMP_NUM_THREADS")
    os.environ["OMP_NUM_THREADS"] = "1"
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    execute_pages(workers=max(1, cores or 1))
    if threads is None:  # anything left executes in `jupyter-book build`, as usual
        del os.environ["OMP_NUM_THREADS"]
    else:
        os.environ["OMP_NUM_THREADS"] = threads
    beside = Path(sys.executable).with_name("jupyter-book")  # this Python's, if not on PATH
    command = str(beside) if beside.exists() else "jupyter-book"
    return subprocess.run([command, "build", str(ROOT), *argv]).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
