"""Which lines a change adds and deletes, from a unified diff or from the two texts."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from unidiff import PatchedFile

# unidiff and difflib are imported by the functions that use them: `mockguard check` reads git's
# diff of most files without either (bot/gitrepo.py), and start-up stays short.


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
    from unidiff import PatchSet

    text = patch if patch.startswith("--- ") else f"--- a/file\n+++ b/file\n{patch}"
    if not text.endswith("\n"):
        text += "\n"
    added: frozenset[int] = frozenset()
    deleted: frozenset[int] = frozenset()
    for patched_file in PatchSet(text):
        file_added, file_deleted = changed_lines(patched_file)
        added, deleted = added | file_added, deleted | file_deleted
    return added, deleted


def changed_lines(patched_file: PatchedFile) -> tuple[frozenset[int], frozenset[int]]:
    """Added head lines and deleted base lines of one file of a parsed diff."""
    # unidiff numbers an added line in the head only and a removed line in the base only.
    added = frozenset(line.target_line_no for hunk in patched_file for line in hunk
                      if line.is_added and line.target_line_no is not None)
    deleted = frozenset(line.source_line_no for hunk in patched_file for line in hunk
                        if line.is_removed and line.source_line_no is not None)
    return added, deleted


def lines_from_texts(base: str | None, head: str | None) -> tuple[frozenset[int], frozenset[int]]:
    """The same, computed from both versions (for when no diff is at hand)."""
    import difflib

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
