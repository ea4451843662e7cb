"""What wraps every GitHub API answer: faults, GitHub's rate limits, conditional requests, headers, the log.

An ASGI middleware in front of the routes (it leaves `/_sandbox/*` alone):
- takes the request's faults (latency, then error / secondary rate limit / dropped connection);
- counts the request against its primary rate-limit bucket (per installation, the App's JWT,
  anonymous) and answers 403 "API rate limit exceeded" once the bucket is empty;
- admits it under the secondary limits (limits.py) or answers as GitHub does when one is exceeded;
- answers a GET whose `If-None-Match` matches the answer's `ETag` with 304 (not counted against
  the primary limit, as on GitHub) and puts `Location` on created resources (201);
- adds `x-ratelimit-*`, `x-github-request-id` and `x-github-media-type` to every answer;
- records method, path and status in the state's `requests` log.
git's smart HTTP (`/OWNER/NAME.git/...`) takes faults and is logged, without the REST API's limits.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import time
import uuid
from typing import Any

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import auth, errors
from .faults import FaultRule
from .limits import SecondaryLimiter
from .state import RateBucket, now_iso

SUPPORTED_API_VERSIONS = ("2022-11-28", "2026-03-10")
ABORT_KEY = "mockguard.sandbox.abort"
GIT_PATH = re.compile(r"^/[^/]+/[^/]+\.git/")  # git's smart HTTP (routes/git.py), not the REST API
ANONYMOUS_LIMIT = 60
WORKFLOW_LIMIT = 1000  # a workflow's GITHUB_TOKEN: 1,000 requests per hour per repository (the rate-limit page)
UNCOUNTED = ("/rate_limit",)  # GET /rate_limit does not count against the primary limit (docs/sandbox.md, [gh: rate-limits])


def _bucket(sandbox, key: str) -> RateBucket:
    if key == "anonymous":
        limit = ANONYMOUS_LIMIT
    elif key.startswith("workflow:"):
        limit = min(WORKFLOW_LIMIT, sandbox.cfg.rate_limit)
    else:
        limit = sandbox.cfg.rate_limit
    bucket = sandbox.state.rate.get(key)
    if bucket is None or bucket.limit != limit:
        bucket = sandbox.state.rate[key] = RateBucket(limit=limit, used=bucket.used if bucket else 0,
                                                      reset=bucket.reset if bucket else 0)
    bucket.roll(time.time())
    return bucket


def _snapshot(bucket: RateBucket) -> dict[str, int]:
    return {"limit": bucket.limit, "used": bucket.used, "remaining": bucket.remaining, "reset": bucket.reset}


def bucket_snapshot(sandbox, authorization: str | None) -> dict[str, int]:
    key, _ = auth.bucket_for(authorization, sandbox.state)
    with sandbox.state.lock:
        return _snapshot(_bucket(sandbox, key))


def rate_headers(rate: dict[str, int]) -> dict[str, str]:
    return {
        "x-ratelimit-limit": str(rate["limit"]),
        "x-ratelimit-remaining": str(rate["remaining"]),
        "x-ratelimit-reset": str(rate["reset"]),
        "x-ratelimit-used": str(rate["used"]),
        "x-ratelimit-resource": "core",
    }


def etag_of(body: bytes) -> str:
    return 'W/"' + hashlib.sha256(body).hexdigest()[:40] + '"'


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    wanted = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in wanted or etag.removeprefix("W/") in wanted


class Edge:
    def __init__(self, app: ASGIApp, sandbox) -> None:
        self.app = app
        self.sandbox = sandbox

    @property
    def limiter(self) -> SecondaryLimiter:
        return self.sandbox.limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/_sandbox"):
            await self.app(scope, receive, send)
            return
        sandbox = self.sandbox
        method, path = scope["method"], scope["path"]
        headers = Headers(scope=scope)
        entry: dict[str, Any] = {
            "method": method,
            "path": path,
            "query": scope.get("query_string", b"").decode("latin-1"),
            "status": None,
            "fault": None,
            "at": now_iso(),
        }
        started = time.monotonic()

        def done(status: int | None, fault_kind: str | None = None, served: int | None = None) -> None:
            entry["status"] = status
            entry["fault"] = fault_kind
            if served is not None:
                entry["served_status"] = served  # what the request did before its "after" fault
            entry["duration_ms"] = round((time.monotonic() - started) * 1000, 1)
            with sandbox.state.lock:
                sandbox.state.requests.append(entry)

        delay, fault = sandbox.faults.take(method, path)
        if GIT_PATH.match(path):
            entry["kind"] = "git"
            await self._serve(scope, receive, send, fault, {}, done, delay=delay, conditional=False)
            return

        key, installation_id = auth.bucket_for(headers.get("authorization"), sandbox.state)
        counted = path not in UNCOUNTED
        with sandbox.state.lock:
            bucket = _bucket(sandbox, key)
            exhausted = counted and bucket.remaining <= 0
            if counted and not exhausted:
                bucket.used += 1
            rate = _snapshot(bucket)
        scope["sandbox.rate_bucket"] = rate
        version = headers.get("x-github-api-version")
        extra = {
            **rate_headers(rate),
            "x-github-request-id": uuid.uuid4().hex[:20].upper(),
            "x-github-media-type": "github.v3; format=json",
            "x-github-api-version-selected": version if version in SUPPORTED_API_VERSIONS else SUPPORTED_API_VERSIONS[0],
        }

        def refund() -> None:
            """Give the request's primary point back (a 304, or a request the secondary limits refused)."""
            with sandbox.state.lock:
                bucket = _bucket(sandbox, key)
                bucket.used = max(bucket.used - 1, 0)
                extra.update(rate_headers(_snapshot(bucket)))

        if fault is not None and not fault.after:
            await self._serve(scope, receive, send, fault, extra, done, delay=delay, conditional=False)
            return

        refusal: errors.ApiError | None = None
        if not headers.get("user-agent"):
            refusal = errors.ApiError(
                403,
                "Request forbidden by administrative rules. Please make sure your request has a User-Agent header "
                "(https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required). Check "
                "https://developer.github.com for other possible causes.",
            )
        elif version is not None and version not in SUPPORTED_API_VERSIONS:
            # UNCONFIRMED wording; docs/sandbox.md's [gh: errors]: an unsupported version is answered with 400.
            refusal = errors.ApiError(400, f"API version {version} is not supported.",
                                         documentation_url="https://docs.github.com/rest/about-the-rest-api/api-versions")
        elif exhausted:
            refusal = errors.primary_rate_limit(installation_id)
        if refusal is not None:
            await self._send_json(send, refusal.status, refusal.body(), {**extra, **refusal.headers})
            done(refusal.status)
            return

        now = time.time()
        secondary = self.limiter.admit(key, method, path, now) if counted else None
        if secondary is not None:
            refund()
            form = sandbox.cfg.secondary_form
            error = secondary.error(form)
            entry["secondary_limit"] = secondary.reason
            await self._send_json(send, error.status, error.body(), {**extra, **secondary.headers(form, now)})
            done(error.status)
            return
        try:
            await self._serve(scope, receive, send, fault, extra, done, delay=delay, conditional=True,
                              refund=refund, if_none_match=headers.get("if-none-match"))
        finally:
            if counted:
                self.limiter.release(key)

    async def _serve(self, scope: Scope, receive: Receive, send: Send, fault: FaultRule | None,
                     extra: dict[str, str], done, *, delay: int, conditional: bool, refund=None,
                     if_none_match: str | None = None) -> None:
        """Serve the request (or its fault), adding `extra` headers; ETag, 304 and Location if `conditional`.

        The fault's latency is spent here, while the request counts as in flight (GitHub's work time)."""
        if delay:
            await asyncio.sleep(delay / 1000)
        if fault is not None and not fault.after:
            if fault.kind == "drop":
                done(None, "drop")
                await self._drop(scope)
                return
            status = await self._send_fault(send, fault, extra)
            done(status, fault.kind)
            return

        if fault is not None:  # after: the request takes effect, then the client sees the fault
            captured: dict[str, Any] = {}

            async def discard(message: Message) -> None:
                if message["type"] == "http.response.start":
                    captured["status"] = message["status"]

            await self.app(scope, receive, discard)
            if fault.kind == "drop":
                done(None, "drop", served=captured.get("status"))
                await self._drop(scope)
                return
            status = await self._send_fault(send, fault, extra)
            done(status, fault.kind, served=captured.get("status"))
            return

        result: dict[str, Any] = {}
        held: dict[str, Any] = {}
        method = scope["method"]

        def with_extra(message: Message, drop: tuple[bytes, ...] = ()) -> Message:
            raw = [(k, v) for k, v in message.get("headers", []) if k.lower() not in drop]
            present = {name.lower() for name, _ in raw}
            for name, value in extra.items():
                if name.encode() not in present:
                    raw.append((name.encode(), value.encode()))
            return {**message, "headers": raw}

        async def finish(start: Message, body: bytes) -> None:
            status = start["status"]
            added: list[tuple[bytes, bytes]] = []
            if status == 200 and method == "GET":
                etag = etag_of(body)
                if etag_matches(if_none_match, etag):
                    if refund is not None:
                        refund()
                    result["status"] = 304
                    headers = [(b"etag", etag.encode())]
                    await send(with_extra({"type": "http.response.start", "status": 304, "headers": headers}))
                    await send({"type": "http.response.body", "body": b""})
                    return
                added.append((b"etag", etag.encode()))
            if status == 201:
                try:
                    url = json.loads(body).get("url")
                except (ValueError, AttributeError):
                    url = None
                if isinstance(url, str):
                    added.append((b"location", url.encode()))
            start = with_extra({**start, "headers": list(start.get("headers", [])) + added})
            await send(start)
            await send({"type": "http.response.body", "body": body})

        async def respond(message: Message) -> None:
            if message["type"] == "http.response.start":
                result["status"] = message["status"]
                if conditional and (message["status"] == 201 or (message["status"] == 200 and method == "GET")):
                    held["start"], held["body"] = message, b""
                    return
                await send(with_extra(message))
                return
            if "start" in held and message["type"] == "http.response.body":
                held["body"] += message.get("body", b"")
                if not message.get("more_body"):
                    await finish(held.pop("start"), held.pop("body"))
                return
            await send(message)

        try:
            await self.app(scope, receive, respond)
        finally:
            done(result.get("status"))

    async def _send_fault(self, send: Send, fault: FaultRule, extra: dict[str, str]) -> int:
        status = int(fault.status or 500)
        if fault.kind == "secondary_rate_limit":
            error = errors.secondary_rate_limit(status)
            headers = dict(extra)
            if fault.retry_after is not None:
                headers["retry-after"] = str(fault.retry_after)
            if fault.remaining_zero:
                headers["x-ratelimit-remaining"] = "0"
        else:
            error = errors.server_error(status) if status >= 500 else errors.ApiError(status, "Error")
            headers = dict(extra)
        await self._send_json(send, status, error.body(), headers)
        return status

    @staticmethod
    async def _send_json(send: Send, status: int, body: dict[str, Any], headers: dict[str, str]) -> None:
        payload = json.dumps(body).encode()
        raw = [(b"content-type", b"application/json; charset=utf-8"), (b"content-length", str(len(payload)).encode())]
        raw += [(k.encode(), v.encode()) for k, v in headers.items()]
        await send({"type": "http.response.start", "status": status, "headers": raw})
        await send({"type": "http.response.body", "body": payload})

    @staticmethod
    async def _drop(scope: Scope) -> None:
        """Close the connection without an answer (needs the sandbox's uvicorn protocol)."""
        abort = scope.get("extensions", {}).get(ABORT_KEY)
        if abort is None:
            raise ConnectionAbortedError("dropped by a sandbox fault")
        abort()
        await asyncio.sleep(0.05)
