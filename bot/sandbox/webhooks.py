"""Webhook deliveries for the sandbox's pull requests, shaped like GitHub's and signed like GitHub's.

Each payload starts from the real example GitHub sent for that event and action (unmodified copies
of octokit/webhooks' `payload-examples/api.github.com/` in `bot/sandbox/data/webhooks/`): every key of the example is kept,
at every level, and its value is replaced by the sandbox's own (repository, pull request, shas,
installation, App, check suite or run). Keys the example does not have are left out, so a payload
has exactly the example's keys; `organization` is present exactly when the owner is an organization.

Headers follow GitHub's (docs/sandbox.md, [gh: deliveries]): X-GitHub-Event, X-GitHub-Delivery (a new UUID, or the one given to
simulate a redelivery), X-GitHub-Hook-ID, X-GitHub-Hook-Installation-Target-ID/-Type,
User-Agent GitHub-Hookshot/..., and with a secret X-Hub-Signature-256 (and the SHA-1 variant).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import threading
import time
import uuid
from functools import lru_cache
from importlib import resources
from typing import Any

import httpx

from .checks import suite_for
from .core import Sandbox
from .shapes import node_id
from .state import Pull, now_iso

TEMPLATES: dict[tuple[str, str], str] = {
    ("pull_request", "opened"): "pull_request/opened.json",
    ("pull_request", "synchronize"): "pull_request/synchronize.json",
    ("pull_request", "reopened"): "pull_request/reopened.json",
    ("pull_request", "ready_for_review"): "pull_request/ready_for_review.json",
    ("pull_request", "converted_to_draft"): "pull_request/converted_to_draft.json",
    ("pull_request", "closed"): "pull_request/closed.json",
    ("check_suite", "requested"): "check_suite/requested.json",
    ("check_suite", "rerequested"): "check_suite/rerequested.json",
    ("check_run", "rerequested"): "check_run/rerequested.json",
    ("check_run", "requested_action"): "check_run/requested_action.json",
}
HOOKSHOT = "GitHub-Hookshot/5a3e2b1"


class DeliveryError(ValueError):
    """The delivery asked for cannot be built (unknown event, no such check run, ...)."""


@lru_cache(maxsize=None)
def template(event: str, action: str) -> dict[str, Any]:
    name = TEMPLATES.get((event, action))
    if name is None:
        known = ", ".join(f"{e} {a}" for e, a in TEMPLATES)
        raise DeliveryError(f"no payload for {event} {action}; known: {known}")
    text = resources.files("bot.sandbox").joinpath(f"data/webhooks/{name}").read_text(encoding="utf-8")
    return json.loads(text)


def overlay(example: Any, mine: Any) -> Any:
    """`mine`'s values in `example`'s shape: the example's keys at every level, nothing else."""
    if isinstance(example, dict) and isinstance(mine, dict):
        return {key: overlay(value, mine[key]) if key in mine else value for key, value in example.items()}
    if isinstance(example, list) and isinstance(mine, list):
        if example and isinstance(example[0], dict):
            return [overlay(example[0], item) if isinstance(item, dict) else item for item in mine]
        return mine
    return mine


def sign(secret: str, body: bytes) -> tuple[str, str]:
    """(X-Hub-Signature-256, X-Hub-Signature) for `body` under `secret`."""
    sha256 = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    sha1 = hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()
    return f"sha256={sha256}", f"sha1={sha1}"


def _pull(sandbox: Sandbox, number: int | None) -> Pull:
    with sandbox.state.lock:
        if number is None:
            if not sandbox.state.pulls:
                raise DeliveryError("the sandbox has no pull request")
            number = min(sandbox.state.pulls)
        pull = sandbox.state.pulls.get(number)
    if pull is None:
        raise DeliveryError(f"no pull request #{number}")
    return pull


def build_payload(
    sandbox: Sandbox,
    event: str,
    action: str,
    *,
    pull_number: int | None = None,
    head: str | None = None,
    base: str | None = None,
    check_run_id: int | None = None,
    check_suite_id: int | None = None,
    identifier: str | None = None,
) -> dict[str, Any]:
    """The payload GitHub would send; `head`/`base` move the pull request first (a push)."""
    example = template(event, action)
    render = sandbox.renderer()
    cfg = sandbox.cfg
    pull = _pull(sandbox, pull_number)
    before = pull.head_sha
    if head is not None or base is not None:
        try:
            before = sandbox.move_pull(pull, head=head, base=base)
        except ValueError as error:
            raise DeliveryError(str(error)) from None
    mine: dict[str, Any] = {
        "action": action,
        "repository": render.repository(),
        "installation": {"id": cfg.installation_id, "node_id": _installation_node(cfg.installation_id)},
        "sender": render.login_user(pull.author),
    }
    if event == "pull_request":
        with sandbox.state.lock:
            if action == "closed":
                pull.state = "closed"
            elif action == "reopened":
                pull.state = "open"
            elif action == "converted_to_draft":
                pull.draft = True
            elif action == "ready_for_review":
                pull.draft = False
        mine["number"] = pull.number
        mine["pull_request"] = render.pull(pull)
        if action == "synchronize":
            mine["before"] = before if before != pull.head_sha else (pull.previous_head or pull.base_sha)
            mine["after"] = pull.head_sha
    elif event == "check_suite":
        suite = None
        if check_suite_id is not None:
            suite = sandbox.state.check_suites.get(check_suite_id)
            if suite is None:
                raise DeliveryError(f"no check suite {check_suite_id}")
        else:
            suite = suite_for(sandbox, pull.head_sha)
        with sandbox.state.lock:
            if action == "rerequested":
                suite.reset = True  # a re-run resets the suite to queued (docs/sandbox.md, [gh: rerun])
            suite.before = suite.before or (pull.previous_head or pull.base_sha)
            suite.updated_at = now_iso()
        mine["check_suite"] = render.check_suite(suite)
    elif event == "check_run":
        with sandbox.state.lock:
            if check_run_id is not None:
                run = sandbox.state.check_runs.get(check_run_id)
                if run is None:
                    raise DeliveryError(f"no check run {check_run_id}")
            else:
                runs = [r for r in sandbox.state.check_runs.values() if r.head_sha == pull.head_sha]
                if not runs:
                    raise DeliveryError(f"no check run on the head of pull request #{pull.number} to rerequest")
                run = max(runs, key=lambda r: r.id)
            suite = sandbox.state.check_suites[run.suite_id]
        check_run = render.check_run(run)
        check_run["check_suite"] = render.check_suite(suite)
        mine["check_run"] = check_run
        if action == "requested_action":
            mine["requested_action"] = {"identifier": identifier or (run.actions[0]["identifier"] if run.actions else "")}
    else:
        raise DeliveryError(f"no payload for {event} {action}")
    payload = overlay(example, mine)
    if cfg.owner_type == "Organization":
        payload["organization"] = render.organization()
        # GitHub puts it before `sender`; keep the examples' order.
        payload = {k: payload[k] for k in _ordered_keys(example, payload)}
    else:
        payload.pop("organization", None)
    return payload


def _ordered_keys(example: dict[str, Any], payload: dict[str, Any]) -> list[str]:
    keys = [k for k in example if k in payload]
    if "organization" not in keys:
        at = keys.index("sender") if "sender" in keys else len(keys)
        keys.insert(at, "organization")
    return keys


def _installation_node(installation_id: int) -> str:
    return node_id("Integration::Installation", installation_id)


def prepare(sandbox: Sandbox, event: str, action: str, *, secret: str | None = None,
            delivery_id: str | None = None, **options: Any) -> tuple[dict[str, Any], bytes, dict[str, str]]:
    payload = build_payload(sandbox, event, action, **options)
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    headers = {
        "Content-Type": "application/json",
        "User-Agent": HOOKSHOT,
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery_id or str(uuid.uuid4()),
        "X-GitHub-Hook-ID": str(400_000_000 + sandbox.cfg.app_id),
        "X-GitHub-Hook-Installation-Target-ID": str(sandbox.cfg.app_id),
        "X-GitHub-Hook-Installation-Target-Type": "integration",
    }
    secret = secret if secret is not None else sandbox.cfg.secret()
    if secret:
        headers["X-Hub-Signature-256"], headers["X-Hub-Signature"] = sign(secret, body)
    return payload, body, headers


def _record(sandbox: Sandbox, result: dict[str, Any]) -> None:
    summary = {k: v for k, v in result.items() if k not in ("payload", "headers", "response_body")}
    with sandbox.state.lock:
        sandbox.state.deliveries.append(summary)


def _result(event: str, action: str, url: str | None, headers: dict[str, str], payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "delivery_id": headers["X-GitHub-Delivery"],
        "event": event,
        "action": action,
        "url": url,
        "status": None,
        "error": None,
        "at": now_iso(),
        "duration_ms": None,
        "headers": headers,
        "payload": payload,
        "response_body": None,
    }


def deliver_sync(sandbox: Sandbox, event: str, action: str, *, url: str | None = None, secret: str | None = None,
                 delivery_id: str | None = None, send: bool = True, timeout: float = 10.0,
                 **options: Any) -> dict[str, Any]:
    """Build, sign and POST one delivery (GitHub gives up after 10 s); returns what happened.

    The one delivery core: `deliver` runs it from the event loop, `deliver_in_background` from a thread."""
    payload, body, headers = prepare(sandbox, event, action, secret=secret, delivery_id=delivery_id, **options)
    url = url or sandbox.cfg.webhook_url
    result = _result(event, action, url, headers, payload)
    if not send:
        return result
    if not url:
        raise DeliveryError("no webhook URL: start the sandbox with --webhook-url or pass url")
    started = time.monotonic()
    try:
        with httpx.Client(timeout=timeout) as client:
            response = client.post(url, content=body, headers=headers)
        result["status"] = response.status_code
        result["response_body"] = response.text[:2000]
    except httpx.HTTPError as error:
        result["error"] = f"{type(error).__name__}: {error}"
    result["duration_ms"] = round((time.monotonic() - started) * 1000, 1)
    _record(sandbox, result)
    return result


async def deliver(sandbox: Sandbox, event: str, action: str, **options: Any) -> dict[str, Any]:
    """`deliver_sync` off the event loop (the App may call the sandbox back while it answers)."""
    return await asyncio.to_thread(deliver_sync, sandbox, event, action, **options)


def deliver_in_background(sandbox: Sandbox, event: str, action: str, **options: Any) -> None:
    """GitHub answers a rerequest at once and sends its webhook afterwards."""
    if sandbox.cfg.webhook_url:
        threading.Thread(target=deliver_sync, args=(sandbox, event, action), kwargs=options, daemon=True).start()
