"""The notebooks readers open: _build/notebooks/, written by the build (_ext/reader_notebooks.py).

Colab's and Binder's buttons open them on the repository's notebooks branch, where the deploy
workflow publishes _build/notebooks/; the download button offers the same files. Here: they read
as plain Jupyter Markdown, carry the build's outputs, and link into the HTML book correctly.
tests/test_colab.py and tests/test_binder.py run them as readers do.
"""

import json
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml
from markdown_it.token import Token
from myst_parser.config.main import MdParserConfig
from myst_parser.mdit_to_docutils.base import DocutilsRenderer
from myst_parser.parsers.mdit import create_md_parser

from conftest import FILL_INS, ROOT, SITE, notebook_pages

NOTEBOOKS = ROOT / "_build" / "notebooks"
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
BASE = CONFIG["html"]["baseurl"]
PAGES = notebook_pages()


def load(page):
    path = NOTEBOOKS / f"{page}.ipynb"
    if not path.is_file():
        pytest.fail(f"No {path}: build the book first (python tools/build.py).")
    return json.loads(path.read_text())


def markdown(notebook):
    return ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "markdown"]


# MyST's own parser, with every extension the book enables and a few more: whatever it finds
# that plain Markdown has not (a role, a target, a directive, a block break, a comment, a
# labelled equation, a field list) would show as typed in Colab.
PARSER = create_md_parser(
    MdParserConfig(
        enable_extensions={
            "amsmath",
            "dollarmath",
            "colon_fence",
            "deflist",
            "substitution",
            "fieldlist",
        }  # fmt: skip
    ),
    DocutilsRenderer,
)
MYST_ONLY = {
    "myst_role", "myst_target", "myst_line_comment", "myst_block_break", "field_list_open",
    "dl_open", "colon_fence", "substitution_inline", "substitution_block", "footnote_ref",
}  # fmt: skip


def myst_constructs(text):
    found = []

    def walk(tokens):
        for token in tokens:
            if token.type in MYST_ONLY:
                found.append(f"{token.type}: {token.content or token.info}"[:80])
            elif token.type == "fence" and token.info.strip().startswith("{"):
                found.append(f"directive {token.info}")
            elif token.type in ("math_block_label", "amsmath") and token.info:
                found.append(f"labelled equation {token.info}")
            walk(token.children or [])

    walk(PARSER.parse(text))
    return found


def test_every_page_has_a_reader_notebook():
    assert len(PAGES) >= 16
    written = sorted(f"chapters/{p.stem}" for p in (NOTEBOOKS / "chapters").glob("*.ipynb"))
    assert written == PAGES


def test_the_parser_finds_myst_where_there_is_some():
    # the check below must not pass because the parser sees nothing
    page = "(x)=\n# T\n\nSee {ref}`x`.\n\n```{exercise}\nDo it.\n```\n\n% a comment\n"
    kinds = {f.split(":")[0].split(" ")[0] for f in myst_constructs(page)}
    assert kinds == {"myst_target", "myst_role", "directive", "myst_line_comment"}
    assert not myst_constructs("# T\n\nSee [x](https://example.org), $a_1$ and `code`.\n")


@pytest.mark.parametrize("page", PAGES)
def test_markdown_is_plain_jupyter_markdown(page):
    for text in markdown(load(page)):
        assert not myst_constructs(text), (myst_constructs(text), text[:300])
        assert not re.search(r"\{(glue|ref|numref|term|cite|doc)[:}]", text), text[:300]


@pytest.mark.parametrize("page", PAGES)
def test_the_notebook_holds_the_outputs_of_the_build(page):
    notebook = load(page)
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    first = "".join(code[0]["source"])
    url, branch = CONFIG["repository"]["url"], CONFIG["repository"]["branch"]
    assert notebook["cells"][0] is code[0], "the first cell installs nnbook"
    assert '"google.colab" in sys.modules' in first and f"nnbook @ git+{url}@{branch}" in first
    assert not code[0]["outputs"]
    with_outputs = [c for c in code[1:] if c["outputs"]]
    assert len(with_outputs) >= len(code[1:]) // 2
    for cell in code[1:]:
        source = "".join(cell["source"])
        assert "myst_nb" not in source and "glue(" not in source  # build plumbing stays out
        for output in cell["outputs"]:
            assert "scrapbook" not in output.get("metadata", {})
            assert output.get("name") != "stderr", output
            assert output["output_type"] != "error"
    executed = json.loads((ROOT / "_build" / "jupyter_execute" / f"{page}.ipynb").read_text())
    figures = sum("image/png" in o.get("data", {}) for c in executed["cells"]
                  if "remove-cell" not in c["metadata"].get("tags", [])
                  for o in c.get("outputs", []))  # fmt: skip
    shown = sum("image/png" in o.get("data", {}) for c in code for o in c["outputs"])
    assert shown == figures


def test_glued_values_read_as_the_page_shows_them():
    data = "\n".join(markdown(load("chapters/data")))
    assert "60,000 training images and 10,000 test images" in data
    html = (SITE / "chapters" / "training_loop.html").read_text()
    loop = "\n".join(markdown(load("chapters/training_loop")))
    for number in re.findall(r'<span class="pasted-text">([^<]+)</span>', html):
        assert number in loop


def test_exercises_and_solutions_stay_readable():
    notebook = load("chapters/data")
    texts = markdown(notebook)
    exercises = [t for t in texts if re.match(r"#{2,6} Exercise \d+\.\d+", t)]
    solutions = [t for t in texts if re.match(r"#{2,6} Solution to Exercise \d+\.\d+", t)]
    assert len(exercises) >= 3 and len(solutions) == len(exercises)
    # a solution's code is collapsed, as the page's dropdown is
    cells = notebook["cells"]
    heading = next(i for i, c in enumerate(cells) if "".join(c["source"]).startswith(
        solutions[0].split("\n")[0]))  # fmt: skip
    assert cells[heading + 1]["metadata"]["jupyter"] == {
        "source_hidden": True,
        "outputs_hidden": True,
    }
    # prose inside a solution is a collapsible <details>
    details = [t for p in PAGES for t in markdown(load(p)) if t.startswith("<details>")]
    assert details and all(t.rstrip().endswith("</details>") for t in details)


def test_hints_are_collapsed_and_fill_in_cells_keep_their_tag():
    """The backward pass's hints are <details> in the notebook (collapsed, as on the page);
    its fill-in cells keep their tag and their blanks; its answers are collapsed."""
    notebook = load("chapters/backward_pass")
    hints = [t for t in markdown(notebook) if t.startswith("<details><summary>Hint")]
    n_fill_ins = FILL_INS["backward_pass"][0]
    assert len(hints) == 2 * n_fill_ins and all(t.rstrip().endswith("</details>") for t in hints)
    assert all("Hint 1: the shape" in a and "Hint 2" in b for a, b in zip(hints[::2], hints[1::2]))
    cells = notebook["cells"]
    fill_ins = [i for i, c in enumerate(cells) if "fill-in" in c["metadata"].get("tags", [])]
    assert len(fill_ins) == n_fill_ins
    for i in fill_ins[:-1]:  # the last is the exercise's: its answer is the solution's code
        answer = next(c for c in cells[i + 1 :] if c["cell_type"] == "code")
        assert answer["metadata"]["jupyter"] == {"source_hidden": True}, answer["source"]


def test_admonitions_are_block_quotes_and_figures_have_captions():
    texts = markdown(load("chapters/backward_pass"))
    assert any(re.search(r"^> \*\*The matrix product rule\*\*$", t, flags=re.M) for t in texts)
    activations = markdown(load("chapters/activations"))
    assert any(re.match(r"\*Fig\. \d+\.\d+\. Tanh \(blue\)", t) for t in activations)


def links(text):
    return re.findall(r"\]\((https?://[^)\s]+)\)", text)


def test_links_into_the_book_name_pages_and_anchors_that_exist():
    checked = 0
    for page in PAGES:
        for text in markdown(load(page)):
            for url in links(text):
                if not url.startswith(BASE):
                    continue
                path, _, anchor = url[len(BASE) :].partition("#")
                html = SITE / (path or "index.html")
                assert html.is_file(), (page, url)
                if anchor:
                    assert f'id="{anchor}"' in html.read_text(), (page, url)
                checked += 1
            for target in re.findall(r"\]\(([^)\s]+)\)", text):
                assert urlparse(target).scheme in ("http", "https"), (page, target)
    assert checked > 300  # refs, terms, citations and each notebook's link to its page


def test_citations_read_author_year():
    text = "\n".join(markdown(load("chapters/data")))
    assert re.search(r"LeCun et al\. \(\[1998\]\(" + re.escape(BASE), text)


def test_the_published_tree_has_what_binder_needs():
    assert (NOTEBOOKS / "binder" / "requirements.txt").is_file()
    assert (NOTEBOOKS / "nnbook" / "__init__.py").is_file()
    assert (NOTEBOOKS / "pyproject.toml").is_file()
    assert not (NOTEBOOKS / "_config.yml").exists()  # outside the book, as on the branch


def test_no_token_type_is_misspelled():
    # the names in MYST_ONLY are token types the parser really produces
    tokens = PARSER.parse("(t)=\n# A\n\n{ref}`t`\n\n% c\n\n+++\n\n:::{note}\nx\n:::\n")
    assert {"myst_target", "myst_role", "myst_line_comment", "myst_block_break"} <= {
        t.type for t in tokens
    } | {c.type for t in tokens for c in (t.children or [])}
    assert isinstance(tokens[0], Token)


def download_and_launch_urls(page):
    html = (SITE / f"{page}.html").read_text()
    colab = re.search(r'href="(https://colab\.research\.google\.com/[^"]+)"', html)[1]
    binder = re.search(r'href="(https://mybinder\.org/[^"]+)"', html)[1]
    download = re.search(r'href="([^"]*_sources/[^"]+\.ipynb)"', html)[1]
    return colab, binder, download


@pytest.mark.parametrize("page", PAGES)
def test_each_button_opens_the_reader_notebook_where_it_is_published(page):
    """Colab's and Binder's URLs name a notebook of the notebooks branch (what the deploy
    workflow pushes from _build/notebooks/); the download button, the same file in the site."""
    colab, binder, download = download_and_launch_urls(page)
    slug = CONFIG["repository"]["url"].removeprefix("https://github.com/")
    prefix = f"https://colab.research.google.com/github/{slug}/blob/notebooks/"
    assert colab.startswith(prefix)
    assert NOTEBOOKS / colab[len(prefix) :] == NOTEBOOKS / f"{page}.ipynb"
    branch, _, urlpath = binder.removeprefix(f"https://mybinder.org/v2/gh/{slug}/").partition("?")
    assert branch == "notebooks" and urlpath == f"urlpath=lab/tree/{page}.ipynb"
    published = (NOTEBOOKS / f"{page}.ipynb").read_text()
    downloaded = (SITE / Path(page).parent / download).resolve()
    assert downloaded.is_file() and downloaded.read_text() == published
