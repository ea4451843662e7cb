"""What one sandbox serves, as one pydantic-settings object: the repository, its pull requests, the
App and its installation, and GitHub's limits.

`mockguard sandbox` fills it from its options; anything not given on the command line comes from
`MOCKGUARD_SANDBOX_*` environment variables (the webhook secret, `MOCKGUARD_SANDBOX_WEBHOOK_SECRET`,
should come from there and never from the command line), then from the defaults below.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

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


class SandboxSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MOCKGUARD_SANDBOX_", extra="forbid")

    repo: str
    owner: str
    name: str
    app_id: int
    public_key_pem: bytes
    pulls: list[PullSpec] = Field(min_length=1)
    installation_id: int = 1
    host: str = "127.0.0.1"
    port: int = Field(0, ge=0, le=65535)
    app_slug: str = "mockguard"
    app_name: str = "mockguard"
    client_id: str | None = None
    owner_type: str = "User"  # or "Organization": then payloads carry `organization` as GitHub's do
    pr_author: str | None = None
    permissions: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_PERMISSIONS))
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    token_ttl: int = Field(3600, gt=0)
    rate_limit: int = Field(5000, gt=0)  # the primary limit: requests per hour per installation
    limits: Limits = Field(default_factory=Limits)  # the secondary limits, GitHub's by default
    secondary_form: SecondaryForm = Field(default_factory=SecondaryForm)
    max_files: int = Field(3000, gt=0)  # GitHub lists at most 3000 files of a pull request
    max_patch_lines: int | None = None  # leave `patch` out for files with more changed lines
    jwt_leeway: int = Field(0, ge=0)  # seconds of clock skew tolerated on `iat`
    default_branch: str | None = None
    api_url: str = ""  # set once the socket is bound: http://host:port

    @field_validator("owner_type")
    @classmethod
    def _owner_type(cls, value: str) -> str:
        if value not in ("User", "Organization"):
            raise ValueError("owner_type is User or Organization")
        return value

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    @property
    def resolved_client_id(self) -> str:
        return self.client_id or f"Iv1.{self.app_id:016x}"

    def secret(self) -> str | None:
        return self.webhook_secret.get_secret_value() if self.webhook_secret else None
