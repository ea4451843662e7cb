"""Base texts are read at the pull request's merge base, where GitHub's patches count their lines,
not at the base branch's tip: after the base branch moved on, the tip's lines no longer match."""

from __future__ import annotations

import pytest
from tests.service.service_harness import INTEGRATION_PATH, payload, review_comments

pytestmark = pytest.mark.e2e

FORK_POINT_TEST = '''import httpx
from unittest.mock import patch


def test_order_sends_mail(live_server):
    with patch("shop.mailer.send") as send:
        httpx.post(f"{live_server}/orders", json={"sku": "A1"})
    send.assert_called_once()


def test_order_roundtrip(live_server):
    response = httpx.post(f"{live_server}/orders", json={"sku": "A1"})
    assert response.status_code == 201
'''

# The pull request moves the existing mock from one test to the other: nothing new.
MOVED_MOCK_TEST = '''import httpx
from unittest.mock import patch


def test_order_sends_mail(live_server):
    httpx.post(f"{live_server}/orders", json={"sku": "A1"})


def test_order_roundtrip(live_server):
    with patch("shop.mailer.send") as send:
        response = httpx.post(f"{live_server}/orders", json={"sku": "A1"})
    assert response.status_code == 201
    send.assert_called_once()
'''

# Meanwhile the base branch grows a docstring on top of the same file: every line moves down.
DOCSTRING = '"""Orders, end to end.\n\n' + "".join(f"Scenario {i}: described here.\n" for i in range(12)) + '"""\n'


def test_a_moved_mock_is_not_new_after_the_base_branch_moved_on(world):
    fork_point = world.repo.commit_files({INTEGRATION_PATH: FORK_POINT_TEST}, "orders test")
    world.repo.switch("feature")
    head = world.repo.commit_files({INTEGRATION_PATH: MOVED_MOCK_TEST}, "move the mail mock")
    world.repo.switch("main")
    base_tip = world.repo.commit_files({INTEGRATION_PATH: DOCSTRING + FORK_POINT_TEST}, "document the scenarios")
    assert world.repo.git("merge-base", base_tip, head) == fork_point

    sandbox, service = world.start(base_tip, head)
    service.post("pull_request", payload("pull_request.opened", base=base_tip, head=head))

    run = sandbox.completed_run(head)
    assert run["conclusion"] == "success", run["output"]
    assert review_comments(sandbox.state()) == []
