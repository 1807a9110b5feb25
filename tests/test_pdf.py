"""The PDF of the whole book, _build/pdf/neural-networks.pdf, written by `python tools/pdf.py`.

Needs, and fails (never skips) without them:
- the PDF: run `python tools/pdf.py` first (after `jupyter-book build .`, it reuses the
  execution cache; offline, set NNBOOK_MATHJAX as for the browser tests);
- poppler-utils (pdfinfo, pdftoppm, pdftotext): `apt-get install poppler-utils`.
"""

import re
import shutil
import subprocess

import numpy as np
import pytest
import yaml
from PIL import Image

from conftest import ROOT

PDF = ROOT / "_build" / "pdf" / "neural-networks.pdf"


def poppler(tool, *args):
    """Run a poppler-utils tool on the PDF and return its standard output."""
    if not shutil.which(tool):
        pytest.fail(f"{tool} is missing: install poppler-utils (apt-get install poppler-utils).")
    result = subprocess.run([tool, *args], capture_output=True, text=True)
    assert result.returncode == 0, f"{tool} {' '.join(args)} failed:\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def pdf():
    if not PDF.is_file():
        pytest.fail(
            f"No PDF at {PDF}: run `python tools/pdf.py` first (it builds the single-page "
            "HTML and prints it with Chromium)."
        )
    return PDF


@pytest.fixture(scope="module")
def text(pdf):
    """The text of every page, whitespace collapsed."""
    return re.sub(r"\s+", " ", poppler("pdftotext", "-enc", "UTF-8", str(pdf), "-"))


def chapter_titles():
    """The first heading of every page in _toc.yml."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [chapter["file"] for part in toc["parts"] for chapter in part["chapters"]]
    titles = []
    for name in files:
        heading = re.search(r"^# (.+)$", (ROOT / f"{name}.md").read_text(), re.M)
        titles.append(re.sub(r"[`*_]", "", heading.group(1)).strip())
    return titles


def test_page_count(pdf):
    info = poppler("pdfinfo", str(pdf))
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    assert 40 <= pages < 600, f"{pages} pages: the whole book prints to somewhere near 180"
    assert re.search(r"^Page size:.*\(A4\)", info, re.M), info


def test_first_page_is_not_blank(pdf, tmp_path):
    poppler("pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page"))
    [png] = tmp_path.glob("page*.png")
    gray = np.asarray(Image.open(png).convert("L"))
    inked = (gray < 250).mean()
    assert inked > 0.01, f"the cover is blank: {inked:.2%} of its pixels are not white"


def test_no_page_is_blank(pdf, tmp_path):
    # A page with nothing but its header and footer: a page break gone wrong.
    poppler("pdftoppm", "-png", "-r", "20", str(pdf), str(tmp_path / "page"))
    blank = []
    for png in sorted(tmp_path.glob("page*.png")):
        gray = np.asarray(Image.open(png).convert("L"))
        body = gray[int(0.05 * len(gray)) : int(0.93 * len(gray))]  # without header and footer
        if (body < 240).mean() < 0.002:
            blank.append(int(png.stem.rsplit("-", 1)[1]))
    assert not blank, f"blank pages: {blank}"


def test_every_chapter_is_in_the_pdf(text):
    missing = [title for title in chapter_titles() if title not in text]
    assert not missing, f"chapters missing from the PDF: {missing}"
    assert "Softmax" in text


def test_math_is_typeset(text):
    # MathJax turns TeX into symbols; TeX source in the text means it did not run.
    assert "∂" in text and "∑" in text, "no typeset math symbols (∂, ∑) in the PDF"
    leftovers = [tex for tex in [r"\frac", r"\partial", r"\sum", "$$"] if tex in text]
    assert not leftovers, f"untypeset TeX in the PDF: {leftovers}"


def test_solutions_are_open(text):
    # A solution printed collapsed would show only its title, directly followed by the next box.
    solutions = re.findall(r"Solution to Exercise \d+\.\d+ (?=(.{0,40}))", text)
    assert len(solutions) >= 16, f"only {len(solutions)} solutions in the PDF"
    empty = [after for after in solutions if re.match(r"(Exercise|Solution to) \d", after)]
    assert not empty, f"{len(empty)} solutions printed without their content"
    labels = [
        label
        for label in ["Show code cell", "Hide code cell", "Click to show", "Click to hide"]
        if label in text
    ]
    assert not labels, f"toggle buttons were printed: {labels}"
