"""App authentication: a short-lived App JWT, and installation tokens cached until shortly before expiry."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import jwt

# GitHub accepts at most 10 minutes; a clock a little ahead of GitHub's must not make the token
# "issued in the future", hence the 60 s back-dating its docs recommend.
JWT_LIFETIME = 9 * 60
JWT_BACKDATE = 60
# Refresh a token this long before GitHub says it expires, so a job never starts with one that
# dies halfway through.
TOKEN_MARGIN = 5 * 60


class AppJWT:
    """Signs App JWTs, reusing one until a minute before it expires."""

    def __init__(self, app_id: int | str, private_key: str, clock: Callable[[], float] = time.time):
        # GitHub takes the numeric App id as an integer `iss` (or the client id, a string).
        self._issuer: int | str = int(app_id) if str(app_id).isdigit() else str(app_id)
        self._private_key = private_key
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires = 0.0

    def __call__(self) -> str:
        with self._lock:
            now = self._clock()
            if self._token is None or now > self._expires - 60:
                issued = int(now) - JWT_BACKDATE
                expires = int(now) + JWT_LIFETIME
                # PyJWS, not jwt.encode: recent PyJWT refuses a non-string `iss`, and GitHub's own
                # examples send the numeric App id as a number.
                claims = json.dumps({"iat": issued, "exp": expires, "iss": self._issuer}).encode()
                self._token = jwt.PyJWS().encode(claims, self._private_key, algorithm="RS256")
                self._expires = expires
            return self._token


@dataclass
class _Cached:
    token: str
    expires_at: float


class InstallationTokens:
    """Installation id -> token, fetched through `fetch` and reused until TOKEN_MARGIN before expiry."""

    def __init__(self, fetch: Callable[[int], tuple[str, str]], clock: Callable[[], float] = time.time):
        self._fetch = fetch  # returns (token, expires_at ISO 8601)
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
            self._cache[installation_id] = _Cached(token, parse_time(expires_at))
            return token

    def forget(self, installation_id: int) -> None:
        """After an uninstall, or a 401 that says the token is no longer good."""
        with self._lock:
            self._cache.pop(installation_id, None)


def parse_time(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
