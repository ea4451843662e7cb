"""The Re-run button (check_run rerequested) reviews the head again, without repeating comments."""

from __future__ import annotations

import pytest
from tests.service.service_harness import mocked_change, payload, review_comments

pytestmark = pytest.mark.e2e


def test_the_rerun_button_reruns_the_check_and_repeats_no_comment(world):
    base, head = mocked_change(world.repo)
    sandbox, service = world.start(base, head)
    service.post("pull_request", payload("pull_request.opened", base=base, head=head))
    first = sandbox.completed_run(head)

    rerun = payload("check_run.rerequested", base=base, head=head)
    rerun["check_run"]["id"] = first["id"]
    assert service.post("check_run", rerun).status_code == 202

    second = sandbox.completed_run(head, after=1)
    assert second["id"] != first["id"]
    assert second["conclusion"] == "failure"
    state = sandbox.state()
    assert len(state["reviews"]) == 1
    assert len(review_comments(state)) == 2
    assert len([c for c in state["issue_comments"] if "mockguard" in c["body"]]) == 1


def test_an_installation_token_github_stopped_taking_is_replaced_and_the_job_completes(world):
    base, head = mocked_change(world.repo)
    sandbox, service = world.start(base, head)
    service.post("pull_request", payload("pull_request.opened", base=base, head=head))
    first = sandbox.completed_run(head)

    expired = sandbox.http.post("/_sandbox/tokens/expire", json={}).json()["expired"]
    assert expired >= 1  # the service's cached token is now refused with 401
    rerun = payload("check_run.rerequested", base=base, head=head)
    rerun["check_run"]["id"] = first["id"]
    service.post("check_run", rerun)

    second = sandbox.completed_run(head, after=1)
    assert second["conclusion"] == "failure"
    assert any(r["status"] == 401 for r in sandbox.state()["requests"])
