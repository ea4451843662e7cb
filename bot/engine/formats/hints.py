"""Short human wording shared by the text and github formats: the "use instead" hint and the
summary line."""

from __future__ import annotations

from ..model import Finding, Report

HINT_LINES = 6  # enough to show the shape of the real-connection test without flooding a log


def template_hint(finding: Finding, max_lines: int = HINT_LINES) -> list[str]:
    """The first lines of the finding's real-connection template, or where to read about it."""
    pointer = f"why, and what to use instead: `mockguard rule {finding.rule}`"
    template = (finding.template or "").strip("\n")
    if not template.strip():
        return [pointer]
    lines = template.splitlines()
    hint = ["use instead:", *(f"| {line}".rstrip() for line in lines[:max_lines])]
    if len(lines) > max_lines:
        hint.append(f"| ... {len(lines) - max_lines} more lines (--format json has them all)")
    hint.append(pointer)
    return hint


def summary_line(report: Report) -> str:
    """`3 new mocks (3 blocking), 1 suppressed, 1 tolerated in 5 files checked`."""
    counts = report.summary()
    new = counts["findings"]
    parts = [f"{_plural(new, 'new mock')} ({counts['blocking']} blocking)" if new else "no new mocks"]
    if counts["suppressed"]:
        parts.append(f"{counts['suppressed']} suppressed")
    if counts["tolerated"]:
        parts.append(f"{counts['tolerated']} tolerated")
    if counts["notices"]:
        parts.append(_plural(counts["notices"], "notice"))
    return f"{', '.join(parts)} in {_plural(counts['files_checked'], 'file')} checked"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
