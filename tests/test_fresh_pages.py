"""_ext/fresh_pages.py: a page executes again when the package code it imports changes, and
only then. A small book of two pages, built with `jupyter-book build` three times."""

import re
import subprocess
import sys
from pathlib import Path

from test_build_tool import small_book

ROOT = Path(__file__).resolve().parents[1]
CONFIG = f"""title: A small book
only_build_toc_files: true
execute:
  execute_notebooks: cache
sphinx:
  local_extensions:
    fresh_pages: {ROOT / "_ext"}
  config:
    fresh_pages_package: pkg
"""
TOC = """format: jb-book
root: index
parts:
  - caption: Pages
    chapters:
      - file: p_a
      - file: p_c
"""


def build(book):
    """The pages executed by `jupyter-book build book`, and the value each page shows."""
    command = Path(sys.executable).with_name("jupyter-book")
    run = subprocess.run([command, "build", str(book)], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    executed = sorted(set(re.findall(r"(p_\w)\.md: Executing notebook", run.stdout)))
    shown = {
        name: re.search(r"value (\d+)", (book / "_build/html" / f"{name}.html").read_text())[1]
        for name in ("p_a", "p_c")
    }
    return executed, shown


def test_a_page_shows_the_new_value_of_the_code_it_imports(tmp_path):
    (tmp_path / "_config.yml").write_text(CONFIG)
    (tmp_path / "_toc.yml").write_text(TOC)
    (tmp_path / "index.md").write_text("# Index\n\nA small book.\n")
    codes = {f"p_{m}": f"import pkg.{m}\n\nprint('value', pkg.{m}.VALUE)" for m in ("a", "c")}
    package, _ = small_book(tmp_path, codes)

    assert build(tmp_path) == (["p_a", "p_c"], {"p_a": "10", "p_c": "5"})
    assert build(tmp_path) == ([], {"p_a": "10", "p_c": "5"})  # nothing changed: nothing runs
    (package / "b.py").write_text("X = 2\n")  # imported by a, through a
    assert build(tmp_path) == (["p_a"], {"p_a": "20", "p_c": "5"})
