"""Redis killed and started again while deliveries arrive: every delivery acknowledged (202)
before the crash still gets its check, because Redis runs with `appendonly yes` and
`appendfsync always` (docs/scale.md). Deliveries refused meanwhile are refused honestly (5xx, so
GitHub shows them failed) and pass when redelivered."""

from __future__ import annotations

import pytest
from tests.scale.scale_harness import WAIT, Pulls, completed_count, opened, runs_by_head
from tests.service.service_harness import review_comments, wait_until

pytestmark = pytest.mark.e2e

PULLS = 20


def test_deliveries_acknowledged_before_a_redis_crash_are_not_lost(fleet):
    pulls = Pulls(fleet.repo, PULLS)
    redis_server = fleet.start_redis()
    sandbox = fleet.start_sandbox(pulls, ["--latency-ms", "30"])  # jobs that take a while
    fleet.add_web(), fleet.add_web()
    fleet.add_worker(), fleet.add_worker()
    deliveries = [opened(pulls, n) for n in range(1, PULLS + 1)]

    before = fleet.send(deliveries[:10], clients=4)
    assert {status for _, status, _ in before} == {202}
    # Crash while the workers are in the middle of those ten (some done, most not).
    wait_until(lambda: completed_count(sandbox.snapshot()) > 0, "the workers to be under way")
    redis_server.crash()
    during = fleet.send(deliveries[10:14], clients=2)
    assert {status for _, status, _ in during} == {503}
    redis_server.start()  # the same directory: Redis replays its append-only file
    after = fleet.send(deliveries[14:], clients=4)
    assert {status for _, status, _ in after} == {202}
    again = fleet.send(deliveries[10:14], clients=2)  # the refused ones, redelivered
    assert {status for _, status, _ in again} == {202}

    def all_completed():
        runs = runs_by_head(sandbox.snapshot())
        return all(any(r["status"] == "completed" for r in runs.get(pulls.head(n), [])) for n in range(1, PULLS + 1))

    wait_until(all_completed, "a completed check for every pull request", WAIT)
    wait_until(lambda: sum(w.metric("mockguard_jobs_running") for w in fleet.workers) == 0, "idle workers")
    state = sandbox.snapshot()
    runs = runs_by_head(state)
    assert not [r for r in state["check_runs"] if r["status"] != "completed"]
    comments = review_comments(state)
    for n in range(1, PULLS + 1):
        assert [r["conclusion"] for r in runs[pulls.head(n)]] == ["failure"], n
        assert len([c for c in comments if c["pull_number"] == n]) == 2, n
        assert len([r for r in state["reviews"] if r["pull_number"] == n]) == 1
