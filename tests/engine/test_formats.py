"""The output formats of `mockguard check`: pure functions of a report, so the tests build
reports directly and read what each format prints."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from importlib.resources import files
from pathlib import Path

import jsonschema
import pytest

from bot.engine.formats import FINGERPRINT_KEY, FORMATS, render
from bot.engine.formats.github import escape_data, escape_property
from bot.engine.model import Finding, Notice, Report, RuleDoc

SARIF_SCHEMA = json.loads((Path(__file__).parent.parent / "data" / "sarif-schema-2.1.0.json").read_text())
REPORT_SCHEMA = json.loads(files("bot.engine.formats").joinpath("report.schema.json").read_text())

THREADS = "tests/integration/test_threads.py"
BROKEN = "tests/integration/test_broken.py"

TEMPLATE = "\n".join(
    [
        "async def test_thread_updates(live_app_url):",
        "    async with websockets.connect(f'{live_app_url}/ws') as ws:",
        "        await ws.send('hello')",
        "        assert await ws.recv() == 'hello'",
        "    # the app runs on 127.0.0.1 with its real websocket manager",
        "    # nothing is patched",
        "    assert True",
        "    assert True",
    ]
)

RULES = {
    "MG101": RuleDoc(
        id="MG101",
        name="patch-in-integration-test",
        summary="An integration test patches a component.",
        what_it_does="Flags `patch(...)` calls and decorators added to integration tests.",
        why_bad="A patched component is not tested: the test passes while the real thing breaks.",
        example="@patch('app.ws.create_manager')\ndef test_x(manager): ...",
        use_instead="def test_x(live_app_url):\n    ...",
    ),
    "MG102": RuleDoc(
        id="MG102",
        name="mock-object-in-integration-test",
        summary="An integration test builds a mock object.",
        what_it_does="Flags `Mock()`, `MagicMock()` and friends.",
        why_bad="A mock answers whatever it is told to.",
        example="```python\ndb = AsyncMock()\n```",
        use_instead="Use a real session from a fixture:\n\n    def test_x(db_session):\n        ...",
    ),
}


def site(line: int = 12, **changes) -> Finding:
    base = Finding(
        path="tests/integration/test_threads.py",
        line=line,
        column=5,
        end_line=line + 2,
        construct="patch",
        target="app.services.thread_service.create_websocket_manager",
        category="websocket",
        rule="MG101",
        severity="error",
        message="Patches app.services.thread_service.create_websocket_manager (websocket).",
        template=TEMPLATE,
        code="@patch('app.services.thread_service.create_websocket_manager')",
    )
    return replace(base, **changes)


def full_report(shift: int = 0) -> Report:
    """A report with one of everything; `shift` moves every site down, as an edit above would."""
    return Report(
        findings=(
            site(12 + shift),
            site(
                30 + shift,
                construct="AsyncMock",
                target=None,
                category="database",
                rule="MG102",
                severity="warning",
                message="Builds an AsyncMock bound to `db` (database).",
                template=None,
                code="db = AsyncMock()",
            ),
            site(
                4 + shift,
                path="tests/e2e/test_login flow.py",
                construct="mocker.patch",
                target="app.auth.verify",
                category="auth",
                code='mocker.patch("app.auth.verify", return_value=True)',
            ),
        ),
        suppressed=(
            site(
                50 + shift,
                code='with patch("app.clock.now"):  # mockguard: allow legacy clock, removed in #88',
                reason="legacy clock, removed in #88",
            ),
        ),
        tolerated=(
            site(
                60 + shift,
                construct="monkeypatch.setenv",
                target="APP_MODE",
                category="generic",
                code='monkeypatch.setenv("APP_MODE", "test")',
                reason="environment variables are configuration, not a component",
            ),
        ),
        notices=(
            Notice(path=BROKEN, message="could not parse the head version", line=7),
            Notice(path=None, message="toleration 'legacy-redis' matched nothing", level="warning"),
        ),
        files_checked=(THREADS, "tests/e2e/test_login flow.py", BROKEN),
    )


def sarif(report: Report, rules=RULES) -> dict:
    return json.loads(render(report, "sarif", rules=rules, tool_version="1.2.3"))


def fingerprints_by_line(report: Report) -> dict[int, str]:
    run = sarif(report)["runs"][0]
    return {start_line(result): result["partialFingerprints"][FINGERPRINT_KEY] for result in run["results"]}


def start_line(result: dict) -> int:
    return result["locations"][0]["physicalLocation"]["region"]["startLine"]


# --- every format ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("report", [Report(), full_report()], ids=["empty", "full"])
def test_every_format_renders_the_same_bytes_for_the_same_report_in_any_order(fmt, report):
    shuffled = replace(report, findings=report.findings[::-1], notices=report.notices[::-1])
    first = render(report, fmt, rules=RULES, tool_version="1.2.3")
    assert first == render(shuffled, fmt, rules=RULES, tool_version="1.2.3")
    assert first and not first.endswith("\n")


def test_an_unknown_format_is_refused_with_the_known_ones_named():
    with pytest.raises(ValueError, match="text, json, sarif, github"):
        render(Report(), "xml", rules=RULES, tool_version="1.2.3")


# --- text -----------------------------------------------------------------------------------


def test_text_prints_one_line_per_finding_then_the_template_hint():
    lines = render(full_report(), "text", rules=RULES, tool_version="1.2.3").splitlines()

    first = lines.index(
        "tests/integration/test_threads.py:12:5: MG101 Patches "
        "app.services.thread_service.create_websocket_manager (websocket)."
    )
    assert lines[first + 1] == "    use instead:"
    assert lines[first + 2] == "    | async def test_thread_updates(live_app_url):"
    # a long template is cut after a few lines, with a pointer to the rest
    assert lines[first + 8] == "    | ... 2 more lines of the template (--format json has them all)"
    assert lines[first + 9] == "    why, and what to use instead: `mockguard rule MG101`"
    # a finding without a template points at the rule's documentation; a warning says so
    warning = lines.index(f"{THREADS}:30:5: MG102 Builds an AsyncMock bound to `db` (database). [warning]")
    assert lines[warning + 1] == "    why, and what to use instead: `mockguard rule MG102`"
    # files in order, then lines
    finding_lines = [line for line in lines if re.match(r"^\S+.*:\d+:\d+: MG\d+ ", line)]
    assert [line.split(":")[0] for line in finding_lines] == [
        "tests/e2e/test_login flow.py",
        "tests/integration/test_threads.py",
        "tests/integration/test_threads.py",
    ]


def test_text_lists_suppressed_tolerated_and_notices_briefly_and_ends_with_the_summary():
    text = render(full_report(), "text", rules=RULES, tool_version="1.2.3")

    assert (
        "suppressed (1):\n"
        "  tests/integration/test_threads.py:50:5: MG101 patch "
        "app.services.thread_service.create_websocket_manager: legacy clock, removed in #88\n"
    ) in text
    assert (
        "tolerated (1):\n"
        "  tests/integration/test_threads.py:60:5: MG101 monkeypatch.setenv APP_MODE: "
        "environment variables are configuration, not a component\n"
    ) in text
    assert (
        "notices (2):\n"
        "  mockguard: toleration 'legacy-redis' matched nothing [warning]\n"
        "  tests/integration/test_broken.py:7: could not parse the head version\n"
    ) in text
    assert text.splitlines()[-1] == (
        "3 new mocks (2 blocking), 1 suppressed, 1 tolerated, 2 notices in 3 files checked"
    )


def test_text_summary_reads_well_for_nothing_found_and_for_one_of_each():
    assert render(Report(files_checked=("a.py",)), "text", rules=RULES, tool_version="1") == (
        "no new mocks in 1 file checked"
    )
    one = Report(findings=(site(),), files_checked=("a.py", "b.py"), fail_on="off")
    assert render(one, "text", rules=RULES, tool_version="1").splitlines()[-1] == (
        "1 new mock (0 blocking) in 2 files checked"
    )


def test_text_keeps_a_multi_line_message_on_its_finding_line():
    report = Report(findings=(site(message="Patches the manager.\nSee the template."),))
    first = render(report, "text", rules=RULES, tool_version="1").splitlines()[0]
    assert first.endswith(": MG101 Patches the manager. See the template.")


# --- json -----------------------------------------------------------------------------------


def test_json_follows_its_published_schema_and_names_its_version():
    document = json.loads(render(full_report(), "json", rules=RULES, tool_version="1.2.3"))

    jsonschema.Draft202012Validator.check_schema(REPORT_SCHEMA)
    jsonschema.Draft202012Validator(REPORT_SCHEMA).validate(document)
    assert document["schema"] == "mockguard.report/2"
    assert document["tool"] == {"name": "mockguard", "version": "1.2.3"}
    assert document["summary"] == full_report().summary()
    assert document["passed"] is False
    assert document["files_checked"] == list(full_report().files_checked)


def test_json_site_carries_every_field_and_the_reason_where_there_is_one():
    document = json.loads(render(full_report(), "json", rules=RULES, tool_version="1.2.3"))

    first = document["findings"][1]
    assert first == {
        "path": "tests/integration/test_threads.py",
        "line": 12,
        "column": 5,
        "end_line": 14,
        "construct": "patch",
        "target": "app.services.thread_service.create_websocket_manager",
        "category": "websocket",
        "rule": "MG101",
        "severity": "error",
        "blocking": True,
        "message": "Patches app.services.thread_service.create_websocket_manager (websocket).",
        "template": TEMPLATE,
        "code": "@patch('app.services.thread_service.create_websocket_manager')",
        "reason": None,
        "origin": None,
        "chain": [],
        "fingerprint": first["fingerprint"],
    }
    assert document["findings"][2]["blocking"] is False  # a warning, and the gate fails on errors
    assert document["suppressed"][0]["reason"] == "legacy clock, removed in #88"
    assert document["suppressed"][0]["blocking"] is False
    assert document["tolerated"][0]["reason"] == "environment variables are configuration, not a component"
    assert document["notices"][1] == {
        "path": "tests/integration/test_broken.py",
        "line": 7,
        "level": "notice",
        "message": "could not parse the head version",
    }


def test_json_fingerprints_are_the_sarif_ones():
    document = json.loads(render(full_report(), "json", rules=RULES, tool_version="1.2.3"))
    from_json = {
        entry["line"]: entry["fingerprint"]
        for group in ("findings", "suppressed", "tolerated")
        for entry in document[group]
    }
    assert from_json == fingerprints_by_line(full_report())


def test_json_passes_when_nothing_blocks_at_the_gate():
    report = Report(findings=(site(severity="warning"),), fail_on="error")
    assert json.loads(render(report, "json", rules=RULES, tool_version="1"))["passed"] is True
    strict = replace(report, fail_on="warning")
    assert json.loads(render(strict, "json", rules=RULES, tool_version="1"))["passed"] is False


# --- sarif ----------------------------------------------------------------------------------


def sarif_errors(document: dict) -> list[str]:
    validator = jsonschema.Draft4Validator(SARIF_SCHEMA)
    return [f"{list(error.absolute_path)}: {error.message}" for error in validator.iter_errors(document)]


@pytest.mark.parametrize("report", [Report(), full_report()], ids=["empty", "full"])
def test_sarif_is_valid_against_the_official_2_1_0_schema(report):
    jsonschema.Draft4Validator.check_schema(SARIF_SCHEMA)
    assert sarif_errors(sarif(report)) == []


def test_the_schema_check_would_catch_a_broken_log():
    broken = sarif(full_report())
    broken["runs"][0]["results"][0]["level"] = "fatal"
    del broken["version"]
    errors = sarif_errors(broken)
    assert any("'version' is a required property" in error for error in errors)
    assert any("'fatal' is not one of" in error for error in errors)


def test_sarif_driver_documents_each_rule_with_help_built_from_its_sections():
    driver = sarif(full_report())["runs"][0]["tool"]["driver"]

    assert (driver["name"], driver["version"]) == ("mockguard", "1.2.3")
    assert driver["informationUri"].startswith("https://")
    assert [rule["id"] for rule in driver["rules"]] == ["MG101", "MG102"]
    rule = driver["rules"][0]
    assert rule["name"] == "patch-in-integration-test"
    assert rule["shortDescription"]["text"] == "An integration test patches a component."
    assert rule["fullDescription"]["text"].startswith("Flags `patch(...)`")
    assert rule["defaultConfiguration"] == {"level": "error"}
    markdown = rule["help"]["markdown"]
    assert "## Why is this bad?\nA patched component is not tested" in markdown
    assert "## Example\n```python\n@patch('app.ws.create_manager')\ndef test_x(manager): ...\n```" in markdown
    assert "## Use instead\n```python\ndef test_x(live_app_url):" in markdown
    assert "Why is this bad?\nA patched component is not tested" in rule["help"]["text"]
    # a fenced example is not fenced twice; prose with an indented block is Markdown already
    other = driver["rules"][1]["help"]["markdown"]
    assert other.count("```python") == 1
    assert other.endswith(f"## Use instead\n{RULES['MG102'].use_instead}")


def test_an_empty_section_is_left_out_of_the_help():
    bare = {"MG101": replace(RULES["MG101"], why_bad="", use_instead="  \n")}
    rule = sarif(Report(findings=(site(),)), rules=bare)["runs"][0]["tool"]["driver"]["rules"][0]
    assert "Why is this bad?" not in rule["help"]["markdown"]
    assert "Use instead" not in rule["help"]["text"]


def test_sarif_with_the_real_rule_documentation_is_valid():
    real_rules = pytest.importorskip("bot.engine.rules").RULES
    one_each = (site(10 * index + 1, rule=rule_id) for index, rule_id in enumerate(real_rules))
    report = Report(findings=tuple(one_each))
    document = sarif(report, rules=real_rules)

    assert sarif_errors(document) == []
    described = document["runs"][0]["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in described] == sorted(real_rules)
    assert all(rule["help"]["markdown"].count("## ") >= 3 for rule in described)


def test_sarif_results_point_at_their_rule_and_place():
    run = sarif(full_report())["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    by_line = {start_line(r): r for r in run["results"]}

    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    first = by_line[12]
    assert first["level"] == "error"
    assert first["message"]["text"].startswith("Patches app.services")
    location = first["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "tests/integration/test_threads.py"
    assert location["region"] == {
        "startLine": 12,
        "startColumn": 5,
        "endLine": 14,
        "snippet": {"text": "@patch('app.services.thread_service.create_websocket_manager')"},
    }
    assert by_line[30]["level"] == "warning"
    # a path is a URI reference: the space is escaped
    uri = by_line[4]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "tests/e2e/test_login%20flow.py"
    assert "suppressions" not in first


def test_sarif_levels_follow_severity():
    report = Report(
        findings=(site(1, severity="error"), site(10, severity="warning"), site(20, severity="notice"))
    )
    levels = [result["level"] for result in sarif(report)["runs"][0]["results"]]
    assert levels == ["error", "warning", "note"]


def test_sarif_keeps_suppressed_and_tolerated_sites_as_suppressed_results():
    results = sarif(full_report())["runs"][0]["results"]
    by_line = {start_line(r): r for r in results}

    assert by_line[50]["suppressions"] == [
        {"kind": "inSource", "status": "accepted", "justification": "legacy clock, removed in #88"}
    ]
    assert by_line[60]["suppressions"] == [
        {
            "kind": "external",
            "status": "accepted",
            "justification": "environment variables are configuration, not a component",
        }
    ]
    assert len(results) == 5


def test_sarif_notices_become_tool_execution_notifications():
    invocation = sarif(full_report())["runs"][0]["invocations"][0]

    assert invocation["executionSuccessful"] is True
    assert invocation["toolExecutionNotifications"] == [
        {"level": "warning", "message": {"text": "toleration 'legacy-redis' matched nothing"}},
        {
            "level": "note",
            "message": {"text": "could not parse the head version"},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": BROKEN, "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": 7},
                    }
                }
            ],
        },
    ]


def test_sarif_describes_a_rule_the_documentation_does_not_know():
    report = Report(findings=(site(rule="MG999"),))
    document = sarif(report, rules={})
    assert sarif_errors(document) == []
    assert document["runs"][0]["tool"]["driver"]["rules"] == [
        {"id": "MG999", "shortDescription": {"text": "MG999"}, "defaultConfiguration": {"level": "error"}}
    ]


# --- fingerprints ---------------------------------------------------------------------------


def test_fingerprints_survive_lines_shifting():
    before = fingerprints_by_line(full_report())
    after = fingerprints_by_line(full_report(shift=40))

    assert sorted(before.values()) == sorted(after.values())
    assert {line + 40: mark for line, mark in before.items()} == after
    assert len(set(before.values())) == len(before)


def test_fingerprints_survive_respacing_and_an_added_comment():
    original = Report(findings=(site(code="with patch('app.db.session'), patch('app.cache'):"),))
    reworded = Report(
        findings=(site(99, code="with  patch( 'app.db.session'),   patch('app.cache'):  # mockguard: allow"),),
    )
    assert list(fingerprints_by_line(original).values()) == list(fingerprints_by_line(reworded).values())


def test_a_string_keeps_its_hash_signs_and_spaces():
    one = Report(findings=(site(code="patch.dict(os.environ, {'TAG': '#1'})"),))
    other = Report(findings=(site(code="patch.dict(os.environ, {'TAG': '#2'})"),))
    assert fingerprints_by_line(one) != fingerprints_by_line(other)
    spaced = Report(findings=(site(code="patch('app.a b')"),))
    unspaced = Report(findings=(site(code="patch('app.ab')"),))
    assert fingerprints_by_line(spaced) != fingerprints_by_line(unspaced)


def test_fingerprints_tell_rule_path_and_code_apart():
    reference = fingerprints_by_line(Report(findings=(site(),)))[12]
    changes = (site(rule="MG102"), site(path="tests/e2e/test_threads.py"), site(code="@patch('app.other')"))
    for changed in changes:
        assert fingerprints_by_line(Report(findings=(changed,)))[12] != reference


def test_identical_sites_in_one_file_are_numbered_and_keep_their_numbers_when_shifted():
    twins = [site(line, code="ws = MagicMock()") for line in (10, 20, 30)]
    before = fingerprints_by_line(Report(findings=tuple(twins)))
    after = fingerprints_by_line(Report(findings=tuple(replace(t, line=t.line + 7) for t in twins)))

    assert len(set(before.values())) == 3
    assert [mark.rsplit(":", 1)[1] for mark in before.values()] == ["1", "2", "3"]
    assert list(before.values()) == list(after.values())


def test_a_site_keeps_its_fingerprint_when_it_becomes_suppressed():
    plain = fingerprints_by_line(Report(findings=(site(code="db = AsyncMock()"),)))
    allowed = fingerprints_by_line(
        Report(suppressed=(site(code="db = AsyncMock()  # mockguard: allow no db yet", reason="no db yet"),))
    )
    assert plain == allowed


# --- github ---------------------------------------------------------------------------------


def unescape(value: str) -> str:
    decoded = {"25": "%", "0D": "\r", "0A": "\n", "3A": ":", "2C": ","}
    return re.sub(r"%(25|0D|0A|3A|2C)", lambda match: decoded[match[1]], value)


def test_github_annotates_each_finding_with_its_severity_place_and_rule():
    lines = render(full_report(), "github", rules=RULES, tool_version="1").splitlines()

    assert lines[0].startswith("::error file=tests/e2e/test_login flow.py,line=4,col=5,endLine=6,title=MG101:")
    assert lines[1].startswith(
        "::error file=tests/integration/test_threads.py,line=12,col=5,endLine=14,title=MG101::"
        "Patches app.services.thread_service.create_websocket_manager (websocket).%0Ause instead:%0A"
        "| async def test_thread_updates(live_app_url):%0A"
    )
    assert lines[2].startswith(f"::warning file={THREADS},line=30,col=5,endLine=32,title=MG102::")
    assert lines[3] == "::warning title=mockguard::toleration 'legacy-redis' matched nothing"
    assert lines[4] == f"::notice file={BROKEN},line=7,title=mockguard::could not parse the head version"
    assert lines[5] == "3 new mocks (2 blocking), 1 suppressed, 1 tolerated, 2 notices in 3 files checked"
    assert len(lines) == 6  # suppressed and tolerated sites are allowed: no annotation


def test_github_notice_severity_is_a_notice_annotation():
    report = Report(findings=(site(severity="notice"),))
    line = render(report, "github", rules=RULES, tool_version="1").splitlines()[0]
    assert line.startswith("::notice file=")


def test_github_escapes_data_and_properties_so_nothing_ends_a_command_early():
    assert escape_data("100% done\r\nnext: a,b") == "100%25 done%0D%0Anext: a,b"
    assert escape_property("100% done\r\nnext: a,b") == "100%25 done%0D%0Anext%3A a%2Cb"

    tricky = site(
        path="tests/integration/odd,name:%.py",
        message="Patches a:b,c at 50%\nthen more",
        template=None,
    )
    line = render(Report(findings=(tricky,)), "github", rules=RULES, tool_version="1").splitlines()[0]
    match = re.fullmatch(r"::error (?P<props>[^:]*)::(?P<data>[^\r\n]*)", line)
    assert match, line
    properties = dict(pair.split("=", 1) for pair in match["props"].split(","))
    assert unescape(properties["file"]) == "tests/integration/odd,name:%.py"
    assert unescape(match["data"]).splitlines()[0] == "Patches a:b,c at 50%"
    assert unescape(match["data"]).splitlines()[1] == "then more"


def test_a_site_without_place_or_code_still_makes_a_valid_log_and_distinct_fingerprints():
    unplaced = (
        site(0, column=0, end_line=0, code="", target="app.a"),
        site(0, column=0, end_line=0, code="", target="app.b"),
    )
    document = sarif(Report(findings=unplaced))
    assert sarif_errors(document) == []
    marks = [result["partialFingerprints"][FINGERPRINT_KEY] for result in document["runs"][0]["results"]]
    assert marks[0].split(":")[0] != marks[1].split(":")[0]
