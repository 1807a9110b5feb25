"""Small Sphinx fixes for the book's HTML."""


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


def setup(app):
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
