"""The Python code passes ruff (lint and format, settings in pyproject.toml), the YAML files
parse, and the pre-commit hooks (.pre-commit-config.yaml) can run: their tools are installed."""

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from conftest import ROOT

YAML_FILES = [
    ROOT / "_config.yml",
    ROOT / "_toc.yml",
    ROOT / "CITATION.cff",
    ROOT / ".pre-commit-config.yaml",
    *sorted((ROOT / ".github" / "workflows").glob("*.yml")),
]


def run(*command):
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True)


def test_ruff_covers_the_python_code_and_not_the_pages():
    result = run(sys.executable, "-m", "ruff", "check", "--show-files", ".")
    assert result.returncode == 0, result.stderr
    files = {Path(line).relative_to(ROOT).as_posix() for line in result.stdout.split()}
    expected = {"nnbook/model.py", "tests/conftest.py", "tools/build.py",
                "_ext/reader_notebooks.py", "images/make_logo.py"}  # fmt: skip
    assert expected <= files
    assert not [f for f in files if f.startswith(("chapters/", "_build/"))]


def test_ruff_check():
    result = run(sys.executable, "-m", "ruff", "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format():
    result = run(sys.executable, "-m", "ruff", "format", "--check", "--diff", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_draft_function_is_fenced_from_the_formatter():
    source = (ROOT / "nnbook" / "model.py").read_text()
    start, end = source.index("# fmt: off"), source.index("# fmt: on")
    fenced = source[start:end]
    assert "def initialize_nn(n_hidden = 100):" in fenced
    assert "W1 = torch.randn((784, n_hidden),      generator=g)" in fenced


def test_yaml_files_parse():
    result = run(sys.executable, "-m", "pre_commit_hooks.check_yaml", *map(str, YAML_FILES))
    assert result.returncode == 0, result.stdout + result.stderr


def test_pre_commit_config_is_valid_and_its_tools_are_installed():
    result = run(sys.executable, "-m", "pre_commit", "validate-config", ".pre-commit-config.yaml")
    assert result.returncode == 0, result.stdout + result.stderr
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    hooks = [hook for repo in config["repos"] for hook in repo["hooks"]]
    assert {repo["repo"] for repo in config["repos"]} == {"local"}  # nothing to download
    assert {"ruff-check", "ruff-format", "check-yaml", "end-of-file-fixer",
            "trailing-whitespace"} <= {hook["id"] for hook in hooks}  # fmt: skip
    bin_dir = Path(sys.executable).parent
    for hook in hooks:
        assert hook["language"] == "system"
        tool = hook["entry"].split()[0]
        assert (bin_dir / tool).is_file() or shutil.which(tool), f"{tool} is not installed"
