"""Issue comments (on the pull requests: this repository has no other issues)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ..core import GitHubJSON, paginated
from ..deps import R, Body, IssueDep, ReadIssues, WriteIssues
from ..state import IssueComment, now_iso

router = APIRouter()


@router.post(R + "/issues/{issue_number}/comments")
def post_issue_comment(ctx: WriteIssues, pull: IssueDep, body: Body, issue_number: int):
    sandbox = ctx.sandbox
    stamp = now_iso()
    comment = IssueComment(sandbox.state.next_id("issue_comment"), issue_number, body["body"],
                           ctx.render.bot_login, stamp, stamp)
    with sandbox.state.lock:
        sandbox.state.issue_comments[comment.id] = comment
    return GitHubJSON(ctx.render.issue_comment(comment), status_code=201)


@router.get(R + "/issues/{issue_number}/comments")
def list_issue_comments(request: Request, ctx: ReadIssues, pull: IssueDep, issue_number: int):
    sandbox = ctx.sandbox
    with sandbox.state.lock:
        comments = sorted((c for c in sandbox.state.issue_comments.values() if c.issue_number == issue_number),
                          key=lambda c: c.id)
    since = request.query_params.get("since")
    if since:
        comments = [c for c in comments if c.updated_at >= since]
    return paginated(request, comments, ctx.render.issue_comment, base=ctx.render.base)


@router.get(R + "/issues/comments/{comment_id}")
def get_issue_comment(ctx: ReadIssues, comment_id: int):
    sandbox = ctx.sandbox
    return GitHubJSON(ctx.render.issue_comment(sandbox.stored_or_404("issue_comments", comment_id)))


@router.patch(R + "/issues/comments/{comment_id}")
def edit_issue_comment(ctx: WriteIssues, body: Body, comment_id: int):
    sandbox = ctx.sandbox
    comment = sandbox.stored_or_404("issue_comments", comment_id)
    with sandbox.state.lock:
        comment.body = body["body"]
        comment.updated_at = now_iso()
    return GitHubJSON(ctx.render.issue_comment(comment))


@router.delete(R + "/issues/comments/{comment_id}")
def delete_issue_comment(ctx: WriteIssues, comment_id: int):
    sandbox = ctx.sandbox
    comment = sandbox.stored_or_404("issue_comments", comment_id)
    with sandbox.state.lock:
        sandbox.state.issue_comments.pop(comment.id, None)
    return Response(status_code=204)
