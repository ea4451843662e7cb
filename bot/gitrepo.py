"""Read a change out of a local git repository, with the real `git` binary.

The `git` binary (not a binding such as pygit2 or GitPython) because it is on every machine that
has a repository, understands every repository layout (bare, worktrees, partial clones), and two
calls (`git diff` and one `git cat-file --batch`) carry a change of any size.
"""

from __future__ import annotations

import io
import subprocess
import tokenize
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from unidiff import PatchSet
from unidiff.errors import UnidiffParseError

from .engine.model import FileChange, Notice

MAX_BLOB_BYTES = 2_000_000


class GitError(Exception):
    """A repository, ref or path that git cannot use; the message says which and why."""


@dataclass(frozen=True)
class Revisions:
    base: str  # a commit id
    head: str | None  # a commit id, or None for the working tree / index
    staged: bool = False


def git(repo: Path, *args: str, input: bytes | None = None, check: bool = True) -> bytes:
    try:
        completed = subprocess.run(
            ["git", "-C", str(repo), "-c", "core.quotepath=off", *args],
            input=input,
            capture_output=True,
            check=False,
        )
    except FileNotFoundError as error:
        raise GitError("git is not installed or not on PATH") from error
    if check and completed.returncode != 0:
        raise GitError(completed.stderr.decode("utf-8", "replace").strip() or f"git {' '.join(args)} failed")
    return completed.stdout


def resolve_revisions(repo: Path, base: str | None, head: str | None, staged: bool) -> Revisions:
    if not repo.is_dir():
        raise GitError(f"{repo}: no such directory")
    if subprocess.run(["git", "-C", str(repo), "rev-parse", "--git-dir"], capture_output=True).returncode != 0:
        raise GitError(f"{repo} is not inside a git repository")
    head_id = _commit(repo, head) if head else None
    if base:
        base_id = _commit(repo, base)
    elif staged:
        # Before the first commit there is no HEAD: the index is compared with the empty tree.
        has_head = git(repo, "rev-parse", "--verify", "--quiet", "HEAD^{commit}", check=False).strip()
        base_id = _commit(repo, "HEAD") if has_head else git(repo, "hash-object", "-t", "tree", "--stdin", input=b"").strip().decode()
    else:
        base_id = _merge_base_with_default_branch(repo, head_id or "HEAD")
    return Revisions(base_id, head_id, staged)


def _commit(repo: Path, ref: str) -> str:
    out = git(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False).strip()
    if not out:
        raise GitError(f"unknown revision {ref!r} in {repo}")
    return out.decode()


def _merge_base_with_default_branch(repo: Path, head: str) -> str:
    candidates = []
    remote_head = git(repo, "symbolic-ref", "--quiet", "refs/remotes/origin/HEAD", check=False).strip().decode()
    if remote_head:
        candidates.append(remote_head)
    candidates += ["refs/heads/main", "refs/heads/master", "refs/remotes/origin/main", "refs/remotes/origin/master"]
    for ref in candidates:
        if git(repo, "rev-parse", "--verify", "--quiet", ref, check=False).strip():
            merge_base = git(repo, "merge-base", ref, head, check=False).strip().decode()
            if merge_base:
                return merge_base
    raise GitError("cannot find the default branch (origin/HEAD, main or master) to compare with: pass --base REF")


def read_change(
    repo: Path,
    revisions: Revisions,
    *,
    paths: Sequence[str] = (),
    wanted: Callable[[str], bool] = lambda path: True,
) -> tuple[list[FileChange], list[Notice]]:
    """The files the change touches that `wanted` selects, with both texts and changed lines."""
    diff_args = ["diff", "--no-color", "--no-ext-diff", "-M", "-U0", "--src-prefix=a/", "--dst-prefix=b/"]
    if revisions.staged:
        diff_args += ["--cached", revisions.base]
    elif revisions.head:
        diff_args += [revisions.base, revisions.head]
    else:
        diff_args += [revisions.base]
    raw = git(repo, *diff_args, "--", *paths)
    try:
        patch = PatchSet(io.StringIO(raw.decode("utf-8", "surrogateescape")))
    except UnidiffParseError as error:
        raise GitError(f"cannot read git's diff: {error}") from error

    notices: list[Notice] = []
    entries = []
    for patched in patch:
        # unidiff takes a -U0 hunk "@@ -0,0 +1,N @@" (lines inserted at the top) for a new file;
        # git's /dev/null side is what says a file is new or gone.
        is_added = patched.source_file == "/dev/null"
        is_removed = patched.target_file == "/dev/null"
        path = _strip(patched.source_file if is_removed else patched.target_file)
        if not path.endswith(".py"):
            continue
        if patched.is_binary_file:
            if wanted(path):
                notices.append(Notice(path, "skipped: binary file"))
            continue
        base_path = None if is_added else _strip(patched.source_file)
        added = frozenset(line.target_line_no for hunk in patched for line in hunk if line.is_added)
        deleted = frozenset(line.source_line_no for hunk in patched for line in hunk if line.is_removed)
        reported = wanted(path) and not is_removed
        if reported and added:
            status = "added" if is_added else "renamed" if patched.is_rename else "modified"
            entries.append((path, base_path, added, deleted, status))
        elif deleted and base_path:
            # Not reported on, but a mock deleted here may have moved into a reported file.
            entries.append((path, base_path, frozenset(), deleted, "source"))
    if not revisions.head and not revisions.staged:
        entries += _untracked(repo, paths, wanted)

    blobs = _read_blobs(repo, revisions, entries)
    changes: list[FileChange] = []
    for path, base_path, added, deleted, status in entries:
        base_text = _text(base_path, blobs.get(("base", base_path)), notices) if base_path else None
        if status == "source":
            if base_text is not None:
                changes.append(FileChange(path, base_path, base_text, None, added, deleted, status))
            continue
        head_text = _text(path, blobs.get(("head", path)), notices)
        if head_text is None:
            continue
        changes.append(FileChange(path, base_path, base_text, head_text, added, deleted, status))
    return changes, notices


def _untracked(repo: Path, paths: Sequence[str], wanted: Callable[[str], bool]):
    out = git(repo, "ls-files", "--others", "--exclude-standard", "-z", "--", *paths).decode("utf-8", "surrogateescape")
    for path in filter(None, out.split("\0")):
        if path.endswith(".py") and wanted(path):
            file = repo / path
            try:
                data = file.read_bytes()
            except OSError:
                continue
            count = data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
            yield path, None, frozenset(range(1, count + 1)), frozenset(), "added"


def _read_blobs(repo: Path, revisions: Revisions, entries) -> dict[tuple[str, str], bytes | None]:
    """Both sides' contents: one `git cat-file --batch` for everything read from git objects."""
    specs: list[tuple[tuple[str, str], str]] = []
    blobs: dict[tuple[str, str], bytes | None] = {}
    for path, base_path, _added, _deleted, _status in entries:
        if base_path:
            specs.append((("base", base_path), f"{revisions.base}:{base_path}"))
        if _status == "source":
            continue
        if revisions.head:
            specs.append((("head", path), f"{revisions.head}:{path}"))
        elif revisions.staged:
            specs.append((("head", path), f":{path}"))
        else:
            try:
                blobs[("head", path)] = (repo / path).read_bytes()
            except OSError:
                blobs[("head", path)] = None
    if specs:
        out = git(repo, "cat-file", "--batch", input="".join(f"{spec}\n" for _, spec in specs).encode("utf-8", "surrogateescape"))
        position = 0
        for key, _spec in specs:
            header_end = out.index(b"\n", position)
            header = out[position:header_end].split()
            position = header_end + 1
            if len(header) < 3 or header[-1] == b"missing":
                blobs[key] = None
                continue
            size = int(header[2])
            blobs[key] = out[position : position + size]
            position += size + 1
    return blobs


def _text(path: str, data: bytes | None, notices: list[Notice]) -> str | None:
    if data is None:
        return None
    if len(data) > MAX_BLOB_BYTES:
        notices.append(Notice(path, f"skipped: {len(data)} bytes is over the {MAX_BLOB_BYTES}-byte limit", level="warning"))
        return None
    if b"\0" in data[:8000]:
        notices.append(Notice(path, "skipped: binary file"))
        return None
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError):
        notices.append(Notice(path, "not valid UTF-8 (nor its declared encoding): undecodable bytes were replaced before checking"))
        return data.decode("utf-8", "replace")


def _strip(name: str) -> str:
    return name[2:] if name.startswith(("a/", "b/")) else name


def read_at(repo: Path, revision: str, path: str) -> str | None:
    """One file's text at a revision, or None when it is not there."""
    out = subprocess.run(["git", "-C", str(repo), "show", f"{revision}:{path}"], capture_output=True)
    return out.stdout.decode("utf-8", "replace") if out.returncode == 0 else None
