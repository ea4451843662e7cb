"""What can go wrong talking to GitHub, as values the service can reason about."""

from __future__ import annotations

import requests


class GitHubRequestError(Exception):
    """A request GitHub answered with an error status."""

    def __init__(self, method: str, path: str, status: int, message: str, errors: object = None,
                 retry_after: float | None = None):
        super().__init__(f"{method} {path} -> {status}: {message}")
        self.method = method
        self.path = path
        self.status = status
        self.message = message
        self.errors = errors
        self.retry_after = retry_after  # set when GitHub asked us to wait (a rate limit)

    @property
    def transient(self) -> bool:
        """5xx and rate limits pass; other 4xx are the request's fault and will not."""
        return self.status >= 500 or self.retry_after is not None


class NotFound(GitHubRequestError):
    pass


class Unprocessable(GitHubRequestError):
    """422: e.g. a review comment on a line outside the diff."""


class RateLimitTooLong(Exception):
    """GitHub asks us to wait longer than a request should block; the job is put off until then."""

    def __init__(self, wait: float):
        super().__init__(f"GitHub's rate limit resets in {wait:.0f} s")
        self.wait = wait


def transient(error: BaseException) -> bool:
    """Worth trying the whole job again later: GitHub down, a rate limit, or the network."""
    if isinstance(error, RateLimitTooLong):
        return True
    if isinstance(error, GitHubRequestError):
        return error.transient
    return isinstance(error, requests.RequestException)
