"""`mockguard check` as a user runs it: exit codes, where the change is read from (revisions,
a bare clone, the working tree, the index), PATH arguments, the four formats, bad refs and
repositories, and the rules file (read from the base revision, or --config)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from bot.engine.rulesfile import load_config
from tests.support.git import GitRepo, git
from tests.support.processes import mockguard

SARIF_SCHEMA = json.loads((Path(__file__).parent.parent / "data" / "sarif-schema-2.1.0.json").read_text())

T = "tests/integration/test_threads.py"
CLEAN = "def test_threads(client):\n    assert client.get('/threads').ok\n"
MOCKED = (
    "from unittest.mock import patch\n\n\n"
    "def test_threads(client):\n"
    "    with patch('app.services.thread_service.create_websocket_manager'):\n"
    "        assert client.get('/threads').ok\n"
)
MOCK_LINE = 5


def mocked_change(repo: GitRepo) -> GitRepo:
    return repo.change({T: CLEAN}, {T: MOCKED})


# --- exit codes ----------------------------------------------------------------------------------


def test_exit_0_when_nothing_blocks(repo):
    repo.change({T: CLEAN}, {T: CLEAN + "\n\ndef test_more(client):\n    assert client.get('/more').ok\n"})
    run = repo.check_change()
    assert run.returncode == 0
    assert run.report["passed"] is True and run.report["findings"] == []
    assert run.report["files_checked"] == [T]


def test_exit_1_on_a_blocking_finding(repo):
    run = mocked_change(repo).check_change()
    assert run.returncode == 1
    assert run.sites() == [(T, MOCK_LINE, "MG101")]


def test_exit_2_on_a_usage_error(repo):
    mocked_change(repo)
    run = repo.check("--staged", "--head", "head")
    assert run.returncode == 2
    assert "--staged" in run.stderr and "--staged" in run.report["error"]["message"]
    assert mockguard("check", "--format", "yaml", cwd=repo.root).returncode == 2


# --- where the change is read from ------------------------------------------------------------------


def test_head_is_read_from_git_objects_so_a_bare_clone_works(repo, tmp_path):
    mocked_change(repo)
    bare = tmp_path / "bare.git"
    git(tmp_path, "clone", "-q", "--bare", str(repo.root), str(bare))
    run = mockguard("check", "--repo", str(bare), "--base", "base", "--head", "head", "--format", "json")
    assert run.returncode == 1, run.stderr
    assert [(f["path"], f["line"]) for f in run.report["findings"]] == [(T, MOCK_LINE)]


def test_head_given_ignores_the_working_tree(repo):
    mocked_change(repo)
    repo.write(T, CLEAN)  # an uncommitted edit that removes the mock again
    assert repo.check_change().sites() == [(T, MOCK_LINE, "MG101")]


def test_default_head_is_the_working_tree_with_untracked_files(repo):
    repo.write(T, CLEAN)
    repo.commit("base")
    repo.git("switch", "-q", "-c", "feature")
    new_file = "tests/e2e/test_new_flow.py"
    repo.write(new_file, "def test_flow(mocker):\n    mocker.patch('app.clients.http.get')\n")
    assert new_file in repo.git("status", "--porcelain", "--untracked-files=all")  # untracked, not staged
    run = repo.check()
    assert run.returncode == 1, run.stderr
    assert run.sites() == [(new_file, 2, "MG104")]


def test_default_base_is_the_merge_base_with_main(repo):
    # main later removes a mock that the feature branch still has, untouched: against main's
    # tip the mock would look added; against the merge-base it is nothing new.
    repo.write(T, MOCKED)
    repo.commit("fork point")
    repo.git("switch", "-q", "-c", "feature")
    repo.write("tests/integration/test_other.py", CLEAN)
    repo.commit("feature work")
    repo.git("switch", "-q", "main")
    repo.write(T, CLEAN)
    repo.commit("main drops the mock")
    repo.git("switch", "-q", "feature")
    run = repo.check()
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.report["findings"] == []
    # An explicit --base BRANCH is compared the same way, through the merge base (git diff main...HEAD),
    # and the report says which commit that was.
    fork = repo.git("merge-base", "main", "feature").strip()
    explicit = repo.check("--base", "main")
    assert explicit.returncode == 0 and explicit.report["findings"] == []
    assert explicit.report["merge_base"] == fork
    assert explicit.report["base"] == {"given": "main", "ref": "main", "commit": repo.git("rev-parse", "main").strip()}
    assert f"merge base {fork[:7]}" in repo.check("--base", "main", fmt="text").stdout


def test_no_default_branch_asks_for_base(repo):
    repo.write(T, CLEAN)
    repo.commit("base")
    repo.git("branch", "-m", "trunk")
    run = repo.check()
    assert run.returncode == 2
    assert "--base" in run.stderr


def test_staged_checks_the_index_only(repo):
    repo.write(T, CLEAN)
    repo.commit("base")
    repo.write(T, MOCKED)
    repo.git("add", T)
    repo.write(T, CLEAN)  # the working tree no longer has it; the index does
    unstaged = "tests/integration/test_unstaged.py"
    repo.write(unstaged, "from unittest.mock import MagicMock\n\nclient = MagicMock()\n")
    run = repo.check("--staged")
    assert run.returncode == 1, run.stderr
    assert run.sites() == [(T, MOCK_LINE, "MG101")]


def test_paths_limit_the_check(repo):
    other = "tests/e2e/test_other.py"
    repo.change({T: CLEAN, other: CLEAN}, {T: MOCKED, other: MOCKED})
    assert [p for p, _, _ in repo.check_change().sites()] == [other, T]
    run = repo.check_change("base", "head", other)
    assert run.sites() == [(other, MOCK_LINE, "MG101")]
    assert run.report["files_checked"] == [other]
    run = repo.check_change("base", "head", "tests/integration/")
    assert run.sites() == [(T, MOCK_LINE, "MG101")]


def test_working_tree_with_a_deleted_file_and_a_new_one(repo):
    gone = "tests/integration/test_gone.py"
    repo.write(gone, MOCKED.replace("thread_service.create_websocket_manager", "mailer.send"))
    repo.write(T, CLEAN)
    repo.commit("base")
    (repo.root / gone).unlink()
    repo.write(T, MOCKED)
    run = repo.check()
    assert run.returncode == 1, run.stderr
    assert run.sites() == [(T, MOCK_LINE, "MG101")]


def test_paths_with_spaces_and_non_ascii_names(repo):
    odd = "tests/integration/test threads é.py"
    run = repo.change({odd: CLEAN}, {odd: MOCKED}).check_change()
    assert run.sites() == [(odd, MOCK_LINE, "MG101")]
    assert repo.check_change("base", "head", odd).sites() == [(odd, MOCK_LINE, "MG101")]


def test_staged_on_the_first_commit(repo):
    repo.write(T, MOCKED)
    repo.git("add", T)
    run = repo.check("--staged")
    assert run.returncode == 1, run.stderr
    assert run.sites() == [(T, MOCK_LINE, "MG101")]


# --- formats --------------------------------------------------------------------------------------


def test_text_format(repo):
    run = mocked_change(repo).check_change("base", "head", "--format", "text")
    assert run.returncode == 1
    assert re.search(rf"^{re.escape(T)}:{MOCK_LINE}:10: MG101 .*create_websocket_manager", run.stdout, re.M)
    assert "1 new mock" in run.stdout.splitlines()[-1]


def test_json_format(repo):
    report = mocked_change(repo).check_change().report
    assert report["schema"] == "mockguard.report/2"
    [finding] = report["findings"]
    assert finding["target"] == "app.services.thread_service.create_websocket_manager"
    assert finding["category"] == "websocket" and finding["blocking"] is True and finding["fingerprint"]


def test_sarif_format_validates_against_the_official_schema(repo):
    run = mocked_change(repo).check_change("base", "head", "--format", "sarif")
    assert run.returncode == 1
    log = json.loads(run.stdout)
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log)
    [result] = log["runs"][0]["results"]
    assert result["ruleId"] == "MG101"
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == T and location["region"]["startLine"] == MOCK_LINE
    assert result["partialFingerprints"]
    assert any(rule["id"] == "MG101" for rule in log["runs"][0]["tool"]["driver"]["rules"])


def test_github_format(repo):
    run = mocked_change(repo).check_change("base", "head", "--format", "github")
    assert run.returncode == 1
    assert run.stdout.startswith(f"::error file={T},line={MOCK_LINE},col=10,")
    assert "title=MG101::" in run.stdout.splitlines()[0]


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_every_format_on_a_clean_change(repo, fmt):
    repo.change({T: CLEAN}, {T: CLEAN + "# a comment\n"})
    run = repo.check("--base", "base", "--head", "head", fmt=fmt)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip()
    if fmt == "sarif":
        jsonschema.Draft4Validator(SARIF_SCHEMA).validate(json.loads(run.stdout))


# --- bad refs and repositories -----------------------------------------------------------------------


@pytest.mark.parametrize("option", ["--base", "--head"])
def test_a_wrong_ref_is_exit_2_with_a_clear_message(repo, option):
    mocked_change(repo)
    args = {"--base": "base", "--head": "head", option: "no-such-ref"}
    run = repo.check(*[x for pair in args.items() for x in pair])
    assert run.returncode == 2
    assert "no-such-ref" in run.stderr and run.stderr.startswith("mockguard: ")
    assert "Traceback" not in run.stderr and "no-such-ref" in run.report["error"]["message"]


def test_a_directory_that_is_not_a_repository_is_exit_2(tmp_path):
    plain = tmp_path / "plain"
    plain.mkdir()
    run = mockguard("check", "--repo", str(plain), cwd=tmp_path)
    assert run.returncode == 2
    assert "not inside a git repository" in run.stderr and "Traceback" not in run.stderr


def test_a_missing_directory_is_exit_2(tmp_path):
    run = mockguard("check", "--repo", str(tmp_path / "nowhere"), cwd=tmp_path)
    assert run.returncode == 2
    assert "nowhere" in run.stderr and "Traceback" not in run.stderr


# --- the rules file -------------------------------------------------------------------------------

RULES = ".github/mockguard.yml"
ALL_OFF = "version: 1\nfail_on: never\nseverity:\n" + "".join(
    f"  {c}: 'off'\n" for c in ("websocket", "database", "redis", "http", "llm", "auth", "time", "filesystem", "queue", "internal-service", "generic")
)


def test_a_change_cannot_turn_its_own_gate_off(repo):
    repo.change({T: CLEAN}, {T: MOCKED, RULES: ALL_OFF})
    run = repo.check_change()
    assert run.returncode == 1
    assert run.sites() == [(T, MOCK_LINE, "MG101")]
    assert any(n["path"] == RULES for n in run.report["notices"])
    # From the next change on, the committed file applies.
    repo.git("tag", "next-base")
    repo.write("tests/integration/test_more.py", MOCKED)
    repo.commit("next", tag="next-head")
    run = repo.check_change("next-base", "next-head")
    assert run.returncode == 0 and run.report["findings"] == []


def test_a_broken_rules_file_on_the_base_names_file_line_and_column_and_locks_nobody_out(repo):
    repo.change({T: CLEAN, RULES: "version: 1\nfail_on: error\nseverty:\n  http: warning\n"}, {T: MOCKED, RULES: "version: 1\nfail_on: error\nseverty:\n  http: warning\n"})
    run = repo.check_change()
    assert run.returncode == 1  # judged with the built-in defaults (no version ever loaded), never exit 2
    assert f"{RULES}:3:1" in run.stderr
    assert "severity" in run.stderr  # the did-you-mean
    assert run.sites() == [(T, MOCK_LINE, "MG101")] and run.report["passed"] is False


def test_broken_yaml_on_the_base_is_named_and_locks_nobody_out(repo):
    repo.change({T: CLEAN, RULES: "version: 1\nfiles: [unclosed\n"}, {T: MOCKED, RULES: "version: 1\nfiles: [unclosed\n"})
    run = repo.check_change()
    assert run.returncode == 1
    assert re.search(rf"{re.escape(RULES)}:\d+:\d+", run.stderr)


def test_a_change_that_breaks_the_rules_file_is_exit_2(repo):
    repo.change({T: CLEAN, RULES: "version: 1\n"}, {T: CLEAN, RULES: "version: 1\nfail_on: sometimes\n"})
    run = repo.check_change()
    assert run.returncode == 2
    assert f"{RULES}:2:10" in run.stderr


def test_config_option_overrides_the_rules_file(repo, tmp_path):
    mocked_change(repo)
    relaxed = tmp_path / "relaxed.yml"
    relaxed.write_text("version: 1\nfail_on: never\n")
    run = repo.check_change("base", "head", "--config", str(relaxed))
    assert run.returncode == 0
    assert run.sites() == [(T, MOCK_LINE, "MG101")]  # still reported, no longer blocking
    broken = tmp_path / "broken.yml"
    broken.write_text("version: 1\nfail_onn: never\n")
    run = repo.check_change("base", "head", "--config", str(broken))
    assert run.returncode == 2 and f"{broken}:2:1" in run.stderr
    run = repo.check_change("base", "head", "--config", str(tmp_path / "missing.yml"))
    assert run.returncode == 2 and "missing.yml" in run.stderr


def test_the_rules_file_of_the_base_selects_files_and_tolerates(repo):
    rules = (
        "version: 1\n"
        "files:\n  include: ['checks/**/*.py']\n"
        "tolerate:\n  - target: 'app.mailer.*'\n    reason: 'the relay has no test instance'\n"
    )
    head = "from unittest.mock import patch\n\n\ndef test_x():\n    with patch('app.mailer.send'), patch('app.db.session'):\n        pass\n"
    repo.change({RULES: rules, "checks/test_x.py": CLEAN, T: CLEAN}, {RULES: rules, "checks/test_x.py": head, T: head})
    run = repo.check_change()
    assert run.returncode == 1
    assert [(f["path"], f["target"]) for f in run.report["findings"]] == [("checks/test_x.py", "app.db.session")]
    assert [(f["target"], f["reason"]) for f in run.report["tolerated"]] == [("app.mailer.send", "the relay has no test instance")]
    assert run.report["files_checked"] == ["checks/test_x.py"]


def test_init_writes_a_starter_that_loads(repo):
    run = mockguard("init", "--repo", str(repo.root))
    assert run.returncode == 0, run.stderr
    text = (repo.root / RULES).read_text()
    assert text.startswith("#") and yaml.safe_load(text)["version"] == 1
    load_config(text, RULES)
    # A repository whose base carries the starter behaves like the defaults.
    repo.commit("rules", tag="base")
    repo.write(T, MOCKED)
    repo.commit("mock", tag="head")
    assert repo.check_change().sites() == [(T, MOCK_LINE, "MG101")]
    again = mockguard("init", "--repo", str(repo.root))
    assert again.returncode == 2 and "--force" in again.stderr
    assert mockguard("init", "--repo", str(repo.root), "--force").returncode == 0


# --- never a silent pass ----------------------------------------------------------------------------


def test_a_path_that_names_nothing_is_exit_2_naming_it(repo):
    mocked_change(repo)
    run = repo.check_change("base", "head", "tests/nope", "tests/integration/")
    assert run.returncode == 2
    assert "tests/nope" in run.stderr and "tests/integration/" not in run.stderr.replace("tests/nope", "")
    assert "tests/nope" in run.report["error"]["message"]
    # In the working tree and the index too.
    assert repo.check("tests/nope").returncode == 2
    assert repo.check("--staged", "tests/nope").returncode == 2


def test_a_path_that_exists_without_changes_is_fine(repo):
    other = "tests/e2e/test_other.py"
    repo.change({T: CLEAN, other: CLEAN}, {T: MOCKED, other: CLEAN})
    run = repo.check_change("base", "head", other)
    assert run.returncode == 0, run.stderr
    assert run.report["files_checked"] == []


def test_every_format_states_what_was_compared(repo):
    mocked_change(repo)
    base_id, head_id = repo.git("rev-parse", "base").strip(), repo.git("rev-parse", "head").strip()
    report = repo.check_change().report
    assert report["base"] == {"given": "base", "ref": "base", "commit": base_id}
    assert report["merge_base"] == base_id
    assert report["head"] == {"given": "head", "state": "commit", "commit": head_id}
    expected = f"compared base ({base_id[:7]}, merge base {base_id[:7]}) with head ({head_id[:7]})"
    for fmt in ("text", "github"):
        assert expected in repo.check("--base", "base", "--head", "head", fmt=fmt).stdout
    sarif = json.loads(repo.check("--base", "base", "--head", "head", fmt="sarif").stdout)
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(sarif)
    assert sarif["runs"][0]["properties"]["comparison"]["text"] == expected
    assert sarif["runs"][0]["invocations"][0]["properties"]["comparison"]["merge_base"] == base_id


def test_the_working_tree_and_the_index_are_named_as_such(repo):
    repo.write(T, CLEAN)
    main_id = repo.commit("base")
    repo.git("switch", "-q", "-c", "feature")
    repo.write(T, MOCKED)
    report = repo.check().report
    assert report["base"] == {"given": None, "ref": "main", "commit": main_id}
    assert report["merge_base"] == main_id
    assert report["head"] == {"given": None, "state": "working tree", "commit": main_id}
    assert "with the working tree" in repo.check(fmt="text").stdout
    repo.git("add", T)
    staged = repo.check("--staged").report
    assert staged["head"]["state"] == "index" and staged["base"]["ref"] == "HEAD" and staged["merge_base"] is None


def test_the_default_branch_being_the_head_itself_is_exit_2(repo, tmp_path):
    # A single-branch clone of the feature branch: origin/HEAD is the branch being checked, so
    # the "default branch" comparison compares the head with itself. Never a green run.
    repo.write(T, CLEAN)
    repo.commit("base")
    repo.git("switch", "-q", "-c", "feature")
    repo.write(T, MOCKED)
    repo.commit("mock")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--single-branch", "--branch", "feature", str(repo.root), str(clone))
    assert "feature" in git(clone, "symbolic-ref", "refs/remotes/origin/HEAD")
    run = mockguard("check", "--repo", str(clone), "--format", "json")
    assert run.returncode == 2, run.stdout
    assert "--base origin/main" in run.stderr and "fetch" in run.stderr
    assert run.report["error"]["message"].startswith("nothing to compare")
    # The fix it names works once the branch is there.
    git(clone, "fetch", "-q", "origin", "main:refs/remotes/origin/main")
    fixed = mockguard("check", "--repo", str(clone), "--base", "origin/main", "--format", "json")
    assert fixed.returncode == 1 and [f["line"] for f in fixed.report["findings"]] == [MOCK_LINE]


def test_on_the_default_branch_with_working_tree_changes_they_are_checked(repo):
    repo.write(T, CLEAN)
    repo.commit("base")
    assert repo.check().returncode == 2  # nothing to compare
    repo.write(T, MOCKED)  # now there is: the working tree against main
    run = repo.check()
    assert run.returncode == 1 and run.sites() == [(T, MOCK_LINE, "MG101")]


# --- output that the next step can use ------------------------------------------------------------


def test_output_writes_the_report_to_a_file(repo, tmp_path):
    mocked_change(repo)
    out = tmp_path / "mockguard.sarif"
    run = repo.check("--base", "base", "--head", "head", "--output", str(out), fmt="sarif")
    assert run.returncode == 1 and run.stdout == ""
    log = json.loads(out.read_text())
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log)
    assert [r["ruleId"] for r in log["runs"][0]["results"]] == ["MG101"]


@pytest.mark.parametrize("to_file", [False, True])
def test_a_run_that_cannot_complete_still_writes_a_valid_sarif_log(repo, tmp_path, to_file):
    mocked_change(repo)
    out = tmp_path / "mockguard.sarif"
    run = repo.check("--base", "no-such-ref", "--head", "head", *(["--output", str(out)] if to_file else []), fmt="sarif")
    assert run.returncode == 2 and "no-such-ref" in run.stderr
    log = json.loads(out.read_text() if to_file else run.stdout)
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log)
    [invocation] = log["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    [notification] = invocation["toolExecutionNotifications"]
    assert notification["level"] == "error" and "no-such-ref" in notification["message"]["text"]
    assert log["runs"][0]["results"] == []


def test_a_run_that_cannot_complete_writes_a_json_error(repo, tmp_path):
    # A change that breaks a working rules file cannot be checked (a broken base is not: it locks no one out).
    repo.change({T: CLEAN, RULES: "version: 1\n"}, {T: MOCKED, RULES: "version: 1\nfail_onn: never\n"})
    out = tmp_path / "report.json"
    run = repo.check_change("base", "head", "--output", str(out))
    assert run.returncode == 2
    document = json.loads(out.read_text())
    assert f"{RULES}:2:1" in document["error"]["message"] and document["passed"] is False
    assert document["base"]["commit"] == repo.git("rev-parse", "base").strip()
    from bot.engine.formats import JSON_SCHEMA  # noqa: F401 - the schema file ships next to it

    schema = json.loads((Path(__file__).parents[2] / "bot" / "engine" / "formats" / "report.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(document)
    jsonschema.Draft202012Validator(schema).validate(repo.check_change().report | {})  # a whole report validates too
    github = repo.check("--base", "base", "--head", "head", fmt="github")
    assert github.stdout.startswith("::error title=mockguard could not check this change::invalid rules file")


# --- a file that cannot be read ---------------------------------------------------------------------


def _lose_blob(repo: GitRepo, revision: str, path: str) -> None:
    """Delete one blob from the object store, as a partial clone that cannot fetch it lacks it."""
    blob = repo.git("rev-parse", f"{revision}:{path}").strip()
    (repo.root / ".git" / "objects" / blob[:2] / blob[2:]).unlink()


def test_an_unreadable_file_is_a_notice_and_the_rest_is_checked(repo):
    lost = "tests/integration/test_lost.py"
    repo.change({T: CLEAN, lost: CLEAN}, {T: CLEAN + "\n# more\n", lost: CLEAN + "\n# lost\n"})
    _lose_blob(repo, "head", lost)
    run = repo.check_change()
    assert run.returncode == 2, run.stderr  # never green when part of the change was not seen
    assert run.report["files_checked"] == [T]
    assert [(n["path"], n["level"]) for n in run.report["notices"]] == [(lost, "warning")]
    assert "could not be read" in run.report["notices"][0]["message"]
    assert lost in run.stderr


def test_an_unreadable_file_next_to_a_blocking_finding_is_exit_1(repo):
    lost = "tests/integration/test_lost.py"
    repo.change({T: CLEAN, lost: CLEAN}, {T: MOCKED, lost: CLEAN + "\n# lost\n"})
    _lose_blob(repo, "head", lost)
    run = repo.check("--base", "base", "--head", "head", fmt="text")
    assert run.returncode == 1
    assert f"{T}:{MOCK_LINE}:10: MG101" in run.stdout and f"{lost}: could not be read" in run.stdout


# --- words ------------------------------------------------------------------------------------------


def test_messages_say_instead_once_and_name_an_e2e_test(repo):
    e2e = "tests/e2e/test_clock.py"
    head = (
        "from freezegun import freeze_time\nfrom unittest.mock import patch\nfrom responses import RequestsMock\nimport responses\n\n\n"
        "@freeze_time('2024-01-01')\ndef test_clock(client):\n    assert client.get('/now').ok\n\n\n"
        "@responses.activate\ndef test_remote(client):\n    assert client.get('/remote').ok\n"
    )
    run = repo.change({e2e: CLEAN}, {e2e: head}).check_change()
    messages = [f["message"] for f in run.report["findings"]]
    assert messages, run.stdout
    for message in messages:
        assert message.count("instead") == 1, message
        assert "in an end-to-end test" in message, message
        assert "New responses replaces" not in message
    assert any(m.startswith("New mock `freezegun`") for m in messages), messages


def test_an_allow_on_any_line_of_a_multi_line_call_suppresses_it(repo):
    head = (
        "from unittest.mock import patch\n\n\n"
        "def test_threads(client):\n"
        "    with patch(\n"
        "        'app.mailer.send',\n"
        "        return_value=None,\n"
        "    ):  # mockguard: allow the relay has no test instance\n"
        "        assert client.get('/threads').ok\n"
        "    with patch(\n"
        "        'app.mailer.other',  # mockguard: allow nor this one\n"
        "    ):\n"
        "        pass\n"
    )
    run = repo.change({T: CLEAN}, {T: head}).check_change()
    assert run.returncode == 0, run.stdout
    assert [(s["line"], s["reason"]) for s in run.report["suppressed"]] == [
        (5, "the relay has no test instance"),
        (10, "nor this one"),
    ]


def test_a_reasonless_allow_is_not_counted_as_a_new_mock(repo):
    head = MOCKED.replace("create_websocket_manager'):", "create_websocket_manager'):  # mockguard: allow")
    run = repo.change({T: CLEAN}, {T: head}).check("--base", "base", "--head", "head", fmt="text")
    assert run.returncode == 1
    assert run.stdout.splitlines()[-1] == "1 new mock (1 blocking), 1 `# mockguard: allow` comment without a reason (1 blocking) in 1 file checked"
