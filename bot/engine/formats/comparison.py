"""What a report compared: the base as given and as resolved, the merge base, and the head.

A green result is only worth something when it says what it is green for: every format prints
this, so a run that compared the wrong revisions is visible in its own output."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Comparison:
    base_given: str | None  # --base as typed; None when the default was used
    base_ref: str | None  # what the base resolved from ("main", "origin/main", "HEAD")
    base_commit: str | None  # full commit id of that ref
    merge_base: str | None  # full id of the merge base with the head, when one was computed
    head_given: str | None  # --head as typed; None for the working tree or the index
    head_commit: str | None  # full id of the head commit (HEAD's, under a working tree or index)
    head_state: str  # "commit", "working tree" or "index"

    @property
    def compared_with(self) -> str | None:
        """The commit whose tree the change was compared with."""
        return self.merge_base or self.base_commit

    def sentence(self) -> str:
        """`compared main (1a2b3c4, merge base 0f9e8d7) with feature (5d6e7f8)`."""
        base = self.base_given or self.base_ref or "base"
        if self.base_given and self.base_ref and self.base_ref != self.base_given:
            base = f"{self.base_given} ({self.base_ref})"
        detail = [_short(self.base_commit)] if self.base_commit else []
        if self.merge_base:
            detail.append(f"merge base {_short(self.merge_base)}")
        if not self.base_given:
            detail.append("the default branch")
        left = f"{base} ({', '.join(detail)})" if detail else base
        if self.head_state == "commit":
            right = f"{self.head_given or 'head'} ({_short(self.head_commit)})"
        else:
            right = f"the {self.head_state}" + (f" (on {_short(self.head_commit)})" if self.head_commit else "")
        return f"compared {left} with {right}"

    def as_json(self) -> dict[str, Any]:
        return {
            "base": {"given": self.base_given, "ref": self.base_ref, "commit": self.base_commit},
            "merge_base": self.merge_base,
            "head": {"given": self.head_given, "state": self.head_state, "commit": self.head_commit},
        }


def _short(commit: str | None) -> str:
    return commit[:7] if commit else "none"
