"""How mockguard retries requests to GitHub and waits out its rate limits: the one place for it.

PyGithub's own policies are off (client.py builds every PyGithub client with `retry=0` and no
`seconds_between_requests`): its `GithubRetry` re-sends POSTs and sleeps through rate limits inside
the worker thread, unseen by the other replicas. Here instead:

- a 5xx or a dropped connection is tried again (exponential backoff with jitter) only for requests
  that are safe to repeat: idempotent methods, or any request that surely never left (the
  connection was never made). A POST that got a 502 may have created its thing; that error goes up
  to the job, which reads what exists before writing again;
- every rate-limit answer pauses the installation in the throttle (fleet-wide with Redis), and the
  request is sent again once the pause is over; a pause longer than the throttle's limit puts the
  job off instead (RateLimitTooLong);
- a primary limit spent by a successful answer (`x-ratelimit-remaining: 0`) pauses the
  installation until its reset.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import requests
from github import GithubException
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential_jitter

from .errors import GitHubRequestError, NotFound, Unprocessable
from .throttle import Throttle

log = logging.getLogger("mockguard.github")

T = TypeVar("T")

# Methods safe to send again when the answer was lost or a 5xx: repeating them changes nothing.
# A check-run PATCH that appends annotations is not; its caller says so (repeatable=False).
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "PATCH"})
# GitHub: "If you receive a secondary rate limit error, you should stop making requests
# temporarily... If the retry-after response header is present... Otherwise, wait for at least one
# minute before retrying." (docs: /en/rest/using-the-rest-api/rate-limits-for-the-rest-api)
SECONDARY_LIMIT_WAIT = 60.0
# The secondary limit's messages as GitHub words them (the 403 may carry neither Retry-After nor a
# spent remaining count, so the message is what tells it from a permission error).
_RATE_LIMIT_MESSAGE = re.compile(
    r"secondary rate limit|api rate limit exceeded|abuse detection|rate limit exceeded"
    r"|please retry your request again later|wait a few minutes before you try again", re.IGNORECASE)

ResponseHook = Callable[[str, int | str], None]  # (method, status or error name) for metrics


def rate_limit_wait(status: int, headers: Mapping[str, Any], message: str, now: float,
                    secondary_wait: float = SECONDARY_LIMIT_WAIT) -> float | None:
    """Seconds GitHub asks us to wait before sending again, or None when the answer is no rate limit.

    As GitHub documents it: Retry-After when given; else, with `x-ratelimit-remaining: 0`, until
    `x-ratelimit-reset`; else a secondary limit (recognised by its message, or a 429) waits a minute.
    """
    if status not in (403, 429):
        return None
    headers = {str(k).lower(): v for k, v in headers.items()}
    retry_after = _float(headers.get("retry-after"))
    if retry_after is not None:
        return max(0.0, retry_after)
    if str(headers.get("x-ratelimit-remaining", "")).strip() == "0":
        reset = _float(headers.get("x-ratelimit-reset"))
        return max(0.0, reset - now) + 1 if reset is not None else secondary_wait
    if status == 429 or _RATE_LIMIT_MESSAGE.search(message or ""):
        return secondary_wait
    return None


def as_error(method: str, what: str, error: GithubException, now: float,
             secondary_wait: float = SECONDARY_LIMIT_WAIT) -> GitHubRequestError:
    data = error.data if isinstance(error.data, dict) else {}
    message = str(data.get("message") or error.message or error.data or "")
    kind = {404: NotFound, 422: Unprocessable}.get(error.status, GitHubRequestError)
    wait = rate_limit_wait(error.status, error.headers or {}, message, now, secondary_wait)
    return kind(method, what, error.status, message, data.get("errors"), wait)


def surely_not_sent(error: requests.RequestException) -> bool:
    """The connection was never made, so not even a POST reached GitHub: safe to send again."""
    if isinstance(error, requests.ConnectTimeout):
        return True
    text = repr(error)
    return isinstance(error, requests.ConnectionError) and ("NewConnectionError" in text or "ConnectionRefused" in text)


class _Retry(Exception):
    """Wraps an error that is worth another try of the same request."""

    def __init__(self, error: Exception):
        super().__init__(str(error))
        self.error = error


class _Wait:
    """Backoff with jitter; after a rate limit none, because the throttle already holds the
    installation until the pause is over."""

    def __init__(self, initial: float, maximum: float):
        self._backoff = wait_exponential_jitter(initial=initial, max=maximum)

    def __call__(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, _Retry) and isinstance(error.error, GitHubRequestError) and error.error.retry_after is not None:
            return 0.0
        return float(self._backoff(state))


class Retries:
    def __init__(self, throttle: Throttle, attempts: int = 5, backoff: float = 0.5, max_backoff: float = 8.0,
                 on_response: ResponseHook | None = None, secondary_wait: float = SECONDARY_LIMIT_WAIT):
        self.throttle = throttle
        self.secondary_wait = secondary_wait  # GitHub documents "at least one minute"; tests shorten it
        self.attempts = attempts
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.on_response = on_response

    def call(self, lane: object, method: str, what: str, send: Callable[[], T], *, repeatable: bool | None = None,
             spent: Callable[[], float | None] | None = None) -> T:
        """`send()` once per try, inside one of the lane's throttle slots; `spent()` says, after an
        answer, how long until the primary limit resets if it is spent (else None)."""
        repeat = method in IDEMPOTENT if repeatable is None else repeatable
        retrying = Retrying(
            retry=retry_if_exception_type(_Retry), wait=_Wait(self.backoff, self.max_backoff),
            stop=stop_after_attempt(self.attempts), reraise=True,
            before_sleep=lambda state: log.warning(
                "github request retried",
                extra={"method": method, "path": what, "attempt": state.attempt_number,
                       "error": str(state.outcome.exception() if state.outcome else "")}))
        try:
            for attempt in retrying:
                with attempt:
                    return self._once(lane, method, what, send, repeat, spent)
        except _Retry as exhausted:
            raise exhausted.error from None
        raise AssertionError("unreachable: tenacity either returns or raises")

    def _once(self, lane: object, method: str, what: str, send: Callable[[], T], repeat: bool,
              spent: Callable[[], float | None] | None) -> T:
        with self.throttle.slot(lane, method):
            try:
                result = send()
            except GithubException as raw:
                error = as_error(method, what, raw, time.time(), self.secondary_wait)
                self._count(method, error.status)
                if error.retry_after is not None:
                    # Pause the whole installation, not just this request: its other requests would
                    # only dig the rate-limit hole deeper. GitHub refused the request, so even a
                    # POST is safe to send again.
                    self.throttle.block(lane, error.retry_after)
                    raise _Retry(error) from raw
                if error.status >= 500 and repeat:
                    raise _Retry(error) from raw
                raise error from raw
            except requests.RequestException as lost:
                self._count(method, type(lost).__name__)
                if repeat or surely_not_sent(lost):
                    raise _Retry(lost) from lost
                raise
        self._count(method, 200)
        wait = spent() if spent else None
        if wait is not None:  # the primary limit is spent: every further request would fail until the reset
            self.throttle.block(lane, wait)
        return result

    def _count(self, method: str, status: int | str) -> None:
        if self.on_response:
            self.on_response(method, status)


def _float(value: str | float | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None
