"""The one door to GitHub's REST API: App and installation clients over httpx.

Every request goes through `_request`, which takes a polite slot for the installation, retries
transient failures with tenacity (5xx, dropped connections, rate limits, honouring Retry-After
and x-ratelimit-reset) and turns error statuses into `GitHubError`s.
"""

from __future__ import annotations

import base64
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential_jitter

from .auth import AppJWT, InstallationTokens
from .errors import GitHubError, NotFound, Unprocessable
from .politeness import Politeness

log = logging.getLogger("mockguard.github")

API_VERSION = "2022-11-28"
# Methods safe to send again when the answer was lost or a 5xx: repeating them changes nothing.
# POST is not (a 502 can come after GitHub created the thing); neither is a check-run PATCH that
# appends annotations. Those fail up to the job, which re-reads what exists before writing again.
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "PATCH"})
# Errors where the request surely never reached GitHub, so even a POST is safe to send again.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)

ResponseHook = Callable[[str, int | str], None]  # (method, status or error name) for metrics


class _Retry(Exception):
    """Wraps an error that is worth another try of the same request."""

    def __init__(self, error: Exception):
        super().__init__(str(error))
        self.error = error


class _Wait:
    """Backoff with jitter; after a rate limit none, because the installation's lane already
    waits out Retry-After or the reset time before the next request goes."""

    def __init__(self, initial: float, maximum: float):
        self._backoff = wait_exponential_jitter(initial=initial, max=maximum)

    def __call__(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, _Retry) and isinstance(error.error, GitHubError) and error.error.retry_after is not None:
            return 0.0
        return self._backoff(state)


class GitHub:
    """The App: signs JWTs, mints installation tokens, and hands out per-installation clients."""

    def __init__(self, api_url: str, app_id: int | str, private_key: str, *, politeness: Politeness | None = None,
                 attempts: int = 5, backoff: float = 0.5, max_backoff: float = 8.0, timeout: float = 30.0,
                 on_response: ResponseHook | None = None):
        self.api_url = api_url.rstrip("/")
        self.app_id = app_id
        self.jwt = AppJWT(app_id, private_key)
        self.politeness = politeness or Politeness()
        self.attempts = attempts
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.on_response = on_response
        self.http = httpx.Client(
            base_url=self.api_url,
            timeout=timeout,
            headers={"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": API_VERSION,
                     "User-Agent": "mockguard"},
        )
        self.tokens = InstallationTokens(self._mint_token)

    def close(self) -> None:
        self.http.close()

    # -- the App itself (JWT) --------------------------------------------------------------
    def _mint_token(self, installation_id: int) -> tuple[str, str]:
        data = self.request("POST", f"/app/installations/{installation_id}/access_tokens", auth=self._app_auth,
                            lane="app")
        return data["token"], data["expires_at"]

    def _app_auth(self) -> str:
        return f"Bearer {self.jwt()}"

    def installations(self) -> Iterator[dict]:
        yield from self.paginate("/app/installations", auth=self._app_auth, lane="app")

    def installation(self, installation_id: int) -> "Installation":
        return Installation(self, installation_id)

    # -- the one request path ----------------------------------------------------------------
    def request(self, method: str, path: str, *, auth: Callable[[], str], lane: object, json: Any = None,
                params: dict | None = None, accept: str | None = None, raw: bool = False,
                repeatable: bool | None = None) -> Any:
        response = self._send(method, path, auth=auth, lane=lane, json=json, params=params, accept=accept,
                              repeatable=method in IDEMPOTENT if repeatable is None else repeatable)
        if raw:
            return response
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    def paginate(self, path: str, *, auth: Callable[[], str], lane: object, params: dict | None = None,
                 key: str | None = None, max_pages: int = 100) -> Iterator[dict]:
        """Every item of a list endpoint, following the Link header's `next`."""
        params = {"per_page": 100, **(params or {})}
        url: str | None = path
        for _ in range(max_pages):
            if url is None:
                return
            response = self._send("GET", url, auth=auth, lane=lane, params=params, repeatable=True)
            data = response.json()
            items = data[key] if key else data
            if not isinstance(items, list):  # GitHub wraps some lists, e.g. {"installations": [...]}
                items = next((v for v in data.values() if isinstance(v, list)), [])
            yield from items
            following = response.links.get("next", {}).get("url")
            url, params = (following, None) if following else (None, None)

    def _send(self, method: str, path: str, *, auth: Callable[[], str], lane: object, json: Any = None,
              params: dict | None = None, accept: str | None = None, repeatable: bool = True) -> httpx.Response:
        retrying = Retrying(
            retry=retry_if_exception_type(_Retry),
            wait=_Wait(self.backoff, self.max_backoff),
            stop=stop_after_attempt(self.attempts),
            reraise=True,
            before_sleep=lambda state: log.warning(
                "github request retried",
                extra={"method": method, "path": path, "attempt": state.attempt_number,
                       "error": str(state.outcome.exception() if state.outcome else "")},
            ),
        )
        try:
            for attempt in retrying:
                with attempt:
                    response = self._send_once(method, path, auth=auth, lane=lane, json=json, params=params,
                                               accept=accept, repeatable=repeatable)
        except _Retry as exhausted:
            raise exhausted.error from None
        return response  # type: ignore[possibly-undefined]

    def _send_once(self, method, path, *, auth, lane, json, params, accept, repeatable) -> httpx.Response:
        headers = {"Authorization": auth()}
        if accept:
            headers["Accept"] = accept
        with self.politeness.slot(lane, method):
            try:
                response = self.http.request(method, path, json=json, params=params, headers=headers)
            except httpx.TransportError as error:
                self._count(method, type(error).__name__)
                if repeatable or isinstance(error, NOT_SENT):
                    raise _Retry(error) from error
                raise
        self._count(method, response.status_code)
        self._note_rate_limit(lane, response)
        if response.status_code >= 400:
            error = self._error(method, path, response)
            if error.retry_after is not None:
                # Pause the whole installation, not just this request: its other requests would
                # only dig the rate-limit hole deeper. GitHub refused the request, so even a POST
                # is safe to send again.
                self.politeness.block(lane, error.retry_after)
                raise _Retry(error)
            if error.status >= 500 and repeatable:
                raise _Retry(error)
            raise error
        return response

    def _count(self, method: str, status: int | str) -> None:
        if self.on_response:
            self.on_response(method, status)

    def _note_rate_limit(self, lane: object, response: httpx.Response) -> None:
        # Spent primary limit: every further request would fail until the reset, so pause the lane.
        if response.headers.get("x-ratelimit-remaining") == "0" and response.status_code < 400:
            reset = _float(response.headers.get("x-ratelimit-reset"))
            if reset:
                self.politeness.block(lane, max(0.0, reset - time.time()) + 1)

    def _error(self, method: str, path: str, response: httpx.Response) -> GitHubError:
        try:
            body = response.json()
        except ValueError:
            body = {"message": response.text[:500]}
        message = body.get("message", "") if isinstance(body, dict) else str(body)
        errors = body.get("errors") if isinstance(body, dict) else None
        retry_after = None
        if response.status_code in (403, 429):
            header = _float(response.headers.get("retry-after"))
            if header is not None:  # secondary rate limit
                retry_after = header
            elif response.headers.get("x-ratelimit-remaining") == "0":  # primary rate limit
                reset = _float(response.headers.get("x-ratelimit-reset")) or time.time() + 60
                retry_after = max(0.0, reset - time.time()) + 1
            elif response.status_code == 429:
                retry_after = 60.0
        kind = {404: NotFound, 422: Unprocessable}.get(response.status_code, GitHubError)
        return kind(method, path, response.status_code, message, errors, retry_after)


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _path(value: str) -> str:
    return quote(value, safe="/")


class Installation:
    """Requests made as one installation, with the token cached by the App."""

    def __init__(self, github: GitHub, installation_id: int):
        self.github = github
        self.id = installation_id

    def _auth(self) -> str:
        return f"token {self.github.tokens.get(self.id)}"

    def request(self, method: str, path: str, **kwargs) -> Any:
        return self._fresh_on_401(lambda: self.github.request(method, path, auth=self._auth, lane=self.id, **kwargs))

    def paginate(self, path: str, **kwargs) -> Iterator[dict]:
        # Pages are read eagerly so that a token dying mid-listing restarts the listing cleanly.
        return iter(self._fresh_on_401(
            lambda: list(self.github.paginate(path, auth=self._auth, lane=self.id, **kwargs))))

    def _fresh_on_401(self, call: Callable[[], Any]) -> Any:
        """A token GitHub no longer takes (revoked, or expired before its time): mint one and try
        once more. A 401 means nothing was done, so this is safe for writes too."""
        try:
            return call()
        except GitHubError as error:
            if error.status != 401:
                raise
            self.github.tokens.forget(self.id)
            return call()

    # -- reads ----------------------------------------------------------------------------
    def repositories(self) -> Iterator[dict]:
        return self.paginate("/installation/repositories", key="repositories")

    def open_pulls(self, repo: str) -> Iterator[dict]:
        return self.paginate(f"/repos/{repo}/pulls", params={"state": "open"})

    def pull(self, repo: str, number: int) -> dict:
        return self.request("GET", f"/repos/{repo}/pulls/{number}")

    def pull_files(self, repo: str, number: int) -> list[dict]:
        # GitHub lists at most 3000 files (30 pages of 100); the caller compares with changed_files.
        return list(self.paginate(f"/repos/{repo}/pulls/{number}/files", max_pages=30))

    def file_text(self, repo: str, path: str, ref: str) -> str | None:
        """A file's text at a commit, or None when it does not exist there."""
        try:
            data = self.request("GET", f"/repos/{repo}/contents/{_path(path)}", params={"ref": ref})
        except NotFound:
            return None
        if isinstance(data, list) or data.get("type") not in (None, "file"):
            return None
        if data.get("encoding") == "base64" and data.get("content"):
            return _decode(data["content"])
        if data.get("sha"):  # over 1 MB the contents API leaves the content out; the blob has it
            return self.blob_text(repo, data["sha"])
        return data.get("content") or ""

    def blob_text(self, repo: str, sha: str) -> str:
        data = self.request("GET", f"/repos/{repo}/git/blobs/{sha}")
        if data.get("encoding") == "base64":
            return _decode(data["content"])
        return data.get("content", "")

    def tree(self, repo: str, sha: str) -> dict:
        return self.request("GET", f"/repos/{repo}/git/trees/{sha}", params={"recursive": "1"})

    def merge_base(self, repo: str, base: str, head: str) -> str:
        """The commit a pull request's diff is taken from (`patch` hunks count lines there)."""
        data = self.request("GET", f"/repos/{repo}/compare/{base}...{head}", params={"per_page": 1})
        return data["merge_base_commit"]["sha"]

    def commit(self, repo: str, sha: str) -> dict:
        return self.request("GET", f"/repos/{repo}/commits/{sha}")

    def check_runs(self, repo: str, ref: str, name: str) -> list[dict]:
        return list(self.paginate(f"/repos/{repo}/commits/{ref}/check-runs", params={"check_name": name},
                                  key="check_runs"))

    def review_comments(self, repo: str, number: int) -> list[dict]:
        return list(self.paginate(f"/repos/{repo}/pulls/{number}/comments"))

    def reviews(self, repo: str, number: int) -> list[dict]:
        return list(self.paginate(f"/repos/{repo}/pulls/{number}/reviews"))

    def issue_comments(self, repo: str, number: int) -> list[dict]:
        return list(self.paginate(f"/repos/{repo}/issues/{number}/comments"))

    # -- writes ---------------------------------------------------------------------------
    def create_check_run(self, repo: str, **fields) -> dict:
        return self.request("POST", f"/repos/{repo}/check-runs", json=fields)

    def update_check_run(self, repo: str, check_run_id: int, **fields) -> dict:
        # Annotations append: a lost answer must not make us send the same batch twice.
        appends = bool((fields.get("output") or {}).get("annotations"))
        return self.request("PATCH", f"/repos/{repo}/check-runs/{check_run_id}", json=fields,
                            repeatable=not appends)

    def check_run_annotations(self, repo: str, check_run_id: int) -> list[dict]:
        return list(self.paginate(f"/repos/{repo}/check-runs/{check_run_id}/annotations"))

    def create_review(self, repo: str, number: int, *, commit_id: str, body: str, comments: list[dict],
                      event: str = "COMMENT") -> dict:
        payload = {"commit_id": commit_id, "body": body, "event": event, "comments": comments}
        return self.request("POST", f"/repos/{repo}/pulls/{number}/reviews", json=payload)

    def edit_review_comment(self, repo: str, comment_id: int, body: str) -> dict:
        return self.request("PATCH", f"/repos/{repo}/pulls/comments/{comment_id}", json={"body": body})

    def create_issue_comment(self, repo: str, number: int, body: str) -> dict:
        return self.request("POST", f"/repos/{repo}/issues/{number}/comments", json={"body": body})

    def edit_issue_comment(self, repo: str, comment_id: int, body: str) -> dict:
        return self.request("PATCH", f"/repos/{repo}/issues/comments/{comment_id}", json={"body": body})


def _decode(content: str) -> str:
    return base64.b64decode(content).decode("utf-8", errors="replace")
