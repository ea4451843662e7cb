"""A worker process SIGKILLed in the middle of its jobs: another worker process takes them over
once their leases run out, completes their check runs, and posts nothing twice."""

from __future__ import annotations

import pytest
from tests.scale.scale_harness import WAIT, Pulls, completed_count, opened, runs_by_head
from tests.service.service_harness import review_comments, wait_until

pytestmark = pytest.mark.e2e

PULLS = 20


def test_a_worker_killed_mid_job_loses_nothing_and_posts_nothing_twice(fleet):
    pulls = Pulls(fleet.repo, PULLS)
    fleet.start_redis()
    sandbox = fleet.start_sandbox(pulls)
    # Hold the first two jobs in the middle: after their check runs exist, before any comment.
    sandbox.faults(rules=[{"kind": "latency", "ms": 4000, "count": 2, "method": "GET", "path": "/pulls/\\d+/files"}])
    fleet.add_web()
    doomed = fleet.add_worker({"MOCKGUARD_WORKERS": "2"})

    answers = fleet.send([opened(pulls, n) for n in range(1, PULLS + 1)])
    assert {status for _, status, _ in answers} == {202}
    held = wait_until(lambda: [r for r in sandbox.snapshot()["check_runs"] if r["status"] == "in_progress"],
                      "the worker to be in the middle of its jobs")
    fleet.add_worker()
    doomed.kill()

    wait_until(lambda: completed_count(sandbox.snapshot()) >= PULLS, "every check to complete", WAIT)
    state = sandbox.snapshot()
    runs = runs_by_head(state)
    assert len(state["check_runs"]) == PULLS  # the held runs were taken over, not left beside new ones
    for run in held:
        [taken_over] = runs[run["head_sha"]]
        assert taken_over["id"] == run["id"] and taken_over["conclusion"] == "failure"
    comments = review_comments(state)
    for n in range(1, PULLS + 1):
        assert [r["conclusion"] for r in runs[pulls.head(n)]] == ["failure"]
        assert len([c for c in comments if c["pull_number"] == n]) == 2, n
        assert len([r for r in state["reviews"] if r["pull_number"] == n]) == 1
        assert len([c for c in state["issue_comments"] if c["issue_number"] == n]) == 1
