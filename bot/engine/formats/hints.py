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
    start = _test_function_start(lines)
    shown = lines[start : start + max_lines]
    hint = ["use instead:", *(f"| {line}".rstrip() for line in shown)]
    if len(lines) > len(shown):
        hint.append(f"| ... {len(lines) - len(shown)} more lines of the template (--format json has them all)")
    hint.append(pointer)
    return hint


def _test_function_start(lines: list[str]) -> int:
    """Where the template's test begins (with its decorators): the part that shows the idea;
    the imports and fixtures above it are in the full template."""
    for index, line in enumerate(lines):
        if line.startswith(("def test", "async def test")):
            while index > 0 and lines[index - 1].startswith("@"):
                index -= 1
            return index
    return 0


REASONLESS_RULE = "MG110"  # `# mockguard: allow` without a reason: a finding, but not a new mock
CANNOT_FAIL_FAMILY = "MG3"  # tests that cannot fail: findings, counted apart from new mocks


def counts(report: Report) -> dict[str, int]:
    """The summary's numbers with reason-less allow comments apart from the new mocks they stand on."""
    blocking = set(report.blocking)
    cannot_fail = [f for f in report.findings if f.rule.startswith(CANNOT_FAIL_FAMILY)]
    reasonless = [f for f in report.findings if f.rule == REASONLESS_RULE]
    mocks = [f for f in report.findings if f not in set(cannot_fail) | set(reasonless)]
    return {
        "mocks": len(mocks),
        "mocks_blocking": sum(f in blocking for f in mocks),
        "reasonless": len(reasonless),
        "reasonless_blocking": sum(f in blocking for f in reasonless),
        "cannot_fail": len(cannot_fail),
        "cannot_fail_blocking": sum(f in blocking for f in cannot_fail),
    }


def summary_line(report: Report) -> str:
    """`3 new mocks (3 blocking), 1 suppressed, 1 tolerated in 5 files checked`."""
    summary = report.summary()
    numbers = counts(report)
    new = numbers["mocks"]
    parts = [f"{plural(new, 'new mock')} ({numbers['mocks_blocking']} blocking)" if new else "no new mocks"]
    if numbers["cannot_fail"]:
        parts.append(f"{plural(numbers['cannot_fail'], 'test')} that cannot fail ({numbers['cannot_fail_blocking']} blocking)")
    if numbers["reasonless"]:
        parts.append(f"{plural(numbers['reasonless'], '`# mockguard: allow` comment')} without a reason ({numbers['reasonless_blocking']} blocking)")
    if summary["suppressed"]:
        parts.append(f"{summary['suppressed']} suppressed")
    if summary["tolerated"]:
        parts.append(f"{summary['tolerated']} tolerated")
    if summary["notices"]:
        parts.append(plural(summary["notices"], "notice"))
    return f"{', '.join(parts)} in {plural(summary['files_checked'], 'file')} checked"


def debt_line(report: Report) -> str | None:
    """`integration-test mocks in the files this change touches: 41 -> 38`, when counted."""
    if report.mocks_before is None or report.mocks_after is None or not report.files_checked:
        return None
    return f"integration-test mocks in the files this change touches: {report.mocks_before} -> {report.mocks_after}"


def plural(count: int, noun: str, suffix: str = "s") -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}{suffix}"


_plural = plural
