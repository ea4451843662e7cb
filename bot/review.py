"""`mockguard review`: the App's review job, run once for one pull request with a plain token.

    mockguard review --repo OWNER/NAME --pr N [--token-env GITHUB_TOKEN] [--api-url URL] [--checkout DIR]

It is the service's `ReviewJob` itself (same engine, rules file from the base, hidden markers, so a
re-run posts nothing twice and resolves comments whose mock is gone; same check run and summary
comment), handed a `GitHubToken` instead of the App, a throwaway job store and, when the current
directory (or `--checkout`) is a checkout of the repository, that checkout to read the change
with git (fetching what it lacks, so a depth-1 checkout works); otherwise the REST API.

What a token may not write is not an error here: without `checks: write` the result becomes a
commit status, without `statuses: write` either it becomes annotations printed for the workflow
(as `::error` commands), and refused comments are reported, not raised. `posted` says which.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import click

from bot.checkout import CheckoutError, ensure_pull_commits
from bot.github import (CheckRun, Comment, GitHubRequestError, GitHubToken, InlineComment, InstallationClient,
                        NotFound, Review)
from bot.github.gitfetch import auth_env
from bot.service.metrics import Metrics
from bot.service.repo_cache import CachedRepo
from bot.service.review_job import ReviewJob
from bot.service.settings import Settings
from bot.service.store_sqlite import SqliteStore

OWNER = "mockguard-review"
STATE = {"success": "success", "neutral": "success", "skipped": "success", "failure": "failure",
         "action_required": "failure", "cancelled": "error", "timed_out": "error"}
SEVERITY = {"failure": "error", "warning": "warning", "notice": "notice"}
T = TypeVar("T")


class ReviewRefused(Exception):
    """The review could not run at all (no token, no such pull request, the token cannot read it)."""


def _refused(error: BaseException) -> bool:
    """A write GitHub refused for want of permission (not a rate limit: those are retried)."""
    return isinstance(error, GitHubRequestError) and error.status == 403 and error.retry_after is None


class FallbackClient(InstallationClient):
    """The token's installation client, degrading where the token may not write:
    check run -> commit status -> annotations; a refused comment is noted and skipped."""

    def __init__(self, github: GitHubToken, installation_id: int, check_name: str) -> None:
        super().__init__(github, installation_id)
        self._check_name = check_name
        self.posted = "check-run"
        self.refused: list[str] = []
        self.title = ""
        self.summary = ""
        self.conclusion = ""
        self.annotations: list[dict[str, Any]] = []
        self._head: dict[int, str] = {}

    def _status(self, repo: str, sha: str, state: str, description: str) -> None:
        if self.posted == "status":
            try:
                self.create_status(repo, sha, state=state, context=self._check_name, description=description)
                return
            except GitHubRequestError as error:
                if not _refused(error):
                    raise
                self.refused.append("commit status")
                self.posted = "annotations"

    def check_runs(self, repo: str, ref: str, name: str) -> list[CheckRun]:
        try:
            return super().check_runs(repo, ref, name)
        except GitHubRequestError as error:
            if _refused(error):  # cannot even read checks: nothing of ours to take over
                return []
            raise

    def create_check_run(self, repo: str, *, name: str, head_sha: str, status: str, external_id: str,
                         output: dict[str, Any], conclusion: str | None = None) -> int:
        try:
            if self.posted == "check-run":
                return super().create_check_run(repo, name=name, head_sha=head_sha, status=status,
                                                external_id=external_id, output=output, conclusion=conclusion)
        except GitHubRequestError as error:
            if not _refused(error):
                raise
            self.refused.append("check run")
            self.posted = "status"
        self._head[0] = head_sha
        self._record(output, conclusion)
        self._status(repo, head_sha, STATE.get(conclusion or "", "pending"), output.get("title", ""))
        return 0

    def update_check_run(self, repo: str, check_run_id: int, *, output: dict[str, Any],
                         conclusion: str | None = None) -> None:
        if self.posted == "check-run":
            super().update_check_run(repo, check_run_id, output=output, conclusion=conclusion)
            self._record(output, conclusion)
            return
        self._record(output, conclusion)
        if conclusion:
            self._status(repo, self._head[0], STATE.get(conclusion, "error"), output.get("title", ""))

    def annotation_keys(self, repo: str, check_run_id: int) -> set[tuple[str, int, str]]:
        return super().annotation_keys(repo, check_run_id) if self.posted == "check-run" else set()

    def _record(self, output: dict[str, Any], conclusion: str | None) -> None:
        self.title = output.get("title", self.title)
        self.summary = output.get("summary", self.summary)
        self.annotations += output.get("annotations") or []
        if conclusion:
            self.conclusion = conclusion

    def _write(self, what: str, send: Callable[[], None]) -> None:
        try:
            send()
        except GitHubRequestError as error:
            if not _refused(error):
                raise
            self.refused.append(what)

    def _list(self, read: Callable[[], list[T]]) -> list[T]:
        try:
            return read()
        except GitHubRequestError as error:
            if _refused(error):
                return []
            raise

    def create_review(self, repo: str, number: int, *, commit_id: str, body: str,
                      comments: list[InlineComment], event: str = "COMMENT") -> None:
        self._write("review", lambda: InstallationClient.create_review(
            self, repo, number, commit_id=commit_id, body=body, comments=comments, event=event))

    def edit_review_comment(self, repo: str, comment_id: int, body: str) -> None:
        self._write("review comment", lambda: InstallationClient.edit_review_comment(self, repo, comment_id, body))

    def create_issue_comment(self, repo: str, number: int, body: str) -> None:
        self._write("summary comment", lambda: InstallationClient.create_issue_comment(self, repo, number, body))

    def edit_issue_comment(self, repo: str, comment_id: int, body: str) -> None:
        self._write("summary comment", lambda: InstallationClient.edit_issue_comment(self, repo, comment_id, body))

    def review_comments(self, repo: str, number: int) -> list[Comment]:
        return self._list(lambda: InstallationClient.review_comments(self, repo, number))

    def reviews(self, repo: str, number: int) -> list[Review]:
        return self._list(lambda: InstallationClient.reviews(self, repo, number))

    def issue_comments(self, repo: str, number: int) -> list[Comment]:
        return self._list(lambda: InstallationClient.issue_comments(self, repo, number))


class _TokenGitHub:
    """What the job calls `github`: the token's one client, with the fall-back."""

    def __init__(self, github: GitHubToken, check_name: str):
        self.github = github
        self.client: FallbackClient | None = None
        self._check_name = check_name

    def installation(self, installation_id: int) -> FallbackClient:
        if self.client is None:
            self.client = FallbackClient(self.github, installation_id, self._check_name)
        return self.client

    def close(self) -> None:
        if self.client is not None:
            self.client.close()


class LocalCheckout:
    """The job's repository cache, pointed at the workflow's own checkout (fetching into it what it lacks)."""

    def __init__(self, path: Path):
        self.path = path

    @contextmanager
    def repository(self, full_name: str, clone_url: str) -> Iterator[CachedRepo]:
        yield CachedRepo(self.path, full_name)


def checkout_of(directory: Path, repo: str) -> Path | None:
    """`directory`'s top level when it is a git checkout whose origin is `repo`, else None."""
    top = subprocess.run(["git", "-C", str(directory), "rev-parse", "--show-toplevel"], capture_output=True, text=True)
    origin = subprocess.run(["git", "-C", str(directory), "remote", "get-url", "origin"], capture_output=True, text=True)
    if top.returncode != 0 or origin.returncode != 0:
        return None
    url = origin.stdout.strip().removesuffix("/").removesuffix(".git")
    return Path(top.stdout.strip()) if url.lower().endswith(repo.lower()) else None


@dataclass
class ReviewOutcome:
    conclusion: str
    title: str
    posted: str  # check-run, status or annotations
    refused: list[str]
    findings: int
    blocking: int
    levels: list[str]  # each finding's severity (error, warning, notice), for another fail-on
    annotations: str  # workflow commands, when posted == "annotations"
    summary_lines: list[str] = field(default_factory=list)
    read_with: str = "api"


def _workflow_commands(annotations: list[dict[str, Any]]) -> str:
    def escape(text: str, prop: bool = False) -> str:
        text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        return text.replace(":", "%3A").replace(",", "%2C") if prop else text

    command = {"failure": "error", "warning": "warning", "notice": "notice"}
    return "".join(f"::{command.get(a.get('annotation_level', ''), 'notice')} file={escape(a['path'], True)},"
                   f"line={a['start_line']},endLine={a.get('end_line', a['start_line'])},"
                   f"title={escape(a.get('title', 'mockguard'), True)}::{escape(a.get('message', ''))}\n"
                   for a in annotations)


def review_pull(*, repo: str, number: int, token: str, api_url: str, checkout: Path | None = None,
                check_name: str = "mockguard", attempts: int = 3) -> ReviewOutcome:
    """Run the App's review job once for `repo`#`number` with `token`."""
    if not token:
        raise ReviewRefused("no token: pass one in the environment variable named by --token-env")
    local = checkout_of(checkout, repo) if checkout is not None else None
    github = GitHubToken(api_url, token)
    wrapped = _TokenGitHub(github, check_name)
    try:
        try:
            pull = github.installation(0).pull(repo, number)
        except NotFound:
            raise ReviewRefused(f"{repo}#{number}: no such pull request, or the token cannot see it") from None
        except GitHubRequestError as error:
            raise ReviewRefused(f"{repo}#{number}: GitHub refused to show the pull request ({error.status}: "
                                f"{error.message})") from None
        if local is not None:
            # A depth-1 checkout may end exactly at the base (pull_request_target checks out the base
            # branch): deepen it until base and head meet, so the job can read the change with git.
            try:
                ensure_pull_commits(local, pull.base_sha, pull.head_sha, env=auth_env(token),
                                    refs=(f"refs/pull/{number}/head",))
            except CheckoutError as error:
                logging.getLogger("mockguard.review").warning("the checkout cannot hold the pull request",
                                                              extra={"error": str(error)})
        # The job's settings: the App's identity is not used with a token (the job reads only these).
        settings = Settings.model_construct(app_id=0, check_name=check_name, job_attempts=attempts,
                                            job_retry_delay=1.0, concurrency=4)
        with tempfile.TemporaryDirectory(prefix="mockguard-review-") as scratch:
            store = SqliteStore(Path(scratch) / "review.db")
            retry: list[float] = []
            superseded: list[str] = []
            job = ReviewJob(settings, wrapped, store, Metrics(), requeue=lambda key, delay: retry.append(delay),
                            request_review=lambda *args: superseded.append(args[3]),
                            repo_cache=LocalCheckout(local) if local else None)
            key = store.want(0, repo, number, pull.head_sha, None, force=True)
            assert key is not None
            while True:
                retry.clear()
                job(key, OWNER)
                if not retry:
                    break
                time.sleep(min(retry[0], 30.0))
            done = store.get(key)
            store.close()
    finally:
        wrapped.close()
        github.close()
    client = wrapped.client
    assert client is not None and done is not None
    levels = [SEVERITY.get(a.get("annotation_level", ""), "notice") for a in client.annotations
              if not a.get("title", "").startswith("Broken rules file")]
    if done.state == "failed":  # the job gave up (its check says why): not a pass, not a finding
        raise ReviewRefused(f"the review could not finish: {client.title or 'see the log above'}")
    conclusion = client.conclusion or "neutral"
    lines = [f"**{client.title}**", "", client.summary]
    # The job reads with git when it can and says in its summary when it fell back to the API.
    read_with = "git" if local and "could not read this pull request with git" not in client.summary else "api"
    if client.refused:
        lines += ["", "Refused by the token's permissions: " + ", ".join(sorted(set(client.refused))) + "."]
    return ReviewOutcome(conclusion=conclusion, title=client.title, posted=client.posted, refused=client.refused,
                         findings=len(levels), blocking=sum(1 for level in levels if level == "error")
                         if conclusion == "failure" else 0, levels=levels,
                         annotations=_workflow_commands(client.annotations) if client.posted == "annotations" else "",
                         summary_lines=lines, read_with=read_with)


class _Plain(logging.Formatter):
    """One line per warning, with the job's `error` when it has one (the service logs JSON instead)."""

    def format(self, record: logging.LogRecord) -> str:
        error = getattr(record, "error", None)
        return f"mockguard: {record.getMessage()}" + (f": {error}" if error else "")


def _log_to_stderr() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Plain())
    root = logging.getLogger("mockguard")
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    root.propagate = False


@click.command()
@click.option("--repo", "repo", required=True, help="OWNER/NAME of the repository.")
@click.option("--pr", "number", required=True, type=int, help="The pull request's number.")
@click.option("--token-env", default="GITHUB_TOKEN", show_default=True,
              help="Environment variable holding the token (never pass a token on the command line).")
@click.option("--api-url", default=lambda: os.environ.get("GITHUB_API_URL", "https://api.github.com"),
              show_default="$GITHUB_API_URL or https://api.github.com", help="GitHub's REST API root.")
@click.option("--checkout", type=click.Path(file_okay=False, path_type=Path), default=".", show_default=True,
              help="A checkout of the repository to read the change from (used when its origin is the repository).")
def review(repo: str, number: int, token_env: str, api_url: str, checkout: Path) -> None:
    """Review a pull request as the mockguard App does, with a plain token (a workflow's GITHUB_TOKEN).

    Exit status: 1 with blocking findings, 0 without, 2 when the review could not run.
    """
    _log_to_stderr()
    if repo.count("/") != 1:
        click.echo(f"mockguard: --repo {repo!r} is not OWNER/NAME", err=True)
        sys.exit(2)
    try:
        outcome = review_pull(repo=repo, number=number, token=os.environ.get(token_env, ""), api_url=api_url,
                              checkout=checkout)
    except ReviewRefused as error:
        click.echo(f"mockguard: {error}", err=True)
        sys.exit(2)
    sys.stdout.write(outcome.annotations)
    where = {"check-run": "a check run", "status": "a commit status (the token may not create check runs)",
             "annotations": "annotations only (the token may write neither check runs nor statuses)"}[outcome.posted]
    click.echo(f"{repo}#{number}: {outcome.title or outcome.conclusion} [{outcome.conclusion}], posted as {where}; "
               f"read with {outcome.read_with}")
    if outcome.refused:
        click.echo("refused by the token's permissions: " + ", ".join(sorted(set(outcome.refused))))
    sys.exit(1 if outcome.conclusion == "failure" else 0)
