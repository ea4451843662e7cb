"""The App and its installation: `/app`, installations, installation tokens, `/rate_limit`."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from fastapi import APIRouter, Request

from .. import auth, errors
from ..core import GitHubJSON, paginated
from ..deps import R, AppCtx, Body, SandboxDep
from ..edge import bucket_snapshot

router = APIRouter()


@router.get("/app")
def get_app(ctx: AppCtx):
    return GitHubJSON(ctx.render.app())


@router.get("/app/installations")
def list_installations(request: Request, ctx: AppCtx):
    return paginated(request, [ctx.render.installation()], lambda x: x, base=ctx.render.base)


@router.get("/app/installations/{installation_id}")
def get_installation(ctx: AppCtx, installation_id: int):
    sandbox = ctx.sandbox
    if installation_id != sandbox.cfg.installation_id:
        raise errors.not_found()
    return GitHubJSON(ctx.render.installation())


@router.post("/app/installations/{installation_id}/access_tokens")
def create_access_token(ctx: AppCtx, body: Body, installation_id: int):
    sandbox = ctx.sandbox
    if installation_id != sandbox.cfg.installation_id:
        raise errors.not_found()
    cfg = sandbox.cfg
    names: list[str] | None = None
    if "repositories" in body or "repository_ids" in body:
        names = list(body.get("repositories") or [])
        ids = list(body.get("repository_ids") or [])
        repo_id = ctx.render.repo_id()
        unknown = [n for n in names if n.lower() not in (cfg.name.lower(), cfg.full_name.lower())]
        if unknown or any(i != repo_id for i in ids):
            raise errors.ApiError(
                422,
                "There is at least one repository that does not exist or is not accessible to the parent installation.",
            )
        names = [cfg.name]
    permissions = dict(cfg.permissions)
    if body.get("permissions"):
        asked = body["permissions"]
        for resource, level in asked.items():
            if resource == "metadata":
                continue
            held = cfg.permissions.get(resource)
            if held is None or auth._LEVELS.get(held, 0) < auth._LEVELS.get(level, 99):
                raise errors.ApiError(422, "The permissions requested are not granted to this installation.")
        permissions = {k: v for k, v in asked.items()}
        permissions.setdefault("metadata", "read")
    record = sandbox.state.issue_token(installation_id, cfg.token_ttl, permissions, names)
    out: dict[str, Any] = {
        "token": record.token,
        "expires_at": datetime.fromtimestamp(record.expires_at, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "permissions": permissions,
        "repository_selection": "selected",
    }
    if names is not None:
        out["repositories"] = [ctx.render.repository()]
    return GitHubJSON(out, status_code=201)


@router.get(R + "/installation")
def get_repo_installation(ctx: AppCtx, owner: str, repo: str):
    if not ctx.sandbox.repo_matches(owner, repo):
        raise errors.not_found()
    return GitHubJSON(ctx.render.installation())


@router.get("/installation/repositories")
def installation_repositories(request: Request, sandbox: SandboxDep):
    identity = sandbox.identify(request)
    if identity.kind != "installation":
        raise errors.ApiError(401 if identity.kind == "anonymous" else 403,
                                 "Requires authentication" if identity.kind == "anonymous"
                                 else "Resource not accessible by integration")
    render = sandbox.renderer(request)
    return paginated(
        request, [render.repository()], lambda x: x, base=render.base, wrap="repositories",
        extra={"repository_selection": "selected"},
    )


@router.get("/rate_limit")
def rate_limit(request: Request, sandbox: SandboxDep):
    sandbox.identify(request)  # a bad token is still 401 here
    bucket = request.scope.get("sandbox.rate_bucket")
    if bucket is None:
        bucket = bucket_snapshot(sandbox, request.headers.get("authorization"))
    core = {"limit": bucket["limit"], "used": bucket["used"], "remaining": bucket["remaining"], "reset": bucket["reset"]}

    def other(limit: int) -> dict[str, int]:
        return {"limit": limit, "used": 0, "remaining": limit, "reset": bucket["reset"]}

    return GitHubJSON({
        "resources": {
            "core": core,
            "search": other(30),
            "graphql": other(5000),
            "integration_manifest": other(5000),
            "source_import": other(100),
            "code_scanning_upload": other(1000),
            "actions_runner_registration": other(10000),
            "scim": other(15000),
            "dependency_snapshots": other(100),
            "code_search": other(10),
        },
        "rate": core,
    })
