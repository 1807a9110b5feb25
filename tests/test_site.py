"""The built book in headless Chromium: every page loads cleanly, its images load, its formulas
render, search works, and the launch buttons open notebooks that exist; and in its HTML, every
image has alt text that says what it shows."""

import re
from html.parser import HTMLParser

import pytest
import yaml

from conftest import ROOT, SITE, local_only, notebook_pages

TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())
PAGES = [TOC["root"]] + [c["file"] for part in TOC["parts"] for c in part["chapters"]]


@pytest.fixture(scope="module")
def tab(browser, server, mathjax):
    """Open a page of the built book; returns (page, errors). Needs the local MathJax (the
    mathjax fixture): there is no CDN here, and formulas must render."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})

    def open_page(path):
        page = context.new_page()
        errors, aborted = [], set()
        page.route("**/*", local_only(server, aborted))
        page.on("console", lambda m: errors.append(m) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(f"uncaught: {e}"))
        page.goto(server + path, wait_until="load")
        if page.locator("script[src*=mathjax]").count():
            page.wait_for_function(
                "() => window.MathJax && MathJax.startup && MathJax.startup.promise"
            )
            page.evaluate("() => MathJax.startup.promise")  # typesetting finished
        # a resource that failed because we aborted it (an external link's favicon, say) is no error
        real = [
            e
            for e in errors
            if isinstance(e, str)
            or not (
                e.text.startswith("Failed to load resource") and e.location.get("url") in aborted
            )
        ]
        return page, [e if isinstance(e, str) else e.text for e in real]

    yield open_page
    context.close()


@pytest.mark.parametrize("name", PAGES)
def test_page_loads_cleanly(tab, name):
    page, errors = tab(f"{name}.html")
    assert not errors, f"console errors on {name}: {errors}"
    broken = page.evaluate("""() => [...document.images]
        .filter(img => !(img.complete && img.naturalWidth > 0)).map(img => img.src)""")
    assert not broken, f"images that did not load on {name}: {broken}"
    assert page.locator("mjx-merror").count() == 0, f"MathJax errors on {name}"
    source = (ROOT / f"{name}.md").read_text()
    if "$" in source:  # a page with formulas shows them typeset, not as raw TeX
        assert page.locator("mjx-container").count() > 0, f"no typeset math on {name}"
        text = page.locator("main").inner_text()
        assert "\\frac" not in text and "\\begin{bmatrix}" not in text, f"raw TeX on {name}"
    page.close()


def test_search_finds_softmax(tab):
    page, errors = tab("search.html?q=softmax")
    page.wait_for_selector("#search-results li", timeout=15_000)
    results = page.locator("#search-results li a").evaluate_all("links => links.map(a => a.href)")
    assert any("chapters/activations.html" in href for href in results), results
    assert not errors
    page.close()


@pytest.mark.parametrize("name", notebook_pages())
def test_launch_buttons_open_the_reader_notebook(name):
    # Colab and Binder open the notebook on the notebooks branch, and the download button
    # offers the same file (tests/test_reader_notebooks.py checks each URL against the files);
    # nothing points at a .md file, which Colab cannot open
    html = (SITE / f"{name}.html").read_text()
    config = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]
    repo = config["url"].removeprefix("https://github.com/")
    colab = f"https://colab.research.google.com/github/{repo}/blob/notebooks/{name}.ipynb"
    binder = f"https://mybinder.org/v2/gh/{repo}/notebooks?urlpath=lab/tree/{name}.ipynb"
    assert colab in html and binder in html
    assert not re.search(r'(colab|mybinder)[^"]*\.md"', html)
    assert "initThebeSBT()" in html  # the live code (Thebe) button
    downloaded = SITE / "_sources" / f"{name}.ipynb"
    assert f"_sources/{name}.ipynb" in html and downloaded.is_file()
    assert re.search(
        r'"output_type": "(stream|execute_result|display_data)"', downloaded.read_text()
    )


class _Images(HTMLParser):
    """The attributes of every <img> of an HTML page."""

    def __init__(self):
        super().__init__()
        self.images = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append(dict(attrs))


@pytest.mark.book  # reads the built HTML only: no browser needed
@pytest.mark.parametrize("name", PAGES)
def test_every_image_has_alt_text_that_says_what_it_shows(name):
    # a figure a cell draws gets its alt text from the cell's metadata, beside its caption:
    # `mystnb: image: alt: "..."`; without it the alt text is the image file's path
    parser = _Images()
    parser.feed((SITE / f"{name}.html").read_text())
    bad = []
    for image in parser.images:
        alt, src = (image.get("alt") or "").strip(), image.get("src", "")
        words = re.findall(r"[A-Za-z]+", alt)
        figure = "_images/" in src  # a figure of the page, not the theme's logos
        if "/" in alt or ".png" in alt.lower() or len(words) < (8 if figure else 2):
            bad.append((src, alt))
    assert parser.images
    assert not bad, f"images on {name} without alt text that describes them: {bad}"
