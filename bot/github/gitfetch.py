"""Fetching a pull request's commits and blobs with git, over HTTPS, as an installation.

GitHub takes an installation token as the password of `x-access-token`. It goes to git in the
environment (GIT_CONFIG_* as an `http.extraHeader`), never on a command line or into the
repository's config, so it shows up neither in `ps` nor on disk.
"""

from __future__ import annotations

import base64
import os
import re
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

FETCH_TIMEOUT = 300.0  # a first fetch of a big repository's commits and trees takes a while


class GitFetchError(Exception):
    """git could not fetch (the server refuses partial clones, the network, a bad token...)."""


def _auth_env(token: str) -> dict[str, str]:
    basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
    return {
        **os.environ,
        "GIT_TERMINAL_PROMPT": "0",  # never wait for a password on a terminal
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": "http.extraHeader",
        "GIT_CONFIG_VALUE_0": f"Authorization: Basic {basic}",
    }


auth_env = _auth_env  # for a caller running its own git fetches with the same credentials (bot/review.py)


def fetch(repo: Path, token: str, refspecs: Sequence[str], *, blobs: bool = False,
          timeout: float = FETCH_TIMEOUT, attempts: int = 3, backoff: float = 1.0) -> None:
    """`fetch_once`, tried again after a network error (git itself does not retry a fetch); an
    answer that will not change (refused, not found, no partial clone) fails at once."""
    for attempt in range(1, attempts + 1):
        try:
            fetch_once(repo, token, refspecs, blobs=blobs, timeout=timeout)
            return
        except GitFetchError as error:
            if attempt == attempts or not _TRANSIENT.search(str(error)):
                raise
            time.sleep(backoff * 2 ** (attempt - 1))


# What git prints when the network, not the request, failed.
_TRANSIENT = re.compile(r"timed out|could not resolve host|connection|early eof|rpc failed|unexpected disconnect"
                        r"|HTTP 5\d\d|returned error: 5\d\d|did not finish", re.IGNORECASE)


def fetch_once(repo: Path, token: str, refspecs: Sequence[str], *, blobs: bool = False,
               timeout: float = FETCH_TIMEOUT) -> None:
    """Fetch into the bare partial clone `repo` from its `origin`.

    Commits (`blobs=False`): the refspecs (`+SHA:refs/...`) with their history, commits and trees
    only (`--filter=blob:none`). Blobs (`blobs=True`): the object ids given, in one request (git
    reads them from stdin, as its own lazy fetch does).
    """
    args = ["git", "-C", str(repo), "-c", "fetch.writeCommitGraph=false"]
    if blobs:
        args += ["-c", "fetch.negotiationAlgorithm=noop", "fetch", "--no-tags", "--no-write-fetch-head",
                 "--recurse-submodules=no", "--filter=blob:none", "--stdin", "origin"]
        stdin = "".join(f"{oid}\n" for oid in refspecs).encode()
    else:
        args += ["fetch", "--no-tags", "--no-write-fetch-head", "--recurse-submodules=no", "--filter=blob:none",
                 "origin", *refspecs]
        stdin = b""
    try:
        done = subprocess.run(args, input=stdin, capture_output=True, env=_auth_env(token), timeout=timeout,
                              check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise GitFetchError(f"git fetch did not finish: {error}") from error
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitFetchError(message[-1] if message else f"git fetch exited with {done.returncode}")
