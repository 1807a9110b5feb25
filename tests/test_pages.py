"""Run every page as a notebook and check what it must show: the seed's numbers, clean output."""

import re

import jupytext
import pytest
from nbclient import NotebookClient

from conftest import CHAPTERS, ROOT

_executed = {}


def run_page(name):
    """The page chapters/<name>.md executed in a fresh kernel (once per test session)."""
    if name not in _executed:
        notebook = jupytext.read(ROOT / "chapters" / f"{name}.md")
        NotebookClient(notebook, timeout=900, kernel_name="python3",
                       resources={"metadata": {"path": str(ROOT / "chapters")}}).execute()
        _executed[name] = notebook
    return _executed[name]


def text_of(notebook):
    """Everything the page prints or displays as plain text."""
    parts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                parts.append(output.text)
            elif "data" in output and "text/plain" in output.data:
                parts.append(output.data["text/plain"])
    return "\n".join(parts)


@pytest.mark.parametrize("page", [p.stem for p in CHAPTERS])
def test_page_output_is_clean(page):
    notebook = run_page(page)
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            assert output.output_type != "error", f"{page}: {output.get('ename')}"
            assert not (output.output_type == "stream" and output.name == "stderr"), f"{page}: stderr {output.text[:200]}"
    text = text_of(notebook)
    for noise in ("Warning", "Traceback", "it/s]", "%|"):
        assert noise not in text, f"{page} shows {noise!r}"


def test_data_page_shapes():
    text = text_of(run_page("data"))
    assert "Images: torch.Size([60000, 28, 28])\nLabels: torch.Size([60000])" in text


def test_loss_page_reproduces_seed_loss():
    assert "Train Loss: 15.9699" in text_of(run_page("loss"))


GRADIENTS = ["logprobs", "probs", "counts_sum_inv", "counts_sum", "counts", "logits", "h2", "W3", "b3",
             "h2_pre", "h1", "W2", "b2", "h1_pre", "X", "W1", "b1"]
CMP_LINE = re.compile(r"^(\w+)\s*\| exact: (True|False)\s*\| approximate: (True|False)\s*\| maxdiff: (\S+)$", re.M)


def test_backward_page_every_manual_gradient_matches_autograd():
    text = text_of(run_page("backward_pass"))
    assert "tensor(15.9699, grad_fn=<NegBackward0>)" in text
    rows = CMP_LINE.findall(text)
    assert {name for name, *_ in rows} == set(GRADIENTS)
    for name, exact, approximate, maxdiff in rows:  # allclose: rtol 1e-5, atol 1e-8
        assert approximate == "True", f"d{name} differs from autograd by {maxdiff}"


SEED_TRAJECTORY = {0: 15.9699, 10: 10.9262, 20: 8.3451, 30: 6.7141, 40: 5.6266, 50: 4.8790,
                   60: 4.3457, 70: 3.9500, 80: 3.6406, 90: 3.3900, 99: 3.2024}


def test_training_loop_reproduces_seed_trajectory():
    text = text_of(run_page("training_loop"))
    printed = {int(epoch): float(loss) for epoch, loss in re.findall(r"^Epoch: +(\d+)/100 +Loss: (\d+\.\d+)$", text, re.M)}
    assert printed.keys() == SEED_TRAJECTORY.keys()
    for epoch, loss in SEED_TRAJECTORY.items():
        assert printed[epoch] == pytest.approx(loss, abs=1e-4), f"epoch {epoch}"
