"""A read-only view of the head tree: the files a change does not list but whose code decides
whether a test gets a mock (conftest.py files, fixture and helper modules, pytest's ini files).

The engine stays pure: its caller hands it a lookup (path -> text, None when absent) built on git
for the command line or on GitHub for the service; the view reads each path at most once per run
and answers the change's own files from the change.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..model import FileChange

TreeLookup = Callable[[str], "str | None"]


class HeadTree:
    def __init__(self, lookup: TreeLookup | None, changes: Sequence[FileChange] = ()) -> None:
        self._lookup = lookup
        self._texts: dict[str, str | None] = {}
        for change in changes:
            if change.head_text is not None:
                self._texts[change.path] = change.head_text
            elif change.status == "deleted":
                self._texts[change.path] = None
        self.reads = 0  # lookups that reached the caller's view (for tests and benchmarks)

    def text(self, path: str) -> str | None:
        """The file's head text, or None when the head has no such file (or no view was given)."""
        path = path.strip("/")
        if not path or path.startswith("../") or "/../" in path or path == "..":
            return None  # every path the engine builds is inside the repository
        if path in self._texts:
            return self._texts[path]
        text = None
        if self._lookup is not None:
            self.reads += 1
            text = self._lookup(path)
        self._texts[path] = text
        return text

    def exists(self, path: str) -> bool:
        return self.text(path) is not None
