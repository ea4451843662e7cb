"""The repository and its pull requests: the pull request, its files and commits, its diff."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from .. import errors
from ..core import GitHubJSON, paginated
from ..deps import R, Metadata, PullDep, ReadPulls

router = APIRouter()


@router.get(R)
def get_repo(ctx: Metadata):
    return GitHubJSON(ctx.render.repository())


@router.get(R + "/pulls")
def list_pulls(request: Request, ctx: ReadPulls):
    sandbox = ctx.sandbox
    state = request.query_params.get("state", "open")
    head = request.query_params.get("head")
    base = request.query_params.get("base")
    with sandbox.state.lock:
        pulls = sorted(sandbox.state.pulls.values(), key=lambda p: p.number, reverse=True)
    if state in ("open", "closed"):
        pulls = [p for p in pulls if p.state == state]
    if head:
        ref = head.split(":", 1)[-1]
        pulls = [p for p in pulls if p.head_ref == ref]
    if base:
        pulls = [p for p in pulls if p.base_ref == base]
    return paginated(request, pulls, ctx.render.pull, base=ctx.render.base)


def diff_media(request: Request) -> str | None:
    accept = request.headers.get("accept", "")
    if "application/vnd.github.diff" in accept or "application/vnd.github.v3.diff" in accept:
        return "diff"
    if "application/vnd.github.patch" in accept or "application/vnd.github.v3.patch" in accept:
        return "patch"
    return None


@router.get(R + "/pulls/{pull_number}")
def get_pull(request: Request, ctx: ReadPulls, pull: PullDep, pull_number: int):
    sandbox = ctx.sandbox
    media = diff_media(request)
    if media:
        base, files = sandbox.pull_files(pull)
        if len(files) > 300:
            raise errors.ApiError(
                406,
                "Sorry, the diff exceeded the maximum number of files (300). Consider using 'List pull requests "
                "files' API or locally cloning the repository instead.",
                errors=[{"resource": "PullRequest", "field": "diff", "code": "too_large"}],
                documentation_url="https://docs.github.com/rest/pulls/pulls#list-pull-requests-files",
            )
        if sum(f.changes for f in files) > 20000:
            raise errors.ApiError(
                406,
                "Sorry, the diff exceeded the maximum number of lines (20000). Consider using 'List pull requests "
                "files' API or locally cloning the repository instead.",
                errors=[{"resource": "PullRequest", "field": "diff", "code": "too_large"}],
                documentation_url="https://docs.github.com/rest/pulls/pulls#list-pull-requests-files",
            )
        text = sandbox.git.diff_text(base, pull.head_sha)
        return Response(text, media_type=f"application/vnd.github.{media}; charset=utf-8")
    return GitHubJSON(ctx.render.pull(pull))


@router.get(R + "/pulls/{pull_number}/files")
def list_pull_files(request: Request, ctx: ReadPulls, pull: PullDep, pull_number: int):
    sandbox = ctx.sandbox
    base, files = sandbox.pull_files(pull)
    files = files[: sandbox.cfg.max_files]
    return paginated(
        request,
        files,
        lambda f: ctx.render.diff_entry(f, pull.head_sha, base, sandbox.cfg.max_patch_lines),
        base=ctx.render.base,
    )


@router.get(R + "/pulls/{pull_number}/commits")
def list_pull_commits(request: Request, ctx: ReadPulls, pull: PullDep, pull_number: int):
    sandbox = ctx.sandbox
    base, _ = sandbox.pull_files(pull)
    shas = sandbox.git.rev_list(base, pull.head_sha)[:250]
    return paginated(request, shas, lambda s: ctx.render.commit(sandbox.git.commit(s)), base=ctx.render.base)
