"""How fast the book builds and how fast its training code runs, on this machine.

    python benchmarks/run.py                 # everything (about 45 minutes on 2 cores)
    python benchmarks/run.py --skip-build    # the code only (about 4 minutes)
    python benchmarks/run.py --repeats 5     # more runs per figure

Prints Markdown tables. Every time is the median of several runs (--repeats, or the epochs of
one training run), and every ratio compares figures measured in the same run of this script.
It needs what the book needs: the packages of requirements.txt, nnbook, and MNIST (from the
Hub, or MNIST_PATH). The builds run in a temporary copy of the repository (the files git
knows), so your own _build/ is left alone.

1. The book: a clean build (`python tools/build.py`, execution included), an unchanged
   rebuild, a rebuild after a prose-only edit, after editing one code cell and after editing
   one nnbook module, and the execution time of each page; then the unit tests (`pytest -m
   unit`, no build).
2. Loading the 60,000 training images: the draft's per-image loop (`data.preprocess_data`)
   against `data.to_tensors`, which reads the pixels that its first, untimed call decoded and
   stored in the cache of `datasets`, asserting that both give the same tensors.
3. Full-batch training: the draft's loop (the code cell of chapters/training_loop.md, with its
   step-by-step backward pass and dX) against the short backward pass, in GFLOP/s and as a
   fraction of the machine's matrix-multiply throughput, measured in the same run.
4. Minibatch training, the run of chapters/minibatch.md: time to 98% validation accuracy with
   the hand-written backward pass, with torch.nn and autograd, and with torch.compile (the
   test set is left alone, as in the book: it is measured once per final model, on the page).
5. The convolutional network of chapters/cnn.md: one epoch (50,000 images, batches of 128) of
   its hand-written backward pass (`cnn.gradients`, im2col) against the same network in
   torch.nn with autograd, the two taking turns.
6. The explorable figures in headless Chromium (needs the built book, _build/html, and
   Chromium, as the browser tests do): one epoch of the trainer's JavaScript (nnbook/mlp.js)
   over its 10,000 images with batches of 128, and the time each slider figure takes to redraw.
"""

import argparse
import contextlib
import io
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

from nnbook import cnn, data, model, train

ROOT = Path(__file__).resolve().parents[1]
N_HIDDEN = 100


def median_time(fn, repeats):
    """Median seconds of `repeats` calls of fn (after one warm-up call)."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    print("\n".join(lines) + "\n", flush=True)


# ------------------------------------------------------------------ 1. the build


# The module edited in the benchmark: a leaf of the package that few pages import.
MODULE = "conv.py"


def build_benchmark(repeats):
    """Clean build, unchanged rebuild and two edits, in a temporary copy of the repository."""
    print(f"## 1. Building the book (median of {repeats})\n", flush=True)
    with tempfile.TemporaryDirectory(prefix="nnbook-bench-") as tmp:
        book = Path(tmp) / "book"
        _copy_repository(book)
        page = book / "chapters" / "mlp.md"
        module = book / "nnbook" / MODULE
        times = {"clean": [], "unchanged": [], "prose": [], "code": [], "nnbook": []}
        page_seconds = {}
        original, original_module = page.read_text(), module.read_text()
        for run in range(repeats):
            page.write_text(original)
            module.write_text(original_module)
            shutil.rmtree(book / "_build", ignore_errors=True)
            times["clean"].append(_build(book))
            for name, seconds in _execution_seconds(book).items():
                page_seconds.setdefault(name, []).append(seconds)
            times["unchanged"].append(_build(book, executes=[]))
            # A new paragraph of prose: the page is re-read, not re-executed.
            text = page.read_text()
            page.write_text(text.replace("\n## ", "\nOne more sentence.\n\n## ", 1))
            times["prose"].append(_build(book, executes=[]))
            # A comment added to the first code cell: the page executes again.
            text = page.read_text()
            page.write_text(text.replace("import nnbook\n", "import nnbook  # edited\n", 1))
            times["code"].append(_build(book, executes=[page.name]))
            # A comment added to an nnbook module: the pages that import it, directly or
            # through other modules, and the pages that need theirs execute (tools/pages.py).
            before = _fingerprints(book)
            module.write_text(original_module + "# edited\n")
            after = _fingerprints(book)
            stale = sorted(f"{name}.md" for name in after if after[name] != before[name])
            times["nnbook"].append(_build(book, executes=stale))
    labels = {
        "clean": f"clean build (all {len(page_seconds)} pages executed)",
        "unchanged": "unchanged rebuild",
        "prose": "rebuild after a prose edit (mlp.md)",
        "code": "rebuild after a code edit (mlp.md executes again)",
        "nnbook": f"rebuild after an edit to nnbook/{MODULE} ({', '.join(stale)} execute again)",
    }
    table(
        ["`python tools/build.py`", "median (s)", "runs (s)"],
        [
            (labels[k], f"{statistics.median(v):.1f}", ", ".join(f"{t:.1f}" for t in v))
            for k, v in times.items()
        ],
    )
    rows = sorted(page_seconds.items(), key=lambda item: -statistics.median(item[1]))
    total = sum(statistics.median(v) for v in page_seconds.values())
    print("Execution time of each page in the clean builds (the pages in TIMED alone with every")
    print(f"thread, the others one thread each, one per core; {total:.0f} s in all):\n")
    table(["page", "median (s)"], [(name, f"{statistics.median(v):.1f}") for name, v in rows])
    part = _part_pages("Images and convolution")
    seconds = sum(statistics.median(page_seconds[name]) for name in part)
    print(f'The part "Images and convolution" ({", ".join(part)}): {seconds:.0f} s of pages')
    print("(its target: at most 90 s of a clean build).\n")
    return times


def _part_pages(caption):
    """The pages ("cnn.md") of the part of _toc.yml with this caption."""
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    part = next(part for part in toc["parts"] if part["caption"] == caption)
    return [Path(chapter["file"]).name + ".md" for chapter in part["chapters"]]


def unit_test_benchmark(repeats):
    """Seconds of `pytest -m unit` (no build needed), as `make unit` runs it."""
    print(f"## Unit tests (median of {repeats})\n", flush=True)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-m", "unit", "-q", "-p", "no:cacheprovider"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        times.append(time.perf_counter() - start)
        if result.returncode != 0:
            sys.exit(f"the unit tests failed:\n{result.stdout[-3000:]}")
    table(
        ["`pytest -m unit`", "median (s)", "runs (s)"],
        [("unit tests, no build", f"{statistics.median(times):.1f}",
          ", ".join(f"{t:.1f}" for t in times))],
    )  # fmt: skip
    return times


def _copy_repository(target):
    """The files of the working tree that git tracks or would track (not _build/, .venv/)."""
    listed = (
        subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def _build(book, executes=None):
    """Seconds of `python tools/build.py` in book; checks the pages it executed, if given."""
    start = time.perf_counter()
    env = {k: v for k, v in os.environ.items() if k != "NNBOOK_CACHE"}  # the copy's own
    result = subprocess.run(
        [sys.executable, "tools/build.py"], cwd=book, capture_output=True, text=True, env=env
    )
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"the build failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    executed = re.findall(r"executed(?: alone| in parallel)?: (\S+)", result.stdout)
    if executes is not None and sorted(executed) != sorted(executes):
        sys.exit(f"the build executed {executed}, not {executes}")
    return seconds


def _fingerprints(book):
    """{page: fingerprint} of the pages in book, as its tools/pages.py computes them."""
    sys.path.insert(0, str(book / "tools"))
    try:
        import pages
    finally:
        sys.path.pop(0)
    return pages.fingerprints(pages.pages(book), package=book / "nnbook")


def _execution_seconds(book):
    from jupyter_cache import get_cache

    records = get_cache(book / "_build" / ".jupyter_cache").list_cache_records()
    return {Path(r.uri).name: r.data["execution_seconds"] for r in records}


# ------------------------------------------------------------------ 2. preprocessing


def preprocess_benchmark(ds, repeats):
    print(f"## 2. Loading the 60,000 training images (median of {repeats})\n", flush=True)
    loop, fast, ratios = [], [], []
    data.to_tensors(ds["train"])  # decodes and stores the pixels, once per machine
    for _ in range(repeats):
        start = time.perf_counter()
        x_loop, y_loop = data.preprocess_data(ds["train"])
        loop.append(time.perf_counter() - start)
        start = time.perf_counter()
        x_fast, y_fast = data.to_tensors(ds["train"])
        fast.append(time.perf_counter() - start)
        assert torch.equal(x_loop, x_fast) and torch.equal(y_loop, y_fast), "not the same tensors"
        ratios.append(loop[-1] / fast[-1])
    table(
        ["", "median (s)", "speedup"],
        [
            ("per-image loop, `data.preprocess_data`", f"{statistics.median(loop):.2f}", "1"),
            (
                "stored pixels, `data.to_tensors` (identical tensors)",
                f"{statistics.median(fast):.2f}",
                f"{statistics.median(ratios):.1f}x",
            ),
        ],
    )
    return statistics.median(ratios)


# ------------------------------------------------------------------ 3. full batch


def matmul_gflops(repeats, n=4096):
    """Throughput of one large float32 matrix product, the machine's practical peak."""
    A, B = torch.randn(n, n), torch.randn(n, n)
    return 2 * n**3 / median_time(lambda: A @ B, repeats) / 1e9


def flops_per_epoch(N, with_dX):
    """Multiply-adds of the matrix products of one full-batch step, times 2."""
    per_layer = [784 * N_HIDDEN, N_HIDDEN * N_HIDDEN, N_HIDDEN * 10]
    forward = sum(per_layer)
    weights = sum(per_layer)  # dW1, dW2, dW3
    inputs = per_layer[1] + per_layer[2] + (per_layer[0] if with_dX else 0)  # dh1, dh2, dX
    return 2 * N * (forward + weights + inputs)


def draft_page_loop(X, train_y, epochs):
    """Run the training loop cell of chapters/training_loop.md; its losses and epoch times."""
    page = (ROOT / "chapters" / "training_loop.md").read_text()
    cells = re.findall(r"```\{code-cell\} ipython3\n(.*?)```", page, flags=re.S)
    (cell,) = [c for c in cells if c.startswith("epochs = 100")]
    cell = cell.replace("epochs = 100 ", f"epochs = {epochs} ")
    cell = cell.replace("for epoch in range(epochs):", "for epoch in timed(range(epochs)):")
    stamps = []

    def timed(epochs):
        for epoch in epochs:
            stamps.append(time.perf_counter())
            yield epoch
        stamps.append(time.perf_counter())

    namespace = {"torch": torch, "model": model, "X": X, "train_y": train_y, "N": X.shape[0]}
    namespace["timed"] = timed
    with contextlib.redirect_stdout(io.StringIO()):  # the loop prints every 10 epochs
        exec(cell, namespace)
    return namespace["losses"], [b - a for a, b in zip(stamps, stamps[1:])]


def gradient_loop(X, y, gradients, epochs):
    """train.full_batch one epoch at a time from the draft's initialization; losses, times."""
    parameters = model.initialize_nn()
    losses, times = [], []
    for _ in range(epochs):
        start = time.perf_counter()
        losses += train.full_batch(X, y, parameters, epochs=1, lr=0.1, gradients=gradients)
        times.append(time.perf_counter() - start)
    return losses, times


def products_only(X, parameters, repeats):
    """Median time of the matrix products of one short step alone: the ceiling for any loop."""
    W1, b1, W2, b2, W3, b3 = [p.detach() for p in parameters]
    N = X.shape[0]
    h1, h2 = torch.rand(N, N_HIDDEN), torch.rand(N, N_HIDDEN)
    d1, d2, dlogits = torch.rand(N, N_HIDDEN), torch.rand(N, N_HIDDEN), torch.rand(N, 10)

    def step():
        X @ W1, h1 @ W2, h2 @ W3  # forward
        dlogits @ W3.T, h2.T @ dlogits, d2 @ W2.T, h1.T @ d2, X.T @ d1  # backward, no dX

    return median_time(step, repeats)


def full_batch_benchmark(X, y, epochs, repeats):
    print(f"## 3. Full-batch training, {epochs} epochs on {X.shape[0]:,} images\n", flush=True)
    N = X.shape[0]
    peak_before = matmul_gflops(repeats)
    losses, draft_times = draft_page_loop(X, y, epochs)
    if epochs == 100:  # the draft's numbers: this is the loop of the book
        assert round(losses[0], 4) == 15.9699 and round(losses[-1], 4) == 3.2024, losses
    _, short_times = gradient_loop(X, y, train.short_gradients, epochs)
    _, block_times = gradient_loop(X, y, train.block_gradients, min(epochs, 20))  # saves time
    products = products_only(X, model.initialize_nn(), repeats=max(repeats, 10))
    peak = statistics.median([peak_before, matmul_gflops(repeats)])

    rows = []
    for name, seconds, with_dX in [
        ("draft's loop, step by step, with dX (training_loop.md)", draft_times, True),
        ("short backward pass, no dX (`train.short_gradients`)", short_times, False),
        ("short, in blocks of 4,000 rows (`train.block_gradients`)", block_times, False),
    ]:
        epoch = statistics.median(seconds)
        gflops = flops_per_epoch(N, with_dX) / epoch / 1e9
        total = f"{sum(seconds):.1f}" if len(seconds) == epochs else f"({len(seconds)} epochs run)"
        rows.append((name, f"{epoch:.3f}", total, f"{gflops:.0f}", f"{gflops / peak:.0%}"))
    gflops = flops_per_epoch(N, False) / products / 1e9
    rows.append(
        (
            "its matrix products alone (no other work)",
            f"{products:.3f}",
            "",
            f"{gflops:.0f}",
            f"{gflops / peak:.0%}",
        )
    )
    rows.append(
        (f"one {4096}x{4096} matrix product (`torch.matmul`)", "", "", f"{peak:.0f}", "100%")
    )
    table(["loop", "s per epoch (median)", f"{epochs} epochs (s)", "GFLOP/s", "of matmul"], rows)
    print(
        f"FLOPs per epoch: {flops_per_epoch(N, True) / 1e9:.1f} G with dX, "
        f"{flops_per_epoch(N, False) / 1e9:.1f} G without (matrix products only).\n"
    )
    return {"speedup": statistics.median(draft_times) / statistics.median(short_times)}


# ------------------------------------------------------------------ 4. minibatch


SETTINGS = dict(epochs=30, batch_size=128, lr=0.1, momentum=0.9, max_shift=2, seed=0)


def manual_run(X_train, y_train, X_val, y_val):
    """The run of chapters/minibatch.md, measured on the validation set after every epoch."""
    parameters = model.initialize_scaled()
    history = train.minibatch_sgd(
        X_train, y_train, parameters, **SETTINGS, X_val=X_val, y_val=y_val
    )
    return history["seconds"], history["val_accuracy"]


def nn_run(X_train, y_train, X_val, y_val, compile=False):
    """The torch.nn version of chapters/torch_nn.md, timed and measured the same way."""
    net = nn.Sequential(
        nn.Linear(784, N_HIDDEN),
        nn.Tanh(),
        nn.Linear(N_HIDDEN, N_HIDDEN),
        nn.Tanh(),
        nn.Linear(N_HIDDEN, 10),
    )
    W1, b1, W2, b2, W3, b3 = model.initialize_scaled()
    with torch.no_grad():
        for layer, W, b in zip([net[0], net[2], net[4]], [W1, W2, W3], [b1, b2, b3]):
            layer.weight.copy_(W.T)
            layer.bias.copy_(b)
    optimizer = torch.optim.SGD(net.parameters(), lr=SETTINGS["lr"], momentum=SETTINGS["momentum"])
    forward = torch.compile(net) if compile else net
    g = torch.Generator().manual_seed(SETTINGS["seed"])
    batch_size, max_shift = SETTINGS["batch_size"], SETTINGS["max_shift"]
    n_batches = X_train.shape[0] // batch_size
    total_steps = SETTINGS["epochs"] * n_batches
    step, seconds, history, accuracy = 0, 0.0, [], []
    for epoch in range(SETTINGS["epochs"]):
        start = time.perf_counter()
        perm = torch.randperm(X_train.shape[0], generator=g)
        for i in range(n_batches):
            idx = perm[i * batch_size : (i + 1) * batch_size]
            shift = torch.randint(-max_shift, max_shift + 1, (2,), generator=g)
            dx, dy = shift.tolist()
            Xb = train.shift_images(X_train[idx], dx, dy)
            loss = F.cross_entropy(forward(Xb), y_train[idx])
            optimizer.zero_grad()
            loss.backward()
            for group in optimizer.param_groups:
                group["lr"] = train.cosine_lr(step, total_steps, SETTINGS["lr"])
            optimizer.step()
            loss.item()  # as the book's loop, which records every batch's loss
            step += 1
        seconds += time.perf_counter() - start
        history.append(seconds)
        with torch.no_grad():
            accuracy.append((net(X_val).argmax(1) == y_val).float().mean().item())
    return history, accuracy


def time_to(target, seconds, accuracy):
    """Training seconds until the first epoch whose validation accuracy reaches target."""
    for epoch, (s, a) in enumerate(zip(seconds, accuracy)):
        if a >= target:
            return s, epoch + 1
    return math.inf, None


def minibatch_benchmark(ds, repeats, target=0.98):
    print(
        f"## 4. Minibatch SGD to {target:.0%} validation accuracy (median of {repeats})\n",
        flush=True,
    )
    train_x, train_y = data.to_tensors(ds["train"])
    X = train_x.view(-1, 784)
    X_train, y_train = X[:50000], train_y[:50000]  # the book's split
    X_val, y_val = X[50000:], train_y[50000:]
    variants = {
        "hand-written backward (`train.minibatch_sgd`)": lambda: manual_run(
            X_train, y_train, X_val, y_val
        ),
        "`torch.nn` + autograd (torch_nn.md)": lambda: nn_run(X_train, y_train, X_val, y_val),
    }
    compile_note = _compile_works()
    if compile_note is None:
        # one run: compiling takes long and, for a network this small, gains nothing
        variants["`torch.nn` + autograd + `torch.compile` (1 run)"] = lambda: nn_run(
            X_train, y_train, X_val, y_val, compile=True
        )
    results = {name: [] for name in variants}
    for repeat in range(repeats):
        for name, run in variants.items():  # in turns, so that all see the same machine
            if "(1 run)" in name and repeat > 0:
                continue
            seconds, accuracy = run()
            results[name].append((time_to(target, seconds, accuracy), seconds, accuracy[-1]))
    rows, first = [], None
    for name, runs in results.items():
        to_target = statistics.median(r[0][0] for r in runs)
        epochs = sorted(r[0][1] or 0 for r in runs)
        first = first or to_target
        rows.append(
            (
                name,
                f"{to_target:.1f}",
                ", ".join(map(str, epochs)),
                f"{statistics.median(r[1][-1] / len(r[1]) for r in runs):.2f}",
                f"{statistics.median(r[2] for r in runs):.2%}",
                f"{to_target / first:.2f}",
            )
        )
    header = ["", f"s to {target:.0%}", "epoch reached", "s per epoch", "final validation accuracy"]
    table([*header, "time to target vs hand-written"], rows)
    if compile_note:
        print(f"torch.compile: not measured, {compile_note}\n")
    print(
        "Times are training only (the validation accuracy after each epoch is not counted). "
        "The runs differ in rounding, so they reach the target at different epochs.\n"
    )


def cnn_benchmark(ds, repeats, batch_size=128, lr=0.1):
    """Seconds per training epoch of the CNN: by hand (im2col) and with torch.nn, in turns."""
    print(f"## 5. The convolutional network: one training epoch (median of {repeats})\n",
          flush=True)  # fmt: skip
    train_x, train_y = data.to_tensors(ds["train"])
    X_train, y_train = train_x.view(-1, 784)[:50000], train_y[:50000]
    net = nn.Sequential(
        nn.Unflatten(1, (1, 28, 28)),
        nn.Conv2d(1, 16, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(800, 100), nn.ReLU(), nn.Linear(100, 10),
    )  # fmt: skip
    optimizer = torch.optim.SGD(net.parameters(), lr=lr, momentum=0.9)

    def by_hand():
        train.minibatch_sgd(X_train, y_train, cnn.initialize(seed=1), epochs=1,
                            batch_size=batch_size, lr=lr, momentum=0.9,
                            max_shift=cnn.TRAINING["max_shift"], seed=0,
                            gradients=cnn.gradients, forward=cnn.forward)  # fmt: skip

    def with_torch_nn():
        g = torch.Generator().manual_seed(0)
        perm = torch.randperm(len(X_train), generator=g)
        for i in range(len(X_train) // batch_size):
            idx = perm[i * batch_size : (i + 1) * batch_size]
            loss = F.cross_entropy(net(X_train[idx]), y_train[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

    seconds = {"hand-written (`cnn.gradients`, im2col)": [], "`torch.nn` + autograd": []}
    for _ in range(repeats):
        for name, run in zip(seconds, [by_hand, with_torch_nn]):  # in turns
            start = time.perf_counter()
            run()
            seconds[name].append(time.perf_counter() - start)
    first = statistics.median(next(iter(seconds.values())))
    table(
        ["", "s per epoch", "runs (s)", "vs hand-written"],
        [
            (name, f"{statistics.median(v):.1f}", ", ".join(f"{t:.1f}" for t in v),
             f"{statistics.median(v) / first:.2f}")
            for name, v in seconds.items()
        ],
    )  # fmt: skip


def _compile_works():
    """None if torch.compile compiles and runs a small network here, else the reason."""
    try:
        net = torch.compile(nn.Sequential(nn.Linear(4, 4), nn.Tanh()))
        net(torch.rand(2, 4)).sum().backward()
        return None
    except Exception as error:  # a missing compiler, an unsupported platform
        return f"it fails here: {type(error).__name__}: {str(error).splitlines()[0][:200]}"


# ------------------------------------------------------------------ main


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs per figure (3)")
    parser.add_argument("--skip-build", action="store_true", help="leave out the builds")
    parser.add_argument("--epochs", type=int, default=100, help="full-batch epochs (100)")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    print(
        f"# Benchmarks, {time.strftime('%Y-%m-%d')}: {torch.get_num_threads()} threads, "
        f"torch {torch.__version__}, {_processor()}\n",
        flush=True,
    )
    if not args.skip_build:
        build_benchmark(args.repeats)
    unit_test_benchmark(args.repeats)
    ds = data.load_mnist()
    preprocess_benchmark(ds, args.repeats)
    train_x, train_y = data.to_tensors(ds["train"])
    full_batch_benchmark(train_x.view(-1, 784), train_y, args.epochs, args.repeats)
    minibatch_benchmark(ds, args.repeats)
    cnn_benchmark(ds, args.repeats)
    browser_benchmark(args.repeats)
    print(f"All of this took {(time.perf_counter() - start) / 60:.1f} minutes.")


def browser_benchmark(repeats):
    """Seconds per epoch of the trainer's JavaScript, and the sliders' redraw times, in Chromium."""
    sys.path.insert(0, str(ROOT / "tools"))
    import browser
    from playwright.sync_api import sync_playwright

    site = ROOT / "_build" / "html"
    if not (site / "_static" / "widgets" / "trainer.json").is_file():
        print("(no built book with the figures in _build/html: the browser figures are left out)\n")
        return
    httpd, base = browser.serve(site)
    rows = []
    try:
        with sync_playwright() as playwright:
            chromium = browser.launch(playwright)
            page = chromium.new_page()
            page.route("**/*", browser.router(base, set(), browser.local_mathjax()))
            page.goto(base + "chapters/minibatch.html")
            page.wait_for_function("() => window.nnMLP && window.nnWidgets")
            seconds = page.evaluate(EPOCH_JS, repeats)
            rows.append(
                (
                    "one epoch of the trainer, 10,000 images, batches of 128 (`nnbook/mlp.js`)",
                    f"{statistics.median(seconds):.2f} s (runs: "
                    + ", ".join(f"{t:.2f}" for t in seconds)
                    + ")",
                )
            )
            for name, path in [
                ("stepSize", "how_networks_learn"),
                ("softmax", "loss"),
                ("scale", "initialization"),
            ]:
                page.goto(base + f"chapters/{path}.html")
                page.wait_for_function(f"() => window.nnWidgets && window.nnWidgets.{name}")
                page.evaluate(f"() => window.nnWidgets.{name}.ready.then(() => true)")
                times = page.evaluate(
                    f"""() => Array.from({{length: 11}}, () => {{
                        const start = performance.now();
                        window.nnWidgets.{name}.draw();
                        return performance.now() - start;
                    }})"""
                )
                rows.append((f"redraw of the {name} figure (median of 11)",
                             f"{statistics.median(times):.1f} ms"))  # fmt: skip
            chromium.close()
    finally:
        httpd.shutdown()
        httpd.server_close()
    table(["in headless Chromium", "time"], rows)


# Loads the trainer's data as its worker does, then times whole epochs of mlp.js in the page.
EPOCH_JS = """async (repeats) => {
    const meta = await (await fetch("../_static/widgets/trainer.json")).json();
    const response = await fetch("../_static/" + meta.pixels);
    const stream = response.body.pipeThrough(new DecompressionStream("gzip"));
    const pixels = new Uint8Array(await new Response(stream).arrayBuffer());
    const labels = new Uint8Array(await (await fetch("../_static/" + meta.labels)).arrayBuffer());
    const N = meta.n_train, B = 128;
    const X = Float32Array.from(pixels.subarray(0, N * 784), (v) => v / 255);
    const parameters = nnMLP.initialize("scaled", 1);
    const velocities = parameters.map((p) => new Float64Array(p.length));
    const seconds = [];
    for (let r = 0; r < repeats; r++) {
        const start = performance.now();
        for (let s = 0; s + B <= N; s += B) {
            const r = nnMLP.gradients(X.subarray(s * 784, (s + B) * 784),
                                      labels.subarray(s, s + B), B, parameters);
            nnMLP.update(parameters, velocities, r.grads, 0.1, 0.9);
        }
        seconds.push((performance.now() - start) / 1000);
    }
    return seconds;
}"""


def _processor():
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return f"{line.split(':', 1)[1].strip()}, {os.cpu_count()} cores"
    return f"{os.cpu_count()} cores"


if __name__ == "__main__":
    main()
