"""GitHub's JSON shapes, part 2: the repository, pull requests, diffs, commits and contents."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from ..gitdata import CommitInfo, FileDiff, TreeEntry
from ..state import Pull
from .accounts import CREATED_AT, AccountShapes, b64_lines, node_id, stable_id


class RepositoryShapes(AccountShapes):
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


def _utc(iso: str) -> str:
    """git's ISO 8601 dates (with offsets) as GitHub's UTC `Z` form."""
    from datetime import datetime, timezone

    try:
        return datetime.fromisoformat(iso).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return iso

