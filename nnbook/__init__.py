"""nnbook: the helper code of the book *Neural Networks*.

Each module holds what one section teaches and later sections reuse. Importing
the package has no side effects: no downloads, seeds or plot styles.
"""

__version__ = "0.1.0"
