"""`mockguard audit` on real git repositories: grouping by file and test with line ranges, tolerated
and suppressed sites listed as such, the rules file of the audited revision, --compare, every format."""

from __future__ import annotations

import json

from tests.support.processes import mockguard

CHAT = '''\
from unittest.mock import AsyncMock, patch

import pytest


@pytest.fixture
def fake_db():
    return AsyncMock()


@patch("app.chat.create_websocket_manager")
def test_push(manager, fake_db):
    assert manager


def test_history(client):
    with patch("app.chat.redis_client"):
        assert client.get("/history").ok


class TestThreads:
    def test_title(self, mocker):
        mocker.patch("app.threads.llm.complete")
        pass

    def test_real(self, live_app):
        assert live_app.get("/threads").ok
'''

PROFILE = '''\
def test_env(monkeypatch):
    monkeypatch.setenv("APP_MODE", "test")


def test_allowed():
    from unittest.mock import Mock
    client = Mock()  # mockguard: allow the payment sandbox has no test account
    assert client
'''

RULES = '''\
version: 1
tolerate:
  - target: "app.chat.redis_client"
    reason: redis is replaced in a later change
'''


def _audit(repo, *args):
    return mockguard("audit", "--repo", str(repo.root), *args)


def test_groups_sites_by_file_and_test_with_line_ranges(repo):
    repo.write("tests/integration/test_chat.py", CHAT)
    repo.write("tests/e2e/test_profile.py", PROFILE)
    repo.write("tests/unit/test_pricing.py", "from unittest.mock import patch\n\n@patch('app.x')\ndef test_p(x):\n    pass\n")
    repo.write(".github/mockguard.yml", RULES)
    repo.commit()

    run = _audit(repo, "--ref", "HEAD", "--format", "json")
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    assert doc["schema"] == "mockguard.audit/1"
    paths = [f["path"] for f in doc["files"]]
    assert paths == ["tests/integration/test_chat.py", "tests/e2e/test_profile.py"]  # most mocks first; unit tests never
    chat = doc["files"][0]
    scopes = {s["name"]: s for s in chat["scopes"]}
    assert scopes["fake_db"]["kind"] == "fixture" and (scopes["fake_db"]["start"], scopes["fake_db"]["end"]) == (6, 8)
    assert [site["line"] for site in scopes["fake_db"]["sites"]] == [8]
    assert scopes["test_push"]["kind"] == "test" and scopes["test_push"]["start"] == 11
    assert [(s["line"], s["rule"], s["target"]) for s in scopes["test_push"]["sites"]] == [(11, "MG101", "app.chat.create_websocket_manager")]
    assert scopes["TestThreads.test_title"]["sites"][0]["construct"] == "mocker.patch"
    assert "TestThreads.test_real" not in scopes  # no mock, not listed
    # the rules file of the audited revision tolerates one patch: listed, with its reason, not open
    history = scopes["test_history"]["sites"][0]
    assert history["status"] == "tolerated" and "later change" in history["reason"]
    assert chat["open"] == 3

    profile = {s["name"]: s for s in doc["files"][1]["scopes"]}
    assert profile["test_env"]["sites"][0]["status"] == "tolerated"  # environment, tolerated by default
    allowed = [s for s in profile["test_allowed"]["sites"] if s["construct"] == "Mock"]
    assert allowed[0]["status"] == "suppressed" and "payment sandbox" in allowed[0]["reason"]

    assert doc["summary"]["open"] == sum(doc["totals"]["category"].values())
    assert doc["totals"]["folder"]["tests/integration"] == 3
    assert doc["summary"]["files_scanned"] == 2


def test_text_markdown_and_sarif(repo, tmp_path):
    repo.write("tests/integration/test_chat.py", CHAT)
    repo.commit()
    text = _audit(repo, "--ref", "HEAD")
    assert text.returncode == 0
    assert "test test_push (lines 11-13)" in text.stdout
    assert "11: MG101 patch `app.chat.create_websocket_manager` [websocket]" in text.stdout

    markdown = _audit(repo, "--ref", "HEAD", "--format", "markdown")
    assert "## `tests/integration/test_chat.py`: 4 mocks" in markdown.stdout
    assert "- **test_push** (test, lines 11-13) mocks patch `app.chat.create_websocket_manager`" in markdown.stdout
    assert "How to write these websocket tests for real" in markdown.stdout and "```python" in markdown.stdout

    out = tmp_path / "audit.sarif"
    sarif = _audit(repo, "--ref", "HEAD", "--format", "sarif", "--output", str(out))
    assert sarif.returncode == 0 and sarif.stdout == ""
    log = json.loads(out.read_text())
    assert log["version"] == "2.1.0" and len(log["runs"][0]["results"]) == 4


def test_working_tree_is_the_default(repo):
    repo.write("tests/integration/test_chat.py", "def test_ok(live):\n    assert live\n")
    repo.commit()
    repo.write("tests/integration/test_chat.py", "from unittest import mock\n\ndef test_ok(live):\n    with mock.patch('app.db.session'):\n        assert live\n")
    repo.write("tests/integration/test_new.py", "from unittest.mock import MagicMock\nclient = MagicMock()\n")  # untracked
    doc = json.loads(_audit(repo, "--format", "json").stdout)
    assert doc["revision"] == "working tree"
    assert sorted((f["path"], f["open"]) for f in doc["files"]) == [("tests/integration/test_chat.py", 1), ("tests/integration/test_new.py", 1)]
    module = doc["files"][[f["path"] for f in doc["files"]].index("tests/integration/test_new.py")]["scopes"][0]
    assert module["kind"] == "module" and module["name"] == "(module level)"


def test_compare_lists_added_removed_and_moved(repo):
    repo.write("tests/integration/test_a.py", "from unittest.mock import patch\n\ndef test_a():\n    with patch('app.db.engine'):\n        pass\n\ndef test_b():\n    with patch('app.mail.send'):\n        pass\n")
    old = repo.commit("old")
    repo.write("tests/integration/test_a.py", "def test_b():\n    pass\n")
    repo.write("tests/integration/test_c.py", "from unittest.mock import patch\n\n\ndef test_a():\n    with patch('app.db.engine'):\n        pass\n\ndef test_c():\n    with patch('app.ws.manager'):\n        pass\n")
    repo.commit("new")
    run = _audit(repo, "--ref", "HEAD", "--compare", old, "--format", "json")
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    assert (doc["before"], doc["after"]) == (2, 2)
    assert [(s["path"], s["target"]) for s in doc["added"]] == [("tests/integration/test_c.py", "app.ws.manager")]
    assert [(s["path"], s["target"]) for s in doc["removed"]] == [("tests/integration/test_a.py", "app.mail.send")]
    assert [(m["from"]["path"], m["to"]["path"], m["to"]["line"]) for m in doc["moved"]] == [("tests/integration/test_a.py", "tests/integration/test_c.py", 5)]
    text = _audit(repo, "--ref", "HEAD", "--compare", old)
    assert text.stdout.startswith(f"integration-test mocks: 2 at {old[:12]} -> 2 at")


def test_bad_ref_and_broken_rules_file_exit_2(repo):
    repo.write("tests/integration/test_a.py", "def test_a():\n    pass\n")
    repo.write(".github/mockguard.yml", "version: 1\nfiles: {inclde: ['x']}\n")
    repo.commit()
    bad_ref = _audit(repo, "--ref", "nope")
    assert bad_ref.returncode == 2 and "nope" in bad_ref.stderr
    broken = _audit(repo, "--ref", "HEAD")
    assert broken.returncode == 2 and "inclde" in broken.stderr


def test_check_shows_the_mock_count_of_the_touched_files_before_and_after(repo):
    repo.change(
        {"tests/integration/test_a.py": "from unittest.mock import patch\n\ndef test_a():\n    with patch('app.db.engine'):\n        pass\n\ndef test_b():\n    with patch('app.mail.send'):\n        pass\n",
         "tests/integration/test_untouched.py": "from unittest.mock import MagicMock\nclient = MagicMock()\n"},
        {"tests/integration/test_a.py": "from unittest.mock import patch\n\ndef test_a():\n    with patch('app.db.engine'):\n        pass\n\ndef test_b(live_mail):\n    assert live_mail.outbox == []\n",
         "tests/integration/test_untouched.py": "from unittest.mock import MagicMock\nclient = MagicMock()\n"},
    )
    run = repo.check_change()
    assert run.returncode == 0, run.stderr
    assert run.report["mocks"] == {"before": 2, "after": 1}  # only the files the change touches
    text = repo.check("--base", "base", "--head", "head", fmt="text")
    assert "integration-test mocks in the files this change touches: 2 -> 1" in text.stdout


def test_summary_comment_carries_the_debt_line():
    from bot.engine.model import Report
    from bot.service.render import summary_comment

    body = summary_comment(Report(files_checked=("tests/integration/test_a.py",), mocks_before=41, mocks_after=38), "a" * 40, 0, 2)
    assert "Integration-test mocks in the files this change touches: 41 -> 38." in body


def test_the_audit_counts_mocks_not_tests_that_cannot_fail(repo):
    repo.write("tests/integration/test_ws.py", "import websockets\n\nasync def test_ws(url):\n    try:\n        async with websockets.connect(url) as ws:\n            await ws.send('x')\n    except Exception as error:\n        print(error)\n")
    repo.commit()
    doc = json.loads(_audit(repo, "--ref", "HEAD", "--format", "json").stdout)
    assert doc["summary"]["open"] == 0 and doc["files"] == []
