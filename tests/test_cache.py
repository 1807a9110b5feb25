"""nnbook.cache: a repeated training run is computed once and restored exactly."""

import os
import subprocess
import sys

import torch

from nnbook import cache, model, train

calls = []


def counted_full_batch(X, y, parameters, epochs, lr, gradients=train.short_gradients):
    calls.append(epochs)
    return train.full_batch(X, y, parameters, epochs=epochs, lr=lr, gradients=gradients)


def small_data(seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(200, 784, generator=g), torch.randint(0, 10, (200,), generator=g)


def test_without_folder_it_just_calls(monkeypatch):
    monkeypatch.delenv("NNBOOK_CACHE", raising=False)
    calls.clear()
    X, y = small_data()
    for _ in range(2):
        losses, seconds = cache.run(counted_full_batch, X, y, model.initialize_scaled(), 3, 0.1)
        assert len(losses) == 3 and seconds > 0
    assert calls == [3, 3]


def test_second_call_restores_result_and_parameters(monkeypatch, tmp_path):
    monkeypatch.setenv("NNBOOK_CACHE", str(tmp_path))
    calls.clear()
    X, y = small_data()
    fresh = model.initialize_scaled()
    expected = train.full_batch(X, y, fresh, epochs=5, lr=0.1, gradients=train.short_gradients)

    first_parameters = model.initialize_scaled()
    losses_1, seconds_1 = cache.run(counted_full_batch, X, y, first_parameters, 5, lr=0.1)
    second_parameters = model.initialize_scaled()
    losses_2, seconds_2 = cache.run(counted_full_batch, X, y, second_parameters, 5, lr=0.1)

    assert calls == [5]  # computed once
    assert losses_1 == losses_2 == expected
    assert seconds_2 == seconds_1  # the time of the run that computed it
    for p, q, r in zip(first_parameters, second_parameters, fresh):
        assert torch.equal(p, r) and torch.equal(q, r)  # trained in place, restored exactly
        assert q.requires_grad
    assert len(list(tmp_path.glob("*.pt"))) == 1
    assert not list(tmp_path.glob("*.tmp"))


def test_any_changed_input_recomputes(monkeypatch, tmp_path):
    monkeypatch.setenv("NNBOOK_CACHE", str(tmp_path))
    calls.clear()
    X, y = small_data()
    cache.run(counted_full_batch, X, y, model.initialize_scaled(), 2, lr=0.1)
    cache.run(counted_full_batch, X, y, model.initialize_scaled(), 2, lr=0.05)  # lr
    cache.run(counted_full_batch, X, y, model.initialize_scaled(seed=2), 2, lr=0.1)  # values
    cache.run(counted_full_batch, *small_data(1), model.initialize_scaled(), 2, lr=0.1)  # data
    cache.run(
        counted_full_batch, X, y, model.initialize_scaled(), 2, 0.1, train.seed_gradients
    )  # a function argument
    assert calls == [2] * 5
    cache.run(counted_full_batch, X, y, model.initialize_scaled(), 2, lr=0.1)  # the first again
    assert calls == [2] * 5


SIDE_BY_SIDE = """
import time, torch
from nnbook import cache

def slow_double(x, log):
    with open(log, "a") as file:
        file.write("computed\\n")
    time.sleep(2)
    return x * 2

result, _ = cache.run(slow_double, torch.arange(3), {log!r})
assert result.tolist() == [0, 2, 4]
"""


def test_pages_side_by_side_compute_once(tmp_path):
    """Two kernels asking for the same result at once: one computes, the other waits and reads."""
    log = tmp_path / "log"
    env = {**os.environ, "NNBOOK_CACHE": str(tmp_path / "cache")}
    script = SIDE_BY_SIDE.format(log=str(log))
    runs = [subprocess.Popen([sys.executable, "-c", script], env=env) for _ in range(2)]
    assert [run.wait(timeout=120) for run in runs] == [0, 0]
    assert log.read_text() == "computed\n"


PROMISE = """
import time, torch
from nnbook import cache

def double(x):
    raise AssertionError("computed, although promised")

x = torch.arange(3)
if {role!r} == "promise":
    promise = cache.Promise(double, x)
    time.sleep(2)
    promise.keep(x * 2, 2.0, x)
else:
    time.sleep(0.5)  # after the promise
    result, seconds = cache.run(double, x)
    assert result.tolist() == [0, 2, 4] and seconds == 2.0
"""


def test_a_promised_result_is_waited_for_not_computed(tmp_path):
    env = {**os.environ, "NNBOOK_CACHE": str(tmp_path / "cache")}
    runs = [
        subprocess.Popen([sys.executable, "-c", PROMISE.format(role=role)], env=env)
        for role in ("promise", "ask")
    ]
    assert [run.wait(timeout=120) for run in runs] == [0, 0]


def test_a_promise_outside_a_build_does_nothing(monkeypatch):
    monkeypatch.delenv("NNBOOK_CACHE", raising=False)
    promise = cache.Promise(train.full_batch, torch.zeros(1))
    promise.keep([1.0], 1.0, torch.zeros(1))  # no folder: nothing stored, no error
