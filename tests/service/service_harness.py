"""End-to-end harness: a real git repository, a real RSA key and secret, `mockguard sandbox` and
`mockguard serve` as real processes on free loopback ports, and signed deliveries built from
GitHub's own payload examples (tests/service/payloads, copied from octokit/webhooks)."""

from __future__ import annotations

import copy
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bot.github import sign

PAYLOADS = Path(__file__).parent / "payloads"
MOCKGUARD = str(Path(sys.executable).parent / "mockguard")
OWNER, NAME = "octo-org", "shop"
REPO = f"{OWNER}/{NAME}"
APP_ID = 4242
INSTALLATION_ID = 1
PR = 7
WAIT = 60.0  # generous ceiling for polling; the tests assert outcomes, never durations


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition, what: str, timeout: float = WAIT, every: float = 0.1):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(every)


# -- git -------------------------------------------------------------------------------------
class GitRepo:
    def __init__(self, path: Path):
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")
        self.git("config", "user.email", "dev@example.com")
        self.git("config", "user.name", "Dev")
        self.git("config", "commit.gpgsign", "false")

    def git(self, *args: str) -> str:
        return subprocess.run(["git", *args], cwd=self.path, check=True, capture_output=True, text=True).stdout.strip()

    def commit(self, files: dict[str, str | None], message: str) -> str:
        for name, text in files.items():
            target = self.path / name
            if text is None:
                self.git("rm", "-q", name)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
            self.git("add", name)
        self.git("commit", "-q", "-m", message)
        return self.git("rev-parse", "HEAD")

    def switch(self, branch: str) -> None:
        """Work on `branch` from here on, creating it at the current commit if it is new."""
        exists = self.git("branch", "--list", branch)
        self.git("checkout", "-q", *(() if exists else ("-b",)), branch)


# -- processes -------------------------------------------------------------------------------
class Process:
    def __init__(self, args: list[str], env: dict[str, str], log: Path):
        self.args, self.env, self.log_path = args, env, log
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.args, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL: no chance to finish anything (what a crash looks like)."""
        if self.alive():
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
        if getattr(self, "log", None):
            self.log.close()

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


class Sandbox(Process):
    def __init__(self, tmp: Path, repo: GitRepo, base: str, head: str, public_key: Path, extra: list[str]):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        args = [MOCKGUARD, "sandbox", "--repo", str(repo.path), "--base", base, "--head", head, "--pr", str(PR),
                "--owner", OWNER, "--name", NAME, "--app-id", str(APP_ID), "--public-key", str(public_key),
                "--port", str(self.port), *extra]
        super().__init__(args, dict(os.environ), tmp / "sandbox.log")
        self.http = httpx.Client(base_url=self.url, timeout=10)

    def start(self) -> None:
        super().start()
        wait_until(lambda: self._up(), "the sandbox to listen")

    def _up(self) -> bool:
        assert self.alive(), self.output()
        try:
            return self.http.get("/_sandbox/state").status_code == 200
        except httpx.TransportError:
            return False

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
def make_keys(directory: Path) -> tuple[Path, Path]:
    """A fresh RSA key pair for the App: (private PEM for the service, public PEM for the sandbox)."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key = directory / "app-key.pem"
    key.write_bytes(private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                          serialization.NoEncryption()))
    public = directory / "app-key.pub.pem"
    public.write_bytes(private.public_key().public_bytes(serialization.Encoding.PEM,
                                                         serialization.PublicFormat.SubjectPublicKeyInfo))
    return key, public


class World:
    """A sandbox for (base, head) and the service against it; `close` stops both."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.repo = GitRepo(tmp / "repo")
        self.key, self.public_key = make_keys(tmp)
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
    base = repo.commit({INTEGRATION_PATH: BASE_TEST, "README.md": "shop\n"}, "base")
    repo.switch("feature")
    head = repo.commit({INTEGRATION_PATH: MOCKED_TEST, UNIT_PATH: UNIT_TEST}, "add mocks")
    return base, head
