"""A workflow's GITHUB_TOKEN: a plain token holding the permissions its `permissions:` block gives.
Writes those permissions do not allow get GitHub's 403; what it posts is github-actions[bot]'s."""

from __future__ import annotations

import base64
from pathlib import Path

import httpx

from tests.support.git import git

from .conftest import NAME, OWNER, World, error_body

R = f"/repos/{OWNER}/{NAME}"


def client(world: World, token: str) -> httpx.Client:
    return httpx.Client(base_url=world.url, headers={"Authorization": f"Bearer {token}"}, timeout=30)


def test_a_review_workflow_token_writes_what_it_may_and_no_more(world: World) -> None:
    token = world.sandbox.workflow_token(contents="read", pull_requests="write", checks="none")
    with client(world, token) as c:
        assert c.get(f"{R}/pulls/1").status_code == 200
        assert c.get(f"{R}/pulls/1/files").status_code == 200
        comment = c.post(f"{R}/issues/1/comments", json={"body": "from a workflow"})
        assert comment.status_code == 201
        assert comment.json()["user"]["login"] == "github-actions[bot]"
        assert comment.json()["user"]["type"] == "Bot"
        refused = c.post(f"{R}/check-runs", json={"name": "mockguard", "head_sha": world.repo.head})
        assert refused.status_code == 403
        assert error_body(refused)["message"] == "Resource not accessible by integration"
        assert refused.headers["x-accepted-github-permissions"] == "checks=write"
        assert c.post(f"{R}/statuses/{world.repo.head}", json={"state": "success"}).status_code == 403
        assert c.get(f"{R}/pulls/1").headers["x-ratelimit-limit"] == "1000"  # GITHUB_TOKEN's own limit
        assert c.get("/app").status_code == 401  # not the App


def test_a_read_only_token_as_on_a_pull_request_from_a_fork(world: World) -> None:
    token = world.sandbox.workflow_token(contents="read", pull_requests="read")
    with client(world, token) as c:
        assert c.get(f"{R}/pulls/1").status_code == 200
        for method, path, body in (
            ("POST", f"{R}/issues/1/comments", {"body": "x"}),
            ("POST", f"{R}/pulls/1/reviews", {"event": "COMMENT", "body": "x"}),
            ("POST", f"{R}/check-runs", {"name": "mockguard", "head_sha": world.repo.head}),
        ):
            answer = c.request(method, path, json=body)
            assert answer.status_code == 403, (path, answer.text)
            assert error_body(answer)["message"] == "Resource not accessible by integration"


def test_a_workflow_token_fetches_over_git(world: World, tmp_path: Path) -> None:
    token = world.sandbox.workflow_token(contents="read")
    header = "Authorization: Basic " + base64.b64encode(f"x-access-token:{token}".encode()).decode()
    listing = git(tmp_path, "-c", f"http.extraHeader={header}", "ls-remote", f"{world.url}/{OWNER}/{NAME}.git")
    assert f"{world.repo.head}\trefs/pull/1/head" in listing.splitlines()


def test_bad_token_requests_are_refused(world: World) -> None:
    for body in ({"permissions": {"contents": "admin-ish"}}, {"permissions": "all"}, {"perms": {}}):
        assert httpx.post(f"{world.url}/_sandbox/tokens", json=body).status_code == 400, body
