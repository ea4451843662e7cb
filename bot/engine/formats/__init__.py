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
from .comparison import Comparison
from .fingerprints import FINGERPRINT_KEY, fingerprints, position
from .report_json import SCHEMA as JSON_SCHEMA
from .report_json import render_json, render_json_error

# The other formats' modules are imported by the run that asks for them.

FORMATS = ("text", "json", "sarif", "github")


def render(
    report: Report, fmt: str, *, rules: Mapping[str, RuleDoc], tool_version: str, comparison: Comparison | None = None
) -> str:
    """The report in format `fmt`, one of FORMATS (anything else is a ValueError).
    `comparison`, when given, says what was compared; every format states it."""
    report = _in_order(report)
    if fmt == "text":
        from .text import render_text

        return render_text(report, comparison)
    if fmt == "json":
        return render_json(report, tool_version=tool_version, comparison=comparison)
    if fmt == "sarif":
        from .sarif import render_sarif

        return render_sarif(report, rules=rules, tool_version=tool_version, comparison=comparison)
    if fmt == "github":
        from .github import render_github

        return render_github(report, comparison)
    raise ValueError(f"unknown format {fmt!r}; expected one of: {', '.join(FORMATS)}")


def render_error(message: str, fmt: str, *, tool_version: str, comparison: Comparison | None = None) -> str | None:
    """What a run that could not complete (exit 2) writes in `fmt`, so the next step (a SARIF
    upload, a script reading the json) fails on the real reason rather than on an empty file.
    None for text, whose reader has the message on stderr."""
    if fmt == "json":
        return render_json_error(message, tool_version=tool_version, comparison=comparison)
    if fmt == "sarif":
        from .sarif import render_sarif_error

        return render_sarif_error(message, tool_version=tool_version, comparison=comparison)
    if fmt == "github":
        from .github import render_github_error

        return render_github_error(message)
    return None


def _in_order(report: Report) -> Report:
    return replace(
        report,
        findings=tuple(sorted(report.findings, key=position)),
        suppressed=tuple(sorted(report.suppressed, key=position)),
        tolerated=tuple(sorted(report.tolerated, key=position)),
        notices=tuple(sorted(report.notices, key=lambda n: (n.path or "", n.line or 0, n.message))),
    )


__all__ = ["FINGERPRINT_KEY", "FORMATS", "JSON_SCHEMA", "Comparison", "fingerprints", "render", "render_error"]
