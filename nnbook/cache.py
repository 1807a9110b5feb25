"""Run a long computation once per build and reuse it on later pages.

Several pages train the same network with the same call: "Evaluating the model" repeats the
100 epochs of "The training loop", and "Errors", "torch.nn" and "Try it: draw a digit" repeat
the run of "Minibatch SGD". Every page runs in its own kernel, so each would redo the work.
`run(fn, *args)` does `fn(*args)` once and keeps the result in the folder named by the
environment variable NNBOOK_CACHE (the book's build sets it to `_build/.nnbook_cache`, which
`jupyter-book clean --all` deletes; later builds reuse what is there). Without NNBOOK_CACHE,
as in Colab, it just calls `fn`.

A page that computes such a result with code of its own, as "The training loop" does with the
loop it teaches, can hand it over: `Promise(fn, *args)` before, `.keep(result, seconds, *args)`
after. The build starts the pages that read it only after that page has finished (NEEDS in
`tools/pages.py`); a page that asks earlier computes the result itself, so the result is
right whatever the order and speed of the pages.

The key of a result is everything it depends on: the function's name, the values of the
arguments (every tensor's bytes), the source code of this module and of the nnbook modules the
call can run (the function's module, those of the functions among its arguments, and every
nnbook module they import, directly or through one another) and the torch version, so an edit
to that code or to an argument recomputes. For nnbook's functions these are modules the page
that makes the call imports, so the build executes that page again whenever its key changes
(tools/pages.py), and an edit to another module leaves its result readable. A function from
elsewhere (a page's own, a test's) is keyed by the whole package.
"""

import ast
import contextlib
import hashlib
import os
import time
from pathlib import Path

import torch

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None

PACKAGE = Path(__file__).parent


def run(fn, *args, **kwargs):
    """fn(*args, **kwargs) and the seconds it took, computed once per key.

    fn may change tensors among its arguments in place, as train.full_batch trains the
    parameters it is given; their final values are kept and restored too. The seconds are
    those of the call that computed the result, possibly on another page, in this build or an
    earlier one.
    """
    folder = os.environ.get("NNBOOK_CACHE")
    if not folder:
        return _timed(fn, args, kwargs)
    tensors = _tensors([args, kwargs])
    before = [_digest(t) for t in tensors]
    path = _path(folder, fn, args, kwargs, before)
    with _locked(path):  # a page running alongside waits, then reads
        if path.exists():
            stored = torch.load(path, weights_only=True)
            with torch.no_grad():
                for i, value in stored["changed"].items():
                    tensors[i].copy_(value)
            return stored["result"], stored["seconds"]
        result, seconds = _timed(fn, args, kwargs)
        _save(path, result, seconds, before, tensors)
    return result, seconds


class Promise:
    """The result of fn(*args, **kwargs), to be computed by other code and handed over by keep.

    "The training loop" trains the draft's network with the loop it teaches, which computes bit
    for bit what train.full_batch computes (tests/test_sync.py checks it). Later pages ask
    run(train.full_batch, ...) for that network. The promise takes the key of the call from
    the arguments as they are before the loop changes them; keep stores the result under it.
    Nothing waits for a promise: the build runs the pages that read the result after the
    page that keeps it (tools/pages.py), and a page that asks before the result is kept
    computes it, as run always does.
    """

    def __init__(self, fn, *args, **kwargs):
        folder = os.environ.get("NNBOOK_CACHE")
        self.path = None
        if folder:  # outside a build there is nobody to hand the result to
            self.before = [_digest(t) for t in _tensors([args, kwargs])]
            self.path = _path(folder, fn, args, kwargs, self.before)

    def keep(self, result, seconds, *args, **kwargs):
        """Store result, with args and kwargs as they are now (the promised call's, changed)."""
        if self.path is not None:
            with _locked(self.path):  # not while a page that asked earlier is computing it
                if not self.path.exists():
                    _save(self.path, result, seconds, self.before, _tensors([args, kwargs]))
            self.path = None


def _path(folder, fn, args, kwargs, digests):
    path = Path(folder) / f"{fn.__name__}-{_key(fn, args, kwargs, digests)}.pt"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _save(path, result, seconds, before, tensors):
    """Keep result and seconds, and the tensors whose values differ from the digests before."""
    if len(tensors) != len(before):
        raise ValueError("the arguments do not match the promised call")
    changed = {i: t.detach().clone() for i, t in enumerate(tensors) if _digest(t) != before[i]}
    partial = path.with_suffix(".tmp")
    torch.save({"result": result, "changed": changed, "seconds": seconds}, partial)
    partial.replace(path)  # complete or absent, never half written


@contextlib.contextmanager
def _locked(path):
    """Hold an exclusive lock on path's lock file (no locking where fcntl is missing)."""
    with open(path.with_suffix(".lock"), "w") as file:
        if fcntl is not None:
            fcntl.flock(file, fcntl.LOCK_EX)  # released when the file closes
        yield


def _timed(fn, args, kwargs):
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - start


def _tensors(value):
    """Every tensor in nested lists, tuples and dicts, in a fixed order."""
    return _leaves(value, lambda v: isinstance(v, torch.Tensor))


def _callables(value):
    """Every function in nested lists, tuples and dicts (gradients=cnn.gradients, ...)."""
    return _leaves(value, lambda v: callable(v) and not isinstance(v, torch.Tensor))


def _leaves(value, wanted):
    """The values in nested lists, tuples and dicts (by sorted key) for which wanted is true."""
    if wanted(value):
        return [value]
    if isinstance(value, dict):
        value = [value[k] for k in sorted(value)]
    if isinstance(value, (list, tuple)):
        return [leaf for v in value for leaf in _leaves(v, wanted)]
    return []


def _digest(tensor):
    data = tensor.detach().cpu().contiguous().reshape(-1)
    return hashlib.sha1(data.view(torch.uint8).numpy().data).hexdigest()


def _key(fn, args, kwargs, digests):
    h = hashlib.sha1()
    for source in _sources([fn, *_callables([args, kwargs])]):
        h.update(f"{source.name}\n".encode() + source.read_bytes())
    h.update(torch.__version__.encode())
    h.update(f"{fn.__module__}.{fn.__qualname__}".encode())
    h.update(_describe([args, kwargs]).encode())
    for d in digests:
        h.update(d.encode())
    return h.hexdigest()[:16]


def _sources(functions):
    """The files of the nnbook modules these functions can run, and this one, in a fixed order."""
    todo = {Path(__file__).stem}
    for fn in functions:
        parts = (getattr(fn, "__module__", None) or "").split(".")
        if parts[0] != PACKAGE.name or len(parts) != 2:
            return sorted(PACKAGE.glob("*.py"))  # a page's or a test's function: all of them
        todo.add(parts[1])
    found = set()
    while todo:
        name = todo.pop()
        if name not in found and (PACKAGE / f"{name}.py").is_file():
            found.add(name)
            todo |= _imported((PACKAGE / f"{name}.py").read_text())
    return [PACKAGE / f"{name}.py" for name in sorted(found)]


def _imported(code):
    """The nnbook modules that code imports: `from nnbook import a, b`, `from nnbook.a import
    f`, `import nnbook.a`, and the relative `from . import a`, `from .a import f`."""
    names = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.ImportFrom):
            parts = (node.module or "").split(".")
            if node.level:  # relative: from . import a / from .a import f
                names |= {parts[0]} if node.module else {a.name for a in node.names}
            elif parts[0] == PACKAGE.name:
                names |= {parts[1]} if len(parts) > 1 else {a.name for a in node.names}
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == PACKAGE.name and len(parts) > 1:
                    names.add(parts[1])
    return names


def _describe(value):
    """The arguments with each tensor replaced by its dtype and shape (its bytes are hashed)."""
    if isinstance(value, torch.Tensor):
        return f"tensor({value.dtype}, {tuple(value.shape)}, {value.requires_grad})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_describe(value[k])}" for k in sorted(value)) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_describe(v) for v in value) + "]"
    if callable(value):  # a function argument, such as gradients=train.short_gradients
        return f"{value.__module__}.{value.__qualname__}"
    return repr(value)
