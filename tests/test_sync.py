"""The code a page teaches and the nnbook function later pages import are the same code."""

import ast
import inspect

import jupytext
import pytest

from conftest import ROOT
from nnbook import data, gradcheck, model, train

TAUGHT = [
    ("data.md", data.image_to_tensor),
    ("data.md", data.preprocess_data),
    ("mlp.md", model.initialize_nn),
    ("backward_pass.md", gradcheck.cmp),
    ("backward_pass.md", gradcheck.check),
    ("short_backward.md", train.short_dlogits),
    ("short_backward.md", train.stepwise_dlogits),
]


def _without_docstring(function):
    body = function.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    function.body = body
    return ast.dump(function)


def _page_function(page, name):
    notebook = jupytext.read(ROOT / "chapters" / page)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            for node in ast.parse(cell.source).body:
                if isinstance(node, ast.FunctionDef) and node.name == name:
                    return node
    raise AssertionError(f"{page} does not define {name}")


@pytest.mark.parametrize("page, function", TAUGHT, ids=lambda x: getattr(x, "__name__", x))
def test_page_and_package_define_the_same_function(page, function):
    package = ast.parse(inspect.getsource(function)).body[0]
    on_page = _page_function(page, function.__name__)
    assert _without_docstring(on_page) == _without_docstring(package)


@pytest.mark.training
def test_training_loop_page_computes_what_full_batch_computes(mnist):
    """Bit for bit: the build hands the page loop's network to pages that ask full_batch for it
    (nnbook.cache.Promise on chapters/training_loop.md)."""
    import contextlib
    import io

    import torch

    from nnbook import train

    notebook = jupytext.read(ROOT / "chapters" / "training_loop.md")
    (loop,) = [c.source for c in notebook.cells if c.source.startswith("epochs = 100 ")]
    X, y = data.to_tensors(mnist["train"])
    X = X.view(-1, 784)
    page = {"torch": torch, "model": model, "X": X, "train_y": y, "N": X.shape[0]}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(loop.replace("epochs = 100 ", "epochs = 5 ", 1), page)
    parameters = model.initialize_nn()
    losses = train.full_batch(X, y, parameters, epochs=5, lr=0.1)
    assert losses == page["losses"]
    assert all(torch.equal(p, q) for p, q in zip(parameters, page["parameters"]))
