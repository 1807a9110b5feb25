"""Execute a page again when what it depends on changes, not only its own code.

Jupyter Book's execution cache keys a page by its code cells, so an edit to `nnbook` (or to a
page whose result another page reads) would leave the old outputs on the page. Before Sphinx
reads the pages, this extension compares each page's fingerprint (`tools/pages.py`: the
`nnbook` modules it imports, the pages it needs, the torch version) with the one recorded when
it last executed, drops the stale pages from the execution cache, and has Sphinx read them
again, so that they execute (or, after `tools/build.py` executed them, show their new outputs).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))

import pages  # noqa: E402 (tools/pages.py)


def _outdated(app, env, added, changed, removed):
    paths = pages.pages(Path(app.srcdir))
    package = Path(app.srcdir) / app.config.fresh_pages_package
    cache = app.config["nb_execution_cache_path"] or Path(app.outdir).parent / ".jupyter_cache"
    pages.drop_stale(paths, cache_path=Path(cache), package=package)
    current = pages.fingerprints(paths, package=package)
    seen = getattr(env, "nnbook_fingerprints", {})
    docnames = {Path(p).stem: Path(p).relative_to(app.srcdir).with_suffix("").as_posix()
                for p in paths}  # fmt: skip
    env.nnbook_fingerprints = current
    return [docnames[name] for name in current if seen.get(name) != current[name] and
            docnames[name] in env.found_docs and docnames[name] not in added | changed]  # fmt: skip


def setup(app):
    pages.encrypt_kernels()  # no warning per kernel in the build log
    app.add_config_value("fresh_pages_package", "nnbook", "env")  # the package the pages import
    app.connect("env-get-outdated", _outdated)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
