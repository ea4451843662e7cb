"""The demo's sample repository: a small chat app whose pull request adds mocks to its tests.

`sample/base` and `sample/head` hold the two trees as plain files (they ship in the package); this
builds a real git repository from them, `main` at the base and `feature` one commit ahead, which is
what `mockguard sandbox` serves as pull request #1.

The pull request adds, in integration and e2e tests: a patched WebSocket manager, an `AsyncMock`
database session and a `mocker.patch` on an HTTP client (three comments); an environment patch
(tolerated by default), a patch allowed on its line with a reason, and a patch that only moved
(no comment on any of them); and a `MagicMock` in a unit test (not an integration test: no comment).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from bot import gitrun

SAMPLE = Path(__file__).parent / "sample"
OWNER, NAME, AUTHOR = "acme", "chat", "ada-lovelace"
BASE_BRANCH, HEAD_BRANCH = "main", "feature/live-chat"
HEAD_MESSAGE = """Chat: push new messages to watchers, show avatars on profiles

Adds tests for the WebSocket push, a failed insert, the region banner, closing a thread, the
profile avatar and invoice mails; the history test now patches the search index per message."""

# Deterministic authorship, so the demo never depends on the user's git configuration.
_GIT_ENV = {
    "GIT_AUTHOR_NAME": "Ada Lovelace", "GIT_AUTHOR_EMAIL": "ada@example.invalid",
    "GIT_COMMITTER_NAME": "Ada Lovelace", "GIT_COMMITTER_EMAIL": "ada@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
}


@dataclass(frozen=True)
class SampleRepo:
    path: Path
    base: str  # commit shas
    head: str


def _git(repo: Path, *args: str) -> str:
    try:
        return gitrun.text(repo, *args, isolated=True, env=_GIT_ENV).strip()
    except gitrun.GitError as error:
        raise RuntimeError(f"git {' '.join(args)} failed: {error}") from None


def _replace_tree(repo: Path, source: Path) -> None:
    for child in repo.iterdir():
        if child.name == ".git":
            continue
        shutil.rmtree(child) if child.is_dir() else child.unlink()
    shutil.copytree(source, repo, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


def build_sample_repo(directory: Path) -> SampleRepo:
    """A git repository in `directory` (created): `main` = sample/base, the feature branch = sample/head."""
    directory.mkdir(parents=True, exist_ok=True)
    _git(directory, "init", "-q", "-b", BASE_BRANCH)
    _replace_tree(directory, SAMPLE / "base")
    _git(directory, "add", "-A")
    _git(directory, "commit", "-q", "-m", "Chat service with stored, indexed messages")
    base = _git(directory, "rev-parse", "HEAD")
    _git(directory, "checkout", "-q", "-b", HEAD_BRANCH)
    _replace_tree(directory, SAMPLE / "head")
    _git(directory, "add", "-A")
    _git(directory, "commit", "-q", "-m", HEAD_MESSAGE)
    head = _git(directory, "rev-parse", "HEAD")
    return SampleRepo(directory, base, head)
