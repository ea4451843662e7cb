"""The repository's git data, read with the real `git` binary (bare or not).

Everything keyed by a full commit sha is immutable, so diffs are cached by (base, head). Paths and
refs given by clients never reach git as options: refs that start with `-` are refused and paths go
after `--`.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

from unidiff import PatchSet

from ..gitrun import GitError, run

SHA_RE = re.compile(r"^[0-9a-f]{40}$")
_STATUS = {"A": "added", "D": "removed", "M": "modified", "R": "renamed", "C": "copied", "T": "changed"}
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
_MEMO_TAGS = ("merge-base", "rev-list", "commit", "cat-file")


__all__ = ["EMPTY_TREE", "SHA_RE", "FileDiff", "GitError", "GitRepo"]


@dataclass
class DiffLine:
    kind: str  # "+", "-" or " "
    text: str
    old: int | None
    new: int | None
    position: int  # GitHub's `position`: lines below the file's first "@@" header (1-based)
    hunk: int


@dataclass
class Hunk:
    header: str
    index: int
    header_position: int  # position of the "@@" line itself (0 for the first hunk)
    lines: list[DiffLine] = field(default_factory=list)


@dataclass
class FileDiff:
    """One file of a diff, with what GitHub's `diff-entry` and review comments need."""

    filename: str
    previous_filename: str | None
    status: str
    additions: int
    deletions: int
    old_sha: str | None
    new_sha: str | None
    binary: bool
    patch: str | None  # the hunks, without the `diff --git`/`---`/`+++` header; None for binary
    hunks: list[Hunk] = field(default_factory=list)

    @property
    def changes(self) -> int:
        return self.additions + self.deletions

    def line_at(self, side: str, line: int) -> DiffLine | None:
        """The diff line that shows file line `line` on `side` (RIGHT: head, LEFT: base)."""
        for hunk in self.hunks:
            for diff_line in hunk.lines:
                if side == "RIGHT" and diff_line.kind in "+ " and diff_line.new == line:
                    return diff_line
                if side == "LEFT" and diff_line.kind in "- " and diff_line.old == line:
                    return diff_line
        return None

    def line_at_position(self, position: int) -> DiffLine | None:
        for hunk in self.hunks:
            for diff_line in hunk.lines:
                if diff_line.position == position:
                    return diff_line
        return None

    def diff_hunk_to(self, target: DiffLine) -> str:
        """GitHub's `diff_hunk` of a comment: its hunk's header and lines down to the commented one."""
        hunk = self.hunks[target.hunk]
        out = [hunk.header]
        for diff_line in hunk.lines:
            out.append(diff_line.kind + diff_line.text)
            if diff_line is target:
                break
        return "\n".join(out)

    def commentable(self, side: str) -> set[int]:
        out: set[int] = set()
        for hunk in self.hunks:
            for diff_line in hunk.lines:
                if side == "RIGHT" and diff_line.kind in "+ " and diff_line.new is not None:
                    out.add(diff_line.new)
                if side == "LEFT" and diff_line.kind in "- " and diff_line.old is not None:
                    out.add(diff_line.old)
        return out


@dataclass
class TreeEntry:
    mode: str
    type: str
    sha: str
    size: int | None
    path: str


@dataclass
class CommitInfo:
    sha: str
    tree: str
    parents: list[str]
    author_name: str
    author_email: str
    author_date: str
    committer_name: str
    committer_email: str
    committer_date: str
    message: str


def parse_hunks(patch: str) -> list[Hunk]:
    """The hunks of GitHub's `patch` field (hunks without the `---`/`+++` header), read by unidiff,
    with each line's `position` (its line number in the patch, the first "@@" being 0)."""
    raw_lines = patch.split("\n")
    text = f"--- a/file\n+++ b/file\n{patch}"
    if not text.endswith("\n"):
        text += "\n"
    hunks: list[Hunk] = []
    position = 0
    for patched in PatchSet(text):
        for index, parsed in enumerate(patched):
            header_position = 0 if index == 0 else position + 1
            hunk = Hunk(header=raw_lines[header_position], index=index, header_position=header_position)
            position = header_position
            for line in parsed:
                position += 1
                # "\ No newline at end of file" counts as a position but is no file line.
                kind = line.line_type if line.line_type in "+- " else "\\"
                hunk.lines.append(DiffLine(kind, raw_lines[position][1:], line.source_line_no if kind in "- " else None,
                                           line.target_line_no if kind in "+ " else None, position, index))
            hunks.append(hunk)
    return hunks


class GitRepo:
    """Read-only access to one repository through the `git` binary."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = str(Path(path).resolve())
        self._diff_cache: dict[tuple[str, str], list[FileDiff]] = {}
        self._memo_cache: dict[tuple, object] = {}
        self._lock = threading.Lock()
        try:
            self.git_dir = self._run("rev-parse", "--git-dir").decode().strip()
        except GitError as error:
            raise GitError(f"{self.path} is not a git repository: {error}") from None

    # -- plumbing -------------------------------------------------------------------------------

    def _run(self, *args: str, check: bool = True) -> bytes:
        return run(self.path, *args, check=check, isolated=True)

    # -- refs and objects -------------------------------------------------------------------------

    def resolve(self, ref: str) -> str | None:
        """The commit sha `ref` names (a sha, a unique prefix, a branch or a tag), or None."""
        if not ref or ref.startswith("-") or "\0" in ref or "\n" in ref:
            return None
        out = self._run("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False)
        sha = out.decode().strip()
        return sha if SHA_RE.match(sha) else None

    def resolve_tree(self, ref: str) -> str | None:
        if not ref or ref.startswith("-"):
            return None
        out = self._run("rev-parse", "--verify", "--quiet", f"{ref}^{{tree}}", check=False)
        sha = out.decode().strip()
        return sha if SHA_RE.match(sha) else None

    def object_type(self, sha: str) -> str | None:
        if not SHA_RE.match(sha):
            return None
        out = self._memo(("cat-file", sha), lambda: self._run("cat-file", "-t", sha, check=False).decode().strip())
        return out or None

    def read_blob(self, sha: str) -> bytes:
        return self._run("cat-file", "blob", sha)

    def branches(self) -> dict[str, str]:
        out = self._run("for-each-ref", "--format=%(refname:short)%00%(objectname)", "refs/heads")
        result: dict[str, str] = {}
        for line in out.decode("utf-8", "replace").splitlines():
            name, _, sha = line.partition("\0")
            result[name] = sha
        return result

    def head_branch(self) -> str | None:
        out = self._run("symbolic-ref", "--quiet", "--short", "HEAD", check=False).decode().strip()
        return out or None

    def commit(self, sha: str) -> CommitInfo:
        return self._memo(("commit", sha), lambda: self._commit(sha))

    def _commit(self, sha: str) -> CommitInfo:
        fmt = "%H%x00%T%x00%P%x00%an%x00%ae%x00%aI%x00%cn%x00%ce%x00%cI%x00%B"
        out = self._run("show", "-s", "--no-color", f"--format={fmt}", sha, "--").decode("utf-8", "replace")
        parts = out.split("\0", 9)
        return CommitInfo(
            sha=parts[0],
            tree=parts[1],
            parents=parts[2].split(),
            author_name=parts[3],
            author_email=parts[4],
            author_date=parts[5],
            committer_name=parts[6],
            committer_email=parts[7],
            committer_date=parts[8],
            message=parts[9].rstrip("\n"),
        )

    def _memo(self, key: tuple, compute):
        """Cache answers about full shas: git objects never change."""
        if not all(isinstance(k, str) and (SHA_RE.match(k) or k in _MEMO_TAGS) for k in key if k is not None):
            return compute()
        with self._lock:
            if key in self._memo_cache:
                return self._memo_cache[key]
        value = compute()
        if value is None or value == "":  # not there (yet): a later push may bring it
            return value
        with self._lock:
            if len(self._memo_cache) > 20_000:
                self._memo_cache.clear()
            self._memo_cache[key] = value
        return value

    def merge_base(self, a: str, b: str) -> str | None:
        def compute() -> str | None:
            out = self._run("merge-base", a, b, check=False).decode().strip()
            return out if SHA_RE.match(out) else None

        return self._memo(("merge-base", a, b), compute)

    def rev_list(self, base: str | None, head: str) -> list[str]:
        """Commits reachable from head and not from base, oldest first."""
        def compute() -> list[str]:
            args = ["rev-list", "--reverse", head] + ([f"^{base}"] if base else []) + ["--"]
            return self._run(*args).decode().split()

        return list(self._memo(("rev-list", base, head), compute))

    def log(self, head: str, path: str | None = None) -> list[str]:
        """Commits reachable from head, newest first; with `path`, those that changed it (GitHub's
        `GET /repos/{owner}/{repo}/commits?sha=&path=`)."""
        def compute() -> list[str]:
            return self._run("log", "--format=%H", head, "--", *([path] if path else [])).decode().split()

        return list(self._memo(("log", head, path), compute))

    def ls_tree(self, tree: str, path: str | None = None, *, recursive: bool = False) -> list[TreeEntry]:
        args = ["ls-tree", "-z", "-l"]
        if recursive:
            args += ["-r", "-t"]
        args.append(tree)
        if path:
            args += ["--", path]
        out = self._run(*args)
        entries: list[TreeEntry] = []
        for record in out.split(b"\0"):
            if not record:
                continue
            meta, _, name = record.partition(b"\t")
            mode, kind, sha, size = meta.decode().split(None, 3)
            entries.append(
                TreeEntry(mode, kind, sha, None if size.strip() == "-" else int(size), name.decode("utf-8", "replace"))
            )
        return entries

    def entry(self, commit: str, path: str) -> TreeEntry | None:
        """The tree entry at `path` in `commit` ("" is the root tree)."""
        path = path.strip("/")
        if not path:
            tree = self.resolve_tree(commit)
            return TreeEntry("040000", "tree", tree, None, "") if tree else None
        found = self.ls_tree(commit, path)
        for item in found:
            if item.path == path:
                return item
        return None

    # -- diffs ----------------------------------------------------------------------------------

    def diff(self, base: str, head: str) -> list[FileDiff]:
        """Files changed from `base` to `head` (both full shas), in git's (and GitHub's) order."""
        key = (base, head)
        with self._lock:
            cached = self._diff_cache.get(key)
        if cached is not None:
            return cached
        files = self._compute_diff(base, head)
        with self._lock:
            if len(self._diff_cache) > 2_000:
                self._diff_cache.clear()
            self._diff_cache[key] = files
        return files

    _DIFF_OPTS = ("--no-color", "--no-ext-diff", "--no-textconv", "--find-renames", "--no-relative", "-O/dev/null")

    def _compute_diff(self, base: str, head: str) -> list[FileDiff]:
        raw = self._run("diff", *self._DIFF_OPTS, "--raw", "-z", "--no-abbrev", base, head, "--")
        numstat = self._run("diff", *self._DIFF_OPTS, "--numstat", "-z", base, head, "--")
        patch = self._run(
            "diff", *self._DIFF_OPTS, "--full-index", "-U3", "--src-prefix=a/", "--dst-prefix=b/", base, head, "--"
        )
        entries = self._parse_raw(raw)
        counts = self._parse_numstat(numstat)
        sections = self._split_patch(patch)
        files: list[FileDiff] = []
        for index, (status, old_sha, new_sha, path, old_path) in enumerate(entries):
            added, deleted = counts[index] if index < len(counts) else (0, 0)
            section = sections[index] if index < len(sections) else b""
            binary = added is None or b"\nBinary files " in b"\n" + section or b"GIT binary patch" in section
            text = None
            if not binary:
                lines = section.split(b"\n")
                for at, line in enumerate(lines):
                    if line.startswith(b"@@ "):
                        text = b"\n".join(lines[at:]).decode("utf-8", "replace").rstrip("\n")
                        break
            zero = "0" * 40
            files.append(
                FileDiff(
                    filename=path,
                    previous_filename=old_path,
                    status=_STATUS.get(status[:1], "modified"),
                    additions=added or 0,
                    deletions=deleted or 0,
                    old_sha=None if old_sha == zero else old_sha,
                    new_sha=None if new_sha == zero else new_sha,
                    binary=binary,
                    patch=text or None,
                    hunks=parse_hunks(text) if text else [],
                )
            )
        return files

    def diff_text(self, base: str, head: str) -> str:
        """The whole unified diff, as GitHub's `application/vnd.github.diff` media type answers."""
        out = self._run(
            "diff", *self._DIFF_OPTS, "--full-index", "-U3", "--src-prefix=a/", "--dst-prefix=b/", base, head, "--"
        )
        return out.decode("utf-8", "replace")

    @staticmethod
    def _parse_raw(raw: bytes) -> list[tuple[str, str, str, str, str | None]]:
        fields = raw.split(b"\0")
        out: list[tuple[str, str, str, str, str | None]] = []
        i = 0
        while i < len(fields):
            meta = fields[i].decode()
            if not meta.startswith(":"):
                i += 1
                continue
            _old_mode, _new_mode, old_sha, new_sha, status = meta[1:].split()
            if status[:1] in ("R", "C"):
                old_path = fields[i + 1].decode("utf-8", "replace")
                path = fields[i + 2].decode("utf-8", "replace")
                i += 3
                out.append((status, old_sha, new_sha, path, old_path))
            else:
                path = fields[i + 1].decode("utf-8", "replace")
                i += 2
                out.append((status, old_sha, new_sha, path, None))
        return out

    @staticmethod
    def _parse_numstat(raw: bytes) -> list[tuple[int | None, int | None]]:
        fields = raw.split(b"\0")
        out: list[tuple[int | None, int | None]] = []
        i = 0
        while i < len(fields):
            record = fields[i]
            if not record:
                i += 1
                continue
            added, deleted, rest = record.split(b"\t", 2)
            if rest == b"":  # rename or copy: the two paths follow as their own fields
                i += 3
            else:
                i += 1
            if added == b"-":
                out.append((None, None))
            else:
                out.append((int(added), int(deleted)))
        return out

    @staticmethod
    def _split_patch(patch: bytes) -> list[bytes]:
        sections: list[bytes] = []
        current: list[bytes] | None = None
        for line in patch.split(b"\n"):
            if line.startswith(b"diff --git "):
                if current is not None:
                    sections.append(b"\n".join(current))
                current = []
                continue
            if current is not None:
                current.append(line)
        if current is not None:
            sections.append(b"\n".join(current))
        return sections
