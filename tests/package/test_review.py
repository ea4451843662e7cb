"""`mockguard review`: the App's review job with a plain token, against `mockguard sandbox`.

The token is minted with exactly the permissions a workflow's `permissions:` would give, so the
sandbox refuses, with GitHub's 403, each write they do not allow: the fall-back chain check run ->
commit status -> annotations is exercised for real. The change is read from a depth-1 checkout
(fetching what it lacks) when one is there, else through the API.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pullrepo import NO_CHECKS, READ_ONLY, WRITE_ALL, Workflow, plain_token, sandbox_for

pytestmark = pytest.mark.e2e
MOCKGUARD = Path(sys.executable).with_name("mockguard")


def review(sandbox, token: str | None, *, cwd: Path, extra: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_TOKEN", "GITHUB_API_URL")}
    if token is not None:
        env["REVIEW_TOKEN"] = token
    return subprocess.run([str(MOCKGUARD), "review", "--repo", "acme/widgets", "--pr", "7", "--token-env", "REVIEW_TOKEN",
                           "--api-url", sandbox.url, *extra], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300)


@pytest.fixture
def world(tmp_path):
    workflow = Workflow(tmp_path)
    with sandbox_for(workflow) as sandbox:
        yield workflow, sandbox


def test_a_token_that_may_write_posts_what_the_app_posts_and_a_rerun_posts_nothing_twice(world):
    workflow, sandbox = world
    token = plain_token(sandbox.url, workflow.private_key, WRITE_ALL)
    first = review(sandbox, token, cwd=workflow.workspace)
    assert first.returncode == 1, first.stderr
    assert "posted as a check run" in first.stdout and "read with git" in first.stdout
    state = sandbox.state()
    (run,) = state["check_runs"]
    assert run["name"] == "mockguard" and run["conclusion"] == "failure" and run["head_sha"] == workflow.head
    (posted,) = state["reviews"]
    paths = sorted((c["path"], c["line"]) for c in posted["comments"])
    assert ("tests/integration/test_threads.py", 11) in paths
    assert len(state["issue_comments"]) == 1
    assert state["statuses"] == []

    again = review(sandbox, token, cwd=workflow.workspace)
    assert again.returncode == 1, again.stderr
    state = sandbox.state()
    assert len(state["reviews"]) == 1 and len(state["issue_comments"]) == 1  # nothing twice
    assert len(state["check_runs"]) == 2  # one check run per run, like a re-run of the App's check


def test_without_checks_write_the_result_is_a_commit_status(world):
    workflow, sandbox = world
    token = plain_token(sandbox.url, workflow.private_key, NO_CHECKS)
    done = review(sandbox, token, cwd=workflow.tmp)  # not a checkout: read through the API
    assert done.returncode == 1, done.stderr
    assert "posted as a commit status" in done.stdout and "read with api" in done.stdout
    state = sandbox.state()
    assert state["check_runs"] == []
    final = [s for s in state["statuses"] if s["state"] != "pending"]
    assert final and final[-1]["state"] == "failure" and final[-1]["context"] == "mockguard"
    assert len(state["reviews"]) == 1  # comments are still allowed


def test_a_read_only_token_degrades_to_annotations_without_a_traceback(world):
    workflow, sandbox = world
    token = plain_token(sandbox.url, workflow.private_key, READ_ONLY)
    done = review(sandbox, token, cwd=workflow.workspace)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert "posted as annotations only" in done.stdout
    assert any(line.startswith("::error file=tests/integration/test_threads.py,line=11") for line in done.stdout.splitlines())
    assert "refused by the token's permissions:" in done.stdout
    state = sandbox.state()
    assert state["check_runs"] == [] and state["statuses"] == [] and state["reviews"] == []


def test_no_token_or_no_such_pull_request_is_exit_2_in_one_line(world):
    workflow, sandbox = world
    missing = review(sandbox, None, cwd=workflow.tmp)
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    assert missing.stderr.strip() == "mockguard: no token: pass one in the environment variable named by --token-env"
    token = plain_token(sandbox.url, workflow.private_key, WRITE_ALL)
    env = {**os.environ, "REVIEW_TOKEN": token}
    nothing = subprocess.run([str(MOCKGUARD), "review", "--repo", "acme/widgets", "--pr", "99", "--token-env",
                              "REVIEW_TOKEN", "--api-url", sandbox.url], cwd=workflow.tmp, env=env,
                             capture_output=True, text=True, timeout=120)
    assert nothing.returncode == 2 and "Traceback" not in nothing.stderr
    assert "acme/widgets#99" in nothing.stderr


def test_a_depth_1_checkout_of_the_base_branch_is_deepened_and_read_with_git(world):
    from pullrepo import git

    workflow, sandbox = world
    # pull_request_target checks out the base branch: its tip is the checkout's shallow boundary.
    base_only = workflow.tmp / "base-checkout"
    git(workflow.tmp, "clone", "-q", "--depth=1", "--branch", "main", workflow.origin.as_uri(), str(base_only))
    assert git(base_only, "rev-parse", "--is-shallow-repository") == "true"
    token = plain_token(sandbox.url, workflow.private_key, WRITE_ALL)
    done = review(sandbox, token, cwd=base_only)
    assert done.returncode == 1, done.stderr
    assert "read with git" in done.stdout and "could not read" not in done.stderr
    assert git(base_only, "merge-base", workflow.base, workflow.head)  # base and head now meet


def test_a_workflows_own_token_reviews_as_github_actions(world):
    from pullrepo import workflow_token

    workflow, sandbox = world
    token = workflow_token(sandbox.url, {"contents": "read", "pull_requests": "write", "checks": "write"})
    if token is None:
        pytest.skip("this sandbox mints no workflow tokens (POST /_sandbox/tokens)")
    done = review(sandbox, token, cwd=workflow.workspace)
    assert done.returncode == 1, done.stderr
    assert "posted as a check run" in done.stdout
    state = sandbox.state()
    assert len(state["check_runs"]) == 1 and len(state["reviews"]) == 1
