"""Print the whole book to one PDF: _build/pdf/neural-networks.pdf.

    python tools/pdf.py             # build the single-page HTML, then print it
    python tools/pdf.py --no-build  # print the single-page HTML already in _build/singlehtml

The route needs no TeX: `jupyter-book build . --builder singlehtml` writes the book as one HTML
page (reusing the execution cache in _build/.jupyter_cache, so nothing re-executes after a normal
build; set MNIST_PATH in case a page must run), then headless Chromium, driven by Playwright,
prints that page to A4 once MathJax has typeset every formula. For print, the page is arranged
as a book (cover, contents, introduction, each chapter on a new page), the solutions are open,
cells tagged hide-input show only their output, the sidebars and buttons are hidden, and the
in-page recognizer, which needs a reader to draw, is replaced by a note. The PDF has bookmarks
(the headings) and working links.

Needs the Python package playwright and a Chromium: $CHROMIUM, else `chromium` on the PATH, else
/usr/bin/chromium (Debian's package: apt-get install chromium).

MathJax comes from a CDN. Offline, point $NNBOOK_MATHJAX at a local copy of the mathjax@3
package (`npm install mathjax@3` -> node_modules/mathjax, the folder holding es5/): requests for
the CDN are then answered from it. Every other request that leaves the local server is blocked:
the PDF depends only on the built book.
"""

import argparse
import datetime
import functools
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlparse

import yaml

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "_build" / "singlehtml"
OUTPUT = ROOT / "_build" / "pdf" / "neural-networks.pdf"
BOOK = yaml.safe_load((ROOT / "_config.yml").read_text())
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
MATHJAX_CDN = "/mathjax@3/es5/"
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

# Styles for the printed book, on top of the theme's own print rules.
PRINT_CSS = r"""
@page { size: A4; }
html, body { background: #fff !important; }
body { font-size: 10.5pt; }
*, *::before, *::after { animation: none !important; transition: none !important; }

/* Only the article: no header, sidebars, buttons, prev/next links, footers or the theme's own
   print title and contents; cells tagged hide-input (plotting code) show only their output. */
.bd-header, .bd-header-article, .bd-sidebar-primary, .bd-sidebar-secondary, .bd-footer,
.bd-footer-article, .bd-footer-content, .prev-next-area, .header-article-items, .search-button,
.theme-switch-button, #pst-back-to-top, .headerlink, button.toggle-button, .copybtn,
.sidebar-toggle, .skip-link, #jb-print-docs-body, details.toggle-details > summary,
.cell.tag_hide-input > details.hide.above-input { display: none !important; }
.bd-page-width, .bd-container, .bd-container__inner, .bd-main, .bd-content,
.bd-article-container, .bd-article {
  max-width: none !important; width: auto !important; margin: 0 !important;
  padding: 0 !important; overflow: visible !important;
}

/* Each chapter on a new page; headings stay with what follows them; code cells, boxes and
   figures on one page unless longer than half a page (.nn-long, set by PREPARE_JS). */
.toctree-wrapper > section { break-before: page; }
h1, h2, h3, h4, .admonition-title { break-after: avoid; }
figure, img, .cell_input, mjx-container[display="true"], tr { break-inside: avoid; }
.nn-long, .nn-long * { break-inside: auto !important; }

/* Code wraps instead of running off the page. The theme's flex boxes around code keep a cell
   longer than a page from breaking cleanly (an empty box, then the code on the next page). */
.cell_input, .cell_output, div.highlight, div[class*="highlight-"] { display: block !important; }
pre {
  white-space: pre-wrap !important; overflow-wrap: anywhere; overflow: visible !important;
  max-height: none !important;
}
.cell_output, .output, .pst-scrollable-table-container, .table-wrapper {
  max-height: none !important; overflow: visible !important;
}
img { max-width: 100% !important; }

/* Solutions open, without their toggle. */
.admonition.toggle-hidden .admonition-title ~ * {
  height: auto !important; margin: revert !important; opacity: 1 !important;
  visibility: visible !important;
}
.admonition.toggle-hidden { padding-bottom: revert !important; }
/* A box that ends at the foot of a page must not carry its bottom margin and padding alone
   onto a page of its own (a blank page before the next chapter). */
.admonition > :last-child, .admonition > :last-child > :last-child { margin-bottom: 0 !important; }
.toctree-wrapper > section > :last-child, .toctree-wrapper > section > :last-child > :last-child {
  margin-bottom: 0 !important; padding-bottom: 0 !important;
}
.admonition.toggle .admonition-title { padding-right: revert !important; }

/* Cover, contents, the recognizer's note. */
.nn-print-cover { break-after: page; text-align: center; padding-top: 45mm; }
.nn-print-cover img { width: 55mm; height: auto; }
.nn-print-cover h1 { display: block !important; font-size: 36pt; margin: 1.5rem 0 1rem; }
.nn-print-author { font-size: 14pt; color: #555; }
.nn-print-colophon { margin-top: 90mm; font-size: 9pt; color: #777; }
.nn-print-contents { break-after: page; }
.nn-print-contents a { text-decoration: none !important; color: inherit !important; }
.nn-print-contents ul { list-style: none; padding-left: 0; }
.nn-print-contents > ul > li { margin-top: 0.6rem; font-weight: bold; }
.nn-print-contents ul ul { padding-left: 2rem; font-weight: normal; font-size: 0.9em; }
.nn-print-contents ul ul li { display: inline; }
.nn-print-contents ul ul li + li::before { content: " \00b7  "; }
.nn-print-note {
  border: 1px solid #ccc; border-radius: 0.5rem; padding: 0.8rem 1rem; margin: 1.5rem 0;
  font-style: italic;
}
"""

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

# Arranges the page for print (after PRINT_CSS is in: it measures the print layout).
PREPARE_JS = r"""({title, author, colophonText, pageHeight}) => {
  document.title = title;
  document.documentElement.dataset.theme = "light";
  document.documentElement.dataset.mode = "light";
  document.querySelectorAll(".admonition.toggle-hidden")
    .forEach((el) => el.classList.remove("toggle-hidden"));
  document.querySelectorAll("details:not(.above-input)").forEach((el) => { el.open = true; });
  document.querySelectorAll("img[loading]").forEach((el) => { el.loading = "eager"; });

  // The recognizer needs a reader who draws: a note instead.
  const widget = document.getElementById("nn-recognizer");
  if (widget) {
    const note = document.createElement("p");
    note.className = "nn-print-note";
    note.textContent = "Here the online book has the recognizer: draw a digit with the mouse "
      + "or a finger and watch the network's ten probabilities change as you draw.";
    widget.replaceWith(note);
  }

  // A book's order: cover, contents, the introduction, the chapters (the single page puts the
  // chapters where the introduction has its table of contents).
  const chapters = document.querySelector(".bd-article .toctree-wrapper");
  const intro = chapters.parentElement;
  const text = (heading) => Array.from(heading.childNodes)
    .filter((node) => !(node.classList && node.classList.contains("headerlink")))
    .map((node) => node.textContent).join("").replace(/\s+/g, " ").trim();
  const element = (tag, className, content) => {
    const el = document.createElement(tag);
    el.className = className;
    if (content) el.textContent = content;
    return el;
  };
  const link = (target, heading) => {
    const a = document.createElement("a");
    a.href = "#" + target.id;
    a.textContent = heading ? text(heading) : target.id;
    return a;
  };

  const cover = element("div", "nn-print-cover");
  const logo = document.querySelector(".navbar-brand img, img.logo__image");
  if (logo) cover.append(logo.cloneNode());
  cover.append(intro.querySelector("h1"));
  cover.append(element("p", "nn-print-author", author));
  cover.append(element("p", "nn-print-colophon", colophonText));
  intro.prepend(cover);

  const contents = element("nav", "nn-print-contents");
  contents.append(element("h2", "", "Contents"));
  const list = document.createElement("ul");
  for (const chapter of chapters.querySelectorAll(":scope > section")) {
    const item = document.createElement("li");
    item.append(link(chapter, chapter.querySelector("h2")));
    const sections = document.createElement("ul");
    for (const section of chapter.querySelectorAll(":scope > section")) {
      const sub = document.createElement("li");
      sub.append(link(section, section.querySelector("h3")));
      sections.append(sub);
    }
    item.append(sections);
    list.append(item);
  }
  contents.append(list);
  cover.after(contents);
  intro.append(chapters);
  // Each chapter's anchor (span#document-chapters/...) into its chapter: left between two
  // chapters, it can push a page break onto a page of its own.
  chapters.querySelectorAll(":scope > span[id]").forEach((span) => {
    if (span.nextElementSibling) span.nextElementSibling.prepend(span);
  });

  // Code cells, boxes and tables stay on one page, unless longer than half a page: those start
  // where they are instead of after a gap.
  document.querySelectorAll(".cell_input, .admonition, table").forEach((el) => {
    if (el.getBoundingClientRect().height > pageHeight / 2) el.classList.add("nn-long");
  });

  return {
    headings: Array.from(document.querySelectorAll(
      ".bd-article h1, .bd-article h2, .bd-article h3, .bd-article h4, .bd-article h5"
    )).map(text),
    chapters: list.children.length,
    solutions: document.querySelectorAll(".solution").length,
    images: document.images.length,
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


def serve(folder):
    """Serve folder on a local port (the recognizer's fetch() needs http://)."""

    class QuietHandler(SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(QuietHandler, directory=str(folder))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}/"


def router(base, mathjax, missing):
    """A route handler: local requests pass; MathJax's CDN files come from the folder mathjax if
    given (else from the CDN); everything else is aborted. Files missing there go to missing."""
    host = urlparse(base).netloc

    def route(route):
        url = route.request.url
        if urlparse(url).netloc == host:
            return route.continue_()
        if MATHJAX_CDN in url:
            if not mathjax:
                return route.continue_()
            path = mathjax / "es5" / url.split(MATHJAX_CDN, 1)[1].split("?")[0]
            if path.is_file():
                return route.fulfill(path=str(path))
            missing.append(str(path))
        return route.abort()

    return route


def chromium_executable():
    """$CHROMIUM, else `chromium` on the PATH, else /usr/bin/chromium, else None (Playwright's
    own browser, if `playwright install chromium` downloaded one)."""
    if os.environ.get("CHROMIUM"):
        if not Path(os.environ["CHROMIUM"]).is_file():
            raise PdfError(f"$CHROMIUM is {os.environ['CHROMIUM']}, which is not a file.")
        return os.environ["CHROMIUM"]
    if shutil.which("chromium"):
        return shutil.which("chromium")
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").is_file() else None


def local_mathjax():
    """$NNBOOK_MATHJAX as a Path, checked, or None."""
    if not os.environ.get("NNBOOK_MATHJAX"):
        return None
    mathjax = Path(os.environ["NNBOOK_MATHJAX"])
    if not (mathjax / "es5" / "tex-mml-chtml.js").is_file():
        raise PdfError(
            f"$NNBOOK_MATHJAX is {mathjax}, which has no es5/tex-mml-chtml.js: point it at the "
            "mathjax folder that `npm install mathjax@3` writes (node_modules/mathjax)."
        )
    return mathjax


def print_pdf(site, output):
    """Print site/intro.html to output; return what was counted on the page."""
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise PdfError(
            "The Python package playwright is missing: pip install playwright."
        ) from None
    if not (site / "intro.html").is_file():
        raise PdfError(
            f"No single-page book in {site}: run `python tools/pdf.py` without --no-build."
        )
    mathjax = local_mathjax()
    executable = chromium_executable()
    options = {"args": CHROMIUM_ARGS}
    if executable:
        options["executable_path"] = executable

    httpd, base = serve(site)
    missing, page_errors = [], []
    try:
        with sync_playwright() as playwright:
            try:
                browser = playwright.chromium.launch(**options)
            except PlaywrightError as error:
                first_line = str(error).strip().splitlines()[0]
                raise PdfError(
                    f"Could not start Chromium {executable or ''} ({first_line}). Install it "
                    "(apt-get install chromium) or set $CHROMIUM to its path."
                ) from None
            try:
                page = browser.new_page(viewport={"width": PRINTABLE[0], "height": PRINTABLE[1]})
                page.set_default_timeout(TIMEOUT_MS)
                page.route("**/*", router(base, mathjax, missing))
                page.on("pageerror", lambda error: page_errors.append(str(error)))
                page.emulate_media(media="print", color_scheme="light")
                page.goto(base + "intro.html", wait_until="load")
                try:  # after "load" the deferred MathJax script has run, or failed to load
                    page.wait_for_function("() => window.MathJax?.startup?.promise", timeout=15_000)
                except PlaywrightError:
                    where = f"$NNBOOK_MATHJAX ({mathjax})" if mathjax else "its CDN (no internet?)"
                    raise PdfError(
                        f"MathJax did not load from {where}. Offline, set NNBOOK_MATHJAX to a "
                        "local mathjax@3 package folder (npm install mathjax@3)."
                        + (f"\nMissing: {missing[:3]}" if missing else "")
                    ) from None
                found = page.evaluate(MATH_JS)
                if found["errors"] or found["untypeset"] or not found["formulas"]:
                    raise PdfError(f"MathJax did not typeset the book: {found}")
                page.add_style_tag(content=PRINT_CSS)
                arguments = {
                    "title": BOOK.get("title", ""),
                    "author": BOOK.get("author", ""),
                    "colophonText": colophon(),
                    "pageHeight": PRINTABLE[1],
                }
                found.update(page.evaluate(PREPARE_JS, arguments))
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
                    tagged=True,  # Chromium makes the bookmarks from the tagged headings
                    outline=True,
                )
            finally:
                browser.close()
    finally:
        httpd.shutdown()
        httpd.server_close()
    found["repaired"] = fix_outline(output, found.pop("headings"))
    if page_errors:
        print(
            "JavaScript errors on the page (the PDF was written anyway):", *page_errors, sep="\n  "
        )
    return found


TITLE_RE = re.compile(rb"/Title\s*(<[0-9A-Fa-f\s]*>|\((?:\\.|[^\\)])*\))")


def _pdf_string(token):
    """The text of a PDF string token: <hex> (UTF-16 with a byte order mark) or (literal)."""
    if token.startswith(b"<"):
        data = bytes.fromhex(re.sub(rb"\s", b"", token[1:-1]).decode())
        if data[:2] in (b"\xfe\xff", b"\xff\xfe"):
            return data.decode("utf-16")
        return data.decode("latin-1")
    return re.sub(rb"\\(.)", rb"\1", token[1:-1]).decode("latin-1")


def _pdf_token(text):
    """A PDF string token for text."""
    if text.isascii() and text.isprintable():
        return b"(" + re.sub(rb"([\\()])", rb"\\\1", text.encode()) + b")"
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode() + b">"


def _letters(text):
    """The characters of text without spaces, sorted: equal for a text and its scrambles."""
    return "".join(sorted(re.sub(r"\s+", "", text)))


def fix_outline(pdf, headings):
    """Repair the bookmark titles Chromium garbles, in place; return how many it repaired.

    Chromium builds the bookmarks from the headings' laid-out text. A heading laid out twice,
    which happens to some at the top of a page, comes out doubled ("2.4. 2.4. A look at the
    digitsA look at the digits"); such a title is replaced by its heading, the one whose
    characters, spaces aside, are the title's twice over. The new string is shorter and padded
    with spaces, so every byte offset in the file stays valid. (Chromium also drops the space
    where a heading wraps, "one-parametermodel"; restoring it would lengthen the string, so
    those stay as they are.)
    """
    exact = set(headings)
    doubled = {_letters(heading * 2): heading for heading in headings}
    data = bytearray(pdf.read_bytes())
    repaired = 0
    for match in TITLE_RE.finditer(bytes(data)):
        token = match.group(1)
        title = _pdf_string(token)
        heading = None if title in exact else doubled.get(_letters(title))
        new = _pdf_token(heading) if heading else None
        if new and len(new) <= len(token):
            data[match.start(1) : match.end(1)] = new.ljust(len(token))
            repaired += 1
    if repaired:
        pdf.write_bytes(bytes(data))
    return repaired


def page_count(pdf):
    """The number of pages: from pdfinfo if installed, else from the PDF's page tree."""
    if shutil.which("pdfinfo"):
        result = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=False)
        match = re.search(r"^Pages:\s+(\d+)", result.stdout, re.MULTILINE)
        if match:
            return int(match.group(1))
    counts = re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", pdf.read_bytes())
    return max(map(int, counts), default=0)


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
    except PdfError as error:
        print(f"tools/pdf.py: {error}", file=sys.stderr)
        return 1
    end = time.monotonic()
    print(
        f"Wrote {args.output}: {page_count(args.output)} pages, "
        f"{args.output.stat().st_size / 1e6:.1f} MB ({found['chapters']} chapters, "
        f"{found['formulas']} formulas, {found['solutions']} solutions, {found['images']} images; "
        f"{found['repaired']} bookmark titles repaired; "
        f"build {built - start:.0f} s, print {end - built:.0f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
