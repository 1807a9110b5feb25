"""Write chapters/<page>.ipynb, the notebooks Colab, Binder and Thebe open, from the MyST pages.

Each notebook is the page converted by jupytext, without outputs, with a first cell that
installs the helper package nnbook from the book's repository when it runs in Colab (and does
nothing elsewhere). The repository and branch come from _config.yml, the one place they are set.

    python tools/notebooks.py          # write the notebooks
    python tools/notebooks.py --check  # exit 1 if any notebook is missing or out of date
"""

import sys
from pathlib import Path

import jupytext
import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]

COLAB_CELL = """\
# In Colab: install the book's helper package, nnbook, from {branch} of the book's repository.
# Anywhere else (your computer, Binder) this cell does nothing.
import sys

if "google.colab" in sys.modules:
    import subprocess

    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "nnbook @ git+{url}@{branch}"], check=True)"""  # noqa: E501 (the cell as it appears in the notebook)


def pages():
    """The pages listed in _toc.yml that are MyST notebooks."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [c["file"] for part in toc["parts"] for c in part["chapters"]]
    return [
        ROOT / f"{f}.md"
        for f in files
        if (ROOT / f"{f}.md").read_text().startswith("---\njupytext:")
    ]


def notebook_text(page):
    """The .ipynb text for one page."""
    repository = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]
    notebook = jupytext.read(page)
    cell = nbformat.v4.new_code_cell(
        COLAB_CELL.format(**repository), metadata={"tags": ["remove-cell"]}
    )
    notebook.cells.insert(0, cell)
    for i, cell in enumerate(notebook.cells):
        cell.id = f"cell-{i}"  # stable ids: the same page always gives the same file
    notebook.metadata.pop("jupytext", None)  # a plain notebook, not a paired one
    notebook.metadata["colab"] = {"provenance": []}
    return jupytext.writes(notebook, fmt="ipynb")


def main(check=False):
    stale = []
    for page in pages():
        target = page.with_suffix(".ipynb")
        text = notebook_text(page)
        if check:
            if not target.exists() or target.read_text() != text:
                stale.append(target.relative_to(ROOT))
        else:
            target.write_text(text)
    if stale:
        print("Out of date (run python tools/notebooks.py):", *stale, sep="\n  ")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(check="--check" in sys.argv))
