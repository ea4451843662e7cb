"""The json format: a versioned shape for scripts and for the service.

Shape `mockguard.report/1` (the JSON Schema is `report.schema.json` next to this module; the
prose is in docs/report-format.md). Within version 1 keys are only ever added, never renamed or
removed; a breaking change becomes `mockguard.report/2`.

    {
      "schema": "mockguard.report/1",
      "tool": {"name": "mockguard", "version": "0.1.0"},
      "fail_on": "error",              # which severity blocks: error | warning | notice | off
      "passed": false,                 # true when no finding blocks (exit code 0)
      "summary": {"findings": 3, "blocking": 3, "suppressed": 1, "tolerated": 1,
                  "notices": 0, "files_checked": 5},
      "findings":   [site, ...],       # new mocks the change adds
      "suppressed": [site, ...],       # new mocks allowed by `# mockguard: allow <reason>`
      "tolerated":  [site, ...],       # new mocks the rules file tolerates
      "notices":    [{"path": str|null, "line": int|null, "level": "notice"|"warning",
                      "message": str}, ...],
      "files_checked": [path, ...]
    }

Every site has the same keys:

    {"path": str, "line": int, "column": int, "end_line": int,   # 1-based; column in code points
     "construct": str, "target": str|null, "category": str, "rule": str,
     "severity": "error"|"warning"|"notice", "blocking": bool,
     "message": str, "template": str|null, "code": str,
     "reason": str|null,                # why it is suppressed or tolerated; null for findings
     "fingerprint": str}                # stable across line shifts, as in SARIF partialFingerprints
"""

from __future__ import annotations

import json
from typing import Any

from ..model import Finding, Notice, Report
from .fingerprints import fingerprints

SCHEMA = "mockguard.report/1"


def render_json(report: Report, *, tool_version: str) -> str:
    return json.dumps(report_document(report, tool_version=tool_version), indent=2, ensure_ascii=False)


def report_document(report: Report, *, tool_version: str) -> dict[str, Any]:
    """The report as plain JSON values (what `render_json` prints)."""
    groups = (report.findings, report.suppressed, report.tolerated)
    marks = iter(fingerprints([finding for group in groups for finding in group]))
    blocking = set(report.blocking)

    def site(finding: Finding) -> dict[str, Any]:
        return {
            "path": finding.path,
            "line": finding.line,
            "column": finding.column,
            "end_line": finding.end_line,
            "construct": finding.construct,
            "target": finding.target,
            "category": finding.category,
            "rule": finding.rule,
            "severity": finding.severity,
            "blocking": finding in blocking,
            "message": finding.message,
            "template": finding.template,
            "code": finding.code,
            "reason": finding.reason,
            "fingerprint": next(marks),  # in the same order as the list they were computed for
        }

    summary = report.summary()
    return {
        "schema": SCHEMA,
        "tool": {"name": "mockguard", "version": tool_version},
        "fail_on": report.fail_on,
        "passed": summary["blocking"] == 0,
        "summary": summary,
        "findings": [site(finding) for finding in report.findings],
        "suppressed": [site(finding) for finding in report.suppressed],
        "tolerated": [site(finding) for finding in report.tolerated],
        "notices": [_notice(notice) for notice in report.notices],
        "files_checked": list(report.files_checked),
    }


def _notice(notice: Notice) -> dict[str, Any]:
    return {"path": notice.path, "line": notice.line, "level": notice.level, "message": notice.message}
