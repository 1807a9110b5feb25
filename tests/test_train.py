import math

import pytest
import torch
import torch.nn.functional as F

from nnbook import data, metrics, model, train

# fmt: off
DRAFT_TRAJECTORY = {0: 15.9699, 10: 10.9262, 20: 8.3451, 30: 6.7141, 40: 5.6266, 50: 4.8790,
                    60: 4.3457, 70: 3.9500, 80: 3.6406, 90: 3.3900, 99: 3.2024}
# fmt: on


@pytest.fixture(scope="module")
def train_tensors(mnist):
    train_x, train_y = data.to_tensors(mnist["train"])
    return train_x.view(-1, 784), train_y


def _autograd(X, y, parameters):
    for p in parameters:
        p.grad = None
    loss = F.cross_entropy(model.forward(X, parameters), y)
    loss.backward()
    return loss, [p.grad for p in parameters]


@pytest.mark.parametrize("gradients", [train.draft_gradients, train.short_gradients])
@pytest.mark.parametrize("initialize", [model.initialize_nn, model.initialize_scaled])
def test_manual_gradients_match_autograd(train_tensors, gradients, initialize):
    X, y = train_tensors[0][:500], train_tensors[1][:500]
    parameters = initialize()
    loss, grads = gradients(X, y, parameters)
    loss_ref, grads_ref = _autograd(X, y, parameters)
    assert loss.item() == pytest.approx(loss_ref.item(), rel=1e-5)
    for grad, ref in zip(grads, grads_ref):
        assert grad.shape == ref.shape
        assert torch.allclose(grad, ref, rtol=1e-4, atol=1e-7)


@pytest.mark.parametrize("dlogits_of", [train.short_dlogits, train.stepwise_dlogits])
def test_dlogits_match_autograd(dlogits_of):
    g = torch.Generator().manual_seed(0)
    logits = (3 * torch.randn(64, 10, generator=g)).requires_grad_()  # (64, 10)
    y = torch.randint(0, 10, (64,), generator=g)
    F.cross_entropy(logits, y).backward()
    dlogits = dlogits_of(logits.detach(), y)  # (64, 10)
    assert dlogits.shape == logits.shape
    assert torch.allclose(dlogits, logits.grad, rtol=1e-5, atol=1e-8)
    assert dlogits.sum(1).abs().max() < 1e-7  # each row sums to 0


@pytest.mark.training  # 100 epochs on 60,000 images: half a minute
def test_full_batch_reproduces_the_draft_trajectory(train_tensors):
    losses = train.full_batch(*train_tensors, model.initialize_nn(), epochs=100, lr=0.1)
    assert len(losses) == 100
    for epoch, loss in DRAFT_TRAJECTORY.items():
        assert losses[epoch] == pytest.approx(loss, abs=1e-4), f"epoch {epoch}"


def test_scaled_initialization_starts_near_uniform_predictions(train_tensors):
    loss, _ = metrics.evaluate(model.initialize_scaled(), *train_tensors)
    assert abs(loss - math.log(10)) < 0.05


def test_initialize_scaled_uses_the_draft_draws():
    W1_draft = model.initialize_nn()[0]
    W1 = model.initialize_scaled(gain=2.0)[0]
    assert torch.allclose(W1, W1_draft * 2.0 / 28.0)


def test_cosine_lr():
    assert train.cosine_lr(0, 100, 0.1) == pytest.approx(0.1)
    assert train.cosine_lr(50, 100, 0.1) == pytest.approx(0.05)
    assert train.cosine_lr(100, 100, 0.1) == pytest.approx(0.0)


def test_shift_images_moves_pixels():
    X = torch.zeros(2, 784)
    X[:, 10 * 28 + 12] = 1.0  # row 10, column 12
    shifted = train.shift_images(X, dx=2, dy=-1).view(2, 28, 28)
    assert shifted[:, 9, 14].tolist() == [1.0, 1.0] and shifted.sum() == 2


def test_shift_right_moves_pixels_and_keeps_the_shape():
    X = torch.zeros(3, 784)
    X[:, 10 * 28 + 12] = 1.0  # row 10, column 12
    X[:, 5 * 28 + 27] = 1.0  # row 5, last column: pushed out
    shifted = train.shift_right(X, 2)
    assert shifted.shape == (3, 784)
    assert shifted.view(3, 28, 28)[:, 10, 14].tolist() == [1.0] * 3 and shifted.sum() == 3
    images = X.view(3, 28, 28)
    assert torch.equal(train.shift_right(images, 2), shifted.view(3, 28, 28))
    assert torch.equal(train.shift_right(images[0], 2), shifted.view(3, 28, 28)[0])
    assert torch.equal(train.shift_right(images, 0), images)


def test_minibatch_sgd_is_deterministic_and_learns(train_tensors):
    X, y = train_tensors[0][:2000], train_tensors[1][:2000]
    runs = []
    for _ in range(2):
        parameters = model.initialize_scaled()
        history = train.minibatch_sgd(
            X[:1500],
            y[:1500],
            parameters,
            epochs=3,
            batch_size=50,
            lr=0.1,
            momentum=0.9,
            max_shift=1,
            seed=0,
            X_val=X[1500:],
            y_val=y[1500:],
        )
        runs.append((history, parameters))
    (h1, p1), (h2, p2) = runs
    seconds = h1.pop("seconds"), h2.pop("seconds")  # timings differ from run to run
    assert h1 == h2 and all(torch.equal(a, b) for a, b in zip(p1, p2))
    assert len(h1["train_loss"]) == 3 and h1["train_loss"][-1] < h1["train_loss"][0]
    for s in seconds:  # training time so far, at the end of each epoch
        assert len(s) == 3 and 0 < s[0] < s[1] < s[2]
    assert h1["val_accuracy"][-1] > 0.8


@pytest.mark.parametrize("gradients", [train.draft_gradients, train.short_gradients])
def test_block_gradients_equal_the_whole_batch(train_tensors, gradients):
    X, y = train_tensors[0][:1000], train_tensors[1][:1000]
    parameters = model.initialize_scaled()
    loss, grads = gradients(X, y, parameters)
    loss_blocks, grads_blocks = train.block_gradients(X, y, parameters, 300, gradients)  # 4 blocks
    assert loss_blocks.item() == pytest.approx(loss.item(), rel=1e-6)
    for grad, grad_blocks in zip(grads, grads_blocks):
        assert torch.allclose(grad, grad_blocks, rtol=1e-5, atol=1e-8)
