"""The words mockguard posts: review comments, the review body, the summary comment and the
check run's output. Plain functions of the report, so they read like the messages they make."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from bot.engine import Finding, Report
from bot.engine.formats.hints import debt_line
from bot.engine.rules import RULES
from bot.engine.rulesfile import RULES_FILE

from .markers import SUMMARY, finding_marker, review_marker

SUMMARY_LIMIT = 65535  # GitHub's limit on a check run's summary and text


def _what(finding: Finding) -> str:
    target = f" of `{finding.target}`" if finding.target else ""
    return f"`{finding.construct}`{target} ({finding.category})"


def finding_comment(finding: Finding, fingerprint: str) -> str:
    """An inline review comment: what was mocked, why it hides bugs, the real-connection
    template, and how to keep it on purpose."""
    doc = RULES.get(finding.rule)
    # MG3xx findings are no mocks: a test that cannot fail (a swallowed or skipped failure).
    cannot_fail = finding.category == "cannot-fail"
    headline = f"a test that cannot fail ({finding.construct})" if cannot_fail else f"new mock {_what(finding)}"
    parts = [f"**mockguard {finding.rule}** · {headline} in an integration test", "", finding.message]
    if doc is not None:
        parts += ["", f"**Why this hides bugs:** {doc.why_bad.strip()}"]
    if finding.template:
        fix = "Let it fail, against a service the test run starts:" if cannot_fail else "Use a real connection instead:"
        parts += ["", f"**{fix}**", "", "```python", finding.template.rstrip(), "```"]
    parts += ["", _how_to_tolerate(finding), "", finding_marker(fingerprint)]
    return "\n".join(parts)


def _how_to_tolerate(finding: Finding) -> str:
    entry = f"target: {finding.target}" if finding.target else f"construct: {finding.construct}"
    return "\n".join([
        "<details><summary>Keeping this mock on purpose?</summary>", "",
        "Say why on the line: `# mockguard: allow <reason>`, or add an entry to "
        f"`{RULES_FILE}` on the base branch:", "",
        "```yaml", "tolerate:", f"  - {entry}", f"    paths: [{finding.path}]",
        "    reason: <why a real connection is not possible here>", "```", "</details>",
    ])


def resolved_comment(old_body: str, fingerprint: str, head_sha: str) -> str:
    kept = old_body.replace(finding_marker(fingerprint), "").strip()
    return "\n".join([
        f"✅ **Resolved** in {head_sha[:7]}: this mock is no longer in the pull request.", "",
        "<details><summary>Original comment</summary>", "", kept, "", "</details>", "",
        finding_marker(fingerprint, resolved=True),
    ])


def review_body(head_sha: str, inline: int, outside: Sequence[tuple[Finding, str]]) -> str:
    total = inline + len(outside)
    parts = [f"**mockguard** found {total} new mock{'s' if total != 1 else ''} in integration tests."]
    if outside:
        parts += ["", "These are on lines GitHub does not accept review comments on, so they are listed here:", ""]
        for finding, fingerprint in outside:
            parts.append(f"- `{finding.path}:{finding.line}` {finding.rule}: {_what(finding)}. {finding.message} "
                         f"{finding_marker(fingerprint)}")
    parts += ["", review_marker(head_sha)]
    return "\n".join(parts)


def table(findings: Sequence[Finding]) -> str:
    if not findings:
        return ""
    counts = Counter((f.path, f.category) for f in findings)
    rows = ["| File | Category | New mocks |", "| --- | --- | ---: |"]
    rows += [f"| `{path}` | {category} | {n} |" for (path, category), n in sorted(counts.items())]
    return "\n".join(rows)


def check_title(report: Report) -> str:
    n, blocking = len(report.findings), len(report.blocking)
    if n == 0:
        return "No new mocks in integration tests"
    noun = "mock" if n == 1 else "mocks"
    if blocking:
        return f"{n} new {noun} in integration tests ({blocking} blocking)"
    return f"{n} new {noun} in integration tests (warnings only)"


def conclusion(report: Report) -> str:
    if report.blocking:
        return "failure"
    return "neutral" if report.findings else "success"


def check_summary(report: Report, extra: Sequence[str] = ()) -> str:
    s = report.summary()
    parts = [
        f"Checked {s['files_checked']} integration test file(s): {s['findings']} new mock(s), "
        f"{s['blocking']} blocking, {s['tolerated']} tolerated, {s['suppressed']} allowed in the code.",
    ]
    if report.findings:
        parts += ["", table(report.findings)]
    if report.notices:
        parts += ["", "**Notices**", ""]
        parts += [f"- {('`' + n.path + (f':{n.line}' if n.line else '') + '`: ') if n.path else ''}{n.message}"
                  for n in report.notices]
    for paragraph in extra:
        parts += ["", paragraph]
    return _fit("\n".join(parts))


def annotations(report: Report) -> list[dict]:
    level = {"error": "failure", "warning": "warning"}
    result = []
    for finding in report.findings:
        item = {
            "path": finding.path,
            "start_line": finding.line,
            "end_line": max(finding.end_line, finding.line),
            "annotation_level": level.get(finding.severity, "notice"),
            "title": f"{finding.rule}: new mock {finding.construct}"[:255],
            "message": finding.message[:60000] or "New mock in an integration test",
        }
        if finding.template:
            item["raw_details"] = finding.template[:60000]
        result.append(item)
    return result


def summary_comment(report: Report, head_sha: str, new: int, resolved: int) -> str:
    s = report.summary()
    if report.findings:
        headline = (f"**mockguard**: {s['findings']} new mock(s) in integration tests at {head_sha[:7]}, "
                    f"{s['blocking']} blocking the merge.")
    else:
        headline = f"**mockguard**: no new mocks in integration tests at {head_sha[:7]}. ✅"
    parts = [headline, "", f"Since the last push: {new} new, {resolved} resolved."]
    debt = debt_line(report)
    if debt:
        parts[-1] += f" {debt[0].upper()}{debt[1:]}."
    if report.findings:
        parts += ["", table(report.findings)]
    parts += ["", SUMMARY]
    return "\n".join(parts)


def _fit(text: str) -> str:
    if len(text) <= SUMMARY_LIMIT:
        return text
    cut = "\n\n… (cut to GitHub's 65,535-character limit; the annotations list every finding)"
    return text[: SUMMARY_LIMIT - len(cut)] + cut
