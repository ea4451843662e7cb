"""Read a change out of a local git repository, with the real `git` binary.

The `git` binary (not a binding such as pygit2 or GitPython) because it is on every machine that
has a repository, understands every repository layout (bare, worktrees, partial clones), and a
few calls (`git diff`, and one `git cat-file --batch` that reads the files) carry a change of any size.
"""

from __future__ import annotations

import codecs
import io
import os
import re
import subprocess
import threading
import tokenize
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, NamedTuple

from .engine.diff import changed_lines
from .engine.model import FileChange, Notice
from .gitrun import GitError, exit_status, popen, run

if TYPE_CHECKING:
    from unidiff import PatchedFile

MAX_BLOB_BYTES = 20_000_000  # the engine reads test files over its parsing limit line by line; past this, it is data


@dataclass(frozen=True)
class Revisions:
    base: str  # the commit (or empty tree) the change is compared with: the merge base when one was computed
    head: str | None  # a commit id, or None for the working tree / index
    staged: bool = False
    # What was asked for and what it resolved to, so every report can say what was compared.
    base_given: str | None = None  # --base as typed, or None for the default
    base_ref: str | None = None  # the ref the base came from ("main", "refs/remotes/origin/HEAD -> ...")
    base_commit: str | None = None  # that ref's commit (before any merge base)
    merge_base: str | None = None  # the merge base of base_commit and the head, when computed
    head_given: str | None = None
    head_commit: str | None = None  # the head commit, or HEAD's under a working tree / index

    @property
    def head_state(self) -> str:
        return "index" if self.staged else "commit" if self.head else "working tree"


__all__ = ["GitError", "Objects", "Revisions", "read_at", "read_change", "resolve_revisions"]


class Objects:
    """Git objects read through one long-lived `git cat-file --batch`: the change's blobs, the rules
    file, and every head-tree file the engine asks for (conftest.py files, fixture modules) cost one
    line on its standard input each instead of a git process each. Started on the first question;
    close it (or use it as a context manager) when the run is over."""

    def __init__(self, repo: Path) -> None:
        self.repo = repo
        self._process: subprocess.Popen[bytes] | None = None
        self._errors = _scratch_file()  # git's stderr: a file, so a chatty git never blocks
        self._lock = threading.Lock()  # one question at a time, whichever thread asks

    def __enter__(self) -> Objects:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            assert process.stdin is not None and process.stdout is not None
            try:
                process.stdin.close()
            except OSError:
                pass
            process.stdout.close()
            process.wait()
        self._errors.close()

    def read(self, spec: str) -> bytes | None:
        """A blob's content by any name git takes (`REV:PATH`, `:PATH` for the index), or None when
        there is no such blob (or the name cannot be written on one line)."""
        return self.read_many([spec])[0]

    def read_many(self, specs: Sequence[str], each: Callable[[int, bytes | None], None] | None = None) -> list[bytes | None]:
        """Several objects at once: the names are written while the answers are read, so a big
        change never waits on a full pipe. `each(index, data)` is told each answer as it comes."""
        with self._lock:
            return self._read_many(specs, each)

    def _read_many(self, specs: Sequence[str], each: Callable[[int, bytes | None], None] | None = None) -> list[bytes | None]:
        answers: list[bytes | None] = [None] * len(specs)
        asked = [(index, spec) for index, spec in enumerate(specs) if spec and "\n" not in spec]
        if not asked:
            return answers
        process = self._started()
        assert process.stdin is not None and process.stdout is not None
        payload = "".join(f"{spec}\n" for _, spec in asked).encode("utf-8", "surrogateescape")
        failed: list[OSError] = []

        def write() -> None:
            try:
                process.stdin.write(payload)  # type: ignore[union-attr]
                process.stdin.flush()  # type: ignore[union-attr]
            except OSError as error:  # git died: the reading side says why
                failed.append(error)

        writer = threading.Thread(target=write, daemon=True) if len(payload) > 16_384 else None
        if writer is not None:
            writer.start()
        else:
            write()
        try:
            for index, _spec in asked:
                answers[index] = self._answer(process)
                if each is not None:
                    each(index, answers[index])
        finally:
            if writer is not None:
                writer.join()
        return answers

    def text(self, revision: str, path: str) -> str | None:
        """A file's text at a revision ("" for the index), as `read_at` gives it: None when absent
        (or when git cannot read it)."""
        try:
            data = self.read(f"{revision}:{path}")
        except GitError:
            return None
        return None if data is None else data.decode("utf-8", "replace")

    def _started(self) -> subprocess.Popen[bytes]:
        if self._process is None or self._process.poll() is not None:
            self._process = popen(self.repo, "cat-file", "--batch", stderr=self._errors)
        return self._process

    def _answer(self, process: subprocess.Popen[bytes]) -> bytes | None:
        assert process.stdout is not None
        header = process.stdout.readline()
        if not header.endswith(b"\n"):
            self._errors.seek(0)
            message = self._errors.read().decode("utf-8", "replace").strip()
            self._process = None
            raise GitError(message or "git cat-file stopped answering")
        fields = header.split()
        if len(fields) != 3 or not fields[2].isdigit():
            return None  # "<name> missing", "<name> ambiguous"
        size = int(fields[2])
        data = process.stdout.read(size + 1)
        if len(data) != size + 1:
            self._process = None
            raise GitError("git cat-file stopped in the middle of an object")
        return data[:size] if fields[1] == b"blob" else None


def _scratch_file() -> IO[bytes]:
    """An unnamed temporary file. Where the system makes one directly (Linux's O_TMPFILE), without
    importing `tempfile` (4 ms of every run's start: shutil, random and the compression modules)."""
    flag = getattr(os, "O_TMPFILE", None)
    if flag is not None:
        try:
            return os.fdopen(os.open(os.environ.get("TMPDIR") or "/tmp", flag | os.O_RDWR, 0o600), "w+b")
        except OSError:  # a file system without it, a TMPDIR that is not a folder: as tempfile does
            pass
    import tempfile

    return tempfile.TemporaryFile()


def git(repo: Path, *args: str, input: bytes | None = None, check: bool = True) -> bytes:
    return run(repo, *args, input=input, check=check)


def resolve_revisions(repo: Path, base: str | None, head: str | None, staged: bool) -> Revisions:
    """What to compare. An explicit --base is compared through its merge base with the head (as
    `git diff BASE...HEAD` does): a branch tip that moved on must not make its own later
    changes look like the change's. Without --base, the merge base with the default branch."""
    if not repo.is_dir():
        raise GitError(f"{repo}: no such directory")
    known = _commits_at_once(repo, [head or "HEAD", *([base] if base else [])])
    if known is None:  # something to say about one of them: ask one at a time, as git explains it
        if not git(repo, "rev-parse", "--git-dir", check=False).strip():
            raise GitError(f"{repo} is not inside a git repository")
        head_id = _commit(repo, head) if head else None
        head_commit = head_id or _optional_commit(repo, "HEAD")
    else:
        head_id = known[0] if head else None
        head_commit = known[0]
    if base:
        base_id = known[1] if known is not None else _commit(repo, base)
        merge_base = _merge_base(repo, base_id, head_commit) if head_commit else None
        return Revisions(merge_base or base_id, head_id, staged, base, base, base_id, merge_base, head, head_commit)
    if staged:
        # Before the first commit there is no HEAD: the index is compared with the empty tree.
        base_id = head_commit or git(repo, "hash-object", "-t", "tree", "--stdin", input=b"").strip().decode()
        return Revisions(base_id, head_id, staged, None, "HEAD" if head_commit else "(empty tree)", base_id, None, head, head_commit)
    if head_commit is None:
        raise GitError("the repository has no commit yet: pass --staged to check the index, or commit first")
    ref, tip = _default_branch(repo)
    merge_base = _merge_base(repo, tip, head_commit)
    if merge_base is None:
        raise GitError(f"{ref} and the head have no common history: pass --base REF")
    revisions = Revisions(merge_base, head_id, staged, None, ref, tip, merge_base, head, head_commit)
    if merge_base == head_commit and (head_id or not _working_tree_changed(repo)):
        raise GitError(
            f"nothing to compare: the default branch ({ref}, {tip[:7]}) is the head commit itself"
            f"{'' if head_id else ' and the working tree has no changes'}. Name the branch the change"
            " goes into, for example `--base origin/main`; in CI, fetch it first (with enough depth"
            " for the merge base: `git fetch origin main --depth=50`, or `fetch-depth: 0` in actions/checkout)"
        )
    return revisions


def _commits_at_once(repo: Path, refs: Sequence[str]) -> list[str] | None:
    """The commits `refs` name, from one `git rev-parse` (which also says the folder is a repository);
    None when that answer is not one commit id per plain name (a typo, a range, no commit yet)."""
    if any(not ref or ref.startswith("-") or any(c.isspace() for c in ref) for ref in refs):
        return None
    out = git(repo, "rev-parse", "--git-dir", *(f"{ref}^{{commit}}" for ref in refs), check=False).decode("utf-8", "replace").split("\n")
    if out and out[-1] == "":
        out.pop()
    ids = out[1:]
    if len(out) != len(refs) + 1 or not out[0] or not all(_OBJECT_ID.fullmatch(i) for i in ids):
        return None
    return ids


_OBJECT_ID = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")


def _commit(repo: Path, ref: str) -> str:
    out = _optional_commit(repo, ref)
    if not out:
        raise GitError(f"unknown revision {ref!r} in {repo}")
    return out


def _optional_commit(repo: Path, ref: str) -> str | None:
    out = git(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False).strip()
    return out.decode() if out else None


def _merge_base(repo: Path, one: str, other: str) -> str | None:
    out = git(repo, "merge-base", one, other, check=False).strip()
    return out.decode() if out else None


def _default_branch(repo: Path) -> tuple[str, str]:
    """(the ref's name, its commit) of the default branch: origin/HEAD, main or master."""
    candidates = []
    remote_head = git(repo, "symbolic-ref", "--quiet", "refs/remotes/origin/HEAD", check=False).strip().decode()
    if remote_head:
        candidates.append(remote_head)
    candidates += ["refs/heads/main", "refs/heads/master", "refs/remotes/origin/main", "refs/remotes/origin/master"]
    for ref in candidates:
        tip = _optional_commit(repo, ref)
        if tip:
            return ref.removeprefix("refs/heads/").removeprefix("refs/remotes/"), tip
    raise GitError(
        "cannot find the default branch (origin/HEAD, main or master) to compare with: pass --base REF"
        " (in CI, fetch the target branch first, e.g. `git fetch origin main`)"
    )


def git_has_staged(repo: Path) -> bool:
    """Whether the index differs from HEAD (everything staged counts before the first commit)."""
    if _optional_commit(repo, "HEAD") is None:
        return bool(git(repo, "ls-files", "--cached", check=False).strip())
    return git_status(repo, "diff", "--cached", "--quiet") == 1


def git_status(repo: Path, *args: str) -> int:
    return exit_status(repo, *args)


def _working_tree_changed(repo: Path) -> bool:
    return bool(git(repo, "status", "--porcelain", "--untracked-files=all").strip())


def missing_paths(repo: Path, revisions: Revisions, paths: Sequence[str]) -> list[str]:
    """The PATH arguments that name nothing in the head (nor the base): a typo must not check nothing."""
    if not paths:
        return []
    empty_tree = git(repo, "hash-object", "-t", "tree", "--stdin", input=b"").strip().decode()
    missing = []
    for path in paths:
        if revisions.head:
            found = bool(git(repo, "diff", "--name-only", "--no-renames", empty_tree, revisions.head, "--", path, check=False).strip())
        elif revisions.staged:
            found = bool(git(repo, "ls-files", "--cached", "--", path, check=False).strip())
        else:
            found = (repo / path).exists() or bool(git(repo, "ls-files", "--cached", "--others", "--exclude-standard", "--", path, check=False).strip())
        if not found:
            found = bool(git(repo, "diff", "--name-only", "--no-renames", empty_tree, revisions.base, "--", path, check=False).strip())
        if not found:
            missing.append(path)
    return missing


@dataclass
class ChangeRead:
    changes: list[FileChange]
    notices: list[Notice]
    unreadable: list[str]  # files git could not read (a missing object, as in partial clones)

    def __iter__(self):  # `changes, notices = read_change(...)` keeps working
        return iter((self.changes, self.notices))


def read_change(
    repo: Path,
    revisions: Revisions,
    *,
    paths: Sequence[str] = (),
    wanted: Callable[[str], bool] = lambda path: True,
    objects: Objects | None = None,
    on_head: Callable[[str, str], None] | None = None,
) -> ChangeRead:
    """The files the change touches that `wanted` selects, with both texts and changed lines.

    A file git cannot read (its object is missing, as in a partial clone that cannot fetch) gets
    a notice and is listed in `unreadable`; the rest of the change is still read. `objects` is the
    caller's reader when it has one (else one is opened for this read). `on_head(path, text)` is
    told head texts as git hands them over, while the diff still runs (on the reading thread; not
    every head, and a notice about one comes with the result): work on them meanwhile."""
    if objects is None:
        with Objects(repo) as own:
            return read_change(repo, revisions, paths=paths, wanted=wanted, objects=own, on_head=on_head)
    heads = _HeadBlobs(repo, revisions, paths, wanted, objects, on_head)  # read while git diffs (below)
    try:
        return _read_change(repo, revisions, paths, wanted, objects, heads)
    finally:
        heads.join()  # never left reading through `objects` once the read is over (or failed)


def _read_change(repo: Path, revisions: Revisions, paths: Sequence[str], wanted: Callable[[str], bool], objects: Objects,
                 heads: _HeadBlobs) -> ChangeRead:
    notices: list[Notice] = []
    unreadable: list[str] = []
    try:
        patches = [_diff(repo, revisions, paths)]
    except GitError as whole_error:
        # One unreadable blob fails the whole diff: list the changed files without reading
        # them, then diff each one alone, so only the unreadable ones are lost.
        try:
            listed = git(repo, *_diff_args(revisions, "--name-only", "--no-renames", "-z"), "--", *paths)
        except GitError:
            raise whole_error from None
        patches = []
        for path in filter(None, listed.decode("utf-8", "surrogateescape").split("\0")):
            try:
                patches.append(_diff(repo, revisions, [f":(literal){path}"]))
            except GitError as error:
                if path.endswith(".py") and wanted(path):
                    unreadable.append(path)
                    notices.append(Notice(path, f"could not be read, so it was not checked: {_first_line(str(error))}", level="warning"))
    patch = [patched for patch_set in patches for patched in patch_set]
    entries: list[_Entry] = []
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
        if isinstance(patched, _PlainFile):
            added, deleted = patched.added_lines, patched.deleted_lines
        else:
            added, deleted = changed_lines(patched)
        reported = wanted(path) and not is_removed
        # A rename without edits still goes to the engine: renamed into the gate, its mocks are new.
        if reported and (added or patched.is_rename):
            status = "added" if is_added else "renamed" if patched.is_rename else "modified"
            entries.append(_Entry(path, base_path, added, deleted, status, _base_blob_id(patched)))
        elif deleted and base_path:
            # Not reported on, but a mock deleted here may have moved into a reported file.
            entries.append(_Entry(path, base_path, frozenset(), deleted, "source"))
    if not revisions.head and not revisions.staged:
        entries += _untracked(repo, paths, wanted)

    blobs = _read_blobs(repo, revisions, entries, objects, heads.blobs())
    changes: list[FileChange] = []
    for path, base_path, added, deleted, status, _base_id in entries:
        base_text = _text(base_path, blobs.get(("base", base_path)), notices) if base_path else None
        if status == "source":
            if base_text is not None:
                changes.append(FileChange(path, base_path, base_text, None, added, deleted, status))
            continue
        head_blob = blobs.get(("head", path))
        if head_blob is None or (base_path and blobs.get(("base", base_path)) is None):
            unreadable.append(path)
            notices.append(Notice(path, "could not be read, so it was not checked: a git object is missing", level="warning"))
            continue
        head_text = heads.text(path, head_blob) or _text(path, head_blob, notices)
        if head_text is None:
            continue
        changes.append(FileChange(path, base_path, base_text, head_text, added, deleted, status))
    return ChangeRead(changes, notices, unreadable)


class _HeadBlobs(threading.Thread):
    """The head blobs of the files `read_change` will report on, read on a thread of their own
    while `git diff -U0` runs: the changed paths and their blob ids come from `git diff --raw`
    (trees only, milliseconds), and `git cat-file` reads the blobs by id on the second core while
    the diff reads and compares both sides of every file. The read then costs about the longer of
    the two instead of their sum.

    Only a shortcut: a path it did not read (a missing object, a working tree, a partial clone,
    any git error) is read as before, after the diff, by its `REV:PATH` name. For a commit the
    blob at a path is fixed, so both ways give the same bytes."""

    def __init__(self, repo: Path, revisions: Revisions, paths: Sequence[str], wanted: Callable[[str], bool], objects: Objects,
                 on_head: Callable[[str, str], None] | None = None) -> None:
        super().__init__(name="mockguard-heads", daemon=True)
        self._args = (repo, revisions, paths, wanted, objects)
        self._on_head = on_head
        self._texts: dict[str, tuple[bytes, str]] = {}  # path -> (blob, its text) as told to `on_head`
        self._blobs: dict[str, bytes] = {}
        # The working tree's heads are files, read after the diff; the index and commits have blobs.
        if revisions.head or revisions.staged:
            self.start()

    def run(self) -> None:
        repo, revisions, paths, wanted, objects = self._args
        try:
            # A partial clone fetches a missing blob that `cat-file` asks for one request at a time,
            # while the diff fetches all it needs in one batch: there, let the diff go first.
            if git(repo, "config", "--get-regexp", r"^extensions\.partialclone$|^remote\..*\.promisor$", check=False).strip():
                return
            raw = git(repo, *_diff_args(revisions, "-M", "--raw", "-z", "--no-abbrev"), "--", *paths)
            wanted_ids = dict(_raw_heads(raw.decode("utf-8", "surrogateescape"), wanted))
            read = objects.read_many(list(wanted_ids.values()), self._told(list(wanted_ids)))
        except Exception:  # noqa: BLE001 - a shortcut only: whatever failed here is read (and reported) the usual way
            return
        self._blobs = {path: data for path, data in zip(wanted_ids, read) if data is not None}

    def _told(self, paths: list[str]) -> Callable[[int, bytes | None], None] | None:
        """What `read_many` tells each answer to: `on_head`, with the text as `read_change` decodes it."""
        on_head = self._on_head
        if on_head is None:
            return None

        failed: list[BaseException] = []

        def each(index: int, data: bytes | None) -> None:
            # Never raises into `read_many`, which must read every answer of the batch: a caller's
            # error only stops the telling (the read goes on; what was not told is not needed).
            if failed:
                return
            try:
                said: list[Notice] = []
                text = _text(paths[index], data, said) if data is not None else None
                if text is not None and data is not None and not said:  # (a text with a notice is decoded again, with it)
                    self._texts[paths[index]] = (data, text)
                    on_head(paths[index], text)
            except Exception as error:  # noqa: BLE001
                failed.append(error)

        return each

    def text(self, path: str, data: bytes) -> str | None:
        """The text told to `on_head` for this very blob (the same object: no second decoding)."""
        told = self._texts.get(path)
        return told[1] if told is not None and told[0] is data else None

    def blobs(self) -> dict[str, bytes]:
        """Path -> head blob, for the paths read; waits for the read to end."""
        self.join()
        return self._blobs

    def join(self, timeout: float | None = None) -> None:
        if self.ident is not None:  # not started for a working tree
            super().join(timeout)


def _raw_heads(raw: str, wanted: Callable[[str], bool]) -> Iterator[tuple[str, str]]:
    """(path, head blob id) of the files of `git diff --raw -z` that `read_change` reads the head
    of: Python files `wanted` selects, not deleted (submodules and empty sides left out)."""
    fields = raw.split("\0")
    index = 0
    while index + 1 < len(fields) and fields[index].startswith(":"):
        meta = fields[index].split()  # :MODE MODE ID ID STATUS
        index += 3 if meta[-1][:1] in ("R", "C") else 2  # a rename or a copy names both paths, the head's last
        path = fields[index - 1] if index <= len(fields) else ""
        if len(meta) == 5 and meta[1] not in ("000000", "160000") and path.endswith(".py") and wanted(path):
            yield path, meta[3]


class _Entry(NamedTuple):
    path: str
    base_path: str | None
    added: frozenset[int]
    deleted: frozenset[int]
    status: str
    base_id: str | None = None  # the base blob's id, as the diff's `index` line gives it


def _base_blob_id(patched: PatchedFile | _PlainFile) -> str | None:
    if isinstance(patched, _PlainFile):
        return patched.base_id
    for line in patched.patch_info or ():
        if line.startswith("index "):
            found = _INDEX_LINE.match(line)
            return found.group(1) if found else None
    return None


_INDEX_LINE = re.compile(r"^index ([0-9a-f]{40}|[0-9a-f]{64})\.\.")


def _diff_args(revisions: Revisions, *options: str) -> list[str]:
    args = ["diff", "--no-color", "--no-ext-diff", *options]
    if revisions.staged:
        return [*args, "--cached", revisions.base]
    if revisions.head:
        return [*args, revisions.base, revisions.head]
    return [*args, revisions.base]


def _diff(repo: Path, revisions: Revisions, paths: Sequence[str]) -> list[PatchedFile | _PlainFile]:
    raw = git(repo, *_diff_args(revisions, "-M", "-U0", "--full-index", "--src-prefix=a/", "--dst-prefix=b/"), "--", *paths)
    files: list[PatchedFile | _PlainFile] = []
    pending: list[str] = []

    def parse_pending() -> None:
        if pending:
            from unidiff import PatchSet  # (here: most files are read without it, and start-up is shorter)
            from unidiff.errors import UnidiffParseError

            try:
                files.extend(PatchSet(io.StringIO("".join(pending))))
            except UnidiffParseError as error:
                raise GitError(f"cannot read git's diff: {error}") from error
            pending.clear()

    for section in _sections(raw.decode("utf-8", "surrogateescape")):
        new = (_new_file(section) or _modified_file(section)) if section else None
        if new is None:
            if section:
                pending.append(section)
            continue
        parse_pending()  # keep git's order of files
        files.append(new)
    parse_pending()
    return files


def _sections(text: str) -> list[str]:
    """git's diff cut before each line that starts with `diff --git ` (one file's part each; no
    line of a part's body can start so, as each starts with `+`, `-`, ` `, `\\` or `@@`). A plain
    string split, at C speed: a million-line diff is cut in milliseconds."""
    parts = text.split("\ndiff --git ")
    last = len(parts) - 1
    return [("diff --git " if index else "") + part + ("\n" if index < last else "") for index, part in enumerate(parts)]


_NEW_FILE_HUNK = re.compile(r"@@ -0,0 \+1(?:,(\d+))? @@")
_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@", re.MULTILINE)
_MODIFIED_HEADER = re.compile(
    r"diff --git a/(?P<path>[^\n]+) b/(?P=path)\n"
    r"index (?P<base>[0-9a-f]{40}|[0-9a-f]{64})\.\.(?:[0-9a-f]{40}|[0-9a-f]{64}) [0-7]{6}\n"
    r"--- a/(?P=path)\n\+\+\+ b/(?P=path)\n(?=@@ )"
)


@dataclass(frozen=True)
class _PlainFile:
    """A text file's part of the diff, read without unidiff: a new file (every line added, as its
    one `-U0` hunk says) or a file modified in place, whose `-U0` hunks hold no context, so their
    headers alone say which lines go and come. (unidiff builds an object per line, and most of a
    big change's diff is such files; anything less plain than this goes through unidiff.)"""

    target_file: str
    added_lines: frozenset[int]
    deleted_lines: frozenset[int] = frozenset()
    source_file: str = "/dev/null"
    base_id: str | None = None  # the base blob, from the `index` line
    is_binary_file: bool = False
    is_rename: bool = False


def _new_file(section: str) -> _PlainFile | None:
    end = section.find("\n@@ ")  # the header ends where the one hunk starts
    header = section[:end]
    if end < 0 or "\nnew file mode " not in header or "\n--- /dev/null\n" not in header + "\n":
        return None
    target = header.rsplit("\n+++ ", 1)
    if len(target) != 2 or "\n" in target[1] or not target[1].startswith("b/") or any(c in target[1] for c in ' \t"'):
        return None
    hunk = _NEW_FILE_HUNK.match(section, end + 1)
    if hunk is None or section.count("\n@@ ", end + 1) != 0:
        return None
    count = int(hunk.group(1)) if hunk.group(1) else 1
    return _PlainFile(target[1], frozenset(range(1, count + 1)))


def _modified_file(section: str) -> _PlainFile | None:
    """A file changed in place (no rename, no mode change, not binary), its path plain (no space,
    tab, quote or backslash, which git would quote or pad): `@@ -a,b +c,d @@` deletes base lines
    a..a+b-1 and adds head lines c..c+d-1 (a count left out is 1)."""
    header = _MODIFIED_HEADER.match(section)
    if header is None or any(c in header["path"] for c in ' \t"\\'):
        return None
    added: list[int] = []
    deleted: list[int] = []
    for hunk in _HUNK.finditer(section, header.end()):
        start, count = int(hunk[1]), int(hunk[2] or 1)
        deleted.extend(range(start, start + count))
        start, count = int(hunk[3]), int(hunk[4] or 1)
        added.extend(range(start, start + count))
    return _PlainFile(f"b/{header['path']}", frozenset(added), frozenset(deleted), f"a/{header['path']}", header["base"])


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "git failed"


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
            yield _Entry(path, None, frozenset(range(1, count + 1)), frozenset(), "added")


def _read_blobs(repo: Path, revisions: Revisions, entries: Sequence[_Entry], objects: Objects,
                heads: Mapping[str, bytes]) -> dict[tuple[str, str], bytes | None]:
    """Both sides' contents, read from git objects in one batch (or from the working tree);
    `heads` are head blobs already read (`_HeadBlobs`).

    A file the change only adds lines to (a marker, an import on every test of a big change) has
    its base rebuilt from its head without those lines, and kept only when it hashes to the base
    blob the diff names: the same bytes, without reading that blob."""
    specs: list[tuple[tuple[str, str], str]] = []
    blobs: dict[tuple[str, str], bytes | None] = {}
    rebuilt: list[_Entry] = []
    for entry in entries:
        if entry.base_path and entry.status != "source" and entry.base_id and not entry.deleted:
            rebuilt.append(entry)
        elif entry.base_path:
            specs.append((("base", entry.base_path), f"{revisions.base}:{entry.base_path}"))
        if entry.status == "source":
            continue
        if entry.path in heads:
            blobs[("head", entry.path)] = heads[entry.path]
        elif revisions.head:
            specs.append((("head", entry.path), f"{revisions.head}:{entry.path}"))
        elif revisions.staged:
            specs.append((("head", entry.path), f":{entry.path}"))
        else:
            try:
                blobs[("head", entry.path)] = (repo / entry.path).read_bytes()
            except OSError:
                blobs[("head", entry.path)] = None
    blobs.update(zip((key for key, _ in specs), objects.read_many([spec for _, spec in specs])))
    unmatched = []
    for entry in rebuilt:
        assert entry.base_path is not None and entry.base_id is not None
        head = blobs.get(("head", entry.path))
        base = _without_lines(head, entry.added) if head is not None else None
        if base is not None and _blob_id(base, len(entry.base_id)) == entry.base_id:
            blobs[("base", entry.base_path)] = base
        else:
            unmatched.append(entry.base_path)
    if unmatched:  # a filter or a text conversion made the diff read other bytes: read the blobs
        blobs.update(zip((("base", p) for p in unmatched), objects.read_many([f"{revisions.base}:{p}" for p in unmatched])))
    return blobs


def _without_lines(data: bytes, numbers: frozenset[int]) -> bytes:
    """`data` without the lines (1-based, each ending at a newline as git counts them) in `numbers`."""
    if len(numbers) <= 8:  # a marker or an import: cut those few out, no Python loop over every line
        pieces = data.split(b"\n")  # line N is pieces[N - 1]; the last piece follows the final newline
        tail = len(pieces)
        for number in sorted((n for n in numbers if 1 <= n <= tail), reverse=True):
            if number == tail:
                pieces[-1] = b""  # a last line without a newline goes; the line before keeps its own
            else:
                del pieces[number - 1]
        return b"\n".join(pieces)
    lines = data.split(b"\n")
    last = lines.pop()  # after the final newline: b"" (or a last line without one)
    kept = [line + b"\n" for number, line in enumerate(lines, 1) if number not in numbers]
    if last and len(lines) + 1 not in numbers:
        kept.append(last)
    return b"".join(kept)


def _blob_id(data: bytes, length: int) -> str:
    """The id git gives a blob of these bytes (SHA-1, or SHA-256 in a repository that uses it)."""
    import hashlib  # (here: on the reading thread, not at start-up)

    digest = hashlib.sha1() if length == 40 else hashlib.sha256()
    digest.update(b"blob %d\0" % len(data))
    digest.update(data)
    return digest.hexdigest()


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
        # Python's own rule (PEP 263) reads a coding cookie from the first two lines only: without
        # one there (nor a BOM), the text is UTF-8, with no tokenizer machinery per file.
        second_end = data.find(b"\n", data.find(b"\n") + 1) if b"\n" in data else -1
        if not data.startswith(codecs.BOM_UTF8) and b"coding" not in (data[:second_end] if second_end >= 0 else data):
            return data.decode("utf-8")
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError):
        notices.append(Notice(path, "not valid UTF-8 (nor its declared encoding): undecodable bytes were replaced before checking"))
        return data.decode("utf-8", "replace")


def _strip(name: str) -> str:
    return name[2:] if name.startswith(("a/", "b/")) else name


def read_at(repo: Path, revision: str, path: str) -> str | None:
    """One file's text at a revision, or None when it is not there."""
    try:
        return git(repo, "show", f"{revision}:{path}").decode("utf-8", "replace")
    except GitError:
        return None


def file_history(repo: Path, revision: str, path: str, limit: int = 100) -> list[str]:
    """The commits of `revision`'s history that changed `path`, newest first (at most `limit`;
    none when `revision` is not a commit, as the empty tree before a first commit)."""
    out = git(repo, "log", f"--max-count={limit}", "--format=%H", revision, "--", path, check=False)
    return out.decode().split()
