"""Small Sphinx fixes for the book's HTML, and the folder where pages share results."""

import os
import shutil
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


def _executed_notebook_with_outputs(app, doctree):
    # myst-nb writes _build/jupyter_execute/<page>.ipynb (which the download button offers and
    # tests/test_pages.py reads) from the notebook it parsed. When it executes the page, that
    # notebook holds the outputs; when it takes the page from the execution cache (executed by
    # tools/build.py, or by an earlier build), it renders the cached outputs but writes the
    # notebook without them. Write it again with the cached outputs merged in.
    import nbformat
    from jupyter_cache import get_cache

    build = Path(app.outdir).parent
    path = build / "jupyter_execute" / f"{app.env.docname}.ipynb"
    if not path.is_file():
        return  # not a notebook page
    notebook = nbformat.read(path, as_version=4)
    if any(cell.get("outputs") for cell in notebook.cells):
        return  # executed in this build: the outputs are there
    try:
        _, merged = get_cache(build / ".jupyter_cache").merge_match_into_notebook(notebook)
    except KeyError:
        return  # not in the cache
    nbformat.write(merged, path)


def _fresh_static_files(app, exception):
    # Sphinx copies html_static_path only when some page is rebuilt: after an edit to a script
    # or stylesheet alone (widgets/widgets.js, _static/widgets.css) it says "no targets are out
    # of date" and the site keeps the old copy. Copy the files again where they differ.
    if exception is not None or app.builder.format != "html":
        return
    static = Path(app.outdir) / "_static"
    for entry in app.config.html_static_path:
        source = Path(app.confdir) / entry
        pairs = (
            [(source, static / source.name)]
            if source.is_file()
            else [
                (file, static / file.relative_to(source))
                for file in source.rglob("*")
                if file.is_file()
            ]
        )  # a folder's files go into _static/ itself
        for file, target in pairs:
            if target.is_file() and file.read_bytes() != target.read_bytes():
                shutil.copyfile(file, target)


def setup(app):
    _share_results(app)
    app.connect("build-finished", _fresh_static_files)
    app.connect("doctree-read", _executed_notebook_with_outputs)
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    app.connect("builder-inited", _singlehtml_handlers)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
