"""The notebooks readers open in Colab, Binder or Jupyter, written by the book's build.

For every page that is a notebook, at the end of an HTML build, this extension writes
`_build/notebooks/chapters/<page>.ipynb`: the page as the book shows it, in plain Jupyter
Markdown, with the outputs of the build. The deploy workflow publishes `_build/notebooks/` to
the repository's `notebooks` branch, and the page's Colab and Binder buttons open it there;
the download button offers the same file.

What changes from the MyST page (Markdown cells are converted with Sphinx's own data: labels,
figure numbers, glossary terms, citations and glue values of the finished build):

- {glue:text} values become the text the page shows; {ref}, {numref} and {term} become links
  to the HTML book (the section, figure or glossary entry); {cite:t} and {cite:p} read
  "Author (year)" and "(Author, year)" with a link to the references page;
- exercises become a heading, solutions a heading with their prose in a collapsible
  <details> and their code cells collapsed; admonitions become block quotes, collapsed ones
  (class dropdown: the hints) a <details>; `(label)=` targets disappear; raw HTML (the
  recognizer, the explorable figures) becomes a link to its section (or page) of the website;
- a figure's caption follows its cell as "Fig. N. caption";
- code cells tagged remove-cell (the build's plumbing: glue, checks of the prose) are left
  out, as on the page; hide-input cells keep their code, collapsed; glue outputs are dropped;
- a first cell installs the helper package nnbook when the notebook runs in Colab.

Anything the converter does not know (a new role or directive) stops the build with an error
that names it, so no raw MyST reaches a reader. tests/test_reader_notebooks.py parses every
Markdown cell with MyST's own parser and checks that nothing of MyST is left.
"""

import ast
import functools
import json
import posixpath
import re
import shutil
from pathlib import Path
from urllib.parse import urljoin

import nbformat
from docutils import nodes
from sphinx import addnodes
from sphinx.errors import ExtensionError

BRANCH = "notebooks"  # where the deploy workflow publishes _build/notebooks

INSTALL_CELL = """\
# In Colab: install the book's helper package, nnbook, from {branch} of the book's repository.
# Anywhere else (your computer, Binder) this cell does nothing.
import sys

if "google.colab" in sys.modules:
    import subprocess

    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "nnbook @ git+{url}@{branch}"], check=True)"""  # noqa: E501 (the cell as it appears in the notebook)

ROLE_OR_CODE = re.compile(
    r"(?P<role>\{(?P<name>[a-z][\w:-]*)\}`(?P<text>[^`]+)`)|(?P<code>(`+)[\s\S]*?(?<!`)\5(?!`))"
)
TARGET = re.compile(r"^\s*\([\w.:-]+\)=\s*$")
FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|:{3,})\{(?P<name>[\w:-]+)\}[ \t]*(?P<arg>.*)$")
OPTION = re.compile(r"^ *:(?P<key>[\w-]+):[ \t]*(?P<value>.*)$")
CITE = re.compile(r"^(?:\{(?P<pre>[^}]*)\})?(?P<key>[^{}]+)(?:\{(?P<post>[^}]*)\})?$")
EXPLICIT = re.compile(r"^(?P<title>.*?)\s*<(?P<target>[^<>]+)>$")
# Markers between blocks() and _markdown_cell: a new cell starts (a solution's, or any)
START, END, CUT = "\x00solution-start", "\x00solution-end", "\x00cut"
DETAILS = "<details><summary>Solution</summary>\n\n{}\n\n</details>"  # a solution's prose
ADMONITIONS = {"note", "important", "tip", "hint", "warning", "caution", "attention", "seealso"}


class Converter:
    """Converts the pages of one finished build; `notebook(docname)` gives one notebook."""

    def __init__(self, app):
        self.app = app
        self.env = app.env
        self.base = app.config.html_baseurl.rstrip("/") + "/"
        if not app.config.html_baseurl:
            raise ExtensionError("reader_notebooks: set html.baseurl in _config.yml")
        self.build = Path(app.outdir).parent
        self.repository = _repository(app)
        self.glue_data = {}  # docname -> its glue data, read once

    # -- whole notebooks -------------------------------------------------------------------

    def notebook(self, docname):
        executed = self.build / "jupyter_execute" / f"{docname}.ipynb"
        source = nbformat.read(executed, as_version=4)
        self.docname, self.glue = docname, self._glue(docname)
        self._check_removed_cells(source.cells)
        self.heading_level, self.solution = 1, None
        self.label, self.section = None, None  # the last target; the section it labels
        cells = [self._install_cell()]
        for cell in source.cells:
            if cell.cell_type == "markdown":
                cells.extend(self._markdown_cell(cell.source))
            elif cell.cell_type == "code":
                cells.extend(self._code_cell(cell))
        if self.solution:
            raise self._error(f"solution of {self.solution} has no solution-end")
        self._add_book_link(cells)
        notebook = nbformat.v4.new_notebook(cells=cells)
        notebook.metadata = {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
            "colab": {"provenance": []},
        }
        for i, cell in enumerate(notebook.cells):
            cell.id = f"cell-{i}"  # stable ids: the same page always gives the same file
        nbformat.validate(notebook)
        return notebook

    def _install_cell(self):
        return nbformat.v4.new_code_cell(INSTALL_CELL.format(**self.repository))

    def _add_book_link(self, cells):
        """A line under the page's title: where the page is, and what the notebook holds."""
        for cell in cells:
            if cell.cell_type == "markdown" and cell.source.startswith("# "):
                title, _, rest = cell.source.partition("\n")
                cell.source = (
                    f"{title}\n\n> This notebook is a page of the book "
                    f"[*Neural Networks*]({self.base}): [read it there]"
                    f"({self.url(self.docname)}). It shows the outputs computed when the book "
                    "was built; run the cells to compute them again. In Colab, the first code "
                    "cell installs the book's helper package, `nnbook`.\n" + rest
                )
                return
        raise self._error("no title (a line starting with '# ')")

    # -- code cells ------------------------------------------------------------------------

    def _check_removed_cells(self, cells):
        """Stop if a cell the notebook leaves out (remove-cell) defines a name that a later
        cell uses: the reader's notebook would fail there with a NameError."""
        defined, removed = set(), {}
        for i, cell in enumerate(c for c in cells if c.cell_type == "code"):
            code = "\n".join(
                line
                for line in cell.source.splitlines()
                if not line.lstrip().startswith(("%", "!"))
            )
            tree = ast.parse(code)
            binds = _bound_names(tree)
            if "remove-cell" in cell.metadata.get("tags", []):
                removed.update(dict.fromkeys(binds - defined, i))
                continue
            used = {
                n.id
                for n in ast.walk(tree)
                if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
            }
            missing = (used & set(removed)) - defined - binds
            if missing:
                raise self._error(
                    f"code cell {i} uses {sorted(missing)}, defined only in code cell "
                    f"{removed[min(missing)]}, which is tagged remove-cell and left out of the "
                    "reader's notebook: define it in a cell the reader sees"
                )
            defined |= binds

    def _code_cell(self, cell):
        tags = set(cell.metadata.get("tags", []))
        if "remove-cell" in tags:
            return []
        for word in ("myst_nb", "glue("):
            if word in cell.source:
                raise self._error(f"a code cell the reader sees uses {word}: tag it remove-cell")
        outputs = [o for o in cell.get("outputs", []) if "scrapbook" not in o.get("metadata", {})]
        if "remove-output" in tags:
            outputs = []
        new = nbformat.v4.new_code_cell(cell.source, outputs=outputs)
        new.execution_count = cell.get("execution_count")
        jupyter = {}
        if tags & {"hide-input", "remove-input"} or self.solution:
            jupyter["source_hidden"] = True
        if "hide-output" in tags or self.solution:
            jupyter["outputs_hidden"] = True
        if jupyter:
            new.metadata["jupyter"] = jupyter
        if tags:
            new.metadata["tags"] = sorted(tags)
        cells = [new]
        figure = cell.metadata.get("mystnb", {}).get("figure")
        if figure:
            caption = self.inline(str(figure.get("caption", "")).strip())
            number = self._figure_number(figure.get("name"))
            text = f"*{number}{caption}*"
            if self.solution:  # the figure is collapsed with its cell: so is its caption
                text = DETAILS.format(text)
            cells.append(nbformat.v4.new_markdown_cell(text))
        return cells

    def _figure_number(self, name):
        if not name:
            return ""
        text, _ = self.resolve("numref", name)
        return f"{text}. "

    # -- Markdown cells --------------------------------------------------------------------

    def _markdown_cell(self, text):
        """One Markdown cell; where a solution starts or ends, it is split in two.

        A solution's prose is wrapped in <details> (collapsed, as on the page); its code cells
        are collapsed by their metadata (see _code_cell).
        """
        inside = self.solution is not None
        lines = self.blocks(text.splitlines())
        cells, part = [], []

        def flush():
            body = re.sub(r"\n{3,}", "\n\n", "\n".join(part)).strip("\n")
            if body.strip():
                if inside:
                    body = DETAILS.format(body)
                cells.append(nbformat.v4.new_markdown_cell(body))
            part.clear()

        for line in lines:
            if line.strip() in (START, END, CUT):
                flush()
                inside = {START: True, END: False, CUT: inside}[line.strip()]
            else:
                part.append(line)
        flush()
        return cells

    def blocks(self, lines):
        """Convert directives (and drop targets) in a list of lines; inline roles too.

        Roles are replaced in runs of lines between directives, so that a role broken over
        two lines is found as MyST finds it.
        """
        out, run, i = [], [], 0

        def flush():
            if run:
                out.extend(self.inline("\n".join(run)).split("\n"))
                run.clear()

        while i < len(lines):
            line = lines[i]
            if TARGET.match(line):
                self.label = line.strip()[1:-2]
                i += 1
                continue
            match = FENCE.match(line)
            if not match:
                heading = re.match(r"^(#{1,6}) ", line)
                if heading:  # the page's own headings: exercises go one level below
                    self.heading_level = len(heading.group(1))
                    self.section, self.label = self.label, None
                run.append(line)
                i += 1
                continue
            flush()
            indent, fence = match["indent"], match["fence"]
            closing = re.compile(rf"^ *{re.escape(fence[0])}{{{len(fence)},}}\s*$")
            j = i + 1
            options = {}
            while j < len(lines) and OPTION.match(lines[j]):
                options[OPTION.match(lines[j])["key"]] = OPTION.match(lines[j])["value"]
                j += 1
            body_start = j
            while j < len(lines) and not closing.match(lines[j]):
                j += 1
            if j == len(lines):
                raise self._error(f"directive {match['name']} is not closed")
            body = lines[body_start:j]
            while body and not body[0].strip():
                body = body[1:]
            converted = self.directive(match["name"], match["arg"].strip(), options, body)
            out.extend(indent + x if x else x for x in converted)
            i = j + 1
        flush()
        return out

    def directive(self, name, arg, options, body):
        if name == "exercise":
            label = options.get("label")
            number = self.resolve("numref", label)[0] if label else "Exercise"
            title = f"{number}" + (f" ({self.inline(arg)})" if arg else "")
            heading = "#" * min(self.heading_level + 1, 6)
            return [CUT, f"{heading} {title}", "", *self.blocks(body), CUT]
        if name == "solution-start":
            if self.solution:
                raise self._error(f"solution of {arg} inside the solution of {self.solution}")
            self.solution = arg
            number = self.resolve("numref", arg)[0]
            heading = "#" * min(self.heading_level + 1, 6)
            return [CUT, f"{heading} Solution to {number}", START]
        if name == "solution-end":
            if not self.solution:
                raise self._error("solution-end without solution-start")
            self.solution = None
            return [END]
        if name in ADMONITIONS or name == "admonition":
            title = self.inline(arg) if name == "admonition" else name.capitalize()
            inner = _squeeze(self.blocks(body))
            if "dropdown" in options.get("class", "").split():  # collapsed, as on the page
                summary = f"<details><summary>{title}</summary>"
                return [CUT, summary, "", *inner, "", "</details>", CUT]
            return ["", f"> **{title}**", ">", *[f"> {x}".rstrip() for x in inner], ""]
        if name == "glue":
            return self.glue_block(arg)
        if name == "raw":  # a link to the section that holds it, if labelled, else the page
            text, url = (
                self.resolve("ref", self.section)
                if self.section
                else (self.title(self.docname), self.url(self.docname))
            )
            return [
                "",
                "> The interactive part of this page runs only in the book's web page: "
                f"[{text}]({url}).",
                "",
            ]
        raise self._error(f"the converter does not know the directive {{{name}}}")

    def inline(self, text):
        """Replace the roles in one line or paragraph (not inside code spans)."""

        def replace(match):
            if match["code"]:
                return match["code"]
            name, content = match["name"], match["text"]
            if name == "glue:text":
                return self.glue_text(content)
            if name in ("ref", "numref", "term", "doc"):
                explicit = EXPLICIT.match(content)
                title, target = (
                    (explicit["title"], explicit["target"]) if explicit else (None, content)
                )
                text, url = self.resolve(name, target, title)
                return f"[{text}]({url})"
            if name in ("cite:t", "cite:p"):
                return self.cite(name, content)
            raise self._error(f"the converter does not know the role {{{name}}}")

        return ROLE_OR_CODE.sub(replace, text)

    # -- what the build knows ---------------------------------------------------------------

    def url(self, docname, anchor=""):
        return f"{self.base}{docname}.html" + (f"#{anchor}" if anchor else "")

    def title(self, docname):
        return self.env.titles[docname].astext()

    def resolve(self, role, target, title=None):
        """(text, absolute URL) of a cross-reference, resolved by Sphinx's standard domain."""
        std = self.env.get_domain("std")
        if role == "doc":
            doc = posixpath.normpath(posixpath.join(posixpath.dirname(self.docname), target))
            return title or self.title(doc), self.url(doc)
        exercises = getattr(self.env, "sphinx_exercise_registry", {})
        if role == "ref" and target in exercises and title is None:
            role = "numref"  # sphinx-exercise shows a reference to an exercise as its number
        content = nodes.inline(title or target, title or target)
        node = addnodes.pending_xref(
            "",
            content,
            refdomain="std",
            reftype=role,
            reftarget=target.lower() if role in ("ref", "numref") else target,
            refexplicit=title is not None,
            refdoc=self.docname,
        )
        try:
            ref = std.resolve_xref(
                self.env, self.docname, self.app.builder, role, node["reftarget"], node, content
            )
        except Exception as error:  # a numref to something without a number, for example
            raise self._error(f"cannot resolve {{{role}}}`{target}`: {error}") from error
        if ref is None:
            raise self._error(f"cannot resolve {{{role}}}`{target}`")
        page = f"{self.base}{self.docname}.html"
        url = urljoin(page, ref["refuri"]) if ref.get("refuri") else f"{page}#{ref['refid']}"
        return ref.astext(), url

    def cite(self, role, keys):
        """Author-year, as sphinxcontrib-bibtex's author_year style: "LeCun et al. (1998)",
        "(LeCun et al., 1998)", with `{pre}key{post}` notes; linked to the entry."""
        domain = self.env.get_domain("cite")
        entries = []
        for item in [k.strip() for k in keys.split(",")]:
            parts = CITE.match(item)
            key = parts["key"].strip()
            citation = next((c for c in domain.citations if c.key == key), None)
            if citation is None:
                raise self._error(f"no citation {key} on the references page")
            fields, persons = citation.entry.fields, citation.entry.persons
            names = [p.last_names[-1] for p in persons.get("author", persons.get("editor", []))]
            names = [re.sub(r"[{}]", "", n) for n in names]
            who = f"{names[0]} et al." if len(names) >= 3 else " and ".join(names)
            url = self.url(citation.bibliography_key.docname, citation.citation_id)
            pre = f"{parts['pre']} " if parts["pre"] else ""
            post = f", {parts['post']}" if parts["post"] else ""
            entries.append((pre, who, fields["year"], post, url))
        if role == "cite:t":
            return "; ".join(
                f"{who} ([{pre}{year}{post}]({url}))" for pre, who, year, post, url in entries
            )
        inner = "; ".join(
            f"{pre}[{who}, {year}]({url}){post}" for pre, who, year, post, url in entries
        )
        return f"({inner})"

    def _glue(self, docname):
        if docname not in self.glue_data:
            path = self.build / "jupyter_execute" / f"{docname}.glue.json"
            self.glue_data[docname] = json.loads(path.read_text()) if path.is_file() else {}
        return self.glue_data[docname]

    def glue_text(self, content):
        from myst_nb.core.variables import format_plain_text

        key, _, fmt = (
            content.rpartition(":") if ":" in content.split("::")[-1] else (content, "", "")
        )
        if not key:
            key, fmt = content, ""
        data = self.glue
        if "::" in key:
            path, key = key.split("::", 1)
            doc = posixpath.normpath(posixpath.join(posixpath.dirname(self.docname), path))
            data = self._glue(doc.rsplit(".", 1)[0])
        if key not in data:
            raise self._error(f"no glued value {key}")
        return format_plain_text(data[key]["data"]["text/plain"], fmt or "s")

    def glue_block(self, key):
        if key not in self.glue:
            raise self._error(f"no glued value {key}")
        data = self.glue[key]["data"]
        if set(data) - {"text/plain"}:
            raise self._error(f"glued {key} is not plain text: teach the converter its type")
        return ["", "```", *data["text/plain"].splitlines(), "```", ""]

    def _error(self, message):
        return ExtensionError(f"reader notebook of {self.docname}: {message}")


def _squeeze(lines):
    """Lines without blank lines at either end or two in a row."""
    out = []
    for line in lines:
        if line.strip() or (out and out[-1].strip()):
            out.append(line)
    while out and not out[-1].strip():
        out.pop()
    return out


def _bound_names(tree):
    """The names a piece of code assigns, imports or defines."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names


def _repository(app):
    """The book's repository and branch, as Jupyter Book passes them to the theme from
    `repository:` in _config.yml."""
    options = app.config.html_theme_options
    return {"url": options["repository_url"], "branch": options["repository_branch"]}


def notebook_pages(app):
    """The documents of the build that myst-nb executed as notebooks."""
    folder = Path(app.outdir).parent / "jupyter_execute"
    return sorted(
        docname for docname in app.env.found_docs if (folder / f"{docname}.ipynb").is_file()
    )


def write_notebooks(app, exception):
    """At the end of an HTML build: _build/notebooks, and the download button's files."""
    if exception is not None or app.builder.name != "html":
        return
    converter = Converter(app)
    root = Path(app.confdir)
    target = Path(app.outdir).parent / "notebooks"
    if target.exists():
        shutil.rmtree(target)
    # Sphinx unpickles a page's doctree for every {numref} to it; the notebooks only read them,
    # so each page is unpickled once here (6 s of an unchanged rebuild otherwise).
    app.env.get_doctree = functools.cache(app.env.get_doctree)
    try:
        for docname in notebook_pages(app):
            text = nbformat.writes(converter.notebook(docname)) + "\n"
            download = Path(app.outdir, "_sources", f"{docname}.ipynb")
            for path in (target / f"{docname}.ipynb", download):
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text)
    finally:
        del app.env.get_doctree  # the class's method again
    # What Binder needs beside the notebooks: its environment and the package it installs.
    for name in ("binder", "nnbook"):
        shutil.copytree(root / name, target / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "LICENSE"):
        shutil.copy2(root / name, target / name)
    (target / "README.md").write_text(
        "# Neural Networks: the notebooks\n\n"
        f"The pages of the book [*Neural Networks*]({converter.base}) as Jupyter notebooks, with "
        "the outputs of the book's build. Written by the build and published here by the "
        "deploy workflow: do not edit them here, edit the pages on the main branch.\n"
    )


def launch_urls(app, docname):
    """The Colab and Binder URLs of a page's notebook on the notebooks branch."""
    slug = _repository(app)["url"].removeprefix("https://github.com/").strip("/")
    launch = app.config.html_theme_options.get("launch_buttons", {})
    binder = launch.get("binderhub_url", "https://mybinder.org").rstrip("/")
    colab = launch.get("colab_url", "https://colab.research.google.com").rstrip("/")
    ui = "lab/tree" if launch.get("notebook_interface") == "jupyterlab" else "tree"
    return {
        "Colab": f"{colab}/github/{slug}/blob/{BRANCH}/{docname}.ipynb",
        "Binder": f"{binder}/v2/gh/{slug}/{BRANCH}?urlpath={ui}/{docname}.ipynb",
    }


def point_launch_buttons(app, pagename, templatename, context, doctree):
    """Make the theme's Colab and Binder buttons open the reader notebook."""
    urls = launch_urls(app, pagename)

    def walk(buttons):
        for button in buttons:
            if button.get("text") in urls and "url" in button:
                button["url"] = urls[button["text"]]
            walk(button.get("buttons", []))

    walk(context.get("header_buttons", []))


def setup(app):
    app.connect("html-page-context", point_launch_buttons, priority=600)  # after the theme's
    app.connect("build-finished", write_notebooks)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
