"""The text format: what a person reads in a terminal or a CI log.

    tests/integration/test_ws.py:12:5: MG101 message
        use instead:
        | <first lines of the real-connection template>
        why, and what to use instead: `mockguard rule MG101`

    suppressed (1):
      path:line:col: MG101 patch app.ws.manager: <reason>
    tolerated (1):
      ...
    notices (1):
      path:line: message

    compared main (1a2b3c4, merge base 0f9e8d7) with feature (5d6e7f8)
    3 new mocks (3 blocking), 1 suppressed, 1 tolerated in 5 files checked

One line per finding in the `path:line:col: ID message` shape editors and CI log parsers know;
a finding whose severity is not `error` ends with `[warning]` or `[notice]`.
"""

from __future__ import annotations

from ..model import Finding, Notice, Report
from .comparison import Comparison
from .hints import debt_line, summary_line, template_hint


def render_text(report: Report, comparison: Comparison | None = None) -> str:
    lines: list[str] = []
    for finding in report.findings:
        marker = "" if finding.severity == "error" else f" [{finding.severity}]"
        lines.append(f"{_where(finding)}: {finding.rule} {_one_line(finding.message)}{marker}")
        lines.extend(f"    {hint}" for hint in template_hint(finding))
    for title, group in (("suppressed", report.suppressed), ("tolerated", report.tolerated)):
        if group:
            lines += ["", f"{title} ({len(group)}):"]
            lines.extend(f"  {_excused(finding)}" for finding in group)
    if report.notices:
        lines += ["", f"notices ({len(report.notices)}):"]
        lines.extend(f"  {_notice(notice)}" for notice in report.notices)
    if lines:
        lines.append("")
    if comparison is not None:
        lines.append(comparison.sentence())
    debt = debt_line(report)
    if debt:
        lines.append(debt)
    lines.append(summary_line(report))  # last: what a CI log's last line should say
    return "\n".join(lines)


def _where(finding: Finding) -> str:
    return f"{finding.path}:{finding.line}:{finding.column}"


def _excused(finding: Finding) -> str:
    what = " ".join(part for part in (finding.construct, finding.target) if part)
    return f"{_where(finding)}: {finding.rule} {what}: {_one_line(finding.reason or 'no reason given')}"


def _notice(notice: Notice) -> str:
    where = notice.path or "mockguard"
    if notice.path and notice.line:
        where = f"{notice.path}:{notice.line}"
    marker = " [warning]" if notice.level == "warning" else ""
    return f"{where}: {_one_line(notice.message)}{marker}"


def _one_line(text: str) -> str:
    # A message must not break the one-line-per-finding shape that log parsers rely on.
    return " ".join(text.split())
