"""Real git repositories built with the real `git` binary, for every test area.

A `GitRepo` writes files, commits and tags them, and runs `mockguard` on itself as a subprocess,
so the tests see exactly what a user sees: git's own diff, exit codes, stdout and stderr.
"""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path

from .env import GIT_ENV
from .processes import Run, mockguard

__all__ = ["GIT_ENV", "GitRepo", "git"]


def git(cwd: Path, *args: str, env: dict[str, str] | None = None) -> str:
    """Run git in `cwd`; its stdout without the final newline. A failure fails the test with git's stderr."""
    done = subprocess.run(["git", *args], cwd=cwd, env=env or GIT_ENV, capture_output=True, text=True)
    if done.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed in {cwd}:\n{done.stderr}")
    return done.stdout.rstrip("\n")


class GitRepo:
    """A repository on branch `main` in a directory of its own (`bare=True`: a bare one)."""

    def __init__(self, root: Path, *, bare: bool = False) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        git(self.root, "init", "-q", "-b", "main", *(["--bare"] if bare else []))

    @property
    def path(self) -> Path:
        return self.root

    def git(self, *args: str) -> str:
        return git(self.root, *args)

    def rev(self, ref: str = "HEAD") -> str:
        return self.git("rev-parse", ref)

    def write(self, path: str, text: str, *, dedent: bool = True) -> Path:
        """Write a file (dedented, so tests can indent their code blocks)."""
        file = self.root / path
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(textwrap.dedent(text) if dedent else text, encoding="utf-8")
        return file

    def write_bytes(self, path: str, data: bytes) -> Path:
        file = self.root / path
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_bytes(data)
        return file

    def remove(self, path: str) -> None:
        self.git("rm", "-q", path)

    def commit(self, message: str = "change", *, tag: str | None = None) -> str:
        """Stage everything in the work tree and commit it; returns the commit id."""
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)
        if tag:
            self.git("tag", tag)
        return self.rev()

    def commit_files(self, files: dict[str, str | None], message: str, *, tag: str | None = None) -> str:
        """Write `files` as given (None removes the file), stage everything and commit; the commit id."""
        for name, text in files.items():
            if text is None:
                self.remove(name)
            else:
                self.write(name, text, dedent=False)
        return self.commit(message, tag=tag)

    def switch(self, branch: str, start: str | None = None) -> None:
        """Work on `branch` from here on, creating it (at `start` or HEAD) if it is new."""
        if self.git("branch", "--list", branch):
            self.git("checkout", "-q", branch)
        else:
            self.git("checkout", "-q", "-b", branch, *([start] if start else []))

    def check(self, *args: str, fmt: str = "json") -> Run:
        """`mockguard check --repo ROOT --format FMT ARGS...`"""
        return mockguard("check", "--repo", str(self.root), "--format", fmt, *args)

    def check_change(self, base: str = "base", head: str = "head", *args: str) -> Run:
        return self.check("--base", base, "--head", head, *args)

    def change(self, base_files: dict[str, str], head_files: dict[str, str]) -> GitRepo:
        """Commit `base_files` as tag `base`, then replace them with `head_files` as tag `head`.

        Files missing from head_files are deleted in the head commit."""
        for path, text in base_files.items():
            self.write(path, text)
        self.commit("base", tag="base")
        for path in base_files:
            if path not in head_files:
                self.remove(path)
        for path, text in head_files.items():
            self.write(path, text)
        self.commit("head", tag="head")
        return self
