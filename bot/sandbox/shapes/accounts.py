"""GitHub's JSON shapes, part 1: the common ground (ids, URLs) and accounts (users, the owner, the App
and its installation). `Renderer` (shapes/__init__.py) is this chain of classes:
AccountShapes -> RepositoryShapes -> Renderer (checks, reviews, comments, statuses).

URLs point back at the sandbox: `base` is the API root the client used (http://127.0.0.1:PORT) and
web pages (`html_url`) live under `{base}/_sandbox/web`, where GitHub would say https://github.com.
"""

from __future__ import annotations

import base64
import zlib
from typing import Any
from urllib.parse import quote

from ..config import SandboxSettings
from ..gitdata import GitRepo
from ..state import WORKFLOW_ACTOR, SandboxState

CREATED_AT = "2024-01-02T03:04:05Z"
APP_EVENTS = ["check_run", "check_suite", "pull_request"]


def node_id(kind: str, ident: int) -> str:
    return base64.b64encode(f"0{len(kind)}:{kind}{ident}".encode()).decode()


def stable_id(text: str, floor: int = 1000) -> int:
    return floor + zlib.crc32(text.encode()) % 90_000_000


def b64_lines(data: bytes) -> str:
    """Base64 with a newline every 60 characters, as GitHub's contents and blobs answers."""
    text = base64.b64encode(data).decode()
    return "".join(text[i : i + 60] + "\n" for i in range(0, len(text), 60))



class AccountShapes:
    def __init__(self, cfg: SandboxSettings, state: SandboxState, git: GitRepo, base: str,
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
