"""The command line: the documented command, its errors, many pull requests and `deliver`."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import httpx

from bot.sandbox.launcher import running_sandbox

from .conftest import APP_ID, NAME, OWNER, SECRET, Receiver, Repo, make_jwt

R = f"/repos/{OWNER}/{NAME}"


def mockguard() -> list[str]:
    script = Path(sys.executable).with_name("mockguard")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_documented_command_serves_on_the_given_port(repo: Repo, keys) -> None:
    private, public = keys
    port = free_port()
    command = mockguard() + ["sandbox", "--repo", str(repo.path), "--base", repo.base, "--head", repo.head,
                             "--owner", OWNER, "--name", NAME, "--app-id", str(APP_ID), "--public-key", str(public),
                             "--port", str(port), "--host", "127.0.0.1", "--pr", "1", "--installation-id", "1"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        assert line.strip() == f"sandbox listening on http://127.0.0.1:{port}", process.stderr.read()
        state = httpx.get(f"http://127.0.0.1:{port}/_sandbox/state").json()
        assert state["pulls"][0]["head_sha"] == repo.head and state["repository"]["full_name"] == f"{OWNER}/{NAME}"
        app_jwt = make_jwt(private.read_bytes(), APP_ID)
        assert httpx.get(f"http://127.0.0.1:{port}/app", headers={"Authorization": f"Bearer {app_jwt}"}).json()[
            "id"] == APP_ID
    finally:
        process.terminate()
        assert process.wait(timeout=10) is not None


def test_usage_errors(repo: Repo, keys) -> None:
    missing = subprocess.run(mockguard() + ["sandbox", "--repo", str(repo.path)], capture_output=True, text=True)
    assert missing.returncode == 2 and "missing --owner, --name, --app-id, --public-key" in missing.stderr
    bad = subprocess.run(mockguard() + ["sandbox", "--repo", str(repo.path), "--base", "nope", "--head", repo.head,
                                        "--owner", OWNER, "--name", NAME, "--app-id", "1", "--public-key",
                                        str(keys[1])], capture_output=True, text=True)
    assert bad.returncode == 1 and "--base 'nope' is not a commit" in bad.stderr
    helped = subprocess.run(mockguard() + ["sandbox", "--help"], capture_output=True, text=True)
    assert helped.returncode == 0 and "--webhook-secret" in helped.stdout and "deliver" in helped.stdout


def test_many_pull_requests_and_the_deliver_subcommand(repo: Repo, keys) -> None:
    private, public = keys
    receiver = Receiver()
    try:
        with running_sandbox(repo.path, repo.base, repo.head, OWNER, NAME, APP_ID, public,
                             pulls=[(2, repo.head, repo.extra["pushed"]), (7, "main", "feature")],
                             webhook_url=receiver.url, webhook_secret=SECRET) as sandbox:
            app_jwt = make_jwt(private.read_bytes(), APP_ID)
            token = httpx.post(f"{sandbox.url}/app/installations/1/access_tokens",
                               headers={"Authorization": f"Bearer {app_jwt}"}).json()["token"]
            headers = {"Authorization": f"token {token}"}
            numbers = [p["number"] for p in httpx.get(f"{sandbox.url}{R}/pulls", headers=headers).json()]
            assert numbers == [7, 2, 1]
            two = httpx.get(f"{sandbox.url}{R}/pulls/2/files", headers=headers).json()
            assert [f["filename"] for f in two] == ["tests/integration/test_api.py"]
            assert httpx.get(f"{sandbox.url}{R}/pulls/3", headers=headers).status_code == 404

            result = subprocess.run(
                mockguard() + ["sandbox", "deliver", "--sandbox-url", sandbox.url, "--event", "pull_request",
                               "--action", "opened", "--pr", "2"],
                capture_output=True, text=True,
            )
            assert result.returncode == 0, result.stderr
            printed = json.loads(result.stdout)
            assert printed["status"] == 202 and printed["event"] == "pull_request"
            delivered = json.loads(receiver.wait_for(1)[0]["body"])
            assert delivered["number"] == 2 and delivered["pull_request"]["head"]["sha"] == repo.extra["pushed"]
    finally:
        receiver.close()
