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
        counted_full_batch, X, y, model.initialize_scaled(), 2, 0.1, train.draft_gradients
    )  # a function argument
    assert calls == [2] * 5
    cache.run(counted_full_batch, X, y, model.initialize_scaled(), 2, lr=0.1)  # the first again
    assert calls == [2] * 5


def test_an_edit_to_a_module_the_call_cannot_run_keeps_its_result(monkeypatch, tmp_path):
    # the key hashes cache.py and the modules the call can run, which the page that makes the
    # call imports (tools/pages.py executes that page again when one of them changes); an edit
    # to another module (cnn.py, which train.full_batch never runs) must not strand the result
    from nnbook import cnn

    package = tmp_path / "nnbook"
    package.mkdir()
    for source in cache.PACKAGE.glob("*.py"):
        (package / source.name).write_bytes(source.read_bytes())
    monkeypatch.setattr(cache, "PACKAGE", package)
    monkeypatch.setenv("NNBOOK_CACHE", str(tmp_path / "results"))
    X, y = small_data()

    def results_after(edited, call):
        with open(package / edited, "a") as file:
            file.write("\n# an edit\n")
        call()
        return len(list((tmp_path / "results").glob("*.pt")))

    def mlp():
        cache.run(train.full_batch, X, y, model.initialize_scaled(), epochs=2, lr=0.1)

    def cnn_through_an_argument():  # train.minibatch_sgd runs cnn's code only as an argument
        cache.run(
            train.minibatch_sgd,
            X,
            y,
            cnn.initialize(),
            epochs=1,
            batch_size=100,
            lr=0.1,
            momentum=0.9,
            max_shift=0,
            seed=0,
            gradients=cnn.gradients,
            forward=cnn.forward,
        )

    assert results_after("__init__.py", mlp) == 1  # the first call computes
    assert results_after("cnn.py", mlp) == 1  # read back
    assert results_after("model.py", mlp) == 2  # train imports model: computed again
    assert results_after("cache.py", mlp) == 3  # how results are kept
    assert results_after("data.py", cnn_through_an_argument) == 4  # the first CNN call
    assert results_after("data.py", cnn_through_an_argument) == 4  # read back
    assert results_after("conv.py", cnn_through_an_argument) == 5  # cnn imports conv
    assert results_after("conv.py", mlp) == 5  # read back: full_batch runs no conv

    def names(*functions):
        return [path.name for path in cache._sources(functions)]

    assert names(train.full_batch) == ["cache.py", "metrics.py", "model.py", "train.py"]
    assert len(names(counted_full_batch)) == len(list(package.glob("*.py")))  # not nnbook's


def test_relative_imports_count_too():
    code = "from . import conv\nfrom .metrics import evaluate\nfrom nnbook import model, train\n"
    assert cache._imported(code) == {"conv", "metrics", "model", "train"}


SIDE_BY_SIDE = """
import sys, time, torch
from pathlib import Path
from nnbook import cache

folder = Path({folder!r})


def until(name):  # wait for the other process's signal (a file), at most a minute
    deadline = time.monotonic() + 60
    while not (folder / name).exists():
        assert time.monotonic() < deadline, f"no signal {{name}}"
        time.sleep(0.01)


def slow_double(x):
    with open(folder / "log", "a") as file:
        file.write("computed\\n")
    (folder / "computing").touch()
    until("asked")  # the other process asks while this one computes
    return x * 2


if sys.argv[1] == "second":
    until("computing")
    (folder / "asked").touch()
result, _ = cache.run(slow_double, torch.arange(3))
assert result.tolist() == [0, 2, 4]
"""


def test_pages_side_by_side_compute_once(tmp_path):
    """A kernel asks for a result while another computes it: it waits and reads, whichever
    process reaches the lock first. The order is forced by signals, not by sleeping."""
    env = {**os.environ, "NNBOOK_CACHE": str(tmp_path / "cache")}
    script = SIDE_BY_SIDE.format(folder=str(tmp_path))
    runs = [
        subprocess.Popen([sys.executable, "-c", script, role], env=env)
        for role in ("second", "first")  # the waiting one starts first
    ]
    assert [run.wait(timeout=120) for run in runs] == [0, 0]
    assert (tmp_path / "log").read_text() == "computed\n"


def never(x):
    raise AssertionError("computed, although kept")


def test_a_kept_promise_is_read_not_computed(monkeypatch, tmp_path):
    monkeypatch.setenv("NNBOOK_CACHE", str(tmp_path))
    x = torch.arange(3.0)
    promise = cache.Promise(never, x)
    x.mul_(2)  # the promised call changes its argument in place
    promise.keep([1.0], 2.5, x)
    y = torch.arange(3.0)
    result, seconds = cache.run(never, y)
    assert result == [1.0] and seconds == 2.5
    assert torch.equal(y, torch.arange(3.0) * 2)  # the changed argument restored


def test_a_page_that_asks_before_the_keep_computes_and_the_keep_changes_nothing(
    monkeypatch, tmp_path
):
    """The result is right whatever the order of the pages: one that asks before the page
    that promised it has kept it computes it, and the later keep does not replace it."""
    monkeypatch.setenv("NNBOOK_CACHE", str(tmp_path))
    x = torch.arange(3)
    promise = cache.Promise(torch.mul, x, 2)
    assert cache.run(torch.mul, x, 2)[0].tolist() == [0, 2, 4]  # computed by the asker
    promise.keep(torch.tensor([9, 9, 9]), 1.0, x, 2)  # (a wrong result, to see it is not kept)
    assert cache.run(torch.mul, x, 2)[0].tolist() == [0, 2, 4]


def test_a_promise_outside_a_build_does_nothing(monkeypatch):
    monkeypatch.delenv("NNBOOK_CACHE", raising=False)
    promise = cache.Promise(train.full_batch, torch.zeros(1))
    promise.keep([1.0], 1.0, torch.zeros(1))  # no folder: nothing stored, no error
