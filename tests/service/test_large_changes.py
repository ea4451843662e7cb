"""What GitHub leaves out: a file without `patch`, a pull request past the files listing, more
than 50 annotations, and a review GitHub refuses with 422. None of it may pass silently or lose
a finding. The first two are about the REST fall-back (git reads neither listing nor patches), so
they run with git turned off."""

from __future__ import annotations

import pytest
from tests.service.service_harness import BASE_TEST, INTEGRATION_PATH, MOCKED_TEST, mocked_change, payload, review_comments

pytestmark = pytest.mark.e2e
REST_ONLY = {"MOCKGUARD_GIT_FETCH": "false"}


def test_a_file_without_a_patch_is_diffed_locally_and_its_findings_go_in_the_review_body(world):
    base, head = mocked_change(world.repo)
    sandbox, service = world.start(base, head, sandbox_args=["--max-patch-lines", "3"], settings=REST_ONLY)

    service.post("pull_request", payload("pull_request.opened", base=base, head=head))
    run = sandbox.completed_run(head)
    assert run["conclusion"] == "failure"  # unknown is never clean
    assert "diffed locally" in run["output"]["summary"]
    state = sandbox.state()
    assert review_comments(state) == []  # no hunk to anchor a comment on
    body = state["reviews"][0]["body"]
    assert body.count(f"{INTEGRATION_PATH}:") == 2


def test_files_past_the_listing_limit_are_read_through_the_git_data_api(world):
    repo = world.repo
    base = repo.commit_files({INTEGRATION_PATH: BASE_TEST, "README.md": "shop\n"}, "base")
    repo.switch("feature")
    head = repo.commit_files({INTEGRATION_PATH: MOCKED_TEST, "README.md": "shop, now with mocks\n"}, "add mocks")
    sandbox, service = world.start(base, head, sandbox_args=["--max-files", "1"],  # lists README.md only
                                   settings=REST_ONLY)

    service.post("pull_request", payload("pull_request.opened", base=base, head=head))
    run = sandbox.completed_run(head)
    assert run["conclusion"] == "failure"
    assert "git data API" in run["output"]["summary"]
    assert len(run["annotations"]) == 2


def test_more_than_50_findings_get_all_their_annotations_in_batches(world):
    repo = world.repo
    base = repo.commit_files({INTEGRATION_PATH: BASE_TEST}, "base")
    repo.switch("feature")
    many = BASE_TEST.replace("import httpx\n", "import httpx\nfrom unittest.mock import patch\n") + "".join(
        f"\n\ndef test_area_{i}(live_server):\n    with patch('shop.area{i}.send'):\n        httpx.get(live_server)\n"
        for i in range(60))
    head = repo.commit_files({INTEGRATION_PATH: many}, "sixty mocks")
    sandbox, service = world.start(base, head)

    service.post("pull_request", payload("pull_request.opened", base=base, head=head))
    run = sandbox.completed_run(head)
    assert run["conclusion"] == "failure"
    assert run["output"]["title"].startswith("60 new mocks")
    annotations = run["annotations"]
    assert len(annotations) == 60
    assert len({a["start_line"] for a in annotations}) == 60  # each once
    assert len(review_comments(sandbox.state())) == 60


def test_a_review_refused_with_422_is_sent_again_without_losing_a_comment(world):
    base, head = mocked_change(world.repo)
    sandbox, service = world.start(base, head)
    sandbox.faults(rules=[{"kind": "error", "status": 422, "count": 1, "method": "POST", "path": "/reviews$"}])

    service.post("pull_request", payload("pull_request.opened", base=base, head=head))
    assert sandbox.completed_run(head)["conclusion"] == "failure"
    state = sandbox.state()
    assert len(state["reviews"]) == 1
    assert len(review_comments(state)) == 2
