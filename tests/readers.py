"""Run the reader notebooks the way Colab and Binder readers meet them.

Used by tests/test_colab.py and tests/test_binder.py. Each notebook runs in a fresh kernel of
a fresh virtual environment, in an empty working folder, with nothing of the repository on
the path: what it needs, it installs or computes. Colab's kernels start without a result
cache, as a reader's does; Binder's read back the build's long runs (tests/test_binder.py
says why). The kernel is driven by nbclient from inside that environment, so the kernel is the
environment's Python.
"""

import json
import os
import shutil
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path

import yaml

from conftest import ROOT

NOTEBOOKS = ROOT / "_build" / "notebooks"  # what the deploy workflow publishes
REPOSITORY = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]
TIMEOUT = 900  # seconds per notebook before nbclient gives up; the tests assert far less
# The PyTorch of the book's environment (Colab has one preinstalled; Binder's comes from
# PyTorch's CPU index), installed as the Makefile installs it: from PyTorch's CPU index
# ($TORCH_INDEX), where pip's own index would give a CUDA build.
TORCH = f"torch=={version('torch').split('+')[0]}"
TORCH_INDEX = os.environ.get("TORCH_INDEX", "https://download.pytorch.org/whl/cpu")

# Runs one notebook in the environment's own Python: nbclient starts the kernel "python3",
# which is that Python (ipykernel's kernel spec runs sys.executable).
RUNNER = r"""
import json, sys, tempfile, time
import nbformat
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

path, workdir, result = sys.argv[1:4]
notebook = nbformat.read(path, as_version=4)
# The kernel talks over local sockets in a folder of its own, not TCP ports: two kernels
# starting at once can pick the same free TCP port ("Address already in use", the kernel dies).
sockets = tempfile.mkdtemp(prefix="nnbook-kernel-")
km = KernelManager(kernel_name="python3", transport="ipc", ip=sockets + "/ipc")
client = NotebookClient(notebook, km=km, timeout=int(sys.argv[4]), kernel_name="python3",
                        resources={"metadata": {"path": workdir}})
start = time.perf_counter()
error = None
try:
    client.execute()
except CellExecutionError as exc:
    error = str(exc)[-3000:]
seconds = time.perf_counter() - start
outputs = [
    {"cell": i, **o} for i, c in enumerate(notebook.cells) if c.cell_type == "code"
    for o in c.outputs
]

def cell_seconds(cell):  # from the timestamps nbclient records in each cell's metadata
    from datetime import datetime
    times = cell.metadata.get("execution", {})
    start, end = times.get("iopub.execute_input"), times.get("shell.execute_reply")
    if not (start and end):
        return None
    parse = lambda t: datetime.fromisoformat(t.replace("Z", "+00:00"))
    return (parse(end) - parse(start)).total_seconds()


cells = [cell_seconds(c) for c in notebook.cells if c.cell_type == "code"]
with open(result, "w") as file:
    json.dump({"seconds": seconds, "error": error, "outputs": outputs, "cells": cells}, file)
"""


def python(venv):
    return Path(venv) / "bin" / "python"


def make_venv(venv, *pip_args, env=None):
    """A fresh virtual environment with what pip_args install."""
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    if TORCH in pip_args:  # alone: pip asks the extra index about every package it installs
        pip(venv, TORCH, "--index-url", TORCH_INDEX, env=env)
    if pip_args:
        pip(venv, *pip_args, env=env)
    return venv


def pip(venv, *args, env=None, cwd=None):
    subprocess.run(
        [python(venv), "-m", "pip", "install", "-q", "--disable-pip-version-check", *args],
        check=True,
        env=env,
        cwd=cwd,
    )


def snapshot_repository(folder):
    """The working tree as branch main of a new git repository: what `git+<url>@main` gets.

    The files git tracks or would track, as they are on disk (uncommitted edits included), so
    that the test installs the nnbook being tested, not the last commit.
    """
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, (n.decode() for n in listed)):
        source = ROOT / name
        if source.is_file():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, folder / name)
    git = ["git", "-C", str(folder), "-c", "user.name=test", "-c", "user.email=test@localhost"]
    subprocess.run([*git, "init", "-q", "-b", REPOSITORY["branch"]], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "snapshot"], check=True)
    return folder


def home_serving_the_repository(home, repository):
    """A HOME whose git fetches the book's repository URL from a local folder (no network)."""
    home.mkdir(parents=True, exist_ok=True)
    (home / ".gitconfig").write_text(
        f'[url "file://{repository}"]\n\tinsteadOf = {REPOSITORY["url"]}\n'
    )
    return home


def reader_environment(venv, home, **extra):
    """The environment of a reader's kernel: no build cache, no repository on the path (extra
    may add one back: NNBOOK_CACHE, for Binder's run)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("NNBOOK_", "JUPYTER", "PYTHON", "VIRTUAL_ENV", "IPYTHON"))
    }
    env.update(
        HOME=str(home),
        PATH=f"{Path(venv) / 'bin'}{os.pathsep}{env.get('PATH', '')}",
        PIP_CACHE_DIR=os.environ.get("PIP_CACHE_DIR", str(Path.home() / ".cache" / "pip")),
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PYDEVD_DISABLE_FILE_VALIDATION="1",
        MPLBACKEND="module://matplotlib_inline.backend_inline",
        **extra,
    )
    if os.environ.get("MNIST_PATH"):  # offline, as here; a reader with network needs none
        env["MNIST_PATH"] = str(Path(os.environ["MNIST_PATH"]).resolve())
    return env


def run_notebook(venv, notebook, workdir, env, timeout=TIMEOUT):
    """Run one notebook top to bottom: {"seconds", "error", "outputs", "cells"} (the seconds
    of each code cell)."""
    workdir.mkdir(parents=True, exist_ok=True)
    result = workdir.parent / f"{Path(notebook).stem}.result.json"
    started = time.perf_counter()
    process = subprocess.run(
        [python(venv), "-c", RUNNER, str(notebook), str(workdir), str(result), str(timeout)],
        env=env,
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=timeout + 120,
    )
    if process.returncode != 0 or not result.is_file():
        return {"seconds": time.perf_counter() - started, "error": process.stderr[-3000:],
                "outputs": []}  # fmt: skip
    return json.loads(result.read_text())


def problems(result):
    """What a reader would see go wrong: an error, or output on stderr."""
    found = [result["error"]] if result["error"] else []
    for output in result["outputs"]:
        if output.get("name") == "stderr" and output.get("text", "").strip():
            found.append(f"stderr in code cell {output['cell']}: {output['text'][:500]}")
    return found
