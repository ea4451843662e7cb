"""Two inventories in, what changed between them out: sites added, removed and moved.

A site is known by what it is, not where it stands: its rule, construct, target and code without
layout. The same site in the same file at another line is unchanged; one that left a file while an
identical one arrived in another is moved; the rest were added or removed. Counting (not sets) keeps
a second copy of one mock an addition.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from .inventory import AuditSite, Inventory


@dataclass(frozen=True)
class InventoryComparison:
    before: int  # open sites at the older revision
    after: int
    added: tuple[AuditSite, ...]
    removed: tuple[AuditSite, ...]
    moved: tuple[tuple[AuditSite, AuditSite], ...]  # (old, new)


def identity(site: AuditSite) -> tuple[str, str, str, str]:
    return (site.rule, site.construct, site.target or "", "".join(site.code.split()))


def compare(old: Inventory, new: Inventory) -> InventoryComparison:
    old_sites = [s for s in old.sites if s.status == "open"]
    new_sites = [s for s in new.sites if s.status == "open"]
    old_count = Counter((s.path, identity(s)) for s in old_sites)
    new_count = Counter((s.path, identity(s)) for s in new_sites)
    gone = old_count - new_count
    came = new_count - old_count
    removed = _take(old_sites, gone)
    added = _take(new_sites, came)
    moved: list[tuple[AuditSite, AuditSite]] = []
    pool: dict[tuple[str, str, str, str], list[AuditSite]] = {}
    for site in removed:
        pool.setdefault(identity(site), []).append(site)
    still_added = []
    for site in added:
        candidates = pool.get(identity(site))
        if candidates:
            moved.append((candidates.pop(0), site))
        else:
            still_added.append(site)
    still_removed = [s for olds in pool.values() for s in olds]
    order = lambda s: (s.path, s.line)  # noqa: E731
    return InventoryComparison(
        before=len(old_sites),
        after=len(new_sites),
        added=tuple(sorted(still_added, key=order)),
        removed=tuple(sorted(still_removed, key=order)),
        moved=tuple(sorted(moved, key=lambda pair: order(pair[1]))),
    )


def _take(sites: list[AuditSite], wanted: Counter) -> list[AuditSite]:
    """The sites whose (path, identity) is in `wanted`, as many as counted, the last ones first
    (an appended copy is the added one)."""
    left = Counter(wanted)
    chosen = []
    for site in reversed(sites):
        key = (site.path, identity(site))
        if left[key] > 0:
            left[key] -= 1
            chosen.append(site)
    return chosen
