"""MG3xx, tests that cannot fail: every bullet of the rule family, positive and negative, on real
git repositories (the hard cases of `cannot_fail_cases/`, each committed as a base and a head and
read back with git's own diff), then the policy (severities, tolerations, `# mockguard: allow`)
through `mockguard check` run as a process."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.engine.analyse import analyse
from bot.engine.cannot_fail import Analysis, Source
from bot.engine.diff import lines_from_texts
from bot.engine.model import FileChange

sys.path.insert(0, str(Path(__file__).parent / "cannot_fail_cases"))
from score import build, load_cases, mockguard_sites, score  # noqa: E402

CASES = {case.name: case for case in load_cases()}

# Which bullet of the issue each case exercises (p_: a site, n_: none).
BULLETS = {
    "swallowing handler": [
        "p_ws_print", "p_continue_loop", "p_flag_unasserted", "p_fake_token", "p_helper_substitute",
        "p_logger", "p_fixture_none", "p_raise_to_pass", "p_bare_except_sut", "p_wait_for_timeout",
        "p_setup_method", "p_sut_pass",
        "n_reraise", "n_pytest_fail", "n_assert_on_error", "n_errors_asserted", "n_break_then_assert",
        "n_injected_rollback", "n_pytest_raises", "n_retry_last_attempt", "n_poll_deadline",
        "n_deadline_pass", "n_cleanup", "n_conftest_teardown", "n_import_guard", "n_local_parsing",
        "n_local_dict", "n_keyerror", "n_main_only", "n_outcome_asserted", "n_state_after",
        "n_unittest_assert_in_handler", "n_wait_fixture_raise", "n_unit_and_prod", "n_product_integration_module", "n_bad_input_then_outcome", "n_check_helper_after", "p_session_url", "n_gpu_skip",
    ],
    "skip when the service is down": [
        "p_skip_in_handler", "p_skiptest", "p_bare_return", "p_probe_skip", "p_skipif_probe",
        "p_flag_then_skip", "p_xfail_handler", "p_raise_skiptest", "p_pytestmark_probe",
        "p_async_probe_return", "p_method_status",
        "n_env_skips", "n_credentials_skip", "n_file_not_found_skip",
    ],
    "assertion that cannot fail": [
        "p_assert_true", "p_or_true", "p_len_ge_zero", "p_alternative_asserted", "p_unittest_assert_true",
        "p_total_ge_zero",
        "n_asserts_fine",
    ],
    "status helper nobody checks": [
        "p_status_helper_branch", "p_made_up_success", "p_async_probe_return", "p_method_status",
        "p_skipif_probe",
        "n_caller_asserts_status", "n_helper_asserted_direct", "n_waited_helper", "n_refusal_probe",
    ],
    "moved or re-expressed": [
        "n_moved_same_test", "n_reexpressed_skip", "n_moved_between_files", "n_reworded_skip",
    ],
}


def test_every_case_is_in_a_bullet():
    assert set(CASES) == {name for names in BULLETS.values() for name in names}


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name, tmp_path):
    case = CASES[name]
    repo, base, head = build(case, tmp_path / "repo")
    assert mockguard_sites(repo, base, head) == case.expected


def test_the_family_beats_a_naive_pattern_match_by_a_wide_margin(tmp_path):
    scores = score(list(CASES.values()), tmp_path)
    ours, naive = scores["mockguard"], scores["baseline"]
    assert (ours.recall, ours.precision, ours.negatives_flagged) == (1.0, 1.0, 0)
    assert naive.recall < 0.5 and naive.precision < 0.5 and naive.negatives_flagged >= 10


# --- the prefilter ---------------------------------------------------------------------------------


def test_statements_without_a_trigger_word_are_never_parsed():
    text = "import requests\n\n\ndef test_a(client):\n    client.get('/x')\n\n\ndef test_b(client):\n    try:\n        client.get('/y')\n    except Exception:\n        pass\n"
    source = Source("tests/integration/test_p.py", text)
    analysis = Analysis(source, frozenset({5}), {})
    analysis.run()
    assert source.parsed == {} and analysis.found == []
    analysis = Analysis(source, frozenset({12}), {})
    analysis.run()
    assert [f.rule for f in analysis.found] == ["MG301"]
    assert 3 not in source.parsed  # test_a's statement was not parsed


def test_an_unparsable_file_gives_no_site_and_no_crash():
    code = "def test_x(client):\n    try:\n        client.get('/x')\n    except Exception:\n        pass\n\ndef broken(:\n"
    added, deleted = lines_from_texts(None, code)
    report = analyse([FileChange("tests/integration/test_b.py", None, None, code, added, deleted, status="added")])
    assert not [f for f in report.findings if f.rule.startswith("MG3") and f.line > 5]


# --- words and policy, through `mockguard check` ---------------------------------------------------

T = "tests/integration/test_ws.py"
SWALLOW = """\
import websockets


async def test_chat(ws_url):
    try:
        async with websockets.connect(ws_url) as ws:
            await ws.send("hi")
    except Exception as e:{comment}
        print(f"unavailable: {{e}}")
"""
SKIPIF = """\
import pytest

from tests.integration.helpers import redis_available


@pytest.mark.skipif(not redis_available(), reason="redis not running")
def test_cache(redis_client):
    assert redis_client.get("k") is None
"""


def run_check(repo, head: dict[str, str], base: dict[str, str] | None = None):
    repo.change({"README.md": "x\n", **(base or {})}, {"README.md": "x\n", **head})
    return repo.check_change()


def test_a_swallow_blocks_with_words_about_the_broken_service(repo):
    run = run_check(repo, {T: SWALLOW.format(comment="")})
    assert run.returncode == 1, run.stderr
    [finding] = run.report["findings"]
    assert (finding["line"], finding["rule"], finding["category"], finding["severity"]) == (8, "MG301", "cannot-fail", "error")
    assert finding["message"].startswith("If the WebSocket server is down this test passes: `except Exception` around `websockets.connect` only prints the error")
    assert "pytest.fail" in finding["message"] and "fixture" in finding["message"]
    assert "def test_chat(" in finding["template"] and "try:" not in finding["template"]


def test_a_skipif_on_a_live_probe_is_a_warning_by_default(repo):
    run = run_check(repo, {T: SKIPIF})
    assert run.returncode == 0, run.stderr
    [finding] = run.report["findings"]
    assert (finding["line"], finding["rule"], finding["severity"]) == (6, "MG303", "warning")
    assert finding["message"].startswith("If Redis is down the marked tests are skipped, not failed")


def test_the_category_severity_applies(repo):
    rules = "version: 1\nseverity:\n  cannot-fail: warning\n"
    run = run_check(repo, {T: SWALLOW.format(comment="")}, base={".github/mockguard.yml": rules})
    assert run.returncode == 0
    assert [(f["rule"], f["severity"]) for f in run.report["findings"]] == [("MG301", "warning")]
    off = run_check(type(repo)(repo.root.parent / "off"), {T: SKIPIF}, base={".github/mockguard.yml": "version: 1\nseverity:\n  cannot-fail: 'off'\n"})
    assert off.report["findings"] == []


def test_a_rule_id_in_severity_wins_over_its_category(repo):
    rules = "version: 1\nseverity:\n  MG303: error\n  MG301: 'off'\n"
    files = {T: SWALLOW.format(comment=""), "tests/integration/test_cache.py": SKIPIF}
    run = run_check(repo, files, base={".github/mockguard.yml": rules})
    assert run.returncode == 1
    assert [(f["rule"], f["severity"]) for f in run.report["findings"]] == [("MG303", "error")]


def test_allow_with_a_reason_suppresses_and_without_one_is_mg110(repo):
    run = run_check(repo, {T: SWALLOW.format(comment="  # mockguard: allow the chat relay has no test instance")})
    assert run.returncode == 0
    assert [(s["rule"], s["reason"]) for s in run.report["suppressed"]] == [("MG301", "the chat relay has no test instance")]
    bare = run_check(type(repo)(repo.root.parent / "bare"), {T: SWALLOW.format(comment="  # mockguard: allow")})
    assert sorted(f["rule"] for f in bare.report["findings"]) == ["MG110", "MG301"]


def test_a_toleration_by_category(repo):
    rules = 'version: 1\ntolerate:\n  - category: cannot-fail\n    paths: ["tests/integration/**"]\n    reason: migrating these tests to a live server\n'
    run = run_check(repo, {T: SWALLOW.format(comment="")}, base={".github/mockguard.yml": rules})
    assert run.returncode == 0
    assert [(t["rule"], t["reason"]) for t in run.report["tolerated"]] == [("MG301", "migrating these tests to a live server")]


def test_mockguard_rules_lists_the_family():
    done = subprocess.run([sys.executable, "-m", "bot.cli", "rules"], capture_output=True, text=True, check=True)
    listed = [line.split()[0] for line in done.stdout.splitlines() if re.fullmatch(r"MG3\d\d", line.split()[0] if line.split() else "")]
    assert listed == ["MG301", "MG302", "MG303", "MG304", "MG305"]
    doc = subprocess.run([sys.executable, "-m", "bot.cli", "rule", "MG303"], capture_output=True, text=True, check=True).stdout
    assert "warning" in doc and "## Use instead" in doc


def test_sarif_carries_the_family(repo):
    repo.change({"README.md": "x\n"}, {"README.md": "x\n", T: SWALLOW.format(comment="")})
    run = repo.check("--base", "base", "--head", "head", fmt="sarif")
    sarif = json.loads(run.stdout)
    [result] = sarif["runs"][0]["results"]
    assert result["ruleId"] == "MG301"
    assert any(rule["id"] == "MG301" for rule in sarif["runs"][0]["tool"]["driver"]["rules"])
