"""What routes declare instead of repeating a prologue: the sandbox, the caller's access to the
repository with a permission, the pull request, and the request body checked against the route's
own OpenAPI operation.

    @router.post(R + "/pulls/{pull_number}/reviews")
    def post_review(ctx: WritePulls, pull: PullDep, body: Body): ...

FastAPI resolves them in that order, so a request is authenticated (401/404/403) before its pull
request is looked up (404) and before its body is validated (400/422), as GitHub answers.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request

from . import errors, schemas
from .core import Context, Sandbox
from .state import Pull

READ_PULLS = ("pull_requests", "read")
WRITE_PULLS = ("pull_requests", "write")
READ_CONTENTS = ("contents", "read")
READ_CHECKS = ("checks", "read")
WRITE_CHECKS = ("checks", "write")
READ_ISSUES = ("issues", "read")
WRITE_ISSUES = ("issues", "write")
READ_STATUSES = ("statuses", "read")
WRITE_STATUSES = ("statuses", "write")
METADATA = ("metadata", "read")

R = "/repos/{owner}/{repo}"


def get_sandbox(request: Request) -> Sandbox:
    return request.app.state.sandbox


SandboxDep = Annotated[Sandbox, Depends(get_sandbox)]


def app_access(request: Request, sandbox: SandboxDep) -> Context:
    """The App itself (its JWT): the /app endpoints."""
    return sandbox.app_context(request)


def access(*perms: tuple[str, str]) -> Callable[..., Context]:
    """An installation (or workflow) token on this repository holding one of `perms`."""

    def dependency(request: Request, owner: str, repo: str, sandbox: SandboxDep) -> Context:
        return sandbox.context(request, owner, repo, *perms)

    return dependency


AppCtx = Annotated[Context, Depends(app_access)]
Metadata = Annotated[Context, Depends(access(METADATA))]
ReadPulls = Annotated[Context, Depends(access(READ_PULLS))]
WritePulls = Annotated[Context, Depends(access(WRITE_PULLS))]
ReadContents = Annotated[Context, Depends(access(READ_CONTENTS))]
ReadChecks = Annotated[Context, Depends(access(READ_CHECKS))]
WriteChecks = Annotated[Context, Depends(access(WRITE_CHECKS))]
# Issue comments on a pull request take either permission, as GitHub's X-Accepted-GitHub-Permissions says.
ReadIssues = Annotated[Context, Depends(access(READ_ISSUES, READ_PULLS))]
WriteIssues = Annotated[Context, Depends(access(WRITE_ISSUES, WRITE_PULLS))]
ReadStatuses = Annotated[Context, Depends(access(READ_STATUSES))]
WriteStatuses = Annotated[Context, Depends(access(WRITE_STATUSES))]


def pull_of(pull_number: int, sandbox: SandboxDep) -> Pull:
    return sandbox.pull_or_404(pull_number)


def issue_pull_of(issue_number: int, sandbox: SandboxDep) -> Pull:
    """This repository's only issues are its pull requests."""
    return sandbox.pull_or_404(issue_number)


PullDep = Annotated[Pull, Depends(pull_of)]
IssueDep = Annotated[Pull, Depends(issue_pull_of)]


def spec_path(route_path: str) -> str:
    """The OpenAPI path of a route (`{path:path}` is `{path}` there)."""
    return route_path.replace(":path}", "}")


async def json_body(request: Request) -> dict[str, Any]:
    """The JSON object of the request, validated against the route's operation (400/422 otherwise)."""
    raw = await request.body()
    if not raw.strip():
        data: Any = {}
    else:
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise errors.problems_parsing_json() from None
    if not isinstance(data, dict):
        raise errors.body_not_object()
    route = request.scope.get("route")
    messages = schemas.body_errors(request.method, spec_path(getattr(route, "path", "")), data)
    if messages:
        raise errors.invalid_request(messages)
    return data


Body = Annotated[dict[str, Any], Depends(json_body)]
