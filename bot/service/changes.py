"""A pull request, read from GitHub into the engine's `FileChange` values.

Only integration/e2e Python files are fetched. A file without `patch` (GitHub leaves it out of
large and binary diffs) is "unknown", never "clean": both blobs are fetched and diffed here. A
pull request past the files listing's 3,000-file limit is completed through the git data API
(trees of base and head), and any file that still cannot be read is named in the check.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from bot.engine import FileChange, lines_from_patch, lines_from_texts
from bot.engine.config import Config
from bot.github import ChangedFile, InstallationClient, PullRequest, commentable_lines

log = logging.getLogger("mockguard.changes")

RULES_FILE = ".github/mockguard.yml"


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


def read_changes(inst: InstallationClient, repo: str, pull: PullRequest, config: Config, files: list[ChangedFile],
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

    def read(entry: ChangedFile) -> tuple[str | None, str | None]:
        path, previous = entry.path, entry.previous_path
        head_text = inst.blob_text(repo, entry.blob_sha) if entry.blob_sha else inst.file_text(repo, path, head_sha)
        base_text = None if entry.status == "added" else inst.file_text(repo, previous or path, base_sha)
        return base_text, head_text

    # Blobs are fetched a few at a time; the client's per-installation slots keep it polite.
    with ThreadPoolExecutor(max_workers=max(1, parallel), thread_name_prefix="blobs") as pool:
        texts = list(pool.map(read, wanted))
    for entry, (base_text, head_text) in zip(wanted, texts):
        path, previous, patch = entry.path, entry.previous_path, entry.patch
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


def _beyond_listing(inst: InstallationClient, repo: str, base_sha: str, head_sha: str, config: Config,
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
