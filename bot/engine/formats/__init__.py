"""How `mockguard check` prints a report: text, json, sarif or github.

    render(report, "sarif", rules=RULES, tool_version="0.1.0") -> str

Pure functions of the report: no I/O, no clock, so the same report always prints the same bytes.
Sites are listed by file and place in the file whatever order the engine found them in. The
result has no trailing newline; print it with one. docs/report-format.md describes each format.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from ..model import Report, RuleDoc
from .fingerprints import FINGERPRINT_KEY, fingerprints, position
from .github import render_github
from .report_json import SCHEMA as JSON_SCHEMA
from .report_json import render_json
from .sarif import render_sarif
from .text import render_text

FORMATS = ("text", "json", "sarif", "github")


def render(report: Report, fmt: str, *, rules: Mapping[str, RuleDoc], tool_version: str) -> str:
    """The report in format `fmt`, one of FORMATS (anything else is a ValueError)."""
    report = _in_order(report)
    if fmt == "text":
        return render_text(report)
    if fmt == "json":
        return render_json(report, tool_version=tool_version)
    if fmt == "sarif":
        return render_sarif(report, rules=rules, tool_version=tool_version)
    if fmt == "github":
        return render_github(report)
    raise ValueError(f"unknown format {fmt!r}; expected one of: {', '.join(FORMATS)}")


def _in_order(report: Report) -> Report:
    return replace(
        report,
        findings=tuple(sorted(report.findings, key=position)),
        suppressed=tuple(sorted(report.suppressed, key=position)),
        tolerated=tuple(sorted(report.tolerated, key=position)),
        notices=tuple(sorted(report.notices, key=lambda n: (n.path or "", n.line or 0, n.message))),
    )


__all__ = ["FINGERPRINT_KEY", "FORMATS", "JSON_SCHEMA", "fingerprints", "render"]
