"""Reviews and review comments (the rules of a review live in bot/sandbox/reviews.py)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from .. import errors
from ..core import GitHubJSON, paginated
from ..deps import R, Body, PullDep, ReadPulls, WritePulls
from ..reviews import create_review, create_review_comment
from ..state import now_iso

router = APIRouter()


@router.post(R + "/pulls/{pull_number}/reviews")
def post_review(ctx: WritePulls, pull: PullDep, body: Body, pull_number: int):
    review = create_review(ctx, pull, body)
    return GitHubJSON(ctx.render.review(review))


@router.get(R + "/pulls/{pull_number}/reviews")
def list_reviews(request: Request, ctx: ReadPulls, pull: PullDep, pull_number: int):
    sandbox = ctx.sandbox
    with sandbox.state.lock:
        reviews = sorted((r for r in sandbox.state.reviews.values() if r.pull_number == pull_number),
                         key=lambda r: r.id)
    return paginated(request, reviews, ctx.render.review, base=ctx.render.base)


@router.get(R + "/pulls/{pull_number}/reviews/{review_id}")
def get_review(ctx: ReadPulls, pull: PullDep, pull_number: int, review_id: int):
    sandbox = ctx.sandbox
    return GitHubJSON(ctx.render.review(sandbox.review_or_404(pull_number, review_id)))


@router.get(R + "/pulls/{pull_number}/reviews/{review_id}/comments")
def list_review_comments_of_review(
    request: Request,
    ctx: ReadPulls,
    pull: PullDep,
    pull_number: int,
    review_id: int,
):
    sandbox = ctx.sandbox
    review = sandbox.review_or_404(pull_number, review_id)
    with sandbox.state.lock:
        comments = [sandbox.state.review_comments[i] for i in review.comment_ids if i in sandbox.state.review_comments]
    return paginated(request, comments, ctx.render.review_comment, base=ctx.render.base)


@router.post(R + "/pulls/{pull_number}/reviews/{review_id}/events")
def submit_review(ctx: WritePulls, pull: PullDep, body: Body, pull_number: int, review_id: int):
    sandbox = ctx.sandbox
    review = sandbox.review_or_404(pull_number, review_id)
    event = body.get("event")
    states = {"APPROVE": "APPROVED", "REQUEST_CHANGES": "CHANGES_REQUESTED", "COMMENT": "COMMENTED"}
    if event not in states:
        raise errors.invalid_request(['"event" wasn\'t supplied.' if event is None else
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
def dismiss_review(
    request: Request,
    ctx: WritePulls,
    pull: PullDep,
    _body: Body,
    pull_number: int,
    review_id: int,
):
    sandbox = ctx.sandbox
    review = sandbox.review_or_404(pull_number, review_id)
    with sandbox.state.lock:
        if review.state not in ("APPROVED", "CHANGES_REQUESTED"):
            raise errors.unprocessable(["Can not dismiss a commented pull request review"])  # UNCONFIRMED wording
        review.state = "DISMISSED"
    return GitHubJSON(ctx.render.review(review))


@router.get(R + "/pulls/{pull_number}/comments")
def list_pull_review_comments(request: Request, ctx: ReadPulls, pull: PullDep, pull_number: int):
    sandbox = ctx.sandbox
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
def post_review_comment(ctx: WritePulls, pull: PullDep, body: Body, pull_number: int):
    comment = create_review_comment(ctx, pull, body)
    return GitHubJSON(ctx.render.review_comment(comment), status_code=201)


@router.post(R + "/pulls/{pull_number}/comments/{comment_id}/replies")
def post_reply(ctx: WritePulls, pull: PullDep, body: Body, pull_number: int, comment_id: int):
    comment = create_review_comment(ctx, pull, {"body": body["body"], "in_reply_to": comment_id})
    return GitHubJSON(ctx.render.review_comment(comment), status_code=201)


@router.get(R + "/pulls/comments/{comment_id}")
def get_review_comment(ctx: ReadPulls, comment_id: int):
    sandbox = ctx.sandbox
    return GitHubJSON(ctx.render.review_comment(sandbox.stored_or_404("review_comments", comment_id)))


@router.patch(R + "/pulls/comments/{comment_id}")
def edit_review_comment(ctx: WritePulls, body: Body, comment_id: int):
    sandbox = ctx.sandbox
    comment = sandbox.stored_or_404("review_comments", comment_id)
    with sandbox.state.lock:
        comment.body = body["body"]
        comment.updated_at = now_iso()
    return GitHubJSON(ctx.render.review_comment(comment))


@router.delete(R + "/pulls/comments/{comment_id}")
def delete_review_comment(ctx: WritePulls, comment_id: int):
    sandbox = ctx.sandbox
    comment = sandbox.stored_or_404("review_comments", comment_id)
    with sandbox.state.lock:
        sandbox.state.review_comments.pop(comment.id, None)
        review = sandbox.state.reviews.get(comment.review_id)
        if review is not None and comment.id in review.comment_ids:
            review.comment_ids.remove(comment.id)
    return Response(status_code=204)
