"""Every rule's own VALID and INVALID examples, run through the engine as a newly added
integration test file (the Fixit shape: adding a rule adds its tests), and every rule's documentation."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter

import pytest

from bot.engine.analyse import analyse
from bot.engine.diff import lines_from_texts
from bot.engine.model import FileChange
from bot.engine.rules import ALL_RULES, RULES

EXAMPLE_PATH = "tests/integration/test_example.py"
MOCKGUARD = [sys.executable, "-m", "bot.cli"]


def added_file(code: str) -> FileChange:
    added, deleted = lines_from_texts(None, code)
    return FileChange(EXAMPLE_PATH, None, None, code, added, deleted, status="added")


# Examples that the engine contradicts today; strict, so a fix shows up as a failure to remove them.
KNOWN_WRONG: dict[str, str] = {}


def examples():
    def param(code, invalid, example_id):
        marks = [pytest.mark.xfail(strict=True, reason=KNOWN_WRONG[example_id])] if example_id in KNOWN_WRONG else []
        return pytest.param(code, invalid, id=example_id, marks=marks)

    for rule in ALL_RULES:
        for number, code in enumerate(rule.VALID):
            yield param(code, None, f"{rule.id}-valid-{number}")
        for number, invalid in enumerate(rule.INVALID):
            yield param(invalid.code, invalid, f"{rule.id}-invalid-{number}")


@pytest.mark.parametrize(("code", "invalid"), list(examples()))
def test_rule_example(code, invalid):
    report = analyse([added_file(code)])
    if invalid is None:
        # Suppressed sites (with a reason) are allowed in a VALID example; findings are not.
        assert report.findings == (), f"a VALID example produced findings: {report.findings}"
        return
    assert sorted(f.line for f in report.findings) == sorted(invalid.lines), report.findings
    first = sorted(report.findings, key=lambda f: (f.line, f.column))[0]
    if invalid.construct is not None:
        assert first.construct == invalid.construct
    if invalid.category is not None:
        assert first.category == invalid.category


def test_every_rule_has_examples_of_both_kinds():
    for rule in ALL_RULES:
        assert rule.VALID, f"{rule.id} has no VALID example"
        assert rule.INVALID, f"{rule.id} has no INVALID example"


def test_rule_ids_are_unique_and_cover_mg101_to_mg110():
    ids = [rule.id for rule in ALL_RULES]
    assert Counter(ids).most_common(1)[0][1] == 1
    assert sorted(ids) == [f"MG{n}" for n in range(101, 111)]


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.id)
def test_rule_documents_itself(rule):
    doc = rule.doc()
    for section in ("name", "summary", "what_it_does", "why_bad", "example", "use_instead"):
        assert getattr(doc, section).strip(), f"{rule.id} has an empty {section}"


def test_mockguard_rules_lists_every_rule():
    done = subprocess.run([*MOCKGUARD, "rules"], capture_output=True, text=True, check=True)
    lines = done.stdout.splitlines()
    for doc in RULES.values():
        assert any(line.startswith(doc.id) and doc.name in line and doc.summary in line for line in lines), doc.id


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_mockguard_rule_prints_the_documentation(rule_id):
    doc = RULES[rule_id]
    done = subprocess.run([*MOCKGUARD, "rule", rule_id.lower()], capture_output=True, text=True, check=True)
    out = done.stdout
    assert out.startswith(f"# {doc.id} {doc.name}")
    for heading in ("## What it does", "## Why is this bad?", "## Example", "## Use instead"):
        assert heading in out
    # Each section's words appear as written (the example is indented as a code block).
    assert doc.what_it_does.splitlines()[0] in out
    assert doc.why_bad.splitlines()[0] in out
    assert doc.use_instead.splitlines()[0] in out
    assert all(f"    {line}" in out for line in doc.example.splitlines() if line)


def test_mockguard_rule_unknown_id_is_a_usage_error():
    done = subprocess.run([*MOCKGUARD, "rule", "MG999"], capture_output=True, text=True)
    assert done.returncode == 2
    assert "MG999" in done.stderr and "mockguard rules" in done.stderr
