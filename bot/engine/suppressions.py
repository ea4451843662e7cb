"""`# mockguard: allow <reason>` comments, and MG110 for one that gives no reason."""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass

from .diff import source_lines
from .detectors.base import Invalid, Rule

_ALLOW = re.compile(r"#\s*mockguard\s*:\s*allow\b[\s:,-]*(?P<reason>.*)$", re.IGNORECASE)


@dataclass(frozen=True)
class Suppression:
    line: int
    reason: str  # empty when none was given


def find_suppressions(text: str, lines: set[int] | None = None) -> dict[int, Suppression]:
    """Suppression comments by line. Only real comments count, never text inside strings."""
    found: dict[int, Suppression] = {}
    text_lines = source_lines(text)
    wanted = lines if lines is not None else set(range(1, len(text_lines) + 1))
    if not any("mockguard" in text_lines[n - 1] for n in wanted if 0 < n <= len(text_lines)):
        return found
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT and token.start[0] in wanted:
                match = _ALLOW.search(token.string)
                if match:
                    found[token.start[0]] = Suppression(token.start[0], match.group("reason").strip())
    except (tokenize.TokenError, SyntaxError, IndentationError):
        # An unparsable file: fall back to the comment syntax on the wanted lines.
        for number in wanted:
            if 0 < number <= len(text_lines):
                match = _ALLOW.search(text_lines[number - 1])
                if match:
                    found[number] = Suppression(number, match.group("reason").strip())
    return found


def suppression_for(
    site_line: int, suppressions: dict[int, Suppression], text_lines: list[str], *, end_line: int | None = None
) -> Suppression | None:
    """The suppression on any line of the site's call (a call that spans lines is often commented
    on its closing line, where formatters leave the comment), or alone on the line above it."""
    for line in range(site_line, max(end_line or site_line, site_line) + 1):
        if line in suppressions:
            return suppressions[line]
    above = site_line - 1
    if above in suppressions and text_lines[above - 1].lstrip().startswith("#"):
        return suppressions[above]
    return None


class SuppressionWithoutReason(Rule):
    id = "MG110"
    name = "suppression-without-reason"
    summary = "A `# mockguard: allow` comment gives no reason"
    what_it_does = """
        Flags a `# mockguard: allow` comment on a new mock that does not say why the mock is
        acceptable. The mock it stands on is reported as if the comment were not there.
    """
    why_bad = """
        A suppression is an exception to the team's rule; without a reason no reviewer can judge
        it, and exceptions without reasons pile up until the rule means nothing.
    """
    example = """
        with patch("app.mailer.send"):  # mockguard: allow
    """
    use_instead = """
        with patch("app.mailer.send"):  # mockguard: allow the mail relay has no test instance; tracked in OPS-12
    """
    VALID = (
        "from unittest.mock import patch\n\ndef test_x():\n    with patch('app.mailer.send'):  # mockguard: allow no test relay exists\n        pass\n",
    )
    INVALID = (
        Invalid(
            "from unittest.mock import patch\n\ndef test_x():\n    with patch('app.mailer.send'):  # mockguard: allow\n        pass\n",
            lines=(4, 4),
        ),
    )
