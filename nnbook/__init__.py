"""nnbook: the helper code of the book *Neural Networks*.

Each module holds what one section teaches and later sections reuse. Importing
the package has no side effects: no downloads, seeds or plot styles.
"""

__version__ = "0.1.0"


def source(code, language="python"):
    """Show a function's source (or a string of code) as a highlighted block on a page.

    A Markdown code fence, rendered by the book's own highlighter: unlike IPython's Code, it
    embeds no stylesheet in the page's output.
    """
    import inspect

    from IPython.display import Markdown

    text = code if isinstance(code, str) else inspect.getsource(code)
    return Markdown(f"```{language}\n{text.rstrip()}\n```")


class VersionError(RuntimeError):
    """The installed nnbook is not the version a page was written for."""

    def _render_traceback_(self):  # IPython shows only the message, no traceback
        return [f"{type(self).__name__}: {self}"]


def require(version):
    """Stop with a clear message unless nnbook has the major.minor version a page needs."""
    wanted = version.split(".")[:2]
    if __version__.split(".")[:2] != wanted:
        raise VersionError(
            f"This page was written for nnbook {'.'.join(wanted)}, but nnbook {__version__} "
            f"is installed, whose functions may differ. Install nnbook {'.'.join(wanted)} "
            "from the same version of the book as the page (in Colab: run the page's first "
            "cell again), or open the page of the book that matches your nnbook."
        )
