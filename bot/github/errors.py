"""What can go wrong talking to GitHub, as values the service can reason about."""

from __future__ import annotations


class GitHubError(Exception):
    """A response GitHub answered with an error status."""

    def __init__(self, method: str, path: str, status: int, message: str, errors: object = None,
                 retry_after: float | None = None):
        super().__init__(f"{method} {path} -> {status}: {message}")
        self.method = method
        self.path = path
        self.status = status
        self.message = message
        self.errors = errors
        self.retry_after = retry_after

    @property
    def transient(self) -> bool:
        """5xx and rate limits pass; other 4xx are the request's fault and will not."""
        return self.status >= 500 or self.retry_after is not None


class NotFound(GitHubError):
    pass


class Unprocessable(GitHubError):
    """422: e.g. a review comment on a line outside the diff."""
