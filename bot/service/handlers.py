"""One small handler per (event, action)."""

from __future__ import annotations

import logging

from bot.github.payloads import CheckRunEvent, CheckSuiteEvent, InstallationEvent, PullRequestEvent

from .jobs import Jobs
from .router import Event, Router

log = logging.getLogger("mockguard.handlers")
router = Router()


@router.register("pull_request", "opened")
@router.register("pull_request", "synchronize")
@router.register("pull_request", "reopened")
@router.register("pull_request", "ready_for_review")
def review_pull_request(event: Event, jobs: Jobs) -> None:
    e = PullRequestEvent.model_validate(event.payload)
    jobs.request_review(e.installation.id, e.repository.full_name, e.pull_request.number,
                        e.pull_request.head.sha, event.delivery)


@router.register("check_suite", "requested")
@router.register("check_suite", "rerequested")
def review_check_suite(event: Event, jobs: Jobs) -> None:
    e = CheckSuiteEvent.model_validate(event.payload)
    force = e.action == "rerequested"  # "Re-run all checks": do it again even if done
    for pull in e.check_suite.pull_requests:
        jobs.request_review(e.installation.id, e.repository.full_name, pull.number, e.check_suite.head_sha,
                            event.delivery, force=force)


@router.register("check_run", "rerequested")
@router.register("check_run", "requested_action")
def rerun_check(event: Event, jobs: Jobs) -> None:
    """The "Re-run" button: review the run's head again, even if it was done."""
    e = CheckRunEvent.model_validate(event.payload)
    pulls = e.check_run.pull_requests or (e.check_run.check_suite.pull_requests if e.check_run.check_suite else [])
    # GitHub leaves pull_requests empty for forks; the store knows which pull request had this head.
    numbers = [p.number for p in pulls] or jobs.store.pulls_for_head(e.repository.full_name, e.check_run.head_sha)
    for number in numbers:
        jobs.request_review(e.installation.id, e.repository.full_name, number, e.check_run.head_sha,
                            event.delivery, force=True)


@router.register("installation")
@router.register("installation_repositories")
def note_installation(event: Event, jobs: Jobs) -> None:
    e = InstallationEvent.model_validate(event.payload)
    # New repositories' open pull requests are picked up by the next reconcile scan.
    log.info("installation changed", extra={"installation": e.installation.id, "action": e.action})


@router.register("ping")
def pong(event: Event, jobs: Jobs) -> None:
    log.info("ping", extra={"zen": event.payload.get("zen")})
