"""Real git repositories for the engine's tests, built with the real `git` binary in tmp_path.

A `GitRepo` writes files, commits and tags them, and runs `mockguard` on itself as a subprocess,
so the tests see exactly what a user sees: git's own diff, exit codes, stdout and stderr.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

MOCKGUARD = Path(sys.executable).with_name("mockguard")

# A fixed identity and no user/system config, so a developer's git settings cannot change a test.
GIT_ENV = {
    **os.environ,
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "mockguard tests",
    "GIT_AUTHOR_EMAIL": "tests@example.invalid",
    "GIT_COMMITTER_NAME": "mockguard tests",
    "GIT_COMMITTER_EMAIL": "tests@example.invalid",
}


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, env=GIT_ENV, capture_output=True, text=True)
    if done.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed in {cwd}:\n{done.stderr}")
    return done.stdout


@dataclass
class Run:
    """One finished `mockguard` process."""

    returncode: int
    stdout: str
    stderr: str

    @property
    def report(self) -> dict:
        """The json report (only for `--format json` runs)."""
        try:
            return json.loads(self.stdout)
        except json.JSONDecodeError as error:
            raise AssertionError(f"not json (exit {self.returncode}):\n{self.stdout}\n{self.stderr}") from error

    def sites(self, group: str = "findings") -> list[tuple[str, int, str]]:
        """(path, line, rule) of each site in a report group, sorted."""
        return sorted((s["path"], s["line"], s["rule"]) for s in self.report[group])


def mockguard(*args: str, cwd: Path | None = None, env: dict | None = None) -> Run:
    done = subprocess.run([str(MOCKGUARD), *args], cwd=cwd, env=env or GIT_ENV, capture_output=True, text=True)
    return Run(done.returncode, done.stdout, done.stderr)


class GitRepo:
    """A repository on branch `main` in a directory of its own."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        git(root, "init", "-q", "-b", "main")

    def git(self, *args: str) -> str:
        return git(self.root, *args)

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
        return self.git("rev-parse", "HEAD").strip()

    def check(self, *args: str, fmt: str = "json") -> Run:
        """`mockguard check --repo ROOT --format FMT ARGS...`"""
        return mockguard("check", "--repo", str(self.root), "--format", fmt, *args)

    def check_change(self, base: str = "base", head: str = "head", *args: str) -> Run:
        return self.check("--base", base, "--head", head, *args)

    def change(self, base_files: dict[str, str], head_files: dict[str, str]) -> "GitRepo":
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
