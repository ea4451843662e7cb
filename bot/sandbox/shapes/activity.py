"""GitHub's JSON shapes, part 3: what clients post (check suites and runs, reviews, comments,
statuses); `Renderer` is the whole chain of shapes."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from ..state import CheckRun, CheckSuite, CommitStatus, IssueComment, Review, ReviewComment
from .accounts import node_id
from .repository import RepositoryShapes

CONCLUSION_PRIORITY = ["action_required", "cancelled", "timed_out", "failure", "neutral", "success", "skipped", "stale"]


class Renderer(RepositoryShapes):
    def suite_status(self, suite: CheckSuite) -> tuple[str, str | None]:
        if suite.reset:
            return "queued", None
        with self.state.lock:
            runs = [r for r in self.state.check_runs.values() if r.suite_id == suite.id]
        if not runs:
            return "queued", None
        if any(r.status != "completed" for r in runs):
            return ("in_progress" if any(r.status == "in_progress" for r in runs) else "queued"), None
        conclusions = {r.conclusion for r in runs}
        for candidate in CONCLUSION_PRIORITY:
            if candidate in conclusions:
                return "completed", candidate
        return "completed", None

    def check_suite(self, suite: CheckSuite) -> dict[str, Any]:
        status, conclusion = self.suite_status(suite)
        with self.state.lock:
            count = sum(1 for r in self.state.check_runs.values() if r.suite_id == suite.id)
        info = self.git.commit(suite.head_sha)
        url = f"{self.repo_url}/check-suites/{suite.id}"
        return {
            "id": suite.id,
            "node_id": node_id("CheckSuite", suite.id),
            "head_branch": suite.head_branch,
            "head_sha": suite.head_sha,
            "status": status,
            "conclusion": conclusion,
            "url": url,
            "before": suite.before,
            "after": suite.after or suite.head_sha,
            "pull_requests": self.pulls_with_head(suite.head_sha),
            "app": self.app(),
            "repository": self.repository(),
            "created_at": suite.created_at,
            "updated_at": suite.updated_at,
            "head_commit": self.simple_commit(info),
            "latest_check_runs_count": count,
            "check_runs_url": f"{url}/check-runs",
            "rerequestable": True,
            "runs_rerequestable": True,
        }

    def check_run(self, run: CheckRun, *, with_annotations: bool = False) -> dict[str, Any]:
        url = f"{self.repo_url}/check-runs/{run.id}"
        out: dict[str, Any] = {
            "id": run.id,
            "name": run.name,
            "node_id": node_id("CheckRun", run.id),
            "head_sha": run.head_sha,
            "external_id": run.external_id or "",
            "url": url,
            "html_url": f"{self.repo_html}/runs/{run.id}",
            "details_url": run.details_url or f"{self.repo_html}/runs/{run.id}",
            "status": run.status,
            "conclusion": run.conclusion,
            "started_at": run.started_at,
            "completed_at": run.completed_at,
            "output": {
                "title": run.title,
                "summary": run.summary,
                "text": run.text,
                "annotations_count": len(run.annotations),
                "annotations_url": f"{url}/annotations",
            },
            "check_suite": {"id": run.suite_id},
            "app": self.app(),
            "pull_requests": self.pulls_with_head(run.head_sha),
        }
        if with_annotations:
            out["annotations"] = [dict(a) for a in run.annotations]
        return out

    def annotation(self, run: CheckRun, item: dict[str, Any]) -> dict[str, Any]:
        return {
            "path": item["path"],
            "start_line": item["start_line"],
            "end_line": item["end_line"],
            "start_column": item.get("start_column"),
            "end_column": item.get("end_column"),
            "annotation_level": item["annotation_level"],
            "title": item.get("title"),
            "message": item["message"],
            "raw_details": item.get("raw_details"),
            "blob_href": f"{self.repo_html}/blob/{run.head_sha}/{quote(item['path'])}",
        }

    # -- reviews and comments -------------------------------------------------------------------

    def review(self, review: Review) -> dict[str, Any]:
        pull_url = f"{self.repo_url}/pulls/{review.pull_number}"
        html = f"{self.repo_html}/pull/{review.pull_number}#pullrequestreview-{review.id}"
        out: dict[str, Any] = {
            "id": review.id,
            "node_id": node_id("PullRequestReview", review.id),
            "user": self.login_user(review.user),
            "body": review.body,
            "state": review.state,
            "html_url": html,
            "pull_request_url": pull_url,
            "author_association": "NONE",
            "_links": {"html": {"href": html}, "pull_request": {"href": pull_url}},
            "commit_id": review.commit_id,
        }
        if review.submitted_at is not None:
            out["submitted_at"] = review.submitted_at
        return out

    def review_comment(self, c: ReviewComment) -> dict[str, Any]:
        url = f"{self.repo_url}/pulls/comments/{c.id}"
        pull_url = f"{self.repo_url}/pulls/{c.pull_number}"
        html = f"{self.repo_html}/pull/{c.pull_number}#discussion_r{c.id}"
        out: dict[str, Any] = {
            "url": url,
            "pull_request_review_id": c.review_id,
            "id": c.id,
            "node_id": node_id("PullRequestReviewComment", c.id),
            "diff_hunk": c.diff_hunk,
            "path": c.path,
            "commit_id": c.commit_id,
            "original_commit_id": c.original_commit_id,
            "user": self.login_user(c.user),
            "body": c.body,
            "created_at": c.created_at,
            "updated_at": c.updated_at,
            "html_url": html,
            "pull_request_url": pull_url,
            "author_association": "NONE",
            "_links": {"self": {"href": url}, "html": {"href": html}, "pull_request": {"href": pull_url}},
            "reactions": self.reactions(url),
            "start_line": c.start_line,
            "original_start_line": c.start_line,
            "start_side": c.start_side,
            "subject_type": c.subject_type,
        }
        if c.position is not None:
            out["position"] = c.position
            out["original_position"] = c.position
        if c.line is not None:
            out["line"] = c.line
            out["original_line"] = c.line
        if c.side is not None:
            out["side"] = c.side
        if c.in_reply_to_id is not None:
            out["in_reply_to_id"] = c.in_reply_to_id
        return out

    def reactions(self, url: str) -> dict[str, Any]:
        return {
            "url": f"{url}/reactions",
            "total_count": 0,
            "+1": 0,
            "-1": 0,
            "laugh": 0,
            "hooray": 0,
            "confused": 0,
            "heart": 0,
            "rocket": 0,
            "eyes": 0,
        }

    def issue_comment(self, c: IssueComment) -> dict[str, Any]:
        url = f"{self.repo_url}/issues/comments/{c.id}"
        return {
            "id": c.id,
            "node_id": node_id("IssueComment", c.id),
            "url": url,
            "html_url": f"{self.repo_html}/pull/{c.issue_number}#issuecomment-{c.id}",
            "body": c.body,
            "user": self.login_user(c.user),
            "created_at": c.created_at,
            "updated_at": c.updated_at,
            "issue_url": f"{self.repo_url}/issues/{c.issue_number}",
            "author_association": "NONE",
            "performed_via_github_app": self.app() if c.via_app else None,
            "reactions": self.reactions(url),
        }

    def status(self, s: CommitStatus) -> dict[str, Any]:
        creator = self.login_user(s.user)
        return {
            "url": f"{self.repo_url}/statuses/{s.sha}",
            "avatar_url": creator["avatar_url"],
            "id": s.id,
            "node_id": node_id("StatusContext", s.id),
            "state": s.state,
            "description": s.description,
            "target_url": s.target_url,
            "context": s.context,
            "created_at": s.created_at,
            "updated_at": s.updated_at,
            "creator": creator,
        }
