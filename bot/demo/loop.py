"""The App's whole loop on loopback: sandbox + serve as real processes, one signed webhook, the result.

    with ExitStack() as stack:
        demo = DemoLoop(workdir, steps)
        target = demo.sample()                 # or demo.user_repo(path, base, head)
        result = demo.run(target, stack)       # the processes live until `stack` closes

`steps` is anything with a `step(description)` context manager and an `update(text)` method (the
terminal's progress display, or `NoSteps`). Nothing here prints.
"""

from __future__ import annotations

import json
import re
import secrets
import subprocess
import sys
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Protocol

from bot import gitrun
from bot.sandbox.launcher import running_sandbox, write_app_keys

from .sample import AUTHOR, NAME, OWNER, build_sample_repo
from .service_process import ServiceProcess, free_port

APP_ID = 1
PULL_NUMBER = 1
_RULE_ID = re.compile(r"MG\d{3}")


class DemoError(RuntimeError):
    pass


class Steps(Protocol):
    def step(self, description: str) -> Any: ...

    def update(self, text: str) -> None: ...


class NoSteps:
    @contextmanager
    def step(self, description: str) -> Iterator[None]:
        yield

    def update(self, text: str) -> None:
        pass


@dataclass(frozen=True)
class Target:
    """The pull request to review: a repository and two commits."""

    repo: Path
    base: str
    head: str
    owner: str
    name: str
    sample: bool
    author: str | None = None  # who opened the pull request (default: the owner)


@dataclass
class ShownComment:
    path: str
    line: int | None
    code: str | None  # the head's text on that line
    rule: str | None
    body: str


@dataclass
class DemoResult:
    target: Target
    pull: dict[str, Any]
    check_run: dict[str, Any]
    comments: list[ShownComment]
    review_bodies: list[str]
    summary_comments: list[str]
    local_report: dict[str, Any] | None  # `mockguard check --format json` on the same range
    page_url: str
    sandbox_url: str
    service_url: str
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)


def git(repo: Path, *args: str, check: bool = True) -> str:
    try:
        return gitrun.run(repo, *args, check=check).decode("utf-8", "replace")
    except gitrun.GitError as error:
        raise DemoError(f"git {' '.join(args)}: {error}") from None


def _commit(repo: Path, ref: str, flag: str) -> str:
    if ref.startswith("-"):
        raise DemoError(f"{flag} {ref!r} is not a revision")
    sha = git(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False).strip()
    if not sha:
        raise DemoError(f"{flag} {ref!r} is not a commit of {repo}")
    return sha


def _repo_name(path: Path) -> str:
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", path.name.removesuffix(".git")).strip("-.")
    return name or "repository"


class DemoLoop:
    def __init__(self, workdir: Path, steps: Steps | None = None, timeout: float = 120.0) -> None:
        self.workdir = workdir
        self.steps = steps or NoSteps()
        self.timeout = timeout
        self.timings: dict[str, float] = {}
        self.started = time.monotonic()  # start-to-result counts from here, repository included

    @contextmanager
    def _step(self, key: str, description: str) -> Iterator[None]:
        started = time.monotonic()
        with self.steps.step(description):
            yield
        self.timings[key] = round(time.monotonic() - started, 3)

    # -- the pull request --------------------------------------------------------------------------

    def sample(self) -> Target:
        with self._step("repository", "Building the sample repository (real git)"):
            sample = build_sample_repo(self.workdir / "sample-repo")
        return Target(sample.path, sample.base, sample.head, OWNER, NAME, sample=True, author=AUTHOR)

    def user_repo(self, path: Path, base: str, head: str) -> Target:
        with self._step("repository", f"Reading {path}"):
            path = path.resolve()
            if not git(path, "rev-parse", "--git-dir", check=False).strip():
                raise DemoError(f"{path} is not a git repository")
            base_sha, head_sha = _commit(path, base, "--base"), _commit(path, head, "--head")
            if base_sha == head_sha:
                raise DemoError("--base and --head are the same commit: the pull request would be empty")
        return Target(path, base_sha, head_sha, "local", _repo_name(path), sample=False)

    # -- the loop ------------------------------------------------------------------------------------

    def run(self, target: Target, stack: ExitStack) -> DemoResult:
        """Start everything (stopped when `stack` closes), deliver the webhook, wait for the check."""
        with self._step("keys", "Generating an App key pair and a webhook secret"):
            private_key, public_key = write_app_keys(self.workdir / "keys")
            secret = secrets.token_urlsafe(24)
            service_port, sandbox_port = free_port(), free_port()

        # serve starts first and boots while the sandbox does: both import the web stack.
        service = ServiceProcess(service_port, log_path=self.workdir / "serve.log", env={
            "MOCKGUARD_APP_ID": str(APP_ID),
            "MOCKGUARD_PRIVATE_KEY_FILE": str(private_key),
            "MOCKGUARD_WEBHOOK_SECRET": secret,
            "MOCKGUARD_GITHUB_API_URL": f"http://127.0.0.1:{sandbox_port}",
            "MOCKGUARD_DATA_DIR": str(self.workdir / "serve-data"),
            "MOCKGUARD_WRITE_INTERVAL": "0",  # the sandbox is local: no need for GitHub's pacing
            "MOCKGUARD_RECONCILE_INTERVAL": "0",  # the webhook, not a scan, should start the review
            "MOCKGUARD_WORKERS": "1",
        })
        stack.callback(service.stop)
        local_check = self._start_local_check(target)
        stack.callback(_stop, local_check)

        with self._step("sandbox", "Starting mockguard sandbox (the GitHub API, on loopback)"):
            service.start()
            try:
                sandbox = stack.enter_context(running_sandbox(
                    target.repo, target.base, target.head, target.owner, target.name, APP_ID, public_key,
                    pr=PULL_NUMBER, webhook_url=f"{service.url}/webhook", webhook_secret=secret,
                    port=sandbox_port, extra_args=["--pr-author", target.author] if target.author else []))
            except RuntimeError as error:
                raise DemoError(str(error)) from None
        with self._step("serve", "Starting mockguard serve (the App)"):
            try:
                service.wait_ready()
            except RuntimeError as error:
                raise DemoError(str(error)) from None

        with self._step("webhook", f"Delivering a signed pull_request \"opened\" webhook for #{PULL_NUMBER}"):
            delivery = sandbox.deliver("pull_request", "opened", pull_number=PULL_NUMBER)
            if delivery.get("error") or not 200 <= (delivery.get("status") or 0) < 300:
                raise DemoError(f"the App refused the webhook: {delivery.get('status')} "
                                f"{delivery.get('error') or delivery.get('response_body')}\n{service.logs()}")

        with self._step("check", "Waiting for the mockguard check run"):
            state = self._wait_for_check(sandbox, target.head, service)
        seconds = round(time.monotonic() - self.started, 2)

        local_report = _finish_local_check(local_check)
        page_url = f"{sandbox.url}/_sandbox/web/{target.owner}/{target.name}/pull/{PULL_NUMBER}"
        return self._result(target, state, local_report, page_url, sandbox.url, service.url, seconds)

    def _wait_for_check(self, sandbox, head: str, service: ServiceProcess) -> dict[str, Any]:
        deadline = time.monotonic() + self.timeout
        seen = None
        while True:
            state = sandbox.state(requests=False)
            runs = [r for r in state["check_runs"] if r["head_sha"] == head]
            if runs:
                status = runs[-1]["status"]
                if status != seen:
                    self.steps.update(f"check run {status.replace('_', ' ')}")
                    seen = status
                if status == "completed":
                    return state
            if not service.alive():
                raise DemoError(f"mockguard serve stopped:\n{service.logs()}")
            if time.monotonic() > deadline:
                raise DemoError(f"no completed check run after {self.timeout:.0f} s; the App's log:\n{service.logs()}")
            time.sleep(0.05)

    def _start_local_check(self, target: Target) -> subprocess.Popen:
        """`mockguard check` on the same range, for what the App does not comment on (tolerated, allowed)."""
        command = [sys.executable, "-m", "bot.cli", "check", "--repo", str(target.repo),
                   "--base", target.base, "--head", target.head, "--format", "json"]
        return subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, start_new_session=True)

    def _result(self, target: Target, state: dict[str, Any], local_report: dict[str, Any] | None,
                page_url: str, sandbox_url: str, service_url: str, seconds: float) -> DemoResult:
        run = [r for r in state["check_runs"] if r["head_sha"] == target.head][-1]
        pull = next(p for p in state["pulls"] if p["number"] == PULL_NUMBER)
        rules = rules_by_line(run, local_report)
        texts: dict[str, list[str] | None] = {}
        comments = []
        for c in state["review_comments"]:
            if c["pull_number"] != PULL_NUMBER or c.get("in_reply_to_id"):
                continue
            if c["path"] not in texts:
                blob = git(target.repo, "cat-file", "blob", f"{target.head}:{c['path']}", check=False)
                texts[c["path"]] = blob.split("\n") if blob else None
            lines = texts[c["path"]]
            line = c.get("line")
            code = lines[line - 1] if lines and line and line <= len(lines) else None
            comments.append(ShownComment(c["path"], line, code, rules.get((c["path"], line)), c["body"] or ""))
        comments.sort(key=lambda c: (c.path, c.line or 0))
        reviews = [r["body"] for r in state["reviews"] if r["pull_number"] == PULL_NUMBER and r["body"]]
        summaries = [c["body"] for c in state["issue_comments"] if c["issue_number"] == PULL_NUMBER]
        return DemoResult(target, pull, run, comments, reviews, summaries, local_report, page_url,
                          sandbox_url, service_url, seconds, dict(self.timings))


def rules_by_line(run: dict[str, Any], local_report: dict[str, Any] | None) -> dict[tuple[str, int], str]:
    """Which rule each finding's (path, line) is, from structured results, never from a comment's text:
    the check run's annotations (the App's own, `title` "MG101: ..."), then the local json report."""
    rules: dict[tuple[str, int], str] = {}
    for finding in (local_report or {}).get("findings", []):
        rules[(finding["path"], finding["line"])] = finding["rule"]
    for annotation in run.get("annotations") or []:
        rule = (annotation.get("title") or "").split(":", 1)[0]
        if _RULE_ID.fullmatch(rule):
            rules[(annotation["path"], annotation["start_line"])] = rule
    return rules


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
        process.wait()


def _finish_local_check(process: subprocess.Popen, timeout: float = 60.0) -> dict[str, Any] | None:
    try:
        out, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _stop(process)
        return None
    if process.returncode not in (0, 1):
        return None
    try:
        return json.loads(out)
    except ValueError:
        return None


def result_json(result: DemoResult) -> dict[str, Any]:
    """The machine-checkable form of a result (`mockguard demo --json FILE`)."""
    run = result.check_run
    local = result.local_report or {}

    def brief(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{"path": f["path"], "line": f["line"], "rule": f["rule"], "construct": f.get("construct"),
                 "target": f.get("target"), "reason": f.get("reason")} for f in items]

    return {
        "schema": "mockguard.demo/1",
        "repository": {"path": str(result.target.repo), "owner": result.target.owner, "name": result.target.name,
                       "base": result.target.base, "head": result.target.head, "sample": result.target.sample},
        "pull_request": {"number": result.pull["number"], "title": result.pull["title"]},
        "check_run": {"name": run["name"], "status": run["status"], "conclusion": run["conclusion"],
                      "title": run["output"]["title"], "summary": run["output"]["summary"],
                      "annotations": run.get("annotations", [])},
        "comments": [{"path": c.path, "line": c.line, "code": c.code, "rule": c.rule, "body": c.body}
                     for c in result.comments],
        "review_bodies": result.review_bodies,
        "summary_comments": result.summary_comments,
        "tolerated": brief(local.get("tolerated", [])),
        "suppressed": brief(local.get("suppressed", [])),
        "page_url": result.page_url,
        "sandbox_url": result.sandbox_url,
        "service_url": result.service_url,
        "seconds": result.seconds,
        "timings": result.timings,
    }
