"""Build the book, executing its pages in parallel, one per core, one thread each.

    python tools/build.py                       # then open _build/html/index.html
    python tools/build.py -W -n --keep-going    # options go to `jupyter-book build`

`jupyter-book build .` executes the pages one after the other, and much of a page's time is
single-threaded (starting a kernel, importing torch, plotting, small tensors). This script
first executes every page whose code changed into the book's own execution cache
(`_build/.jupyter_cache`, which `jupyter-book build` reads), one page per core in the order of
ORDER, and then runs `jupyter-book build .`, which finds them all cached. Each kernel uses one
thread (OMP_NUM_THREADS=1) so that the kernels do not fight over the cores.

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
# The order in which the pages start, a schedule for two cores: the longest page first, and
# every page whose result others reuse through nnbook.cache (see each page) early enough that
# they need not wait for it. training_loop's network goes to initialization and evaluation,
# initialization's to minibatch, minibatch's to torch_nn, errors and recognizer. A page missing
# here starts first. The execution time of each page is in the output of benchmarks/run.py.
ORDER = [
    "training_loop",
    "short_backward",
    "data",
    "backward_pass",
    "initial_loss",
    "initialization",
    "evaluation",
    "forward_pass",
    "activations",
    "loss",
    "mlp",
    "how_networks_learn",
    "minibatch",
    "torch_nn",
    "errors",
    "recognizer",
]
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
    tasks = [ProcessData(record.pk, record.uri, cache, TIMEOUT, False) for record in todo]
    print(f"executing {len(tasks)} page(s), {workers} at a time", flush=True)
    start = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        for status, uri in pool.imap_unordered(ExecutionWorkerLocalMProc(), tasks, chunksize=1):
            result = "executed" if status == 0 else "FAILED (the build will show why)"
            print(f"  {time.perf_counter() - start:5.0f} s  {result}: {Path(uri).name}", flush=True)


def _rank(uri):
    name = Path(uri).stem
    return ORDER.index(name) if name in ORDER else -1


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
