"""Faults for reliability tests: errors, secondary rate limits, dropped connections and latency.

A fault set is a list of rules plus a latency added to every GitHub API answer. Each request takes
every matching `latency` rule and then the first matching rule of another kind; a rule with a
`count` stops matching once used that many times (`count: null` matches forever).

JSON form, as `POST /_sandbox/faults` takes it and `GET /_sandbox/faults` shows it:

    {"latency_ms": 100,
     "rules": [
       {"kind": "error", "status": 502, "count": 2, "method": "POST", "path": "/check-runs$"},
       {"kind": "secondary_rate_limit", "status": 429, "retry_after": 1, "count": 1},
       {"kind": "secondary_rate_limit", "status": 403, "retry_after": null, "remaining_zero": false},
       {"kind": "drop", "count": 1, "after": true},
       {"kind": "latency", "ms": 3000, "count": 1}
     ]}

`path` is a regular expression searched in the request path; `method` is matched exactly.
A secondary rate limit sends `Retry-After: retry_after` (none when null) and, with `remaining_zero`
(the default), `x-ratelimit-remaining: 0`: every form GitHub is documented or seen to send.
`after: true` (error and drop only) lets the request take effect first and then answers with the
fault, as a gateway timeout after a write does on real GitHub: the client sees a failure for
something that happened, the case where a careless retry posts twice.
"""

from __future__ import annotations

import re
import threading
from dataclasses import asdict, dataclass
from typing import Any

KINDS = ("error", "secondary_rate_limit", "drop", "latency")


class FaultError(ValueError):
    pass


@dataclass
class FaultRule:
    kind: str
    count: int | None = 1
    status: int | None = None
    retry_after: int | None = 60
    remaining_zero: bool = True
    ms: int = 0
    method: str | None = None
    path: str | None = None
    after: bool = False
    used: int = 0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise FaultError(f"unknown fault kind {self.kind!r}; expected one of {', '.join(KINDS)}")
        if self.count is not None and self.count < 0:
            raise FaultError("count must be >= 0 or null")
        if self.status is None:
            self.status = 403 if self.kind == "secondary_rate_limit" else 500
        if self.kind == "secondary_rate_limit" and self.status not in (403, 429):
            raise FaultError("a secondary rate limit answers 403 or 429")
        if self.kind == "error" and not 400 <= self.status <= 599:
            raise FaultError("an error fault answers a 4xx or 5xx status")
        if self.after and self.kind not in ("error", "drop"):
            raise FaultError("after: true is for error and drop faults")
        if self.path is not None:
            try:
                re.compile(self.path)
            except re.error as error:
                raise FaultError(f"bad path pattern: {error}") from None
        if self.method is not None:
            self.method = self.method.upper()

    @property
    def remaining(self) -> int | None:
        return None if self.count is None else max(self.count - self.used, 0)

    def matches(self, method: str, path: str) -> bool:
        if self.remaining == 0:
            return False
        if self.method is not None and self.method != method:
            return False
        return self.path is None or re.search(self.path, path) is not None

    def as_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["remaining"] = self.remaining
        return out

    @classmethod
    def from_json(cls, data: Any) -> FaultRule:
        if not isinstance(data, dict):
            raise FaultError("each rule is a JSON object")
        allowed = {"kind", "count", "status", "retry_after", "remaining_zero", "ms", "method", "path", "after"}
        unknown = set(data) - allowed
        if unknown:
            raise FaultError(f"unknown rule keys: {', '.join(sorted(unknown))}")
        if "kind" not in data:
            raise FaultError("a rule needs a kind")
        try:
            return cls(**data)
        except TypeError as error:
            raise FaultError(str(error)) from None


class FaultSet:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.latency_ms = 0
        self.rules: list[FaultRule] = []

    def set(self, data: dict[str, Any], *, replace: bool = True) -> None:
        if not isinstance(data, dict):
            raise FaultError("faults are a JSON object")
        unknown = set(data) - {"latency_ms", "rules", "replace"}
        if unknown:
            raise FaultError(f"unknown keys: {', '.join(sorted(unknown))}")
        rules = [FaultRule.from_json(item) for item in data.get("rules", [])]
        latency = data.get("latency_ms")
        if latency is not None and (not isinstance(latency, int) or latency < 0):
            raise FaultError("latency_ms is a non-negative integer")
        with self._lock:
            if replace:
                self.rules = rules
                self.latency_ms = latency or 0
            else:
                self.rules.extend(rules)
                if latency is not None:
                    self.latency_ms = latency

    def clear(self) -> None:
        with self._lock:
            self.rules = []
            self.latency_ms = 0

    def take(self, method: str, path: str) -> tuple[int, FaultRule | None]:
        """Latency to add (ms) and the terminal fault, if any, for one request; uses them up."""
        with self._lock:
            delay = self.latency_ms
            terminal: FaultRule | None = None
            for rule in self.rules:
                if not rule.matches(method, path):
                    continue
                if rule.kind == "latency":
                    rule.used += 1
                    delay += rule.ms
                elif terminal is None:
                    rule.used += 1
                    terminal = rule
            return delay, terminal

    def as_json(self) -> dict[str, Any]:
        with self._lock:
            return {"latency_ms": self.latency_ms, "rules": [rule.as_json() for rule in self.rules]}
