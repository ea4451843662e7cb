"""Deliveries: the real payloads' keys at every level, GitHub's headers and a verifiable signature."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.sandbox.launcher import running_sandbox
from bot.sandbox.webhooks import TEMPLATES, sign

from .conftest import APP_ID, NAME, OWNER, SECRET, Receiver, Repo, World, make_jwt

SHARED = Path(__file__).resolve().parents[3] / "shared" / "github" / "webhooks"
PACKAGED = Path(__file__).resolve().parents[2] / "bot" / "sandbox" / "data" / "webhooks"
FOREIGN = ("Codertocat", "Hello-World", "hello-world", "Octocoders", "octocoders", "Super Duper", "api.github.com")


def example(name: str) -> dict[str, Any]:
    path = SHARED / name if SHARED.exists() else PACKAGED / name
    return json.loads(path.read_text())


def key_differences(expected: Any, actual: Any, where: str = "$") -> list[str]:
    """Where the two documents' keys differ, at every level both have an object (or list of them)."""
    out: list[str] = []
    if isinstance(expected, dict) and isinstance(actual, dict):
        missing, extra = set(expected) - set(actual), set(actual) - set(expected)
        if missing or extra:
            out.append(f"{where}: missing {sorted(missing)}, extra {sorted(extra)}")
        for key in set(expected) & set(actual):
            out += key_differences(expected[key], actual[key], f"{where}.{key}")
    elif isinstance(expected, list) and isinstance(actual, list) and expected and actual:
        for item in actual:
            out += key_differences(expected[0], item, f"{where}[]")
    return out


def received(world: World, result: dict[str, Any]) -> dict[str, Any]:
    deliveries = world.receiver.wait_for(1)
    match = [d for d in deliveries if d["headers"]["x-github-delivery"] == result["delivery_id"]]
    assert match, "the delivery did not arrive"
    return match[-1]


def test_packaged_examples_are_the_shared_ones() -> None:
    if not SHARED.exists():
        pytest.skip("../shared is not beside this clone")
    for name in set(TEMPLATES.values()) | {"pull_request/opened.with-organization.json"}:
        assert (PACKAGED / name).read_bytes() == (SHARED / name).read_bytes(), name


def test_signature_helper_matches_the_docs_test_vector() -> None:
    assert sign("It's a Secret to Everybody", b"Hello, World!")[0] == (
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    )


@pytest.mark.parametrize(
    ("event", "action", "name"),
    [
        ("pull_request", "opened", "pull_request/opened.json"),
        ("pull_request", "synchronize", "pull_request/synchronize.json"),
        ("check_suite", "rerequested", "check_suite/rerequested.json"),
        ("check_run", "rerequested", "check_run/rerequested.json"),
    ],
)
def test_delivered_payload_has_the_real_payloads_keys(world: World, event: str, action: str, name: str) -> None:
    if event == "check_run":
        with world.client() as c:
            c.post(f"/repos/{OWNER}/{NAME}/check-runs", json={"name": "mockguard", "head_sha": world.repo.head,
                                                               "conclusion": "failure",
                                                               "output": {"title": "t", "summary": "s"}})
    result = world.sandbox.deliver(event, action)
    assert result["status"] == 202 and result["error"] is None
    delivery = received(world, result)
    body = delivery["body"]
    payload = json.loads(body)

    expected = example(name)
    if "organization" in expected:  # present only for repositories owned by an organization
        expected = {k: v for k, v in expected.items() if k != "organization"}
    assert key_differences(expected, payload) == []
    assert "organization" not in payload
    text = body.decode()
    assert not [word for word in FOREIGN if word in text]

    assert payload["action"] == action
    assert payload["repository"]["full_name"] == f"{OWNER}/{NAME}"
    assert payload["repository"]["owner"]["login"] == OWNER
    assert payload["installation"]["id"] == 1
    if event == "pull_request":
        assert payload["number"] == payload["pull_request"]["number"] == 1
        assert payload["pull_request"]["head"]["sha"] == world.repo.head
        assert payload["pull_request"]["base"]["sha"] == world.repo.base
        assert payload["pull_request"]["url"] == f"{world.url}/repos/{OWNER}/{NAME}/pulls/1"
    if event == "check_suite":
        assert payload["check_suite"]["head_sha"] == world.repo.head
        assert payload["check_suite"]["app"]["id"] == APP_ID
        assert payload["check_suite"]["pull_requests"][0]["number"] == 1
    if event == "check_run":
        assert payload["check_run"]["head_sha"] == world.repo.head
        assert payload["check_run"]["name"] == "mockguard"
        assert payload["check_run"]["app"]["id"] == APP_ID

    headers = delivery["headers"]
    assert headers["x-github-event"] == event
    assert re.fullmatch(r"[0-9a-f-]{36}", headers["x-github-delivery"])
    assert headers["user-agent"].startswith("GitHub-Hookshot/")
    assert headers["content-type"] == "application/json"
    assert headers["x-github-hook-installation-target-id"] == str(APP_ID)
    assert headers["x-github-hook-installation-target-type"] and headers["x-github-hook-id"]
    expected_signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["x-hub-signature-256"], expected_signature)


def test_redelivery_and_push(world: World) -> None:
    first = world.sandbox.deliver("pull_request", "opened")
    again = world.sandbox.deliver("pull_request", "opened", delivery_id=first["delivery_id"])
    assert again["delivery_id"] == first["delivery_id"]
    assert len([d for d in world.receiver.wait_for(2)
                if d["headers"]["x-github-delivery"] == first["delivery_id"]]) == 2

    pushed = world.repo.extra["pushed"]
    sync = world.sandbox.deliver("pull_request", "synchronize", head=pushed)
    payload = json.loads(received(world, sync)["body"])
    assert payload["before"] == world.repo.head and payload["after"] == pushed
    assert payload["pull_request"]["head"]["sha"] == pushed
    with world.client() as c:
        assert c.get(f"/repos/{OWNER}/{NAME}/pulls/1").json()["head"]["sha"] == pushed
        files = [f["filename"] for page in (1, 2) for f in c.get(
            f"/repos/{OWNER}/{NAME}/pulls/1/files", params={"per_page": 100, "page": page}).json()]
    assert "tests/integration/test_api.py" not in files  # the push removed the mocks again
    states = world.sandbox.state()
    assert [p["head_sha"] for p in states["pulls"]] == [pushed]
    assert {d["delivery_id"] for d in states["deliveries"]} >= {first["delivery_id"], sync["delivery_id"]}
    world.sandbox.update_pull(1, head=world.repo.head)


def test_rerequest_api_sends_the_webhook(world: World) -> None:
    with world.client() as c:
        run = c.post(f"/repos/{OWNER}/{NAME}/check-runs", json={"name": "rerun-me", "head_sha": world.repo.head,
                                                                 "conclusion": "success",
                                                                 "output": {"title": "t", "summary": "s"}}).json()
        count = len(world.receiver.deliveries)
        assert c.post(f"/repos/{OWNER}/{NAME}/check-runs/{run['id']}/rerequest").status_code == 201
    deliveries = world.receiver.wait_for(count + 1)
    payload = json.loads(deliveries[-1]["body"])
    assert deliveries[-1]["headers"]["x-github-event"] == "check_run"
    assert payload["action"] == "rerequested" and payload["check_run"]["id"] == run["id"]


def test_organization_owner_payloads(repo: Repo, keys) -> None:
    receiver = Receiver()
    try:
        with running_sandbox(repo.path, repo.base, repo.head, OWNER, NAME, APP_ID, keys[1],
                             webhook_url=receiver.url, webhook_secret=SECRET,
                             extra_args=["--owner-type", "Organization"]) as sandbox:
            opened = sandbox.deliver("pull_request", "opened", send=False)["payload"]
            assert key_differences(example("pull_request/opened.with-organization.json"), opened) == []
            assert list(opened) == list(example("pull_request/opened.with-organization.json"))
            assert opened["organization"]["login"] == OWNER
            check_suite = sandbox.deliver("check_suite", "rerequested", send=False)["payload"]
            assert check_suite["organization"]["login"] == OWNER
            app_jwt = make_jwt(keys[0].read_bytes(), APP_ID)
            token = httpx.post(f"{sandbox.url}/app/installations/1/access_tokens",
                               headers={"Authorization": f"Bearer {app_jwt}"}).json()["token"]
            httpx.post(f"{sandbox.url}/repos/{OWNER}/{NAME}/check-runs", headers={"Authorization": f"token {token}"},
                       json={"name": "mockguard", "head_sha": repo.head})
            check_run = sandbox.deliver("check_run", "rerequested", send=False)["payload"]
            assert key_differences(example("check_run/rerequested.json"), check_run) == []
    finally:
        receiver.close()
