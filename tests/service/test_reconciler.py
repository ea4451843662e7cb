"""GitHub never redelivers a lost delivery: on start the service finds open pull requests whose head
has no completed mockguard check, and reviews them without any webhook."""

from __future__ import annotations

import json

import pytest
from tests.service.service_harness import REPO, mocked_change, review_comments, wait_until

pytestmark = pytest.mark.e2e


def test_on_start_an_open_pull_request_without_a_check_is_reviewed_without_a_delivery(world):
    base, head = mocked_change(world.repo)
    sandbox, service = world.start(base, head, settings={"MOCKGUARD_RECONCILE_INTERVAL": "600"})

    run = sandbox.completed_run(head)  # no delivery was sent
    assert run["conclusion"] == "failure"
    assert len(review_comments(sandbox.state())) == 2

    # Started again, it finds the completed check and queues nothing more.
    service.stop()
    again = world.new_service({"MOCKGUARD_RECONCILE_INTERVAL": "600"})
    # Both services append to one log file: wait for the second scan's line.
    scans = wait_until(lambda: _scans(again.output()) if len(_scans(again.output())) >= 2 else None,
                       "the reconcile scan after restart")
    assert [scan["queued"] for scan in scans] == [1, 0]
    assert len(sandbox.check_runs(head)) == 1


def _scans(log: str) -> list[dict]:
    return [json.loads(line) for line in log.splitlines() if '"reconcile done"' in line]


def test_the_periodic_scans_are_conditional_reads_answered_304(world):
    base, head = mocked_change(world.repo)
    sandbox, service = world.start(base, head, settings={"MOCKGUARD_RECONCILE_INTERVAL": "0.5"})
    sandbox.completed_run(head)  # the first scan found the pull request and reviewed it

    listings = ("/installation/repositories", f"/repos/{REPO}/pulls")

    def answered_304() -> list[dict] | None:
        reads = [e for e in sandbox.state()["requests"] if e["method"] == "GET" and e["path"] in listings]
        return reads if {e["path"] for e in reads if e["status"] == 304} == set(listings) else None

    reads = wait_until(answered_304, "a scan whose listings were answered 304")
    # The first scan got the listings; later ones sent their ETags, and nothing had changed.
    assert [e["status"] for e in reads if e["path"] == listings[0]][0] == 200
