"""The JSON shapes GitHub answers with (the OpenAPI subset's response schemas), built from state.

URLs point back at the sandbox: `base` is the API root the client used (http://127.0.0.1:PORT) and
web pages (`html_url`) live under `{base}/_sandbox/web`, where GitHub would say https://github.com.
"""

from __future__ import annotations

import base64
import zlib
from typing import Any
from urllib.parse import quote

from .config import SandboxConfig
from .gitdata import CommitInfo, FileDiff, GitRepo, TreeEntry
from .state import (
    CheckRun,
    CheckSuite,
    CommitStatus,
    IssueComment,
    Pull,
    WORKFLOW_ACTOR,
    Review,
    ReviewComment,
    SandboxState,
)

CREATED_AT = "2024-01-02T03:04:05Z"
APP_EVENTS = ["check_run", "check_suite", "pull_request"]
CONCLUSION_PRIORITY = ["action_required", "cancelled", "timed_out", "failure", "neutral", "success", "skipped", "stale"]


def node_id(kind: str, ident: int) -> str:
    return base64.b64encode(f"0{len(kind)}:{kind}{ident}".encode()).decode()


def stable_id(text: str, floor: int = 1000) -> int:
    return floor + zlib.crc32(text.encode()) % 90_000_000


def b64_lines(data: bytes) -> str:
    """Base64 with a newline every 60 characters, as GitHub's contents and blobs answers."""
    text = base64.b64encode(data).decode()
    return "".join(text[i : i + 60] + "\n" for i in range(0, len(text), 60))


class Renderer:
    def __init__(self, cfg: SandboxConfig, state: SandboxState, git: GitRepo, base: str,
                 actor: str | None = None) -> None:
        self.actor = actor  # who this request's writes are shown as (default: the App's bot)
        self.cfg = cfg
        self.state = state
        self.git = git
        self.base = base.rstrip("/")
        self.web = f"{self.base}/_sandbox/web"
        self.repo_url = f"{self.base}/repos/{cfg.owner}/{cfg.name}"
        self.repo_html = f"{self.web}/{cfg.owner}/{cfg.name}"

    # -- people and the App ---------------------------------------------------------------------

    def user(self, login: str, kind: str = "User") -> dict[str, Any]:
        uid = self.user_id(login)
        api = f"{self.base}/users/{quote(login)}"
        return {
            "login": login,
            "id": uid,
            "node_id": node_id("User" if kind != "Bot" else "Bot", uid),
            "avatar_url": f"https://avatars.githubusercontent.com/u/{uid}?v=4",
            "gravatar_id": "",
            "url": api,
            "html_url": f"{self.web}/{quote(login)}",
            "followers_url": f"{api}/followers",
            "following_url": f"{api}/following{{/other_user}}",
            "gists_url": f"{api}/gists{{/gist_id}}",
            "starred_url": f"{api}/starred{{/owner}}{{/repo}}",
            "subscriptions_url": f"{api}/subscriptions",
            "organizations_url": f"{api}/orgs",
            "repos_url": f"{api}/repos",
            "events_url": f"{api}/events{{/privacy}}",
            "received_events_url": f"{api}/received_events",
            "type": kind,
            "user_view_type": "public",
            "site_admin": False,
        }

    def user_id(self, login: str) -> int:
        if login == self.app_bot:
            return 100_000_000 + self.cfg.app_id
        if login == WORKFLOW_ACTOR:
            return 41898282  # github-actions[bot]'s id on github.com
        return stable_id(login)

    @property
    def app_bot(self) -> str:
        return f"{self.cfg.app_slug}[bot]"

    @property
    def bot_login(self) -> str:
        """The author of what this request posts: the App's bot, or github-actions[bot] for a workflow token."""
        return self.actor or self.app_bot

    def login_user(self, login: str) -> dict[str, Any]:
        if login.endswith("[bot]"):
            return self.user(login, "Bot")
        if login == self.cfg.owner:
            return self.owner()
        return self.user(login)

    def owner(self) -> dict[str, Any]:
        return self.user(self.cfg.owner, self.cfg.owner_type)

    def organization(self) -> dict[str, Any]:
        api = f"{self.base}/orgs/{quote(self.cfg.owner)}"
        uid = self.user_id(self.cfg.owner)
        return {
            "login": self.cfg.owner,
            "id": uid,
            "node_id": node_id("Organization", uid),
            "url": api,
            "repos_url": f"{api}/repos",
            "events_url": f"{api}/events",
            "hooks_url": f"{api}/hooks",
            "issues_url": f"{api}/issues",
            "members_url": f"{api}/members{{/member}}",
            "public_members_url": f"{api}/public_members{{/member}}",
            "avatar_url": f"https://avatars.githubusercontent.com/u/{uid}?v=4",
            "description": "",
        }

    def app(self) -> dict[str, Any]:
        cfg = self.cfg
        return {
            "id": cfg.app_id,
            "slug": cfg.app_slug,
            "node_id": node_id("App", cfg.app_id),
            "client_id": cfg.resolved_client_id,
            "owner": self.owner(),
            "name": cfg.app_name,
            "description": "",
            "external_url": self.web,
            "html_url": f"{self.web}/apps/{cfg.app_slug}",
            "created_at": CREATED_AT,
            "updated_at": CREATED_AT,
            "permissions": dict(cfg.permissions),
            "events": list(APP_EVENTS),
            "installations_count": 1,
        }

    def installation(self) -> dict[str, Any]:
        cfg = self.cfg
        owner = self.owner()
        return {
            "id": cfg.installation_id,
            "client_id": cfg.resolved_client_id,
            "account": owner,
            "repository_selection": "selected",
            "access_tokens_url": f"{self.base}/app/installations/{cfg.installation_id}/access_tokens",
            "repositories_url": f"{self.base}/installation/repositories",
            "html_url": f"{self.web}/settings/installations/{cfg.installation_id}",
            "app_id": cfg.app_id,
            "app_slug": cfg.app_slug,
            "target_id": owner["id"],
            "target_type": cfg.owner_type,
            "permissions": dict(cfg.permissions),
            "events": list(APP_EVENTS),
            "created_at": CREATED_AT,
            "updated_at": CREATED_AT,
            "single_file_name": None,
            "has_multiple_single_files": False,
            "single_file_paths": [],
            "suspended_by": None,
            "suspended_at": None,
        }

    # -- repository -----------------------------------------------------------------------------

    def repo_id(self) -> int:
        return stable_id(self.cfg.full_name, floor=100_000)

    def repository(self) -> dict[str, Any]:
        cfg, r = self.cfg, self.repo_url
        host = self.base.split("://", 1)[-1]
        return {
            "id": self.repo_id(),
            "node_id": node_id("Repository", self.repo_id()),
            "name": cfg.name,
            "full_name": cfg.full_name,
            "private": True,
            "owner": self.owner(),
            "html_url": self.repo_html,
            "description": None,
            "fork": False,
            "url": r,
            "forks_url": f"{r}/forks",
            "keys_url": f"{r}/keys{{/key_id}}",
            "collaborators_url": f"{r}/collaborators{{/collaborator}}",
            "teams_url": f"{r}/teams",
            "hooks_url": f"{r}/hooks",
            "issue_events_url": f"{r}/issues/events{{/number}}",
            "events_url": f"{r}/events",
            "assignees_url": f"{r}/assignees{{/user}}",
            "branches_url": f"{r}/branches{{/branch}}",
            "tags_url": f"{r}/tags",
            "blobs_url": f"{r}/git/blobs{{/sha}}",
            "git_tags_url": f"{r}/git/tags{{/sha}}",
            "git_refs_url": f"{r}/git/refs{{/sha}}",
            "trees_url": f"{r}/git/trees{{/sha}}",
            "statuses_url": f"{r}/statuses/{{sha}}",
            "languages_url": f"{r}/languages",
            "stargazers_url": f"{r}/stargazers",
            "contributors_url": f"{r}/contributors",
            "subscribers_url": f"{r}/subscribers",
            "subscription_url": f"{r}/subscription",
            "commits_url": f"{r}/commits{{/sha}}",
            "git_commits_url": f"{r}/git/commits{{/sha}}",
            "comments_url": f"{r}/comments{{/number}}",
            "issue_comment_url": f"{r}/issues/comments{{/number}}",
            "contents_url": f"{r}/contents/{{+path}}",
            "compare_url": f"{r}/compare/{{base}}...{{head}}",
            "merges_url": f"{r}/merges",
            "archive_url": f"{r}/{{archive_format}}{{/ref}}",
            "downloads_url": f"{r}/downloads",
            "issues_url": f"{r}/issues{{/number}}",
            "pulls_url": f"{r}/pulls{{/number}}",
            "milestones_url": f"{r}/milestones{{/number}}",
            "notifications_url": f"{r}/notifications{{?since,all,participating}}",
            "labels_url": f"{r}/labels{{/name}}",
            "releases_url": f"{r}/releases{{/id}}",
            "deployments_url": f"{r}/deployments",
            "created_at": CREATED_AT,
            "updated_at": CREATED_AT,
            "pushed_at": CREATED_AT,
            "git_url": f"git://{host}/{cfg.full_name}.git",
            "ssh_url": f"git@{host}:{cfg.full_name}.git",
            "clone_url": f"{self.base}/{cfg.full_name}.git",  # served by routes/git.py
            "svn_url": self.repo_html,
            "homepage": None,
            "size": 0,
            "stargazers_count": 0,
            "watchers_count": 0,
            "language": None,
            "has_issues": True,
            "has_projects": False,
            "has_downloads": True,
            "has_wiki": False,
            "has_pages": False,
            "has_discussions": False,
            "forks_count": 0,
            "mirror_url": None,
            "archived": False,
            "disabled": False,
            "open_issues_count": sum(1 for p in self.state.pulls.values() if p.state == "open"),
            "license": None,
            "allow_forking": False,
            "is_template": False,
            "web_commit_signoff_required": False,
            "topics": [],
            "visibility": "private",
            "forks": 0,
            "open_issues": sum(1 for p in self.state.pulls.values() if p.state == "open"),
            "watchers": 0,
            "default_branch": self.cfg.default_branch or "main",
            "custom_properties": {},
        }

    def repo_ref(self) -> dict[str, Any]:
        return {"id": self.repo_id(), "url": self.repo_url, "name": self.cfg.name}

    # -- pull requests --------------------------------------------------------------------------

    def pull_stats(self, pull: Pull) -> tuple[int, int, int, int]:
        """(commits, additions, deletions, changed_files) of the pull request."""
        base = self.git.merge_base(pull.base_sha, pull.head_sha) or pull.base_sha
        files = self.git.diff(base, pull.head_sha)
        commits = len(self.git.rev_list(base, pull.head_sha))
        return commits, sum(f.additions for f in files), sum(f.deletions for f in files), len(files)

    def pull(self, pull: Pull) -> dict[str, Any]:
        n = pull.number
        url = f"{self.repo_url}/pulls/{n}"
        html = f"{self.repo_html}/pull/{n}"
        commits, additions, deletions, changed = self.pull_stats(pull)
        author = self.login_user(pull.author)
        repo = self.repository()
        with self.state.lock:
            comments = sum(1 for c in self.state.issue_comments.values() if c.issue_number == n)
            review_comments = sum(1 for c in self.state.review_comments.values() if c.pull_number == n)
        return {
            "url": url,
            "id": pull.id,
            "node_id": node_id("PullRequest", pull.id),
            "html_url": html,
            "diff_url": f"{html}.diff",
            "patch_url": f"{html}.patch",
            "issue_url": f"{self.repo_url}/issues/{n}",
            "number": n,
            "state": pull.state,
            "locked": False,
            "title": pull.title,
            "user": author,
            "body": pull.body,
            "created_at": pull.created_at,
            "updated_at": pull.updated_at,
            "closed_at": None,
            "merged_at": None,
            "merge_commit_sha": None,
            "assignee": None,
            "assignees": [],
            "requested_reviewers": [],
            "requested_teams": [],
            "labels": [],
            "milestone": None,
            "draft": pull.draft,
            "commits_url": f"{url}/commits",
            "review_comments_url": f"{url}/comments",
            "review_comment_url": f"{self.repo_url}/pulls/comments{{/number}}",
            "comments_url": f"{self.repo_url}/issues/{n}/comments",
            "statuses_url": f"{self.repo_url}/statuses/{pull.head_sha}",
            "head": {
                "label": f"{self.cfg.owner}:{pull.head_ref}",
                "ref": pull.head_ref,
                "sha": pull.head_sha,
                "user": self.owner(),
                "repo": repo,
            },
            "base": {
                "label": f"{self.cfg.owner}:{pull.base_ref}",
                "ref": pull.base_ref,
                "sha": pull.base_sha,
                "user": self.owner(),
                "repo": repo,
            },
            "_links": {
                "self": {"href": url},
                "html": {"href": html},
                "issue": {"href": f"{self.repo_url}/issues/{n}"},
                "comments": {"href": f"{self.repo_url}/issues/{n}/comments"},
                "review_comments": {"href": f"{url}/comments"},
                "review_comment": {"href": f"{self.repo_url}/pulls/comments{{/number}}"},
                "commits": {"href": f"{url}/commits"},
                "statuses": {"href": f"{self.repo_url}/statuses/{pull.head_sha}"},
            },
            "author_association": "OWNER" if pull.author == self.cfg.owner else "CONTRIBUTOR",
            "auto_merge": None,
            "active_lock_reason": None,
            "merged": False,
            "mergeable": True,
            "rebaseable": True,
            "mergeable_state": "clean",
            "merged_by": None,
            "comments": comments,
            "review_comments": review_comments,
            "maintainer_can_modify": False,
            "commits": commits,
            "additions": additions,
            "deletions": deletions,
            "changed_files": changed,
        }

    def pull_minimal(self, pull: Pull) -> dict[str, Any]:
        return {
            "url": f"{self.repo_url}/pulls/{pull.number}",
            "id": pull.id,
            "number": pull.number,
            "head": {"ref": pull.head_ref, "sha": pull.head_sha, "repo": self.repo_ref()},
            "base": {"ref": pull.base_ref, "sha": pull.base_sha, "repo": self.repo_ref()},
        }

    def pulls_with_head(self, sha: str) -> list[dict[str, Any]]:
        with self.state.lock:
            pulls = [p for p in self.state.pulls.values() if p.head_sha == sha and p.state == "open"]
        return [self.pull_minimal(p) for p in sorted(pulls, key=lambda p: p.number)]

    # -- git data -------------------------------------------------------------------------------

    def diff_entry(self, f: FileDiff, head_sha: str, base_sha: str, max_patch_lines: int | None) -> dict[str, Any]:
        ref = base_sha if f.status == "removed" else head_sha
        path = quote(f.filename)
        out: dict[str, Any] = {
            "sha": f.new_sha or f.old_sha,
            "filename": f.filename,
            "status": f.status,
            "additions": f.additions,
            "deletions": f.deletions,
            "changes": f.changes,
            "blob_url": f"{self.repo_html}/blob/{ref}/{path}",
            "raw_url": f"{self.repo_html}/raw/{ref}/{path}",
            "contents_url": f"{self.repo_url}/contents/{path}?ref={ref}",
        }
        if f.patch is not None and not (max_patch_lines is not None and f.changes > max_patch_lines):
            out["patch"] = f.patch
        if f.previous_filename is not None:
            out["previous_filename"] = f.previous_filename
        return out

    def commit(self, info: CommitInfo, files: list[FileDiff] | None = None, base_for_files: str | None = None) -> dict[str, Any]:
        url = f"{self.repo_url}/commits/{info.sha}"
        out: dict[str, Any] = {
            "url": url,
            "sha": info.sha,
            "node_id": node_id("Commit", stable_id(info.sha)),
            "html_url": f"{self.repo_html}/commit/{info.sha}",
            "comments_url": f"{url}/comments",
            "commit": {
                "url": f"{self.repo_url}/git/commits/{info.sha}",
                "author": {"name": info.author_name, "email": info.author_email, "date": _utc(info.author_date)},
                "committer": {
                    "name": info.committer_name,
                    "email": info.committer_email,
                    "date": _utc(info.committer_date),
                },
                "message": info.message,
                "tree": {"sha": info.tree, "url": f"{self.repo_url}/git/trees/{info.tree}"},
                "comment_count": 0,
                "verification": {
                    "verified": False,
                    "reason": "unsigned",
                    "signature": None,
                    "payload": None,
                    "verified_at": None,
                },
            },
            "author": None,
            "committer": None,
            "parents": [
                {"sha": p, "url": f"{self.repo_url}/commits/{p}", "html_url": f"{self.repo_html}/commit/{p}"}
                for p in info.parents
            ],
        }
        if files is not None:
            additions = sum(f.additions for f in files)
            deletions = sum(f.deletions for f in files)
            out["stats"] = {"total": additions + deletions, "additions": additions, "deletions": deletions}
            out["files"] = [
                self.diff_entry(f, info.sha, base_for_files or info.sha, self.cfg.max_patch_lines) for f in files
            ]
        return out

    def simple_commit(self, info: CommitInfo) -> dict[str, Any]:
        return {
            "id": info.sha,
            "tree_id": info.tree,
            "message": info.message,
            "timestamp": _utc(info.committer_date),
            "author": {"name": info.author_name, "email": info.author_email},
            "committer": {"name": info.committer_name, "email": info.committer_email},
        }

    def content_entry(self, entry: TreeEntry, parent_path: str, ref: str, *, with_content: bool) -> dict[str, Any]:
        path = f"{parent_path}/{entry.path}".strip("/") if parent_path else entry.path
        name = path.rsplit("/", 1)[-1]
        kind = {"blob": "file", "tree": "dir", "commit": "submodule"}.get(entry.type, "file")
        if entry.type == "blob" and entry.mode == "120000":
            kind = "symlink"
        url = f"{self.repo_url}/contents/{quote(path)}?ref={quote(ref, safe='')}"
        git_url = f"{self.repo_url}/git/{'trees' if kind == 'dir' else 'blobs'}/{entry.sha}"
        html_url = f"{self.repo_html}/{'tree' if kind == 'dir' else 'blob'}/{quote(ref, safe='')}/{quote(path)}"
        out: dict[str, Any] = {
            "type": kind,
            "size": entry.size or 0,
            "name": name,
            "path": path,
            "sha": entry.sha,
            "url": url,
            "git_url": git_url if kind != "submodule" else None,
            "html_url": html_url if kind != "submodule" else None,
            "download_url": f"{self.base}/_sandbox/raw/{quote(ref, safe='')}/{quote(path)}" if kind == "file" else None,
            "_links": {"self": url, "git": git_url, "html": html_url},
        }
        if kind == "file" and with_content:
            data = self.git.read_blob(entry.sha)
            out["content"] = b64_lines(data)
            out["encoding"] = "base64"
        if kind == "symlink" and with_content:
            out["target"] = self.git.read_blob(entry.sha).decode("utf-8", "replace")
        if kind == "submodule":
            out["submodule_git_url"] = ""
        return out

    # -- checks ---------------------------------------------------------------------------------

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


def _utc(iso: str) -> str:
    """git's ISO 8601 dates (with offsets) as GitHub's UTC `Z` form."""
    from datetime import datetime, timezone

    try:
        return datetime.fromisoformat(iso).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return iso
