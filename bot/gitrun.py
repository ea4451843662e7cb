"""Running the `git` binary: the one place that builds git's command line and reads its answer.

The command line reader (`bot/gitrepo.py`), the sandbox and the demo all call `run`. Every call
passes `-c core.quotepath=off` (paths come back as UTF-8, not octal escapes) and `-C REPO`.

`isolated=True` is for a repository that is not the caller's own (the sandbox serving one, the demo
building one): it drops `GIT_DIR`, `GIT_WORK_TREE` and `GIT_INDEX_FILE` inherited from a hook,
fixes the locale so git's messages parse the same everywhere, and never prompts for credentials.
Without it the caller's environment is kept, which a pre-commit hook needs (git points
`GIT_INDEX_FILE` at the index being committed).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from typing import IO

_INHERITED_LOCATION = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE")


class GitError(Exception):
    """A repository, ref or path that git cannot use; the message is git's own (or says git is missing)."""


def environment(isolated: bool, extra: Mapping[str, str] | None = None) -> dict[str, str] | None:
    if not isolated and not extra:
        return None
    env = dict(os.environ)
    if isolated:
        for name in _INHERITED_LOCATION:
            env.pop(name, None)
        env.update(LC_ALL="C", GIT_TERMINAL_PROMPT="0")
    env.update(extra or {})
    return env


def completed(repo: str | os.PathLike[str], *args: str, input: bytes | None = None, isolated: bool = False,
              env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    """`git -C REPO ARGS...`, finished: its exit status, stdout and stderr."""
    try:
        return subprocess.run(
            ["git", "-C", str(repo), "-c", "core.quotepath=off", *args],
            input=input,
            capture_output=True,
            check=False,
            env=environment(isolated, env),
        )
    except FileNotFoundError as error:
        raise GitError("git is not installed or not on PATH") from error


def popen(repo: str | os.PathLike[str], *args: str, stderr: IO[bytes] | int = subprocess.PIPE,
          isolated: bool = False) -> subprocess.Popen[bytes]:
    """`git -C REPO ARGS...` left running, with pipes to its stdin and stdout (for the long-lived
    `git cat-file --batch` that answers many questions on one process)."""
    try:
        return subprocess.Popen(
            ["git", "-C", str(repo), "-c", "core.quotepath=off", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            env=environment(isolated),
        )
    except FileNotFoundError as error:
        raise GitError("git is not installed or not on PATH") from error


def exit_status(repo: str | os.PathLike[str], *args: str, isolated: bool = False) -> int:
    """git's exit status, for commands that answer with it (`diff --quiet`: 1 when there are changes)."""
    return completed(repo, *args, isolated=isolated).returncode


def run(repo: str | os.PathLike[str], *args: str, input: bytes | None = None, check: bool = True,
        isolated: bool = False, env: Mapping[str, str] | None = None) -> bytes:
    """git's stdout for `git -C REPO ARGS...`; GitError with git's stderr when it fails and `check`."""
    finished = completed(repo, *args, input=input, isolated=isolated, env=env)
    if check and finished.returncode != 0:
        message = finished.stderr.decode("utf-8", "replace").strip()
        raise GitError(message or f"git {' '.join(args[:1])} failed (exit {finished.returncode})")
    return finished.stdout


def text(repo: str | os.PathLike[str], *args: str, check: bool = True, isolated: bool = False,
         env: Mapping[str, str] | None = None) -> str:
    """`run` decoded as UTF-8 (undecodable bytes replaced), without the final newline."""
    return run(repo, *args, check=check, isolated=isolated, env=env).decode("utf-8", "replace").rstrip("\n")

