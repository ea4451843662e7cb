"""A pull request, read from GitHub into the engine's `FileChange` values.

Through git first (`read_with_git`): the repository's cached partial clone fetches the base, the
head and their history (commits and trees), then, in one batch, the blobs of the changed Python
files and of the rules file; the change is then read by the CLI's own code (bot/gitrepo.py). Two
fetches, whatever the size of the pull request.

Through the REST API when git cannot fetch (`read_changes`, the fall-back): only integration/e2e
Python files are fetched, two requests each. A file without `patch` (GitHub leaves it out of
large and binary diffs) is "unknown", never "clean": both blobs are fetched and diffed here. A
pull request past the files listing's 3,000-file limit is completed through the git data API
(trees of base and head), and any file that still cannot be read is named in the check.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from unidiff import PatchSet

from bot.engine import FileChange, lines_from_patch, lines_from_texts
from bot.engine.origin import DEPENDENCY_FILES
from bot.engine.rulesfile import RULES_FILE, ConfigAnswers
from bot.github import ChangedFile, InstallationClient, NotFound, PullRequest, commentable_lines
from bot.github.gitfetch import GitFetchError, fetch
from bot.gitrepo import GitError, Revisions, git, read_change

log = logging.getLogger("mockguard.changes")


@dataclass
class PullChanges:
    changes: list[FileChange] = field(default_factory=list)
    commentable: dict[str, frozenset[int]] = field(default_factory=dict)  # path -> head lines in hunks
    paths: set[str] = field(default_factory=set)  # every changed path GitHub listed
    unanalysed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def changed_files(inst: InstallationClient, repo: str, pull: PullRequest) -> tuple[list[ChangedFile], bool]:
    """GitHub's file list and whether it is complete (it stops at 3,000 files)."""
    files = inst.pull_files(repo, pull.number)
    complete = pull.changed_files is None or len(files) >= pull.changed_files
    return files, complete


def read_changes(inst: InstallationClient, repo: str, pull: PullRequest, config: ConfigAnswers, files: list[ChangedFile],
                 complete: bool, parallel: int = 4) -> PullChanges:
    base_sha, head_sha = pull.base_sha, pull.head_sha
    result = PullChanges(paths={entry.path for entry in files})
    wanted = [entry for entry in files if entry.status != "removed" and (
        config.is_integration_test(entry.path) or
        (entry.previous_path is not None and config.is_integration_test(entry.previous_path)))]
    if not complete or any(entry.status != "added" for entry in wanted):
        # GitHub's patches are against the merge base, not the base branch's tip: once the base
        # branch has moved on, only the merge base's text matches their deleted-line numbers.
        base_sha = inst.merge_base(repo, base_sha, head_sha)

    def read(entry: ChangedFile) -> tuple[str | None, str | None] | NotFound:
        path, previous = entry.path, entry.previous_path
        try:
            head_text = inst.blob_text(repo, entry.blob_sha) if entry.blob_sha else inst.file_text(repo, path, head_sha)
            base_text = None if entry.status == "added" else inst.file_text(repo, previous or path, base_sha)
        except NotFound as error:  # a blob GitHub cannot serve: this file is lost, not the whole check
            return error
        return base_text, head_text

    # Blobs are fetched a few at a time; the client's per-installation slots keep it polite.
    with ThreadPoolExecutor(max_workers=max(1, parallel), thread_name_prefix="blobs") as pool:
        texts = list(pool.map(read, wanted))
    for entry, read_texts in zip(wanted, texts):
        path, previous, patch = entry.path, entry.previous_path, entry.patch
        if isinstance(read_texts, NotFound):
            result.unanalysed.append(path)
            result.notes.append(f"`{path}` could not be read from GitHub ({read_texts}); it was NOT analysed.")
            continue
        base_text, head_text = read_texts
        if patch:
            added, deleted = lines_from_patch(patch)
        else:
            added, deleted = lines_from_texts(base_text, head_text)
            result.notes.append(f"`{path}`: GitHub sent no diff for this file (too large); it was diffed locally.")
        result.commentable[path] = commentable_lines(patch)
        result.changes.append(FileChange(
            path=path, base_path=previous, base_text=base_text, head_text=head_text, added_lines=added,
            deleted_lines=deleted, status=_status(entry.status)))
    if not complete:
        _beyond_listing(inst, repo, base_sha, head_sha, config, result)
    return result


def _status(github_status: str) -> str:
    return {"added": "added", "removed": "deleted", "renamed": "renamed"}.get(github_status, "modified")


def _beyond_listing(inst: InstallationClient, repo: str, base_sha: str, head_sha: str, config: ConfigAnswers,
                    result: PullChanges) -> None:
    """Files past GitHub's listing limit: compare the trees of merge base and head for integration test files."""
    try:
        base_tree, head_tree = inst.tree(repo, base_sha), inst.tree(repo, head_sha)
    except Exception as error:  # noqa: BLE001 - reported in the check, never a silent pass
        result.notes.append(f"The pull request has more files than GitHub lists and its trees could not be "
                            f"read ({error}); files past the listing were NOT analysed.")
        result.unanalysed.append("(files past GitHub's 3,000-file listing)")
        return
    base_blobs = {entry.path: entry.blob_sha for entry in base_tree.blobs}
    head_blobs = {entry.path: entry.blob_sha for entry in head_tree.blobs}
    for path, sha in sorted(head_blobs.items()):
        if path in result.paths or base_blobs.get(path) == sha or not config.is_integration_test(path):
            continue
        head_text = inst.blob_text(repo, sha)
        base_text = inst.blob_text(repo, base_blobs[path]) if path in base_blobs else None
        added, deleted = lines_from_texts(base_text, head_text)
        result.paths.add(path)
        result.commentable[path] = frozenset()
        result.changes.append(FileChange(path=path, base_path=None, base_text=base_text, head_text=head_text,
                                         added_lines=added, deleted_lines=deleted,
                                         status="modified" if base_text is not None else "added"))
    result.notes.append("The pull request has more files than GitHub's file listing shows; the rest were "
                        "compared through the git data API (trees of merge base and head).")
    if base_tree.truncated or head_tree.truncated:
        result.unanalysed.append("(files past the truncated git tree listing)")
        result.notes.append("GitHub truncated the repository tree; some files were NOT analysed.")


# -- through git -------------------------------------------------------------------------------
PYTHON = "*.py"  # pathspec: the files that can hold a site (in any folder)
NO_OBJECT = "0" * 40


@dataclass(frozen=True)
class GitPull:
    """A pull request fetched into a local clone: what the job needs before it knows the rules."""

    path: Path
    merge_base: str
    head_sha: str
    rules_at_base: str | None  # the rules file at the base branch's tip
    rules_at_head: str | None
    rules_changed: bool
    head_files: dict[str, str] = field(default_factory=dict)  # path -> blob id of every file of the head (its trees)
    fetched: set[str] = field(default_factory=set)  # blob ids in the clone: the batch, then any fetched since

    def head_text(self, path: str, fetch_blob: Callable[[str], None] | None = None) -> str | None | Missing:
        """A file of the head the engine follows fixtures and helpers into, from the clone: None when
        the head has no such file (its trees say so, no request), its text when its blob is here or
        `fetch_blob` brings it over git, MISSING when the clone cannot tell (ask GitHub)."""
        oid = self.head_files.get(path)
        if oid is None:
            return None
        if oid not in self.fetched:
            if fetch_blob is None:
                return MISSING
            try:
                fetch_blob(oid)
            except (GitFetchError, OSError):
                return MISSING
            self.fetched.add(oid)
        try:
            return _blob_text(self.path, oid)
        except GitError:  # the clone went away (evicted meanwhile): ask GitHub instead
            return MISSING


class Missing:
    """Not known from the clone."""


MISSING = Missing()
# Files the engine reads from the head tree to follow fixtures and to tell whose code a target is
# (besides the change's own files): fetched with the change's blobs, so that following them costs
# no request per file. Other files (a helper module) come over git, one small fetch when first read.
PYTEST_FILES = frozenset({"conftest.py", "pytest.ini", "pyproject.toml", "setup.cfg", "tox.ini"})  # in any folder


def _prefetched(path: str) -> bool:
    return path.rsplit("/", 1)[-1] in PYTEST_FILES or path in DEPENDENCY_FILES


def fetch_pull(local: Path, token: str, pull: PullRequest) -> GitPull:
    """Fetch 1: base and head with their history, commits and trees only. Fetch 2: in one batch, the
    blobs of every changed Python file (both sides) and of the rules file, so that nothing later
    needs a blob fetched one at a time."""
    fetch(local, token, [f"+{pull.base_sha}:refs/mockguard/base", f"+{pull.head_sha}:refs/mockguard/head"])
    merge_base = git(local, "merge-base", pull.base_sha, pull.head_sha).decode().strip()
    raw = git(local, "diff", "--raw", "-z", "--no-renames", "--no-abbrev", merge_base, pull.head_sha,
              "--", PYTHON, RULES_FILE).decode("utf-8", "surrogateescape")
    wanted: set[str] = set()
    rules_changed = False
    fields = raw.split("\0")
    for meta, path in zip(fields[0::2], fields[1::2]):
        parts = meta.split()
        if len(parts) < 5:
            continue
        wanted.update(oid for oid in parts[2:4] if oid != NO_OBJECT)
        rules_changed = rules_changed or path == RULES_FILE
    rules = {side: _object_id(local, f"{sha}:{RULES_FILE}") for side, sha in (("base", pull.base_sha),
                                                                                ("head", pull.head_sha))}
    wanted.update(oid for oid in rules.values() if oid)
    head_files = _head_files(local, pull.head_sha)
    wanted.update(oid for path, oid in head_files.items() if _prefetched(path))
    if wanted:
        fetch(local, token, sorted(wanted), blobs=True)
    return GitPull(local, merge_base, pull.head_sha, _blob_text(local, rules["base"]), _blob_text(local, rules["head"]),
                   rules_changed, head_files, set(wanted))


def _head_files(local: Path, head: str) -> dict[str, str]:
    """Every file of the head and its blob id, from its trees (no blob needed)."""
    listing = git(local, "ls-tree", "-r", "-z", "--full-tree", head).decode("utf-8", "surrogateescape")
    files: dict[str, str] = {}
    for entry in filter(None, listing.split("\0")):
        meta, _, path = entry.partition("\t")
        parts = meta.split()
        if len(parts) == 3 and parts[1] == "blob":
            files[path] = parts[2]
    return files


def read_with_git(fetched: GitPull, config: ConfigAnswers) -> PullChanges:
    """The change between merge base and head, read as `mockguard check` reads it."""
    read = read_change(fetched.path, Revisions(fetched.merge_base, fetched.head_sha), paths=[PYTHON],
                       wanted=config.is_integration_test)
    changes, notices = read.changes, read.notices
    result = PullChanges(changes=changes, paths={c.path for c in changes})
    result.notes = [f"`{notice.path}`: {notice.message}" if notice.path else notice.message for notice in notices]
    result.unanalysed += read.unreadable  # a blob git could not get: named in the check, never a silent pass
    # GitHub accepts review comments on the lines of its diff's hunks (3 lines of context).
    reported = {c.path for c in changes if c.status != "source"}
    if reported:
        hunks_of = [PYTHON] if not read.unreadable else [f":(literal){path}" for path in sorted(reported)]
        diff = git(fetched.path, "diff", "--no-color", "--no-ext-diff", "-M", "-U3", fetched.merge_base,
                   fetched.head_sha, "--", *hunks_of).decode("utf-8", "surrogateescape")
        for patched in PatchSet(io.StringIO(diff)):
            path = patched.path
            if path in reported:
                result.commentable[path] = frozenset(
                    line for hunk in patched for line in range(hunk.target_start, hunk.target_start + hunk.target_length))
    return result


def _object_id(local: Path, spec: str) -> str | None:
    """The id of `commit:path` from the tree alone (no blob needed), or None when it is not there."""
    out = git(local, "rev-parse", "--verify", "--quiet", spec, check=False).decode().strip()
    return out or None


def _blob_text(local: Path, oid: str | None) -> str | None:
    if oid is None:
        return None
    return git(local, "cat-file", "blob", oid).decode("utf-8", "replace")
