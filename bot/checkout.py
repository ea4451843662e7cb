"""Make a local checkout hold what a pull request's review needs: its base, its head, their merge base.

A workflow's checkout is usually shallow (actions/checkout fetches one commit, often the merge
commit `refs/pull/N/merge`), so the base and head commits may be missing, and a merge base cannot
be computed from one commit. This fetches the two commits by id and deepens the history a step at a
time until they meet (then, as a last resort, unshallows), so a depth-1 checkout works and a deep
one costs nothing. Only git objects are fetched: nothing of the pull request is ever run.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

DEEPEN_STEPS = (50, 200, 1000)


class CheckoutError(RuntimeError):
    """The checkout cannot be made to hold the commits (no remote, unreachable, not a repository)."""


_ENV: dict[str, str] | None = None  # set by ensure_pull_commits for its fetches (credentials, never argv)


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True,
                          env={**os.environ, "GIT_TERMINAL_PROMPT": "0", **(_ENV or {})})


def is_checkout(repo: Path) -> bool:
    return repo.is_dir() and _git(repo, "rev-parse", "--git-dir").returncode == 0


def has_commit(repo: Path, sha: str) -> bool:
    return _git(repo, "cat-file", "-e", f"{sha}^{{commit}}").returncode == 0


def merge_base(repo: Path, base: str, head: str) -> str | None:
    found = _git(repo, "merge-base", base, head)
    return found.stdout.strip() or None if found.returncode == 0 else None


def _shallow(repo: Path) -> bool:
    return _git(repo, "rev-parse", "--is-shallow-repository").stdout.strip() == "true"


def ensure_pull_commits(repo: Path, base: str, head: str, *, remote: str = "origin",
                        refs: tuple[str, ...] = (), env: dict[str, str] | None = None) -> str:
    """Fetch what `repo` lacks of `base` and `head` and return their merge base.

    `refs` are fetched too when a commit id alone is refused (a server that allows only advertised
    refs): for a pull request, `refs/pull/N/head` and the base branch. `env` is added to git's
    environment (credentials as GIT_CONFIG_* variables).
    """
    global _ENV
    _ENV = env
    try:
        return _ensure(repo, base, head, remote, refs)
    finally:
        _ENV = None


def _ensure(repo: Path, base: str, head: str, remote: str, refs: tuple[str, ...]) -> str:
    if not is_checkout(repo):
        raise CheckoutError(f"{repo} is not a git checkout")
    missing = [sha for sha in (base, head) if not has_commit(repo, sha)]
    if missing:
        fetched = _git(repo, "fetch", "--no-tags", "--quiet", "--depth=1", remote, *missing)
        if fetched.returncode != 0 and refs:
            fetched = _git(repo, "fetch", "--no-tags", "--quiet", "--depth=1", remote, *refs)
        still = [sha for sha in (base, head) if not has_commit(repo, sha)]
        if still:
            detail = fetched.stderr.strip().splitlines()[-1:] or ["not found"]
            raise CheckoutError(f"could not fetch {', '.join(s[:12] for s in still)} from {remote}: {detail[0]}")
    found = merge_base(repo, base, head)
    for depth in DEEPEN_STEPS:
        if found or not _shallow(repo):
            break
        _git(repo, "fetch", "--no-tags", "--quiet", f"--deepen={depth}", remote, base, head)
        found = merge_base(repo, base, head)
    if not found and _shallow(repo):
        _git(repo, "fetch", "--no-tags", "--quiet", "--unshallow", remote)
        found = merge_base(repo, base, head)
    if not found:
        raise CheckoutError(f"{base[:12]} and {head[:12]} have no common history in {repo}")
    return found
