"""Every reader notebook runs top to bottom as in Colab, each within Colab's time.

Colab, imitated: a fresh virtual environment with only Colab's usual packages (torch, numpy,
matplotlib, pandas, pillow, requests; ipykernel and nbclient to run a kernel), `google.colab`
importable and imported when the kernel starts, an empty working folder, no myst-nb or
jupytext. The notebook's own first cell installs nnbook from the repository URL in
_config.yml, which git serves from a snapshot of this working tree (url.<base>.insteadOf).
MNIST_PATH is set because nothing here reaches the Hugging Face Hub.

The notebooks run one after another, each with the machine's two cores, like Colab's free
runtime; every page must finish within MAX_SECONDS. The times are written to
_build/colab-times.md (the README's table comes from there).
"""

import json

import nbformat
import pytest

from readers import (
    NOTEBOOKS,
    TORCH,
    home_serving_the_repository,
    make_venv,
    problems,
    python,
    reader_environment,
    run_notebook,
    snapshot_repository,
)

MAX_SECONDS = 180  # 3 minutes per page on 2 cores
COLAB_PACKAGES = [TORCH, "numpy", "matplotlib", "pandas", "pillow", "requests"]
PAGES = sorted(path.stem for path in (NOTEBOOKS / "chapters").glob("*.ipynb"))


@pytest.fixture(scope="module")
def colab(tmp_path_factory):
    folder = tmp_path_factory.mktemp("colab")
    venv = make_venv(folder / "venv", *COLAB_PACKAGES, "ipykernel", "nbclient")
    site = next((venv / "lib").glob("python3*/site-packages"))
    (site / "google" / "colab").mkdir(parents=True)
    (site / "google" / "colab" / "__init__.py").write_text(
        '"""Colab, as far as a page can tell."""\n'
    )
    startup = folder / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-colab.py").write_text("import google.colab  # as Colab's kernel does\n")
    repository = snapshot_repository(folder / "repository")
    home = home_serving_the_repository(folder / "home", repository)
    env = reader_environment(venv, home, IPYTHONDIR=str(folder / "ipython"))
    return folder, venv, env


@pytest.fixture(scope="module")
def results(colab):
    folder, venv, env = colab
    results = {}
    if not PAGES:
        pytest.fail("No reader notebooks in _build/notebooks: build the book first.")
    for page in PAGES:
        results[page] = run_notebook(
            venv, NOTEBOOKS / "chapters" / f"{page}.ipynb", folder / "work" / page, env
        )
    lines = [
        "| page | seconds in imitated Colab (2 cores) |",
        "|---|---|",
        *[f"| {page} | {results[page]['seconds']:.0f} |" for page in PAGES],
    ]
    (NOTEBOOKS.parent / "colab-times.md").write_text("\n".join(lines) + "\n")
    (NOTEBOOKS.parent / "colab-times.json").write_text(
        json.dumps({p: r["seconds"] for p, r in results.items()}, indent=1)
    )
    return results


def test_the_imitation_is_colab_like(colab, tmp_path):
    folder, venv, env = colab
    probe = tmp_path / "probe.ipynb"
    code = (
        "import json, os, sys, importlib.util as u\n"
        "print(json.dumps({'colab': 'google.colab' in sys.modules, 'cwd': os.listdir('.'),\n"
        "  'exe': sys.executable, 'myst_nb': u.find_spec('myst_nb') is not None,\n"
        "  'jupytext': u.find_spec('jupytext') is not None,\n"
        "  'cache': os.environ.get('NNBOOK_CACHE')}))"
    )
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)]), probe)
    result = run_notebook(venv, probe, tmp_path / "work", env)
    assert result["error"] is None, result["error"]
    seen = json.loads(result["outputs"][0]["text"])
    assert seen["colab"] and seen["cwd"] == [] and seen["exe"] == str(python(venv))
    assert not seen["myst_nb"] and not seen["jupytext"] and not seen["cache"]


@pytest.mark.parametrize("page", PAGES)
def test_the_notebook_runs_in_colab(results, page):
    result = results[page]
    assert not problems(result), "\n".join(problems(result))
    assert result["seconds"] <= MAX_SECONDS, f"{page}: {result['seconds']:.0f} s"
