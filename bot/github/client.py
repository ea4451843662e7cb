"""The one door to GitHub's REST API, on PyGithub: the App and its per-installation clients.

PyGithub sends the requests and builds typed objects; this module turns them into the frozen values
of values.py right away. Its retry and pacing are off: retries.py decides what is sent again and
the throttle paces each installation. Where PyGithub has no object API (conditional requests with
ETag, a check run updated by id), its requester is used directly.
"""

from __future__ import annotations

import base64
import threading
from itertools import islice
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, TypeVar

import github
from github import Auth, Github, GithubIntegration
from github.CheckRun import CheckRun as GhCheckRun
from github.Commit import Commit as GhCommit
from github.IssueComment import IssueComment as GhIssueComment
from github.PullRequestComment import PullRequestComment as GhPullRequestComment
from github.Repository import Repository as GhRepository

from .auth import CachedInstallationAuth, InstallationTokens, PlainToken
from .errors import GitHubRequestError, NotFound
from .retries import SECONDARY_LIMIT_WAIT, ResponseHook, Retries
from .throttle import LocalThrottle, Throttle
from .values import ChangedFile, CheckRun, Comment, OpenPull, PullRequest, Review, Tree, TreeEntry

T = TypeVar("T")

USER_AGENT = "mockguard"
MAX_LISTED_FILES = 3000  # GitHub lists at most 3,000 files of a pull request
ETAG_ENTRIES = 2000  # conditional-request answers kept per installation (the reconciler's reads)


@dataclass(frozen=True)
class InlineComment:
    """A review comment to post on a head line (the RIGHT side of the diff)."""

    path: str
    line: int
    body: str


def _pygithub_options(api_url: str, timeout: int, pool_size: int) -> dict[str, Any]:
    # retry=0 and no seconds_between_*: PyGithub's GithubRetry and pacing are off, see retries.py.
    return {"base_url": api_url, "timeout": timeout, "user_agent": USER_AGENT, "per_page": 100, "retry": 0,
            "pool_size": pool_size, "seconds_between_requests": None, "seconds_between_writes": None}


class GitHubApp:
    """The App: mints installation tokens (through `GithubIntegration`) and hands out one client per
    installation."""

    def __init__(self, api_url: str, app_id: int | str, private_key: str, *, throttle: Throttle | None = None,
                 attempts: int = 5, backoff: float = 0.5, max_backoff: float = 8.0, timeout: int = 30,
                 on_response: ResponseHook | None = None, concurrency: int = 4,
                 secondary_wait: float = SECONDARY_LIMIT_WAIT):
        self.api_url = api_url.rstrip("/")
        self.app_id = app_id
        self.throttle: Throttle = throttle or LocalThrottle()
        self.retries = Retries(self.throttle, attempts, backoff, max_backoff, on_response, secondary_wait)
        self._options = _pygithub_options(self.api_url, timeout, concurrency + 2)
        self._integration = GithubIntegration(auth=Auth.AppAuth(app_id, private_key), **self._options)
        self._integration_lock = threading.Lock()  # a PyGithub client is not safe across threads
        self.tokens = InstallationTokens(self._mint_token)
        self._installations: dict[int, InstallationClient] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        self._integration.close()
        with self._lock:
            for client in self._installations.values():
                client.close()

    def _mint_token(self, installation_id: int) -> tuple[str, datetime]:
        def mint() -> tuple[str, datetime]:
            with self._integration_lock:
                granted = self._integration.get_access_token(installation_id)
            return granted.token, granted.expires_at

        return self.retries.call("app", "POST", f"POST /app/installations/{installation_id}/access_tokens", mint)

    def installation_ids(self) -> list[int]:
        def listing() -> list[int]:
            with self._integration_lock:
                return [installation.id for installation in self._integration.get_installations()]

        return self.retries.call("app", "GET", "GET /app/installations", listing)

    def installation(self, installation_id: int) -> InstallationClient:
        with self._lock:
            client = self._installations.get(installation_id)
            if client is None:
                client = self._installations[installation_id] = InstallationClient(self, installation_id)
            return client


class GitHubToken:
    """The App's client, authenticated by a plain token instead (`mockguard review` in a workflow):
    the same InstallationClient, retry policy and throttle, so the review job runs unchanged."""

    def __init__(self, api_url: str, token: str, *, throttle: Throttle | None = None, attempts: int = 5,
                 backoff: float = 0.5, max_backoff: float = 8.0, timeout: int = 30, concurrency: int = 4):
        self.api_url = api_url.rstrip("/")
        self.throttle: Throttle = throttle or LocalThrottle()
        self.retries = Retries(self.throttle, attempts, backoff, max_backoff)
        self._options = _pygithub_options(self.api_url, timeout, concurrency + 2)
        self.tokens = PlainToken(token)
        self._client: InstallationClient | None = None

    def installation(self, installation_id: int) -> InstallationClient:
        if self._client is None:  # one token, one client, whatever id the job carries
            self._client = InstallationClient(self, installation_id)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()


class InstallationClient:
    """Requests made as one installation, with the token from the App's cache."""

    def __init__(self, app: GitHubApp | GitHubToken, installation_id: int):
        self.app = app
        self.id = installation_id
        self._auth = CachedInstallationAuth(app.tokens, installation_id)
        self._local = threading.local()  # one PyGithub client per thread: its connection is not shared safely
        self._clients: list[Github] = []
        self._clients_lock = threading.Lock()
        self._etags: OrderedDict[str, tuple[str, list[dict[str, Any]], str | None]] = OrderedDict()
        self._etags_lock = threading.Lock()

    def close(self) -> None:
        with self._clients_lock:
            for client in self._clients:
                client.close()

    @property
    def _gh(self) -> Github:
        client: Github | None = getattr(self._local, "client", None)
        if client is None:
            client = Github(auth=self._auth, lazy=True, **self.app._options)
            self._local.client = client
            with self._clients_lock:
                self._clients.append(client)
        return client

    def _repo(self, repo: str) -> GhRepository:
        return self._gh.get_repo(repo, lazy=True)  # lazy: no request until one is asked for

    def _call(self, method: str, what: str, send: Callable[[], T], *, repeatable: bool | None = None) -> T:
        """One request (or one listing) through the retry policy; after a 401 a fresh token, once.
        A 401 means nothing was done, so this is safe for writes too."""
        requester = self._gh.requester

        def spent() -> float | None:
            remaining, _limit = requester.rate_limiting
            if remaining != 0:
                return None
            return max(0.0, requester.rate_limiting_resettime - time.time()) + 1

        try:
            return self.app.retries.call(self.id, method, what, send, repeatable=repeatable, spent=spent)
        except GitHubRequestError as error:
            if error.status != 401:
                raise
            self.app.tokens.forget(self.id)
            return self.app.retries.call(self.id, method, what, send, repeatable=repeatable, spent=spent)

    def token(self) -> str:
        """The installation's token, for git over HTTPS (the password of `x-access-token`)."""
        return self.app.tokens.get(self.id)

    def forget_token(self) -> None:
        self.app.tokens.forget(self.id)

    # -- reads ----------------------------------------------------------------------------
    def pull(self, repo: str, number: int) -> PullRequest:
        def read() -> PullRequest:
            pull = self._repo(repo).get_pull(number).complete()
            # The base repository as the answer carries it (reading `pull.base.repo.clone_url` would
            # make PyGithub fetch the repository when the field is absent).
            base_repo = (pull.raw_data.get("base") or {}).get("repo") or {}
            return PullRequest(number=pull.number, head_sha=pull.head.sha, base_sha=pull.base.sha,
                               changed_files=pull.changed_files, clone_url=base_repo.get("clone_url"),
                               html_url=base_repo.get("html_url"))

        return self._call("GET", f"GET /repos/{repo}/pulls/{number}", read)

    def pull_files(self, repo: str, number: int) -> list[ChangedFile]:
        """Pages are read in one go, so that a token dying mid-listing restarts the listing cleanly."""
        def read() -> list[ChangedFile]:
            files = self._repo(repo).get_pull(number).get_files()
            return [ChangedFile(path=f.filename, status=f.status, blob_sha=f.sha or None,
                                previous_path=f.previous_filename or None, patch=f.patch or None)
                    for f in islice(files, MAX_LISTED_FILES)]

        return self._call("GET", f"GET /repos/{repo}/pulls/{number}/files", read)

    def file_text(self, repo: str, path: str, ref: str) -> str | None:
        """A file's text at a commit, or None when it does not exist there."""
        def read() -> tuple[str | None, str | None]:
            try:
                content = self._repo(repo).get_contents(path, ref=ref)
            except github.UnknownObjectException:
                return None, None
            if isinstance(content, list) or content.type != "file":
                return None, None
            if content.encoding == "base64" and content.content:
                return _decode(content.content), None
            return (content.content or "", None) if not content.sha else (None, content.sha)

        try:
            text, blob = self._call("GET", f"GET /repos/{repo}/contents/{path}@{ref}", read)
        except NotFound:
            return None
        if blob is not None:  # over 1 MB the contents API leaves the content out; the blob has it
            return self.blob_text(repo, blob)
        return text

    def commits_touching(self, repo: str, path: str, ref: str, limit: int = 30) -> list[str]:
        """The commits of `ref`'s history that changed `path`, newest first (one page)."""
        def read() -> list[str]:
            return [str(c.sha) for c in islice(self._repo(repo).get_commits(sha=ref, path=path), limit)]

        return self._call("GET", f"GET /repos/{repo}/commits?path={path}", read)

    def blob_text(self, repo: str, sha: str) -> str:
        def read() -> str:
            blob = self._repo(repo).get_git_blob(sha)
            return _decode(blob.content) if blob.encoding == "base64" else (blob.content or "")

        return self._call("GET", f"GET /repos/{repo}/git/blobs/{sha}", read)

    def tree(self, repo: str, sha: str) -> Tree:
        def read() -> Tree:
            tree = self._repo(repo).get_git_tree(sha, recursive=True)
            blobs = tuple(TreeEntry(e.path, e.sha) for e in tree.tree if e.type == "blob")
            return Tree(blobs, bool(tree.raw_data.get("truncated")))

        return self._call("GET", f"GET /repos/{repo}/git/trees/{sha}", read)

    def merge_base(self, repo: str, base: str, head: str) -> str:
        """The commit a pull request's diff is taken from (`patch` hunks count lines there)."""
        def read() -> str:
            return str(self._repo(repo).compare(base, head).complete().merge_base_commit.sha)

        return self._call("GET", f"GET /repos/{repo}/compare/{base}...{head}", read)

    def check_runs(self, repo: str, ref: str, name: str) -> list[CheckRun]:
        items = self._conditional_list(f"/repos/{repo}/commits/{ref}/check-runs", {"check_name": name}, "check_runs")
        return [CheckRun(id=int(r["id"]), status=str(r.get("status")),
                         app_id=int(r["app"]["id"]) if isinstance(r.get("app"), dict) and "id" in r["app"] else None)
                for r in items]

    def repositories(self) -> list[str]:
        return [str(r["full_name"]) for r in self._conditional_list("/installation/repositories", {}, "repositories")]

    def open_pulls(self, repo: str) -> list[OpenPull]:
        return [OpenPull(int(p["number"]), str(p["head"]["sha"]))
                for p in self._conditional_list(f"/repos/{repo}/pulls", {"state": "open"}, None)]

    def review_comments(self, repo: str, number: int) -> list[Comment]:
        def read() -> list[Comment]:
            return [Comment(c.id, c.body or "", c.path) for c in self._repo(repo).get_pull(number).get_review_comments()]

        return self._call("GET", f"GET /repos/{repo}/pulls/{number}/comments", read)

    def reviews(self, repo: str, number: int) -> list[Review]:
        def read() -> list[Review]:
            return [Review(r.id, r.body or "") for r in self._repo(repo).get_pull(number).get_reviews()]

        return self._call("GET", f"GET /repos/{repo}/pulls/{number}/reviews", read)

    def issue_comments(self, repo: str, number: int) -> list[Comment]:
        def read() -> list[Comment]:
            return [Comment(c.id, c.body or "") for c in self._repo(repo).get_issue(number).get_comments()]

        return self._call("GET", f"GET /repos/{repo}/issues/{number}/comments", read)

    def annotation_keys(self, repo: str, check_run_id: int) -> set[tuple[str, int, str]]:
        """(path, start line, message) of the annotations a check run has, to send none twice."""
        def read() -> set[tuple[str, int, str]]:
            return {(a.path, a.start_line, a.message) for a in self._check_run(repo, check_run_id).get_annotations()}

        return self._call("GET", f"GET /repos/{repo}/check-runs/{check_run_id}/annotations", read)

    def _conditional_list(self, path: str, params: dict[str, Any], key: str | None) -> list[dict[str, Any]]:
        """Every item of a list endpoint, each page asked with the ETag of its last answer: a 304
        costs nothing against the primary rate limit (periodic reads: the reconciler)."""
        def read() -> list[dict[str, Any]]:
            requester = self._gh.requester
            items: list[dict[str, Any]] = []
            url: str | None = path
            query: dict[str, Any] | None = {"per_page": 100, **params}
            for _ in range(100):
                if url is None:
                    break
                cache_key = url + "?" + "&".join(f"{k}={v}" for k, v in sorted((query or {}).items()))
                with self._etags_lock:
                    cached = self._etags.get(cache_key)
                conditional = {"If-None-Match": cached[0]} if cached else {}
                headers, data = requester.requestJsonAndCheck("GET", url, parameters=query, headers=conditional)
                if data is None and cached:  # 304 Not Modified
                    page, following = cached[1], cached[2]
                else:
                    page = data.get(key, []) if key and isinstance(data, dict) else (data if isinstance(data, list) else [])
                    following = _next_link(str(headers.get("link", "")))
                    if headers.get("etag"):
                        with self._etags_lock:
                            self._etags[cache_key] = (str(headers["etag"]), page, following)
                            self._etags.move_to_end(cache_key)
                            while len(self._etags) > ETAG_ENTRIES:
                                self._etags.popitem(last=False)
                items.extend(page)
                url, query = following, None
            return items

        return self._call("GET", f"GET {path}", read)

    # -- writes ---------------------------------------------------------------------------
    def _check_run(self, repo: str, check_run_id: int) -> GhCheckRun:
        return self._repo(repo).get_check_run(check_run_id)  # lazy: its url only, no request

    def create_check_run(self, repo: str, *, name: str, head_sha: str, status: str, external_id: str,
                         output: dict[str, Any], conclusion: str | None = None) -> int:
        now = datetime.now(timezone.utc)
        extra: dict[str, Any] = {"conclusion": conclusion, "completed_at": now} if conclusion else {"started_at": now}

        def send() -> int:
            run = self._repo(repo).create_check_run(name=name, head_sha=head_sha, status=status,
                                                    external_id=external_id, output=output, **extra)
            return int(run.id)

        return self._call("POST", f"POST /repos/{repo}/check-runs", send)

    def update_check_run(self, repo: str, check_run_id: int, *, output: dict[str, Any],
                         conclusion: str | None = None) -> None:
        """Update the output; with a conclusion, complete the run."""
        fields: dict[str, Any] = {"output": output}
        if conclusion:
            fields.update(status="completed", conclusion=conclusion, completed_at=datetime.now(timezone.utc))
        # Annotations append: a lost answer must not make us send the same batch twice.
        appends = bool(output.get("annotations"))
        self._call("PATCH", f"PATCH /repos/{repo}/check-runs/{check_run_id}",
                   lambda: self._check_run(repo, check_run_id).edit(**fields), repeatable=not appends)

    def create_status(self, repo: str, sha: str, *, state: str, context: str, description: str,
                      target_url: str | None = None) -> None:
        """A commit status: where a token may not create check runs (a workflow without checks: write)."""
        body: dict[str, Any] = {"state": state, "context": context, "description": description[:140]}
        if target_url:
            body["target_url"] = target_url
        self._call("POST", f"POST /repos/{repo}/statuses/{sha}", lambda: self._gh.requester.requestJsonAndCheck(
            "POST", f"/repos/{repo}/statuses/{sha}", input=body), repeatable=True)

    def create_review(self, repo: str, number: int, *, commit_id: str, body: str,
                      comments: list[InlineComment], event: str = "COMMENT") -> None:
        def send() -> None:
            pull = self._repo(repo).get_pull(number)
            # A commit built from what we know: its sha is all the review needs (no request).
            commit = GhCommit(self._gh.requester, {}, {"sha": commit_id, "url": f"{pull.url}/commits/{commit_id}"},
                              completed=True)
            pull.create_review(commit=commit, body=body, event=event,
                               comments=[{"path": c.path, "line": c.line, "side": "RIGHT", "body": c.body}
                                         for c in comments])

        self._call("POST", f"POST /repos/{repo}/pulls/{number}/reviews", send)

    def edit_review_comment(self, repo: str, comment_id: int, body: str) -> None:
        def send() -> None:
            url = f"{self._repo(repo).url}/pulls/comments/{comment_id}"
            GhPullRequestComment(self._gh.requester, url=url).edit(body)

        self._call("PATCH", f"PATCH /repos/{repo}/pulls/comments/{comment_id}", send)

    def create_issue_comment(self, repo: str, number: int, body: str) -> None:
        self._call("POST", f"POST /repos/{repo}/issues/{number}/comments",
                   lambda: self._repo(repo).get_issue(number).create_comment(body))

    def edit_issue_comment(self, repo: str, comment_id: int, body: str) -> None:
        def send() -> None:
            url = f"{self._repo(repo).url}/issues/comments/{comment_id}"
            GhIssueComment(self._gh.requester, url=url).edit(body)

        self._call("PATCH", f"PATCH /repos/{repo}/issues/comments/{comment_id}", send)


def _next_link(link: str) -> str | None:
    for part in link.split(","):
        if 'rel="next"' in part:
            return part[part.index("<") + 1:part.index(">")]
    return None


def _decode(content: str) -> str:
    return base64.b64decode(content).decode("utf-8", errors="replace")



