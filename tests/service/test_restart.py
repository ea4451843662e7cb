"""A service killed in the middle of a job completes the check run after it is started again."""

from __future__ import annotations

import pytest
from tests.service.service_harness import mocked_change, payload, review_comments, wait_until

pytestmark = pytest.mark.e2e


def test_the_service_killed_during_a_job_completes_the_check_after_restart(world):
    base, head = mocked_change(world.repo)
    sandbox, service = world.start(base, head)
    # Hold the job in the middle: the file listing answers slowly, once.
    sandbox.faults(rules=[{"kind": "latency", "ms": 5000, "count": 1, "method": "GET", "path": "/pulls/\\d+/files"}])

    service.post("pull_request", payload("pull_request.opened", base=base, head=head))
    wait_until(lambda: [r for r in sandbox.check_runs(head) if r["status"] == "in_progress"],
               "the check run to be in progress")
    service.kill()
    assert [r["status"] for r in sandbox.check_runs(head)] == ["in_progress"]

    world.new_service()  # same data directory, same ledger and queue
    run = sandbox.completed_run(head)
    assert run["conclusion"] == "failure"
    state = sandbox.state()
    runs = [r for r in state["check_runs"] if r["head_sha"] == head]
    assert len(runs) == 1  # the hanging run was taken over, not left beside a new one
    assert len(state["reviews"]) == 1
    assert len(review_comments(state)) == 2
