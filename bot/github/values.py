"""What the service reads from GitHub, as small frozen values.

The boundary converts PyGithub's objects into these right after each request, so the service
never holds a PyGithub object: reading an attribute a lazy PyGithub object lacks makes it fetch
itself with a request nobody sees in the code. Converters read only what the answer carries
(for list items, the fields GitHub's schema marks required).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PullRequest:
    number: int
    head_sha: str
    base_sha: str  # the base branch's tip, not the merge base
    changed_files: int | None  # how many files GitHub says changed (its file listing stops at 3,000)
    clone_url: str | None = None  # the base repository's HTTPS address, for git
    html_url: str | None = None  # the base repository's web address, for links to lines of the head


@dataclass(frozen=True)
class OpenPull:
    number: int
    head_sha: str


@dataclass(frozen=True)
class ChangedFile:
    path: str
    status: str  # GitHub's word: added, removed, modified, renamed, copied, changed, unchanged
    blob_sha: str | None
    previous_path: str | None = None
    patch: str | None = None  # absent for binary and very large diffs


@dataclass(frozen=True)
class CheckRun:
    id: int
    status: str
    app_id: int | None


@dataclass(frozen=True)
class Comment:
    """A review comment (with a path) or an issue comment (path None)."""

    id: int
    body: str
    path: str | None = None


@dataclass(frozen=True)
class Review:
    id: int
    body: str


@dataclass(frozen=True)
class TreeEntry:
    path: str
    blob_sha: str


@dataclass(frozen=True)
class Tree:
    blobs: tuple[TreeEntry, ...]
    truncated: bool
