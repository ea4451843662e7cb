"""`mockguard check` and the rules file, on real git repositories: every problem reported at once,
and the team's template files checked like the rest of the file."""

from __future__ import annotations

from tests.support.git import GitRepo

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
    # A broken rules file on the base: judged with the defaults (it never loaded), loudly.
    assert run.returncode == 1, run.stdout
    message = f"{RULES}:3:14: templates.websocket: the template file 'tests/templates/ws.py' does not exist"
    assert message in run.stderr
    assert any(message in n["message"] for n in run.report["notices"])
    (finding,) = run.report["findings"]
    assert "ws_harness" not in finding["template"]


def test_a_rules_file_naming_a_template_that_does_not_parse_is_a_rules_file_error(repo: GitRepo):
    files = {T: CLEAN, RULES: NAMES_TEMPLATE, "tests/templates/ws.py": "def test_real_socket(:\n"}
    repo.change(files, {**files, T: MOCKED})
    run = repo.check_change()
    assert run.returncode == 1, run.stdout  # judged with the defaults, loudly
    message = f"{RULES}:3:14: templates.websocket: the template file 'tests/templates/ws.py' is not a Python module"
    assert message in run.stderr
    assert any(message in n["message"] for n in run.report["notices"])


def test_a_change_that_names_a_template_it_does_not_add_is_refused(repo: GitRepo):
    repo.change({T: CLEAN}, {T: CLEAN, RULES: NAMES_TEMPLATE})
    run = repo.check_change()
    assert run.returncode == 2
    assert f"{RULES}:3:14: templates.websocket" in run.stderr
    # Adding the template in the same change makes the new rules file whole.
    repo.write("tests/templates/ws.py", OWN_TEMPLATE)
    repo.commit("add the template", tag="head2")
    assert repo.check_change("base", "head2").returncode == 0


# --- no repository locked out: a broken rules file on the base ------------------------------------

BROKEN = "version: 1\nfail_on: sometimes\nseverty: {}\n"
TOLERATES = "version: 1\ntolerate:\n  - target: 'app.services.*'\n    reason: the socket server has no test instance\n"


def broken_base_history(repo: GitRepo) -> None:
    """main: a rules file that loads (tolerating the mock), an unrelated commit, then a broken edit."""
    repo.write(RULES, TOLERATES)
    repo.write(T, CLEAN)
    repo.commit("rules that load")
    repo.write("README.md", "shop\n")
    repo.commit("unrelated")
    repo.write(RULES, BROKEN)
    repo.commit("a typo in the rules", tag="base")


def test_a_broken_base_rules_file_judges_with_the_last_version_that_loads(repo: GitRepo):
    broken_base_history(repo)
    repo.write(T, MOCKED)
    repo.commit("mock", tag="head")
    last_good = repo.git("rev-parse", "base~2").strip()
    for fmt in ("json", "text", "sarif", "github"):
        run = repo.check("--base", "base", "--head", "head", fmt=fmt)
        # The old version tolerates the mock: nothing blocks, exit 0 (not 2: nobody is locked out) ...
        assert run.returncode == 0, (fmt, run.stdout, run.stderr)
        # ... and it says so loudly, on stderr and in the report.
        assert f"{RULES}:2:10" in run.stderr and f"{RULES}:3:1" in run.stderr
        assert f"from commit {last_good[:7]}" in run.stderr
        assert "The base branch's rules file is broken" in run.stdout, fmt
    report = repo.check("--base", "base", "--head", "head").report
    assert [f["target"] for f in report["tolerated"]] == ["app.services.thread_service.create_websocket_manager"]
    (headline, *problems) = [n for n in report["notices"] if n["path"] == RULES]
    assert headline["level"] == "warning" and headline["line"] == 2
    assert {n["line"] for n in problems} == {2, 3}


def test_with_no_version_that_ever_loaded_the_defaults_judge_and_block(repo: GitRepo):
    repo.write(T, CLEAN)
    repo.write(RULES, BROKEN)
    repo.commit("broken from the start", tag="base")
    repo.write(T, MOCKED)
    repo.commit("mock", tag="head")
    run = repo.check_change()
    assert run.returncode == 1
    assert run.sites() == [(T, 5, "MG101")]
    assert "built-in defaults" in run.stderr and f"{RULES}:2:10" in run.stderr


def test_the_change_that_fixes_the_broken_file_passes_and_its_copy_is_validated(repo: GitRepo):
    broken_base_history(repo)
    repo.write(RULES, TOLERATES.replace("version: 1\n", "version: 1\nfail_on: error\n"))
    repo.commit("fix the rules", tag="head")
    run = repo.check_change()
    assert run.returncode == 0
    messages = [n["message"] for n in run.report["notices"]]
    assert any("this change edits the rules file; it was validated" in m for m in messages)


def test_a_change_cannot_relax_its_own_gate_while_the_base_is_broken(repo: GitRepo):
    repo.write(T, CLEAN)
    repo.write(RULES, BROKEN)
    repo.commit("broken", tag="base")
    repo.write(T, MOCKED)
    repo.write(RULES, "version: 1\nfail_on: never\n")
    repo.commit("mock and switch the gate off", tag="head")
    run = repo.check_change()
    assert run.returncode == 1  # judged by the defaults, not by its own `fail_on: never`
    assert run.sites() == [(T, 5, "MG101")]


def test_a_broken_copy_in_the_change_is_listed_when_the_base_is_broken_too(repo: GitRepo):
    repo.write(T, CLEAN)
    repo.write(RULES, BROKEN)
    repo.commit("broken", tag="base")
    repo.write(RULES, "version: 1\nfail_onn: error\n")
    repo.commit("still broken", tag="head")
    run = repo.check_change()
    assert run.returncode == 0
    change_notes = [n for n in run.report["notices"] if "this change's copy" in n["message"]]
    assert [(n["line"], "did you mean 'fail_on'" in n["message"]) for n in change_notes] == [(2, True)]
    assert "this change's copy" in run.stderr


def test_a_rules_file_deleted_then_added_broken_means_the_defaults(repo: GitRepo):
    repo.write(T, CLEAN)
    repo.write(RULES, TOLERATES)
    repo.commit("rules")
    repo.remove(RULES)
    deleted = repo.commit("no rules any more")
    repo.write(RULES, BROKEN)
    repo.commit("broken rules", tag="base")
    repo.write(T, MOCKED)
    repo.commit("mock", tag="head")
    run = repo.check_change()
    assert run.returncode == 1  # the toleration was given up with the deletion
    assert f"there was no {RULES} at commit {deleted[:7]}" in run.stderr


def test_staged_checks_on_a_broken_base_are_not_locked_out_either(repo: GitRepo):
    broken_base_history(repo)
    repo.write(T, MOCKED)
    repo.git("add", T)
    run = repo.check("--staged")
    assert run.returncode == 0, run.stderr
    assert "The base branch's rules file is broken" in run.stderr
