"""The App's cache of repositories on disk: one bare partial clone (`--filter=blob:none`) per
repository, so that a pull request is read with a git fetch or two instead of REST calls per file.

- Bounded: by default 2 GiB or 200 repositories; the least recently used go first.
- One job at a time per repository, across threads and processes (an exclusive `flock` on a lock
  file beside the clone): one fetch at a time, and nobody reads while a fetch writes. git itself
  writes objects and packs to temporary files and renames them, so even an unlocked reader would
  see whole objects only.
- A worker killed mid-fetch leaves at most temporary files and stale `*.lock` files; whoever takes
  the lock next removes the locks (nobody else can hold them), and a clone whose set-up never
  finished (no marker file) is made again.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.gitrepo import git

log = logging.getLogger("mockguard.repo_cache")

READY = "mockguard-ready"  # written once the clone's configuration is complete
USED = "mockguard-used"  # its modification time is the last use
DEFAULT_MAX_BYTES = 2 * 1024**3
DEFAULT_MAX_REPOS = 200
_SAFE = re.compile(r"[^A-Za-z0-9._-]")


@dataclass(frozen=True)
class CachedRepo:
    path: Path
    full_name: str


class RepoCache:
    def __init__(self, root: Path, max_bytes: int = DEFAULT_MAX_BYTES, max_repos: int = DEFAULT_MAX_REPOS):
        self.root = root
        self.max_bytes = max_bytes
        self.max_repos = max_repos

    def _paths(self, full_name: str) -> tuple[Path, Path]:
        owner, _, name = full_name.partition("/")
        folder = self.root / _SAFE.sub("_", owner)
        stem = _SAFE.sub("_", name)
        return folder / f"{stem}.git", folder / f"{stem}.lock"

    @contextmanager
    def repository(self, full_name: str, clone_url: str) -> Iterator[CachedRepo]:
        """The repository's clone, held for this caller alone until the block ends."""
        path, lock_path = self._paths(full_name)
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        with open(lock_path, "a+b") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                self._ready(path, clone_url)
                (path / USED).touch()
                yield CachedRepo(path, full_name)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
        self.evict(keep=path)

    def _ready(self, path: Path, clone_url: str) -> None:
        if not (path / READY).exists():
            shutil.rmtree(path, ignore_errors=True)  # a set-up cut short: start again
            path.mkdir(parents=True)
            git(path, "init", "-q", "--bare")
            for key, value in (
                ("core.repositoryformatversion", "1"),
                ("extensions.partialClone", "origin"),
                ("remote.origin.url", clone_url),
                ("remote.origin.promisor", "true"),
                ("remote.origin.partialclonefilter", "blob:none"),
                ("gc.auto", "0"),  # objects only our refs keep alive must not be pruned under a reader
                ("maintenance.auto", "false"),
                # A blob that is somehow missing must fail fast, not prompt for a password: the
                # caller then falls back to the REST API.
                ("core.askPass", "false"),
                ("credential.helper", ""),
            ):
                git(path, "config", key, value)
            (path / READY).touch()
            return
        if git(path, "config", "remote.origin.url").decode().strip() != clone_url:
            git(path, "config", "remote.origin.url", clone_url)
        # Whoever holds the lock is alone: any *.lock file is left over from a killed fetch.
        for stale in [*path.glob("*.lock"), *path.glob("refs/**/*.lock")]:
            stale.unlink(missing_ok=True)

    def evict(self, keep: Path | None = None) -> list[str]:
        """Remove least recently used clones until the cache is within its bounds; a clone in use
        is skipped (its lock is taken without waiting)."""
        clones = []
        for path in self.root.glob("*/*.git"):
            try:
                used = (path / USED).stat().st_mtime
            except OSError:
                used = 0.0
            clones.append((used, path, _size(path)))
        clones.sort()
        total = sum(size for _, _, size in clones)
        count = len(clones)
        removed: list[str] = []
        for _used, path, size in clones:
            if total <= self.max_bytes and count <= self.max_repos:
                break
            if path == keep:
                continue
            lock_path = path.with_suffix(".lock")
            with open(lock_path, "a+b") as lock:
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # in use: another time
                try:
                    shutil.rmtree(path, ignore_errors=True)
                finally:
                    fcntl.flock(lock, fcntl.LOCK_UN)
            total -= size
            count -= 1
            removed.append(str(path.relative_to(self.root)))
        if removed:
            log.info("repository cache evicted", extra={"removed": removed, "bytes": total, "repos": count})
        return removed


def _size(path: Path) -> int:
    total = 0
    for folder, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(folder, name)).st_size
            except OSError:
                pass
    return total

