"""The rules file comes from the base branch; a broken one fails the check and names the line."""

from __future__ import annotations

import pytest
from tests.service.service_harness import BASE_TEST, INTEGRATION_PATH, MOCKED_TEST, payload

pytestmark = pytest.mark.e2e

BROKEN = "version: 1\nfail_on: sometimes\n"


def test_a_broken_rules_file_on_the_base_branch_fails_the_check_and_names_the_line(world):
    repo = world.repo
    base = repo.commit_files({INTEGRATION_PATH: BASE_TEST, ".github/mockguard.yml": BROKEN}, "base with a typo")
    repo.switch("feature")
    head = repo.commit_files({INTEGRATION_PATH: MOCKED_TEST}, "add mocks")
    sandbox, service = world.start(base, head)

    service.post("pull_request", payload("pull_request.opened", base=base, head=head))
    run = sandbox.completed_run(head)
    assert run["conclusion"] == "failure"
    output = run.get("output") or run
    assert ".github/mockguard.yml" in output["title"]
    assert ".github/mockguard.yml:2" in output["summary"]
    assert "expected" in output["summary"]


def test_a_pull_request_cannot_relax_its_own_gate_and_its_broken_rules_file_is_reported(world):
    repo = world.repo
    base = repo.commit_files({INTEGRATION_PATH: BASE_TEST}, "base")
    repo.switch("feature")
    # The pull request adds mocks AND a rules file that would switch the gate off and is broken.
    head = repo.commit_files({INTEGRATION_PATH: MOCKED_TEST, ".github/mockguard.yml": "fail_on: never\nseverty: {}\n"},
                       "add mocks and relax the gate")
    sandbox, service = world.start(base, head)

    service.post("pull_request", payload("pull_request.opened", base=base, head=head))
    run = sandbox.completed_run(head)
    assert run["conclusion"] == "failure"  # the base branch's (default) rules still apply
    output = run.get("output") or run
    assert "is broken" in output["summary"]
    assert ".github/mockguard.yml:2" in output["summary"]


def test_an_unparsable_test_file_gives_a_notice_in_the_check_never_a_crash(world):
    repo = world.repo
    base = repo.commit_files({INTEGRATION_PATH: BASE_TEST}, "base")
    repo.switch("feature")
    broken = ("import httpx\nfrom unittest.mock import patch\n\n\ndef test_half_written(live_server:\n"
              "    with patch('shop.mailer.send'):\n        assert httpx.get(live_server)\n")
    head = repo.commit_files({"tests/integration/test_broken.py": broken}, "a test that does not parse")
    sandbox, service = world.start(base, head)

    service.post("pull_request", payload("pull_request.opened", base=base, head=head))
    run = sandbox.completed_run(head)
    assert run["conclusion"] == "failure"  # its mock is still found, from tokens
    assert "tests/integration/test_broken.py" in run["output"]["summary"]
    assert "does not parse" in run["output"]["summary"]


def test_a_rules_file_naming_a_missing_template_is_a_broken_rules_file_never_the_builtin_one(world):
    repo = world.repo
    rules = "version: 1\ntemplates:\n  generic: tests/templates/ours.py\n"
    base = repo.commit_files({INTEGRATION_PATH: BASE_TEST, ".github/mockguard.yml": rules}, "rules naming a template")
    repo.switch("feature")
    head = repo.commit_files({INTEGRATION_PATH: MOCKED_TEST}, "add mocks")
    sandbox, service = world.start(base, head)

    service.post("pull_request", payload("pull_request.opened", base=base, head=head))
    run = sandbox.completed_run(head)
    assert run["conclusion"] != "success"
    output = run.get("output") or run
    assert ".github/mockguard.yml" in output["title"]
    assert ".github/mockguard.yml:3:12: templates.generic: the template file 'tests/templates/ours.py' does not exist" \
        in output["summary"]


TOLERATES_MAILER = "version: 1\ntolerate:\n  - target: 'shop.*'\n    reason: the mail relay and socket server have no test instance\n"


def test_a_broken_rules_file_on_the_base_locks_nobody_out_the_last_version_that_loads_judges(world):
    repo = world.repo
    good = repo.commit_files({INTEGRATION_PATH: BASE_TEST, ".github/mockguard.yml": TOLERATES_MAILER}, "rules that load")
    repo.commit_files({"README.md": "shop\n"}, "unrelated")
    base = repo.commit_files({".github/mockguard.yml": BROKEN}, "a typo in the rules")
    repo.switch("feature")
    head = repo.commit_files({INTEGRATION_PATH: MOCKED_TEST}, "mocks the old rules tolerate")
    sandbox, service = world.start(base, head)

    service.post("pull_request", payload("pull_request.opened", base=base, head=head))
    run = sandbox.completed_run(head)
    assert run["conclusion"] == "neutral"  # nothing blocks under the old rules, but never `success`
    output = run.get("output") or run
    assert ".github/mockguard.yml:2:10" in output["title"] and f"from commit {good[:7]}" in output["title"]
    assert ".github/mockguard.yml:2:10: fail_on" in output["summary"] and "expected" in output["summary"]


def test_the_pull_request_that_fixes_a_broken_rules_file_is_not_blocked_and_its_copy_is_validated(world):
    repo = world.repo
    base = repo.commit_files({INTEGRATION_PATH: BASE_TEST, ".github/mockguard.yml": BROKEN}, "broken from the start")
    repo.switch("feature")
    head = repo.commit_files({".github/mockguard.yml": "version: 1\nfail_on: error\n"}, "fix the rules")
    sandbox, service = world.start(base, head)

    service.post("pull_request", payload("pull_request.opened", base=base, head=head))
    run = sandbox.completed_run(head)
    assert run["conclusion"] == "neutral"
    output = run.get("output") or run
    assert "built-in defaults" in output["title"]
    assert "It was validated and is fine" in output["summary"]
