"""GitHub having a bad day: 500s, a secondary rate limit and a 502 that arrives after the write
took effect. The check still completes and nothing is posted twice."""

from __future__ import annotations

import pytest
from tests.service.service_harness import mocked_change, payload, review_comments, wait_until

pytestmark = pytest.mark.e2e


def test_500s_and_a_secondary_rate_limit_are_survived_with_nothing_posted_twice(world):
    base, head = mocked_change(world.repo)
    sandbox, service = world.start(base, head)
    sandbox.faults(rules=[
        {"kind": "error", "status": 500, "count": 2, "method": "GET", "path": "/pulls/\\d+/files"},
        {"kind": "error", "status": 502, "count": 1, "method": "POST", "path": "/check-runs$"},
        {"kind": "secondary_rate_limit", "status": 403, "retry_after": 1, "count": 1, "method": "POST",
         "path": "/reviews$"},
        # The comment is created, then the answer is lost: a blind retry would post it twice.
        {"kind": "error", "status": 502, "count": 1, "method": "POST", "path": "/issues/\\d+/comments$",
         "after": True},
        {"kind": "drop", "count": 1, "method": "GET", "path": "/contents/"},
        # The check is completed with its annotations, then the answer is lost.
        {"kind": "error", "status": 502, "count": 1, "method": "PATCH", "path": "/check-runs/\\d+$", "after": True},
    ])

    service.post("pull_request", payload("pull_request.opened", base=base, head=head))
    sandbox.completed_run(head)
    service.wait_jobs_finished(1)

    state = sandbox.state()
    run = next(r for r in state["check_runs"] if r["head_sha"] == head)
    assert run["conclusion"] == "failure"
    assert len([r for r in state["check_runs"] if r["head_sha"] == head]) == 1
    assert not [r for r in state["check_runs"] if r["status"] != "completed"]
    assert len(state["reviews"]) == 1
    assert len(review_comments(state)) == 2
    assert len([c for c in state["issue_comments"] if "mockguard" in c["body"]]) == 1
    assert len(run["annotations"]) == 2  # never a batch twice


def test_a_job_that_keeps_failing_completes_its_check_with_an_explanation(world):
    base, head = mocked_change(world.repo)
    sandbox, service = world.start(base, head, settings={"MOCKGUARD_JOB_ATTEMPTS": "2",
                                                         "MOCKGUARD_GITHUB_ATTEMPTS": "2",
                                                         "MOCKGUARD_JOB_RETRY_DELAY": "0.2"})
    # The pull request itself cannot be read, whether the files then come through git or REST.
    sandbox.faults(rules=[{"kind": "error", "status": 503, "count": None, "method": "GET",
                           "path": "/pulls/\\d+$"}])

    service.post("pull_request", payload("pull_request.opened", base=base, head=head))
    run = sandbox.completed_run(head)
    assert run["conclusion"] == "neutral"
    output = run.get("output") or run
    assert "could not" in output["title"]
    assert "503" in output["summary"]


# Every form of GitHub's secondary rate limit (its documentation and real answers): 403 or 429, with
# or without Retry-After, with the remaining count at 0 or not. The App recognises each (by the
# message when no header says it), waits as documented and completes the check, never `neutral`.
SECONDARY_FORMS = [
    pytest.param(403, 1, True, id="403-retry-after"),
    pytest.param(429, 1, False, id="429-retry-after-remaining-left"),
    pytest.param(403, None, False, id="403-message-only"),
    pytest.param(429, None, False, id="429-no-headers"),
]


@pytest.mark.parametrize("status, retry_after, remaining_zero", SECONDARY_FORMS)
def test_every_form_of_the_secondary_rate_limit_is_waited_out(world, status, retry_after, remaining_zero):
    base, head = mocked_change(world.repo)
    # GitHub asks for at least a minute when it names no wait; the test shortens that minute.
    sandbox, service = world.start(base, head, settings={"MOCKGUARD_SECONDARY_LIMIT_WAIT": "1"})
    sandbox.faults(rules=[{"kind": "secondary_rate_limit", "status": status, "retry_after": retry_after,
                           "remaining_zero": remaining_zero, "count": 1, "method": "POST", "path": "/reviews$"}])

    service.post("pull_request", payload("pull_request.opened", base=base, head=head))
    run = sandbox.completed_run(head)
    assert run["conclusion"] == "failure"
    state = sandbox.state()
    assert state["faults"]["rules"][0]["remaining"] == 0  # the limit was met
    assert len(state["reviews"]) == 1
    assert len(review_comments(state)) == 2


def test_a_secondary_limit_with_nothing_left_puts_the_job_off_until_the_reset(world):
    """Remaining 0 and no Retry-After: GitHub says wait until `x-ratelimit-reset` (here the sandbox's
    hourly window), longer than a job may block: the job is put off, its check left in progress."""
    base, head = mocked_change(world.repo)
    sandbox, service = world.start(base, head)
    sandbox.faults(rules=[{"kind": "secondary_rate_limit", "status": 403, "retry_after": None,
                           "remaining_zero": True, "count": 1, "method": "POST", "path": "/reviews$"}])

    service.post("pull_request", payload("pull_request.opened", base=base, head=head))
    wait_until(lambda: service.metric("mockguard_jobs_failed_total") >= 1, "the job to be put off")
    assert [r["status"] for r in sandbox.check_runs(head)] == ["in_progress"]
    assert "rate limit resets in" in service.output()
    assert sandbox.state()["reviews"] == []
