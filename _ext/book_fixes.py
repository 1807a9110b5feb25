"""Small Sphinx fixes for the book's HTML, and the folder where pages share results."""

import os
from pathlib import Path


def _dedupe_scripts(app, pagename, templatename, context, doctree):
    # sphinx-thebe's setup runs twice under Jupyter Book, which writes its inline
    # `const THEBE_JS_URL = ...` script twice (once with filename None, once ''):
    # a SyntaxError in every page's console.
    seen, unique = set(), []
    for script in context.get("script_files", []):
        key = (script.filename or "", tuple(sorted(script.attributes.items())))  # None and "" alike
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"][:] = unique  # in place: Sphinx renders from the same list


def _singlehtml_handlers(app):
    # Sphinx gives the singlehtml builder the node handlers registered for "singlehtml", and
    # falls back to those for "html" only when there are none. sphinx-exercise registers its
    # own, so every node other extensions render for "html" only (the HiddenCellNode that
    # sphinx-jupyterbook-latex puts beside each toctree, myst-nb's hidden cells) is unknown
    # there and `jupyter-book build . --builder singlehtml` (tools/pdf.py) fails. Give
    # singlehtml the html handlers it lacks.
    if app.builder.name != "singlehtml":
        return
    handlers = app.registry.translation_handlers
    single = handlers.setdefault("singlehtml", {})
    for name, pair in handlers.get("html", {}).items():
        single.setdefault(name, pair)


def _share_results(app):
    # nnbook.cache.run keeps long results (trained parameters) in $NNBOOK_CACHE so that a page
    # repeating an earlier page's training reuses it. The kernels that execute the pages inherit
    # this process's environment. Inside _build/, `jupyter-book clean --all` deletes it.
    os.environ.setdefault("NNBOOK_CACHE", str(Path(app.doctreedir).parent / ".nnbook_cache"))


def setup(app):
    _share_results(app)
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    app.connect("builder-inited", _singlehtml_handlers)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
