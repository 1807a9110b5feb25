import pytest
import torch

from nnbook import metrics, model


def test_predict_and_evaluate():
    parameters = model.initialize_nn()
    X = torch.rand(20, 784, generator=torch.Generator().manual_seed(0))
    logits = model.forward(X, parameters)
    y = logits.argmax(1)
    assert torch.equal(metrics.predict(parameters, X), y)
    loss, accuracy = metrics.evaluate(parameters, X, y)
    assert accuracy == 1.0
    assert loss == pytest.approx(torch.nn.functional.cross_entropy(logits, y).item())
    assert metrics.evaluate(parameters, X, (y + 1) % 10)[1] == 0.0


def test_confusion_matrix():
    y_true = torch.tensor([0, 0, 1, 2, 2, 2])
    y_pred = torch.tensor([0, 1, 1, 2, 0, 2])
    C = metrics.confusion_matrix(y_true, y_pred, n_classes=3)
    assert C.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    assert C.sum() == 6
