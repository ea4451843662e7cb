"""Which head lines GitHub accepts a review comment on: those inside the patch's hunks (RIGHT side)."""

from __future__ import annotations

import re

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@", re.MULTILINE)


def commentable_lines(patch: str | None) -> frozenset[int]:
    """Head line numbers inside a hunk (added or context). No patch: nothing is commentable."""
    if not patch:
        return frozenset()
    lines: set[int] = set()
    for match in _HUNK.finditer(patch):
        start = int(match.group(1))
        length = int(match.group(2)) if match.group(2) is not None else 1
        lines.update(range(start, start + length))
    return frozenset(lines)
