import re

import pytest

import nnbook
from conftest import CHAPTERS


def test_require_accepts_the_installed_version():
    major_minor = ".".join(nnbook.__version__.split(".")[:2])
    nnbook.require(major_minor)
    nnbook.require(nnbook.__version__)


@pytest.mark.parametrize("version", ["0.0", "0.2", "1.0"])
def test_require_refuses_another_version_with_one_clear_message(version):
    with pytest.raises(nnbook.VersionError) as info:
        nnbook.require(version)
    message = str(info.value)
    assert f"written for nnbook {version}" in message and nnbook.__version__ in message
    assert info.value._render_traceback_() == [f"VersionError: {message}"]


def test_every_notebook_page_checks_the_version_it_was_written_for():
    major_minor = ".".join(nnbook.__version__.split(".")[:2])
    for page in CHAPTERS:
        text = page.read_text()
        if text.startswith("---\njupytext:"):
            assert re.search(rf'nnbook\.require\("{re.escape(major_minor)}"\)', text), page.name
            # and every page lays its first cell out alike: one blank line after this line
            assert re.search(r'nnbook\.require\("[\d.]+"\)[^\n]*\n\n(?!\n)', text), page.name
