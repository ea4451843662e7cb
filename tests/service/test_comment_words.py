"""What the App posts reads right (issue 11, "Words"): a comment's first lines say what was mocked,
where and the one-line fix; a long template is folded; an e2e test is called one; a reason-less
`# mockguard: allow` is not counted as a new mock; counts use proper plurals; an allow comment on
the closing line of a multi-line call suppresses that call. Real sandbox, real service."""

from __future__ import annotations

import pytest
from tests.service.service_harness import REPO, payload, review_comments

pytestmark = pytest.mark.e2e

E2E = "tests/e2e/test_checkout.py"
BASE = "def test_checkout(live_server):\n    assert live_server.get('/checkout').ok\n"
HEAD = '''from unittest.mock import patch


def test_checkout(live_server):
    with patch("shop.db.session"):
        assert live_server.get("/checkout").ok
    with patch("shop.mailer.send"):  # mockguard: allow
        assert live_server.get("/mail").ok
    with patch(
        "shop.payments.charge",
        return_value=None,
    ):  # mockguard: allow the payment sandbox is down until OPS-9
        assert live_server.get("/pay").ok
'''


def test_comments_and_counts_read_right(world):
    base = world.repo.commit_files({E2E: BASE}, "base")
    world.repo.switch("feature")
    head = world.repo.commit_files({E2E: HEAD}, "mocks")
    sandbox, service = world.start(base, head)
    assert service.post("pull_request", payload("pull_request.opened", base=base, head=head)).status_code == 202
    run = sandbox.completed_run(head)
    title = (run.get("output") or run)["title"]
    # Two new mocks (the payments patch is allowed with a reason on its closing line); the
    # reason-less allow is named for what it is, not counted as a third mock.
    assert title == "2 new mocks in integration tests (2 blocking), 1 `# mockguard: allow` comment without a reason"
    summary = (run.get("output") or run)["summary"]
    assert "Checked 1 integration test file: 2 new mocks, 2 blocking" in summary and "(s)" not in summary

    state = sandbox.state()
    comments = {c["line"]: c["body"] for c in review_comments(state)}
    assert sorted(comments) == [5, 7]
    db = comments[5].splitlines()
    assert db[0] == f"**mockguard MG101** · new mock `patch` of `shop.db.session` (database) in an end-to-end test at `{E2E}:5`"
    assert db[1] == "**Fix:** Run the test against a real database through a fixture instead."
    body = comments[5]
    assert "<details><summary>Use a real connection instead: a " in body and "```python" in body
    assert body.index("<details><summary>Use a real connection") < body.index("```python")
    [summary_comment] = [c["body"] for c in state["issue_comments"] if "mockguard" in c["body"]]
    assert "2 new mocks in integration tests" in summary_comment and "mock(s)" not in summary_comment
    assert "1 `# mockguard: allow` comment without a reason" in summary_comment


CONFTEST = '''import pytest
from unittest.mock import MagicMock


@pytest.fixture
def mock_llm():
    client = MagicMock(spec=["complete"])
    return client
'''
ASKS = "def test_answer(mock_llm):\n    assert mock_llm.complete('hi')\n"


def test_a_mock_that_arrives_through_a_fixture_shows_its_chain_with_links(world):
    """Issue 15: the comment on a new test that requests a mocking fixture shows the chain (test ->
    fixture -> the line that builds the mock), each step a link to the line at the reviewed head."""
    path = "tests/integration/test_answers.py"
    base = world.repo.commit_files({"tests/conftest.py": CONFTEST, path: "def test_old():\n    pass\n"}, "base")
    world.repo.switch("feature")
    head = world.repo.commit_files({path: "def test_old():\n    pass\n\n\n" + ASKS}, "asks for the mock")
    sandbox, service = world.start(base, head)
    assert service.post("pull_request", payload("pull_request.opened", base=base, head=head)).status_code == 202
    assert sandbox.completed_run(head)["conclusion"] == "failure"

    [comment] = review_comments(sandbox.state())
    assert comment["line"] == 5 and comment["body"].startswith("**mockguard MG201**")
    [arrives] = [line for line in comment["body"].splitlines() if line.startswith("**How the mock arrives:**")]
    web = arrives.split("](", 1)[1].split("/blob/", 1)[0]  # the repository's web address, as GitHub gives it
    assert web.startswith("http://127.0.0.1:") and web.endswith(f"/{REPO}")
    assert arrives == (
        f"**How the mock arrives:** `test_answer` ([{path}:5]({web}/blob/{head}/{path}#L5))"
        f" → `mock_llm` ([tests/conftest.py:6]({web}/blob/{head}/tests/conftest.py#L6))"
        f" → `MagicMock` ([tests/conftest.py:7]({web}/blob/{head}/tests/conftest.py#L7))"
    )
