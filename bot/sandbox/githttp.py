"""git's smart HTTP protocol for the sandbox's repository, as GitHub serves `https://github.com/O/R.git`.

    git -c http.extraHeader="Authorization: Basic base64(x-access-token:TOKEN)" \
        fetch --filter=blob:none http://127.0.0.1:PORT/OWNER/NAME.git refs/pull/1/head

- Authentication is the REST API's: an installation token (or a configured plain token) as the
  password of the user `x-access-token`, in HTTP Basic. Anything else is 401 with
  `WWW-Authenticate: Basic`, so the git client asks its credential helper and retries, as it does
  against GitHub. A token that cannot see the repository gets 404 "Repository not found.", a token
  without `contents` read 403, and pushes 403: the sandbox's repository is read-only.
- `git http-backend` (the CGI that ships with git) speaks the protocol (v0 and v2), over a bare
  copy of the user's repository made on the first git request. The copy borrows the user's objects
  through git's alternates (nothing is copied or written in the user's repository: it is only read)
  and holds its own refs: the user's branches, each pull request's head branch and
  `refs/pull/N/head`, refreshed before each ref advertisement, so pushes made through
  `/_sandbox/pulls` show up.
- `uploadpack.allowFilter` (partial clones: `--filter=blob:none`, `tree:0`) and
  `uploadpack.allowAnySHA1InWant` (fetch a commit or blob by its id) are on, as GitHub has them.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import tempfile
import threading
from dataclasses import dataclass

from .. import gitrun

GIT_USER = "x-access-token"
SERVICES = ("git-upload-pack", "git-receive-pack")


@dataclass(frozen=True)
class CgiAnswer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def basic_password(authorization: str | None) -> str | None:
    """The password of `Authorization: Basic ...` when the user is x-access-token, else None."""
    if not authorization:
        return None
    scheme, _, value = authorization.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, _, password = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    return password if user == GIT_USER and password else None


class ServedCopy:
    """The bare repository `git http-backend` serves: made on first use, removed by `close`."""

    def __init__(self, source: str, name: str) -> None:
        self.source = source
        self.name = name
        self._root: str | None = None
        self._lock = threading.Lock()

    @property
    def path(self) -> str:
        assert self._root is not None
        return os.path.join(self._root, self.name)

    def ensure(self, refs: dict[str, str], head_branch: str) -> str:
        """Make the copy if needed and set its refs to exactly `refs` (name -> sha); the folder holding it."""
        with self._lock:
            if self._root is None:
                root = tempfile.mkdtemp(prefix="mockguard-sandbox-git-")
                path = os.path.join(root, self.name)
                gitrun.run(root, "init", "-q", "--bare", path, isolated=True)
                objects = gitrun.text(self.source, "rev-parse", "--path-format=absolute", "--git-path", "objects",
                                      isolated=True)
                with open(os.path.join(path, "objects", "info", "alternates"), "w", encoding="utf-8") as handle:
                    handle.write(objects + "\n")
                for key, value in (("uploadpack.allowFilter", "true"), ("uploadpack.allowAnySHA1InWant", "true"),
                                   ("http.receivepack", "false"), ("http.uploadpack", "true")):
                    gitrun.run(path, "config", key, value, isolated=True)
                self._root = root
            self._set_refs(refs, head_branch)
            return self._root

    def _set_refs(self, refs: dict[str, str], head_branch: str) -> None:
        current: dict[str, str] = {}
        listing = gitrun.text(self.path, "for-each-ref", "--format=%(refname) %(objectname)", isolated=True)
        for line in filter(None, listing.splitlines()):
            name, _, sha = line.partition(" ")
            current[name] = sha
        commands = [f"update {name} {sha}\n" for name, sha in refs.items() if current.get(name) != sha]
        commands += [f"delete {name}\n" for name in current if name not in refs]
        if commands:
            gitrun.run(self.path, "update-ref", "--stdin", input="".join(commands).encode(), isolated=True)
        gitrun.run(self.path, "symbolic-ref", "HEAD", f"refs/heads/{head_branch}", isolated=True)

    def close(self) -> None:
        with self._lock:
            if self._root is not None:
                shutil.rmtree(self._root, ignore_errors=True)
                self._root = None


def http_backend(project_root: str, path_info: str, method: str, query: str, body: bytes,
                 headers: dict[str, str]) -> CgiAnswer:
    """Run `git http-backend` as a CGI for one request and parse its answer."""
    env = {
        "GIT_PROJECT_ROOT": project_root,
        "GIT_HTTP_EXPORT_ALL": "1",
        "PATH_INFO": path_info,
        "REQUEST_METHOD": method,
        "QUERY_STRING": query,
        "CONTENT_TYPE": headers.get("content-type", ""),
        "CONTENT_LENGTH": str(len(body)),
        "REMOTE_USER": GIT_USER,
        "REMOTE_ADDR": "127.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
    }
    if headers.get("git-protocol"):
        env["GIT_PROTOCOL"] = headers["git-protocol"]  # protocol v2, asked for by the client
    if headers.get("content-encoding"):
        env["HTTP_CONTENT_ENCODING"] = headers["content-encoding"]
    completed = subprocess.run(["git", "http-backend"], input=body, capture_output=True,
                               env=gitrun.environment(True, env), check=False)
    head, separator, payload = completed.stdout.partition(b"\r\n\r\n")
    if not separator:
        head, _, payload = completed.stdout.partition(b"\n\n")
    status = 200
    out_headers: list[tuple[str, str]] = []
    for line in head.decode("latin-1").splitlines():
        name, _, value = line.partition(":")
        if name.lower() == "status":
            status = int(value.strip().split()[0])
        elif name:
            out_headers.append((name.strip(), value.strip()))
    if completed.returncode != 0 and not completed.stdout:
        return CgiAnswer(500, [("Content-Type", "text/plain")], completed.stderr or b"git http-backend failed\n")
    return CgiAnswer(status, out_headers, payload)
