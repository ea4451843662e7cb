"""Which head lines GitHub accepts a review comment on: those inside the patch's hunks (RIGHT side)."""

from __future__ import annotations

from unidiff import PatchSet
from unidiff.errors import UnidiffParseError


def commentable_lines(patch: str | None) -> frozenset[int]:
    """Head line numbers inside a hunk (added or context). No patch: nothing is commentable."""
    if not patch:
        return frozenset()
    # GitHub's `patch` holds hunks without the `---`/`+++` header; unidiff needs one.
    text = f"--- a/file\n+++ b/file\n{patch}" + ("" if patch.endswith("\n") else "\n")
    try:
        hunks = [hunk for patched in PatchSet(text) for hunk in patched]
    except UnidiffParseError:
        return frozenset()  # a patch that does not parse cannot anchor a comment either
    lines: set[int] = set()
    for hunk in hunks:
        lines.update(range(hunk.target_start, hunk.target_start + hunk.target_length))
    return frozenset(lines)
