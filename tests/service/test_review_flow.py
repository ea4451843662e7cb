"""From delivery to check: comments land on the new mock lines, a later push resolves them, and
nothing is posted twice. Real sandbox, real service, signed deliveries."""

from __future__ import annotations

import json

import pytest
from tests.service.service_harness import (
    BASE_TEST,
    INTEGRATION_PATH,
    MOCKED_TEST,
    PR,
    UNIT_PATH,
    lines_with,
    mocked_change,
    payload,
    review_comments,
    wait_until,
)

pytestmark = pytest.mark.e2e


def test_new_mocks_get_inline_comments_on_their_lines_and_a_failing_check(world):
    base, head = mocked_change(world.repo)
    sandbox, service = world.start(base, head)

    delivery = "72d3162e-cc78-11e3-81ab-4c9367dc0958"
    response = service.post("pull_request", payload("pull_request.opened", base=base, head=head), delivery=delivery)
    assert response.status_code == 202

    run = sandbox.completed_run(head)
    assert run["conclusion"] == "failure"
    assert "2 new mocks" in (run.get("output") or run)["title"]

    state = sandbox.state()
    assert len(state["reviews"]) == 1
    assert state["reviews"][0]["state"] == "COMMENTED"
    comments = review_comments(state)
    expected = lines_with(MOCKED_TEST, 'patch("shop.')
    assert sorted((c["path"], c["line"], c["side"]) for c in comments) == [
        (INTEGRATION_PATH, line, "RIGHT") for line in expected]
    mail = next(c for c in comments if c["line"] == expected[0])
    assert "shop.mailer.send" in mail["body"]
    assert "mockguard: allow" in mail["body"]  # how to keep it on purpose
    assert "```python" in mail["body"]  # the real-connection template
    summaries = [c for c in state["issue_comments"] if "mockguard" in c["body"]]
    assert len(summaries) == 1

    # Read with git (a partial clone: the README's blob is never fetched), or, where the server
    # speaks no git, file by file over REST: then only the integration test's blobs, not the unit
    # test's, not the README's.
    unit_blob = world.repo.git("rev-parse", f"{head}:{UNIT_PATH}")
    paths = [r["path"] for r in state["requests"]]
    assert not [p for p in paths if unit_blob in p or UNIT_PATH in p or "README" in p]
    with_git = [r for r in state["requests"] if r["path"].endswith(".git/info/refs") and r["status"] == 200]
    assert with_git or [p for p in paths if "/git/blobs/" in p or "/contents/tests/integration" in p]

    # Logs: one JSON object per line, the delivery id on every line of the job, no secret anywhere.
    log = service.output()
    entries = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    job_lines = [e for e in entries if e["logger"] == "mockguard.job"]
    assert job_lines and all(e.get("delivery") == delivery for e in job_lines)
    assert world.secret not in log
    assert "PRIVATE KEY" not in log and "ghs_" not in log


def test_a_push_that_removes_the_mocks_turns_the_check_green_and_resolves_the_comments(world):
    base, head = mocked_change(world.repo)
    sandbox, service = world.start(base, head)
    service.post("pull_request", payload("pull_request.opened", base=base, head=head))
    assert sandbox.completed_run(head)["conclusion"] == "failure"

    fixed = world.repo.commit_files({INTEGRATION_PATH: BASE_TEST + "\n\ndef test_more(live_server):\n    assert live_server\n"},
                              "use the real thing")
    sandbox.push(PR, fixed)
    response = service.post("pull_request", payload("pull_request.synchronize", base=base, head=fixed))
    assert response.status_code == 202

    run = sandbox.completed_run(fixed)
    assert run["conclusion"] == "success"
    state = sandbox.state()
    comments = review_comments(state)
    assert len(comments) == 2  # edited, not deleted, and none added
    assert all("Resolved" in c["body"] for c in comments)
    assert len(state["reviews"]) == 1  # nothing new to say: no second review
    summaries = [c for c in state["issue_comments"] if "mockguard" in c["body"]]
    assert len(summaries) == 1  # edited in place
    assert "no new mocks" in summaries[0]["body"]
    assert "2 resolved" in summaries[0]["body"]


def test_a_redelivery_and_a_second_event_for_the_same_head_post_nothing_twice(world):
    base, head = mocked_change(world.repo)
    sandbox, service = world.start(base, head)

    opened = payload("pull_request.opened", base=base, head=head)
    first = service.post("pull_request", opened, delivery="0b2c1f3e-0000-4000-8000-000000000001")
    again = service.post("pull_request", opened, delivery="0b2c1f3e-0000-4000-8000-000000000001")
    assert (first.status_code, again.status_code) == (202, 202)
    assert again.json()["status"] == "duplicate"
    sandbox.completed_run(head)

    # A different delivery for the same head (GitHub sends check_suite.requested on the same push).
    service.post("check_suite", payload("check_suite.requested", base=base, head=head))
    service.post("pull_request", payload("pull_request.opened", base=base, head=head, action="reopened"))
    metrics = wait_until(lambda: _metric(service, 'mockguard_deliveries_received_total{event="pull_request",outcome="accepted"}') >= 2,
                         "the service to take the later deliveries")
    assert metrics

    state = sandbox.state()
    assert len([r for r in state["check_runs"] if r["head_sha"] == head]) == 1
    assert len(state["reviews"]) == 1
    assert len(review_comments(state)) == 2
    assert len([c for c in state["issue_comments"] if "mockguard" in c["body"]]) == 1


def _metric(service, name: str) -> float:
    for line in service.http.get("/metrics").text.splitlines():
        if line.startswith(name):
            return float(line.rsplit(" ", 1)[1])
    return 0.0
