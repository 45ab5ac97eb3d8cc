"""The publishing workflow (.github/workflows/book.yml) is a valid GitHub Actions workflow.

The linter is check-jsonschema (the dev extra) with the GitHub workflow schema it ships (no
network). actionlint, the usual linter, installs from PyPI only as a source package that
downloads its binary from GitHub while it builds, which a machine limited to the package
registries cannot do. The schema catches misspelt keys, wrong types and missing required
fields; the checks below hold the workflow to what it must do for this book.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
import yaml

from tests.conftest import ROOT

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
BOOK = ROOT / ".github" / "workflows" / "book.yml"


def lint(path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
         str(path)], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_passes_the_linter(workflow):
    done = lint(workflow)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_linter_rejects_a_broken_workflow(tmp_path):
    broken = yaml.safe_load(BOOK.read_text())
    del broken["jobs"]["build"]["runs-on"]  # a job with no machine to run on
    broken["jobs"]["deploy"]["steps"][0]["uses"] = 4  # an action that is not a name
    path = tmp_path / "broken.yml"
    path.write_text(yaml.safe_dump(broken))
    done = lint(path)
    assert done.returncode != 0 and "runs-on" in done.stdout + done.stderr, done.stdout


def test_book_workflow_builds_both_editions_and_deploys_them_to_pages():
    workflow = yaml.safe_load(BOOK.read_text())
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as True
    assert "main" in triggers["push"]["branches"]
    assert {"pages": "write", "id-token": "write"}.items() <= workflow["permissions"].items()
    build, deploy = workflow["jobs"]["build"], workflow["jobs"]["deploy"]
    commands = " ".join(step.get("run", "") for step in build["steps"])
    assert "make book" in commands and "make readers" in commands, commands
    upload = [s for s in build["steps"] if s.get("uses", "").startswith("actions/upload-pages-artifact@")]
    assert upload and upload[0]["with"]["path"] == "_build/html"
    assert deploy["needs"] == "build" and deploy["environment"]["name"] == "github-pages"
    assert deploy["steps"][-1]["uses"].startswith("actions/deploy-pages@")


def test_every_make_target_the_workflow_calls_exists():
    targets = set(re.findall(r"^([\w./-]+):", (ROOT / "Makefile").read_text(), re.MULTILINE))
    called = set(re.findall(r"\bmake ([\w./-]+)", BOOK.read_text()))
    missing = called - targets
    assert not missing, f"book.yml calls make targets the Makefile lacks: {sorted(missing)}"
