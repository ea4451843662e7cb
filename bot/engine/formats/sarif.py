"""The sarif format: SARIF 2.1.0 for GitHub code scanning (`github/codeql-action/upload-sarif`).

One run. The driver lists every rule with its documentation as help text, so an alert on GitHub
explains itself. New mocks are results; suppressed and tolerated ones are results too, carrying a
`suppressions` entry (kind `inSource` for `# mockguard: allow`, `external` for the rules file):
viewers treat them as not open, and every exception stays visible in the log. Notices become the
invocation's `toolExecutionNotifications`. What was compared is in the invocation's and the run's
`properties.comparison`. A run that could not complete is still a valid log: no results,
`executionSuccessful: false` and an error notification carrying the reason.

Each result's `partialFingerprints["mockguard/v1"]` is stable when lines shift (see
fingerprints.py), so an alert dismissed on GitHub stays dismissed after unrelated edits.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from ..model import Finding, Notice, Report, RuleDoc
from .comparison import Comparison
from .fingerprints import FINGERPRINT_KEY, fingerprints

SARIF_SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
INFORMATION_URI = "https://github.com/mockguard/mockguard"
SOURCE_ROOT = "%SRCROOT%"  # paths are relative to the repository's root, as code scanning expects

LEVELS = {"error": "error", "warning": "warning", "notice": "note", "off": "none"}


def render_sarif(report: Report, *, rules: Mapping[str, RuleDoc], tool_version: str, comparison: Comparison | None = None) -> str:
    return json.dumps(sarif_log(report, rules=rules, tool_version=tool_version, comparison=comparison), indent=2, ensure_ascii=False)


def render_sarif_error(message: str, *, tool_version: str, comparison: Comparison | None = None) -> str:
    invocation: dict[str, Any] = {
        "executionSuccessful": False,
        "toolExecutionNotifications": [{"level": "error", "message": {"text": message}}],
    }
    if comparison is not None:
        invocation["properties"] = {"comparison": comparison.as_json()}
    log = {
        "$schema": SARIF_SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": _driver(tool_version, [])},
                "invocations": [invocation],
                "columnKind": "unicodeCodePoints",
                "results": [],
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False)


def _driver(tool_version: str, rules: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "name": "mockguard",
        "version": tool_version,
        "semanticVersion": tool_version,
        "informationUri": INFORMATION_URI,
        "rules": rules,
    }


def sarif_log(report: Report, *, rules: Mapping[str, RuleDoc], tool_version: str, comparison: Comparison | None = None) -> dict[str, Any]:
    """The SARIF log as plain JSON values (what `render_sarif` prints)."""
    sites = [
        *((finding, None) for finding in report.findings),
        *((finding, "inSource") for finding in report.suppressed),
        *((finding, "external") for finding in report.tolerated),
    ]
    # A site may name a rule the documentation does not know (a rules-file error, say): it
    # still gets a descriptor, because every result must point at one.
    rule_ids = sorted({*rules, *(finding.rule for finding, _ in sites)})
    rule_index = {rule_id: index for index, rule_id in enumerate(rule_ids)}
    marks = fingerprints([finding for finding, _ in sites])
    results = [
        _result(finding, suppression, rule_index[finding.rule], mark)
        for (finding, suppression), mark in zip(sites, marks)
    ]
    invocation: dict[str, Any] = {
        "executionSuccessful": True,
        "toolExecutionNotifications": [_notification(notice) for notice in report.notices],
    }
    properties: dict[str, Any] = {"failOn": report.fail_on, "summary": report.summary()}
    if comparison is not None:
        invocation["properties"] = {"comparison": comparison.as_json()}
        properties["comparison"] = {**comparison.as_json(), "text": comparison.sentence()}
    return {
        "$schema": SARIF_SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": _driver(tool_version, [_rule(rule_id, rules.get(rule_id)) for rule_id in rule_ids])},
                "invocations": [invocation],
                "columnKind": "unicodeCodePoints",
                "results": results,
                "properties": properties,
            }
        ],
    }


def _rule(rule_id: str, doc: RuleDoc | None) -> dict[str, Any]:
    if doc is None:
        return {
            "id": rule_id,
            "shortDescription": {"text": rule_id},
            "defaultConfiguration": {"level": "error"},
        }
    return {
        "id": rule_id,
        "name": doc.name,
        "shortDescription": {"text": doc.summary},
        "fullDescription": {"text": doc.what_it_does or doc.summary},
        "help": {"text": help_text(doc), "markdown": help_markdown(doc)},
        # Every mock blocks unless the rules file says otherwise (see the rules file's severities).
        "defaultConfiguration": {"level": "error"},
        "properties": {"tags": ["testing", "mocks", "integration-tests"], "precision": "high"},
    }


def help_text(doc: RuleDoc) -> str:
    """The rule's documentation as plain text, in Ruff's sections."""
    sections = [
        doc.summary,
        _section("What it does", doc.what_it_does),
        _section("Why is this bad?", doc.why_bad),
        _section("Example", doc.example),
        _section("Use instead", doc.use_instead),
    ]
    return "\n\n".join(section for section in sections if section)


def help_markdown(doc: RuleDoc) -> str:
    """The rule's documentation as Markdown; an Example or Use instead that is Python is fenced."""
    sections = [
        f"**{doc.id}: {doc.name}**. {doc.summary}",
        _section("## What it does", doc.what_it_does),
        _section("## Why is this bad?", doc.why_bad),
        _section("## Example", _as_code(doc.example)),
        _section("## Use instead", _as_code(doc.use_instead)),
    ]
    return "\n\n".join(section for section in sections if section)


def _section(title: str, body: str) -> str:
    body = body.strip("\n")
    return f"{title}\n{body}" if body.strip() else ""


def _as_code(text: str) -> str:
    # A section that is plain Python becomes a fenced block; prose (with its own indented or
    # fenced code) is Markdown already and stays as written.
    text = text.strip("\n")
    if not text.strip() or "```" in text:
        return text
    try:
        ast.parse(text)
    except SyntaxError:
        return text
    return f"```python\n{text}\n```"


def _result(finding: Finding, suppression: str | None, rule_index: int, fingerprint: str) -> dict[str, Any]:
    region: dict[str, Any] = {
        # Clamped so that a site the engine could not place still makes a valid log.
        "startLine": max(finding.line, 1),
        "startColumn": max(finding.column, 1),
        "endLine": max(finding.end_line, finding.line, 1),
    }
    if finding.code:
        region["snippet"] = {"text": finding.code}
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": LEVELS.get(finding.severity, "warning"),
        "message": {"text": finding.message},
        "locations": [{"physicalLocation": {"artifactLocation": _artifact(finding.path), "region": region}}],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
        "properties": {
            "category": finding.category,
            "construct": finding.construct,
            "target": finding.target,
            "severity": finding.severity,
        },
    }
    if finding.chain:  # how the mock arrives (MG201/MG202): the test, each fixture or helper, the mock
        result["relatedLocations"] = [
            {"id": index, "message": {"text": step.label.replace("`", "")},
             "physicalLocation": {"artifactLocation": _artifact(step.path), "region": {"startLine": max(step.line, 1)}}}
            for index, step in enumerate(finding.chain)
        ]
    if suppression is not None:
        entry: dict[str, Any] = {"kind": suppression, "status": "accepted"}
        if finding.reason:
            entry["justification"] = finding.reason
        result["suppressions"] = [entry]
    return result


def _notification(notice: Notice) -> dict[str, Any]:
    notification: dict[str, Any] = {
        "level": "warning" if notice.level == "warning" else "note",
        "message": {"text": notice.message},
    }
    if notice.path:
        location: dict[str, Any] = {"artifactLocation": _artifact(notice.path)}
        if notice.line:
            location["region"] = {"startLine": notice.line}
        notification["locations"] = [{"physicalLocation": location}]
    return notification


def _artifact(path: str) -> dict[str, str]:
    # SARIF wants a URI reference: forward slashes, spaces and other unsafe characters escaped.
    return {"uri": quote(path.replace("\\", "/"), safe="/"), "uriBaseId": SOURCE_ROOT}
