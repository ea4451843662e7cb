"""Which of the sites on added lines are new, and which only moved or were edited in place.

A site the head adds is cancelled only by a site the base loses that is the **same mock**:
- identical code (moved, re-indented, re-wrapped), or the same target edited in place (arguments,
  spec, `autospec` changed): the whole target counts, `app.payments.client.send` is not
  `app.email.client.send`, and `patch.object(PaymentsClient, "send")` is not
  `patch.object(EmailClient, "send")`;
- a mock object built without a target (`MagicMock()`, `AsyncMock(spec=X)`) only by one bound to
  the same name in the same function, fixture or class, or in a function that moved as a whole
  (most of its body deleted in one place and added in another). Identical code in two different
  tests is not a pair, and nothing pairs by category alone.
Pairs are taken nearest first: in the same function before anywhere else, identical code bound to
the same name before identical code bound to another, identical code before an edit, so when one
mock becomes two (a copy for a new test while the original is edited) the finding goes on the copy.
Unchanged lines pair with themselves, so when the head has more occurrences of one mock than the
base, the extra ones are new.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from .model import ImportSite, Site


@dataclass(frozen=True)
class Sides:
    """What pairing may look at beyond the sites: which lines changed and the two texts'
    lines (to tell a function that moved as a whole). Empty: constructions pair in place only."""

    added: frozenset[int] = frozenset()
    deleted: frozenset[int] = frozenset()
    head_lines: Sequence[str] = ()
    base_lines: Sequence[str] = ()


def is_construction(site: Site) -> bool:
    """A mock object built without a patch target: identified by where it stands, not what it is."""
    return site.component_key.startswith("mock:")


def new_sites(head_added: Iterable[Site], base_deleted: Iterable[Site], sides: Sides = Sides()) -> tuple[list[Site], list[Site]]:
    """The head's sites that pair with nothing in the base, and the base's sites left unpaired
    (a site can move to another file of the same change)."""
    unpaired, pool = list(head_added), list(base_deleted)
    moved = _moved_whole(sides)
    passes: list[Callable[[Site, Site], bool]] = [
        # Nearest first: in one function, a mock object keeps its pair by name before identical
        # code bound to another name takes it (`hook = Mock()` moved onto `app.hook = Mock()`
        # while `app = Mock()` is new).
        lambda new, old: new.scope == old.scope and new.exact_key == old.exact_key and new.bound == old.bound,
        lambda new, old: new.scope == old.scope and new.exact_key == old.exact_key,
        lambda new, old: new.scope == old.scope and _same_mock(new, old),
        lambda new, old: new.exact_key == old.exact_key and (not is_construction(new) or moved(new, old)),
        lambda new, old: _same_mock(new, old) and (not is_construction(new) or moved(new, old)),
    ]
    for matches in passes:
        unpaired, pool = _pair_off(unpaired, pool, matches)
    return unpaired, pool


def moved_between_files(sites: list[Site], pool: list[Site]) -> tuple[list[Site], list[Site]]:
    """Pair sites with the same mocks deleted from other gated files of the change (a test moved to
    another file, patches consolidated into a conftest fixture). A mock object moves with its test:
    the same code in a function of the same name."""
    passes: list[Callable[[Site, Site], bool]] = [
        lambda new, old: new.exact_key == old.exact_key and (not is_construction(new) or new.scope == old.scope),
        lambda new, old: _same_mock(new, old) and (not is_construction(new) or new.scope == old.scope),
    ]
    for matches in passes:
        sites, pool = _pair_off(sites, pool, matches)
    return sites, pool


def pair_retargets(sites: list[Site], pool: list[Site], same_object: Callable[[str, str], bool]) -> tuple[list[Site], list[Site]]:
    """Pair a patch whose target only follows its module to a new path (`same_object` says so,
    from what the change renamed or the head tree shows) with the old patch."""

    def matches(new: Site, old: Site) -> bool:
        return (
            not is_construction(new)
            and new.component_key.split(":", 1)[0] == old.component_key.split(":", 1)[0]
            and bool(new.target and old.target)
            and new.target != old.target
            and same_object(old.target or "", new.target or "")
        )

    return _pair_off(sites, pool, matches)


def _same_mock(new: Site, old: Site) -> bool:
    # Keys carry their family ("patch:", "mock:", ...): patch, mocker.patch and monkeypatch.setattr
    # replace the same thing. A mock object with no name to go by pairs only by its code.
    if is_construction(new):
        return new.bound is not None and new.bound == old.bound and new.component_key == old.component_key
    return new.component_key == old.component_key and not new.component_key.endswith(":None")


def _moved_whole(sides: Sides) -> Callable[[Site, Site], bool]:
    """Whether the function around `old` moved as a whole to the one around `new`: most of it
    deleted from the base, most of the new one added, and mostly the same lines."""

    def share(lines: Sequence[str], span: tuple[int, int], changed: frozenset[int]) -> tuple[float, set[str]]:
        numbers = [n for n in range(span[0], span[1] + 1) if 0 < n <= len(lines) and lines[n - 1].strip()]
        if not numbers:
            return 0.0, set()
        return sum(1 for n in numbers if n in changed) / len(numbers), {lines[n - 1].strip() for n in numbers}

    def moved(new: Site, old: Site) -> bool:
        if new.scope_lines is None or old.scope_lines is None or not sides.head_lines or not sides.base_lines:
            return False
        added_share, new_body = share(sides.head_lines, new.scope_lines, sides.added)
        deleted_share, old_body = share(sides.base_lines, old.scope_lines, sides.deleted)
        if added_share < 0.5 or deleted_share < 0.5:
            return False
        return len(new_body & old_body) >= 0.5 * max(len(new_body), len(old_body))

    return moved


def _pair_off(sites: list[Site], pool: list[Site], matches: Callable[[Site, Site], bool]) -> tuple[list[Site], list[Site]]:
    left = list(pool)
    unpaired = []
    for site in sites:
        for index, old in enumerate(left):
            if matches(site, old):
                del left[index]
                break
        else:
            unpaired.append(site)
    return unpaired, left


def new_imports(head_added: Iterable[ImportSite], base_imports: Iterable[ImportSite], base_names: set[str]) -> list[ImportSite]:
    """Imports of a mocking library the base did not import, and that bind no name the base
    already used (an import that repairs existing usage is not new)."""
    imported = {i.library for i in base_imports}
    return [i for i in head_added if i.library not in imported and not (set(i.names) & base_names)]


def module_moved(
    old: str,
    new: str,
    renamed: Sequence[tuple[str, str]],
    exists: Callable[[str], bool] | None,
    still_defined: Callable[[str], bool] | None = None,
) -> bool:
    """Whether patch target `new` is `old` after its module moved, not another object: the change
    renames the old module to the new one, or the head tree has the new module and no longer the
    old one. Without such evidence a changed target is a retarget (`app.payments.client.send`
    becoming `app.email.client.send` while both modules exist is a new mock). A missing "module"
    that is an object of a module the head still has (`app.runner.Runner` in `app/runner.py`,
    `still_defined` says so) did not move either: `app.runner.Runner.execute` becoming
    `app.bundles.execute` patches a function instead of a method."""
    o, n = old.split("."), new.split(".")
    common = 0
    while common < min(len(o), len(n)) and o[-1 - common] == n[-1 - common]:
        common += 1
    if common == 0 or common == min(len(o), len(n)):
        return False
    for before, after in renamed:
        b, a = before.split("."), after.split(".")
        for i in range(len(o) - common, len(o)):
            j = len(n) - (len(o) - i)
            if j > 0 and b[-i:] == o[:i] and a[-j:] == n[:j]:
                return True
    if exists is None:
        return False
    for j in range(len(n) - 1, len(n) - common - 1, -1):
        if exists(".".join(n[:j])):
            i = len(o) - (len(n) - j)
            gone = ".".join(o[:i])
            return not exists(gone) and not (still_defined is not None and still_defined(gone))
    return False
