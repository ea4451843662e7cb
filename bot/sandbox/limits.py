"""GitHub's documented rate limits, per installation (and for the App's JWT and anonymous callers).

Source: https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api (what
docs/sandbox.md quotes, with what the page leaves open and what the sandbox does there).

- Primary (`--rate-limit`, in edge.py): 5,000 requests per hour for an installation, counted down
  in the `x-ratelimit-*` headers; a conditional request answered 304 is not counted.
- Secondary (here): at most `concurrent` requests in flight, `points_per_minute` points per minute (a GET,
  HEAD or OPTIONS costs 1, any other method 5), `content_per_minute` and `content_per_hour`
  content-creating requests. A refused request costs nothing.

Every limit is a sliding window over the last minute or hour. 0 turns a limit off.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from dataclasses import dataclass

from . import errors

READ_METHODS = ("GET", "HEAD", "OPTIONS")


@dataclass(frozen=True)
class Limits:
    """The secondary limits of one caller."""

    concurrent: int = 100
    points_per_minute: int = 900
    content_per_minute: int = 80
    content_per_hour: int = 500

    @classmethod
    def off(cls) -> Limits:
        return cls(0, 0, 0, 0)


@dataclass(frozen=True)
class SecondaryForm:
    """How a secondary limit is answered; GitHub has been seen sending each of these forms.

    `403` or `429`; with `Retry-After` or without; with `x-ratelimit-remaining: 0` (and
    `x-ratelimit-reset` at the end of the wait) or with the primary limit's own counts."""

    status: int = 403
    retry_after: bool = True
    remaining_zero: bool = False

    @classmethod
    def parse(cls, text: str) -> SecondaryForm:
        """`403`, `429,retry-after`, `403,remaining-0`, `429,retry-after,remaining-0`, ..."""
        parts = [p.strip() for p in text.split(",") if p.strip()]
        if not parts or parts[0] not in ("403", "429"):
            raise ValueError(f"{text!r}: start with 403 or 429, then optionally retry-after and remaining-0")
        unknown = set(parts[1:]) - {"retry-after", "remaining-0"}
        if unknown:
            raise ValueError(f"{text!r}: unknown part(s) {', '.join(sorted(unknown))}; expected retry-after, remaining-0")
        return cls(int(parts[0]), "retry-after" in parts[1:], "remaining-0" in parts[1:])

    def describe(self) -> str:
        return ",".join([str(self.status)] + ["retry-after"] * self.retry_after + ["remaining-0"] * self.remaining_zero)


def points(method: str) -> int:
    return 1 if method.upper() in READ_METHODS else 5


def creates_content(method: str, path: str) -> bool:
    """UNDOCUMENTED which requests count: every POST except minting an installation token."""
    return method.upper() == "POST" and not path.endswith("/access_tokens")


class Window:
    """Weights spent in the last `span` seconds."""

    def __init__(self, span: float) -> None:
        self.span = span
        self.entries: deque[tuple[float, int]] = deque()
        self.total = 0

    def _trim(self, now: float) -> None:
        while self.entries and self.entries[0][0] <= now - self.span:
            self.total -= self.entries.popleft()[1]

    def wait(self, now: float, weight: int, limit: int) -> float:
        """0 if `weight` more fits under `limit` now, else the seconds until it would."""
        self._trim(now)
        if limit <= 0 or self.total + weight <= limit:
            return 0.0
        excess = self.total + weight - limit
        for at, spent in self.entries:
            excess -= spent
            if excess <= 0:
                return max(at + self.span - now, 0.001)
        return self.span

    def add(self, now: float, weight: int) -> None:
        self.entries.append((now, weight))
        self.total += weight


@dataclass
class Refusal:
    reason: str  # "concurrent", "points", "content_per_minute", "content_per_hour"
    wait: float  # seconds until the request would fit

    def error(self, form: SecondaryForm) -> errors.ApiError:
        return errors.secondary_rate_limit(form.status)

    def headers(self, form: SecondaryForm, now: float) -> dict[str, str]:
        seconds = max(1, math.ceil(self.wait))
        out = {}
        if form.retry_after:
            out["retry-after"] = str(seconds)
        if form.remaining_zero:
            # UNDOCUMENTED: with remaining 0 the docs say to wait until x-ratelimit-reset, so it is set to
            # the moment the request would fit.
            out["x-ratelimit-remaining"] = "0"
            out["x-ratelimit-reset"] = str(math.ceil(now + seconds))
        return out


class _Caller:
    def __init__(self) -> None:
        self.in_flight = 0
        self.points = Window(60)
        self.content_minute = Window(60)
        self.content_hour = Window(3600)


class SecondaryLimiter:
    """Admits or refuses one request of one caller (an installation, the App, anonymous)."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._callers: dict[str, _Caller] = {}
        self._lock = threading.Lock()

    def admit(self, key: str, method: str, path: str, now: float) -> Refusal | None:
        limits = self.limits
        cost = points(method)
        content = creates_content(method, path)
        with self._lock:
            caller = self._callers.setdefault(key, _Caller())
            if limits.concurrent and caller.in_flight >= limits.concurrent:
                return Refusal("concurrent", 1.0)
            wait = caller.points.wait(now, cost, limits.points_per_minute)
            if wait:
                return Refusal("points", wait)
            if content:
                for reason, window, limit in (("content_per_minute", caller.content_minute, limits.content_per_minute),
                                              ("content_per_hour", caller.content_hour, limits.content_per_hour)):
                    wait = window.wait(now, 1, limit)
                    if wait:
                        return Refusal(reason, wait)
            caller.in_flight += 1
            caller.points.add(now, cost)
            if content:
                caller.content_minute.add(now, 1)
                caller.content_hour.add(now, 1)
            return None

    def release(self, key: str) -> None:
        with self._lock:
            caller = self._callers.get(key)
            if caller is not None and caller.in_flight > 0:
                caller.in_flight -= 1

    def reset(self) -> None:
        with self._lock:
            self._callers.clear()
