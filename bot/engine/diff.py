"""Which lines a change adds and deletes, from a unified diff or from the two texts."""

from __future__ import annotations

import difflib

from unidiff import PatchSet


def source_lines(text: str, *, keepends: bool = False) -> list[str]:
    """A file's lines as git numbers them: split at "\n" only. (`str.splitlines` also splits at
    form feeds, \x1c-\x1e, \x85 and \u2028/\u2029, which would shift every later line number.)"""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
        ends = ["\n"] * len(lines)
    else:
        ends = ["\n"] * (len(lines) - 1) + [""]
    if keepends:
        return [line + end for line, end in zip(lines, ends)]
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def lines_from_patch(patch: str) -> tuple[frozenset[int], frozenset[int]]:
    """Added head lines and deleted base lines of one file's unified diff hunks.

    GitHub's `patch` field holds hunks without the `---`/`+++` header; unidiff needs one.
    """
    if not patch.strip():
        return frozenset(), frozenset()
    text = patch if patch.startswith("--- ") else f"--- a/file\n+++ b/file\n{patch}"
    if not text.endswith("\n"):
        text += "\n"
    added: set[int] = set()
    deleted: set[int] = set()
    for patched_file in PatchSet(text):
        for hunk in patched_file:
            for line in hunk:
                if line.is_added:
                    added.add(line.target_line_no)
                elif line.is_removed:
                    deleted.add(line.source_line_no)
    return frozenset(added), frozenset(deleted)


def lines_from_texts(base: str | None, head: str | None) -> tuple[frozenset[int], frozenset[int]]:
    """The same, computed from both versions (for when no diff is at hand)."""
    base_lines = source_lines(base or "")
    head_lines = source_lines(head or "")
    added: set[int] = set()
    deleted: set[int] = set()
    matcher = difflib.SequenceMatcher(a=base_lines, b=head_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("replace", "delete"):
            deleted.update(range(i1 + 1, i2 + 1))
        if tag in ("replace", "insert"):
            added.update(range(j1 + 1, j2 + 1))
    return frozenset(added), frozenset(deleted)
