"""The notebooks that the launch buttons open are the pages, with Colab's install cell first."""

import json
import subprocess
import sys

import yaml

from conftest import ROOT


def test_notebooks_are_up_to_date():
    result = subprocess.run(
        [sys.executable, "tools/notebooks.py", "--check"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout


def notebook_pages():
    """The pages of _toc.yml that are MyST notebooks (not the glossary or the references)."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [c["file"] for part in toc["parts"] for c in part["chapters"]]
    return [f for f in files if (ROOT / f"{f}.md").read_text().startswith("---\njupytext:")]


def test_every_page_has_a_notebook_that_installs_nnbook_in_colab():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    url, branch = config["repository"]["url"], config["repository"]["branch"]
    pages = notebook_pages()
    assert len(pages) >= 16
    for page in pages:
        notebook = json.loads((ROOT / f"{page}.ipynb").read_text())
        first = "".join(notebook["cells"][0]["source"])
        assert '"google.colab" in sys.modules' in first
        assert f"nnbook @ git+{url}@{branch}" in first
        assert not any(cell.get("outputs") for cell in notebook["cells"])
