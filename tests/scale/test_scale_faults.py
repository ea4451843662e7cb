"""GitHub having a bad day during a burst over twenty pull requests: 500s, 502s after a write took
effect, and secondary rate limits. Everything still completes, nothing is posted twice, and a
rate limit pauses the whole fleet (both worker processes) for its Retry-After."""

from __future__ import annotations

from datetime import datetime

import pytest
from tests.scale.scale_harness import (
    WAIT,
    Pulls,
    completed_count,
    opened,
    runs_by_head,
    suite_requested,
)
from tests.service.service_harness import review_comments, wait_until

pytestmark = pytest.mark.e2e

PULLS = 20
RETRY_AFTER = 4

FAULTS = [
    {"kind": "error", "status": 500, "count": 6, "method": "GET", "path": "/pulls/\\d+$"},  # read by every job
    {"kind": "error", "status": 502, "count": 3, "method": "POST", "path": "/check-runs$"},
    # The comment is created, then the answer is lost: a blind retry would post it twice.
    {"kind": "error", "status": 502, "count": 2, "method": "POST", "path": "/issues/\\d+/comments$", "after": True},
    # One worker meets the limit; the other, busy with its own jobs, must hold off all the same.
    {"kind": "secondary_rate_limit", "status": 403, "retry_after": RETRY_AFTER, "count": 1, "method": "POST",
     "path": "/reviews$"},
]


def second(entry: dict) -> int:
    return int(datetime.strptime(entry["at"], "%Y-%m-%dT%H:%M:%SZ").timestamp())


def test_500s_and_secondary_rate_limits_during_a_burst_all_complete_within_the_throttle(fleet):
    pulls = Pulls(fleet.repo, PULLS)
    fleet.start_redis()
    sandbox = fleet.start_sandbox(pulls)
    sandbox.faults(rules=FAULTS)
    fleet.add_web(), fleet.add_web()
    fleet.add_worker(), fleet.add_worker()

    unique = [opened(pulls, n) for n in range(1, PULLS + 1)] + [suite_requested(pulls, n) for n in range(1, PULLS + 1)]
    answers = fleet.send(unique + unique[:20])  # and a redelivery of each opening
    assert {status for _, status, _ in answers} <= {202, 409}

    wait_until(lambda: completed_count(sandbox.snapshot()) >= PULLS, "every check to complete", WAIT)
    wait_until(lambda: sum(w.metric("mockguard_jobs_running") for w in fleet.workers) == 0, "idle workers")
    state = sandbox.snapshot(requests=True)
    assert all(rule["remaining"] == 0 for rule in state["faults"]["rules"]), state["faults"]  # every fault was hit

    runs = runs_by_head(state)
    comments = review_comments(state)
    for n in range(1, PULLS + 1):
        assert [r["conclusion"] for r in runs[pulls.head(n)]] == ["failure"], n
        assert len([c for c in comments if c["pull_number"] == n]) == 2, n
        assert len([r for r in state["reviews"] if r["pull_number"] == n]) == 1
        assert len([c for c in state["issue_comments"] if c["issue_number"] == n]) == 1

    # Within the throttle: after a secondary rate limit, no request of the installation reaches
    # GitHub until Retry-After has passed, from either worker. (The log has whole seconds; requests
    # already in flight when the limit answered may land in the next second.)
    api = [e for e in state["requests"] if e["path"].startswith("/repos/")]
    limits = [e for e in api if e["fault"] == "secondary_rate_limit"]
    assert len(limits) == 1
    for limit in limits:
        quiet = {second(limit) + k for k in range(2, RETRY_AFTER)}
        assert not [e for e in api if second(e) in quiet], (limit, quiet)
