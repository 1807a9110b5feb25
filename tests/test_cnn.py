"""nnbook/cnn.py: the convolutional network's hand-written backward pass, its start, its export."""

import json
import math

import pytest
import torch
import torch.nn.functional as F

from nnbook import cnn, export, train


def test_gradients_are_autograds_in_float64():
    g = torch.Generator().manual_seed(0)
    parameters = [
        p.double() + 0.05 * torch.randn(p.shape, generator=g, dtype=torch.float64)
        for p in cnn.initialize(seed=2)
    ]  # nonzero biases too
    X = torch.rand(12, 784, generator=g, dtype=torch.float64)
    y = torch.randint(0, 10, (12,), generator=g)
    leaves = [p.clone().requires_grad_() for p in parameters]
    expected = F.cross_entropy(cnn.forward(X, leaves), y)  # PyTorch's layers, autograd
    expected.backward()
    loss, grads = cnn.gradients(X, y, parameters)
    assert torch.allclose(loss, expected.detach(), rtol=0, atol=1e-12)
    for leaf, grad in zip(leaves, grads):
        assert grad.shape == leaf.shape
        assert torch.allclose(grad, leaf.grad, rtol=1e-9, atol=1e-12)


def test_forward_is_forward_alls_logits_in_batches():
    g = torch.Generator().manual_seed(5)
    parameters = [p.double() + 0.05 * torch.randn(p.shape, generator=g, dtype=torch.float64)
                  for p in cnn.initialize(seed=2)]  # fmt: skip
    X = torch.rand(7, 784, generator=g, dtype=torch.float64)
    expected = cnn.forward_all(X, parameters)["logits"]  # (7, 10), by hand
    for batch_size in (7, 3):  # one batch; three, the last short
        logits = cnn.forward(X, parameters, batch_size=batch_size)
        assert logits.shape == (7, 10)
        assert torch.allclose(logits, expected, rtol=0, atol=1e-12)


def test_initialize_shapes_and_a_first_loss_near_log_10():
    parameters = cnn.initialize(seed=1)
    assert [tuple(p.shape) for p in parameters] == cnn.SHAPES
    assert all(torch.equal(b, torch.zeros_like(b)) for b in parameters[1::2])
    assert torch.equal(parameters[0], cnn.initialize(seed=1)[0])  # seeded
    X = torch.rand(500, 784, generator=torch.Generator().manual_seed(3))
    y = torch.arange(500) % 10
    loss = F.cross_entropy(cnn.forward(X, parameters), y).item()
    assert abs(loss - math.log(10)) < 0.1


@pytest.mark.training
def test_minibatch_sgd_trains_the_cnn():
    g = torch.Generator().manual_seed(4)
    # two blobs of ink, one per class, at random places: learnable in a few steps
    X = torch.zeros(512, 28, 28)
    y = torch.randint(0, 2, (512,), generator=g)
    rows = torch.randint(4, 20, (512,), generator=g)
    for i in range(512):
        r = rows[i]
        X[i, r : r + 5, 8:12] = 1.0 if y[i] == 0 else 0.0
        X[i, r : r + 2, 6:20] = 1.0 if y[i] == 1 else 0.0
    X = X.view(512, 784)
    parameters = cnn.initialize(seed=1)
    history = train.minibatch_sgd(X, y, parameters, epochs=3, batch_size=64, lr=0.1,
                                  momentum=0.9, max_shift=2, seed=0, X_val=X, y_val=y,
                                  gradients=cnn.gradients, forward=cnn.forward)  # fmt: skip
    assert history["train_loss"][-1] < 0.5 * history["train_loss"][0]
    assert history["val_accuracy"][-1] > 0.95


def test_export_cnn_round_trip(tmp_path):
    parameters = cnn.initialize(seed=5)
    path = export.export_cnn(parameters, tmp_path / "cnn.json")
    assert json.loads(path.read_text())["shapes"] == [list(s) for s in cnn.SHAPES]
    back = export.load_cnn(path)
    assert all(torch.equal(p, q) for p, q in zip(parameters, back))
    (tmp_path / "mlp.json").write_text(json.dumps({"format": export.FORMAT}))
    with pytest.raises(ValueError, match="nnbook-cnn-1"):
        export.load_cnn(tmp_path / "mlp.json")


def test_the_js_shapes_are_the_python_shapes():
    text = export.script("cnn.js")
    shapes = json.loads(text.split("const SHAPES = ")[1].split(";")[0])
    assert [tuple(s) for s in shapes] == cnn.SHAPES
    assert "convReLU" in export.script("cnn.js", "forward")
