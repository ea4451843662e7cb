"""The json format: a versioned shape for scripts and for the service.

Shape `mockguard.report/2` (the JSON Schema is `report.schema.json` next to this module; the
prose is in docs/report-format.md). Within a version keys are only ever added, never renamed or
removed; a breaking change takes the next number. Version 2 added what was compared (`base`,
`merge_base`, `head`) and the error document a run that cannot complete writes.

    {
      "schema": "mockguard.report/2",
      "tool": {"name": "mockguard", "version": "0.1.0"},
      "base": {"given": "main"|null, "ref": "main", "commit": FULL_ID},   # null when unknown
      "merge_base": FULL_ID|null,      # what the change was compared with, when computed
      "head": {"given": "HEAD"|null, "state": "commit"|"working tree"|"index", "commit": FULL_ID|null},
      "fail_on": "error",              # which severity blocks: error | warning | notice | off
      "passed": false,                 # true when no finding blocks (exit code 0)
      "summary": {"findings": 3, "blocking": 3, "suppressed": 1, "tolerated": 1,
                  "notices": 0, "files_checked": 5},
      "findings":   [site, ...],       # new mocks the change adds
      "suppressed": [site, ...],       # new mocks allowed by `# mockguard: allow <reason>`
      "tolerated":  [site, ...],       # new mocks the rules file tolerates
      "notices":    [{"path": str|null, "line": int|null, "level": "notice"|"warning",
                      "message": str}, ...],
      "files_checked": [path, ...],
      "mocks": {"before": 41, "after": 38}   # mock sites in the whole gated files the change
                                             # touches, before and after (null: not counted)
    }

A run that cannot complete (exit 2) writes `{"schema", "tool", "error": {"message": str},
"passed": false, "base", "merge_base", "head"}` instead.

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
from .comparison import Comparison
from .fingerprints import fingerprints

SCHEMA = "mockguard.report/2"
NOTHING_COMPARED = {"base": None, "merge_base": None, "head": None}


def render_json(report: Report, *, tool_version: str, comparison: Comparison | None = None) -> str:
    return json.dumps(report_document(report, tool_version=tool_version, comparison=comparison), indent=2, ensure_ascii=False)


def render_json_error(message: str, *, tool_version: str, comparison: Comparison | None = None) -> str:
    document = {
        "schema": SCHEMA,
        "tool": {"name": "mockguard", "version": tool_version},
        "error": {"message": message},
        "passed": False,
        **(comparison.as_json() if comparison else NOTHING_COMPARED),
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


def report_document(report: Report, *, tool_version: str, comparison: Comparison | None = None) -> dict[str, Any]:
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
            "origin": finding.origin,
            "chain": [{"label": step.label, "path": step.path, "line": step.line} for step in finding.chain],
            "fingerprint": next(marks),  # in the same order as the list they were computed for
        }

    summary = report.summary()
    return {
        "schema": SCHEMA,
        "tool": {"name": "mockguard", "version": tool_version},
        **(comparison.as_json() if comparison else NOTHING_COMPARED),
        "fail_on": report.fail_on,
        "passed": summary["blocking"] == 0,
        "summary": summary,
        "findings": [site(finding) for finding in report.findings],
        "suppressed": [site(finding) for finding in report.suppressed],
        "tolerated": [site(finding) for finding in report.tolerated],
        "notices": [_notice(notice) for notice in report.notices],
        "files_checked": list(report.files_checked),
        "mocks": {"before": report.mocks_before, "after": report.mocks_after},
    }


def _notice(notice: Notice) -> dict[str, Any]:
    return {"path": notice.path, "line": notice.line, "level": notice.level, "message": notice.message}
