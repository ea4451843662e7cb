"""`/{owner}/{repo}.git/...`: git's smart HTTP protocol (see `bot/sandbox/githttp.py`)."""

from __future__ import annotations

import time

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from .. import auth
from ..core import Sandbox
from ..githttp import basic_password, http_backend

router = APIRouter(include_in_schema=False)

GIT_PATH = "/{owner}/{repo}.git/{rest:path}"


def _plain(status: int, message: str, **headers: str) -> Response:
    return Response(message + "\n", status_code=status, media_type="text/plain; charset=utf-8", headers=headers)


def _refs(sandbox: Sandbox) -> dict[str, str]:
    """The refs the copy serves: the user's branches, then each pull request's head branch and refs/pull/N/head."""
    refs = {f"refs/heads/{name}": sha for name, sha in sandbox.git.branches().items()}
    with sandbox.state.lock:
        for pull in sandbox.state.pulls.values():
            refs[f"refs/heads/{pull.head_ref}"] = pull.head_sha
            refs[f"refs/pull/{pull.number}/head"] = pull.head_sha
    return refs


@router.api_route(GIT_PATH, methods=["GET", "POST"])
async def smart_http(request: Request, owner: str, repo: str, rest: str) -> Response:
    sandbox: Sandbox = request.app.state.sandbox
    password = basic_password(request.headers.get("authorization"))
    record = sandbox.state.tokens.get(password) if password else None
    if record is None or record.expires_at <= time.time():
        # What git needs to ask its credential helper and retry, as github.com answers.
        return _plain(401, "Invalid username or password.", **{"WWW-Authenticate": 'Basic realm="GitHub"'})
    if not sandbox.repo_matches(owner, repo) or record.installation_id != sandbox.cfg.installation_id or (
        record.repository_names is not None
        and sandbox.cfg.name.lower() not in (n.lower() for n in record.repository_names)
    ):
        return _plain(404, "Repository not found.")
    service = request.query_params.get("service") or rest.rsplit("/", 1)[-1]
    if service == "git-receive-pack":
        return _plain(403, f"Permission to {sandbox.cfg.full_name}.git denied: the sandbox's repository is read-only.")
    identity = auth.Identity("installation", record.installation_id, dict(record.permissions), record)
    if not auth.has_permission(identity, "contents", "read"):
        return _plain(403, f"Permission to {sandbox.cfg.full_name}.git denied: the token lacks contents=read.")
    body = await request.body()
    headers = {k.lower(): v for k, v in request.headers.items()}

    def serve() -> Response:
        root = sandbox.served.ensure(_refs(sandbox), sandbox.cfg.default_branch or "main")
        answer = http_backend(root, f"/{sandbox.served.name}/{rest}", request.method,
                              request.url.query, body, headers)
        return Response(answer.body, status_code=answer.status, headers=dict(answer.headers))

    return await run_in_threadpool(serve)
