

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
