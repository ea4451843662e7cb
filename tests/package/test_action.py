"""action.yml: valid action metadata, and its steps run in order in a simulated workflow, per mode.

The workflow environment is what a runner gives a step on a `pull_request` event: GITHUB_EVENT_PATH
holding GitHub's real pull_request payload (the octokit example, with this repository's numbers and
commits), GITHUB_WORKSPACE a depth-1 checkout of the merge commit as actions/checkout makes it,
GITHUB_OUTPUT, GITHUB_STEP_SUMMARY and RUNNER_TEMP. The install step builds and installs mockguard
from this checkout, as the action does from its own.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pullrepo import PAYLOAD, SHARED_PAYLOAD, Workflow

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.e2e


def test_action_metadata_validates_against_schemastores_schema():
    checked = subprocess.run([str(Path(sys.executable).with_name("check-jsonschema")), "--builtin-schema",
                              "vendor.github-actions", str(ROOT / "action.yml")], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_payload_is_githubs_own_example():
    if SHARED_PAYLOAD.exists():
        assert PAYLOAD.read_bytes() == SHARED_PAYLOAD.read_bytes()
    assert json.loads(PAYLOAD.read_text())["pull_request"]["base"]["sha"]


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


def test_an_unknown_mode_or_an_input_the_mode_cannot_honour_is_an_error(workflow):
    run = workflow.run({"mode": "comments"})
    assert run.exit_code == 2 and "input mode: 'comments' is not one of annotations, review, sarif" in run.summary
    review = workflow.run({"mode": "review", "rules-file": ".github/strict.yml"})
    assert review.exit_code == 2 and "review mode reads .github/mockguard.yml from the base branch" in review.summary


def test_review_mode_posts_with_the_workflow_token_and_falls_back_as_its_permissions_narrow(workflow):
    from pullrepo import NO_CHECKS, READ_ONLY, WRITE_ALL, plain_token, sandbox_for

    with sandbox_for(workflow) as sandbox:
        env = {"GITHUB_API_URL": sandbox.url}
        full = workflow.run({"mode": "review"}, extra_env=env,
                            token=plain_token(sandbox.url, workflow.private_key, WRITE_ALL))
        assert full.exit_code == 1, full.stderr
        assert full.outputs["posted"] == "check-run" and int(full.outputs["blocking"]) >= 3
        assert "Fall-back chain check run -> commit status -> annotations: Posted as a check run" in full.summary
        state = sandbox.state()
        assert len(state["check_runs"]) == 1 and len(state["reviews"]) == 1

        status = workflow.run({"mode": "review"}, extra_env=env,
                              token=plain_token(sandbox.url, workflow.private_key, NO_CHECKS))
        assert status.exit_code == 1 and status.outputs["posted"] == "status"
        assert "may not create check runs, so the result is a commit status" in status.summary
        assert [s["state"] for s in sandbox.state()["statuses"]][-1] == "failure"

        fork = workflow.run({"mode": "review", "fail-on": "never"}, extra_env=env,
                            token=plain_token(sandbox.url, workflow.private_key, READ_ONLY))
        assert fork.exit_code == 0, fork.stderr  # fail-on: never
        assert fork.outputs["posted"] == "annotations" and fork.outputs["blocking"] == "0"
        assert any(line.startswith("::error file=tests/integration/test_threads.py,line=11") for line in fork.stdout.splitlines())
        assert "may write neither check runs nor commit statuses" in fork.summary
        assert "Traceback" not in fork.stderr
        state = sandbox.state()
        # One review in all (the later runs found every finding already commented), one check run.
        assert len(state["reviews"]) == 1 and len(state["check_runs"]) == 1
