"""Print the whole book to one PDF: _build/pdf/neural-networks.pdf.

    python tools/pdf.py             # build the single-page HTML, then print it
    python tools/pdf.py --no-build  # print the single-page HTML already in _build/singlehtml

The route needs no TeX: `jupyter-book build . --builder singlehtml` writes the book as one HTML
page (reusing the execution cache in _build/.jupyter_cache, so nothing re-executes after a normal
build; set MNIST_PATH in case a page must run), then headless Chromium, driven by Playwright,
prints that page to A4 once MathJax has typeset every formula. For print, the page is arranged
as a book (cover, contents, introduction, each chapter on a new page), the solutions are open,
cells tagged hide-input show only their output, the sidebars and buttons are hidden, and the
in-page recognizer, which needs a reader to draw, is replaced by a note: the stylesheet
tools/print/print.css and the script tools/print/print.js. The PDF has working links and
bookmarks: one per page of the book (the introduction, each chapter), titled exactly as its
heading, with its sections below it. Chromium makes the bookmarks from the laid-out headings and
garbles some titles (a space lost where a heading wraps, a heading doubled at the top of a page),
so pypdf writes them again with the headings' own text, at Chromium's positions.

Needs the Python packages playwright and pypdf (requirements.txt) and a Chromium: $CHROMIUM,
else `chromium`, `chromium-browser`, `google-chrome` or `google-chrome-stable` on the PATH, else
/usr/bin/chromium (Debian's package: sudo apt-get install chromium). tools/browser.py, shared
with the browser tests, finds and starts it and serves the book on a local port.

MathJax comes from a CDN. Offline, point $NNBOOK_MATHJAX at a local copy of the mathjax@3
package (`npm install mathjax@3` -> node_modules/mathjax, the folder holding es5/), or let
`make test` install one in .cache/mathjax: requests for the CDN are then answered from it. Every
other request that leaves the local server is blocked: the PDF depends only on the built book.
"""

import argparse
import datetime
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import yaml
from browser import (
    INSTALL_MATHJAX,
    MATHJAX_CDN,
    BrowserError,
    launch,
    local_mathjax,
    router,
    serve,
)

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "_build" / "singlehtml"
OUTPUT = ROOT / "_build" / "pdf" / "neural-networks.pdf"
PRINT = Path(__file__).resolve().parent / "print"
PRINT_CSS = PRINT / "print.css"  # the printed book's styles, on top of the theme's print rules
PRINT_JS = PRINT / "print.js"  # arranges the page as a book; returns the headings
BOOK = yaml.safe_load((ROOT / "_config.yml").read_text())
TIMEOUT_MS = 120_000
MARGIN_MM = {"top": 18, "bottom": 18, "left": 16, "right": 16}
# The printable part of an A4 page in CSS pixels (96 per inch): the page is laid out at this size.
PRINTABLE = (
    round((210 - MARGIN_MM["left"] - MARGIN_MM["right"]) / 25.4 * 96),
    round((297 - MARGIN_MM["top"] - MARGIN_MM["bottom"]) / 25.4 * 96),
)
SMALL_PRINT = "font-size:8px;width:100%;text-align:center;color:#777;"
HEADER = f'<div style="{SMALL_PRINT}"><span class="title"></span></div>'
FOOTER = (
    f'<div style="{SMALL_PRINT}"><span class="pageNumber"></span> / '
    '<span class="totalPages"></span></div>'
)

# Waits until MathJax has typeset the page, then counts formulas and failures.
MATH_JS = """async () => {
  await MathJax.startup.promise;
  await document.fonts.ready;
  return {
    formulas: document.querySelectorAll("mjx-container").length,
    errors: document.querySelectorAll("mjx-merror").length,
    untypeset: Array.from(document.querySelectorAll(".math"))
      .filter((el) => !el.querySelector("mjx-container")).length,
  };
}"""

IMAGES_LOADED_JS = "() => Array.from(document.images).every((img) => img.complete)"


class PdfError(Exception):
    """A failure, with a message for whoever runs the command."""


def colophon():
    """The small print on the cover: copyright, where the book's source lives, the date."""
    repository = (BOOK.get("repository") or {}).get("url", "")
    copyright = BOOK.get("copyright")
    parts = [
        f"© {copyright} {BOOK.get('author', '')}" if copyright else "",
        f"Source: {repository}" if repository else "",
        f"Printed {datetime.date.today().isoformat()}",
    ]
    return " · ".join(part for part in parts if part)


def build_singlehtml():
    """`jupyter-book build . --builder singlehtml`, from the repository root."""
    executable = shutil.which("jupyter-book") or Path(sys.executable).with_name("jupyter-book")
    if not Path(executable).exists():
        raise PdfError("jupyter-book is not installed: pip install -r requirements.txt")
    print("$ jupyter-book build . --builder singlehtml", flush=True)
    command = [str(executable), "build", ".", "--builder", "singlehtml"]
    if subprocess.run(command, cwd=ROOT, check=False).returncode != 0:
        raise PdfError("The single-page HTML build failed (see its output above).")


def print_pdf(site, output):
    """Print site/intro.html to output; return what was counted on the page."""
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise PdfError(
            "The Python package playwright is missing: pip install -r requirements.txt."
        ) from None
    if not (site / "intro.html").is_file():
        raise PdfError(
            f"No single-page book in {site}: run `python tools/pdf.py` without --no-build."
        )
    mathjax = local_mathjax()
    httpd, base = serve(site)
    aborted, page_errors = set(), []
    try:
        with sync_playwright() as playwright:
            browser = launch(playwright)
            try:
                page = browser.new_page(viewport={"width": PRINTABLE[0], "height": PRINTABLE[1]})
                page.set_default_timeout(TIMEOUT_MS)
                page.route("**/*", router(base, aborted, mathjax, cdn=True))
                page.on("pageerror", lambda error: page_errors.append(str(error)))
                page.emulate_media(media="print", color_scheme="light")
                page.goto(base + "intro.html", wait_until="load")
                try:  # after "load" the deferred MathJax script has run, or failed to load
                    page.wait_for_function("() => window.MathJax?.startup?.promise", timeout=15_000)
                except PlaywrightError:
                    where = f"the local copy {mathjax}" if mathjax else "its CDN (no internet?)"
                    missing = sorted(url for url in aborted if MATHJAX_CDN in url)
                    raise PdfError(
                        f"MathJax did not load from {where}. Offline, {INSTALL_MATHJAX}."
                        + (f"\nMissing: {missing[:3]}" if missing else "")
                    ) from None
                found = page.evaluate(MATH_JS)
                if found["errors"] or found["untypeset"] or not found["formulas"]:
                    raise PdfError(f"MathJax did not typeset the book: {found}")
                page.add_style_tag(content=PRINT_CSS.read_text())
                arguments = {
                    "title": BOOK.get("title", ""),
                    "author": BOOK.get("author", ""),
                    "colophonText": colophon(),
                    "pageHeight": PRINTABLE[1],
                }
                found.update(page.evaluate(PRINT_JS.read_text(), arguments))
                page.wait_for_function(IMAGES_LOADED_JS)
                page.evaluate("document.fonts.ready")
                output.parent.mkdir(parents=True, exist_ok=True)
                page.pdf(
                    path=str(output),
                    format="A4",
                    margin={side: f"{mm}mm" for side, mm in MARGIN_MM.items()},
                    print_background=True,
                    display_header_footer=True,
                    header_template=HEADER,
                    footer_template=FOOTER,
                    tagged=True,  # a tagged PDF; Chromium makes the bookmarks from its headings
                    outline=True,
                )
            finally:
                browser.close()
    finally:
        httpd.shutdown()
        httpd.server_close()
    found["bookmarks"], found["retitled"] = write_outline(output, found.pop("headings"))
    if page_errors:
        print(
            "JavaScript errors on the page (the PDF was written anyway):", *page_errors, sep="\n  "
        )
    return found


def _outline_items(item):
    """The bookmarks under the outline dictionary item, depth first, in the document's order."""
    child = item.get("/First")
    while child is not None:
        child = child.get_object()
        yield child
        yield from _outline_items(child)
        child = child.get("/Next")


def _same_text(title, heading):
    """Whether Chromium's bookmark title is heading, garbled as Chromium garbles them: spaces
    lost, or the heading laid out twice, in whole or in part ("2.4. 2.4. A look at the
    digitsA look at the digits"; a code span in it may come once): the title holds every
    letter of the heading, and what it holds beyond that is part of the heading again."""
    squeezed, expected = Counter(re.sub(r"\s+", "", title)), Counter(re.sub(r"\s+", "", heading))
    extra = squeezed - expected
    return not (expected - squeezed) and not (extra - expected)


def write_outline(pdf, headings):
    """Write the PDF's bookmarks again, in place, from the headings print.js returned (each a
    dict of title and level, in the document's order): each bookmark titled exactly as its
    heading and nested by level, the pages of the book at the top, closed. The positions are
    Chromium's, from the bookmarks it made, one per heading; its titles only have to match.
    Returns (the number of bookmarks, how many titles differed from Chromium's)."""
    try:
        from pypdf import PdfReader, PdfWriter
        from pypdf.generic import DictionaryObject, NameObject, TextStringObject
    except ImportError:
        raise PdfError(
            "The Python package pypdf is missing: pip install -r requirements.txt."
        ) from None
    reader = PdfReader(pdf)
    root = reader.root_object
    items = list(_outline_items(root["/Outlines"].get_object())) if "/Outlines" in root else []
    if len(items) != len(headings):
        raise PdfError(
            f"Chromium made {len(items)} bookmarks for the {len(headings)} headings: "
            "they cannot be matched."
        )
    wrong = [
        (str(item["/Title"]), heading["title"])
        for item, heading in zip(items, headings)
        if not _same_text(str(item["/Title"]), heading["title"])
    ]
    if wrong:
        raise PdfError(f"Chromium's bookmarks are not the headings, in order: {wrong[:3]}")
    del root["/Outlines"]  # the copy leaves Chromium's bookmarks out
    writer = PdfWriter(clone_from=reader)
    parents, retitled = [], 0  # parents[level]: the latest bookmark at that level
    for item, heading in zip(items, headings):
        level = min(max(heading["level"], 0), len(parents))
        bookmark = DictionaryObject({NameObject("/Title"): TextStringObject(heading["title"])})
        for key in ("/Dest", "/A", "/SE"):  # where it goes; its heading in the tagged structure
            if key in item:
                # the same objects in the copy (raw_get: the reference, not a duplicate)
                bookmark[NameObject(key)] = item.raw_get(key).clone(writer)
        parent = parents[level - 1] if level else None
        del parents[level:]
        parents.append(writer.add_outline_item_dict(bookmark, parent=parent, is_open=level > 0))
        retitled += str(item["/Title"]) != heading["title"]
    with tempfile.NamedTemporaryFile(dir=pdf.parent, suffix=".pdf", delete=False) as file:
        writer.write(file)
    os.replace(file.name, pdf)
    return len(items), retitled


def page_count(pdf):
    """The number of pages."""
    from pypdf import PdfReader

    return len(PdfReader(pdf).pages)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--no-build",
        action="store_true",
        help="print the single-page HTML already in _build/singlehtml",
    )
    parser.add_argument(
        "--output", type=Path, default=OUTPUT, help=f"default: {OUTPUT.relative_to(ROOT)}"
    )
    args = parser.parse_args(argv)
    start = time.monotonic()
    try:
        if not args.no_build:
            build_singlehtml()
        built = time.monotonic()
        found = print_pdf(SITE, args.output)
    except (PdfError, BrowserError) as error:
        print(f"tools/pdf.py: {error}", file=sys.stderr)
        return 1
    end = time.monotonic()
    print(
        f"Wrote {args.output}: {page_count(args.output)} pages, "
        f"{args.output.stat().st_size / 1e6:.1f} MB ({found['chapters']} chapters, "
        f"{found['formulas']} formulas, {found['solutions']} solutions, {found['images']} images; "
        f"{found['bookmarks']} bookmarks, {found['retitled']} titles corrected from Chromium's; "
        f"build {built - start:.0f} s, print {end - built:.0f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
