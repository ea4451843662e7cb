"""Fixtures for the sandbox tests: a real git repository, real RSA keys, the sandbox as a real process.

Nothing here is faked: the repository is built with the `git` binary, the App's key pair is made
with `cryptography`, the sandbox runs as `python -m bot.cli sandbox` on a free loopback port and
webhooks are received by a real HTTP server on another.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest

from bot.sandbox.launcher import SandboxHandle, running_sandbox
from tests.support.git import GitRepo
from tests.support.keys import make_jwt, write_app_keys

APP_ID = 424242
OWNER = "acme"
NAME = "widgets"
SECRET = "It's a Secret to Everybody"

INTEGRATION_BASE = "\n".join(
    ["import httpx", "", "", "def test_health(live_server):"]
    + [f"    assert httpx.get(live_server + '/health{i}').status_code == 200" for i in range(20)]
    + ["", "", "def test_orders(live_server):", "    response = httpx.get(live_server + '/orders')",
       "    assert response.status_code == 200", ""]
)
APP_BASE = "\n".join([f"VALUE_{i} = {i}" for i in range(1, 41)]) + "\n"


@dataclass
class Repo:
    path: Path
    base: str
    head: str
    extra: dict[str, str] = field(default_factory=dict)


def build_repo(root: Path) -> Repo:
    """main (base) and feature (head, two commits ahead) with the kinds of change GitHub shows."""
    repo = GitRepo(root / "repo")
    repo.write_bytes("data/logo.png", b"\x89PNG\r\n\x1a\n\x00\x00binary\x00")
    base = repo.commit_files({
        "tests/integration/test_api.py": INTEGRATION_BASE,
        "src/app.py": APP_BASE,
        "docs/old_name.md": "# Title\n\n" + "".join(f"line {i}\n" for i in range(20)),
        "big.txt": "".join(f"row {i}\n" for i in range(10)),
        "removed.py": "print('bye')\n",
    }, "Base")

    repo.switch("feature")
    lines = INTEGRATION_BASE.split("\n")
    lines[0:1] = ["import httpx", "from unittest import mock"]  # line 2 added
    lines.insert(25, "@mock.patch('app.client')")  # line 26 added
    app_lines = APP_BASE.splitlines()
    app_lines[2] = "VALUE_3 = 'three'"  # line 3 changed (first hunk)
    app_lines[35] = "VALUE_36 = 'thirty-six'"  # line 36 changed (second hunk)
    repo.commit_files({"tests/integration/test_api.py": "\n".join(lines), "src/app.py": "\n".join(app_lines) + "\n"},
                      "Add mocks to the integration tests\n\nThe pull request body.")
    repo.git("mv", "docs/old_name.md", "docs/new_name.md")
    repo.write_bytes("data/logo.png", b"\x89PNG\r\n\x1a\n\x00\x01binary2\x00")
    head = repo.commit_files({
        "docs/new_name.md": "# Title\n\n" + "".join(f"line {i}\n" for i in range(20)) + "more\n",
        "big.txt": "".join(f"row {i}\n" for i in range(10)) + "".join(f"new {i}\n" for i in range(600)),
        "removed.py": None,
    } | {f"many/gen_{i:03d}.py": f"N = {i}\n" for i in range(105)}, "More files")

    # A later push to the pull request, used by synchronize tests.
    pushed = repo.commit_files({"tests/integration/test_api.py": INTEGRATION_BASE}, "Remove the mocks")
    repo.switch("main")
    repo.git("branch", "-q", "-f", "feature", head)
    return Repo(repo.root, base, head, {"pushed": pushed})


class Receiver:
    """A real HTTP server that records webhook deliveries and answers 202."""

    def __init__(self) -> None:
        self.deliveries: list[dict[str, Any]] = []
        received = self.deliveries

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                received.append({"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body,
                                 "path": self.path})
                self.send_response(202)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while len(self.deliveries) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.deliveries

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class World:
    repo: Repo
    private_key: Path
    public_key: Path
    sandbox: SandboxHandle
    receiver: Receiver | None = None

    @property
    def url(self) -> str:
        return self.sandbox.url

    def app_jwt(self, **claims: Any) -> str:
        return make_jwt(self.private_key.read_bytes(), APP_ID, **claims)

    def token(self, **body: Any) -> str:
        response = httpx.post(f"{self.url}/app/installations/1/access_tokens",
                              headers={"Authorization": f"Bearer {self.app_jwt()}"}, json=body or None)
        assert response.status_code == 201, response.text
        return response.json()["token"]

    def client(self, token: str | None = None) -> httpx.Client:
        token = token or self.token()
        return httpx.Client(base_url=self.url, headers={"Authorization": f"token {token}",
                                                         "Accept": "application/vnd.github+json"}, timeout=30)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Repo:
    return build_repo(tmp_path_factory.mktemp("git"))


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return write_app_keys(tmp_path_factory.mktemp("keys"))


@pytest.fixture(scope="module")
def world(repo: Repo, keys: tuple[Path, Path]) -> Iterator[World]:
    receiver = Receiver()
    private, public = keys
    try:
        with running_sandbox(repo.path, repo.base, repo.head, OWNER, NAME, APP_ID, public,
                             webhook_url=receiver.url, webhook_secret=SECRET,
                             extra_args=["--max-patch-lines", "500"]) as sandbox:
            yield World(repo, private, public, sandbox, receiver)
    finally:
        receiver.close()


def error_body(response: httpx.Response) -> dict[str, Any]:
    assert response.headers["content-type"].startswith("application/json"), response.headers
    return json.loads(response.content)
