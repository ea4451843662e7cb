"""Start `mockguard sandbox` as a real process for tests and demos, and talk to it.

    from bot.sandbox.launcher import running_sandbox, error, secondary_rate_limit

    with running_sandbox(repo, base, head, "acme", "widgets", app_id, "app.pub.pem",
                         webhook_url="http://127.0.0.1:9000/webhook", webhook_secret="s3cret") as gh:
        gh.url                                   # http://127.0.0.1:PORT, the API base URL
        gh.deliver("pull_request", "opened")     # a signed webhook to webhook_url
        gh.set_faults(error(502, count=2), secondary_rate_limit(status=429, retry_after=1))
        gh.state()["check_runs"]                 # what the App posted (GET /_sandbox/state)

The sandbox runs as `python -m bot.cli sandbox ... --port 0` with the same interpreter, picks a free
loopback port itself and prints it; `running_sandbox` waits for that line and for the server to
answer, and stops the process (SIGTERM, then SIGKILL) when the block ends, even on errors. The
webhook secret goes through the environment, never the command line.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

import httpx

READY_PREFIX = "sandbox listening on "
SECRET_ENV = "MOCKGUARD_SANDBOX_WEBHOOK_SECRET"


class SandboxStartError(RuntimeError):
    pass


# -- fault rules (the JSON that POST /_sandbox/faults takes; see bot/sandbox/faults.py) ------------

def _match(rule: dict[str, Any], method: str | None, path: str | None) -> dict[str, Any]:
    if method is not None:
        rule["method"] = method
    if path is not None:
        rule["path"] = path
    return rule


def error(status: int = 500, count: int | None = 1, *, method: str | None = None, path: str | None = None,
          after: bool = False) -> dict[str, Any]:
    """Answer `count` matching requests with `status` (None: every one). `after`: once it took effect."""
    return _match({"kind": "error", "status": status, "count": count, "after": after}, method, path)


def secondary_rate_limit(status: int = 403, retry_after: int | None = 1, count: int | None = 1, *,
                         remaining_zero: bool = True, method: str | None = None,
                         path: str | None = None) -> dict[str, Any]:
    """GitHub's secondary rate limit: 403 or 429, `Retry-After` (None: without), `x-ratelimit-remaining: 0`
    (`remaining_zero=False`: the primary limit's own count, as GitHub has been seen to send)."""
    return _match({"kind": "secondary_rate_limit", "status": status, "retry_after": retry_after, "count": count,
                   "remaining_zero": remaining_zero}, method, path)


def drop(count: int | None = 1, *, method: str | None = None, path: str | None = None,
         after: bool = False) -> dict[str, Any]:
    """Close the connection without answering."""
    return _match({"kind": "drop", "count": count, "after": after}, method, path)


def latency(ms: int, count: int | None = None, *, method: str | None = None, path: str | None = None) -> dict[str, Any]:
    return _match({"kind": "latency", "ms": ms, "count": count}, method, path)


def write_app_keys(directory: str | os.PathLike[str]) -> tuple[Path, Path]:
    """A fresh RSA key pair for an App: (private PEM path, public PEM path) in `directory`."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    private = directory / "app.private-key.pem"
    public = directory / "app.public-key.pem"
    private.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                          serialization.NoEncryption()))
    public.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                     serialization.PublicFormat.SubjectPublicKeyInfo))
    return private, public


class SandboxHandle:
    """A running sandbox process and a small client for its `/_sandbox` endpoints."""

    def __init__(self, process: subprocess.Popen[str], url: str, output: list[str], errors: list[str]) -> None:
        self.process = process
        self.url = url
        self._output = output
        self._errors = errors
        self._client = httpx.Client(base_url=url, timeout=30)

    # -- seeing ---------------------------------------------------------------------------------

    def state(self, *, requests: bool = True) -> dict[str, Any]:
        """GET /_sandbox/state: pull requests, check runs, reviews, comments, deliveries, requests."""
        return self._call("GET", "/_sandbox/state", params=None if requests else {"requests": "false"})

    def requests(self) -> list[dict[str, Any]]:
        return self.state()["requests"]

    def logs(self) -> str:
        """What the process wrote to stdout and stderr so far (for failing tests)."""
        return "".join(self._output) + "".join(self._errors)

    # -- steering -------------------------------------------------------------------------------

    def set_faults(self, *rules: dict[str, Any], latency_ms: int = 0, replace: bool = True) -> dict[str, Any]:
        """Replace (or with replace=False extend) the faults; rules from error(), drop(), ..."""
        return self._call("POST", "/_sandbox/faults",
                          json={"rules": list(rules), "latency_ms": latency_ms, "replace": replace})

    def clear_faults(self) -> dict[str, Any]:
        return self._call("DELETE", "/_sandbox/faults")

    def deliver(self, event: str, action: str, **options: Any) -> dict[str, Any]:
        """POST /_sandbox/deliver. Options: pull_number, head (push first), base, check_run_id,
        check_suite_id, identifier, url, secret, delivery_id (a redelivery), send=False (only build)."""
        return self._call("POST", "/_sandbox/deliver", json={"event": event, "action": action, **options})

    def add_pull(self, number: int, base: str, head: str, **fields: Any) -> dict[str, Any]:
        return self._call("POST", "/_sandbox/pulls", json={"number": number, "base": base, "head": head, **fields})

    def update_pull(self, number: int, **fields: Any) -> dict[str, Any]:
        """Move a pull request ({head, base}: a push) or change {state, draft, title}."""
        return self._call("PATCH", f"/_sandbox/pulls/{number}", json=fields)

    def workflow_token(self, **permissions: str) -> str:
        """A plain token as a workflow's GITHUB_TOKEN, e.g. workflow_token(contents="read", checks="write")."""
        return self._call("POST", "/_sandbox/tokens", json={"permissions": permissions})["token"]

    def expire_tokens(self, token: str | None = None) -> int:
        body = {} if token is None else {"token": token}
        return self._call("POST", "/_sandbox/tokens/expire", json=body)["expired"]

    def reset(self) -> None:
        self._call("POST", "/_sandbox/reset")

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        response = self._client.request(method, path, **kwargs)
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text}")
        return response.json()

    # -- lifecycle ------------------------------------------------------------------------------

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 5.0) -> None:
        self._client.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=timeout)


def sandbox_args(
    repo: str | os.PathLike[str],
    base: str | None,
    head: str | None,
    owner: str,
    name: str,
    app_id: int,
    public_key_pem_path: str | os.PathLike[str],
    *,
    pr: int | None = 1,
    installation_id: int = 1,
    webhook_url: str | None = None,
    pulls: Iterable[tuple[int, str, str]] = (),
    host: str = "127.0.0.1",
    port: int = 0,
    extra_args: Iterable[str] = (),
) -> list[str]:
    """The flags of `mockguard sandbox` for one repository and its pull request(s).

    `pr=None` (with base and head None) leaves every pull request to `pulls` or `extra_args`."""
    command = [
        "--repo", str(repo), "--owner", owner, "--name", name,
        "--app-id", str(app_id), "--public-key", str(public_key_pem_path),
        "--host", host, "--port", str(port), "--installation-id", str(installation_id),
    ]
    if base is not None and head is not None:
        command += ["--base", base, "--head", head]
    if pr is not None:
        command += ["--pr", str(pr)]
    for number, pr_base, pr_head in pulls:
        command += ["--pr", f"{number}:{pr_base}:{pr_head}"]
    if webhook_url:
        command += ["--webhook-url", webhook_url]
    return command + list(extra_args)


def start_sandbox(
    args: Sequence[str],
    *,
    webhook_secret: str | None = None,
    env: dict[str, str] | None = None,
    startup_timeout: float = 30.0,
) -> SandboxHandle:
    """Start `mockguard sandbox ARGS...` and return once it answers; the caller stops the handle.

    `args` are the command's flags (see `sandbox_args`); give `--port 0` (the default there) so the
    sandbox binds a free port itself, which it then prints.
    """
    command = [sys.executable, "-m", "bot.cli", "sandbox", *args]
    child_env = dict(os.environ if env is None else env)
    child_env["PYTHONUNBUFFERED"] = "1"
    if webhook_secret is not None:
        child_env[SECRET_ENV] = webhook_secret
    else:
        child_env.pop(SECRET_ENV, None)
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=child_env,
    )
    output: list[str] = []
    errors: list[str] = []
    ready = threading.Event()
    found: dict[str, str] = {}

    def read_stdout() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line)
            if line.startswith(READY_PREFIX) and "url" not in found:
                found["url"] = line[len(READY_PREFIX):].strip()
                ready.set()
        ready.set()

    def read_stderr() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            errors.append(line)

    threading.Thread(target=read_stdout, daemon=True).start()
    threading.Thread(target=read_stderr, daemon=True).start()
    handle: SandboxHandle | None = None
    try:
        if not ready.wait(startup_timeout) or "url" not in found:
            raise SandboxStartError(
                f"mockguard sandbox did not start (exit code {process.poll()}):\n" + "".join(output + errors)
            )
        handle = SandboxHandle(process, found["url"], output, errors)
        deadline = time.monotonic() + startup_timeout
        while True:
            try:
                handle.state(requests=False)
                return handle
            except (httpx.HTTPError, RuntimeError):
                if time.monotonic() > deadline or process.poll() is not None:
                    raise SandboxStartError("mockguard sandbox does not answer:\n" + handle.logs()) from None
                time.sleep(0.05)
    except BaseException:
        if handle is not None:
            handle.stop()
        elif process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        raise


@contextmanager
def running_sandbox(
    repo: str | os.PathLike[str],
    base: str,
    head: str,
    owner: str,
    name: str,
    app_id: int,
    public_key_pem_path: str | os.PathLike[str],
    *,
    pr: int = 1,
    installation_id: int = 1,
    webhook_url: str | None = None,
    webhook_secret: str | None = None,
    pulls: Iterable[tuple[int, str, str]] = (),
    extra_args: Iterable[str] = (),
    host: str = "127.0.0.1",
    port: int = 0,
    startup_timeout: float = 30.0,
    env: dict[str, str] | None = None,
) -> Iterator[SandboxHandle]:
    """Run `mockguard sandbox` for the duration of the block; yields a SandboxHandle.

    `pulls` adds more pull requests as (number, base, head); `extra_args` passes any other flag of
    `mockguard sandbox` (e.g. ["--token-ttl", "2", "--max-patch-lines", "500", "--fail", "502:1"]).
    """
    args = sandbox_args(repo, base, head, owner, name, app_id, public_key_pem_path, pr=pr,
                        installation_id=installation_id, webhook_url=webhook_url, pulls=pulls,
                        host=host, port=port, extra_args=extra_args)
    handle = start_sandbox(args, webhook_secret=webhook_secret, env=env, startup_timeout=startup_timeout)
    try:
        yield handle
    finally:
        handle.stop()
