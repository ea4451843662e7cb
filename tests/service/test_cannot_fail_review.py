"""The App carries MG3xx findings (tests that cannot fail) like mock findings, with their own words:
a review comment on the `except` line and a failing check. Real sandbox, real service, signed deliveries."""

from __future__ import annotations

import pytest
from tests.service.service_harness import payload, review_comments

pytestmark = pytest.mark.e2e

PATH = "tests/integration/test_chat.py"
SWALLOWING = """\
import websockets


async def test_chat(ws_url):
    try:
        async with websockets.connect(ws_url) as ws:
            await ws.send("hi")
    except Exception as e:
        print(f"unavailable: {e}")
"""


def test_a_swallowed_connection_error_gets_a_comment_and_fails_the_check(world):
    base = world.repo.commit_files({"README.md": "chat\n"}, "base")
    world.repo.switch("feature")
    head = world.repo.commit_files({PATH: SWALLOWING}, "wrap the client")
    sandbox, service = world.start(base, head)

    assert service.post("pull_request", payload("pull_request.opened", base=base, head=head)).status_code == 202

    run = sandbox.completed_run(head)
    assert run["conclusion"] == "failure"
    [comment] = review_comments(sandbox.state())
    assert (comment["path"], comment["line"]) == (PATH, 8)
    body = comment["body"]
    assert "**mockguard MG301** · a test that cannot fail (swallowed-connection-error)" in body
    assert "If the WebSocket server is down this test passes" in body
    assert "Let it fail, against a service the test run starts:" in body and "```python" in body
    assert "new mock" not in body
