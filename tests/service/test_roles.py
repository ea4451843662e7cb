"""The web and worker roles in separate processes, sharing the queue and ledger in the data dir."""

from __future__ import annotations

import pytest
from tests.service.service_harness import mocked_change, payload, review_comments

pytestmark = pytest.mark.e2e


def test_a_web_only_process_queues_and_a_separate_worker_process_completes_the_check(world):
    base, head = mocked_change(world.repo)
    sandbox, web = world.start(base, head, settings={"MOCKGUARD_WORKERS": "0"})

    assert web.post("pull_request", payload("pull_request.opened", base=base, head=head)).status_code == 202
    assert sandbox.check_runs(head) == []  # no worker in the web process
    assert web.http.get("/healthz").json()["queued"] == 1

    world.new_service(role="worker")
    run = sandbox.completed_run(head)
    assert run["conclusion"] == "failure"
    assert len(review_comments(sandbox.state())) == 2
