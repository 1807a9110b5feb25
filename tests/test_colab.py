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

import ast
import json
import re

import nbformat
import pytest

from conftest import FILL_INS, assigned_names
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


VERDICT = re.compile(r"^(\S+)\s+\| (right|wrong: shape|wrong|not written yet)\b", re.M)


def _is_check(call):
    return "check" in (getattr(call.func, "id", None), getattr(call.func, "attr", None))


def _checks(source):
    """The check(...) calls of a fill-in cell: {blank variable: the name check prints}."""
    calls = [n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Call)]
    return {c.args[1].id: c.args[0].value for c in calls if _is_check(c)}


def _answers(cells, start, blanks):
    """The code of the answer cells after a fill-in cell: until every blank is assigned."""
    code, missing = [], set(blanks)
    for cell in cells[start + 1 :]:
        assigned = assigned_names(cell.source) if cell.cell_type == "code" else set()
        if missing & assigned:
            lines = cell.source.splitlines()  # without the answer's own checks
            code.extend(x for x in lines if not re.search(r"\bcheck\(", x))
            missing -= assigned
    assert not missing, f"no answer cell assigns {sorted(missing)}"
    return "\n".join(code)


@pytest.mark.parametrize("page", FILL_INS)
def test_fill_in_cells_say_right_and_wrong(colab, tmp_path, page):
    """Each fill-in cell of the page, answered three ways in a fresh Colab kernel: with the
    page's answer (right), with it 1% off (wrong) and with one dimension too many (wrong:
    shape); the blank itself says "not written yet"."""
    folder, venv, env = colab
    notebook = nbformat.read(NOTEBOOKS / "chapters" / f"{page}.ipynb", as_version=4)
    cells, tried = notebook.cells, {}
    for i in reversed(range(len(cells))):
        if "fill-in" not in cells[i].metadata.get("tags", []):
            continue
        checks = _checks(cells[i].source)
        answer = _answers(cells, i, checks)
        calls = "\n".join(
            x for x in cells[i].source.splitlines() if re.match(r"(gradcheck\.)?check\(", x)
        )
        variants = {
            "right": "",
            "wrong": "\n".join(f"{b} = {b} * 1.01" for b in checks),
            "wrong: shape": "\n".join(f"{b} = {b}.unsqueeze(0)" for b in checks),
        }
        for expected, change in reversed(variants.items()):
            source = "\n".join([answer, change, calls])
            cells.insert(i + 1, nbformat.v4.new_code_cell(source))
            tried[id(cells[i + 1])] = (expected, set(checks.values()))
        tried[id(cells[i])] = ("not written yet", set(checks.values()))
    assert len(tried) == 4 * FILL_INS[page][0]  # per fill-in cell: the blank, 3 answers
    path = tmp_path / f"{page}.ipynb"
    index = {id(c): n for n, c in enumerate(cells)}
    nbformat.write(notebook, path)
    result = run_notebook(venv, path, tmp_path / "work", env)
    assert not problems(result), "\n".join(problems(result))
    printed = {}
    for output in result["outputs"]:
        printed[output["cell"]] = printed.get(output["cell"], "") + output.get("text", "")
    for key, (expected, names) in tried.items():
        verdicts = dict(VERDICT.findall(printed.get(index[key], "")))
        assert verdicts == dict.fromkeys(names, expected), (expected, printed.get(index[key]))
