"""What wraps every GitHub API answer: faults, the primary rate limit, GitHub's headers, the log.

An ASGI middleware in front of the routes (it leaves `/_sandbox/*` alone):
- takes the request's faults (latency, then error / secondary rate limit / dropped connection);
- counts the request against its rate-limit bucket (per installation, the App's JWT, anonymous)
  and answers 403 "API rate limit exceeded" once the bucket is empty;
- adds `x-ratelimit-*`, `x-github-request-id` and `x-github-media-type` to every answer;
- records method, path and status in the state's `requests` log.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import auth, errors
from .faults import FaultRule
from .state import RateBucket, now_iso

SUPPORTED_API_VERSIONS = ("2022-11-28", "2026-03-10")
ABORT_KEY = "mockguard.sandbox.abort"
ANONYMOUS_LIMIT = 60


def _bucket(sandbox, key: str) -> RateBucket:
    limit = ANONYMOUS_LIMIT if key == "anonymous" else sandbox.cfg.rate_limit
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


class Edge:
    def __init__(self, app: ASGIApp, sandbox) -> None:
        self.app = app
        self.sandbox = sandbox

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
        delay, fault = sandbox.faults.take(method, path)
        if delay:
            await asyncio.sleep(delay / 1000)

        key, installation_id = auth.bucket_for(headers.get("authorization"), sandbox.state)
        with sandbox.state.lock:
            bucket = _bucket(sandbox, key)
            exhausted = bucket.remaining <= 0 and path != "/rate_limit"
            if path != "/rate_limit" and not exhausted:
                bucket.used += 1
            rate = _snapshot(bucket)
        scope["sandbox.rate_bucket"] = rate
        version = headers.get("x-github-api-version")
        extra = {
            "x-ratelimit-limit": str(rate["limit"]),
            "x-ratelimit-remaining": str(rate["remaining"]),
            "x-ratelimit-reset": str(rate["reset"]),
            "x-ratelimit-used": str(rate["used"]),
            "x-ratelimit-resource": "core",
            "x-github-request-id": uuid.uuid4().hex[:20].upper(),
            "x-github-media-type": "github.v3; format=json",
            "x-github-api-version-selected": version if version in SUPPORTED_API_VERSIONS else SUPPORTED_API_VERSIONS[0],
        }

        def done(status: int | None, fault_kind: str | None = None) -> None:
            entry["status"] = status
            entry["fault"] = fault_kind
            entry["duration_ms"] = round((time.monotonic() - started) * 1000, 1)
            with sandbox.state.lock:
                sandbox.state.requests.append(entry)

        if fault is not None and not fault.after:
            if fault.kind == "drop":
                done(None, "drop")
                await self._drop(scope)
                return
            status = await self._send_fault(send, fault, extra)
            done(status, fault.kind)
            return

        refusal: errors.GitHubError | None = None
        if not headers.get("user-agent"):
            refusal = errors.GitHubError(
                403,
                "Request forbidden by administrative rules. Please make sure your request has a User-Agent header "
                "(https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required). Check "
                "https://developer.github.com for other possible causes.",
            )
        elif version is not None and version not in SUPPORTED_API_VERSIONS:
            # UNCONFIRMED wording; NOTES §3.15 says an unsupported version is answered with 400.
            refusal = errors.GitHubError(400, f"API version {version} is not supported.",
                                         documentation_url="https://docs.github.com/rest/about-the-rest-api/api-versions")
        elif exhausted:
            refusal = errors.primary_rate_limit(installation_id)
        if refusal is not None:
            await self._send_json(send, refusal.status, refusal.body(), {**extra, **refusal.headers})
            done(refusal.status)
            return

        if fault is not None and fault.after:
            captured: dict[str, Any] = {}

            async def discard(message: Message) -> None:
                if message["type"] == "http.response.start":
                    captured["status"] = message["status"]

            await self.app(scope, receive, discard)
            entry["served_status"] = captured.get("status")
            if fault.kind == "drop":
                done(None, "drop")
                await self._drop(scope)
                return
            status = await self._send_fault(send, fault, extra)
            done(status, fault.kind)
            return

        result: dict[str, Any] = {}

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                result["status"] = message["status"]
                raw = list(message.get("headers", []))
                present = {name.lower() for name, _ in raw}
                for name, value in extra.items():
                    if name.encode() not in present:
                        raw.append((name.encode(), value.encode()))
                message = {**message, "headers": raw}
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            done(result.get("status"))

    async def _send_fault(self, send: Send, fault: FaultRule, extra: dict[str, str]) -> int:
        status = int(fault.status or 500)
        if fault.kind == "secondary_rate_limit":
            error = errors.secondary_rate_limit(status)
            headers = {**extra, "retry-after": str(fault.retry_after), "x-ratelimit-remaining": "0"}
        else:
            error = errors.server_error(status) if status >= 500 else errors.GitHubError(status, "Error")
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
