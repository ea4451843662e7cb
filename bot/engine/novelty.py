"""Which of the sites on added lines are new, and which only moved or were edited in place.

Every site that the head adds on an added line is paired, if it can be, with a site that the
base loses on a deleted line: first by identical code (moved, re-indented, re-wrapped), then by
the same mocked component (arguments or spec changed, target moved to a new module path of the
same component). What stays unpaired is new. Unchanged lines pair with themselves, so when the
head has more occurrences of one mock than the base, the extra ones are new.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from .model import Site
from .sites import ImportSite


def new_sites(head_added: Iterable[Site], base_deleted: Iterable[Site]) -> tuple[list[Site], list[Site]]:
    """The head's sites that pair with nothing in the base, and the base's sites left unpaired
    (a site can move to another file of the same change)."""
    unpaired = list(head_added)
    pool = list(base_deleted)
    for key in (_exact, _component):
        unpaired, pool = _pair_off(unpaired, pool, key)
    return unpaired, pool


def moved_between_files(sites: list[Site], pool: list[Site]) -> tuple[list[Site], list[Site]]:
    """Pair sites with identical code deleted from other files of the change (a test moved from
    tests/unit/ to tests/integration/ brings its mocks along; they are not new)."""
    return _pair_off(sites, pool, _exact)


def _exact(site: Site) -> str:
    return site.exact_key


def _component(site: Site) -> str:
    # Keys carry their family ("patch:", "mock:", ...): patch, mocker.patch and monkeypatch.setattr
    # replace the same thing. "mock:None" says nothing about what is mocked: only code pairs those.
    if site.component_key.endswith(":None"):
        return f"\0{site.exact_key}"
    return site.component_key


def _pair_off(sites: list[Site], pool: list[Site], key: Callable[[Site], str]) -> tuple[list[Site], list[Site]]:
    available: dict[str, list[Site]] = defaultdict(list)
    for old in pool:
        available[key(old)].append(old)
    unpaired = []
    for site in sites:
        candidates = available.get(key(site))
        if candidates:
            candidates.pop(0)
        else:
            unpaired.append(site)
    left = [old for olds in available.values() for old in olds]
    return unpaired, left


def new_imports(head_added: Iterable[ImportSite], base_imports: Iterable[ImportSite], base_names: set[str]) -> list[ImportSite]:
    """Imports of a mocking library the base did not import, and that bind no name the base
    already used (an import that repairs existing usage is not new)."""
    imported = {i.library for i in base_imports}
    return [i for i in head_added if i.library not in imported and not (set(i.names) & base_names)]
