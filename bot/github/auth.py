"""Installation tokens, kept in mockguard's cache: reused until shortly before they expire, minted
again after a 401. PyGithub mints them (`GithubIntegration`, App JWT included); this cache decides
when, so a job never starts with a token that dies halfway through."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from github import Auth

# Refresh a token this long before GitHub says it expires.
TOKEN_MARGIN = 5 * 60


@dataclass(frozen=True)
class _Cached:
    token: str
    expires_at: float


class InstallationTokens:
    """Installation id -> token, fetched through `fetch` and reused until TOKEN_MARGIN before expiry."""

    def __init__(self, fetch: Callable[[int], tuple[str, datetime | str]], clock: Callable[[], float] = time.time):
        self._fetch = fetch  # returns (token, expires_at)
        self._clock = clock
        self._lock = threading.Lock()
        self._locks: dict[int, threading.Lock] = {}
        self._cache: dict[int, _Cached] = {}

    def get(self, installation_id: int) -> str:
        with self._lock:
            lock = self._locks.setdefault(installation_id, threading.Lock())
        with lock:  # one fetch per installation at a time; others wait and reuse it
            cached = self._cache.get(installation_id)
            if cached and self._clock() < cached.expires_at - TOKEN_MARGIN:
                return cached.token
            token, expires_at = self._fetch(installation_id)
            self._cache[installation_id] = _Cached(token, _timestamp(expires_at))
            return token

    def forget(self, installation_id: int) -> None:
        """After an uninstall, or a 401 that says the token is no longer good."""
        with self._lock:
            self._cache.pop(installation_id, None)


class PlainToken:
    """A plain token (a workflow's GITHUB_TOKEN, a personal access token) where the App's token cache
    goes: the same `get`/`forget`, for any installation id. Nothing to mint or refresh; a 401 stays one."""

    def __init__(self, token: str):
        self._token = token

    def get(self, installation_id: int) -> str:
        return self._token

    def forget(self, installation_id: int) -> None:
        pass


class CachedInstallationAuth(Auth.Auth):
    """PyGithub's `Auth` for one installation, reading the token from the cache on every request
    (PyGithub's own `AppInstallationAuth` would keep a token of its own, per client)."""

    def __init__(self, tokens: InstallationTokens | PlainToken, installation_id: int):
        self._tokens = tokens
        self._installation_id = installation_id

    @property
    def token_type(self) -> str:
        return "token"

    @property
    def token(self) -> str:
        return self._tokens.get(self._installation_id)


def _timestamp(value: datetime | str) -> float:
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value.timestamp()
