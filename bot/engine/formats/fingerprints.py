"""Stable identities for findings, so an alert dismissed on GitHub stays dismissed.

A fingerprint hashes the rule id, the file path and the site's code with its layout (whitespace
outside string literals) and trailing comment removed, and numbers identical sites in one file by
their order. It holds no line number: a mock that only moves down because lines were added above
it keeps its identity.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from ..model import Finding

FINGERPRINT_KEY = "mockguard/v1"


def normalised_code(finding: Finding) -> str:
    """The site's code without layout or comment: whitespace outside string literals and a
    trailing `# ...` are dropped.

    The comment goes so that adding `# mockguard: allow ...` to a line does not turn the same
    site into a new alert. Without code (an engine that could not read the line), what is mocked
    stands in for it.
    """
    return _without_layout(finding.code) or f"{finding.construct} {finding.target or ''}".strip()


def _without_layout(code: str) -> str:
    # A small scanner rather than `tokenize`: the tokenizer changed between Python versions
    # (f-strings split into parts since 3.12), and a fingerprint must not change with the
    # Python that runs mockguard. The line is often only the start of a call, so it need not parse.
    kept: list[str] = []
    index = 0
    while index < len(code):
        char = code[index]
        if char == "#":
            break
        if char in "'\"":
            quote = code[index : index + 3] if code[index : index + 3] in ("'''", '"""') else char
            end = index + len(quote)
            while end < len(code) and not code.startswith(quote, end):
                end += 2 if code[end] == "\\" else 1
            end = min(end + len(quote), len(code))
            kept.append(code[index:end])  # a string's spaces are data: keep them
            index = end
            continue
        if not char.isspace():
            kept.append(char)
        index += 1
    return "".join(kept)


def fingerprints(findings: Sequence[Finding]) -> list[str]:
    """Each finding's fingerprint, in the given order; identical sites in one file are numbered
    by position, so pass every reported site of the run (new, suppressed and tolerated alike)."""
    import hashlib  # (here: only a report with findings hashes, and start-up is shorter)

    seen: Counter[tuple[str, str, str]] = Counter()
    result = [""] * len(findings)
    for index in sorted(range(len(findings)), key=lambda i: position(findings[i])):
        finding = findings[index]
        identity = (finding.rule, finding.path, normalised_code(finding))
        seen[identity] += 1
        digest = hashlib.sha256("\0".join(identity).encode("utf-8")).hexdigest()[:32]
        result[index] = f"{digest}:{seen[identity]}"
    return result


def position(finding: Finding) -> tuple[str, int, int, str]:
    """The order sites are reported in: by file, then place in the file."""
    return (finding.path, finding.line, finding.column, finding.rule)
