"""The PDF of the whole book, _build/pdf/neural-networks.pdf, written by `python tools/pdf.py`.

Needs, and fails (never skips) without it, the PDF: run `python tools/pdf.py` first (after
`jupyter-book build .`, it reuses the execution cache; offline, set NNBOOK_MATHJAX as for the
browser tests). The PDF is read with pypdf (its text, pages and bookmarks) and rendered with
pypdfium2, Python packages in requirements.txt: no system package is needed.
"""

import re
import unicodedata

import numpy as np
import pypdfium2
import pytest
import yaml
from pdf import OUTPUT as PDF  # noqa: E402 (tools/pdf.py: where it writes the PDF)
from pypdf import PdfReader

from conftest import ROOT

A4_POINTS = (210 / 25.4 * 72, 297 / 25.4 * 72)  # 595.28 x 841.89


def collapse(text):
    """Text as a reader sees it: ligatures split (NFKC: "ﬁ" -> "fi"), whitespace collapsed."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()


@pytest.fixture(scope="module")
def pdf():
    if not PDF.is_file():
        pytest.fail(
            f"No PDF at {PDF}: run `python tools/pdf.py` first (it builds the single-page "
            "HTML and prints it with Chromium).",
            pytrace=False,
        )
    return PdfReader(PDF)


@pytest.fixture(scope="module")
def page_texts(pdf):
    """The text of each page, collapsed, its words as printed."""
    return [collapse(page.extract_text()) for page in pdf.pages]


@pytest.fixture(scope="module")
def text(page_texts):
    """The text of every page, whitespace collapsed."""
    return " ".join(page_texts)


@pytest.fixture(scope="module")
def reading_order(pdf):
    """The text of every page in the order a reader reads it, top to bottom (pypdf's layout
    mode; in the order of the content stream a box's title can come after its content, and
    layout mode can split a word in two, so the other tests use `text`)."""
    return " ".join(collapse(page.extract_text(extraction_mode="layout")) for page in pdf.pages)


def render(page, dpi):
    """The page as a grayscale image (a numpy array, 0 black to 255 white) at dpi."""
    return np.asarray(page.render(scale=dpi / 72).to_pil().convert("L"))


def chapter_titles():
    """The first heading of every page in _toc.yml."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [chapter["file"] for part in toc["parts"] for chapter in part["chapters"]]
    titles = []
    for name in files:
        heading = re.search(r"^# (.+)$", (ROOT / f"{name}.md").read_text(), re.M)
        titles.append(re.sub(r"[`*_]", "", heading.group(1)).strip())
    return titles


def book_page_titles():
    """The title of every page of the book as printed: the introduction's first heading, then
    chapter_titles(), numbered as the book numbers them (1., 2., ... in a numbered part)."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    intro = re.search(r"^# (.+)$", (ROOT / f"{toc['root']}.md").read_text(), re.M).group(1)
    titles, chapters, number = [intro.strip()], iter(chapter_titles()), 0
    for part in toc["parts"]:
        for _ in part["chapters"]:
            title = next(chapters)
            if part.get("numbered"):
                number += 1
                title = f"{number}. {title}"
            titles.append(title)
    return titles


def bookmarks(pdf, outline=None, depth=0):
    """Every bookmark as (depth, title, the index of the page it opens), in order."""
    for item in pdf.outline if outline is None else outline:
        if isinstance(item, list):  # the bookmarks below the previous one
            yield from bookmarks(pdf, item, depth + 1)
        else:
            yield depth, item.title, pdf.get_destination_page_number(item)


def test_page_count(pdf):
    pages = len(pdf.pages)
    assert 40 <= pages < 600, f"{pages} pages: the whole book prints to somewhere near 180"
    # A4 as pdfinfo reports it: within a point of 210 x 297 mm
    sizes = {(float(page.mediabox.width), float(page.mediabox.height)) for page in pdf.pages}
    not_a4 = [s for s in sizes if abs(s[0] - A4_POINTS[0]) >= 1 or abs(s[1] - A4_POINTS[1]) >= 1]
    assert not not_a4, f"pages that are not A4 (points): {not_a4}"


def test_first_page_is_not_blank(pdf):
    document = pypdfium2.PdfDocument(PDF)
    try:
        gray = render(document[0], dpi=50)
    finally:
        document.close()
    inked = (gray < 250).mean()
    assert inked > 0.01, f"the cover is blank: {inked:.2%} of its pixels are not white"


def test_no_page_is_blank(pdf):
    # A page with nothing but its header and footer: a page break gone wrong.
    blank = []
    document = pypdfium2.PdfDocument(PDF)
    try:
        for number, page in enumerate(document, start=1):
            gray = render(page, dpi=20)
            body = gray[int(0.05 * len(gray)) : int(0.93 * len(gray))]  # without header and footer
            if (body < 240).mean() < 0.002:
                blank.append(number)
    finally:
        document.close()
    assert not blank, f"blank pages: {blank}"


def test_every_chapter_is_in_the_pdf(text):
    missing = [title for title in chapter_titles() if title not in text]
    assert not missing, f"chapters missing from the PDF: {missing}"
    assert "Softmax" in text


def test_bookmarks_are_the_pages_of_the_book(pdf):
    # One bookmark per page of the book, at the top of the outline, titled exactly as the page's
    # heading (Chromium's own bookmarks lost spaces and doubled titles: tools/pdf.py rewrites them)
    top = [title for depth, title, _ in bookmarks(pdf) if depth == 0]
    assert top == book_page_titles()


def test_every_bookmark_opens_its_heading(pdf, page_texts):
    # Each bookmark, sections included, is titled as its heading, printed on the page it opens
    found = list(bookmarks(pdf))
    assert len(found) > 2 * len(book_page_titles()), "the sections have no bookmarks"
    wrong = [
        (title, page + 1) for _, title, page in found if collapse(title) not in page_texts[page]
    ]
    assert not wrong, f"bookmarks whose title is not on the page they open: {wrong}"


def test_math_is_typeset(text):
    # MathJax turns TeX into symbols; TeX source in the text means it did not run.
    assert "∂" in text and "∑" in text, "no typeset math symbols (∂, ∑) in the PDF"
    leftovers = [tex for tex in [r"\frac", r"\partial", r"\sum", "$$"] if tex in text]
    assert not leftovers, f"untypeset TeX in the PDF: {leftovers}"


def test_solutions_are_open(reading_order):
    # A solution printed collapsed would show only its title, directly followed by the next box.
    solutions = re.findall(r"Solution to Exercise \d+\.\d+ (?=(.{0,40}))", reading_order)
    assert len(solutions) >= 16, f"only {len(solutions)} solutions in the PDF"
    empty = [after for after in solutions if re.match(r"(Exercise|Solution to) \d", after)]
    assert not empty, f"{len(empty)} solutions printed without their content"
    labels = [
        label
        for label in ["Show code cell", "Hide code cell", "Click to show", "Click to hide"]
        if label in reading_order
    ]
    assert not labels, f"toggle buttons were printed: {labels}"


def test_worked_answers_are_printed(text):
    # On the page the answers after the fill-in cells are collapsed; a printed book shows them.
    flat = re.sub(r"\s+", "", text)
    for answer in ["dW3 = h2.T @ dlogits", "dw = x * dh_pre", "def maxpool2d_backward(",
                   "dx[:, :, u::k, v::k] = dout * (where == u * k + v)",
                   "dW = (dZ @ cols.transpose(1, 2)).sum(0).view_as(W)"]:  # fmt: skip
        assert re.sub(r"\s+", "", answer) in flat, f"not printed: {answer}"
    assert "Show code cell" not in text and "Hide code cell" not in text


def test_explorable_figures_print_as_their_pictures(text):
    # print.js removes the live figures and keeps the pictures the pages draw for them, with
    # captions that say what the web version adds; no control or status line is printed
    assert text.count("In the web version this is a live") == 4  # ("ﬁgure": a ligature)
    for control in ["Learning rate η", "Every weight times", "Loading..."]:
        assert control not in text, f"a live figure's {control!r} was printed"
