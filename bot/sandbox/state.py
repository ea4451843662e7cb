"""The sandbox's memory: pull requests (keyed by number), tokens and everything the App posted.

One lock guards it all; requests are served from a thread pool.
"""

from __future__ import annotations

import itertools
import secrets
import string
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any


def now_iso(at: float | None = None) -> str:
    return datetime.fromtimestamp(at if at is not None else time.time(), tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Pull:
    number: int
    base_sha: str
    head_sha: str
    base_ref: str
    head_ref: str
    title: str
    body: str
    author: str
    created_at: str
    updated_at: str
    state: str = "open"
    draft: bool = False
    id: int = 0
    previous_head: str | None = None


WORKFLOW_ACTOR = "github-actions[bot]"  # the author of what a workflow's GITHUB_TOKEN posts


@dataclass
class InstallationToken:
    token: str
    installation_id: int
    expires_at: float
    permissions: dict[str, str]
    repository_names: list[str] | None
    # "installation": minted by the App; "workflow": a workflow's GITHUB_TOKEN (POST /_sandbox/tokens)
    kind: str = "installation"

    @property
    def actor(self) -> str | None:
        """Who a write with this token is shown as, when not the App's bot."""
        return WORKFLOW_ACTOR if self.kind == "workflow" else None


@dataclass
class CheckSuite:
    id: int
    head_sha: str
    head_branch: str | None
    created_at: str
    updated_at: str
    before: str | None = None
    after: str | None = None
    # Set by a rerequest (queued, no conclusion) until a run of the suite changes again.
    reset: bool = False


@dataclass
class CheckRun:
    id: int
    suite_id: int
    name: str
    head_sha: str
    status: str
    conclusion: str | None
    started_at: str | None
    completed_at: str | None
    details_url: str | None
    external_id: str | None
    title: str | None = None
    summary: str | None = None
    text: str | None = None
    annotations: list[dict[str, Any]] = field(default_factory=list)
    images: list[dict[str, Any]] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Review:
    id: int
    pull_number: int
    event: str | None  # what was asked: APPROVE, REQUEST_CHANGES, COMMENT or None (pending)
    state: str  # APPROVED, CHANGES_REQUESTED, COMMENTED, PENDING, DISMISSED
    body: str
    commit_id: str
    submitted_at: str | None
    user: str
    comment_ids: list[int] = field(default_factory=list)


@dataclass
class ReviewComment:
    id: int
    review_id: int
    pull_number: int
    path: str
    body: str
    commit_id: str
    original_commit_id: str
    diff_hunk: str
    line: int | None
    side: str | None
    start_line: int | None
    start_side: str | None
    position: int | None
    subject_type: str
    in_reply_to_id: int | None
    user: str
    created_at: str
    updated_at: str


@dataclass
class IssueComment:
    id: int
    issue_number: int
    body: str
    user: str
    created_at: str
    updated_at: str
    via_app: bool = True


@dataclass
class CommitStatus:
    id: int
    sha: str
    state: str
    target_url: str | None
    description: str | None
    context: str
    created_at: str
    updated_at: str
    user: str


@dataclass
class RateBucket:
    limit: int
    used: int = 0
    reset: int = 0

    def roll(self, now: float) -> None:
        if now >= self.reset:
            self.used = 0
            self.reset = int(now) + 3600

    @property
    def remaining(self) -> int:
        return max(self.limit - self.used, 0)


class SandboxState:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.pulls: dict[int, Pull] = {}
        self.tokens: dict[str, InstallationToken] = {}
        self.check_suites: dict[int, CheckSuite] = {}
        self.check_runs: dict[int, CheckRun] = {}
        self.reviews: dict[int, Review] = {}
        self.review_comments: dict[int, ReviewComment] = {}
        self.issue_comments: dict[int, IssueComment] = {}
        self.statuses: dict[int, CommitStatus] = {}
        self.requests: list[dict[str, Any]] = []
        self.deliveries: list[dict[str, Any]] = []
        self.rate: dict[str, RateBucket] = {}
        # Distinct id ranges per kind keep ids realistic-looking and easy to tell apart in logs.
        self._ids = {
            "pull": itertools.count(1_000_000_001),
            "check_suite": itertools.count(2_000_000_001),
            "check_run": itertools.count(3_000_000_001),
            "review": itertools.count(4_000_000_001),
            "review_comment": itertools.count(5_000_000_001),
            "issue_comment": itertools.count(6_000_000_001),
            "status": itertools.count(7_000_000_001),
        }

    def next_id(self, kind: str) -> int:
        with self.lock:
            return next(self._ids[kind])

    def issue_token(self, installation_id: int, ttl: int, permissions: dict[str, str],
                    repository_names: list[str] | None, kind: str = "installation") -> InstallationToken:
        alphabet = string.ascii_letters + string.digits
        token = "ghs_" + "".join(secrets.choice(alphabet) for _ in range(36))
        record = InstallationToken(token, installation_id, time.time() + ttl, permissions, repository_names, kind)
        with self.lock:
            self.tokens[token] = record
        return record

    def clear_posted(self) -> None:
        """Forget what clients posted and the request log; pull requests and tokens stay."""
        with self.lock:
            self.check_suites.clear()
            self.check_runs.clear()
            self.reviews.clear()
            self.review_comments.clear()
            self.issue_comments.clear()
            self.statuses.clear()
            self.requests.clear()
            self.deliveries.clear()
