"""A delivery that arrives after the pull request moved on: its check says so, and the new head
is the one reviewed."""

from __future__ import annotations

import pytest
from tests.service.service_harness import BASE_TEST, INTEGRATION_PATH, PR, mocked_change, payload, review_comments

pytestmark = pytest.mark.e2e


def test_a_late_delivery_for_an_old_head_completes_neutral_and_reviews_the_new_head(world):
    base, old = mocked_change(world.repo)
    new = world.repo.commit_files({INTEGRATION_PATH: BASE_TEST}, "drop the mocks again")
    sandbox, service = world.start(base, old)
    sandbox.push(PR, new)

    service.post("pull_request", payload("pull_request.opened", base=base, head=old))
    stale = sandbox.completed_run(old)
    assert stale["conclusion"] == "neutral"
    assert "Superseded" in stale["output"]["title"]
    current = sandbox.completed_run(new)
    assert current["conclusion"] == "success"
    assert review_comments(sandbox.state()) == []
