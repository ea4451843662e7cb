"""GitHub's REST API for one repository, one App installation and its pull requests.

Paths, status codes and shapes follow the OpenAPI subset; each route names the permission an
installation token needs, as GitHub's `X-Accepted-GitHub-Permissions` would.
"""

from __future__ import annotations

import threading
from datetime import datetime, timezone
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from . import auth, errors
from .core import GitHubJSON, Sandbox, paginated, parse_body, require_commit
from .gitdata import EMPTY_TREE, SHA_RE
from .render import b64_lines, node_id, stable_id
from .reviews import create_review, create_review_comment
from .state import CheckRun, CheckSuite, CommitStatus, IssueComment, now_iso

router = APIRouter()

READ_PULLS = ("pull_requests", "read")
WRITE_PULLS = ("pull_requests", "write")
READ_CONTENTS = ("contents", "read")
READ_CHECKS = ("checks", "read")
WRITE_CHECKS = ("checks", "write")
READ_ISSUES = ("issues", "read")
WRITE_ISSUES = ("issues", "write")
WRITE_STATUSES = ("statuses", "write")
READ_STATUSES = ("statuses", "read")
METADATA = ("metadata", "read")

R = "/repos/{owner}/{repo}"


def sandbox_of(request: Request) -> Sandbox:
    return request.app.state.sandbox


async def raw_body(request: Request) -> bytes:
    return await request.body()


# ---------------------------------------------------------------------------------------------
# The App and its installation
# ---------------------------------------------------------------------------------------------


@router.get("/app")
def get_app(request: Request):
    ctx = sandbox_of(request).app_context(request)
    return GitHubJSON(ctx.render.app())


@router.get("/app/installations")
def list_installations(request: Request):
    ctx = sandbox_of(request).app_context(request)
    return paginated(request, [ctx.render.installation()], lambda x: x, base=ctx.render.base)


@router.get("/app/installations/{installation_id}")
def get_installation(request: Request, installation_id: int):
    sandbox = sandbox_of(request)
    ctx = sandbox.app_context(request)
    if installation_id != sandbox.cfg.installation_id:
        raise errors.not_found()
    return GitHubJSON(ctx.render.installation())


@router.post("/app/installations/{installation_id}/access_tokens")
def create_access_token(request: Request, installation_id: int, raw: bytes = Depends(raw_body)):
    sandbox = sandbox_of(request)
    ctx = sandbox.app_context(request)
    if installation_id != sandbox.cfg.installation_id:
        raise errors.not_found()
    body = parse_body(raw, "POST", "/app/installations/{installation_id}/access_tokens")
    cfg = sandbox.cfg
    names: list[str] | None = None
    if "repositories" in body or "repository_ids" in body:
        names = list(body.get("repositories") or [])
        ids = list(body.get("repository_ids") or [])
        repo_id = ctx.render.repo_id()
        unknown = [n for n in names if n.lower() not in (cfg.name.lower(), cfg.full_name.lower())]
        if unknown or any(i != repo_id for i in ids):
            raise errors.GitHubError(
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
                raise errors.GitHubError(422, "The permissions requested are not granted to this installation.")
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
def get_repo_installation(request: Request, owner: str, repo: str):
    sandbox = sandbox_of(request)
    ctx = sandbox.app_context(request)
    if not sandbox.repo_matches(owner, repo):
        raise errors.not_found()
    return GitHubJSON(ctx.render.installation())


@router.get("/installation/repositories")
def installation_repositories(request: Request):
    sandbox = sandbox_of(request)
    identity = sandbox.identify(request)
    if identity.kind != "installation":
        raise errors.GitHubError(401 if identity.kind == "anonymous" else 403,
                                 "Requires authentication" if identity.kind == "anonymous"
                                 else "Resource not accessible by integration")
    render = sandbox.renderer(request)
    return paginated(
        request, [render.repository()], lambda x: x, base=render.base, wrap="repositories",
        extra={"repository_selection": "selected"},
    )


@router.get("/rate_limit")
def rate_limit(request: Request):
    sandbox = sandbox_of(request)
    sandbox.identify(request)  # a bad token is still 401 here
    bucket = request.scope.get("sandbox.rate_bucket")
    if bucket is None:
        from .edge import bucket_snapshot

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


# ---------------------------------------------------------------------------------------------
# Repository, pull requests, git data
# ---------------------------------------------------------------------------------------------


@router.get(R)
def get_repo(request: Request, owner: str, repo: str):
    ctx = sandbox_of(request).context(request, owner, repo, METADATA)
    return GitHubJSON(ctx.render.repository())


@router.get(R + "/pulls")
def list_pulls(request: Request, owner: str, repo: str):
    sandbox = sandbox_of(request)
    ctx = sandbox.context(request, owner, repo, READ_PULLS)
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


def _diff_media(request: Request) -> str | None:
    accept = request.headers.get("accept", "")
    if "application/vnd.github.diff" in accept or "application/vnd.github.v3.diff" in accept:
        return "diff"
    if "application/vnd.github.patch" in accept or "application/vnd.github.v3.patch" in accept:
        return "patch"
    return None


@router.get(R + "/pulls/{pull_number}")
def get_pull(request: Request, owner: str, repo: str, pull_number: int):
    sandbox = sandbox_of(request)
    ctx = sandbox.context(request, owner, repo, READ_PULLS)
    pull = sandbox.pull_or_404(pull_number)
    media = _diff_media(request)
    if media:
        base, files = sandbox.pull_files(pull)
        if len(files) > 300:
            raise errors.GitHubError(
                406,
                "Sorry, the diff exceeded the maximum number of files (300). Consider using 'List pull requests "
                "files' API or locally cloning the repository instead.",
                errors=[{"resource": "PullRequest", "field": "diff", "code": "too_large"}],
                documentation_url="https://docs.github.com/rest/pulls/pulls#list-pull-requests-files",
            )
        if sum(f.changes for f in files) > 20000:
            raise errors.GitHubError(
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
def list_pull_files(request: Request, owner: str, repo: str, pull_number: int):
    sandbox = sandbox_of(request)
    ctx = sandbox.context(request, owner, repo, READ_PULLS)
    pull = sandbox.pull_or_404(pull_number)
    base, files = sandbox.pull_files(pull)
    files = files[: sandbox.cfg.max_files]
    return paginated(
        request,
        files,
        lambda f: ctx.render.diff_entry(f, pull.head_sha, base, sandbox.cfg.max_patch_lines),
        base=ctx.render.base,
    )


@router.get(R + "/pulls/{pull_number}/commits")
def list_pull_commits(request: Request, owner: str, repo: str, pull_number: int):
    sandbox = sandbox_of(request)
    ctx = sandbox.context(request, owner, repo, READ_PULLS)
    pull = sandbox.pull_or_404(pull_number)
    base, _ = sandbox.pull_files(pull)
    shas = sandbox.git.rev_list(base, pull.head_sha)[:250]
    return paginated(request, shas, lambda s: ctx.render.commit(sandbox.git.commit(s)), base=ctx.render.base)


@router.get(R + "/contents")
@router.get(R + "/contents/{path:path}")
def get_content(request: Request, owner: str, repo: str, path: str = ""):
    sandbox = sandbox_of(request)
    ctx = sandbox.context(request, owner, repo, READ_CONTENTS)
    ref = request.query_params.get("ref") or sandbox.cfg.default_branch or "main"
    sha = sandbox.resolve_ref(ref)
    if sha is None:
        raise errors.GitHubError(404, f"No commit found for the ref {ref}")
    path = path.strip("/")
    entry = sandbox.git.entry(sha, path)
    if entry is None:
        raise errors.not_found()
    accept = request.headers.get("accept", "")
    if entry.type == "tree":
        children = sandbox.git.ls_tree(sha + ":" + path if path else sha)
        items = [ctx.render.content_entry(child, path, ref, with_content=False) for child in children[:1000]]
        return GitHubJSON(items)
    if entry.type == "blob" and ("application/vnd.github.raw" in accept or "application/vnd.github.v3.raw" in accept):
        return Response(sandbox.git.read_blob(entry.sha), media_type="application/vnd.github.raw")
    item = ctx.render.content_entry(entry, "", ref, with_content=True)
    item["path"] = path
    item["name"] = path.rsplit("/", 1)[-1]
    return GitHubJSON(item)


@router.get(R + "/git/blobs/{file_sha}")
def get_blob(request: Request, owner: str, repo: str, file_sha: str):
    sandbox = sandbox_of(request)
    ctx = sandbox.context(request, owner, repo, READ_CONTENTS)
    if not SHA_RE.match(file_sha) or sandbox.git.object_type(file_sha) != "blob":
        raise errors.not_found()
    data = sandbox.git.read_blob(file_sha)
    accept = request.headers.get("accept", "")
    if "application/vnd.github.raw" in accept or "application/vnd.github.v3.raw" in accept:
        return Response(data, media_type="application/vnd.github.raw")
    return GitHubJSON({
        "sha": file_sha,
        "node_id": node_id("Blob", stable_id(file_sha)),
        "size": len(data),
        "url": f"{ctx.render.repo_url}/git/blobs/{file_sha}",
        "content": b64_lines(data),
        "encoding": "base64",
    })


@router.get(R + "/git/trees/{tree_sha}")
def get_tree(request: Request, owner: str, repo: str, tree_sha: str):
    sandbox = sandbox_of(request)
    ctx = sandbox.context(request, owner, repo, READ_CONTENTS)
    commit = sandbox.resolve_ref(tree_sha)
    tree = sandbox.git.resolve_tree(commit or tree_sha)
    if tree is None:
        raise errors.not_found()
    recursive = request.query_params.get("recursive") not in (None, "", "0", "false")
    entries = sandbox.git.ls_tree(tree, recursive=recursive)
    truncated = len(entries) > 100_000
    items = []
    for e in entries[:100_000]:
        item: dict[str, Any] = {"path": e.path, "mode": e.mode, "type": e.type, "sha": e.sha}
        if e.type == "blob":
            item["size"] = e.size or 0
            item["url"] = f"{ctx.render.repo_url}/git/blobs/{e.sha}"
        elif e.type == "tree":
            item["url"] = f"{ctx.render.repo_url}/git/trees/{e.sha}"
        items.append(item)
    return GitHubJSON({"sha": tree, "url": f"{ctx.render.repo_url}/git/trees/{tree}", "tree": items,
                       "truncated": truncated})


@router.get(R + "/commits")
def list_commits(request: Request, owner: str, repo: str):
    sandbox = sandbox_of(request)
    ctx = sandbox.context(request, owner, repo, READ_CONTENTS)
    ref = request.query_params.get("sha") or sandbox.cfg.default_branch or "main"
    sha = sandbox.resolve_ref(ref)
    if sha is None:
        raise errors.GitHubError(404, f"No commit found for SHA: {ref}")
    shas = sandbox.git.log(sha, (request.query_params.get("path") or "").strip("/") or None)
    return paginated(request, shas, lambda s: ctx.render.commit(sandbox.git.commit(s)), base=ctx.render.base)


@router.get(R + "/commits/{ref}")
def get_commit(request: Request, owner: str, repo: str, ref: str):
    sandbox = sandbox_of(request)
    ctx = sandbox.context(request, owner, repo, READ_CONTENTS)
    sha = sandbox.resolve_ref(ref)
    if sha is None:
        raise errors.GitHubError(422, f"No commit found for SHA: {ref}")
    info = sandbox.git.commit(sha)
    parent = info.parents[0] if info.parents else EMPTY_TREE
    files = sandbox.git.diff(parent, sha)
    # More than 300 files: paginated with Link headers, up to 3000 (NOTES §6.30).
    from .core import link_header, page_params

    page, per_page = page_params(request, default=300, maximum=300)
    files = files[:3000]
    chunk = files[(page - 1) * per_page : page * per_page]
    body = ctx.render.commit(info, chunk, parent)
    total_add = sum(f.additions for f in files)
    total_del = sum(f.deletions for f in files)
    body["stats"] = {"total": total_add + total_del, "additions": total_add, "deletions": total_del}
    response = GitHubJSON(body)
    link = link_header(request, page, per_page, len(files), ctx.render.base)
    if link:
        response.headers["link"] = link
    return response


@router.get(R + "/compare/{basehead}")
def compare(request: Request, owner: str, repo: str, basehead: str):
    sandbox = sandbox_of(request)
    ctx = sandbox.context(request, owner, repo, READ_CONTENTS)
    sep = "..." if "..." in basehead else ".."
    if sep not in basehead:
        raise errors.not_found()
    base_ref, head_ref = basehead.split(sep, 1)

    def strip_owner(ref: str) -> str:
        if ":" in ref:
            who, _, rest = ref.partition(":")
            if who.lower() != sandbox.cfg.owner.lower():
                raise errors.not_found()
            return rest
        return ref

    base_sha = sandbox.resolve_ref(strip_owner(base_ref))
    head_sha = sandbox.resolve_ref(strip_owner(head_ref))
    if base_sha is None or head_sha is None:
        raise errors.not_found()
    merge_base = sandbox.git.merge_base(base_sha, head_sha) or base_sha
    ahead = sandbox.git.rev_list(base_sha, head_sha)
    behind = sandbox.git.rev_list(head_sha, base_sha)
    status = "identical" if not ahead and not behind else "ahead" if not behind else "behind" if not ahead else "diverged"
    media = _diff_media(request)
    if media:
        return Response(sandbox.git.diff_text(merge_base, head_sha),
                        media_type=f"application/vnd.github.{media}; charset=utf-8")
    paged = "page" in request.query_params or "per_page" in request.query_params
    from .core import link_header, page_params

    if paged:
        page, per_page = page_params(request, default=250, maximum=100)
        commits = ahead[(page - 1) * per_page : page * per_page]
    else:
        page, per_page = 1, 250
        commits = ahead[-250:]
    files = sandbox.git.diff(merge_base, head_sha)[:300]
    r = ctx.render
    body: dict[str, Any] = {
        "url": f"{r.repo_url}/compare/{basehead}",
        "html_url": f"{r.repo_html}/compare/{basehead}",
        "permalink_url": f"{r.repo_html}/compare/{sandbox.cfg.owner}:{base_sha[:7]}...{sandbox.cfg.owner}:{head_sha[:7]}",
        "diff_url": f"{r.repo_html}/compare/{basehead}.diff",
        "patch_url": f"{r.repo_html}/compare/{basehead}.patch",
        "base_commit": r.commit(sandbox.git.commit(base_sha)),
        "merge_base_commit": r.commit(sandbox.git.commit(merge_base)),
        "status": status,
        "ahead_by": len(ahead),
        "behind_by": len(behind),
        "total_commits": len(ahead),
        "commits": [r.commit(sandbox.git.commit(s)) for s in commits],
    }
    if page == 1:
        body["files"] = [r.diff_entry(f, head_sha, merge_base, sandbox.cfg.max_patch_lines) for f in files]
    response = GitHubJSON(body)
    if paged:
        link = link_header(request, page, per_page, len(ahead), r.base)
        if link:
            response.headers["link"] = link
    return response


# ---------------------------------------------------------------------------------------------
# Reviews and review comments (the rules live in reviews.py)
# ---------------------------------------------------------------------------------------------


@router.post(R + "/pulls/{pull_number}/reviews")
def post_review(request: Request, owner: str, repo: str, pull_number: int, raw: bytes = Depends(raw_body)):
    sandbox = sandbox_of(request)
    ctx = sandbox.context(request, owner, repo, WRITE_PULLS)
    pull = sandbox.pull_or_404(pull_number)
    body = parse_body(raw, "POST", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews")
    review = create_review(ctx, pull, body)
    return GitHubJSON(ctx.render.review(review))


@router.get(R + "/pulls/{pull_number}/reviews")
def list_reviews(request: Request, owner: str, repo: str, pull_number: int):
    sandbox = sandbox_of(request)
    ctx = sandbox.context(request, owner, repo, READ_PULLS)
    sandbox.pull_or_404(pull_number)
    with sandbox.state.lock:
        reviews = sorted((r for r in sandbox.state.reviews.values() if r.pull_number == pull_number),
                         key=lambda r: r.id)
    return paginated(request, reviews, ctx.render.review, base=ctx.render.base)


def _stored_or_404(sandbox: Sandbox, table: str, key: int):
    """One stored object (a check run, a comment, ...) by id, or GitHub's 404."""
    with sandbox.state.lock:
        found = getattr(sandbox.state, table).get(key)
    if found is None:
        raise errors.not_found()
    return found


def _review_or_404(sandbox: Sandbox, pull_number: int, review_id: int):
    review = _stored_or_404(sandbox, "reviews", review_id)
    if review.pull_number != pull_number:
        raise errors.not_found()
    return review


@router.get(R + "/pulls/{pull_number}/reviews/{review_id}")
def get_review(request: Request, owner: str, repo: str, pull_number: int, review_id: int):
    sandbox = sandbox_of(request)
    ctx = sandbox.context(request, owner, repo, READ_PULLS)
    sandbox.pull_or_404(pull_number)
    return GitHubJSON(ctx.render.review(_review_or_404(sandbox, pull_number, review_id)))


@router.get(R + "/pulls/{pull_number}/reviews/{review_id}/comments")
def list_review_comments_of_review(request: Request, owner: str, repo: str, pull_number: int, review_id: int):
    sandbox = sandbox_of(request)
    ctx = sandbox.context(request, owner, repo, READ_PULLS)
    sandbox.pull_or_404(pull_number)
    review = _review_or_404(sandbox, pull_number, review_id)
    with sandbox.state.lock:
        comments = [sandbox.state.review_comments[i] for i in review.comment_ids if i in sandbox.state.review_comments]
    return paginated(request, comments, ctx.render.review_comment, base=ctx.render.base)


@router.post(R + "/pulls/{pull_number}/reviews/{review_id}/events")
def submit_review(request: Request, owner: str, repo: str, pull_number: int, review_id: int,
                  raw: bytes = Depends(raw_body)):
    sandbox = sandbox_of(request)
    ctx = sandbox.context(request, owner, repo, WRITE_PULLS)
    sandbox.pull_or_404(pull_number)
    review = _review_or_404(sandbox, pull_number, review_id)
    body = parse_body(raw, "POST", "/not-in-subset")
    event = body.get("event")
    states = {"APPROVE": "APPROVED", "REQUEST_CHANGES": "CHANGES_REQUESTED", "COMMENT": "COMMENTED"}
    if event not in states:
        raise errors.invalid_request([f'"event" wasn\'t supplied.' if event is None else
                                      f"For 'properties/event', {event!r} is not a member of "
                                      '["APPROVE", "REQUEST_CHANGES", "COMMENT"].'])
    with sandbox.state.lock:
        if review.state != "PENDING":
            raise errors.unprocessable(["Can not submit a review that is not pending"])  # UNCONFIRMED wording
        if "body" in body:
            review.body = body["body"] or ""
        review.event = event
        review.state = states[event]
        review.submitted_at = now_iso()
    return GitHubJSON(ctx.render.review(review))


@router.put(R + "/pulls/{pull_number}/reviews/{review_id}/dismissals")
def dismiss_review(request: Request, owner: str, repo: str, pull_number: int, review_id: int,
                   raw: bytes = Depends(raw_body)):
    sandbox = sandbox_of(request)
    ctx = sandbox.context(request, owner, repo, WRITE_PULLS)
    sandbox.pull_or_404(pull_number)
    review = _review_or_404(sandbox, pull_number, review_id)
    parse_body(raw, "PUT", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}/dismissals")
    with sandbox.state.lock:
        if review.state not in ("APPROVED", "CHANGES_REQUESTED"):
            raise errors.unprocessable(["Can not dismiss a commented pull request review"])  # UNCONFIRMED wording
        review.state = "DISMISSED"
    return GitHubJSON(ctx.render.review(review))


@router.get(R + "/pulls/{pull_number}/comments")
def list_pull_review_comments(request: Request, owner: str, repo: str, pull_number: int):
    sandbox = sandbox_of(request)
    ctx = sandbox.context(request, owner, repo, READ_PULLS)
    sandbox.pull_or_404(pull_number)
    with sandbox.state.lock:
        pending = {r.id for r in sandbox.state.reviews.values() if r.state == "PENDING"}
        comments = sorted(
            (c for c in sandbox.state.review_comments.values()
             if c.pull_number == pull_number and c.review_id not in pending),
            key=lambda c: c.id,
        )
    if request.query_params.get("direction") == "desc":
        comments.reverse()
    since = request.query_params.get("since")
    if since:
        comments = [c for c in comments if c.updated_at >= since]
    return paginated(request, comments, ctx.render.review_comment, base=ctx.render.base)


@router.post(R + "/pulls/{pull_number}/comments")
def post_review_comment(request: Request, owner: str, repo: str, pull_number: int, raw: bytes = Depends(raw_body)):
    sandbox = sandbox_of(request)
    ctx = sandbox.context(request, owner, repo, WRITE_PULLS)
    pull = sandbox.pull_or_404(pull_number)
    body = parse_body(raw, "POST", "/repos/{owner}/{repo}/pulls/{pull_number}/comments")
    comment = create_review_comment(ctx, pull, body)
    return GitHubJSON(ctx.render.review_comment(comment), status_code=201)


@router.post(R + "/pulls/{pull_number}/comments/{comment_id}/replies")
def post_reply(request: Request, owner: str, repo: str, pull_number: int, comment_id: int,
               raw: bytes = Depends(raw_body)):
    sandbox = sandbox_of(request)
    ctx = sandbox.context(request, owner, repo, WRITE_PULLS)
    pull = sandbox.pull_or_404(pull_number)
    body = parse_body(raw, "PATCH", "/repos/{owner}/{repo}/pulls/comments/{comment_id}")  # {"body"} required
    comment = create_review_comment(ctx, pull, {"body": body["body"], "in_reply_to": comment_id})
    return GitHubJSON(ctx.render.review_comment(comment), status_code=201)


@router.get(R + "/pulls/comments/{comment_id}")
def get_review_comment(request: Request, owner: str, repo: str, comment_id: int):
    sandbox = sandbox_of(request)
    ctx = sandbox.context(request, owner, repo, READ_PULLS)
    return GitHubJSON(ctx.render.review_comment(_stored_or_404(sandbox, "review_comments", comment_id)))


@router.patch(R + "/pulls/comments/{comment_id}")
def edit_review_comment(request: Request, owner: str, repo: str, comment_id: int, raw: bytes = Depends(raw_body)):
    sandbox = sandbox_of(request)
    ctx = sandbox.context(request, owner, repo, WRITE_PULLS)
    comment = _stored_or_404(sandbox, "review_comments", comment_id)
    body = parse_body(raw, "PATCH", "/repos/{owner}/{repo}/pulls/comments/{comment_id}")
    with sandbox.state.lock:
        comment.body = body["body"]
        comment.updated_at = now_iso()
    return GitHubJSON(ctx.render.review_comment(comment))


@router.delete(R + "/pulls/comments/{comment_id}")
def delete_review_comment(request: Request, owner: str, repo: str, comment_id: int):
    sandbox = sandbox_of(request)
    sandbox.context(request, owner, repo, WRITE_PULLS)
    comment = _stored_or_404(sandbox, "review_comments", comment_id)
    with sandbox.state.lock:
        sandbox.state.review_comments.pop(comment.id, None)
        review = sandbox.state.reviews.get(comment.review_id)
        if review is not None and comment.id in review.comment_ids:
            review.comment_ids.remove(comment.id)
    return Response(status_code=204)


# ---------------------------------------------------------------------------------------------
# Issue comments (on the pull requests: this repository has no other issues)
# ---------------------------------------------------------------------------------------------


@router.post(R + "/issues/{issue_number}/comments")
def post_issue_comment(request: Request, owner: str, repo: str, issue_number: int, raw: bytes = Depends(raw_body)):
    sandbox = sandbox_of(request)
    ctx = sandbox.context(request, owner, repo, WRITE_ISSUES, WRITE_PULLS)
    sandbox.pull_or_404(issue_number)
    body = parse_body(raw, "POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments")
    stamp = now_iso()
    comment = IssueComment(sandbox.state.next_id("issue_comment"), issue_number, body["body"],
                           ctx.render.bot_login, stamp, stamp)
    with sandbox.state.lock:
        sandbox.state.issue_comments[comment.id] = comment
    return GitHubJSON(ctx.render.issue_comment(comment), status_code=201)


@router.get(R + "/issues/{issue_number}/comments")
def list_issue_comments(request: Request, owner: str, repo: str, issue_number: int):
    sandbox = sandbox_of(request)
    ctx = sandbox.context(request, owner, repo, READ_ISSUES, READ_PULLS)
    sandbox.pull_or_404(issue_number)
    with sandbox.state.lock:
        comments = sorted((c for c in sandbox.state.issue_comments.values() if c.issue_number == issue_number),
                          key=lambda c: c.id)
    since = request.query_params.get("since")
    if since:
        comments = [c for c in comments if c.updated_at >= since]
    return paginated(request, comments, ctx.render.issue_comment, base=ctx.render.base)


@router.get(R + "/issues/comments/{comment_id}")
def get_issue_comment(request: Request, owner: str, repo: str, comment_id: int):
    sandbox = sandbox_of(request)
    ctx = sandbox.context(request, owner, repo, READ_ISSUES, READ_PULLS)
    return GitHubJSON(ctx.render.issue_comment(_stored_or_404(sandbox, "issue_comments", comment_id)))


@router.patch(R + "/issues/comments/{comment_id}")
def edit_issue_comment(request: Request, owner: str, repo: str, comment_id: int, raw: bytes = Depends(raw_body)):
    sandbox = sandbox_of(request)
    ctx = sandbox.context(request, owner, repo, WRITE_ISSUES, WRITE_PULLS)
    comment = _stored_or_404(sandbox, "issue_comments", comment_id)
    body = parse_body(raw, "PATCH", "/repos/{owner}/{repo}/issues/comments/{comment_id}")
    with sandbox.state.lock:
        comment.body = body["body"]
        comment.updated_at = now_iso()
    return GitHubJSON(ctx.render.issue_comment(comment))


@router.delete(R + "/issues/comments/{comment_id}")
def delete_issue_comment(request: Request, owner: str, repo: str, comment_id: int):
    sandbox = sandbox_of(request)
    sandbox.context(request, owner, repo, WRITE_ISSUES, WRITE_PULLS)
    comment = _stored_or_404(sandbox, "issue_comments", comment_id)
    with sandbox.state.lock:
        sandbox.state.issue_comments.pop(comment.id, None)
    return Response(status_code=204)


# ---------------------------------------------------------------------------------------------
# Commit statuses
# ---------------------------------------------------------------------------------------------


@router.post(R + "/statuses/{sha}")
def post_status(request: Request, owner: str, repo: str, sha: str, raw: bytes = Depends(raw_body)):
    sandbox = sandbox_of(request)
    ctx = sandbox.context(request, owner, repo, WRITE_STATUSES)
    body = parse_body(raw, "POST", "/repos/{owner}/{repo}/statuses/{sha}")
    sha = require_commit(sandbox, sha)
    stamp = now_iso()
    status = CommitStatus(sandbox.state.next_id("status"), sha, body["state"], body.get("target_url"),
                          body.get("description"), body.get("context") or "default", stamp, stamp,
                          ctx.render.bot_login)
    with sandbox.state.lock:
        sandbox.state.statuses[status.id] = status
    return GitHubJSON(ctx.render.status(status), status_code=201)


@router.get(R + "/commits/{ref}/statuses")
def list_statuses(request: Request, owner: str, repo: str, ref: str):
    sandbox = sandbox_of(request)
    ctx = sandbox.context(request, owner, repo, READ_STATUSES)
    sha = sandbox.resolve_ref(ref)
    if sha is None:
        raise errors.not_found()
    with sandbox.state.lock:
        items = sorted((s for s in sandbox.state.statuses.values() if s.sha == sha), key=lambda s: -s.id)
    return paginated(request, items, ctx.render.status, base=ctx.render.base)


@router.get(R + "/commits/{ref}/status")
def combined_status(request: Request, owner: str, repo: str, ref: str):
    sandbox = sandbox_of(request)
    ctx = sandbox.context(request, owner, repo, READ_STATUSES)
    sha = sandbox.resolve_ref(ref)
    if sha is None:
        raise errors.not_found()
    with sandbox.state.lock:
        latest: dict[str, CommitStatus] = {}
        for s in sorted((s for s in sandbox.state.statuses.values() if s.sha == sha), key=lambda s: s.id):
            latest[s.context] = s
    states = {s.state for s in latest.values()}
    overall = ("failure" if states & {"failure", "error"} else "pending" if "pending" in states or not states
               else "success")
    return GitHubJSON({
        "state": overall,
        "statuses": [ctx.render.status(s) for s in latest.values()],
        "sha": sha,
        "total_count": len(latest),
        "repository": ctx.render.repository(),
        "commit_url": f"{ctx.render.repo_url}/commits/{sha}",
        "url": f"{ctx.render.repo_url}/commits/{sha}/status",
    })


# ---------------------------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------------------------

CHECKS_DOCS = "https://docs.github.com/rest/checks/runs"


def _annotation_errors(annotations: list[dict[str, Any]]) -> bool:
    """True if an annotation breaks a rule GitHub enforces beyond the schema (NOTES §7.34)."""
    for a in annotations:
        if a["start_line"] < 1 or a["end_line"] < a["start_line"]:
            return True
        if ("start_column" in a or "end_column" in a) and a["start_line"] != a["end_line"]:
            return True
        if len(a.get("title") or "") > 255:
            return True
        if len(a["message"].encode()) > 65536 or len((a.get("raw_details") or "").encode()) > 65536:
            return True
    return False


def _check_run_rules(body: dict[str, Any]) -> None:
    if body.get("conclusion") == "stale":
        # Only GitHub marks a run stale.
        raise errors.validation_failed([{"resource": "CheckRun", "code": "invalid", "field": "conclusion"}])
    if "completed_at" in body and "conclusion" not in body:
        raise errors.invalid_request(['"conclusion" wasn\'t supplied.'])
    output = body.get("output") or {}
    if _annotation_errors(output.get("annotations") or []):
        raise errors.validation_failed([{"resource": "CheckRun", "code": "invalid", "field": "annotations"}])


def _apply_check_fields(run: CheckRun, body: dict[str, Any], *, creating: bool) -> None:
    stamp = now_iso()
    for key in ("name", "details_url", "external_id", "started_at"):
        if key in body:
            setattr(run, key, body[key])
    if "status" in body:
        run.status = body["status"]
        if run.status != "completed":
            run.conclusion = None
            run.completed_at = None
    if "conclusion" in body:
        run.conclusion = body["conclusion"]
        run.status = "completed"
    if run.status == "completed":
        run.completed_at = body.get("completed_at") or run.completed_at or stamp
    elif creating and run.started_at is None:
        run.started_at = stamp
    output = body.get("output")
    if output is not None:
        if "title" in output:
            run.title = output["title"]
        if "summary" in output:
            run.summary = output["summary"]
        if "text" in output:
            run.text = output["text"]
        run.annotations.extend(dict(a) for a in output.get("annotations") or [])
        if "images" in output:
            run.images = list(output["images"])
    if "actions" in body:
        run.actions = list(body["actions"])


def _suite_for(sandbox: Sandbox, head_sha: str) -> CheckSuite:
    with sandbox.state.lock:
        for suite in sandbox.state.check_suites.values():
            if suite.head_sha == head_sha:
                return suite
        stamp = now_iso()
        suite = CheckSuite(sandbox.state.next_id("check_suite"), head_sha, sandbox.head_branch_of(head_sha),
                           stamp, stamp, after=head_sha)
        sandbox.state.check_suites[suite.id] = suite
        return suite


@router.post(R + "/check-runs")
def create_check_run(request: Request, owner: str, repo: str, raw: bytes = Depends(raw_body)):
    sandbox = sandbox_of(request)
    ctx = sandbox.context(request, owner, repo, WRITE_CHECKS)
    body = parse_body(raw, "POST", "/repos/{owner}/{repo}/check-runs")
    _check_run_rules(body)
    head_sha = require_commit(sandbox, body["head_sha"])
    suite = _suite_for(sandbox, head_sha)
    run = CheckRun(
        id=sandbox.state.next_id("check_run"),
        suite_id=suite.id,
        name=body["name"],
        head_sha=head_sha,
        status="queued",
        conclusion=None,
        started_at=None,
        completed_at=None,
        details_url=None,
        external_id=None,
    )
    _apply_check_fields(run, body, creating=True)
    if run.started_at is None:
        run.started_at = now_iso()
    with sandbox.state.lock:
        sandbox.state.check_runs[run.id] = run
        suite.reset = False
        suite.updated_at = now_iso()
    return GitHubJSON(ctx.render.check_run(run), status_code=201)


@router.get(R + "/check-runs/{check_run_id}")
def get_check_run(request: Request, owner: str, repo: str, check_run_id: int):
    sandbox = sandbox_of(request)
    ctx = sandbox.context(request, owner, repo, READ_CHECKS)
    return GitHubJSON(ctx.render.check_run(_stored_or_404(sandbox, "check_runs", check_run_id)))


@router.patch(R + "/check-runs/{check_run_id}")
def update_check_run(request: Request, owner: str, repo: str, check_run_id: int, raw: bytes = Depends(raw_body)):
    sandbox = sandbox_of(request)
    ctx = sandbox.context(request, owner, repo, WRITE_CHECKS)
    run = _stored_or_404(sandbox, "check_runs", check_run_id)
    body = parse_body(raw, "PATCH", "/repos/{owner}/{repo}/check-runs/{check_run_id}")
    _check_run_rules(body)
    with sandbox.state.lock:
        _apply_check_fields(run, body, creating=False)
        suite = sandbox.state.check_suites.get(run.suite_id)
        if suite is not None:
            suite.reset = False
            suite.updated_at = now_iso()
    return GitHubJSON(ctx.render.check_run(run))


@router.get(R + "/check-runs/{check_run_id}/annotations")
def list_annotations(request: Request, owner: str, repo: str, check_run_id: int):
    sandbox = sandbox_of(request)
    ctx = sandbox.context(request, owner, repo, READ_CHECKS)
    run = _stored_or_404(sandbox, "check_runs", check_run_id)
    return paginated(request, list(run.annotations), lambda a: ctx.render.annotation(run, a), base=ctx.render.base)


@router.post(R + "/check-runs/{check_run_id}/rerequest")
def rerequest_check_run(request: Request, owner: str, repo: str, check_run_id: int):
    sandbox = sandbox_of(request)
    sandbox.context(request, owner, repo, WRITE_CHECKS)
    run = _stored_or_404(sandbox, "check_runs", check_run_id)
    _deliver_in_background(sandbox, "check_run", "rerequested", check_run_id=run.id)
    return GitHubJSON({}, status_code=201)


@router.get(R + "/commits/{ref}/check-runs")
def list_check_runs_for_ref(request: Request, owner: str, repo: str, ref: str):
    sandbox = sandbox_of(request)
    ctx = sandbox.context(request, owner, repo, READ_CHECKS)
    sha = sandbox.resolve_ref(ref)
    if sha is None:
        raise errors.GitHubError(422, f"No commit found for SHA: {ref}")
    q = request.query_params
    with sandbox.state.lock:
        runs = [r for r in sandbox.state.check_runs.values() if r.head_sha == sha]
    if q.get("check_name"):
        runs = [r for r in runs if r.name == q["check_name"]]
    if q.get("status"):
        runs = [r for r in runs if r.status == q["status"]]
    if q.get("app_id") and q["app_id"] != str(sandbox.cfg.app_id):
        runs = []
    runs.sort(key=lambda r: -r.id)
    if q.get("filter", "latest") == "latest":
        seen: set[str] = set()
        latest = []
        for r in runs:
            if r.name not in seen:
                seen.add(r.name)
                latest.append(r)
        runs = latest
    return paginated(request, runs, ctx.render.check_run, base=ctx.render.base, wrap="check_runs")


@router.post(R + "/check-suites")
def create_check_suite(request: Request, owner: str, repo: str, raw: bytes = Depends(raw_body)):
    sandbox = sandbox_of(request)
    ctx = sandbox.context(request, owner, repo, WRITE_CHECKS)
    body = parse_body(raw, "POST", "/repos/{owner}/{repo}/check-suites")
    head_sha = require_commit(sandbox, body["head_sha"])
    with sandbox.state.lock:
        existed = any(s.head_sha == head_sha for s in sandbox.state.check_suites.values())
        suite = _suite_for(sandbox, head_sha)
    return GitHubJSON(ctx.render.check_suite(suite), status_code=200 if existed else 201)


@router.get(R + "/check-suites/{check_suite_id}")
def get_check_suite(request: Request, owner: str, repo: str, check_suite_id: int):
    sandbox = sandbox_of(request)
    ctx = sandbox.context(request, owner, repo, READ_CHECKS)
    return GitHubJSON(ctx.render.check_suite(_stored_or_404(sandbox, "check_suites", check_suite_id)))


@router.post(R + "/check-suites/{check_suite_id}/rerequest")
def rerequest_check_suite(request: Request, owner: str, repo: str, check_suite_id: int):
    sandbox = sandbox_of(request)
    sandbox.context(request, owner, repo, WRITE_CHECKS)
    suite = _stored_or_404(sandbox, "check_suites", check_suite_id)
    with sandbox.state.lock:
        suite.reset = True
        suite.updated_at = now_iso()
    _deliver_in_background(sandbox, "check_suite", "rerequested", check_suite_id=suite.id)
    return GitHubJSON({}, status_code=201)


@router.get(R + "/commits/{ref}/check-suites")
def list_check_suites_for_ref(request: Request, owner: str, repo: str, ref: str):
    sandbox = sandbox_of(request)
    ctx = sandbox.context(request, owner, repo, READ_CHECKS)
    sha = sandbox.resolve_ref(ref)
    if sha is None:
        raise errors.GitHubError(422, f"No commit found for SHA: {ref}")
    with sandbox.state.lock:
        suites = sorted((s for s in sandbox.state.check_suites.values() if s.head_sha == sha), key=lambda s: s.id)
    return paginated(request, suites, ctx.render.check_suite, base=ctx.render.base, wrap="check_suites")


def _deliver_in_background(sandbox: Sandbox, event: str, action: str, **options: Any) -> None:
    """GitHub answers the rerequest at once and sends the webhook afterwards."""
    if not sandbox.cfg.webhook_url:
        return
    from .webhooks import deliver_sync

    threading.Thread(target=deliver_sync, args=(sandbox, event, action), kwargs=options, daemon=True).start()


__all__ = ["router", "raw_body"]
