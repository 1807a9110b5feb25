"""The GitHub Actions workflows and .ci/run call the Makefile's entry points, and nothing else
builds or tests: what passes in .ci/run passes on the hosted runner. The workflows also match
GitHub's workflow schema (the one check-jsonschema bundles, offline), since nothing here runs
Actions."""

import re
import subprocess
import sys

import yaml

from conftest import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"


def commands(script):
    """The command lines of a shell script, comments and blank lines left out."""
    lines = (line.split("#")[0].strip() for line in script.splitlines())
    return [line for line in lines if line]


def run_steps(name):
    workflow = yaml.safe_load((WORKFLOWS / name).read_text())
    return [c for job in workflow["jobs"].values() for s in job.get("steps", [])
            for c in commands(s.get("run", ""))]  # fmt: skip


def test_ci_workflow_and_ci_run_call_make_test_and_deploy_calls_make_book():
    assert "make test" in run_steps("ci.yml")
    assert not [c for c in run_steps("ci.yml") if re.search(r"pytest|build\.py|pip ", c)]
    ci_run = commands((ROOT / ".ci" / "run").read_text())
    assert "time make test" in ci_run
    assert not [c for c in ci_run if re.search(r"pytest|build\.py|\bpip ", c)]
    deploy = run_steps("deploy.yml")
    assert "make book" in deploy
    assert not [c for c in deploy if re.search(r"pytest|build\.py|pip ", c)]
    # the README's two commands are those
    readme = (ROOT / "README.md").read_text()
    assert re.search(r"```bash\nmake book\s+#[^\n]*\nmake test\s+#[^\n]*\n```", readme)


def test_workflows_match_the_github_schema_and_the_check_sees_an_error(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    stepz: []\n")
    check = [sys.executable, "-m", "check_jsonschema", "--builtin-schema",
             "vendor.github-workflows"]  # fmt: skip
    good = subprocess.run(check + sorted(map(str, WORKFLOWS.glob("*.yml"))), capture_output=True)
    assert good.returncode == 0, good.stdout.decode() + good.stderr.decode()
    bad = subprocess.run(check + [str(broken)], capture_output=True, text=True)
    assert bad.returncode != 0 and "stepz" in bad.stdout
