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

from bot.engine.config import load_config
from gitrepos import GitRepo, git, mockguard

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


def test_a_broken_rules_file_on_the_base_is_exit_2_naming_file_line_and_column(repo):
    repo.change({T: CLEAN, RULES: "version: 1\nfail_on: error\nseverty:\n  http: warning\n"}, {T: MOCKED, RULES: "version: 1\nfail_on: error\nseverty:\n  http: warning\n"})
    run = repo.check_change()
    assert run.returncode == 2
    assert f"{RULES}:3:1" in run.stderr
    assert "severity" in run.stderr  # the did-you-mean
    assert run.report["error"]["message"].startswith("invalid rules file") and run.report["passed"] is False


def test_broken_yaml_on_the_base_is_exit_2(repo):
    repo.change({T: CLEAN, RULES: "version: 1\nfiles: [unclosed\n"}, {T: MOCKED, RULES: "version: 1\nfiles: [unclosed\n"})
    run = repo.check_change()
    assert run.returncode == 2
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
