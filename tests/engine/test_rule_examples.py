"""Every rule's own VALID and INVALID examples, run through the engine as a newly added
integration test file (the Fixit shape: adding a rule adds its tests), and every rule's documentation."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from bot.engine import detectors, names
from bot.engine.analyse import analyse
from bot.engine.categories import LIBRARY_CATEGORIES
from bot.engine.detectors.base import FAMILIES
from bot.engine.diff import lines_from_texts
from bot.engine.model import FileChange
from bot.engine.rules import ALL_RULES, CANNOT_FAIL_TRIGGER_WORDS, DETECTORS, RULES, TRIGGER_WORDS, discover
from bot.engine.first_pass import line_has_trigger

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


def test_rule_ids_are_unique_and_the_mock_library_family_is_mg101_to_mg110():
    ids = [rule.id for rule in ALL_RULES]
    assert Counter(ids).most_common(1)[0][1] == 1
    assert sorted(i for i in ids if i.startswith("MG1")) == [f"MG{n}" for n in range(101, 111)]


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.id)
def test_rule_documents_itself(rule):
    doc = rule.doc()
    for section in ("name", "summary", "what_it_does", "why_bad", "example", "use_instead"):
        assert getattr(doc, section).strip(), f"{rule.id} has an empty {section}"


def test_mockguard_rules_lists_every_rule():
    done = subprocess.run([*MOCKGUARD, "rules"], capture_output=True, text=True, check=True)
    lines = done.stdout.splitlines()
    for doc in RULES.values():
        assert any(line.lstrip().startswith(doc.id) and doc.name in line and doc.summary in line for line in lines), doc.id


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


# --- rules own their libraries: the derived tables ------------------------------------------


@pytest.mark.parametrize(
    ("rule", "invalid"),
    [
        pytest.param(rule, invalid, id=f"{rule.id}-invalid-{n}")
        for rule in ALL_RULES
        if getattr(rule, "prefilter", True)  # MG201-MG203 follow fixtures and helpers by name, not by words
        for n, invalid in enumerate(rule.INVALID)
    ],
)
def test_every_invalid_example_line_has_a_derived_trigger_word(rule, invalid):
    """The prefilter skips a statement with no trigger word: a site whose words no rule declared
    would be silently missed (the examples above could still pass through an import's alias)."""
    lines = invalid.code.splitlines()
    # MG3xx statements go through their own prefilter (bot.engine.cannot_fail), built from their words.
    has_trigger = (lambda line: bool(set(line.replace(".", " ").replace("(", " ").split()) & CANNOT_FAIL_TRIGGER_WORDS)) if rule.family() == "MG3xx" else line_has_trigger
    for number in invalid.lines:
        assert has_trigger(lines[number - 1]), f"{rule.id}: no trigger word on line {number}: {lines[number - 1]!r}"


def test_rules_are_found_by_walking_the_detectors_package():
    assert [type(rule) for rule in ALL_RULES] == list(discover(detectors))
    assert {rule.family() for rule in ALL_RULES} <= set(FAMILIES)
    # Name-use detectors are asked in id order; the others (MG109, MG110) are not asked at all.
    assert [rule.id for rule in DETECTORS] == sorted(rule.id for rule in ALL_RULES if rule.uses_names())
    assert {"MG109", "MG110"}.isdisjoint(rule.id for rule in DETECTORS)


def test_the_tables_come_from_the_libraries_the_rules_own():
    owners = {library.name: rule.id for rule in ALL_RULES for library in rule.libraries}
    assert owners["unittest.mock"] == "MG101" and owners["pytest_mock"] == "MG104" and owners["respx"] == "MG106"
    assert set(names.MOCK_MODULES) == {m for rule in ALL_RULES for lib in rule.libraries for m in lib.modules}
    assert names.FIXTURE_TYPES["mocker"] == "pytest_mock.MockerFixture" and "monkeypatch" in names.FIXTURE_TYPES
    assert LIBRARY_CATEGORIES["respx"] == "http" and LIBRARY_CATEGORIES["freezegun"] == "time"
    assert names.library_of("mock") == names.library_of("unittest.mock.patch") == "unittest.mock"
    assert names.library_of("respx.models") == "respx"
    # every module, fixture and `import *` name is a trigger word
    for lib in (lib for rule in ALL_RULES for lib in rule.libraries):
        assert {p for m in lib.modules for p in m.split(".")} | set(lib.fixtures) <= TRIGGER_WORDS, lib.name


def test_mockguard_rules_names_the_families():
    out = subprocess.run([*MOCKGUARD, "rules"], capture_output=True, text=True, check=True).stdout
    for family, meaning in FAMILIES.items():
        assert f"{family}  {meaning}" in out


INVENTED_DETECTOR = '''
"""MG199: an invented mocking library, added as one file."""

from .base import Draft, Invalid, Library, Rule

FAKEQ = Library("fakeq", modules=("fakeq",), fixtures={"fakeq_broker": "fakeq.Broker"}, category="queue")


class FakeQueue(Rule):
    id = "MG199"
    name = "fakeq-in-integration-test"
    summary = "An integration test replaces the queue with fakeq"
    what_it_does = "Flags `fakeq.intercept(...)` and `intercept` on the `fakeq_broker` fixture."
    why_bad = "The queue never sees the message."
    example = "fakeq.intercept('orders')"
    use_instead = "Run a real broker."
    libraries = (FAKEQ,)
    trigger_words = frozenset({"intercept"})
    VALID = ("def test_x(broker):\\n    broker.intercept('orders')\\n",)
    INVALID = (Invalid("import fakeq\\n\\ndef test_x():\\n    fakeq.intercept('orders')\\n", lines=(4,)),)

    def on_call(self, qualified, call, ctx):
        if qualified in ("fakeq.intercept", "fakeq.Broker.intercept"):
            return Draft(construct="fakeq.intercept", library="fakeq", component=f"queue:{ctx.test_name}")
        return None
'''

INVENTED_USES = (
    "import fakeq as fq\n\ndef test_a():\n    fq.intercept('orders')\n\n"
    "def test_b(fakeq_broker):\n    fakeq_broker.intercept('payments')\n"
)

ANALYSE_INVENTED_USES = f'''
import json
from bot.engine.analyse import analyse
from bot.engine.diff import lines_from_texts
from bot.engine.model import FileChange
code = {INVENTED_USES!r}
added, deleted = lines_from_texts(None, code)
report = analyse([FileChange("tests/integration/test_q.py", None, None, code, added, deleted, status="added")])
print(json.dumps([[f.rule, f.line, f.category, f.message] for f in report.findings]))
'''


def test_a_detector_for_a_new_library_is_one_new_file(tmp_path):
    root = Path(__file__).resolve().parents[2]
    shutil.copytree(root / "bot", tmp_path / "bot", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(root / "rules", tmp_path / "rules")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}

    def run(*args: str) -> str:
        done = subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, cwd=tmp_path, check=True)
        return done.stdout

    assert json.loads(run("-c", ANALYSE_INVENTED_USES)) == []  # before: fakeq means nothing
    (tmp_path / "bot/engine/detectors/fake_queue.py").write_text(INVENTED_DETECTOR)
    findings = json.loads(run("-c", ANALYSE_INVENTED_USES))
    assert [(rule, line, category) for rule, line, category, _ in findings] == [("MG199", 4, "queue"), ("MG199", 7, "queue")]
    assert "replaces the queue" in findings[0][3]
    assert any(line.lstrip().startswith("MG199") for line in run("-m", "bot.cli", "rules").splitlines())
