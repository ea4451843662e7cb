"""The service's settings, read from MOCKGUARD_* environment variables (pydantic-settings)."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from pydantic import AnyHttpUrl, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    # "ignore", not "forbid": other tools share the prefix (MOCKGUARD_SANDBOX_WEBHOOK_SECRET, ...).
    model_config = SettingsConfigDict(env_prefix="MOCKGUARD_", extra="ignore")

    app_id: int = Field(description="The GitHub App's id (App settings page).")
    private_key_file: Path | None = Field(None, description="PEM file of the App's private key.")
    private_key: SecretStr | None = Field(None, description="The PEM itself, when a file is awkward.")
    webhook_secret: SecretStr | None = Field(None, description="The App's webhook secret.")
    webhook_secret_file: Path | None = Field(None, description="A file holding the webhook secret (Docker secrets).")
    github_api_url: AnyHttpUrl = Field("https://api.github.com", description="GitHub's REST API root.")
    data_dir: Path = Field(Path("./mockguard-data"), description="Where the SQLite store and queue live.")
    queue_url: str | None = Field(
        None, description="redis://... to share the queue, the job store and the throttle between machines; "
                          "default SQLite in data_dir.")
    check_name: str = Field("mockguard", description="The check run's name (what branch protection requires).")
    workers: int = Field(2, ge=0, description="Worker threads in `serve`; 0 when `mockguard worker` runs them.")
    max_body_bytes: int = Field(25 * 1024 * 1024, description="Larger webhook bodies get 413 (GitHub caps at 25 MB).")
    concurrency: int = Field(4, ge=1, description="Requests in flight per installation.")
    write_interval: float = Field(1.0, ge=0, description="Seconds between writes per installation (Octokit's pace).")
    max_rate_limit_wait: float = Field(300.0, description="Longest a job waits out a rate limit before failing.")
    secondary_limit_wait: float = Field(60.0, ge=0, description="Wait after a secondary rate limit that gives no "
                                                               "Retry-After (GitHub: at least a minute).")
    github_attempts: int = Field(5, ge=1, description="Tries per GitHub request on transient errors.")
    github_backoff: float = Field(0.5, description="First retry delay in seconds (exponential, with jitter).")
    job_attempts: int = Field(5, ge=1, description="Tries per job before its check run completes as failed.")
    job_retry_delay: float = Field(2.0, description="Delay before a job's second try; doubles each try.")
    git_fetch: bool = Field(True, description="Read pull requests with git (a cached partial clone per repository); "
                                              "false: through the REST API only.")
    repo_cache_dir: Path | None = Field(None, description="Where the clones live (default: data_dir/repos).")
    repo_cache_max_bytes: int = Field(2 * 1024**3, ge=0, description="Size of the clone cache; least recently used go first.")
    repo_cache_max_repos: int = Field(200, ge=1, description="Most repositories kept in the clone cache.")
    reconcile_interval: float = Field(600.0, description="Seconds between scans for PRs missing a check; 0 turns scans off.")
    reconcile_limit: int = Field(50, description="Most jobs one reconcile scan queues.")
    heartbeat_interval: float = Field(2.0, description="Seconds between renewals of a worker's job leases.")
    stale_after: float = Field(10.0, description="A job's lease: one its worker stopped renewing is picked up again.")
    log_level: str = Field("INFO")

    @model_validator(mode="after")
    def _one_key(self) -> "Settings":
        if self.private_key is None and self.private_key_file is None:
            raise ValueError("set MOCKGUARD_PRIVATE_KEY_FILE or MOCKGUARD_PRIVATE_KEY")
        if self.webhook_secret is None and self.webhook_secret_file is not None:
            self.webhook_secret = SecretStr(self.webhook_secret_file.read_text().strip())
        if self.webhook_secret is None:
            raise ValueError("set MOCKGUARD_WEBHOOK_SECRET or MOCKGUARD_WEBHOOK_SECRET_FILE")
        if len(self.webhook_secret.get_secret_value()) < 8:
            raise ValueError("MOCKGUARD_WEBHOOK_SECRET is too short to protect the webhook")
        return self

    @cached_property
    def pem(self) -> str:
        if self.private_key is not None:
            return self.private_key.get_secret_value()
        assert self.private_key_file is not None
        return self.private_key_file.read_text()

    @property
    def secret(self) -> str:
        assert self.webhook_secret is not None
        return self.webhook_secret.get_secret_value()

    @property
    def api_url(self) -> str:
        return str(self.github_api_url).rstrip("/")
