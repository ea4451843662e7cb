"""Reviews and review comments, with GitHub's rule that a comment must sit on a line of the diff.

A comment's `line` must be shown by one of the file's hunks on the `side` given (RIGHT: added or
context lines, numbered in the head; LEFT: deleted or context lines, numbered in the base). A
multi-line comment's `start_line` must precede `line` within the same hunk. A review with one bad
comment is refused whole, with 422 and GitHub's error strings (docs/sandbox.md, [gh: review-422]); the single-comment
endpoint answers "Validation Failed" with error objects instead (reports quoted in reviews below).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import errors
from .core import Context
from .gitdata import SHA_RE, FileDiff
from .state import Pull, Review, ReviewComment, now_iso

THREAD = "Pull request review thread"


@dataclass(frozen=True)
class ThreadProblem:
    field: str
    code: str
    phrase: str  # as the reviews endpoint words it after "Pull request review thread "

    def single(self) -> dict[str, str]:
        """As the single-comment endpoint words it (e.g. qiniu/reviewbot#179)."""
        rest = self.phrase.split(" ", self.field.count("_") + 1)[-1]
        return {
            "resource": "PullRequestReviewComment",
            "code": self.code,
            "field": f"pull_request_review_thread.{self.field}",
            "message": f"pull_request_review_thread.{self.field} {rest}",
        }


PATH = ThreadProblem("path", "invalid", "path is invalid")
HUNK = ThreadProblem("diff_hunk", "missing_field", "diff hunk can't be blank")
LINE = ThreadProblem("line", "custom", "line must be part of the diff")
START_ORDER = ThreadProblem("start_line", "custom", "start line must precede the end line.")
START_HUNK = ThreadProblem("start_line", "custom", "start line must be part of the same hunk as the line.")
SIDE = ThreadProblem("side", "invalid", "side is invalid")  # UNCONFIRMED wording

REVIEW_STATES = {"APPROVE": "APPROVED", "REQUEST_CHANGES": "CHANGES_REQUESTED", "COMMENT": "COMMENTED", None: "PENDING"}


@dataclass
class Anchor:
    path: str
    line: int | None
    side: str | None
    start_line: int | None
    start_side: str | None
    position: int | None
    diff_hunk: str
    subject_type: str


def review_message(problems: list[ThreadProblem]) -> str:
    return " and ".join(f"{THREAD} {p.phrase}" for p in problems)


def resolve_thread(files: dict[str, FileDiff], comment: dict[str, Any]) -> tuple[Anchor | None, list[ThreadProblem]]:
    """Where a comment lands in the diff, or why GitHub would refuse it."""
    path = comment.get("path")
    if not isinstance(path, str) or path not in files:
        return None, [PATH, HUNK]
    diff = files[path]
    if comment.get("subject_type") == "file":
        return Anchor(path, None, None, None, None, None, "", "file"), []
    line, position = comment.get("line"), comment.get("position")
    side = comment.get("side") or "RIGHT"
    if side not in ("LEFT", "RIGHT"):
        return None, [SIDE]
    if line is None and position is not None:
        target = diff.line_at_position(position)
        if target is None or target.kind == "\\":
            return None, [LINE, HUNK]
        side = "LEFT" if target.kind == "-" else "RIGHT"
        line = target.old if side == "LEFT" else target.new
        return Anchor(path, line, side, None, None, position, diff.diff_hunk_to(target), "line"), []
    if line is None:
        return None, [LINE, HUNK]
    target = diff.line_at(side, line)
    if target is None:
        return None, [LINE, HUNK]
    start_line = comment.get("start_line")
    start_side = comment.get("start_side") or (side if start_line is not None else None)
    if start_line is not None:
        if start_side not in ("LEFT", "RIGHT"):
            return None, [SIDE]
        start = diff.line_at(start_side, start_line)
        if start_side == side and start_line >= line:
            return None, [START_ORDER]
        if start is None or start.hunk != target.hunk:
            return None, [START_HUNK]
        if start.position > target.position:
            return None, [START_ORDER]
    return Anchor(path, line, side, start_line, start_side, target.position, diff.diff_hunk_to(target), "line"), []


def _files_at(ctx: Context, pull: Pull, commit_id: str) -> dict[str, FileDiff]:
    _, files = ctx.sandbox.pull_files(pull, commit_id)
    return {f.filename: f for f in files}


def _known_commit(ctx: Context, sha: Any) -> bool:
    return isinstance(sha, str) and bool(SHA_RE.match(sha)) and ctx.sandbox.git.object_type(sha) == "commit"


def _new_comment(ctx: Context, review_id: int, pull: Pull, anchor: Anchor, body: str, commit_id: str,
                 in_reply_to: int | None = None) -> ReviewComment:
    stamp = now_iso()
    return ReviewComment(
        id=ctx.sandbox.state.next_id("review_comment"),
        review_id=review_id,
        pull_number=pull.number,
        path=anchor.path,
        body=body,
        commit_id=commit_id,
        original_commit_id=commit_id,
        diff_hunk=anchor.diff_hunk,
        line=anchor.line,
        side=anchor.side,
        start_line=anchor.start_line,
        start_side=anchor.start_side,
        position=anchor.position,
        subject_type=anchor.subject_type,
        in_reply_to_id=in_reply_to,
        user=ctx.render.bot_login,
        created_at=stamp,
        updated_at=stamp,
    )


def create_review(ctx: Context, pull: Pull, body: dict[str, Any]) -> Review:
    state = ctx.sandbox.state
    commit_id = body.get("commit_id") or pull.head_sha
    if not _known_commit(ctx, commit_id):
        raise errors.unprocessable(["Commit could not be resolved"])  # UNCONFIRMED wording
    event = body.get("event")
    text = body.get("body") or ""
    comments = body.get("comments") or []
    if event == "REQUEST_CHANGES" and not text.strip():
        # hubtty/hubtty#67
        raise errors.unprocessable(["You need to leave a comment indicating the requested changes."])
    if event == "COMMENT" and not text.strip() and not comments:
        # hubtty/hubtty#128 reports the 422; its wording is UNCONFIRMED.
        raise errors.unprocessable(["Review body can't be blank"])
    files = _files_at(ctx, pull, commit_id)
    anchors: list[tuple[dict[str, Any], Anchor]] = []
    messages: list[str] = []
    for item in comments:
        anchor, problems = resolve_thread(files, item)
        if problems:
            message = review_message(problems)
            if message not in messages:
                messages.append(message)
        else:
            assert anchor is not None
            anchors.append((item, anchor))
    if messages:
        raise errors.unprocessable(messages)
    with state.lock:
        if event is None and any(
            r.pull_number == pull.number and r.state == "PENDING" and r.user == ctx.render.bot_login
            for r in state.reviews.values()
        ):
            raise errors.unprocessable(["User can only have one pending review per pull request"])
        review = Review(
            id=state.next_id("review"),
            pull_number=pull.number,
            event=event,
            state=REVIEW_STATES[event],
            body=text,
            commit_id=commit_id,
            submitted_at=None if event is None else now_iso(),
            user=ctx.render.bot_login,
        )
        state.reviews[review.id] = review
        for item, anchor in anchors:
            comment = _new_comment(ctx, review.id, pull, anchor, item["body"], commit_id)
            state.review_comments[comment.id] = comment
            review.comment_ids.append(comment.id)
    return review


def create_review_comment(ctx: Context, pull: Pull, body: dict[str, Any]) -> ReviewComment:
    """One comment outside a review: GitHub wraps it in a review of its own (state COMMENTED)."""
    state = ctx.sandbox.state
    reply_to = body.get("in_reply_to")
    if reply_to is not None:
        with state.lock:
            parent = state.review_comments.get(reply_to)
        if parent is None or parent.pull_number != pull.number:
            raise errors.not_found()
        anchor = Anchor(parent.path, parent.line, parent.side, parent.start_line, parent.start_side,
                        parent.position, parent.diff_hunk, parent.subject_type)
        commit_id = parent.commit_id
        root: int | None = parent.in_reply_to_id or parent.id
    else:
        commit_id = body["commit_id"]
        if not _known_commit(ctx, commit_id):
            raise errors.validation_failed(
                [{"resource": "PullRequestReviewComment", "code": "invalid", "field": "commit_id"}]
            )
        found, problems = resolve_thread(_files_at(ctx, pull, commit_id), body)
        if problems:
            raise errors.validation_failed([problems[0].single()])
        assert found is not None
        anchor, root = found, None
    with state.lock:
        review = Review(
            id=state.next_id("review"),
            pull_number=pull.number,
            event="COMMENT",
            state="COMMENTED",
            body="",
            commit_id=commit_id,
            submitted_at=now_iso(),
            user=ctx.render.bot_login,
        )
        state.reviews[review.id] = review
        comment = _new_comment(ctx, review.id, pull, anchor, body["body"], commit_id, root)
        state.review_comments[comment.id] = comment
        review.comment_ids.append(comment.id)
    return comment
