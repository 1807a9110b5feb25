"""The book's pages as the build sees them: which page needs which, and when a page is stale.

This is the one place where the hand-over of results between pages is declared. The fast
build (`tools/build.py`) derives from it the order in which it executes the pages, the Sphinx
extension `_ext/fresh_pages.py` derives from it when a page must execute again, and
`tests/test_build_tool.py` checks it against the pages' code.

NEEDS: a page reads what another page computed (through `nnbook.cache`), so it executes only
after that page has finished, and again whenever that page executes again.

TIMED: the pages that compare durations they measure. Each runs alone, on every core, so
that no other page's work changes their numbers.

A page's *fingerprint* is everything its outputs depend on besides its own code (which the
execution cache of Jupyter Book already keys by): the source of every `nnbook` module it
imports, directly or through other modules, the files of the package those modules name
(`recognizer.js`), the torch version, and the fingerprints and code of the pages it needs (not
their prose: a prose edit executes nothing). When a fingerprint changes, the page's cached
execution is dropped and the page executes again.
"""

import ast
import functools
import hashlib
import json
import re
from importlib import metadata
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "nnbook"
CACHE = ROOT / "_build" / ".jupyter_cache"  # Jupyter Book's execution cache
FINGERPRINTS = "fingerprints.json"  # in CACHE: each page's fingerprint when last executed

NEEDS = {
    # the 100 epochs of the draft's loop, kept by "The training loop" (cache.Promise)
    "evaluation": ["training_loop"],
    # the network of "Minibatch SGD" (its 30 epochs, cache.run)
    "errors": ["minibatch"],
    "inside": ["minibatch"],
    "torch_nn": ["minibatch"],
    # the CNN of "A convolutional network" (cache.run), shown beside the MLP
    "recognizer": ["minibatch", "cnn"],
    # the MLP of "Minibatch SGD", compared with the CNN
    "cnn": ["minibatch"],
    # the runs it times the cheap steps against: minibatch's 30 epochs, initialization's 100
    "machine": ["minibatch", "initialization"],
}
TIMED = ["data", "forward_pass", "minibatch", "torch_nn", "cnn", "machine"]


def pages(root=ROOT):
    """The pages listed in _toc.yml that are MyST notebooks (not the glossary or references)."""
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    files = [c["file"] for part in toc["parts"] for c in part["chapters"]]
    return [
        root / f"{f}.md"
        for f in files
        if (root / f"{f}.md").read_text().startswith("---\njupytext:")
    ]


def order(names, needs=NEEDS, timed=TIMED):
    """The order in which the build starts the pages `names` (given in reading order).

    The timed pages first, in reading order (the ones they need before them), then the others:
    a page that others need before the pages that need nothing, each kind in reverse reading
    order (the later pages train networks and take longest). A page comes after every page it
    needs.
    """
    needed = {n for name in names for n in needs.get(name, [])}

    def rank(name):
        if name in timed:
            return (0, names.index(name))
        return (1 if name in needed else 2, -names.index(name))

    done, result = set(), []

    def visit(name):
        if name in done:
            return
        done.add(name)
        for n in sorted(needs.get(name, []), key=rank):
            if n in names:
                visit(n)
        result.append(name)

    for name in sorted(names, key=rank):
        visit(name)
    return result


def nnbook_modules(code, package=PACKAGE):
    """The modules of `package` that code imports, directly or through one another."""
    found, todo = set(), _imports(code, package.name)
    while todo:
        name = todo.pop()
        if name in found or not (package / f"{name}.py").is_file():
            continue
        found.add(name)
        todo |= _imports((package / f"{name}.py").read_text(), package.name)
    return found


def _imports(code, package):
    """Names of the package's modules that code imports (`__init__` for the package itself)."""
    return set(_parsed_imports(code, package))


@functools.lru_cache(maxsize=1024)
def _parsed_imports(code, package):
    """_imports' answer, parsed once per code in a process (a build asks for each module's)."""
    lines = [line for line in code.splitlines() if not line.lstrip().startswith(("%", "!"))]
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError:
        return frozenset()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == package:
                    names.add(parts[1] if len(parts) > 1 else "__init__")
        elif isinstance(node, ast.ImportFrom):
            parts = (node.module or "").split(".")
            if node.level or parts[0] == package:
                if len(parts) > 1 and parts[0] == package:
                    names.add(parts[1])
                elif node.level and node.module:
                    names.add(parts[0])
                else:  # from nnbook import data, model / from . import data
                    names |= {alias.name for alias in node.names} | {"__init__"}
    return frozenset(names)


def code_of(page):
    """The code cells of a MyST notebook page, joined.

    Parsed once per text of a page in a process: a build asks for each page's code several
    times (its fingerprint, those of the pages that need it, in the build script and again in
    Sphinx), and jupytext takes a while to parse a page.
    """
    return _code_of(Path(page).read_text())


@functools.lru_cache(maxsize=256)
def _code_of(text):
    import jupytext

    notebook = jupytext.reads(text, fmt="md")
    return "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")


def fingerprints(paths, package=PACKAGE, needs=NEEDS):
    """{page name: fingerprint} for the pages at paths (see the module's docstring)."""
    by_name = {Path(p).stem: Path(p) for p in paths}
    try:
        torch_version = metadata.version("torch")
    except metadata.PackageNotFoundError:
        torch_version = "none"
    data_files = [f for f in package.iterdir() if f.is_file() and f.suffix != ".py"]
    result = {}

    def of(name):
        if name in result:
            return result[name]
        h = hashlib.sha256(torch_version.encode())
        for module in sorted(nnbook_modules(code_of(by_name[name]), package)):
            source = (package / f"{module}.py").read_text()
            h.update(f"{module}\n{source}".encode())
            for data in data_files:
                if re.search(rf"\b{re.escape(data.name)}\b", source):
                    h.update(data.read_bytes())
        for needed in needs.get(name, []):
            if needed in by_name:
                h.update(f"{needed}\n{of(needed)}\n{code_of(by_name[needed])}".encode())
        result[name] = h.hexdigest()[:16]
        return result[name]

    for name in by_name:
        of(name)
    return result


def drop_stale(paths, cache_path=CACHE, package=PACKAGE, needs=NEEDS):
    """Drop from Jupyter Book's execution cache the pages whose fingerprint changed.

    Returns the names of the pages whose executions were dropped (they execute again in this
    build), and records the current fingerprints in the cache folder. A page executed before
    fingerprints existed, or in a cache without them, counts as stale.
    """
    import jupytext
    from jupyter_cache import get_cache

    cache_path = Path(cache_path)
    record_file = cache_path / FINGERPRINTS
    recorded = json.loads(record_file.read_text()) if record_file.is_file() else {}
    current = fingerprints(paths, package, needs)
    stale = [name for name in current if recorded.get(name) != current[name]]
    dropped = []
    if stale and cache_path.exists():
        cache = get_cache(cache_path)
        by_name = {Path(p).stem: Path(p) for p in paths}
        for name in stale:
            try:
                record = cache.match_cache_notebook(jupytext.read(by_name[name]))
            except KeyError:
                continue  # not executed yet
            cache.remove_cache(record.pk)
            dropped.append(name)
    if stale:  # unchanged otherwise, so that its time says when the outputs last changed
        cache_path.mkdir(parents=True, exist_ok=True)
        record_file.write_text(json.dumps({**recorded, **current}, indent=1, sort_keys=True))
    return dropped


def encrypt_kernels():
    """Kernels started from now on in this process talk to it over CurveZMQ-encrypted sockets.

    ipykernel warns on every start of a kernel over plain TCP ("Kernel is running over TCP
    without encryption"), a line per page in every build log. The kernel manager can provision
    Curve keys when the kernel declares support, as ipykernel's kernelspec does; its default
    is not to, and nothing between the build and the kernel manager (jupyter-cache, myst-nb,
    nbclient, nbval) passes a setting through, hence the default is changed.
    """
    from jupyter_client.manager import KernelManager

    KernelManager.transport_encryption.default_value = "auto"
