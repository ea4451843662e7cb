"""git's smart HTTP protocol over the sandbox's repository, driven by the real git client: partial
clones and fetches by id work with an installation token as the password of `x-access-token`;
anything else is refused as GitHub refuses it; the user's repository gets no ref."""

from __future__ import annotations

import base64
from pathlib import Path

import httpx

from tests.support.git import git

from .conftest import NAME, OWNER, World

R = f"/repos/{OWNER}/{NAME}"


def basic(token: str, user: str = "x-access-token") -> str:
    return "Basic " + base64.b64encode(f"{user}:{token}".encode()).decode()


def fetch_config(token: str) -> list[str]:
    """git's own way to send a header on every request (what CI systems do with the token)."""
    return ["-c", f"http.extraHeader=Authorization: {basic(token)}"]


def refs_of(repo: Path) -> str:
    return git(repo, "for-each-ref", "--format=%(refname) %(objectname)")


def test_a_partial_clone_fetches_the_pull_request_and_then_blobs_by_id(world: World, tmp_path: Path) -> None:
    user_refs = refs_of(world.repo.path)
    token = world.token()
    url = f"{world.url}/{OWNER}/{NAME}.git"
    clone = tmp_path / "cache.git"
    git(tmp_path, *fetch_config(token), "clone", "-q", "--bare", "--filter=blob:none", url, str(clone))
    git(clone, *fetch_config(token), "fetch", "-q", "origin", "+refs/pull/1/head:refs/remotes/pull/1")
    assert git(clone, "rev-parse", "refs/remotes/pull/1") == world.repo.head
    assert git(clone, "rev-parse", "refs/heads/main") == world.repo.base
    # A blob-less clone: the head's blobs are promised, not present, until asked for by id.
    missing = git(clone, "rev-list", "--objects", "--missing=print", world.repo.head)
    blob = git(world.repo.path, "rev-parse", f"{world.repo.head}:tests/integration/test_api.py")
    assert f"?{blob}" in missing.splitlines()
    text = git(clone, *fetch_config(token), "cat-file", "-p", blob)  # a lazy fetch of one wanted id
    assert "@mock.patch('app.client')" in text
    assert refs_of(world.repo.path) == user_refs  # nothing was written into the user's repository


def test_a_push_to_the_pull_request_shows_in_the_advertised_refs(world: World, tmp_path: Path) -> None:
    token = world.token()
    url = f"{world.url}/{OWNER}/{NAME}.git"
    pushed = world.repo.extra["pushed"]
    world.sandbox.update_pull(1, head=pushed)
    try:
        listing = git(tmp_path, *fetch_config(token), "ls-remote", url)
        assert f"{pushed}\trefs/pull/1/head" in listing.splitlines()
    finally:
        world.sandbox.update_pull(1, head=world.repo.head)


def test_refusals_answer_as_github_does(world: World) -> None:
    token = world.token()
    info = f"/{OWNER}/{NAME}.git/info/refs"
    with httpx.Client(base_url=world.url, timeout=30) as http:
        anonymous = http.get(info, params={"service": "git-upload-pack"})
        assert anonymous.status_code == 401
        assert anonymous.headers["www-authenticate"].startswith("Basic")
        for header in (basic("ghs_not_a_token"), basic(token, user="someone"), f"token {token}"):
            answer = http.get(info, params={"service": "git-upload-pack"}, headers={"Authorization": header})
            assert answer.status_code == 401, header
        ok = http.get(info, params={"service": "git-upload-pack"}, headers={"Authorization": basic(token)})
        assert ok.status_code == 200
        assert ok.headers["content-type"] == "application/x-git-upload-pack-advertisement"
        other = http.get(f"/{OWNER}/elsewhere.git/info/refs", params={"service": "git-upload-pack"},
                         headers={"Authorization": basic(token)})
        assert other.status_code == 404
        push = http.get(info, params={"service": "git-receive-pack"}, headers={"Authorization": basic(token)})
        assert push.status_code == 403
        no_contents = world.token(permissions={"checks": "write"})
        refused = http.get(info, params={"service": "git-upload-pack"}, headers={"Authorization": basic(no_contents)})
        assert refused.status_code == 403


def test_git_requests_are_logged_and_do_not_spend_the_rest_limit(world: World, tmp_path: Path) -> None:
    token = world.token()
    with world.client(token) as api:
        before = int(api.get(R).headers["x-ratelimit-remaining"])
        git(tmp_path, *fetch_config(token), "ls-remote", f"{world.url}/{OWNER}/{NAME}.git")
        after = int(api.get(R).headers["x-ratelimit-remaining"])
    assert after == before - 1  # the second REST call only
    logged = [r for r in world.sandbox.requests() if r.get("kind") == "git"]
    assert any(r["path"] == f"/{OWNER}/{NAME}.git/info/refs" and r["status"] == 200 for r in logged)
    assert not any(".git/" in r["path"] for r in world.sandbox.requests() if r.get("kind") != "git")
