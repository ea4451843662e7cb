"""Check runs and suites, and commit statuses (the rules they follow live in bot/sandbox/checks.py)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from .. import errors
from ..checks import apply_check_fields, check_run_rules, suite_for
from ..core import GitHubJSON, paginated, require_commit
from ..deps import R, Body, ReadChecks, ReadStatuses, WriteChecks, WriteStatuses
from ..state import CheckRun, CommitStatus, now_iso
from ..webhooks import deliver_in_background

router = APIRouter()


@router.post(R + "/statuses/{sha}")
def post_status(ctx: WriteStatuses, body: Body, sha: str):
    sandbox = ctx.sandbox
    sha = require_commit(sandbox, sha)
    stamp = now_iso()
    status = CommitStatus(sandbox.state.next_id("status"), sha, body["state"], body.get("target_url"),
                          body.get("description"), body.get("context") or "default", stamp, stamp,
                          ctx.render.bot_login)
    with sandbox.state.lock:
        sandbox.state.statuses[status.id] = status
    return GitHubJSON(ctx.render.status(status), status_code=201)


@router.get(R + "/commits/{ref}/statuses")
def list_statuses(request: Request, ctx: ReadStatuses, ref: str):
    sandbox = ctx.sandbox
    sha = sandbox.resolve_ref(ref)
    if sha is None:
        raise errors.not_found()
    with sandbox.state.lock:
        items = sorted((s for s in sandbox.state.statuses.values() if s.sha == sha), key=lambda s: -s.id)
    return paginated(request, items, ctx.render.status, base=ctx.render.base)


@router.get(R + "/commits/{ref}/status")
def combined_status(ctx: ReadStatuses, ref: str):
    sandbox = ctx.sandbox
    sha = sandbox.resolve_ref(ref)
    if sha is None:
        raise errors.not_found()
    with sandbox.state.lock:
        latest: dict[str, CommitStatus] = {}
        for s in sorted((s for s in sandbox.state.statuses.values() if s.sha == sha), key=lambda s: s.id):
            latest[s.context] = s
    states = {s.state for s in latest.values()}
    overall = ("failure" if states & {"failure", "error"} else "pending" if "pending" in states or not states
               else "success")
    return GitHubJSON({
        "state": overall,
        "statuses": [ctx.render.status(s) for s in latest.values()],
        "sha": sha,
        "total_count": len(latest),
        "repository": ctx.render.repository(),
        "commit_url": f"{ctx.render.repo_url}/commits/{sha}",
        "url": f"{ctx.render.repo_url}/commits/{sha}/status",
    })


@router.post(R + "/check-runs")
def create_check_run(ctx: WriteChecks, body: Body):
    sandbox = ctx.sandbox
    check_run_rules(body)
    head_sha = require_commit(sandbox, body["head_sha"])
    suite = suite_for(sandbox, head_sha)
    run = CheckRun(
        id=sandbox.state.next_id("check_run"),
        suite_id=suite.id,
        name=body["name"],
        head_sha=head_sha,
        status="queued",
        conclusion=None,
        started_at=None,
        completed_at=None,
        details_url=None,
        external_id=None,
    )
    apply_check_fields(run, body, creating=True)
    if run.started_at is None:
        run.started_at = now_iso()
    with sandbox.state.lock:
        sandbox.state.check_runs[run.id] = run
        suite.reset = False
        suite.updated_at = now_iso()
    return GitHubJSON(ctx.render.check_run(run), status_code=201)


@router.get(R + "/check-runs/{check_run_id}")
def get_check_run(ctx: ReadChecks, check_run_id: int):
    sandbox = ctx.sandbox
    return GitHubJSON(ctx.render.check_run(sandbox.stored_or_404("check_runs", check_run_id)))


@router.patch(R + "/check-runs/{check_run_id}")
def update_check_run(ctx: WriteChecks, body: Body, check_run_id: int):
    sandbox = ctx.sandbox
    run = sandbox.stored_or_404("check_runs", check_run_id)
    check_run_rules(body)
    with sandbox.state.lock:
        apply_check_fields(run, body, creating=False)
        suite = sandbox.state.check_suites.get(run.suite_id)
        if suite is not None:
            suite.reset = False
            suite.updated_at = now_iso()
    return GitHubJSON(ctx.render.check_run(run))


@router.get(R + "/check-runs/{check_run_id}/annotations")
def list_annotations(request: Request, ctx: ReadChecks, check_run_id: int):
    sandbox = ctx.sandbox
    run = sandbox.stored_or_404("check_runs", check_run_id)
    return paginated(request, list(run.annotations), lambda a: ctx.render.annotation(run, a), base=ctx.render.base)


@router.post(R + "/check-runs/{check_run_id}/rerequest")
def rerequest_check_run(ctx: WriteChecks, check_run_id: int):
    sandbox = ctx.sandbox
    run = sandbox.stored_or_404("check_runs", check_run_id)
    deliver_in_background(sandbox, "check_run", "rerequested", check_run_id=run.id)
    return GitHubJSON({}, status_code=201)


@router.get(R + "/commits/{ref}/check-runs")
def list_check_runs_for_ref(request: Request, ctx: ReadChecks, ref: str):
    sandbox = ctx.sandbox
    sha = sandbox.resolve_ref(ref)
    if sha is None:
        raise errors.ApiError(422, f"No commit found for SHA: {ref}")
    q = request.query_params
    with sandbox.state.lock:
        runs = [r for r in sandbox.state.check_runs.values() if r.head_sha == sha]
    if q.get("check_name"):
        runs = [r for r in runs if r.name == q["check_name"]]
    if q.get("status"):
        runs = [r for r in runs if r.status == q["status"]]
    if q.get("app_id") and q["app_id"] != str(sandbox.cfg.app_id):
        runs = []
    runs.sort(key=lambda r: -r.id)
    if q.get("filter", "latest") == "latest":
        seen: set[str] = set()
        latest = []
        for r in runs:
            if r.name not in seen:
                seen.add(r.name)
                latest.append(r)
        runs = latest
    return paginated(request, runs, ctx.render.check_run, base=ctx.render.base, wrap="check_runs")


@router.post(R + "/check-suites")
def create_check_suite(ctx: WriteChecks, body: Body):
    sandbox = ctx.sandbox
    head_sha = require_commit(sandbox, body["head_sha"])
    with sandbox.state.lock:
        existed = any(s.head_sha == head_sha for s in sandbox.state.check_suites.values())
        suite = suite_for(sandbox, head_sha)
    return GitHubJSON(ctx.render.check_suite(suite), status_code=200 if existed else 201)


@router.get(R + "/check-suites/{check_suite_id}")
def get_check_suite(ctx: ReadChecks, check_suite_id: int):
    sandbox = ctx.sandbox
    return GitHubJSON(ctx.render.check_suite(sandbox.stored_or_404("check_suites", check_suite_id)))


@router.post(R + "/check-suites/{check_suite_id}/rerequest")
def rerequest_check_suite(ctx: WriteChecks, check_suite_id: int):
    sandbox = ctx.sandbox
    suite = sandbox.stored_or_404("check_suites", check_suite_id)
    with sandbox.state.lock:
        suite.reset = True
        suite.updated_at = now_iso()
    deliver_in_background(sandbox, "check_suite", "rerequested", check_suite_id=suite.id)
    return GitHubJSON({}, status_code=201)


@router.get(R + "/commits/{ref}/check-suites")
def list_check_suites_for_ref(request: Request, ctx: ReadChecks, ref: str):
    sandbox = ctx.sandbox
    sha = sandbox.resolve_ref(ref)
    if sha is None:
        raise errors.ApiError(422, f"No commit found for SHA: {ref}")
    with sandbox.state.lock:
        suites = sorted((s for s in sandbox.state.check_suites.values() if s.head_sha == sha), key=lambda s: s.id)
    return paginated(request, suites, ctx.render.check_suite, base=ctx.render.base, wrap="check_suites")
