"""The rules check runs and suites follow beyond their JSON schema, and the suite of a commit."""

from __future__ import annotations

from typing import Any

from . import errors
from .core import Sandbox
from .state import CheckRun, CheckSuite, now_iso


def annotation_errors(annotations: list[dict[str, Any]]) -> bool:
    """True if an annotation breaks a rule GitHub enforces beyond the schema (docs/sandbox.md, [gh: annotations])."""
    for a in annotations:
        if a["start_line"] < 1 or a["end_line"] < a["start_line"]:
            return True
        if ("start_column" in a or "end_column" in a) and a["start_line"] != a["end_line"]:
            return True
        if len(a.get("title") or "") > 255:
            return True
        if len(a["message"].encode()) > 65536 or len((a.get("raw_details") or "").encode()) > 65536:
            return True
    return False


def check_run_rules(body: dict[str, Any]) -> None:
    if body.get("conclusion") == "stale":
        # Only GitHub marks a run stale.
        raise errors.validation_failed([{"resource": "CheckRun", "code": "invalid", "field": "conclusion"}])
    if "completed_at" in body and "conclusion" not in body:
        raise errors.invalid_request(['"conclusion" wasn\'t supplied.'])
    output = body.get("output") or {}
    if annotation_errors(output.get("annotations") or []):
        raise errors.validation_failed([{"resource": "CheckRun", "code": "invalid", "field": "annotations"}])


def apply_check_fields(run: CheckRun, body: dict[str, Any], *, creating: bool) -> None:
    stamp = now_iso()
    for key in ("name", "details_url", "external_id", "started_at"):
        if key in body:
            setattr(run, key, body[key])
    if "status" in body:
        run.status = body["status"]
        if run.status != "completed":
            run.conclusion = None
            run.completed_at = None
    if "conclusion" in body:
        run.conclusion = body["conclusion"]
        run.status = "completed"
    if run.status == "completed":
        run.completed_at = body.get("completed_at") or run.completed_at or stamp
    elif creating and run.started_at is None:
        run.started_at = stamp
    output = body.get("output")
    if output is not None:
        if "title" in output:
            run.title = output["title"]
        if "summary" in output:
            run.summary = output["summary"]
        if "text" in output:
            run.text = output["text"]
        run.annotations.extend(dict(a) for a in output.get("annotations") or [])
        if "images" in output:
            run.images = list(output["images"])
    if "actions" in body:
        run.actions = list(body["actions"])


def suite_for(sandbox: Sandbox, head_sha: str) -> CheckSuite:
    with sandbox.state.lock:
        for suite in sandbox.state.check_suites.values():
            if suite.head_sha == head_sha:
                return suite
        stamp = now_iso()
        suite = CheckSuite(sandbox.state.next_id("check_suite"), head_sha, sandbox.head_branch_of(head_sha),
                           stamp, stamp, after=head_sha)
        sandbox.state.check_suites[suite.id] = suite
        return suite
