"""Build the book, executing its pages in parallel, one per core, one thread each.

    python tools/build.py                       # then open _build/html/index.html
    python tools/build.py -W -n --keep-going    # options go to `jupyter-book build`

`jupyter-book build .` executes the pages one after the other, and much of a page's time is
single-threaded (starting a kernel, importing torch, plotting, small tensors). This script
first executes every page that is not in the book's execution cache (`_build/.jupyter_cache`,
which `jupyter-book build` reads) because its code changed or because something it depends on
changed (`tools/pages.py`: the `nnbook` code it imports, the pages it needs), one page per
core, and then runs `jupyter-book build .`, which finds them all cached. Each kernel uses one
thread (OMP_NUM_THREADS=1) so that the kernels do not fight over the cores.

The order comes from `tools/pages.py`: a page starts only when the pages it NEEDS have
finished, and a TIMED page (one that compares durations it measures) runs alone: the pages
before it finish first, nothing starts while it runs, and it gets every core (the thread count
PyTorch chooses, as in Colab).

A page that fails here is left to `jupyter-book build`, which executes it again and stops
with its error, as without this script. `jupyter-book build .` alone builds the same book,
one page at a time, in reading order (the Sphinx extension `_ext/fresh_pages.py` drops stale
pages there too).
"""

import multiprocessing
import os
import subprocess
import sys
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pages as book_pages  # noqa: E402 (tools/pages.py)

ROOT = book_pages.ROOT
CACHE = book_pages.CACHE
TIMEOUT = 900  # seconds per page, as execute.timeout in _config.yml


def pages():
    return book_pages.pages()


def schedule(names, needs, alone, workers, start):
    """Run start(name, alone) for every name, at most `workers` at a time; yields names as
    they finish.

    `start` returns a future. A name starts only after every name it needs (among `names`)
    has finished, and a name in `alone` only when nothing else runs, and nothing starts beside
    it. Names are started in the order given, as soon as the rules allow.
    """
    waiting, running, finished = list(names), {}, set()
    while waiting or running:
        for name in list(waiting):
            if len(running) >= workers:
                break
            if any(n in waiting or n in running.values() for n in needs.get(name, [])):
                continue
            if (name in alone and running) or any(r in alone for r in running.values()):
                if name in alone:
                    break  # wait until the others finish; keep the order
                continue
            waiting.remove(name)
            running[start(name, name in alone)] = name
        if not running:
            raise ValueError(f"these pages need each other: {waiting}")
        done, _ = wait(running, return_when=FIRST_COMPLETED)
        for future in done:
            name = running.pop(future)
            finished.add(name)
            yield name, future.result()


def _execute(pk, uri, threads):
    """Execute one page into the cache (in a worker process): 0 if it ran without error."""
    from jupyter_cache import get_cache
    from jupyter_cache.executors.basic import ExecutionWorkerLocalMProc, ProcessData

    book_pages.encrypt_kernels()
    if threads is None:
        os.environ.pop("OMP_NUM_THREADS", None)
    else:
        os.environ["OMP_NUM_THREADS"] = threads  # the kernel inherits it
    status, _ = ExecutionWorkerLocalMProc()(ProcessData(pk, uri, get_cache(CACHE), TIMEOUT, False))
    return status


def execute_pages(workers):
    """Execute the pages missing from the cache, `workers` at a time."""
    from jupyter_cache import get_cache

    paths = pages()
    stale = book_pages.drop_stale(paths)
    cache = get_cache(CACHE)
    for page in paths:
        cache.add_nb_to_project(str(page), read_data={"name": "jupytext", "type": "plugin"})
    todo = {Path(r.uri).stem: r for r in cache.list_unexecuted()}
    if not todo:
        return
    names = [n for n in book_pages.order([p.stem for p in paths]) if n in todo]
    changed = [n for n in names if n in stale]
    why = f" ({len(changed)} for a change in what they import or need)" if changed else ""
    print(
        f"executing {len(names)} page(s){why}: those in TIMED alone, the others {workers} at a"
        " time",
        flush=True,
    )
    threads = os.environ.get("OMP_NUM_THREADS")  # the caller's setting, for the TIMED pages
    clock = time.perf_counter()
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:

        def start(name, alone):
            return pool.submit(_execute, todo[name].pk, todo[name].uri, threads if alone else "1")

        for name, status in schedule(names, book_pages.NEEDS, book_pages.TIMED, workers, start):
            result = "executed" if status == 0 else "FAILED (the build will show why)"
            where = "alone" if name in book_pages.TIMED else "in parallel"
            print(
                f"  {time.perf_counter() - clock:5.0f} s  {result} {where}: {name}.md", flush=True
            )


def main(argv):
    os.environ.setdefault("NNBOOK_CACHE", str(ROOT / "_build" / ".nnbook_cache"))
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    execute_pages(workers=max(1, cores or 1))
    beside = Path(sys.executable).with_name("jupyter-book")  # this Python's, if not on PATH
    command = str(beside) if beside.exists() else "jupyter-book"
    return subprocess.run([command, "build", str(ROOT), *argv]).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
