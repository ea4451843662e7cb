"""`mockguard demo` end to end on its sample pull request: real git, real keys, sandbox and serve as
real processes, a signed webhook; checked from the command's output only."""

from __future__ import annotations

import json
import re

import pytest

from .demo_process import (CHAT, MOVED, PRICING, SUPPRESSED, TOLERATED_ENV, UNIT_MOCK, expected_comments, line_of,
                           refuses_connections, run_demo, sample_line)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("demo")
    done = run_demo(tmp_path, "--json", str(tmp_path / "result.json"))
    assert done.returncode == 0, done.stdout + done.stderr
    return tmp_path, done.stdout, json.loads((tmp_path / "result.json").read_text())


def test_the_check_fails_with_its_title(demo):
    _, _, result = demo
    run = result["check_run"]
    assert (run["name"], run["status"], run["conclusion"]) == ("mockguard", "completed", "failure")
    assert run["title"] == "3 new mocks in integration tests (3 blocking)"
    assert {(a["path"], a["start_line"]) for a in run["annotations"]} == \
        {(path, line) for path, line, _ in expected_comments()}


def test_exactly_the_expected_comments_on_exactly_their_lines(demo):
    _, _, result = demo
    got = {(c["path"], c["line"], c["rule"]) for c in result["comments"]}
    assert got == expected_comments()
    assert len(result["comments"]) == 3
    for comment in result["comments"]:
        assert comment["code"] == sample_line(comment["path"], comment["line"])  # the head's line
        assert f"**mockguard {comment['rule']}**" in comment["body"]


@pytest.mark.parametrize("where", [TOLERATED_ENV, SUPPRESSED, MOVED, UNIT_MOCK], ids=["env", "allowed", "moved", "unit"])
def test_no_comment_on(demo, where):
    _, _, result = demo
    path, code = where
    line = line_of(path, code)
    assert (path, line) not in {(c["path"], c["line"]) for c in result["comments"]}
    assert all(c["path"] != PRICING for c in result["comments"])


def test_the_env_patch_is_listed_as_tolerated_and_the_allowed_one_as_suppressed(demo):
    _, output, result = demo
    env_line, allowed_line = line_of(*TOLERATED_ENV), line_of(*SUPPRESSED)
    assert [(t["path"], t["line"], t["construct"]) for t in result["tolerated"]] == \
        [(CHAT, env_line, "monkeypatch.setenv")]
    assert [(s["path"], s["line"], s["reason"]) for s in result["suppressed"]] == \
        [(CHAT, allowed_line, "the mail relay has no test instance (OPS-12)")]
    assert re.search(rf"tolerated\s+{re.escape(CHAT)}:{env_line}\s+monkeypatch.setenv CHAT_REGION", output)
    assert re.search(rf"allowed\s+{re.escape(CHAT)}:{allowed_line}\s+patch app.mailer.send", output)


def test_the_terminal_shows_each_comment_as_github_would_in_plain_text(demo):
    _, output, result = demo
    assert "\x1b[" not in output  # NO_COLOR and no terminal: plain text
    assert "check mockguard: failure · 3 new mocks in integration tests (3 blocking)" in output
    lines = output.splitlines()
    for path, line, rule in expected_comments():
        at = lines.index(f"{path}:{line}")
        code = sample_line(path, line).strip()
        assert lines[at + 1].split(maxsplit=1) == [str(line), code]
        assert f"mockguard {rule} · new mock" in lines[at + 2]
    assert result["page_url"] in output
    assert re.search(r"From start to result: \d+\.\d s", output)


def test_everything_started_is_stopped_and_no_file_remains(demo):
    tmp_path, _, result = demo
    assert refuses_connections(result["sandbox_url"] + "/_sandbox/state")
    assert refuses_connections(result["service_url"] + "/healthz")
    assert list((tmp_path / "tmpdir").iterdir()) == []


def test_the_summary_comment_and_review_were_posted(demo):
    _, _, result = demo
    assert len(result["summary_comments"]) == 1
    assert "3 new mocks in integration tests" in result["summary_comments"][0]
    assert result["review_bodies"] == [result["review_bodies"][0]]
    assert "found 3 new mocks" in result["review_bodies"][0]
