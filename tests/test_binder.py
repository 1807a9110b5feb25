"""Every reader notebook runs top to bottom in Binder's environment.

Binder builds the notebooks branch (what the deploy workflow publishes from _build/notebooks/)
with repo2docker: `pip install -r binder/requirements.txt` in the repository's root, then
`binder/postBuild` if there is one, and opens chapters/<page>.ipynb in JupyterLab, whose kernel
starts in chapters/. Imitated here in a fresh virtual environment, from a copy of
_build/notebooks/ (outside the book, as on the branch). Two differences, both because this
machine reaches only the package registries: PyTorch's CPU wheel is installed first from the
local disk (binder/requirements.txt names PyTorch's CPU index, which Binder reaches), and
MNIST_PATH is set. Two notebooks run at a time, one thread each.
"""

import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest

from readers import NOTEBOOKS, TORCH, make_venv, pip, problems, reader_environment, run_notebook

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
    env = reader_environment(venv, folder / "home", OMP_NUM_THREADS="1")
    (folder / "home").mkdir()
    if (repository / "binder" / "postBuild").exists():
        subprocess.run(["bash", "binder/postBuild"], cwd=repository, env=env, check=True)
    return repository, venv, env


@pytest.fixture(scope="module")
def results(binder):
    repository, venv, env = binder
    chapters = repository / "chapters"

    def run(page):
        return page, run_notebook(venv, chapters / f"{page}.ipynb", chapters, env)

    with ThreadPoolExecutor(2) as pool:
        return dict(pool.map(run, PAGES))


def test_binder_requirements_install_the_notebooks_package(binder):
    repository, venv, env = binder
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
