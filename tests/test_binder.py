"""Every reader notebook runs top to bottom in Binder's environment.

Binder builds the notebooks branch (what the deploy workflow publishes from _build/notebooks/)
with repo2docker: `pip install -r binder/requirements.txt` in the repository's root, then
`binder/postBuild` if there is one, and opens chapters/<page>.ipynb in JupyterLab, whose kernel
starts in chapters/. Imitated here in a fresh virtual environment, from a copy of
_build/notebooks/ (outside the book, as on the branch). Two differences, both because this
machine reaches only the package registries: PyTorch's CPU wheel is installed first from the
local disk (binder/requirements.txt names PyTorch's CPU index, which Binder reaches), and
MNIST_PATH is set. Two notebooks run at a time, one thread each.

What this test checks is Binder's environment: that its requirements install what every cell
imports and that every cell runs there. Whether each page computes its results from nothing
within a reader's time is test_colab.py's question, so here the kernels read back the long
runs the build already made (a copy of its result cache, NNBOOK_CACHE; nnbook.cache keys each
result by the package's source and the arguments, so a stale result is never read). Each page
still runs every cell; only the calls to cache.run return at once. The seconds of every page
and cell go to _build/binder-times.json.
"""

import json
import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from readers import NOTEBOOKS, TORCH, make_venv, pip, problems, reader_environment, run_notebook

BUILD_CACHE = Path(os.environ["NNBOOK_CACHE"])  # the build's (tests/conftest.py)
PAGES = sorted(path.stem for path in (NOTEBOOKS / "chapters").glob("*.ipynb"))


@pytest.fixture(scope="module")
def binder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("binder")
    repository = folder / "repository"
    shutil.copytree(NOTEBOOKS, repository)
    venv = make_venv(folder / "venv", TORCH, "ipykernel", "nbclient")
    requirements = (repository / "binder" / "requirements.txt").read_text().splitlines()
    local = [line for line in requirements if not line.startswith("--extra-index-url")]
    (folder / "requirements.txt").write_text("\n".join(local) + "\n")
    pip(venv, "-r", str(folder / "requirements.txt"), cwd=repository)  # `-e .`: the repository
    cache = folder / "nnbook_cache"  # a copy: the test must not add to the build's cache
    shutil.copytree(BUILD_CACHE, cache, ignore=shutil.ignore_patterns("*.lock", "*.tmp"))
    env = reader_environment(venv, folder / "home", OMP_NUM_THREADS="1", NNBOOK_CACHE=str(cache))
    (folder / "home").mkdir()
    if (repository / "binder" / "postBuild").exists():
        subprocess.run(["bash", "binder/postBuild"], cwd=repository, env=env, check=True)
    return repository, venv, env, cache


@pytest.fixture(scope="module")
def results(binder):
    repository, venv, env, _ = binder
    chapters = repository / "chapters"

    def run(page):
        return page, run_notebook(venv, chapters / f"{page}.ipynb", chapters, env)

    with ThreadPoolExecutor(2) as pool:
        results = dict(pool.map(run, PAGES))
    times = {p: {"seconds": r["seconds"], "cells": r.get("cells", [])} for p, r in results.items()}
    (NOTEBOOKS.parent / "binder-times.json").write_text(json.dumps(times, indent=1))
    return results


def test_binder_requirements_install_the_notebooks_package(binder):
    repository, venv, env, _ = binder
    check = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import nnbook, sys; print(nnbook.__file__)"],
        env=env,
        cwd="/",
        capture_output=True,
        text=True,
    )
    assert str(repository / "nnbook") in check.stdout, check.stderr


@pytest.mark.parametrize("page", PAGES)
def test_the_notebook_runs_in_binder(results, page):
    assert not problems(results[page]), "\n".join(problems(results[page]))


def test_the_pages_read_the_builds_results_back(binder, results):
    """Every long run a page asks for is one the build made: none was computed again here (a
    new file in the copied cache would be one, and a sign that the build's results are stale)."""
    *_, cache = binder
    computed = {p.name for p in cache.glob("*.pt")} - {p.name for p in BUILD_CACHE.glob("*.pt")}
    assert not computed, f"computed again in Binder's run: {sorted(computed)}"
