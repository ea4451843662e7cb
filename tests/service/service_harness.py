"""End-to-end harness: a real git repository, a real RSA key and secret, `mockguard sandbox` and
`mockguard serve` as real processes on free loopback ports, and signed deliveries built from
GitHub's own payload examples (tests/service/payloads, copied from octokit/webhooks)."""

from __future__ import annotations

import copy
import json
import os
import secrets
import sys
import uuid
from pathlib import Path

import httpx

from bot.github import sign
from bot.sandbox.launcher import SandboxHandle, sandbox_args, start_sandbox
from tests.support.git import GitRepo
from tests.support.keys import write_app_keys
from tests.support.net import free_port, wait_until
from tests.support.processes import Process

PAYLOADS = Path(__file__).parent / "payloads"
MOCKGUARD = str(Path(sys.executable).parent / "mockguard")
OWNER, NAME = "octo-org", "shop"
REPO = f"{OWNER}/{NAME}"
APP_ID = 4242
INSTALLATION_ID = 1
PR = 7
WAIT = 60.0  # generous ceiling for polling; the tests assert outcomes, never durations


class Sandbox:
    """`mockguard sandbox` for the scenario, started through bot.sandbox.launcher (it binds its own port)."""

    def __init__(self, tmp: Path, repo: GitRepo, base: str, head: str, public_key: Path, extra: list[str]):
        self.args = sandbox_args(repo.path, base, head, OWNER, NAME, APP_ID, public_key, pr=PR, extra_args=extra)
        self.handle: SandboxHandle | None = None

    def start(self) -> None:
        self.handle = start_sandbox(self.args)
        self.url = self.handle.url
        self.http = httpx.Client(base_url=self.url, timeout=30)

    def alive(self) -> bool:
        return self.handle is not None and self.handle.alive()

    def stop(self) -> None:
        if self.handle is not None:
            self.handle.stop()

    def output(self) -> str:
        return self.handle.logs() if self.handle is not None else ""

    def state(self) -> dict:
        return self.http.get("/_sandbox/state").json()

    def faults(self, **spec) -> None:
        response = self.http.post("/_sandbox/faults", json=spec)
        assert response.status_code < 300, response.text

    def push(self, number: int, head: str) -> None:
        """Move a pull request's head to a new commit (what a `git push` does)."""
        response = self.http.patch(f"/_sandbox/pulls/{number}", json={"head": head})
        assert response.status_code == 200, response.text

    def check_runs(self, head: str) -> list[dict]:
        return [r for r in self.state()["check_runs"] if r["head_sha"] == head]

    def completed_run(self, head: str, after: int = 0) -> dict:
        def done():
            runs = [r for r in self.check_runs(head) if r["status"] == "completed"]
            return runs[after] if len(runs) > after else None
        return wait_until(done, f"a completed check run for {head[:7]}")


class Service(Process):
    def __init__(self, tmp: Path, sandbox: Sandbox, key: Path, secret: str, settings: dict[str, str],
                 role: str = "serve"):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.secret = secret
        env = dict(os.environ)
        env.update({
            "MOCKGUARD_APP_ID": str(APP_ID),
            "MOCKGUARD_PRIVATE_KEY_FILE": str(key),
            "MOCKGUARD_WEBHOOK_SECRET": secret,
            "MOCKGUARD_GITHUB_API_URL": sandbox.url,
            "MOCKGUARD_DATA_DIR": str(tmp / "data"),
            "MOCKGUARD_WRITE_INTERVAL": "0.05",
            "MOCKGUARD_GITHUB_BACKOFF": "0.1",
            "MOCKGUARD_JOB_RETRY_DELAY": "0.5",
            "MOCKGUARD_HEARTBEAT_INTERVAL": "0.5",
            "MOCKGUARD_STALE_AFTER": "2",
            "MOCKGUARD_RECONCILE_INTERVAL": "0",  # tests start the reconciler only where they test it
            **settings,
        })
        self.role = role
        if role == "serve":
            args = [MOCKGUARD, "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        else:  # the worker-only role, as `mockguard worker` runs it
            args = [sys.executable, "-c", "from bot.service.cli import worker; worker()"]
        super().__init__(args, env, tmp / f"{role}.log")
        self.http = httpx.Client(base_url=self.url, timeout=10)

    def start(self) -> None:
        super().start()
        if self.role == "serve":
            wait_until(self._up, "the service to answer /healthz")

    def _up(self) -> bool:
        assert self.alive(), self.output()
        try:
            return self.http.get("/healthz").status_code == 200
        except httpx.TransportError:
            return False

    def metric(self, name: str) -> float:
        """The sum of a metric's samples (all label sets) from /metrics."""
        total = 0.0
        for line in self.http.get("/metrics").text.splitlines():
            if line.startswith(name + "{") or line.startswith(name + " "):
                total += float(line.rsplit(" ", 1)[1])
        return total

    def wait_jobs_finished(self, count: int) -> None:
        wait_until(lambda: self.metric("mockguard_jobs_completed_total") >= count, f"{count} finished job(s)")

    def post(self, event: str, payload: dict, *, delivery: str | None = None, signature: str | None = None,
             body: bytes | None = None) -> httpx.Response:
        body = body if body is not None else json.dumps(payload).encode()
        headers = {
            "Content-Type": "application/json",
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
            "X-GitHub-Hook-ID": "1",
            "X-GitHub-Hook-Installation-Target-ID": str(APP_ID),
            "X-GitHub-Hook-Installation-Target-Type": "integration",
            "User-Agent": "GitHub-Hookshot/044aadd",
            "X-Hub-Signature-256": signature if signature is not None else sign(self.secret, body),
        }
        return self.http.post("/webhook", content=body, headers=headers)


# -- payloads --------------------------------------------------------------------------------
def payload(name: str, *, base: str, head: str, number: int = PR, action: str | None = None) -> dict:
    """A real GitHub payload with the ids and shas of the scenario written over the example's."""
    data = copy.deepcopy(json.loads((PAYLOADS / f"{name}.json").read_text()))
    if action:
        data["action"] = action
    data["installation"] = {"id": INSTALLATION_ID, "node_id": data.get("installation", {}).get("node_id", "x")}
    repo = data["repository"]
    repo.update(name=NAME, full_name=REPO)
    repo["owner"]["login"] = OWNER
    pull_ref = {"number": number, "head": {"sha": head, "ref": "feature"}, "base": {"sha": base, "ref": "main"}}
    if "pull_request" in data:
        data["number"] = number
        pr = data["pull_request"]
        pr["number"] = number
        pr["head"]["sha"], pr["base"]["sha"] = head, base
        if "before" in data:
            data["after"] = head
    if "check_suite" in data:
        data["check_suite"].update(head_sha=head, pull_requests=[pull_ref])
    if "check_run" in data:
        data["check_run"].update(head_sha=head, name="mockguard", pull_requests=[pull_ref])
        data["check_run"]["app"]["id"] = APP_ID
    return data


# -- a world of two processes ---------------------------------------------------------------
class World:
    """A sandbox for (base, head) and the service against it; `close` stops both."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.repo = GitRepo(tmp / "repo")
        self.key, self.public_key = write_app_keys(tmp)
        self.secret = secrets.token_hex(16)
        self.started: list[Process] = []

    def start(self, base: str, head: str, sandbox_args: list[str] | None = None,
              settings: dict[str, str] | None = None) -> tuple[Sandbox, Service]:
        self.sandbox = Sandbox(self.tmp, self.repo, base, head, self.public_key, sandbox_args or [])
        self.sandbox.start()
        self.started.append(self.sandbox)
        self.service = self.new_service(settings)
        return self.sandbox, self.service

    def new_service(self, settings: dict[str, str] | None = None, role: str = "serve") -> Service:
        service = Service(self.tmp, self.sandbox, self.key, self.secret, settings or {}, role)
        service.start()
        self.started.append(service)
        return service

    def close(self) -> None:
        for process in reversed(self.started):
            process.stop()


# -- what the sandbox saw --------------------------------------------------------------------
def review_comments(state: dict) -> list[dict]:
    if "review_comments" in state:
        return list(state["review_comments"])
    return [c for review in state.get("reviews", []) for c in review.get("comments", [])]


def lines_with(text: str, needle: str) -> list[int]:
    return [number for number, line in enumerate(text.splitlines(), 1) if needle in line]


BASE_TEST = '''import httpx


def test_order_roundtrip(live_server):
    response = httpx.post(f"{live_server}/orders", json={"sku": "A1"})
    assert response.status_code == 201
'''

MOCKED_TEST = BASE_TEST.replace("import httpx\n", "import httpx\nfrom unittest.mock import patch\n") + '''

def test_order_sends_mail(live_server):
    with patch("shop.mailer.send") as send:
        httpx.post(f"{live_server}/orders", json={"sku": "A1"})
    send.assert_called_once()


def test_order_broadcasts(live_server):
    with patch("shop.ws.manager.broadcast") as broadcast:
        httpx.post(f"{live_server}/orders", json={"sku": "B2"})
    broadcast.assert_called_once()
'''

# A unit test may mock what it likes: it must get no comment.
UNIT_TEST = '''from unittest.mock import patch


def test_price_rounding():
    with patch("shop.prices.rate", return_value=1.5):
        assert True
'''

INTEGRATION_PATH = "tests/integration/test_orders.py"
UNIT_PATH = "tests/unit/test_prices.py"


def mocked_change(repo: GitRepo) -> tuple[str, str]:
    """(base, head): the head adds two mocks to an integration test and one to a unit test."""
    base = repo.commit_files({INTEGRATION_PATH: BASE_TEST, "README.md": "shop\n"}, "base")
    repo.switch("feature")
    head = repo.commit_files({INTEGRATION_PATH: MOCKED_TEST, UNIT_PATH: UNIT_TEST}, "add mocks")
    return base, head
