"""Measuring a trained network (taught in "Evaluating the model")."""

import torch
import torch.nn.functional as F

from nnbook import model


@torch.no_grad()
def predict(parameters, X, forward=model.forward):
    """The most probable digit for each row of X (Evaluating the model)."""
    return forward(X, parameters).argmax(1)


@torch.no_grad()
def evaluate(parameters, X, y, forward=model.forward):
    """Average NLL and accuracy on (X, y) (Evaluating the model).

    forward(X, parameters) gives the logits: the MLP's by default, cnn.forward for the CNN.
    """
    logits = forward(X, parameters)
    loss = F.cross_entropy(logits, y).item()
    accuracy = (logits.argmax(1) == y).float().mean().item()
    return loss, accuracy


def confusion_matrix(y_true, y_pred, n_classes=10):
    """C[i, j]: examples of class i predicted as j (What the network gets wrong)."""
    pairs = y_true * n_classes + y_pred  # one number per (true, predicted) pair
    counts = torch.bincount(pairs, minlength=n_classes**2)
    return counts.view(n_classes, n_classes)
