"""Faults set at run time (POST /_sandbox/faults) and by flags, seen by real clients."""

from __future__ import annotations

import time
from datetime import datetime, timezone

import github
import httpx
import pytest
from github import Auth

from bot.sandbox.launcher import drop, error, latency, running_sandbox, secondary_rate_limit

from .conftest import APP_ID, NAME, OWNER, Repo, World, error_body, make_jwt

R = f"/repos/{OWNER}/{NAME}"


@pytest.fixture(autouse=True)
def no_faults_left(world: World):
    yield
    world.sandbox.clear_faults()


def test_server_errors_then_recovery(world: World) -> None:
    with world.client() as c:
        world.sandbox.set_faults(error(500, count=2), error(502, count=1))
        statuses = [c.get(f"{R}/pulls/1").status_code for _ in range(4)]
        assert statuses == [500, 500, 502, 200]
        world.sandbox.set_faults(error(502, count=1))
        response = c.get(f"{R}/pulls/1")
        assert error_body(response) == {"message": "Server Error", "documentation_url": "https://docs.github.com/rest",
                                        "status": "502"}
        assert response.headers["x-ratelimit-remaining"]
    log = [r for r in world.sandbox.state()["requests"] if r["path"] == f"{R}/pulls/1"][-5:]
    assert [(r["status"], r["fault"]) for r in log] == [(500, "error"), (500, "error"), (502, "error"), (200, None),
                                                         (502, "error")]


def test_faults_match_method_and_path(world: World) -> None:
    with world.client() as c:
        world.sandbox.set_faults(error(503, count=None, method="POST", path=r"/check-runs$"))
        assert c.get(f"{R}/pulls/1").status_code == 200
        assert c.post(f"{R}/check-runs", json={"name": "x", "head_sha": world.repo.head}).status_code == 503
        assert c.post(f"{R}/check-runs", json={"name": "x", "head_sha": world.repo.head}).status_code == 503
        assert c.post(f"{R}/issues/1/comments", json={"body": "fine"}).status_code == 201
    faults = world.sandbox.state()["faults"]
    assert faults["rules"][0]["used"] == 2 and faults["rules"][0]["remaining"] is None


def test_secondary_rate_limit(world: World) -> None:
    with world.client() as c:
        for status in (403, 429):
            world.sandbox.set_faults(secondary_rate_limit(status=status, retry_after=7))
            response = c.post(f"{R}/issues/1/comments", json={"body": "too fast"})
            assert response.status_code == status
            assert response.headers["retry-after"] == "7"
            assert response.headers["x-ratelimit-remaining"] == "0"
            body = error_body(response)
            assert body["message"].startswith("You have exceeded a secondary rate limit.")
            assert body["documentation_url"].endswith("#about-secondary-rate-limits")
    # A real client recognises it.
    gh = github.Github(auth=Auth.Token(world.token()), base_url=world.url, retry=None)
    world.sandbox.set_faults(secondary_rate_limit(status=403, retry_after=1))
    with pytest.raises(github.RateLimitExceededException):
        gh.get_repo(f"{OWNER}/{NAME}")


def test_dropped_connection(world: World) -> None:
    with world.client() as c:
        world.sandbox.set_faults(drop(count=1))
        with pytest.raises(httpx.RemoteProtocolError):
            c.get(f"{R}/pulls/1")
        assert c.get(f"{R}/pulls/1").status_code == 200
    assert world.sandbox.state()["requests"][-2]["fault"] == "drop"


def test_fault_after_the_write_took_effect(world: World) -> None:
    """A 502 after the comment was stored: the client sees a failure for something that happened."""
    with world.client() as c:
        world.sandbox.set_faults(error(502, count=1, method="POST", after=True))
        response = c.post(f"{R}/issues/1/comments", json={"body": "posted despite the 502"})
        assert response.status_code == 502
        world.sandbox.set_faults(drop(count=1, method="POST", after=True))
        with pytest.raises(httpx.RemoteProtocolError):
            c.post(f"{R}/issues/1/comments", json={"body": "posted despite the drop"})
    bodies = [x["body"] for x in world.sandbox.state()["issue_comments"]]
    assert "posted despite the 502" in bodies and "posted despite the drop" in bodies


def test_latency(world: World) -> None:
    with world.client() as c:
        world.sandbox.set_faults(latency(300, count=1))
        started = time.monotonic()
        assert c.get(f"{R}/pulls/1").status_code == 200
        assert time.monotonic() - started >= 0.3
        world.sandbox.set_faults(latency_ms=200)
        started = time.monotonic()
        c.get(f"{R}/pulls/1")
        assert time.monotonic() - started >= 0.2


def test_bad_fault_requests_are_refused(world: World) -> None:
    for body in ({"rules": [{"kind": "meteor"}]}, {"rules": [{"kind": "secondary_rate_limit", "status": 500}]},
                 {"rules": [{"kind": "error", "path": "("}]}, {"latency_ms": -1}):
        response = httpx.post(f"{world.url}/_sandbox/faults", json=body)
        assert response.status_code == 400, body


def test_faults_and_limits_from_flags(repo: Repo, keys) -> None:
    private, public = keys
    args = ["--fail", "503:1", "--secondary-rate-limit", "1", "--secondary-rate-limit-status", "429",
            "--retry-after", "2", "--rate-limit", "4", "--token-ttl", "600"]
    with running_sandbox(repo.path, repo.base, repo.head, OWNER, NAME, APP_ID, public, extra_args=args) as sandbox:
        app_jwt = make_jwt(private.read_bytes(), APP_ID)
        first = httpx.post(f"{sandbox.url}/app/installations/1/access_tokens",
                           headers={"Authorization": f"Bearer {app_jwt}"})
        assert first.status_code == 503
        second = httpx.post(f"{sandbox.url}/app/installations/1/access_tokens",
                            headers={"Authorization": f"Bearer {app_jwt}"})
        assert second.status_code == 429 and second.headers["retry-after"] == "2"
        minted = httpx.post(f"{sandbox.url}/app/installations/1/access_tokens",
                            headers={"Authorization": f"Bearer {app_jwt}"}).json()
        token = minted["token"]
        lifetime = datetime.fromisoformat(minted["expires_at"].replace("Z", "+00:00")) - datetime.now(timezone.utc)
        assert 590 <= lifetime.total_seconds() <= 600  # --token-ttl 600
        headers = {"Authorization": f"token {token}"}
        seen = [httpx.get(f"{sandbox.url}{R}/pulls/1", headers=headers) for _ in range(5)]
        assert [r.status_code for r in seen] == [200, 200, 200, 200, 403]
        assert [r.headers["x-ratelimit-remaining"] for r in seen] == ["3", "2", "1", "0", "0"]
        assert error_body(seen[-1])["message"] == "API rate limit exceeded for installation ID 1."
        limits = httpx.get(f"{sandbox.url}/rate_limit", headers=headers).json()
        assert limits["resources"]["core"]["remaining"] == 0 and limits["resources"]["core"]["limit"] == 4
        assert sandbox.expire_tokens(token) == 1  # as if its lifetime were over
        expired = httpx.get(f"{sandbox.url}/rate_limit", headers=headers)
        assert expired.status_code == 401 and error_body(expired)["message"] == "Bad credentials"
