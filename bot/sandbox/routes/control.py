"""`/_sandbox/*`: seeing and steering the sandbox. No authentication, no faults, no rate limit.

- `GET  /_sandbox/state`          everything posted, the pull requests and the request log
                                  (`?requests=false` leaves the log out)
- `GET|POST|DELETE /_sandbox/faults`   read, set (see faults.py for the JSON) or clear faults
- `POST /_sandbox/deliver`        send a signed webhook (see webhooks.py); answers what happened
- `POST /_sandbox/pulls`          open another pull request {number, base, head, title?, body?}
- `PATCH /_sandbox/pulls/{n}`     move it {head?, base?} or change {state?, draft?, title?}
- `POST /_sandbox/tokens`         a workflow's GITHUB_TOKEN {permissions: {contents: read, ...}}
- `POST /_sandbox/tokens/expire`  expire installation tokens now ({token} for one, {} for all)
- `POST /_sandbox/reset`          forget posted objects, deliveries and the request log
- `GET  /_sandbox/raw/{ref}/{path}`  a file's bytes (the `download_url` of contents answers)
"""

from __future__ import annotations

import json
import time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from ..config import PullSpec
from ..core import Sandbox
from ..faults import FaultError
from ..shapes import Renderer
from ..state import ReviewComment
from ..webhooks import DeliveryError, deliver

router = APIRouter(prefix="/_sandbox")


def _sandbox(request: Request) -> Sandbox:
    return request.app.state.sandbox


def _problem(status: int, message: str) -> JSONResponse:
    return JSONResponse({"message": message}, status_code=status)


async def _json(request: Request) -> Any:
    raw = await request.body()
    if not raw.strip():
        return {}
    return json.loads(raw)


def comment_state(c: ReviewComment) -> dict[str, Any]:
    return {
        "id": c.id,
        "review_id": c.review_id,
        "pull_number": c.pull_number,
        "path": c.path,
        "line": c.line,
        "side": c.side,
        "start_line": c.start_line,
        "start_side": c.start_side,
        "position": c.position,
        "subject_type": c.subject_type,
        "body": c.body,
        "commit_id": c.commit_id,
        "in_reply_to_id": c.in_reply_to_id,
        "diff_hunk": c.diff_hunk,
        "user": c.user,
        "created_at": c.created_at,
        "updated_at": c.updated_at,
    }


def state_snapshot(sandbox: Sandbox, render: Renderer, *, with_requests: bool = True) -> dict[str, Any]:
    cfg, state = sandbox.cfg, sandbox.state
    with state.lock:
        pulls = sorted(state.pulls.values(), key=lambda p: p.number)
        runs = sorted(state.check_runs.values(), key=lambda r: r.id)
        suites = sorted(state.check_suites.values(), key=lambda s: s.id)
        reviews = sorted(state.reviews.values(), key=lambda r: r.id)
        comments = dict(state.review_comments)
        issue_comments = sorted(state.issue_comments.values(), key=lambda c: c.id)
        statuses = sorted(state.statuses.values(), key=lambda s: s.id)
        deliveries = list(state.deliveries)
        requests = list(state.requests) if with_requests else None
        rate = {k: {"limit": b.limit, "used": b.used, "remaining": b.remaining, "reset": b.reset}
                for k, b in state.rate.items()}
    out: dict[str, Any] = {
        "api_url": render.base,
        "repository": {"owner": cfg.owner, "name": cfg.name, "full_name": cfg.full_name,
                       "default_branch": cfg.default_branch, "path": cfg.repo},
        "app": {"id": cfg.app_id, "slug": cfg.app_slug, "client_id": cfg.resolved_client_id,
                "bot": render.bot_login},
        "installation": {"id": cfg.installation_id, "permissions": dict(cfg.permissions)},
        "pulls": [
            {"number": p.number, "title": p.title, "state": p.state, "draft": p.draft,
             "base_ref": p.base_ref, "base_sha": p.base_sha, "head_ref": p.head_ref, "head_sha": p.head_sha}
            for p in pulls
        ],
        "check_suites": [
            {"id": s.id, "head_sha": s.head_sha, "head_branch": s.head_branch,
             **dict(zip(("status", "conclusion"), render.suite_status(s)))}
            for s in suites
        ],
        "check_runs": [render.check_run(r, with_annotations=True) for r in runs],
        "reviews": [
            {"id": r.id, "pull_number": r.pull_number, "event": r.event, "state": r.state, "body": r.body,
             "commit_id": r.commit_id, "submitted_at": r.submitted_at, "user": r.user,
             "comments": [comment_state(comments[i]) for i in r.comment_ids if i in comments]}
            for r in reviews
        ],
        "review_comments": [comment_state(c) for c in sorted(comments.values(), key=lambda c: c.id)],
        "issue_comments": [
            {"id": c.id, "issue_number": c.issue_number, "body": c.body, "user": c.user,
             "created_at": c.created_at, "updated_at": c.updated_at}
            for c in issue_comments
        ],
        "statuses": [
            {"id": s.id, "sha": s.sha, "state": s.state, "context": s.context, "description": s.description,
             "target_url": s.target_url, "created_at": s.created_at}
            for s in statuses
        ],
        "deliveries": deliveries,
        "faults": sandbox.faults.as_json(),
        "rate_limits": rate,
    }
    if requests is not None:
        out["requests"] = requests
    return out


@router.get("/state")
def get_state(request: Request):
    sandbox = _sandbox(request)
    with_requests = request.query_params.get("requests", "true").lower() not in ("0", "false", "no")
    return JSONResponse(state_snapshot(sandbox, sandbox.renderer(request), with_requests=with_requests))


@router.get("/faults")
def get_faults(request: Request):
    return JSONResponse(_sandbox(request).faults.as_json())


@router.post("/faults")
async def set_faults(request: Request):
    sandbox = _sandbox(request)
    try:
        data = await _json(request)
        replace = bool(data.get("replace", True)) if isinstance(data, dict) else True
        sandbox.faults.set(data, replace=replace)
    except (FaultError, ValueError) as error:
        return _problem(400, str(error))
    return JSONResponse(sandbox.faults.as_json())


@router.delete("/faults")
def clear_faults(request: Request):
    sandbox = _sandbox(request)
    sandbox.faults.clear()
    return JSONResponse(sandbox.faults.as_json())


DELIVERY_OPTIONS = ("pull_number", "head", "base", "check_run_id", "check_suite_id", "identifier")


@router.post("/deliver")
async def post_deliver(request: Request):
    sandbox = _sandbox(request)
    try:
        data = await _json(request)
    except ValueError:
        return _problem(400, "Problems parsing JSON")
    if not isinstance(data, dict) or "event" not in data or "action" not in data:
        return _problem(400, 'give at least {"event": ..., "action": ...}')
    unknown = set(data) - {"event", "action", "url", "secret", "delivery_id", "send", "timeout", *DELIVERY_OPTIONS}
    if unknown:
        return _problem(400, f"unknown keys: {', '.join(sorted(unknown))}")
    options = {k: data[k] for k in DELIVERY_OPTIONS if data.get(k) is not None}
    try:
        result = await deliver(
            sandbox,
            data["event"],
            data["action"],
            url=data.get("url"),
            secret=data.get("secret"),
            delivery_id=data.get("delivery_id"),
            send=bool(data.get("send", True)),
            timeout=float(data.get("timeout", 10.0)),
            **options,
        )
    except DeliveryError as error:
        return _problem(422, str(error))
    return JSONResponse(result)


@router.post("/pulls")
async def add_pull(request: Request):
    sandbox = _sandbox(request)
    try:
        data = await _json(request)
        spec = PullSpec(int(data["number"]), str(data["base"]), str(data["head"]), data.get("title"), data.get("body"))
    except (ValueError, KeyError, TypeError):
        return _problem(400, 'give {"number": N, "base": REF, "head": REF}')
    with sandbox.state.lock:
        if spec.number in sandbox.state.pulls:
            return _problem(422, f"pull request #{spec.number} already exists")
    try:
        pull = sandbox.add_pull(spec)
    except ValueError as error:
        return _problem(422, str(error))
    return JSONResponse(sandbox.renderer(request).pull(pull), status_code=201)


@router.patch("/pulls/{number}")
async def change_pull(request: Request, number: int):
    sandbox = _sandbox(request)
    with sandbox.state.lock:
        pull = sandbox.state.pulls.get(number)
    if pull is None:
        return _problem(404, f"no pull request #{number}")
    try:
        data = await _json(request)
    except ValueError:
        return _problem(400, "Problems parsing JSON")
    try:
        if "head" in data or "base" in data:
            sandbox.move_pull(pull, head=data.get("head"), base=data.get("base"))
    except ValueError as error:
        return _problem(422, str(error))
    with sandbox.state.lock:
        if data.get("state") in ("open", "closed"):
            pull.state = data["state"]
        if "draft" in data:
            pull.draft = bool(data["draft"])
        if data.get("title"):
            pull.title = str(data["title"])
    return JSONResponse(sandbox.renderer(request).pull(pull))


@router.post("/tokens")
async def workflow_token(request: Request):
    """A plain token with the permissions a workflow's `permissions:` block gives its GITHUB_TOKEN."""
    sandbox = _sandbox(request)
    data = await _json(request)
    permissions = data.get("permissions") if isinstance(data, dict) else None
    if not isinstance(permissions, dict) or set(data) - {"permissions", "ttl"}:
        return _problem(400, 'expected {"permissions": {"contents": "read", ...}} (and optionally "ttl" seconds)')
    bad = {k: v for k, v in permissions.items() if v not in ("read", "write", "none")}
    if bad:
        return _problem(400, f"permission levels are read, write or none: {bad}")
    granted = {k: v for k, v in permissions.items() if v != "none"}
    granted.setdefault("metadata", "read")
    ttl = data.get("ttl", 6 * 3600)  # a workflow token lives as long as its job (at most 6 hours on hosted runners)
    record = sandbox.state.issue_token(sandbox.cfg.installation_id, int(ttl), granted, [sandbox.cfg.name], kind="workflow")
    return JSONResponse({"token": record.token, "permissions": granted}, status_code=201)


@router.post("/tokens/expire")
async def expire_tokens(request: Request):
    sandbox = _sandbox(request)
    data = await _json(request)
    token = data.get("token") if isinstance(data, dict) else None
    expired = 0
    with sandbox.state.lock:
        for value, record in sandbox.state.tokens.items():
            if token is None or value == token:
                record.expires_at = min(record.expires_at, time.time() - 1)
                expired += 1
    return JSONResponse({"expired": expired})


@router.post("/reset")
def reset(request: Request):
    sandbox = _sandbox(request)
    sandbox.state.clear_posted()
    return JSONResponse({"reset": True})


@router.get("/raw/{ref}/{path:path}")
def raw_file(request: Request, ref: str, path: str):
    sandbox = _sandbox(request)
    sha = sandbox.resolve_ref(ref)
    entry = sandbox.git.entry(sha, path) if sha else None
    if entry is None or entry.type != "blob":
        return Response("404: Not Found", status_code=404, media_type="text/plain")
    return Response(sandbox.git.read_blob(entry.sha), media_type="text/plain; charset=utf-8")
