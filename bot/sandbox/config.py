"""What one sandbox serves: the repository, its pull requests, the App and its installation."""

from __future__ import annotations

from dataclasses import dataclass, field

from .limits import Limits, SecondaryForm

# What the App may do on its installation unless told otherwise (`--permissions`). Narrow it in a
# test to check that the service asks for no more than its manifest grants.
DEFAULT_PERMISSIONS: dict[str, str] = {
    "checks": "write",
    "contents": "read",
    "issues": "write",
    "metadata": "read",
    "pull_requests": "write",
    "statuses": "write",
}


@dataclass
class PullSpec:
    """One open pull request: `--pr N` (with --base/--head) or `--pr N:BASE:HEAD`."""

    number: int
    base: str
    head: str
    title: str | None = None
    body: str | None = None


@dataclass
class SandboxConfig:
    repo: str
    owner: str
    name: str
    app_id: int
    public_key_pem: bytes
    pulls: list[PullSpec]
    installation_id: int = 1
    host: str = "127.0.0.1"
    port: int = 0
    app_slug: str = "mockguard"
    app_name: str = "mockguard"
    client_id: str | None = None
    owner_type: str = "User"  # or "Organization": then payloads carry `organization` as GitHub's do
    pr_author: str | None = None
    permissions: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_PERMISSIONS))
    webhook_url: str | None = None
    webhook_secret: str | None = None
    token_ttl: int = 3600
    rate_limit: int = 5000  # the primary limit: requests per hour per installation
    limits: Limits = field(default_factory=Limits)  # the secondary limits, GitHub's by default
    secondary_form: SecondaryForm = field(default_factory=SecondaryForm)
    max_files: int = 3000  # GitHub lists at most 3000 files of a pull request
    max_patch_lines: int | None = None  # leave `patch` out for files with more changed lines
    jwt_leeway: int = 0  # seconds of clock skew tolerated on `iat`
    default_branch: str | None = None
    api_url: str = ""  # set once the socket is bound: http://host:port

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    @property
    def resolved_client_id(self) -> str:
        return self.client_id or f"Iv1.{self.app_id:016x}"
