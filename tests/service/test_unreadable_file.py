"""A file GitHub cannot serve (its blob answers 404) is named in the check and the rest of the pull
request is still checked; the check is then never `success` (issue 12). Real sandbox, real service.

The App reads a pull request with git first; here the sandbox refuses git (as a server with partial
clone disabled does), so the App falls back to the REST API, where the one blob is lost."""

from __future__ import annotations

import pytest
from tests.service.service_harness import payload

pytestmark = pytest.mark.e2e

READABLE = "tests/integration/test_orders.py"
LOST = "tests/integration/test_lost.py"
CLEAN = "def test_orders(live_server):\n    assert live_server.get('/orders').ok\n"
MOCKED = "from unittest.mock import patch\n\n\ndef test_orders(live_server):\n    with patch('shop.db.session'):\n        assert live_server.get('/orders').ok\n"


def start(world, head_files: dict[str, str]):
    base = world.repo.commit_files({READABLE: CLEAN, LOST: CLEAN}, "base")
    world.repo.switch("feature")
    head = world.repo.commit_files(head_files, "change")
    lost_blob = world.repo.git("rev-parse", f"{head}:{LOST}")
    sandbox, service = world.start(base, head)
    sandbox.faults(rules=[
        {"kind": "error", "status": 403, "count": None, "path": r"\.git/"},  # git refused: the REST fall-back
        {"kind": "error", "status": 404, "count": None, "method": "GET", "path": f"/git/blobs/{lost_blob}$"},
    ])
    assert service.post("pull_request", payload("pull_request.opened", base=base, head=head)).status_code == 202
    run = sandbox.completed_run(head)
    return run, run.get("output") or run


def test_an_unreadable_file_makes_the_check_neutral_and_is_listed(world):
    run, output = start(world, {READABLE: CLEAN + "\n# more\n", LOST: CLEAN + "\n# lost\n"})
    assert run["conclusion"] == "neutral"
    assert "1 not analysed" in output["title"]
    assert f"**Not analysed:** `{LOST}`" in output["summary"]
    assert "Checked 1 integration test file" in output["summary"]
    assert "could not read this pull request with git" in output["summary"]


def test_the_rest_is_still_checked_and_blocks(world):
    run, output = start(world, {READABLE: MOCKED, LOST: CLEAN + "\n# lost\n"})
    assert run["conclusion"] == "failure"
    assert output["title"].startswith("1 new mock in integration tests (1 blocking)")
    assert f"**Not analysed:** `{LOST}`" in output["summary"]
