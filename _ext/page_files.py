"""Files that pages write for the website, published with it.

A page writes what its in-page script needs into a folder beside itself, as it would beside a
notebook in Colab: the recognizer page writes the trained network and 200 test digits into
`chapters/recognizer/`. The config value `page_files` maps such folders (relative to the
book's root) to folders of the site's `_static/`, where the scripts load them from; after each
build this copies them there. A folder that is missing stops the build (with -W) with one line.
"""

import shutil
from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)


def _publish(app, exception):
    if exception is not None:
        return
    for source, target in app.config.page_files.items():
        folder = Path(app.srcdir) / source
        if not folder.is_dir():
            logger.warning(
                f"{source}/ is missing: the page that writes it did not run in this folder; "
                "run `make clean` and build again"
            )
            continue
        shutil.copytree(folder, Path(app.outdir) / "_static" / target, dirs_exist_ok=True)


def setup(app):
    app.add_config_value("page_files", {}, "html")
    app.connect("build-finished", _publish)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
