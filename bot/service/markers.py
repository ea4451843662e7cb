"""Hidden markers in mockguard's own comments, so a later push can tell what it already said.

Comments are matched by these markers, never by line number: a mock that moves down a few lines
keeps its fingerprint and gets no second comment.
"""

from __future__ import annotations

import re

PREFIX = "<!-- mockguard:v1"
SUMMARY = f"{PREFIX} summary -->"
_FINGERPRINT = re.compile(r"<!-- mockguard:v1 fingerprint=(?P<fp>[0-9a-f]+:\d+)(?P<resolved> resolved)? -->")


def finding_marker(fingerprint: str, resolved: bool = False) -> str:
    return f"{PREFIX} fingerprint={fingerprint}{' resolved' if resolved else ''} -->"


def review_marker(head_sha: str) -> str:
    return f"{PREFIX} review head={head_sha} -->"


def fingerprints_in(body: str | None) -> list[tuple[str, bool]]:
    """(fingerprint, resolved) for each finding marker in a comment or review body."""
    return [(m["fp"], bool(m["resolved"])) for m in _FINGERPRINT.finditer(body or "")]


def is_summary(body: str | None) -> bool:
    return SUMMARY in (body or "")
