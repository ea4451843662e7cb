"""`mockguard check` and the rules file, on real git repositories: every problem reported at once,
and the team's template files checked like the rest of the file."""

from __future__ import annotations

from gitrepos import GitRepo

RULES = ".github/mockguard.yml"
T = "tests/integration/test_threads.py"
CLEAN = "def test_threads(client):\n    assert client.get('/threads').ok\n"
MOCKED = (
    "from unittest.mock import patch\n\n\n"
    "def test_threads(client):\n"
    "    with patch('app.services.thread_service.create_websocket_manager'):\n"
    "        assert client.get('/threads').ok\n"
)
OWN_TEMPLATE = (
    '"""Our own websocket harness."""\n\n\n'
    "def test_real_socket(ws_harness):\n    assert ws_harness.connect('/threads').ok\n"
)
NAMES_TEMPLATE = "version: 1\ntemplates:\n  websocket: tests/templates/ws.py\n"


def test_a_change_that_breaks_the_rules_file_in_three_places_hears_of_all_three(repo: GitRepo):
    broken = "version: 1\nfail_on: sometimes\nseverty: {}\ntolerate:\n  - target: app.x\n"
    repo.change({T: CLEAN, RULES: "version: 1\n"}, {T: CLEAN, RULES: broken})
    run = repo.check_change()
    assert run.returncode == 2
    for where in (f"{RULES}:2:10: fail_on", f"{RULES}:3:1: unknown key 'severty'", f"{RULES}:5:5: tolerate[0].reason"):
        assert where in run.stderr, run.stderr
    assert "did you mean 'severity'" in run.stderr
    assert run.stderr.count("  expected: ") == 3
    assert "more problem" not in run.stderr


def test_the_teams_own_template_is_the_one_suggested(repo: GitRepo):
    repo.change({T: CLEAN, RULES: NAMES_TEMPLATE, "tests/templates/ws.py": OWN_TEMPLATE},
                {T: MOCKED, RULES: NAMES_TEMPLATE, "tests/templates/ws.py": OWN_TEMPLATE})
    run = repo.check_change()
    assert run.returncode == 1
    (finding,) = run.report["findings"]
    assert "ws_harness.connect" in finding["template"]


def test_a_rules_file_naming_a_missing_template_is_a_rules_file_error(repo: GitRepo):
    repo.change({T: CLEAN, RULES: NAMES_TEMPLATE}, {T: MOCKED, RULES: NAMES_TEMPLATE})
    run = repo.check_change()
    assert run.returncode == 2, run.stdout
    message = f"{RULES}:3:14: templates.websocket: the template file 'tests/templates/ws.py' does not exist"
    assert message in run.stderr
    assert message in run.report["error"]["message"] and "findings" not in run.report


def test_a_rules_file_naming_a_template_that_does_not_parse_is_a_rules_file_error(repo: GitRepo):
    files = {T: CLEAN, RULES: NAMES_TEMPLATE, "tests/templates/ws.py": "def test_real_socket(:\n"}
    repo.change(files, {**files, T: MOCKED})
    run = repo.check_change()
    assert run.returncode == 2, run.stdout
    assert f"{RULES}:3:14: templates.websocket: the template file 'tests/templates/ws.py' is not a Python module" in run.stderr


def test_a_change_that_names_a_template_it_does_not_add_is_refused(repo: GitRepo):
    repo.change({T: CLEAN}, {T: CLEAN, RULES: NAMES_TEMPLATE})
    run = repo.check_change()
    assert run.returncode == 2
    assert f"{RULES}:3:14: templates.websocket" in run.stderr
    # Adding the template in the same change makes the new rules file whole.
    repo.write("tests/templates/ws.py", OWN_TEMPLATE)
    repo.commit("add the template", tag="head2")
    assert repo.check_change("base", "head2").returncode == 0
