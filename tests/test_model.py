import torch

from nnbook import model


def test_initialize_nn_shapes_and_grad():
    parameters = model.initialize_nn()
    assert [tuple(p.shape) for p in parameters] == [
        (784, 100),
        (100,),
        (100, 100),
        (100,),
        (100, 10),
        (10,),
    ]
    assert all(p.requires_grad for p in parameters)
    W1, b1, W2, b2, W3, b3 = parameters
    assert not b1.any() and not b2.any() and not b3.any()
    assert abs(W1.std().item() - 1) < 0.02  # standard normal draws


def test_initialize_nn_is_seeded():
    first, second = model.initialize_nn(), model.initialize_nn()
    assert all(torch.equal(a, b) for a, b in zip(first, second))
    g = torch.Generator().manual_seed(1)
    assert torch.equal(first[0], torch.randn((784, 100), generator=g))  # W1 is the first draw


def test_initialize_nn_hidden_size():
    W1, b1, W2, b2, W3, b3 = model.initialize_nn(n_hidden=7)
    assert W1.shape == (784, 7) and W2.shape == (7, 7) and W3.shape == (7, 10)


def test_count_parameters():
    assert (
        model.count_parameters(model.initialize_nn())
        == 784 * 100 + 100 + 100 * 100 + 100 + 100 * 10 + 10
    )


def test_forward_matches_layer_by_layer():
    parameters = model.initialize_nn()
    W1, b1, W2, b2, W3, b3 = parameters
    X = torch.rand(5, 784, generator=torch.Generator().manual_seed(0))
    h1 = torch.tanh(X @ W1 + b1)
    h2 = torch.tanh(h1 @ W2 + b2)
    logits = model.forward(X, parameters)
    assert logits.shape == (5, 10)
    assert torch.equal(logits, h2 @ W3 + b3)
