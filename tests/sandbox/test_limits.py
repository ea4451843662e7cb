"""GitHub's documented limits, enforced per installation, and the headers that go with them:
secondary limits (concurrency, points per minute, content creation) answered in each of GitHub's
forms, conditional requests answered 304 without spending the primary limit, `Location` on 201."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import pytest

from bot.sandbox.launcher import SandboxHandle, latency, running_sandbox, secondary_rate_limit

from .conftest import APP_ID, NAME, OWNER, Repo, World, error_body, make_jwt

R = f"/repos/{OWNER}/{NAME}"
SECONDARY_MESSAGE = "You have exceeded a secondary rate limit"


def token_for(sandbox: SandboxHandle, private: Path) -> dict[str, str]:
    app_jwt = make_jwt(private.read_bytes(), APP_ID)
    answer = httpx.post(f"{sandbox.url}/app/installations/1/access_tokens", headers={"Authorization": f"Bearer {app_jwt}"})
    assert answer.status_code == 201, answer.text
    return {"Authorization": f"token {answer.json()['token']}"}


def limited(repo: Repo, keys: tuple[Path, Path], *args: str):
    return running_sandbox(repo.path, repo.base, repo.head, OWNER, NAME, APP_ID, keys[1], extra_args=list(args))


def test_points_per_minute_a_get_costs_one_and_a_write_five(repo: Repo, keys) -> None:
    with limited(repo, keys, "--points-per-minute", "8") as sandbox:
        headers = token_for(sandbox, keys[0])
        with httpx.Client(base_url=sandbox.url, headers=headers) as http:
            posted = http.post(f"{R}/issues/1/comments", json={"body": "five points"})
            assert posted.status_code == 201
            assert [http.get(R).status_code for _ in range(3)] == [200, 200, 200]  # 8 points spent
            before = http.get("/rate_limit").json()["resources"]["core"]["remaining"]
            refused = http.get(R)
            assert refused.status_code == 403
            body = error_body(refused)
            assert body["message"].startswith(SECONDARY_MESSAGE)
            assert body["documentation_url"].endswith("#about-secondary-rate-limits")
            assert 1 <= int(refused.headers["retry-after"]) <= 60
            # The default form keeps the primary limit's own count, and a refused request costs nothing.
            assert int(refused.headers["x-ratelimit-remaining"]) == before
        assert [r["secondary_limit"] for r in sandbox.state()["requests"] if r.get("secondary_limit")] == ["points"]


def test_content_creation_per_minute_in_the_429_form_with_remaining_zero(repo: Repo, keys) -> None:
    with limited(repo, keys, "--content-per-minute", "2", "--secondary-form", "429,retry-after,remaining-0") as sandbox:
        headers = token_for(sandbox, keys[0])  # minting a token creates no content
        with httpx.Client(base_url=sandbox.url, headers=headers) as http:
            statuses = [http.post(f"{R}/issues/1/comments", json={"body": f"c{i}"}).status_code for i in range(2)]
            assert statuses == [201, 201]
            refused = http.post(f"{R}/issues/1/comments", json={"body": "one too many"})
            assert refused.status_code == 429
            assert refused.headers["x-ratelimit-remaining"] == "0"
            assert int(refused.headers["x-ratelimit-reset"]) > 0 and "retry-after" in refused.headers
            assert http.get(f"{R}/pulls/1").status_code == 200  # reads are still served
            edited = http.get(f"{R}/issues/1/comments").json()[0]
            assert http.patch(f"{R}/issues/comments/{edited['id']}", json={"body": "x"}).status_code == 200
        kinds = [r["secondary_limit"] for r in sandbox.state()["requests"] if r.get("secondary_limit")]
        assert kinds == ["content_per_minute"]


def test_concurrent_requests_over_the_limit_are_refused(repo: Repo, keys) -> None:
    with limited(repo, keys, "--max-concurrent", "1", "--secondary-form", "403") as sandbox:
        headers = token_for(sandbox, keys[0])
        sandbox.set_faults(latency(8000, count=None, path="/pulls/1$"))  # long enough on a busy machine
        slow: dict[str, int] = {}

        def slow_request() -> None:
            # Refused while one of the quick requests below is in flight: sent again until it runs.
            while (status := http.get(f"{R}/pulls/1").status_code) == 403:
                pass
            slow["status"] = status

        with httpx.Client(base_url=sandbox.url, headers=headers, timeout=30) as http:
            started = threading.Thread(target=slow_request)
            started.start()
            try:
                # Until the slow request is in flight, then one more is refused.
                answer = http.get(R)
                while answer.status_code == 200 and started.is_alive():
                    answer = http.get(R)
                assert answer.status_code == 403
                assert "retry-after" not in answer.headers and answer.headers["x-ratelimit-remaining"] != "0"
                assert error_body(answer)["message"].startswith(SECONDARY_MESSAGE)
            finally:
                started.join()
        assert slow["status"] == 200


@pytest.mark.parametrize("status", [403, 429])
@pytest.mark.parametrize("retry_after", [None, 3])
@pytest.mark.parametrize("remaining_zero", [True, False])
def test_every_secondary_limit_form_as_a_fault(world: World, status, retry_after, remaining_zero) -> None:
    with world.client() as c:
        world.sandbox.set_faults(secondary_rate_limit(status=status, retry_after=retry_after,
                                                      remaining_zero=remaining_zero))
        try:
            answer = c.get(f"{R}/pulls/1")
        finally:
            world.sandbox.clear_faults()
    assert answer.status_code == status
    assert error_body(answer)["message"].startswith(SECONDARY_MESSAGE)
    assert answer.headers.get("retry-after") == (None if retry_after is None else str(retry_after))
    assert (answer.headers["x-ratelimit-remaining"] == "0") is remaining_zero


def test_a_matching_etag_is_answered_304_without_spending_the_primary_limit(world: World) -> None:
    with world.client() as c:
        first = c.get(f"{R}/pulls/1")
        etag = first.headers["etag"]
        remaining = int(first.headers["x-ratelimit-remaining"])
        again = c.get(f"{R}/pulls/1", headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b""
        assert again.headers["etag"] == etag
        assert int(again.headers["x-ratelimit-remaining"]) == remaining
        changed = c.get(f"{R}/pulls/1", headers={"If-None-Match": 'W/"something-else"'})
        assert changed.status_code == 200 and int(changed.headers["x-ratelimit-remaining"]) == remaining - 1


def test_created_resources_carry_their_location(world: World) -> None:
    with world.client() as c:
        created = c.post(f"{R}/issues/1/comments", json={"body": "where is it?"})
        assert created.status_code == 201
        assert created.headers["location"] == created.json()["url"]
        assert c.get(created.headers["location"]).json()["body"] == "where is it?"


def test_the_command_line_enforces_githubs_limits_by_default() -> None:
    from click.testing import CliRunner

    from bot.cli import main

    text = CliRunner().invoke(main, ["sandbox", "--help"], terminal_width=200).output
    for flag, default in (("--rate-limit", "5000"), ("--max-concurrent", "100"), ("--points-per-minute", "900"),
                          ("--content-per-minute", "80"), ("--content-per-hour", "500")):
        assert flag in text and f"default: {default}" in text.split(flag, 1)[1].split("--", 1)[0], flag
