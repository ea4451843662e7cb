"""action.yml: valid action metadata, and its steps run in order in a simulated workflow, per mode.

The workflow environment is what a runner gives a step on a `pull_request` event: GITHUB_EVENT_PATH
holding GitHub's real pull_request payload (the octokit example, with this repository's numbers and
commits), GITHUB_WORKSPACE a depth-1 checkout of the merge commit as actions/checkout makes it,
GITHUB_OUTPUT, GITHUB_STEP_SUMMARY and RUNNER_TEMP. The install step builds and installs mockguard
from this checkout, as the action does from its own.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from workflow_sim import clean_env, run_composite

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "examples/sample-change"
PAYLOAD = ROOT / "bot/sandbox/data/webhooks/pull_request/opened.json"  # a byte-for-byte copy of GitHub's example
SHARED_PAYLOAD = ROOT.parent / "shared/github/webhooks/pull_request/opened.json"
GIT = {"GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
       "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}

pytestmark = pytest.mark.e2e


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, env={**clean_env(), **GIT}, capture_output=True, text=True)
    assert done.returncode == 0, f"git {args}: {done.stderr}"
    return done.stdout.strip()


def test_action_metadata_validates_against_schemastores_schema():
    checked = subprocess.run([str(Path(sys.executable).with_name("check-jsonschema")), "--builtin-schema",
                              "vendor.github-actions", str(ROOT / "action.yml")], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_payload_is_githubs_own_example():
    if SHARED_PAYLOAD.exists():
        assert PAYLOAD.read_bytes() == SHARED_PAYLOAD.read_bytes()
    assert json.loads(PAYLOAD.read_text())["pull_request"]["base"]["sha"]


class Workflow:
    """A repository with a pull request #7 that adds mocks, and a runner's view of it."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        work = tmp / "work"
        work.mkdir()
        git(work, "init", "-q", "-b", "main")
        shutil.copytree(SAMPLE / "base", work, dirs_exist_ok=True)
        git(work, "add", "-A")
        git(work, "commit", "-qm", "base")
        self.base = git(work, "rev-parse", "HEAD")
        git(work, "checkout", "-qb", "feature")
        git(work, "rm", "-rq", ".")
        shutil.copytree(SAMPLE / "head", work, dirs_exist_ok=True)
        git(work, "add", "-A")
        git(work, "commit", "-qm", "add mocks")
        self.head = git(work, "rev-parse", "HEAD")
        git(work, "checkout", "-q", "main")
        (work / "CHANGES").write_text("the base branch moved on\n")
        git(work, "add", "-A")
        git(work, "commit", "-qm", "base moves on")
        self.base = git(work, "rev-parse", "HEAD")
        git(work, "merge", "-q", "--no-ff", "-m", "merge", "feature")
        merge = git(work, "rev-parse", "HEAD")
        self.origin = tmp / "origin.git"
        git(tmp, "clone", "-q", "--bare", str(work), str(self.origin))
        git(self.origin, "update-ref", "refs/pull/7/head", self.head)
        git(self.origin, "update-ref", "refs/pull/7/merge", merge)
        git(self.origin, "update-ref", "refs/heads/main", self.base)
        # actions/checkout on pull_request: the merge commit, one commit deep.
        self.workspace = tmp / "workspace"
        self.workspace.mkdir()
        git(self.workspace, "init", "-q")
        git(self.workspace, "remote", "add", "origin", self.origin.as_uri())
        git(self.workspace, "fetch", "-q", "--no-tags", "--depth=1", "origin", "+refs/pull/7/merge:refs/remotes/pull/7/merge")
        git(self.workspace, "checkout", "-q", "--detach", "refs/remotes/pull/7/merge")
        assert git(self.workspace, "rev-parse", "--is-shallow-repository") == "true"

    def event(self, name: str = "pull_request") -> Path:
        payload = json.loads(PAYLOAD.read_text())
        payload["pull_request"]["number"] = payload["number"] = 7
        payload["pull_request"]["base"].update(sha=self.base, ref="main")
        payload["pull_request"]["head"].update(sha=self.head, ref="feature")
        payload["repository"]["full_name"] = "acme/widgets"
        payload["pull_request"]["head"]["repo"]["full_name"] = "acme/widgets"
        path = self.tmp / f"event-{name}.json"
        path.write_text(json.dumps(payload))
        return path

    def run(self, inputs: dict[str, str], *, event_name: str = "pull_request", extra_env: dict | None = None):
        runner_temp = self.tmp / f"runner-{len(list(self.tmp.glob('runner-*')))}"
        runner_temp.mkdir()
        env = {**clean_env(), **GIT, "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
               "GITHUB_EVENT_NAME": event_name, "GITHUB_EVENT_PATH": str(self.event(event_name)),
               "GITHUB_REPOSITORY": "acme/widgets", **(extra_env or {})}
        github = {"token": "unused-in-this-mode", "api_url": env.get("GITHUB_API_URL", "https://api.github.com")}
        return run_composite(ROOT, inputs=inputs, github=github, env=env, workspace=self.workspace,
                             runner_temp=runner_temp)


@pytest.fixture
def workflow(tmp_path):
    return Workflow(tmp_path)


def test_annotations_mode_annotates_each_new_mock_and_fails_the_step(workflow):
    run = workflow.run({})
    assert run.steps == ["install", "run"]
    assert run.exit_code == 1, run.stderr
    annotations = [line for line in run.stdout.splitlines() if line.startswith("::error ")]
    assert any("file=tests/integration/test_threads.py,line=11" in line and "MG101" in line for line in annotations)
    assert len(annotations) == int(run.outputs["findings"]) == int(run.outputs["blocking"]) >= 3
    assert run.outputs["outcome"] == "failure" and run.outputs["sarif-file"] == ""
    assert run.summary.startswith(f"## mockguard (annotations): {run.outputs['findings']} new mocks")
    assert "`tests/integration/test_threads.py:11` MG101" in run.summary
    # The depth-1 checkout was completed with the base, the head and their merge base.
    assert "Compared " in run.summary and "merge base" in run.summary


def test_sarif_mode_writes_the_log_for_upload_sarif_and_fail_on_never_passes(workflow):
    run = workflow.run({"mode": "sarif", "fail-on": "never", "sarif-file": "out/mockguard.sarif"})
    assert run.exit_code == 0, run.stderr
    sarif = json.loads(Path(run.outputs["sarif-file"]).read_text())
    assert Path(run.outputs["sarif-file"]) == workflow.workspace / "out/mockguard.sarif"
    assert sarif["version"] == "2.1.0"
    results = [r for r in sarif["runs"][0]["results"] if not r.get("suppressions")]  # suppressed ones ride along
    assert len(results) == int(run.outputs["findings"]) >= 3 and run.outputs["blocking"] == "0"
    assert {r["ruleId"] for r in results} >= {"MG101", "MG102"}
    assert "`fail-on: never`" in run.summary and "upload-sarif" in run.summary


def test_the_rules_file_input_is_read_at_the_base_revision(workflow):
    missing = workflow.run({"rules-file": ".github/strict.yml"})
    assert missing.exit_code == 2
    assert ".github/strict.yml does not exist at the base revision" in missing.summary
    assert missing.outputs["outcome"] == "error"


def test_an_event_that_is_not_a_pull_request_is_an_error_not_a_pass(workflow):
    run = workflow.run({}, event_name="push")
    assert run.exit_code == 2
    assert "::error title=mockguard::mockguard runs on pull_request events" in run.stdout
    assert "could not run" in run.summary


def test_an_unknown_mode_is_an_error(workflow):
    run = workflow.run({"mode": "comments"})
    assert run.exit_code == 2 and "input mode: 'comments' is not one of annotations, review, sarif" in run.summary
