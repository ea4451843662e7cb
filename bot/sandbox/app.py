"""The FastAPI application: GitHub's routes, the `/_sandbox` routes, the edge and GitHub's errors."""

from __future__ import annotations

import logging
import traceback

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import errors, schemas
from .routes import apps, checks, contents, control, issues, pulls, reviews, web
from .routes import git as git_routes
from .config import SandboxSettings
from .deps import spec_path
from .core import GitHubJSON, Sandbox
from .edge import Edge
from .gitdata import GitRepo

log = logging.getLogger("mockguard.sandbox")

# Operations the sandbox serves beyond the OpenAPI subset, with their docs pages.
EXTRA_DOCS = {
    ("GET", "/repos/{owner}/{repo}"): "https://docs.github.com/rest/repos/repos#get-a-repository",
    ("GET", "/repos/{owner}/{repo}/pulls"): "https://docs.github.com/rest/pulls/pulls#list-pull-requests",
    ("GET", "/installation/repositories"):
        "https://docs.github.com/rest/apps/installations#list-repositories-accessible-to-the-app-installation",
    ("GET", "/app/installations/{installation_id}"):
        "https://docs.github.com/rest/apps/apps#get-an-installation-for-the-authenticated-app",
    ("POST", "/repos/{owner}/{repo}/pulls/{pull_number}/comments/{comment_id}/replies"):
        "https://docs.github.com/rest/pulls/comments#create-a-reply-for-a-review-comment",
    ("POST", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}/events"):
        "https://docs.github.com/rest/pulls/reviews#submit-a-review-for-a-pull-request",
    ("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/commits"):
        "https://docs.github.com/rest/pulls/pulls#list-commits-on-a-pull-request",
    ("GET", "/repos/{owner}/{repo}/commits/{ref}/statuses"):
        "https://docs.github.com/rest/commits/statuses#list-commit-statuses-for-a-reference",
    ("GET", "/repos/{owner}/{repo}/commits/{ref}/status"):
        "https://docs.github.com/rest/commits/statuses#get-the-combined-status-for-a-specific-reference",
}


def docs_url_for(request: Request) -> str:
    route = request.scope.get("route")
    path = getattr(route, "path", None)
    if not path:
        return errors.DOCS_ROOT
    path = spec_path(path)
    if path == "/repos/{owner}/{repo}/contents":
        path = "/repos/{owner}/{repo}/contents/{path}"
    op = schemas.operation(request.method, path)
    if op is not None:
        return op.docs_url
    return EXTRA_DOCS.get((request.method, path), errors.DOCS_ROOT)


def create_app(cfg: SandboxSettings, git: GitRepo | None = None) -> FastAPI:
    sandbox = Sandbox(cfg, git)
    app = FastAPI(
        title="mockguard sandbox",
        redirect_slashes=False,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    app.state.sandbox = sandbox
    app.include_router(control.router)  # /_sandbox: seeing and steering the sandbox
    app.include_router(web.router)  # the pull request pages (`html_url`s)
    for resource in (apps, pulls, contents, reviews, issues, checks):  # GitHub's REST API
        app.include_router(resource.router)
    app.include_router(git_routes.router)  # git's smart HTTP
    app.add_middleware(Edge, sandbox=sandbox)

    @app.exception_handler(errors.ApiError)
    async def github_error(request: Request, exc: errors.ApiError):
        return GitHubJSON(exc.body(docs_url_for(request)), status_code=exc.status, headers=exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        # Unknown paths, trailing slashes and unsupported methods are all 404 on GitHub (docs/sandbox.md, [gh: errors]).
        if request.url.path.startswith("/_sandbox"):
            return GitHubJSON({"message": exc.detail}, status_code=exc.status_code)
        return GitHubJSON(errors.not_found().body(errors.DOCS_ROOT), status_code=404)

    @app.exception_handler(RequestValidationError)
    async def bad_path(request: Request, exc: RequestValidationError):
        return GitHubJSON(errors.not_found().body(docs_url_for(request)), status_code=404)

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception):
        log.error("sandbox error on %s %s\n%s", request.method, request.url.path, traceback.format_exc())
        return GitHubJSON(errors.server_error(500).body(errors.DOCS_ROOT), status_code=500)

    return app
