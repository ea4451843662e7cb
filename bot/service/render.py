"""The words mockguard posts: review comments, the review body, the summary comment and the
check run's output. Plain functions of the report, so they read like the messages they make."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

from bot.engine import Finding, Report
from bot.engine.categories import ADVICE
from bot.engine.formats.hints import REASONLESS_RULE, counts, debt_line, plural
from bot.engine.rules import RULES
from bot.engine.rulesfile import RULES_FILE

from .markers import SUMMARY, finding_marker, review_marker

SUMMARY_LIMIT = 65535  # GitHub's limit on a check run's summary and text
FOLD_TEMPLATE_LINES = 12  # a longer template is folded, so several findings do not make a wall of code


def _what(finding: Finding) -> str:
    target = f" of `{finding.target}`" if finding.target else ""
    return f"`{finding.construct}`{target} ({finding.category})"


def _kind(path: str) -> str:
    folders = path.lower().split("/")[:-1]
    return "an end-to-end test" if any("e2e" in folder for folder in folders) else "an integration test"


def _fix(finding: Finding) -> str:
    advice = ADVICE.get(finding.category, ADVICE["generic"])
    advice = advice if " instead" in advice else f"{advice} instead"
    return advice[:1].upper() + advice[1:] + "."


def finding_comment(finding: Finding, fingerprint: str, link: Callable[[str, int], str] | None = None) -> str:
    """An inline review comment. Its first lines say what was mocked, where, and the one-line
    fix; for a mock that arrives through fixtures or helpers, the chain from the test to the line
    that builds it, each step linked (`link(path, line)`: the file at the pull request's head);
    why it hides bugs follows, then the real-connection template (folded when long) and how to
    keep the mock on purpose."""
    doc = RULES.get(finding.rule)
    where = f"`{finding.path}:{finding.line}`"
    # MG3xx findings are no mocks: a test that cannot fail (a swallowed or skipped failure).
    cannot_fail = finding.category == "cannot-fail"
    if finding.rule == REASONLESS_RULE:
        parts = [f"**mockguard {finding.rule}** · `# mockguard: allow` without a reason at {where}", "",
                 finding.message]
    elif cannot_fail:
        parts = [f"**mockguard {finding.rule}** · a test that cannot fail ({finding.construct}) in "
                 f"{_kind(finding.path)} at {where}", "", finding.message]
    else:
        parts = [f"**mockguard {finding.rule}** · new mock {_what(finding)} in {_kind(finding.path)} at {where}",
                 f"**Fix:** {_fix(finding)}"]
        if finding.chain:
            parts += ["", f"**How the mock arrives:** {chain_line(finding, link)}"]
    if doc is not None:
        parts += ["", f"**Why this hides bugs:** {' '.join(doc.why_bad.split())}"]
    if finding.template:
        fix = "Let it fail, against a service the test run starts" if cannot_fail else "Use a real connection instead"
        code = ["```python", finding.template.rstrip(), "```"]
        lines = len(finding.template.rstrip().splitlines())
        if lines > FOLD_TEMPLATE_LINES:
            parts += ["", f"<details><summary>{fix}: a {lines}-line test to start from</summary>", "",
                      *code, "", "</details>"]
        else:
            parts += ["", f"**{fix}:**", "", *code]
    parts += ["", _how_to_tolerate(finding), "", finding_marker(fingerprint)]
    return "\n".join(parts)


def chain_line(finding: Finding, link: Callable[[str, int], str] | None = None) -> str:
    """`test_orders` (tests/integration/test_orders.py:8) → `fake_db` (tests/conftest.py:12) →
    `MagicMock()` (tests/conftest.py:14), each place a link when the head's address is known."""
    steps = []
    for step in finding.chain:
        place = f"{step.path}:{step.line}"
        steps.append(f"{step.label} ([{place}]({link(step.path, step.line)}))" if link else f"{step.label} (`{place}`)")
    return " → ".join(steps)


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
    parts = [f"**mockguard** found {plural(total, 'new mock')} in integration tests."]
    if outside:
        parts += ["", "These are on lines GitHub does not accept review comments on, so they are listed here:", ""]
        for finding, fingerprint in outside:
            parts.append(f"- `{finding.path}:{finding.line}` {finding.rule}: {_what(finding)}. {finding.message} "
                         f"{finding_marker(fingerprint)}")
    parts += ["", review_marker(head_sha)]
    return "\n".join(parts)


def table(findings: Sequence[Finding]) -> str:
    mocks = [f for f in findings if f.rule != REASONLESS_RULE]  # an allow comment is not a mock
    if not mocks:
        return ""
    per_file = Counter((f.path, f.category) for f in mocks)
    rows = ["| File | Category | New mocks |", "| --- | --- | ---: |"]
    rows += [f"| `{path}` | {category} | {n} |" for (path, category), n in sorted(per_file.items())]
    return "\n".join(rows)


def check_title(report: Report) -> str:
    numbers = counts(report)
    n, blocking = numbers["mocks"], numbers["mocks_blocking"]
    reasonless = (f", {plural(numbers['reasonless'], '`# mockguard: allow` comment')} without a reason"
                  if numbers["reasonless"] else "")
    cannot_fail = (f"{', ' if n else ''}{plural(numbers['cannot_fail'], 'test')} that cannot fail"
                   f" ({numbers['cannot_fail_blocking']} blocking)" if numbers["cannot_fail"] else "")
    if n == 0:
        return f"{cannot_fail[0].upper()}{cannot_fail[1:]}{reasonless}" if cannot_fail else f"No new mocks in integration tests{reasonless}"
    if blocking:
        return f"{plural(n, 'new mock')} in integration tests ({blocking} blocking){cannot_fail}{reasonless}"
    return f"{plural(n, 'new mock')} in integration tests (warnings only){cannot_fail}{reasonless}"


def conclusion(report: Report) -> str:
    if report.blocking:
        return "failure"
    return "neutral" if report.findings else "success"


def check_summary(report: Report, extra: Sequence[str] = ()) -> str:
    s = report.summary()
    numbers = counts(report)
    reasonless = (f" {plural(numbers['reasonless'], '`# mockguard: allow` comment')} without a reason."
                  if numbers["reasonless"] else "")
    parts = [
        f"Checked {plural(s['files_checked'], 'integration test file')}: {plural(numbers['mocks'], 'new mock')}, "
        f"{numbers['mocks_blocking']} blocking, {s['tolerated']} tolerated, {s['suppressed']} allowed in the code.{reasonless}",
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


def check_annotations(report: Report) -> list[dict]:
    level = {"error": "failure", "warning": "warning"}
    result = []
    for finding in report.findings:
        item = {
            "path": finding.path,
            "start_line": finding.line,
            "end_line": max(finding.end_line, finding.line),
            "annotation_level": level.get(finding.severity, "notice"),
            "title": (f"{finding.rule}: `# mockguard: allow` without a reason" if finding.rule == REASONLESS_RULE
                      else f"{finding.rule}: new mock {finding.construct}")[:255],
            "message": finding.message[:60000] or "New mock in an integration test",
        }
        if finding.template:
            item["raw_details"] = finding.template[:60000]
        result.append(item)
    return result


def summary_comment(report: Report, head_sha: str, new: int, resolved: int) -> str:
    numbers = counts(report)
    if report.findings:
        headline = (f"**mockguard**: {plural(numbers['mocks'], 'new mock')} in integration tests at {head_sha[:7]}, "
                    f"{numbers['mocks_blocking']} blocking the merge.")
        if numbers["reasonless"]:
            headline += f" {plural(numbers['reasonless'], '`# mockguard: allow` comment')} without a reason."
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
